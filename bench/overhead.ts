/**
 * Handler overhead per event: the real handler, in-process, with ECS, SQS and DynamoDB mocked by
 * aws-sdk-client-mock so every AWS call resolves at once. What remains is our own work per event
 * (parse, match, plan, idempotency bookkeeping, logging, metrics) plus the mock's stub cost; the SDK's
 * own middleware (serialisation, signing, HTTP) is skipped by the mock and not counted.
 *
 * Run it with stdout sent to /dev/null (bench/run.ts does): the Powertools logger writes one JSON line
 * per decision to stdout, and a terminal would time the terminal, not the handler.
 *
 *   npx tsx bench/overhead.ts [--log-level INFO|ERROR] [--events 2000] [--warmup 200] > /dev/null
 */
import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { readYamlFile } from '../shared/config/yaml.js';
import { lambdaContext } from '../local/lambda.js';
import {
  commandLine,
  emit,
  info,
  judged,
  ms,
  offlineHandlerEnv,
  projectRoot,
  say,
  summarize,
  type Row,
} from './lib.js';

const LIMIT = { op: '<=' as const, value: 1, display: '1 ms' };
const BATCH_SIZE = 10;

const { values } = parseArgs({
  options: {
    'log-level': { type: 'string', default: 'INFO' },
    events: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
  },
});
const logLevel = values['log-level'].toUpperCase();
const events = Number(values.events);
const warmup = Number(values.warmup);
for (const [name, n] of [
  ['events', events],
  ['warmup', warmup],
] as const) {
  if (!Number.isInteger(n) || n < BATCH_SIZE || n % BATCH_SIZE !== 0) {
    throw new Error(`--${name} must be a positive multiple of ${BATCH_SIZE} (got ${n})`);
  }
}
const label = logLevel === 'INFO' ? 'with INFO logging' : `logging off (${logLevel})`;

// Where the handler's log lines go, named rather than assumed.
let stdoutTarget = 'unknown';
try {
  stdoutTarget = readlinkSync('/proc/self/fd/1');
} catch {
  // not Linux
}

// --- the handler's cold start: config file and environment first, mocks before the import --------

const dir = mkdtempSync(join(tmpdir(), 'ecs-pilot-overhead-'));
const configFile = join(dir, 'local.json');
writeFileSync(configFile, JSON.stringify(readYamlFile(join(projectRoot, 'config', 'local.yml'))));
Object.assign(process.env, offlineHandlerEnv(configFile, logLevel));
delete process.env.AWS_ENDPOINT_URL;
delete process.env.POWERTOOLS_DEV;

