import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { coldStarts } from '../../helpers/cold-start';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeServicesCommand,
  ECSClient,
  ECSServiceException,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { fakeContext } from '../../helpers/events.js';
import { tickBody } from '../../../shared/scaling/event.js';
import type { ScaleSummary } from '../../../shared/scaling/function.js';
import type { Clock } from '../../../shared/scaling/service.js';

type Handler = (event: unknown, context: Context) => Promise<ScaleSummary & SQSBatchResponse>;
interface HandlerModule {
  handler: Handler;
  createHandler: (clock?: Clock) => Handler;
}

const VIDEO_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/video-jobs';
const THUMBS_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/thumbnail-jobs';
const TICKS_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/ecs-pilot-test-scaling-ticks';

/** Two scalers: one queue by name (resolved with GetQueueUrl), one by URL, evaluated every 20 s. */
const CONFIG = {
  region: 'us-east-1',
  scalers: [
    {
      name: 'video-workers',
      queue: 'video-jobs',
      cluster: 'media',
      service: 'video-worker',
      messagesPerTask: 10,
      min: 0,
      max: 40,
      // Once a minute (the default is 10 s): the tests count this scaler's evaluations per invocation.
      intervalSeconds: 60,
    },
    {
      name: 'thumbs',
      queue: THUMBS_URL,
      cluster: 'media',
      service: 'thumbnailer',
      messagesPerTask: 5,
      min: 1,
      max: 10,
      scaleInAfterMinutes: 2,
      // A slow start-up, so the 2 min cap decides the scale-in wait rather than the break-even time.
      taskStartupSeconds: 600,
      intervalSeconds: 20,
    },
  ],
};

const ENV = {
  SCALER_STATE_TABLE: 'ecs-pilot-test-scaler-state',
  SCALING_TICK_QUEUE_URL: TICKS_URL,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_LAMBDA_FUNCTION_NAME: 'ecs-pilot-test-scaleQueues',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

const sqsMock = mockClient(SQSClient);
const ecsMock = mockClient(ECSClient);
const dynamoMock = mockClient(DynamoDBClient);
const autoScalingMock = mockClient(ApplicationAutoScalingClient);

const ecsError = (name: string) =>
  new ECSServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `${name} raised`,
  });

/** The queue holds these messages. */
function queue(url: string, visible: number, inFlight = 0, delayed = 0) {
  sqsMock.on(GetQueueAttributesCommand, { QueueUrl: url }).resolves({
    Attributes: {
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
    },
  });
}

/** The ACTIVE service has this desired (and running) count. */
function service(name: string, desired: number, running = desired) {
  ecsMock.on(DescribeServicesCommand, { services: [name] }).resolves({
    services: [{ serviceName: name, status: 'ACTIVE', desiredCount: desired, runningCount: running }],
    failures: [],
  });
}

/** A fake scaler state table honouring the version condition and the tick slots' condition, as DynamoDB would. */
function useStateTable() {
  const items = new Map<string, Record<string, { S?: string; N?: string }>>();
  dynamoMock.on(GetItemCommand).callsFake((input: { Key: { id: { S: string } } }) => ({
    Item: items.get(input.Key.id.S),
  }));
  dynamoMock
    .on(UpdateItemCommand)
    .callsFake(
      (input: {
        Key: { id: { S: string } };
        UpdateExpression: string;
        ExpressionAttributeValues: Record<string, { S?: string; N?: string }>;
      }) => {
        const id = input.Key.id.S;
        const current = items.get(id);
        const values = input.ExpressionAttributeValues;
        if (id.startsWith('tick#')) {
          const previous = current?.slot;
          if (previous && Number(previous.N) >= Number(values[':slot']!.N)) {
            throw new ConditionalCheckFailedException({
              message: 'The conditional request failed',
              $metadata: {},
            });
          }
          items.set(id, { slot: values[':slot']! });
          return previous ? { Attributes: { slot: previous } } : {};
        }
        if (current?.version?.N !== values[':expected']?.N) {
          throw new ConditionalCheckFailedException({
            message: 'The conditional request failed',
            $metadata: {},
          });
        }
        const lowSince = values[':lowSince'];
        items.set(id, {
          version: values[':next']!,
          desired: values[':desired']!,
          ...(lowSince ? { lowSince } : {}),
        });
        return {};
      },
    );
  return items;
}

