/**
 * Upload pacing against AWS's launch limits. N objects are queued at once and drained by the real
 * delivery and launch code (processBatch → processUploadMessage → TaskLauncher with its pacer,
 * over a real ECSClient whose HTTP layer is a rate-limited ECS double, so the SDK's own retry
 * strategy runs too). The double enforces the documented Fargate buckets: task launches 100 burst,
 * 20/s refill; RunTask 20 calls/s (burst and sustained); ThrottlingException beyond either. The
 * queue is an in-memory SQS with visibility, delays and a DLQ, drained by `maxConcurrency`
 * pollers, as the event source mapping does.
 *
 * Two runs: the account to ourselves, and another workload holding half of both buckets' refill.
 * `--speed S` runs S times faster than real time (rates x S, delays / S, AIMD increase x S^2); the
 * SDK's own backoff is not compressed, which can only make the result slower. Figures are in
 * simulated seconds.
 *
 *   npx tsx bench/pacing.ts [--objects 2000] [--speed 4]
 */
import { parseArgs } from 'node:util';
import { s3ObjectCreatedEvent } from '../test/helpers/events.js';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { SQSRecord } from 'aws-lambda';
import { parseConfig } from '../shared/config/load.js';
import { processBatch, type QueueActions } from '../shared/kernel/delivery/batch.js';
import { TaskLauncher, MAX_PACE_WAIT_MS } from '../shared/kernel/launch/aws/launcher.js';
import { LaunchPacer, paceSettings } from '../shared/kernel/launch/pace.js';
import type { Log } from '../shared/kernel/log.js';
import { processUploadMessage } from '../shared/uploads/service.js';
import { commandLine, emit, info, judged, say, type Row } from './lib.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '2000' },
    speed: { type: 'string', default: '4' },
  },
});
const OBJECTS = Number(values.objects);
const SPEED = Number(values.speed);
if (!Number.isInteger(OBJECTS) || OBJECTS < 1) throw new Error('--objects must be a positive integer');
if (!(SPEED >= 1 && SPEED <= 20)) throw new Error('--speed must be between 1 and 20');

/** The documented limits (ECS developer guide, "AWS Fargate throttling quotas"). */
const LIMITS = { launchBurst: 100, launchRefill: 20, apiBurst: 20, apiRefill: 20 };
/** RunTask's own latency in the double, seconds (uniform in this range). */
const LATENCY = { min: 0.15, max: 0.45 };

const config = parseConfig({
  region: 'us-east-1',
  uploads: [
    {
      name: 'thumbnails',
      bucket: 'media-ingest',
      prefix: 'burst/',
      task: {
        cluster: 'media',
        taskDefinition: 'thumbnailer',
        container: 'app',
        subnets: ['subnet-0a1b2c3d4e5f60001'],
        securityGroups: ['sg-0a1b2c3d4e5f60001'],
        environment: { INPUT_KEY: '{key}' },
        roles: { task: 'thumbnailer-task', execution: 'ecsTaskExecutionRole' },
      },
    },
  ],
});
const { delivery } = config;

const realNow = () => performance.now() / 1000;
const sleepSim = (seconds: number) => new Promise((r) => setTimeout(r, (seconds * 1000) / SPEED));

/** A token bucket on the simulated clock. */
class Bucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly capacity: number,
    private readonly refill: number,
    private readonly clock: () => number,
  ) {
    this.tokens = capacity;
    this.last = clock();
  }
  take(): boolean {
    const now = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.refill);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface RunResult {
  seconds: number;
  limitSeconds: number;
  started: number;
  lost: number;
  duplicated: number;
  deadLettered: number;
  throttles: number;
  calls: number;
  deferrals: number;
}

