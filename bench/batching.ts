/**
 * Task-minutes saved by batching. N small objects are queued at once and drained by the real code —
 * processBatch → processUploadMessage (one task per object) or prepareUploadBatch (claims, manifest,
 * one task per batch) → TaskLauncher over a real ECSClient whose HTTP layer is an ECS double that
 * honours clientToken — once with a trigger without `batch` and once with `batch: { maxObjects: M }`.
 * Deliveries are as large as the packaged event source makes them (uploadsGathering). Then a share of
 * the messages is delivered again in other groupings (at-least-once delivery), which must start
 * nothing. The claims live in an in-memory store with the transaction's all-or-nothing semantics.
 *
 * Billing model (stated, not measured): Fargate bills each task per second from the start of its
 * image pull until it stops, with a one-minute minimum. A task spends `--startup` seconds pulling
 * and starting (default 20), then `--work` seconds per object (default 0.5, a small thumbnail).
 * Billed per task = max(60 s, startup + work × its objects).
 *
 *   npx tsx bench/batching.ts [--objects 10000] [--max-objects 50] [--startup 20] [--work 0.5] [--redeliver 0.05]
 */
import { parseArgs } from 'node:util';
import { s3ObjectCreatedEvent } from '../test/helpers/events.js';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { SQSRecord } from 'aws-lambda';
import { parseConfig } from '../shared/config/load.js';
import type { Config } from '../shared/config/schema.js';
import { attemptOf, processBatch, type QueueActions } from '../shared/kernel/delivery/batch.js';
import { TaskLauncher } from '../shared/kernel/launch/aws/launcher.js';
import type { Log } from '../shared/kernel/log.js';
import { prepareUploadBatch } from '../shared/uploads/batch.js';
import type { BatchRecord, Manifest } from '../shared/uploads/batching.js';
import { uploadsGathering } from '../shared/uploads/deploy.js';
import type { ClaimResult, ClaimStore, ManifestStore } from '../shared/uploads/place.js';
import { processUploadMessage } from '../shared/uploads/service.js';
import { commandLine, emit, info, judged, say, type Row } from './lib.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '10000' },
    'max-objects': { type: 'string', default: '50' },
    startup: { type: 'string', default: '20' },
    work: { type: 'string', default: '0.5' },
    redeliver: { type: 'string', default: '0.05' },
  },
});
const OBJECTS = Number(values.objects);
const MAX_OBJECTS = Number(values['max-objects']);
const STARTUP = Number(values.startup);
const WORK = Number(values.work);
const REDELIVER = Number(values.redeliver);
if (!Number.isInteger(OBJECTS) || OBJECTS < 1) throw new Error('--objects must be a positive integer');
if (!Number.isInteger(MAX_OBJECTS) || MAX_OBJECTS < 2 || MAX_OBJECTS > 99) {
  throw new Error('--max-objects must be an integer from 2 to 99');
}
if (!(STARTUP >= 0) || !(WORK >= 0)) throw new Error('--startup and --work must be seconds, at least 0');
if (!(REDELIVER >= 0 && REDELIVER <= 1)) throw new Error('--redeliver must be a share from 0 to 1');

const trigger = (batch: boolean) => ({
  name: 'thumbnails',
  bucket: 'media-ingest',
  prefix: 'small/',
  ...(batch ? { batch: { maxObjects: MAX_OBJECTS, maxWaitSeconds: 10 } } : {}),
  task: {
    cluster: 'media',
    taskDefinition: 'thumbnailer',
    container: 'app',
    subnets: ['subnet-0a1b2c3d4e5f60001'],
    securityGroups: ['sg-0a1b2c3d4e5f60001'],
    environment: batch ? { INPUT_BUCKET: '{bucket}' } : { INPUT_KEY: '{key}' },
    roles: { task: 'thumbnailer-task', execution: 'ecsTaskExecutionRole' },
  },
});

/** The billing model above, in seconds for one task holding `objects` objects. */
const billedSeconds = (objects: number) => Math.max(60, STARTUP + WORK * objects);