const updates = () => ecsMock.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input);
const sendTicks = () => sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);

/** What the tick queue's event source mapping delivers for one tick message. */
const tickEvent = (tick: { intervalSeconds: number; slot: number }) => ({
  Records: [
    {
      messageId: 'tick-1',
      receiptHandle: 'r-1',
      body: tickBody(tick),
      attributes: {},
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:ecs-pilot-test-scaling-ticks',
      awsRegion: 'us-east-1',
    },
  ],
});
const calls = (
  command: Parameters<typeof sqsMock.commandCalls>[0] | Parameters<typeof ecsMock.commandCalls>[0],
) =>
  [...sqsMock.commandCalls(command as never), ...ecsMock.commandCalls(command as never)].map(
    (c) => c.args[0].input,
  );

/** A clock that moves only when the handler sleeps. */
function fakeClock(start = Date.parse('2026-03-02T10:00:00Z')): Clock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.t += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

/** The JSON log lines written while `fn` runs. */
async function logsOf<T>(fn: () => Promise<T>): Promise<[T, Record<string, unknown>[]]> {
  const lines: string[] = [];
  // Powertools writes INFO and EMF to stdout, WARN and ERROR to stderr.
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }),
  );
  try {
    const result = await fn();
    return [
      result,
      lines
        .flatMap((l) => l.split('\n'))
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    ];
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
}
const decisions = (logs: Record<string, unknown>[]) => logs.filter((l) => l.message === 'scaling decision');

const { coldStart } = coldStarts({
  config: CONFIG,
  env: ENV,
  load: async () => (await import('../../../functions/scale-queues.js')) as HandlerModule,
});

afterEach(() => {
  sqsMock.reset();
  ecsMock.reset();
  dynamoMock.reset();
  autoScalingMock.reset();
});

