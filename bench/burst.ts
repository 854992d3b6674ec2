/**
 * The burst: N objects uploaded at once to the emulator travel the whole event path (S3 →
 * EventBridge rule → SQS buffer → the real handler under the template's event source mapping →
 * RunTask), and then the cluster is read back: every object must have started exactly one task.
 * The emulator ignores RunTask's clientToken, so no duplicates here is the idempotency table's doing.
 *
 * Run it with stdout sent to /dev/null (bench/run.ts does): the handler logs one JSON line per object.
 *
 *   npx tsx bench/burst.ts [--objects 1000] [--concurrency 20] [--timeout-minutes 15] > /dev/null
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DescribeTasksCommand, paginateListTasks, type DesiredStatus, type Task } from '@aws-sdk/client-ecs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { queueCounts } from '../local/lambda.js';
import { startEmulator, type Emulator } from '../local/emulator.js';
import { setUpLocalUploads, type LocalUploads } from '../local/harness.js';
import { packageStage } from '../local/package.js';
import { commandLine, emit, info, judged, projectRoot, say, type Row } from './lib.js';

const ZERO = { op: '==' as const, value: 0, display: '0' };

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '20' },
    'timeout-minutes': { type: 'string', default: '15' },
  },
});
const objects = Number(values.objects);
const concurrency = Number(values.concurrency);
const timeoutMs = Number(values['timeout-minutes']) * 60_000;
if (!Number.isInteger(objects) || objects < 1) throw new Error(`--objects must be a positive integer`);
if (!Number.isInteger(concurrency) || concurrency < 1)
  throw new Error(`--concurrency must be a positive integer`);
if (!(timeoutMs > 0)) throw new Error(`--timeout-minutes must be positive`);

const BUCKET = 'media-ingest';
const keyOf = (i: number) => `burst/${i}.jpg`;

/** Runs `fn` over 0..count-1 with at most `limit` in flight. */
async function pool(count: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Every task in the cluster, whatever its state, with the INPUT_KEY it was started for. */
async function tasksInCluster(local: LocalUploads, cluster: string) {
  const arns = new Set<string>();
  const byStatus: Record<string, number> = {};
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as DesiredStatus[]) {
    byStatus[desiredStatus] = 0;
    for await (const page of paginateListTasks({ client: local.clients.ecs }, { cluster, desiredStatus })) {
      for (const arn of page.taskArns ?? []) {
        byStatus[desiredStatus] += 1;
        arns.add(arn);
      }
    }
  }
  const tasks: Task[] = [];
  const list = [...arns];
  for (let i = 0; i < list.length; i += 100) {
    const { tasks: described = [], failures = [] } = await local.clients.ecs.send(
      new DescribeTasksCommand({ cluster, tasks: list.slice(i, i + 100) }),
    );
    if (failures.length > 0) throw new Error(`DescribeTasks failures: ${JSON.stringify(failures)}`);
    tasks.push(...described);
  }
  const keys = tasks.map(
    (t) =>
      t.overrides?.containerOverrides?.flatMap((c) => c.environment ?? []).find((e) => e.name === 'INPUT_KEY')
        ?.value,
  );
  return { arns: list, byStatus, described: tasks.length, keys };
}