/** Claims with TransactWriteItems' semantics: all of a batch's objects, or none. */
class MemoryClaims implements ClaimStore {
  private readonly claims = new Map<string, string>();
  private readonly records = new Map<string, BatchRecord>();
  async claim(record: BatchRecord): Promise<ClaimResult> {
    const heldBy = new Map<string, string>();
    for (const m of record.members) {
      const holder = this.claims.get(m.token);
      if (holder !== undefined && holder !== record.id) heldBy.set(m.token, holder);
    }
    if (heldBy.size > 0) return { outcome: 'held', heldBy };
    for (const m of record.members) this.claims.set(m.token, record.id);
    this.records.set(record.id, record);
    return { outcome: 'claimed' };
  }
  async read(id: string): Promise<BatchRecord | undefined> {
    return this.records.get(id);
  }
}

interface RunResult {
  tasks: number;
  calls: number;
  tasksAfterRedelivery: number;
  billedMinutes: number;
  lost: number;
  duplicated: number;
  deliveries: number;
  deliverySize: number;
}

async function run(batch: boolean): Promise<RunResult> {
  const config: Config = parseConfig({
    region: 'us-east-1',
    delivery: { maxAttempts: 8 },
    uploads: [trigger(batch)],
  });
  const deliverySize = uploadsGathering(config)?.batchSize ?? config.delivery.batchSize;

  // The ECS double: the same clientToken returns the same task; each task remembers its objects.
  const objectsByTask = new Map<string, string[]>();
  const taskByToken = new Map<string, string>();
  const manifests = new Map<string, string>();
  let calls = 0;
  const requestHandler = {
    handle: async (request: { body?: unknown }) => {
      calls += 1;
      const input = JSON.parse(new TextDecoder().decode(request.body as Uint8Array)) as {
        clientToken: string;
        overrides: { containerOverrides: { environment: { name: string; value: string }[] }[] };
      };
      let arn = taskByToken.get(input.clientToken);
      if (!arn) {
        arn = `arn:aws:ecs:us-east-1:123456789012:task/media/${taskByToken.size}`;
        taskByToken.set(input.clientToken, arn);
        const env = new Map(input.overrides.containerOverrides[0]!.environment.map((e) => [e.name, e.value]));
        const uri = env.get('ECS_PILOT_MANIFEST_URI');
        const keys = uri
          ? (JSON.parse(manifests.get(uri)!) as Manifest).objects.map((o) => o.key)
          : [env.get('INPUT_KEY')!];
        objectsByTask.set(arn, keys);
      }
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: new TextEncoder().encode(JSON.stringify({ tasks: [{ taskArn: arn }], failures: [] })),
        },
      };
    },
  };
  const ecs = new ECSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler,
  });
  const launcher = new TaskLauncher({ ecs });
  const manifestStore: ManifestStore = {
    bucket: 'ecs-pilot-bench-manifests',
    write: async (key, body) => {
      manifests.set(`s3://ecs-pilot-bench-manifests/${key}`, body);
    },
  };
  const claims = new MemoryClaims();
  const silent: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const noLookup = {
    lookup: async () => {
      throw new Error('no lookup expected: the keys hold no + or %');
    },
  };
  const queue: QueueActions = {
    delay: async () => undefined,
    requeue: async () => {
      throw new Error('no deferral expected: no cap, no throttling in this double');
    },
    deadLetter: async () => {
      throw new Error('no dead-letter expected');
    },
  };

  const bodies = Array.from({ length: OBJECTS }, (_, i) =>
    JSON.stringify(
      s3ObjectCreatedEvent({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        time: '2026-12-07T12:00:00Z',
        key: `small/${i}.png`,
        size: 4096,
        etag: `e${i}`,
        versionId: `v${i}`,
        sequencer: '0',
      }),
    ),
  );
  let nextId = 0;
  let deliveries = 0;
  const deliver = async (group: string[]) => {
    deliveries += 1;
    const records = group.map(
      (body) =>
        ({
          messageId: `m-${nextId++}`,
          receiptHandle: 'r',
          body,
          attributes: { ApproximateReceiveCount: '1' },
          messageAttributes: {},
        }) as unknown as SQSRecord,
    );
    const deps = { triggers: config.uploads, launcher, objects: noLookup, logger: silent };
    const process = batch
      ? await prepareUploadBatch(
          records.map((r) => ({ messageId: r.messageId, body: r.body, attempt: attemptOf(r) })),
          { ...deps, claims, manifests: manifestStore, maxAttempts: config.delivery.maxAttempts },
        )
      : undefined;
    const response = await processBatch(
      records,
      (body, context, record) =>
        process ? process(record, context) : processUploadMessage(body, context, deps),
      { queue, settings: config.delivery, logger: silent, concurrency: config.delivery.batchSize },
    );
    if (response.batchItemFailures.length > 0)
      throw new Error('a delivery failed: the figures would not hold');
  };

  for (let i = 0; i < bodies.length; i += deliverySize) await deliver(bodies.slice(i, i + deliverySize));
  const tasks = objectsByTask.size;
  const mainCalls = calls;
  // At-least-once: a share of the events again, shuffled, in groups of random size.
  const again = bodies.filter((_, i) => (i * 7919) % 10_000 < REDELIVER * 10_000);
  for (let i = again.length - 1; i > 0; i -= 1) {
    const j = (i * 104_729) % (i + 1);
    [again[i], again[j]] = [again[j]!, again[i]!];
  }
  for (let i = 0, size = 1; i < again.length; i += size, size = (size % deliverySize) + 1) {
    await deliver(again.slice(i, i + size));
  }

  const placed = new Map<string, number>();
  for (const keys of objectsByTask.values())
    for (const key of keys) placed.set(key, (placed.get(key) ?? 0) + 1);
  const billed = [...objectsByTask.values()].reduce((sum, keys) => sum + billedSeconds(keys.length), 0);
  return {
    tasks,
    calls: mainCalls,
    tasksAfterRedelivery: objectsByTask.size,
    billedMinutes: billed / 60,
    lost: OBJECTS - placed.size,
    duplicated: [...placed.values()].filter((c) => c > 1).length,
    deliveries,
    deliverySize,
  };
}