let taskCounter = 0;
const ecsMock = mockClient(ECSClient);
ecsMock.on(RunTaskCommand).callsFake(() => ({
  tasks: [
    {
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/media/${(++taskCounter).toString(16).padStart(32, '0')}`,
    },
  ],
  failures: [],
}));
ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
const dynamoMock = mockClient(DynamoDBClient);
dynamoMock.on(PutItemCommand).resolves({});
dynamoMock.on(UpdateItemCommand).resolves({});
dynamoMock.on(GetItemCommand).resolves({});
dynamoMock.on(DeleteItemCommand).resolves({});
const sqsMock = mockClient(SQSClient);
sqsMock.onAnyCommand().resolves({});

const importedAt = performance.now();
const { handler } = (await import('../functions/upload-to-task.js')) as {
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
};
const importMs = performance.now() - importedAt;

// --- events: each record a distinct object version, so each one starts a task ---------------------

let objectCounter = 0;
function record(extension = 'jpg'): SQSRecord {
  const n = ++objectCounter;
  const id = n.toString(16).padStart(12, '0');
  const body = {
    version: '0',
    id: `17793124-05d4-b198-2fde-${id}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2025-01-15T10:20:30Z',
    region: 'us-east-1',
    resources: ['arn:aws:s3:::media-ingest'],
    detail: {
      version: '0',
      bucket: { name: 'media-ingest' },
      object: {
        key: `incoming/bench/${n}.${extension}`,
        size: 1024 + n,
        etag: `b1946ac92492d2347c62${id}`,
        'version-id': `bench-version-${id}`,
        sequencer: `00617F0829${id}`,
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '192.0.2.10',
      reason: 'PutObject',
    },
  };
  return {
    messageId: `00000000-0000-4000-8000-${id}`,
    receiptHandle: `receipt-${id}`,
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1736936430000',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1736936430100',
    },
    messageAttributes: {},
    md5OfBody: '098f6bcd4621d373cade4e832627b4f6',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:ecs-pilot-local-uploads',
    awsRegion: 'us-east-1',
  };
}
const batches = (count: number, extension = 'jpg'): SQSEvent[] =>
  Array.from({ length: count / BATCH_SIZE }, () => ({
    Records: Array.from({ length: BATCH_SIZE }, () => record(extension)),
  }));

/** Invokes the handler batch by batch; returns per-batch times and the records it reported failed. */
async function invokeAll(list: SQSEvent[]): Promise<{ totalMs: number; batchMs: number[]; failed: number }> {
  const batchMs: number[] = [];
  let failed = 0;
  const contexts = list.map(() => lambdaContext('ecs-pilot-local-uploadToTask'));
  const started = performance.now();
  for (const [i, event] of list.entries()) {
    const before = performance.now();
    const response = await handler(event, contexts[i]!);
    batchMs.push(performance.now() - before);
    failed += response.batchItemFailures.length;
  }
  return { totalMs: performance.now() - started, batchMs, failed };
}

// --- warm-up (also counts the handler's stdout lines), then the timed run -------------------------

const warmBatches = batches(warmup);
const timedBatches = batches(events);
let linesWritten = 0;
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  linesWritten += text.split('\n').length - 1;
  return write(chunk, ...(rest as []));
}) as typeof process.stdout.write;
const warm = await invokeAll(warmBatches);
process.stdout.write = write;
const linesPerEvent = linesWritten / warmup;

const mockedCalls = () => ({
  ecsRunTask: ecsMock.commandCalls(RunTaskCommand).length,
  ecsListTasks: ecsMock.commandCalls(ListTasksCommand).length,
  dynamoPutItem: dynamoMock.commandCalls(PutItemCommand).length,
  dynamoUpdateItem: dynamoMock.commandCalls(UpdateItemCommand).length,
  dynamoGetItem: dynamoMock.commandCalls(GetItemCommand).length,
  dynamoDeleteItem: dynamoMock.commandCalls(DeleteItemCommand).length,
  sqsAny: sqsMock.calls().length,
});
const resetHistory = () => [ecsMock, dynamoMock, sqsMock].forEach((m) => m.resetHistory());
// The mocks record every call; start the timed run (and the probe below) with an empty history.
resetHistory();
const timed = await invokeAll(timedBatches);
const calls = mockedCalls();
const runTasks = calls.ecsRunTask;

// Issue 20: the upload rules select by prefix only, so an object under incoming/ that is not a .jpg
// now reaches the function, which must ack it with no AWS call. Timed the same way.
resetHistory();
const unmatched = await invokeAll(batches(events, 'png'));
const unmatchedCalls = Object.values(mockedCalls()).reduce((a, b) => a + b, 0);
const unmatchedPerEvent = unmatched.totalMs / events;
resetHistory();
rmSync(dir, { recursive: true, force: true });

/**
 * The share of the figure that is aws-sdk-client-mock itself (sinon stubs recording each call): the
 * same mocked calls per event as the handler made, sent directly, with the history reset likewise.
 */
async function mockCostPerEvent(): Promise<number> {
  resetHistory();
  const ecs = new ECSClient({ region: 'us-east-1' });
  const dynamodb = new DynamoDBClient({ region: 'us-east-1' });
  const per = (n: number) => n / events;
  const plan = {
    put: Math.round(per(calls.dynamoPutItem)),
    list: Math.round(per(calls.ecsListTasks)),
    run: Math.round(per(calls.ecsRunTask)),
    update: Math.round(per(calls.dynamoUpdateItem)),
  };
  const started = performance.now();
  for (let i = 0; i < events; i++) {
    const Key = { id: { S: `probe-${i}` } };
    for (let k = 0; k < plan.put; k++) await dynamodb.send(new PutItemCommand({ TableName: 't', Item: Key }));
    for (let k = 0; k < plan.list; k++) {
      await ecs.send(
        new ListTasksCommand({ cluster: 'media', startedBy: 'probe', desiredStatus: 'RUNNING' }),
      );
    }
    for (let k = 0; k < plan.run; k++)
      await ecs.send(new RunTaskCommand({ cluster: 'media', taskDefinition: 'x' }));
    for (let k = 0; k < plan.update; k++) await dynamodb.send(new UpdateItemCommand({ TableName: 't', Key }));
  }
  return (performance.now() - started) / events;
}
const mockMs = await mockCostPerEvent();

const perEvent = timed.totalMs / events;
const perBatch = summarize(timed.batchMs);
const perEventFromBatches = summarize(timed.batchMs.map((b) => b / BATCH_SIZE));

say(
  `overhead (${label}): ${events} events in ${events / BATCH_SIZE} batches of ${BATCH_SIZE}, after ${warmup} warm-up events`,
);
say(
  `  stdout of this process: ${stdoutTarget}; handler stdout lines per event (warm-up): ${linesPerEvent.toFixed(2)}`,
);
say(`  handler module import (tsx, source): ${ms(importMs)}`);
say(
  `  total ${ms(timed.totalMs)} → ${ms(perEvent, 3)} per event; failed records ${timed.failed + warm.failed}`,
);
say(
  `  per batch: p50 ${ms(perBatch.median, 2)}, p99 ${ms(perBatch.p99, 2)}, max ${ms(perBatch.max, 2)}; ` +
    `per event (batch/10): p50 ${ms(perEventFromBatches.median, 3)}, p99 ${ms(perEventFromBatches.p99, 3)}`,
);
say(`  mocked calls in the timed run: ${JSON.stringify(calls)}`);
say(
  `  prefix match, suffix miss (incoming/*.png): ${ms(unmatchedPerEvent, 3)} per event, ` +
    `${unmatchedCalls} AWS calls, failed records ${unmatched.failed}`,
);
say(`  aws-sdk-client-mock's own cost for the same calls, sent directly: ${ms(mockMs, 3)} per event`);

const f = (what: string) => `${what}, ${label}`;
const rows: Row[] = [
  judged('overhead', f('mean per event (wall/events)'), perEvent, 'ms', ms(perEvent, 3), LIMIT),
  info(
    'overhead',
    f('per event p50 / p99 (batch/10)'),
    perEventFromBatches.median,
    'ms',
    `${ms(perEventFromBatches.median, 3)} / ${ms(perEventFromBatches.p99, 3)}`,
  ),
  info(
    'overhead',
    f('per batch of 10 p50 / p99'),
    perBatch.median,
    'ms',
    `${ms(perBatch.median, 2)} / ${ms(perBatch.p99, 2)}`,
  ),
  info('overhead', f('of which the SDK mock itself (probe)'), mockMs, 'ms', ms(mockMs, 3)),
  info('overhead', f('mean per event net of the mock'), perEvent - mockMs, 'ms', ms(perEvent - mockMs, 3)),
  info(
    'overhead',
    f('prefix match, suffix miss: mean per event (acked)'),
    unmatchedPerEvent,
    'ms',
    ms(unmatchedPerEvent, 3),
  ),
  judged(
    'overhead',
    f('prefix match, suffix miss: AWS calls'),
    unmatchedCalls,
    'calls',
    String(unmatchedCalls),
    { op: '==', value: 0, display: '0' },
  ),
  judged('overhead', f('timed events that started a task'), runTasks, 'events', `${runTasks} of ${events}`, {
    op: '==',
    value: events,
    display: String(events),
  }),
];
emit({
  bench: 'overhead',
  command: `${commandLine('bench/overhead.ts', process.argv.slice(2))} > /dev/null`,
  rows,
  details: {
    logLevel,
    label,
    stdout: stdoutTarget,
    events,
    warmup,
    batchSize: BATCH_SIZE,
    handlerImportMs: importMs,
    totalMs: timed.totalMs,
    meanPerEventMs: perEvent,
    perEventFromBatchesMs: perEventFromBatches,
    perBatchMs: perBatch,
    failedRecords: timed.failed + warm.failed,
    stdoutLinesPerEventWarmup: linesPerEvent,
    mockedCallsTimedRun: calls,
    mockCostPerEventMs: mockMs,
    meanPerEventNetOfMockMs: perEvent - mockMs,
    unmatchedMeanPerEventMs: unmatchedPerEvent,
    unmatchedAwsCalls: unmatchedCalls,
  },
});
