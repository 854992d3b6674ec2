/**
 * A config at the largest scale the README promises per stage (50 upload triggers, 100 schedules,
 * 25 scalers over 3 clusters, with stop alerts and image hygiene reading 50 scan files), shaped for the worst case of every
 * limit: no two entries share a task definition or a task role, every name has the longest form
 * automation names allow, every trigger has a prefix, a suffix and size bounds, and every launch has
 * a cap (which adds ListTasks grants), a task size and secrets, every other trigger batches (the manifest
 * bucket and its policy), and every schedule a maximum runtime (which adds StopTask grants and the
 * sweep schedule). Encryption is on (`encryption: kms`): it adds each role's grant on the key and
 * the key's properties on every queue, table, topic and log group.
 */
export const MAX_SCALE = { uploads: 50, schedules: 100, scalers: 25, clusters: 3, buckets: 3 } as const;

const ACCOUNT = '123456789012';
const pad = (text: string, length: number) => `${text}${'x'.repeat(Math.max(0, length - text.length))}`;
/** 24 characters: the longest automation name. */
const longName = (kind: string, index: number) => pad(`${kind}-${index}-`, 24);
const cluster = (index: number) => `cluster-${index % MAX_SCALE.clusters}`;

function task(kind: string, index: number, placeholders: Record<string, string>) {
  return {
    cluster: cluster(index),
    taskDefinition: pad(`${kind}-${index}-family-`, 40),
    container: 'app',
    subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
    securityGroups: ['sg-0123456789abcdef0'],
    environment: placeholders,
    roles: { task: pad(`${kind}-${index}-task-role-`, 40), execution: 'ecsTaskExecutionRole' },
    tags: { team: `team-${index % 7}`, 'cost-center': `cc-${index % 5}` },
    // Every launch reads a secret (a derived task definition each, one execution role reading them
    // all), every fifth a second one from Secrets Manager with its own key.
    secrets: {
      DB_PASSWORD: `/${kind}-${index}/${pad('db-password-', 32)}`,
      ...(index % 5 === 0
        ? {
            API_TOKEN: {
              from: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:${pad(`${kind}-${index}-api-`, 48)}`,
              jsonKey: 'token',
              kmsKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
            },
          }
        : {}),
    },
    maxRunning: 20,
    cpu: 16_384,
    memory: 122_880,
  };
}

export function maxScaleConfig(): Record<string, unknown> {
  return {
    region: 'eu-west-1',
    logLevel: 'INFO',
    encryption: 'kms',
    // 50 stack tags of the longest form: they must not multiply the template past 1 MB.
    tags: Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [pad(`tag-${String(i).padStart(2, '0')}-`, 128), 'v'.repeat(256)]),
    ),
    logRetentionDays: 3653,
    uploads: Array.from({ length: MAX_SCALE.uploads }, (_, i) => ({
      name: longName('upload', i),
      bucket: `media-ingest-${i % MAX_SCALE.buckets}`,
      prefix: `incoming/${pad(`team-${i}-`, 30)}/`,
      suffix: i % 2 === 0 ? '.jpg' : '.mp4',
      minSize: 1,
      maxSize: 10_000_000_000,
      // Every other trigger batches: the manifest bucket's policy names 25 task roles.
      ...(i % 2 === 1 ? { batch: { maxObjects: 99, maxWaitSeconds: 300 } } : {}),
      task: task(
        'upload',
        i,
        i % 2 === 1
          ? { INPUT_BUCKET: '{bucket}' }
          : { INPUT_BUCKET: '{bucket}', INPUT_KEY: '{key}', INPUT_SIZE: '{size}' },
      ),
    })),
    schedules: Array.from({ length: MAX_SCALE.schedules }, (_, i) => ({
      name: longName('sched', i),
      schedule: i % 2 === 0 ? `cron(${i % 60} ${i % 24} * * ? *)` : `rate(${(i % 12) + 1} hours)`,
      timezone: 'Europe/Berlin',
      overlap: (['skip', 'replace', 'allow'] as const)[i % 3],
      ...(i % 4 === 0 ? { flexibleWindowMinutes: 15 } : {}),
      maxRuntimeMinutes: 10_080,
      task: task('sched', i, { SLOT: '{scheduledTime}', SCHEDULE: '{schedule}' }),
    })),
    scalers: Array.from({ length: MAX_SCALE.scalers }, (_, i) => ({
      name: longName('scale', i),
      queue:
        i % 3 === 0
          ? `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/${pad(`jobs-${i}-`, 60)}`
          : pad(`jobs-${i}-`, 60),
      cluster: cluster(i),
      service: pad(`worker-${i}-`, 60),
      messagesPerTask: 10,
      min: 0,
      max: 40,
    })),
    alerts: {
      emails: ['oncall@example.com', 'platform@example.com'],
      clusters: Array.from({ length: MAX_SCALE.clusters }, (_, i) => cluster(i)),
    },
    images: {
      mode: 'preview',
      // This account's scan and 50 other accounts' (the most allowed), every URI of the longest form.
      scanOutput: `s3://${pad('scans-out-', 63)}/${pad('own-', 256)}`,
      protect: {
        clusters: Array.from({ length: MAX_SCALE.clusters }, (_, i) => cluster(i)),
        fromScans: Array.from(
          { length: 50 },
          (_, i) => `s3://${pad(`scans-${i}-`, 63)}/${pad(`acct-${i}-`, 256)}`,
        ),
      },
      repositories: [
        {
          match: ['media/*'],
          policy: {
            rules: [
              {
                rulePriority: 1,
                selection: {
                  tagStatus: 'untagged',
                  countType: 'sinceImagePushed',
                  countUnit: 'days',
                  countNumber: 7,
                },
                action: { type: 'expire' },
              },
            ],
          },
        },
      ],
    },
  };
}