const rows: Row[] = [];
const ZERO = { op: '==' as const, value: 0, display: '0' };
say(
  `• ${OBJECTS} small objects queued at once; billing: max(60 s, ${STARTUP} s start-up + ${WORK} s per object) per task`,
);
const single = await run(false);
const batched = await run(true);
for (const [label, r] of [
  ['one task per object', single],
  [`batch maxObjects ${MAX_OBJECTS}`, batched],
] as const) {
  say(
    `  ${label}: ${r.tasks} tasks started (${r.calls} RunTask calls, deliveries of ${r.deliverySize}), ` +
      `${r.billedMinutes.toFixed(0)} billed task-minutes; after redelivering ${Math.round(REDELIVER * 100)} % ` +
      `regrouped: ${r.tasksAfterRedelivery} tasks, ${r.lost} lost, ${r.duplicated} in two tasks`,
  );
}
const saved = 1 - batched.billedMinutes / single.billedMinutes;
say(`  saved: ${(saved * 100).toFixed(1)} % of the task-minutes`);
const bench = 'batching';
rows.push(
  info(
    bench,
    `tasks for ${OBJECTS} objects: one per object; batch of ${MAX_OBJECTS}`,
    batched.tasks,
    'tasks',
    `${single.tasks}; ${batched.tasks}`,
  ),
  info(
    bench,
    `billed task-minutes (max(60 s, ${STARTUP} s + ${WORK} s/object)): one per object; batched`,
    batched.billedMinutes,
    'task-minutes',
    `${single.billedMinutes.toFixed(0)}; ${batched.billedMinutes.toFixed(0)} (${(saved * 100).toFixed(1)} % saved)`,
  ),
  judged(
    bench,
    'tasks started by regrouped redeliveries',
    batched.tasksAfterRedelivery - batched.tasks,
    'tasks',
    String(batched.tasksAfterRedelivery - batched.tasks),
    ZERO,
  ),
  judged(bench, 'objects lost (batched)', batched.lost, 'objects', String(batched.lost), ZERO),
  judged(
    bench,
    'objects in two tasks (batched)',
    batched.duplicated,
    'objects',
    String(batched.duplicated),
    ZERO,
  ),
);
emit({
  bench,
  command: commandLine('bench/batching.ts', process.argv.slice(2)),
  rows,
  details: {
    single,
    batched,
    model: { startupSeconds: STARTUP, workSecondsPerObject: WORK, minimumSeconds: 60 },
  },
});
