import type { Config, UploadTrigger } from '../config/schema.js';
import { ConfigError } from '../kernel/errors.js';
import { documentSize } from '../kernel/deploy/iam.js';
import { planUploadRules, uploadRuleDescription } from './rules.js';
import { hasSecrets, launchStatements, roleArn as taskRoleArn } from '../kernel/launch/deploy.js';
import { MANIFEST_PREFIX } from './batching.js';
import {
  arn,
  lambdaRole,
  RETAIN,
  sub,
  type AutomationStack,
  type FunctionDefinition,
  type Statement,
} from '../kernel/deploy/cfn.js';
import {
  bufferedFunction,
  bufferQueues,
  bufferStatements,
  DEFAULT_BATCHING_WINDOW_SECONDS,
  idempotencyStatement,
  type Gathering,
  idempotencyTable,
  ruleDeliveryPolicy,
} from '../kernel/deploy/queues.js';
import { encryptionKey } from '../kernel/deploy/encryption.js';

/**
 * What the key lookup needs (see key.ts): HeadObject is s3:GetObject, or s3:GetObjectVersion with a
 * version id, allowed only under each trigger's bucket and prefix (one statement per bucket, its
 * prefixes as a resource list). s3:ListBucket on those buckets makes S3 answer 404 for a missing
 * object instead of 403, which is how the lookup tells "absent" from "refused"; it lists names only.
 */
export function objectLookupStatements(triggers: readonly UploadTrigger[]): Statement[] {
  const prefixes = new Map<string, Set<string>>();
  for (const trigger of triggers) {
    const set = prefixes.get(trigger.bucket) ?? new Set<string>();
    set.add(trigger.prefix);
    prefixes.set(trigger.bucket, set);
  }
  const statements: Statement[] = [];
  for (const [bucket, set] of prefixes) {
    statements.push({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: [...set].map((prefix) => sub(`arn:\${AWS::Partition}:s3:::${bucket}/${prefix}*`)),
    });
  }
  if (prefixes.size > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [...prefixes.keys()].map((bucket) => sub(`arn:\${AWS::Partition}:s3:::${bucket}`)),
    });
  }
  return statements;
}

export const UPLOADS_FUNCTION = 'uploadToTask';

/** Days a batch's manifest object is kept: the task reads it when it starts, within minutes. */
export const MANIFEST_EXPIRATION_DAYS = 14;

/** S3 accepts bucket policies of at most 20 KB. */
export const BUCKET_POLICY_LIMIT = 20_480;

const manifestObjects = (prefix = '') =>
  sub(`arn:\${AWS::Partition}:s3:::\${UploadsManifestBucket}/${MANIFEST_PREFIX}${prefix}*`);

/**
 * The queue is shared by every trigger, so it gathers for the batching trigger that asks most: the
 * largest `maxObjects` (at least `delivery.batchSize`) and the longest `maxWaitSeconds` (at least
 * the usual 1 s). Undefined without batching: the event source stays as `delivery` says.
 */
export function uploadsGathering(config: Pick<Config, 'uploads' | 'delivery'>): Gathering | undefined {
  const batches = config.uploads.flatMap((t) => (t.batch ? [t.batch] : []));
  if (batches.length === 0) return undefined;
  return {
    batchSize: Math.max(config.delivery.batchSize, ...batches.map((b) => b.maxObjects)),
    windowSeconds: Math.max(DEFAULT_BATCHING_WINDOW_SECONDS, ...batches.map((b) => b.maxWaitSeconds)),
  };
}

/**
 * The stack's bucket for batch manifests: private (public access blocked, owner-enforced), SSE-S3
 * (a task role needs no KMS grant), TLS only, objects expiring after MANIFEST_EXPIRATION_DAYS.
 * Each batching trigger's task role may read its own trigger's manifests, granted here in the
 * bucket policy (same account: the role's own policies need not mention the bucket).
 */