async function run(otherWorkloadShare: number): Promise<RunResult> {
  const t0 = realNow();
  const simNow = () => (realNow() - t0) * SPEED;
  const api = new Bucket(LIMITS.apiBurst, LIMITS.apiRefill, simNow);
  const launches = new Bucket(LIMITS.launchBurst, LIMITS.launchRefill, simNow);
  // The other workload takes its share of each refill, as steady RunTask calls of its own.
  let stopOther = false;
  const other = (async () => {
    if (otherWorkloadShare <= 0) return;
    const interval = 1 / (LIMITS.apiRefill * otherWorkloadShare);
    while (!stopOther) {
      api.take();
      launches.take();
      await sleepSim(interval);
    }
  })();

  const tasksByKey = new Map<string, number>();
  const taskByToken = new Map<string, string>();
  let throttles = 0;
  let calls = 0;
  const requestHandler = {
    handle: async (request: { body?: unknown }) => {
      calls += 1;
      await sleepSim(LATENCY.min + Math.random() * (LATENCY.max - LATENCY.min));
      const reply = (statusCode: number, body: unknown, errorType?: string) => ({
        response: {
          statusCode,
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
          },
          body: new TextEncoder().encode(JSON.stringify(body)),
        },
      });
      if (!api.take()) {
        throttles += 1;
        return reply(400, { __type: 'ThrottlingException', message: 'Rate exceeded' }, 'ThrottlingException');
      }
      const input = JSON.parse(new TextDecoder().decode(request.body as Uint8Array)) as {
        clientToken: string;
        overrides: { containerOverrides: { environment: { name: string; value: string }[] }[] };
      };
      // ECS honours clientToken: the same token returns the task it already started.
      const known = taskByToken.get(input.clientToken);
      if (known) return reply(200, { tasks: [{ taskArn: known }], failures: [] });
      if (!launches.take()) {
        throttles += 1;
        return reply(400, { __type: 'ThrottlingException', message: 'Rate exceeded' }, 'ThrottlingException');
      }
      const key = input.overrides.containerOverrides[0]!.environment.find(
        (e) => e.name === 'INPUT_KEY',
      )!.value;
      const arn = `arn:aws:ecs:us-east-1:123456789012:task/media/${taskByToken.size}`;
      taskByToken.set(input.clientToken, arn);
      tasksByKey.set(key, (tasksByKey.get(key) ?? 0) + 1);
      return reply(200, { tasks: [{ taskArn: arn }], failures: [] });
    },
  };
  const ecs = new ECSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 5,
    retryMode: 'standard',
    requestHandler,
  });

  // The in-memory queue: visible-at times on the simulated clock.
  interface Message {
    id: string;
    body: string;
    attributes: Record<string, string>;
    visibleAt: number;
    receives: number;
  }
  const queue: Message[] = [];
  const dlq: Message[] = [];
  let deferrals = 0;
  let nextId = 0;
  const send = (body: string, attributes: Record<string, string>, delaySeconds: number) =>
    queue.push({ id: `m-${nextId++}`, body, attributes, visibleAt: simNow() + delaySeconds, receives: 0 });
  for (let i = 0; i < OBJECTS; i += 1) {
    send(
      JSON.stringify(
        s3ObjectCreatedEvent({
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          time: '2026-12-07T12:00:00Z',
          key: `burst/${i}.jpg`,
          size: 1024,
          etag: `e${i}`,
          versionId: `v${i}`,
          sequencer: '0',
        }),
      ),
      {},
      0,
    );
  }

  const silent: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  // Real pacing settings for this instance count, compressed to the run's speed.
  const base = paceSettings(delivery.maxLaunchesPerSecond, delivery.maxConcurrency);
  const pacers: LaunchPacer[] = [];
  const poller = async () => {
    const pacer = new LaunchPacer(
      {
        ...base,
        ceilingPerSecond: base.ceilingPerSecond * SPEED,
        floorPerSecond: base.floorPerSecond * SPEED,
        increasePerSecond: base.increasePerSecond * SPEED * SPEED,
      },
      () => performance.now(),
    );
    pacers.push(pacer);
    const launcher = new TaskLauncher({ ecs, pacing: { pacer, maxWaitMs: MAX_PACE_WAIT_MS / SPEED } });
    while (tasksByKey.size < OBJECTS && simNow() < 3_600) {
      const now = simNow();
      const batch = queue.filter((m) => m.visibleAt <= now).slice(0, delivery.batchSize);
      if (batch.length === 0) {
        await sleepSim(0.2);
        continue;
      }
      for (const m of batch) {
        m.visibleAt = Number.POSITIVE_INFINITY; // in flight
        m.receives += 1;
      }
      const records = batch.map(
        (m) =>
          ({
            messageId: m.id,
            receiptHandle: m.id,
            body: m.body,
            attributes: { ApproximateReceiveCount: String(m.receives) },
            messageAttributes: Object.fromEntries(
              Object.entries(m.attributes).map(([k, v]) => [k, { stringValue: v, dataType: 'String' }]),
            ),
          }) as unknown as SQSRecord,
      );
      const actions: QueueActions = {
        delay: async (receipt, seconds) => {
          const m = queue.find((q) => q.id === receipt);
          if (m) m.visibleAt = simNow() + seconds;
        },
        requeue: async (body, delaySeconds, attributes) => {
          deferrals += 1;
          send(body, attributes, delaySeconds);
        },
        deadLetter: async (body, attributes) => {
          dlq.push({ id: `dlq-${dlq.length}`, body, attributes, visibleAt: 0, receives: 0 });
        },
      };
      const response = await processBatch(
        records,
        (body, context) =>
          processUploadMessage(body, context, {
            triggers: config.uploads,
            launcher,
            // The keys hold no '+' or '%': one reading, no lookup.
            objects: {
              lookup: async () => {
                throw new Error('no lookup expected');
              },
            },
            logger: silent,
          }),
        { queue: actions, settings: delivery, logger: silent, concurrency: delivery.batchSize },
      );
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      for (const m of batch) {
        if (!failed.has(m.id)) queue.splice(queue.indexOf(m), 1);
        else if (m.visibleAt === Number.POSITIVE_INFINITY) m.visibleAt = simNow() + 30;
      }
    }
  };
  await Promise.all(Array.from({ length: delivery.maxConcurrency }, poller));
  const seconds = simNow();
  stopOther = true;
  await other;

  const available = (refill: number) => refill * (1 - otherWorkloadShare);
  const limitSeconds = Math.max(
    Math.max(0, OBJECTS - LIMITS.apiBurst) / available(LIMITS.apiRefill),
    Math.max(0, OBJECTS - LIMITS.launchBurst) / available(LIMITS.launchRefill),
  );
  const counts = [...tasksByKey.values()];
  return {
    seconds,
    limitSeconds,
    started: counts.length,
    lost: OBJECTS - counts.length,
    duplicated: counts.filter((c) => c > 1).length,
    deadLettered: dlq.length,
    throttles,
    calls,
    deferrals,
  };
}