let emulator: Emulator | undefined;
try {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  say(
    `burst: ${objects} objects, ${concurrency} concurrent PutObject, drain timeout ${timeoutMs / 60_000} min`,
  );
  emulator = await startEmulator({ log: (line) => say(`  ${line}`) });
  say(
    `  packaging stage "bench" from bench/burst.yml (sls package --stage bench --package .serverless-bench-burst)…`,
  );
  const templatePath = await packageStage('bench', {
    outDir: '.serverless-bench-burst',
    configFile: 'bench/burst.yml',
  });
  const local = await setUpLocalUploads({
    endpoint: emulator.endpoint,
    templatePath,
    configPath: join(projectRoot, 'bench', 'burst.yml'),
    versionedBuckets: [BUCKET],
  });
  const mapping = local.config.delivery;
  say(
    `  event path ready: batch ${mapping.batchSize}, max concurrency ${mapping.maxConcurrency}, ` +
      `max attempts ${mapping.maxAttempts}, retry base ${mapping.retryBaseSeconds} s`,
  );

  // --- upload start → drained: the timed part ---------------------------------------------------
  const started = performance.now();
  await pool(objects, concurrency, async (i) => {
    await local.clients.s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(i), Body: `burst object ${i}` }),
    );
  });
  const uploadedMs = performance.now() - started;
  const queuedAfterUpload = await queueCounts(local.clients.sqs, local.queueUrl);
  say(
    `  uploaded in ${(uploadedMs / 1000).toFixed(1)} s; uploads queue then holds ${queuedAfterUpload.total}`,
  );

  let invocationsSeen = 0;
  const drain = await local.drain({
    timeoutMs,
    onInvoke: () => {
      invocationsSeen += 1;
      if (invocationsSeen % 20 === 0) say(`  … ${invocationsSeen} invocations`);
    },
  });
  const wallMs = performance.now() - started;
  const remaining = await queueCounts(local.clients.sqs, local.queueUrl);
  const drained = remaining.total === 0;
  say(
    `  drain ${drained ? 'finished' : `TIMED OUT with ${remaining.total} messages left`} after ` +
      `${(wallMs / 1000).toFixed(1)} s: ${JSON.stringify(drain)}`,
  );

  // --- what reached ECS and the dead-letter queue -------------------------------------------------
  const dlq = await queueCounts(local.clients.sqs, local.deadLetterQueueUrl);
  const cluster = local.config.uploads[0]!.task.cluster;
  const found = await tasksInCluster(local, cluster);
  const perKey = new Map<string, number>();
  for (const key of found.keys)
    perKey.set(key ?? '(no INPUT_KEY)', (perKey.get(key ?? '(no INPUT_KEY)') ?? 0) + 1);
  const expected = Array.from({ length: objects }, (_, i) => keyOf(i));
  const expectedSet = new Set(expected);
  const lost = expected.filter((k) => !perKey.has(k));
  const duplicatedKeys = [...perKey].filter(([k, n]) => expectedSet.has(k) && n > 1);
  const duplicated = duplicatedKeys.reduce((sum, [, n]) => sum + n - 1, 0);
  // A task for a key never uploaded (or with no INPUT_KEY) is beyond one per object too.
  const strangers = [...perKey].filter(([k]) => !expectedSet.has(k));
  const beyondOne = duplicated + strangers.reduce((sum, [, n]) => sum + n, 0);
  const tasksStarted = found.arns.length;
  const tasksPerSecond = tasksStarted / (wallMs / 1000);

  say(`  cluster ${cluster}: ${tasksStarted} tasks (${JSON.stringify(found.byStatus)} by desired status)`);
  say(`  lost ${lost.length}${lost.length ? ` e.g. ${lost.slice(0, 5).join(', ')}` : ''}`);
  say(
    `  duplicated ${duplicated}${
      duplicatedKeys.length
        ? ` e.g. ${duplicatedKeys
            .slice(0, 5)
            .map(([k, n]) => `${k}×${n}`)
            .join(', ')}`
        : ''
    }`,
  );
  if (strangers.length)
    say(`  tasks for keys not uploaded: ${strangers.map(([k, n]) => `${k}×${n}`).join(', ')}`);
  say(`  dead-lettered ${dlq.total}`);

  const rows: Row[] = [
    info('burst', 'objects in', objects, 'objects', String(objects)),
    judged('burst', 'tasks started', tasksStarted, 'tasks', String(tasksStarted), {
      op: '==',
      value: objects,
      display: String(objects),
    }),
    judged('burst', 'lost (objects with no task)', lost.length, 'objects', String(lost.length), ZERO),
    judged('burst', 'duplicated (tasks beyond one per object)', beyondOne, 'tasks', String(beyondOne), ZERO),
    info('burst', 'dead-lettered (DLQ depth)', dlq.total, 'messages', String(dlq.total)),
    info(
      'burst',
      'invocations (records, failed records, errors)',
      drain.invocations,
      'invocations',
      `${drain.invocations} (${drain.records}, ${drain.failedRecords}, ${drain.errors})`,
    ),
    info('burst', 'queue drained', drained ? 1 : 0, 'bool', drained ? 'yes' : `no, ${remaining.total} left`),
    info('burst', 'wall time (upload start → drained)', wallMs, 'ms', `${(wallMs / 1000).toFixed(1)} s`),
    info('burst', 'of which uploading', uploadedMs, 'ms', `${(uploadedMs / 1000).toFixed(1)} s`),
    info(
      'burst',
      'tasks/s (tasks started / wall time)',
      tasksPerSecond,
      'tasks/s',
      tasksPerSecond.toFixed(1),
    ),
  ];
  emit({
    bench: 'burst',
    command: `${commandLine('bench/burst.ts', process.argv.slice(2))} > /dev/null`,
    rows,
    details: {
      objects,
      concurrency,
      delivery: mapping,
      uploadMs: uploadedMs,
      wallMs,
      queuedAfterUpload,
      drain,
      drained,
      remaining,
      deadLettered: dlq,
      tasks: { total: tasksStarted, described: found.described, byDesiredStatus: found.byStatus },
      lost: lost.length,
      lostSample: lost.slice(0, 20),
      duplicated: beyondOne,
      duplicatedSample: duplicatedKeys.slice(0, 20),
      unexpectedKeys: strangers,
      tasksPerSecond,
      emulator: emulator.endpoint,
    },
  });
} finally {
  await emulator?.stop();
}