describe('Handler: scale-queues', () => {
  let module: HandlerModule;

  beforeAll(async () => {
    module = await coldStart();
  });

  beforeEach(() => {
    sqsMock.on(GetQueueUrlCommand, { QueueName: 'video-jobs' }).resolves({ QueueUrl: VIDEO_URL });
    autoScalingMock.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
    ecsMock.on(UpdateServiceCommand).resolves({});
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'next' });
    useStateTable();
    queue(VIDEO_URL, 0);
    queue(THUMBS_URL, 0);
    service('video-worker', 0);
    service('thumbnailer', 1);
  });

  it('scales a service at min 0 to one task when one message waits, on an on-demand {} invocation', async () => {
    queue(VIDEO_URL, 1);

    const [summary, logs] = await logsOf(() => module.createHandler(fakeClock())({}, fakeContext()));

    expect(updates()).toEqual([{ cluster: 'media', service: 'video-worker', desiredCount: 1 }]);
    expect(summary).toEqual({
      evaluations: 2,
      outcomes: { 'scale-out': 1, unchanged: 1 },
      scalers: { 'video-workers': ['scale-out'], thumbs: ['unchanged'] },
    });
    expect(decisions(logs).find((l) => l.scaler === 'video-workers')).toMatchObject({
      level: 'INFO',
      decision: 'scale-out',
      backlog: 1,
      desired: 0,
      newDesired: 1,
      reason: expect.stringContaining('scaling out to 1'),
    });
  });

  it('makes no UpdateService call when the desired count already matches the backlog', async () => {
    queue(VIDEO_URL, 25);
    service('video-worker', 3);

    const summary = await module.createHandler(fakeClock())({}, fakeContext());

    expect(updates()).toEqual([]);
    expect(summary.outcomes).toEqual({ unchanged: 2 });
  });

  it('reads each queue and service exactly once per scaler per evaluation, and resolves a queue name once per cold start', async () => {
    const fresh = await coldStart();

    await fresh.createHandler(fakeClock())({}, fakeContext());
    await fresh.handler({}, fakeContext());

    const depthReads = calls(GetQueueAttributesCommand).map((i) => (i as { QueueUrl: string }).QueueUrl);
    const serviceReads = calls(DescribeServicesCommand).map((i) => (i as { services: string[] }).services);
    expect(depthReads.sort()).toEqual([THUMBS_URL, THUMBS_URL, VIDEO_URL, VIDEO_URL]);
    expect(calls(GetQueueAttributesCommand)[0]).toMatchObject({
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    });
    expect(serviceReads.sort()).toEqual([
      ['thumbnailer'],
      ['thumbnailer'],
      ['video-worker'],
      ['video-worker'],
    ]);
    expect(sqsMock.commandCalls(GetQueueUrlCommand).map((c) => c.args[0].input)).toEqual([
      { QueueName: 'video-jobs' },
    ]);
  });

  it('on the heartbeat, evaluates every chain once and sends the next tick of each chain shorter than a minute', async () => {
    const clock = fakeClock();
    const scheduledTime = new Date(clock.t).toISOString();

    const summary = (await module.createHandler(clock)(
      { mode: 'minute', scheduledTime },
      fakeContext(),
    )) as ScaleSummary;

    expect(summary.scalers).toEqual({ thumbs: ['unchanged'], 'video-workers': ['unchanged'] });
    // thumbs is on the 20 s chain: its next tick, delayed to the next slot; video-workers (60 s) has none.
    expect(sendTicks()).toEqual([
      {
        QueueUrl: TICKS_URL,
        MessageBody: tickBody({ intervalSeconds: 20, slot: clock.t / 20_000 + 1 }),
        DelaySeconds: 20,
      },
    ]);
    expect(summary.ticks).toEqual([
      {
        intervalSeconds: 20,
        slot: clock.t / 20_000,
        status: 'evaluated',
        next: { slot: clock.t / 20_000 + 1, delaySeconds: 20 },
      },
      { intervalSeconds: 60, slot: clock.t / 60_000, status: 'evaluated' },
    ]);
  });

  it('runs a tick from the tick queue: evaluates its chain only, reading only the queue of an idle scaler, and sends the next', async () => {
    const clock = fakeClock();
    const handler = module.createHandler(clock);
    await handler({ mode: 'minute', scheduledTime: new Date(clock.t).toISOString() }, fakeContext());
    ecsMock.resetHistory();
    sqsMock.resetHistory();
    clock.t += 20_300;

    const response = await handler(
      tickEvent({ intervalSeconds: 20, slot: (clock.t - 300) / 20_000 }),
      fakeContext(),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    // thumbs is idle (empty queue, at its min of 1): the queue alone; video-workers is not on this chain.
    expect(calls(GetQueueAttributesCommand)).toEqual([expect.objectContaining({ QueueUrl: THUMBS_URL })]);
    expect(calls(DescribeServicesCommand)).toEqual([]);
    expect(sendTicks()).toEqual([
      expect.objectContaining({
        MessageBody: tickBody({ intervalSeconds: 20, slot: (clock.t - 300) / 20_000 + 1 }),
        DelaySeconds: 20,
      }),
    ]);
  });

  it('evaluates nothing and sends nothing for a duplicate tick, and deletes it', async () => {
    const clock = fakeClock();
    const handler = module.createHandler(clock);
    const tick = tickEvent({ intervalSeconds: 20, slot: clock.t / 20_000 });
    await handler(tick, fakeContext());
    sqsMock.resetHistory();

    const response = await handler(tick, fakeContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(calls(GetQueueAttributesCommand)).toEqual([]);
    expect(sendTicks()).toEqual([]);
  });

  it('asks for a tick to be retried when its next tick cannot be sent, and drops a malformed one with a warning', async () => {
    sqsMock.on(SendMessageCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    const clock = fakeClock();
    const event = tickEvent({ intervalSeconds: 20, slot: clock.t / 20_000 });
    event.Records.push({ ...event.Records[0]!, messageId: 'bad', body: '{"slot": "soon"}' });

    const [response, logs] = await logsOf(() => module.createHandler(clock)(event, fakeContext()));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'tick-1' }] });
    expect(logs.find((l) => l.message === 'malformed tick dropped')).toMatchObject({
      level: 'WARN',
      messageId: 'bad',
    });
  });

  it('keeps scaling the other scalers when one scaler’s queue does not exist, and logs the scaler and cause', async () => {
    sqsMock
      .on(GetQueueAttributesCommand, { QueueUrl: VIDEO_URL })
      .rejects(new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} }));
    queue(THUMBS_URL, 12);

    const [summary, logs] = await logsOf(() => module.createHandler(fakeClock())({}, fakeContext()));

    expect(updates()).toEqual([{ cluster: 'media', service: 'thumbnailer', desiredCount: 3 }]);
    expect(summary.scalers).toEqual({ 'video-workers': ['failed'], thumbs: ['scale-out'] });
    expect(decisions(logs).find((l) => l.scaler === 'video-workers')).toMatchObject({
      level: 'ERROR',
      decision: 'failed',
      retryable: false,
      reason: expect.stringMatching(
        /GetQueueAttributes .*video-jobs: the queue does not exist.*no change made/,
      ),
    });
  });

  it.each([
    [
      'ECS throttles DescribeServices',
      () => ecsMock.on(DescribeServicesCommand).rejects(ecsError('ThrottlingException')),
      true,
    ],
    [
      'access to the queue is denied',
      () =>
        sqsMock
          .on(GetQueueAttributesCommand)
          .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' })),
      false,
    ],
    [
      'the service is missing',
      () =>
        ecsMock.on(DescribeServicesCommand).resolves({
          services: [],
          failures: [{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/media/x', reason: 'MISSING' }],
        }),
      false,
    ],
    [
      'the service is inactive',
      () =>
        ecsMock
          .on(DescribeServicesCommand)
          .resolves({ services: [{ status: 'INACTIVE', desiredCount: 0, runningCount: 0 }], failures: [] }),
      false,
    ],
    [
      'the state table throttles',
      () =>
        dynamoMock
          .on(GetItemCommand)
          .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' })),
      true,
    ],
  ])('changes no service when %s, and does not throw', async (_case, arrange, retryable) => {
    queue(VIDEO_URL, 50);
    queue(THUMBS_URL, 50);
    arrange();

    const [summary, logs] = await logsOf(() => module.createHandler(fakeClock())({}, fakeContext()));

    expect(updates()).toEqual([]);
    expect(summary.outcomes).toEqual({ failed: 2 });
    for (const line of decisions(logs)) expect(line).toMatchObject({ decision: 'failed', retryable });
  });

  it('stays inside the Application Auto Scaling target’s range and says so', async () => {
    queue(VIDEO_URL, 100);
    autoScalingMock
      .on(DescribeScalableTargetsCommand, { ResourceIds: ['service/media/video-worker'] })
      .resolves({
        ScalableTargets: [
          {
            ServiceNamespace: 'ecs',
            ResourceId: 'service/media/video-worker',
            ScalableDimension: 'ecs:service:DesiredCount',
            MinCapacity: 2,
            MaxCapacity: 4,
            RoleARN: 'arn:aws:iam::123456789012:role/aws-service-role',
            CreationTime: new Date(),
          },
        ],
      });

    const [, logs] = await logsOf(() => module.createHandler(fakeClock())({}, fakeContext()));

    expect(updates()).toEqual([{ cluster: 'media', service: 'video-worker', desiredCount: 4 }]);
    expect(decisions(logs).find((l) => l.scaler === 'video-workers')).toMatchObject({
      decision: 'scale-out',
      applicationAutoScaling: { min: 2, max: 4 },
      clampedByApplicationAutoScaling: true,
      reason: expect.stringContaining('Application Auto Scaling target allows 2..4: setting 4 instead'),
    });
  });

  it('does not call UpdateService when another evaluation saved the scaler’s state first', async () => {
    queue(VIDEO_URL, 30);
    dynamoMock
      .on(UpdateItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    const [summary, logs] = await logsOf(() => module.createHandler(fakeClock())({}, fakeContext()));

    expect(updates()).toEqual([]);
    expect(summary.scalers['video-workers']).toEqual(['conflict']);
    expect(decisions(logs).find((l) => l.scaler === 'video-workers')).toMatchObject({
      level: 'WARN',
      decision: 'conflict',
      reason: expect.stringContaining('saved its state since this one read it'),
    });
  });

  it('scales in only once the backlog has stayed low for scaleInAfterMinutes, across invocations', async () => {
    service('thumbnailer', 4);
    const clock = fakeClock();
    const invoke = () => module.createHandler(clock)({}, fakeContext());

    await invoke();
    clock.t += 60_000;
    await invoke();
    expect(updates()).toEqual([]);

    clock.t += 60_000;
    await invoke();

    expect(updates()).toEqual([{ cluster: 'media', service: 'thumbnailer', desiredCount: 1 }]);
  });

  it('rejects a payload that is not an object without touching AWS', async () => {
    await expect(module.createHandler(fakeClock())('every minute', fakeContext())).rejects.toThrow(
      /not a scaleQueues invocation/,
    );
    await expect(module.createHandler(fakeClock())({ mode: 'hourly' }, fakeContext())).rejects.toThrow(
      /mode/,
    );

    expect(calls(GetQueueAttributesCommand)).toEqual([]);
  });

  it('warns naming an unreadable scheduledTime, its escaped value and the clock used instead (issue 18)', async () => {
    const [, logs] = await logsOf(() =>
      module.createHandler(fakeClock())({ mode: 'once', scheduledTime: 'soon\u001b[2J' }, fakeContext()),
    );

    expect(logs.find((l) => l.message === 'unreadable event field')).toMatchObject({
      level: 'WARN',
      field: 'scheduledTime',
      value: 'soon\\u001b[2J',
      fallback: "the function's clock",
    });
  });
});

describe('Handler: scale-queues (metrics)', () => {
  it('emits Backlog, BacklogPerTask, DesiredCount, RunningCount and ScalingActions per scaler as EMF', async () => {
    const module = await coldStart({ POWERTOOLS_METRICS_DISABLED: undefined, POWERTOOLS_LOG_LEVEL: 'ERROR' });
    sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: VIDEO_URL });
    autoScalingMock.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
    ecsMock.on(UpdateServiceCommand).resolves({});
    useStateTable();
    queue(VIDEO_URL, 21);
    queue(THUMBS_URL, 0);
    service('video-worker', 0);
    service('thumbnailer', 1);

    const [, lines] = await logsOf(() => module.createHandler(fakeClock())({}, fakeContext()));

    const emf = lines.filter((l) => l._aws !== undefined);
    const video = emf.find((l) => l.scaler === 'video-workers');
    expect(emf).toHaveLength(2);
    expect(video).toMatchObject({
      scaler: 'video-workers',
      service: 'scaling',
      Backlog: 21,
      BacklogPerTask: 7,
      DesiredCount: 3,
      RunningCount: 0,
      ScalingActions: 1,
      ScalingErrors: 0,
    });
    expect(JSON.stringify((video?._aws as { CloudWatchMetrics: unknown }).CloudWatchMetrics)).toContain(
      '"scaler"',
    );
  });
});