const rows: Row[] = [];
const ZERO = { op: '==' as const, value: 0, display: '0' };
for (const [label, share] of [
  ['alone', 0],
  ['half the bucket taken', 0.5],
] as const) {
  say(`• ${OBJECTS} objects, ${label} (speed ${SPEED}x)…`);
  const r = await run(share);
  say(
    `  ${r.started} started in ${r.seconds.toFixed(1)} s (limit-implied ${r.limitSeconds.toFixed(1)} s), ` +
      `${r.calls} RunTask calls, ${r.throttles} throttled, ${r.deferrals} deferrals, ${r.deadLettered} dead-lettered`,
  );
  const bench = `pacing (${label})`;
  rows.push(
    judged(
      bench,
      `time to start ${OBJECTS} tasks`,
      r.seconds / r.limitSeconds,
      'x limit',
      `${(r.seconds / r.limitSeconds).toFixed(2)}x (${r.seconds.toFixed(1)} s of ${r.limitSeconds.toFixed(1)} s)`,
      {
        op: '<=',
        value: 1.1,
        display: '1.1x',
      },
    ),
    judged(bench, 'objects lost', r.lost, 'objects', String(r.lost), ZERO),
    judged(bench, 'objects with two tasks', r.duplicated, 'objects', String(r.duplicated), ZERO),
    judged(bench, 'objects dead-lettered', r.deadLettered, 'objects', String(r.deadLettered), ZERO),
    info(bench, 'throttled RunTask calls', r.throttles, 'calls', `${r.throttles} of ${r.calls}`),
  );
}
emit({ bench: 'pacing', command: commandLine('bench/pacing.ts', process.argv.slice(2)), rows, details: {} });