export function manifestBucket(triggers: readonly UploadTrigger[]): Record<string, unknown> {
  // One statement per task role, listing the prefixes of its triggers.
  const prefixesOf = new Map<string, string[]>();
  for (const t of triggers) {
    if (!t.batch || !t.task.roles.task) continue;
    prefixesOf.set(t.task.roles.task, [...(prefixesOf.get(t.task.roles.task) ?? []), t.name]);
  }
  const statements = [
    {
      Sid: 'TlsOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [arn('UploadsManifestBucket'), sub('arn:${AWS::Partition}:s3:::${UploadsManifestBucket}/*')],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    ...[...prefixesOf].map(([role, names], index) => ({
      Sid: `TaskRoleReadsManifests${index}`,
      Effect: 'Allow' as const,
      Principal: { AWS: taskRoleArn(role) },
      Action: 's3:GetObject',
      Resource: names.map((name) => manifestObjects(`${name}/`)),
    })),
  ];
  const document = { Version: '2012-10-17', Statement: statements };
  // The bucket's name is CloudFormation's to choose, and S3 names hold at most 63 characters.
  const size = documentSize(
    JSON.parse(JSON.stringify(document).replaceAll('${UploadsManifestBucket}', 'x'.repeat(63))),
  );
  if (size > BUCKET_POLICY_LIMIT) {
    throw new ConfigError('config', [
      `the manifest bucket's policy would be ${size} characters, more than S3 accepts (${BUCKET_POLICY_LIMIT}): ` +
        'share task roles between batching triggers, or split the config into two stages',
    ]);
  }
  return {
    UploadsManifestBucket: {
      Type: 'AWS::S3::Bucket',
      // Kept by `sls remove` like the idempotency table: a bucket with objects cannot be deleted,
      // and its lifecycle rule empties it within MANIFEST_EXPIRATION_DAYS.
      ...RETAIN,
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        // Versioned, so an overwritten or deleted manifest can still be read back for an incident
        // (Checkov CKV_AWS_21); old versions and delete markers go a day after they stop being current.
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'expire-manifests',
              Status: 'Enabled',
              Prefix: MANIFEST_PREFIX,
              ExpirationInDays: MANIFEST_EXPIRATION_DAYS,
              NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            },
            { Id: 'remove-expired-delete-markers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
          ],
        },
      },
    },
    UploadsManifestBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'UploadsManifestBucket' },
        PolicyDocument: document,
      },
    },
  };
}

/** Resources of the upload automation: rules → buffer queue → function, with DLQ and idempotency table. */
export function uploadsStack(config: Config, names: { prefix: string; configFile: string }): AutomationStack {
  if (config.uploads.length === 0) return { functions: {}, resources: {} };
  const { prefix } = names;
  const queueArn = arn('UploadsQueue');
  const dlqArn = arn('UploadsDeadLetterQueue');
  const rules = planUploadRules(config.uploads);
  const gathering = uploadsGathering(config);
  const resources: Record<string, unknown> = {
    ...bufferQueues('Uploads', `${prefix}-uploads`, config.delivery, gathering),
    ...(gathering ? manifestBucket(config.uploads) : {}),
    ...idempotencyTable(prefix),
    // In step with the rules: only they may send to the queues.
    UploadsQueuePolicy: ruleDeliveryPolicy(
      'Uploads',
      'UploadRulesDeliver',
      rules.map((rule) => arn(rule.id)),
    ),
  };
  // One rule per bucket (see rules.ts): suffix and size are the function's to check.
  for (const rule of rules) {
    resources[rule.id] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: `${prefix}-upload-${rule.nameSuffix}`,
        Description: uploadRuleDescription(rule),
        State: 'ENABLED',
        EventPattern: rule.pattern,
        Targets: [
          {
            Id: 'uploads-queue',
            Arn: queueArn,
            // Explicit: EventBridge's default is 24 h / 185 attempts with no DLQ.
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: dlqArn },
          },
        ],
      },
    };
  }
  const functionName = `${prefix}-${UPLOADS_FUNCTION}`;
  Object.assign(
    resources,
    lambdaRole(
      'UploadToTaskRole',
      functionName,
      [
        ...bufferStatements('Uploads'),
        idempotencyStatement,
        ...config.uploads.flatMap((t) => launchStatements(t.task, prefix)),
        ...objectLookupStatements(config.uploads),
        // Batches: writing manifests, nothing else in the bucket (the claims live in the idempotency table).
        ...(gathering
          ? [{ Effect: 'Allow' as const, Action: ['s3:PutObject'], Resource: [manifestObjects()] }]
          : []),
      ],
      encryptionKey(config.encryption),
    ),
  );
  const functions: Record<string, FunctionDefinition> = {
    [UPLOADS_FUNCTION]: bufferedFunction({
      id: 'Uploads',
      handler: 'functions/upload-to-task.handler',
      description: 'ecs-pilot: S3 uploads start Fargate tasks',
      role: 'UploadToTaskRole',
      configFile: names.configFile,
      delivery: config.delivery,
      ...(gathering ? { gathering } : {}),
      environment: {
        IDEMPOTENCY_TABLE: { Ref: 'IdempotencyTable' },
        ...(gathering ? { UPLOADS_MANIFEST_BUCKET: { Ref: 'UploadsManifestBucket' } } : {}),
        // The tag its derived task definitions carry (launch/derive.ts), when any trigger has secrets.
        ...(config.uploads.some((t) => hasSecrets(t.task)) ? { ECS_PILOT_STACK: prefix } : {}),
      },
    }),
  };
  const outputs = {
    UploadsDeadLetterQueueUrl: {
      Description: 'Uploads that could not start a task, with the reason in message attributes',
      Value: { Ref: 'UploadsDeadLetterQueue' },
    },
  };
  return { functions, resources, outputs };
}
