import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coldStarts } from '../../helpers/cold-start';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseSlot, slotClientToken } from '../../../shared/schedules/slot.js';
import { isSweepMessage } from '../../../shared/schedules/runtime.js';
import fc from 'fast-check';
import { fuzz, mutatedEvent } from '../../helpers/fuzz.js';
import { fakeContext, sqsEvent, sqsRecord } from '../../helpers/events.js';
import { useFakeIdempotencyTable } from '../../helpers/idempotency.js';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/ecs-pilot-test-schedules';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/ecs-pilot-test-schedules-dlq';
const TASK_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/reports/0123456789abcdef0123456789abcdef';
const PREVIOUS_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/reports/fedcba9876543210fedcba9876543210';
const TASK = {
  cluster: 'reports',
  taskDefinition: 'reporter',
  container: 'app',
  subnets: ['subnet-0a1b2c3d4e5f60001'],
  securityGroups: ['sg-0a1b2c3d4e5f60001'],
  environment: { SCHEDULE: '{schedule}', SLOT: '{scheduledTime}' },
};

/** The deployed config: one schedule per overlap policy; 3 attempts, 1 s base backoff. */
const CONFIG = {
  region: 'us-east-1',
  delivery: { maxAttempts: 3, retryBaseSeconds: 1 },
  schedules: [
    {
      name: 'nightly',
      schedule: 'cron(0 2 * * ? *)',
      timezone: 'Europe/Berlin',
      overlap: 'skip',
      task: TASK,
    },
    { name: 'refresh', schedule: 'rate(5 minutes)', overlap: 'replace', task: TASK },
    { name: 'fanout', schedule: 'rate(1 hour)', overlap: 'allow', task: TASK },
    { name: 'bounded', schedule: 'rate(1 hour)', maxRuntimeMinutes: 30, task: TASK },
  ],
};

const ENV = {
  IDEMPOTENCY_TABLE: 'ecs-pilot-test-idempotency',
  SCHEDULES_QUEUE_URL: QUEUE_URL,
  SCHEDULES_DLQ_URL: DLQ_URL,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_LAMBDA_FUNCTION_NAME: 'ecs-pilot-test-runSchedule',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

const ecsMock = mockClient(ECSClient);
const sqsMock = mockClient(SQSClient);
const dynamoMock = mockClient(DynamoDBClient);
const snsMock = mockClient(SNSClient);

/**
 * A slot due a minute ago (whole minutes, as Scheduler sends them): the handler measures the retry
 * window against the real clock, so the slot must be recent.
 */
function recentSlot(minutesAgo = 1): { scheduledTime: Date; text: string } {
  const scheduledTime = new Date(Math.floor(Date.now() / 60_000) * 60_000 - minutesAgo * 60_000);
  return { scheduledTime, text: scheduledTime.toISOString().replace('.000Z', 'Z') };
}

/** The message Scheduler puts on the schedules queue for a slot. */
const slotMessage = (schedule: string, scheduledTime: string) => ({
  schedule,
  scheduledTime,
  executionId: '9f2b3c4d-0000-4000-8000-000000000001',
});

const started = { tasks: [{ taskArn: TASK_ARN }], failures: [] };

/** A task of the schedule that is still running, tagged with the slot it was started for. */
const runningTask = (taskArn: string, slot: string): Task => ({
  taskArn,
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  tags: [{ key: 'ecs-pilot:slot', value: slot }],
});

/** ECS reports these tasks as active for every startedBy. */
function activeTasks(...tasks: Task[]) {
  ecsMock.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn ?? '') });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks, failures: [] });
}

const attributesOf = (input: { MessageAttributes?: Record<string, { StringValue?: string }> } | undefined) =>
  Object.fromEntries(
    Object.entries(input?.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
  );

const { coldStart, writeConfig } = coldStarts({
  config: CONFIG,
  env: ENV,
  load: async () => ((await import('../../../functions/run-schedule.js')) as { handler: Handler }).handler,
});

afterEach(() => {
  ecsMock.reset();
  sqsMock.reset();
  dynamoMock.reset();
  snsMock.reset();
});

describe('Handler: run-schedule', () => {
  let handler: Handler;

  beforeAll(async () => {
    handler = await coldStart();
  });

  beforeEach(() => {
    useFakeIdempotencyTable(dynamoMock);
    sqsMock.resolves({});
  });

  it('starts one task for a slot, with the slot’s clientToken, startedBy and tags', async () => {
    // Prepare
    const slot = recentSlot();
    activeTasks();
    ecsMock.on(RunTaskCommand).resolves(started);

    // Act
    const response = await handler(sqsEvent(sqsRecord(slotMessage('nightly', slot.text))), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    // startedBy is the only filter AWS allows with it (issue 12, finding 5).
    expect(ecsMock.commandCalls(ListTasksCommand)[0]?.args[0].input).toEqual({
      cluster: 'reports',
      startedBy: 'ecs-pilot/nightly',
      maxResults: 100,
    });
    const runTask = ecsMock.commandCalls(RunTaskCommand);
    expect(runTask).toHaveLength(1);
    expect(runTask[0]?.args[0].input).toMatchObject({
      cluster: 'reports',
      taskDefinition: 'reporter',
      count: 1,
      clientToken: slotClientToken('nightly', slot.scheduledTime),
      startedBy: 'ecs-pilot/nightly',
      overrides: {
        containerOverrides: [
          {
            name: 'app',
            environment: [
              { name: 'SCHEDULE', value: 'nightly' },
              { name: 'SLOT', value: slot.text },
            ],
          },
        ],
      },
      tags: [
        { key: 'ecs-pilot:automation', value: 'schedules' },
        { key: 'ecs-pilot:schedule', value: 'nightly' },
        { key: 'ecs-pilot:slot', value: slot.text },
      ],
    });
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('starts no second task when the same slot is delivered twice', async () => {
    // Prepare: the first task finished quickly, so ECS lists nothing active the second time either.
    const slot = recentSlot();
    activeTasks();
    ecsMock.on(RunTaskCommand).resolves(started);
    const body = slotMessage('nightly', slot.text);

    // Act
    const first = await handler(sqsEvent(sqsRecord(body, { messageId: 'first' })), fakeContext());
    const second = await handler(
      sqsEvent(sqsRecord(body, { messageId: 'redelivered' })),
      fakeContext({ awsRequestId: 'second-invocation' }),
    );

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(dynamoMock.commandCalls(PutItemCommand)).toHaveLength(2);
    await expect(dynamoMock.commandCalls(PutItemCommand)[1]?.returnValue).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
      Item: { status: { S: 'COMPLETED' } },
    });
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('starts no second task when the same slot appears twice in one batch', async () => {
    // Prepare
    const slot = recentSlot();
    activeTasks();
    ecsMock.on(RunTaskCommand).resolves(started);
    const body = slotMessage('fanout', slot.text);

    // Act
    const response = await handler(
      sqsEvent(sqsRecord(body, { messageId: 'a' }), sqsRecord(body, { messageId: 'b' })),
      fakeContext(),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it('starts nothing under overlap skip while the previous slot’s task is RUNNING', async () => {
    // Prepare
    const slot = recentSlot();
    activeTasks(runningTask(PREVIOUS_ARN, recentSlot(60 * 24).text));

    // Act
    const response = await handler(sqsEvent(sqsRecord(slotMessage('nightly', slot.text))), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.commandCalls(DescribeTasksCommand)[0]?.args[0].input).toMatchObject({
      cluster: 'reports',
      tasks: [PREVIOUS_ARN],
      include: ['TAGS'],
    });
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
    expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(0);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('stops the previous task and then starts the slot’s task under overlap replace', async () => {
    // Prepare
    const slot = recentSlot();
    activeTasks(runningTask(PREVIOUS_ARN, recentSlot(6).text));
    ecsMock.on(StopTaskCommand).resolves({});
    ecsMock.on(RunTaskCommand).resolves(started);

    // Act
    const response = await handler(sqsEvent(sqsRecord(slotMessage('refresh', slot.text))), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.commandCalls(StopTaskCommand).map((call) => call.args[0].input)).toEqual([
      {
        cluster: 'reports',
        task: PREVIOUS_ARN,
        reason: `ecs-pilot: replaced by slot ${slot.text} of schedule refresh`,
      },
    ]);
    const order = ecsMock
      .calls()
      .map((call) => call.args[0])
      .filter((command) => command instanceof StopTaskCommand || command instanceof RunTaskCommand)
      .map((command) => command.constructor.name);
    expect(order).toEqual(['StopTaskCommand', 'RunTaskCommand']);
    expect(ecsMock.commandCalls(RunTaskCommand)[0]?.args[0].input.clientToken).toBe(
      slotClientToken('refresh', slot.scheduledTime),
    );
  });

  it('never stops the slot’s own task when the slot is redelivered under overlap replace', async () => {
    // Prepare
    const slot = recentSlot();
    activeTasks(runningTask(TASK_ARN, slot.text));

    // Act
    const response = await handler(sqsEvent(sqsRecord(slotMessage('refresh', slot.text))), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(0);
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('returns the slot for a retry with a visibility backoff when RunTask reports failures[] on attempt 1', async () => {
    // Prepare
    const slot = recentSlot();
    activeTasks();
    ecsMock
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY' }], $metadata: { httpStatusCode: 200 } });
    const record = sqsRecord(slotMessage('nightly', slot.text), { messageId: 'capacity', receiveCount: 1 });

    // Act
    const response = await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'capacity' }] });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, ReceiptHandle: record.receiptHandle, VisibilityTimeout: 1 },
    ]);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('dead-letters with the schedule, the slot and the reason when RunTask still fails at the last attempt', async () => {
    // Prepare
    const slot = recentSlot();
    activeTasks();
    ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY' }] });
    const record = sqsRecord(slotMessage('nightly', slot.text), { messageId: 'last', receiveCount: 3 });

    // Act
    const response = await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    const sent = sqsMock.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input).toMatchObject({ QueueUrl: DLQ_URL, MessageBody: record.body });
    expect(attributesOf(sent[0]?.args[0].input)).toEqual({
      'ecs-pilot-schedule': 'nightly',
      'ecs-pilot-slot': slot.text,
      'ecs-pilot-reason': 'gave up after 3 attempts; last error: RunTask started no task: RESOURCE:MEMORY',
      'ecs-pilot-attempts': '3',
      'ecs-pilot-failed-at': expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
  });

  it.each([
    ['not JSON', '{"schedule": "nightly", '],
    ['without a scheduled time', JSON.stringify({ schedule: 'nightly' })],
    [
      'with a local scheduled time',
      JSON.stringify({ schedule: 'nightly', scheduledTime: '2026-11-21T09:00:00' }),
    ],
  ])('dead-letters a malformed slot (%s) at once and touches no task', async (_name, body) => {
    // Prepare
    const record = sqsRecord(body, { messageId: 'malformed', receiveCount: 1 });

    // Act
    const response = await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.calls()).toHaveLength(0);
    const sent = sqsMock.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input).toMatchObject({ QueueUrl: DLQ_URL, MessageBody: body });
    expect(attributesOf(sent[0]?.args[0].input)).toMatchObject({
      'ecs-pilot-reason': expect.stringMatching(
        /^permanent failure: (message body is not JSON|not a schedule slot event)/,
      ),
      'ecs-pilot-attempts': '1',
    });
  });

  it('dead-letters a slot of an unknown schedule at once, naming it', async () => {
    // Prepare
    const slot = recentSlot();

    // Act
    const response = await handler(sqsEvent(sqsRecord(slotMessage('weekly', slot.text))), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.calls()).toHaveLength(0);
    expect(attributesOf(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input)).toMatchObject({
      'ecs-pilot-schedule': 'weekly',
      'ecs-pilot-slot': slot.text,
      'ecs-pilot-reason': 'permanent failure: no schedule named "weekly" in the deployed config',
    });
  });

  it('dead-letters a slot past its retry window, with the reason, without starting a task', async () => {
    // Prepare
    const slot = recentSlot(30);
    activeTasks();

    // Act
    const response = await handler(sqsEvent(sqsRecord(slotMessage('nightly', slot.text))), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
    const sent = sqsMock.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.args[0].input.MessageAttributes?.['ecs-pilot-reason']?.StringValue).toMatch(
      /^permanent failure: slot .* past its 15 min window$/,
    );
  });
});

describe('Handler: run-schedule, maximum-runtime sweep', () => {
  let handler: Handler;
  const SWEEP = { sweep: 'max-runtime' };
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  const boundedRun = (taskArn: string, startedAt: Date): Task => ({
    ...runningTask(taskArn, recentSlot(40).text),
    tags: [
      { key: 'ecs-pilot:schedule', value: 'bounded' },
      { key: 'ecs-pilot:slot', value: recentSlot(40).text },
    ],
    startedAt,
    createdAt: startedAt,
  });

  beforeAll(async () => {
    handler = await coldStart();
  });

  beforeEach(() => {
    sqsMock.resolves({});
  });

  it('stops the bounded schedule’s run past its limit with StopTask, naming the schedule and the limit', async () => {
    activeTasks(boundedRun(PREVIOUS_ARN, minutesAgo(31)), boundedRun(TASK_ARN, minutesAgo(10)));
    ecsMock.on(StopTaskCommand).resolves({});

    const response = await handler(sqsEvent(sqsRecord(SWEEP)), fakeContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.commandCalls(StopTaskCommand).map((call) => call.args[0].input)).toEqual([
      {
        cluster: 'reports',
        task: PREVIOUS_ARN,
        reason: 'ecs-pilot: maximum runtime exceeded: schedule bounded ran 31 min, limit 30 min',
      },
    ]);
    // Only the schedule with a limit is read; nothing is started.
    expect(ecsMock.commandCalls(ListTasksCommand).map((call) => call.args[0].input.startedBy)).toEqual([
      'ecs-pilot/bounded',
    ]);
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('returns the sweep for a retry when StopTask is throttled', async () => {
    activeTasks(boundedRun(PREVIOUS_ARN, minutesAgo(31)));
    ecsMock
      .on(StopTaskCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));

    const response = await handler(sqsEvent(sqsRecord(SWEEP, { messageId: 'sweep-1' })), fakeContext());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'sweep-1' }] });
  });
});

describe('Handler: run-schedule, slots from the future (issue 18)', () => {
  let handler: Handler;

  beforeAll(async () => {
    handler = await coldStart();
  });

  beforeEach(() => {
    useFakeIdempotencyTable(dynamoMock);
    sqsMock.resolves({});
  });

  it('dead-letters a slot dated a day ahead with both times, starting nothing', async () => {
    // Prepare
    const ahead = new Date(Date.now() + 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    activeTasks();
    ecsMock.on(RunTaskCommand).resolves(started);

    // Act
    const response = await handler(sqsEvent(sqsRecord(slotMessage('nightly', ahead))), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
    const sent = sqsMock.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.args[0].input.MessageAttributes?.['ecs-pilot-reason']?.StringValue).toMatch(
      new RegExp(
        `^permanent failure: slot ${ahead} is 14\\d\\d min ahead of the function clock \\S+Z \\(more than the 5 min allowed skew\\)$`,
      ),
    );
  });
});

describe('Handler: run-schedule cold start', () => {
  it.each(['IDEMPOTENCY_TABLE', 'SCHEDULES_QUEUE_URL', 'SCHEDULES_DLQ_URL'])(
    'refuses to start without %s',
    async (name) => {
      await expect(coldStart({ [name]: undefined })).rejects.toThrow(`${name}: required`);
    },
  );

  it('refuses to start with an invalid schedule, naming the field', async () => {
    // Prepare
    const file = writeConfig('broken.json', {
      schedules: [{ name: 'nightly', schedule: 'cron(0 2 * * ? *)', overlap: 'queue', task: TASK }],
    });

    // Act & Assess
    await expect(coldStart({ ECS_PILOT_CONFIG_FILE: file })).rejects.toThrow('schedules[0].overlap');
  });
});

describe('Handler: run-schedule with stop alerts configured', () => {
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ecs-pilot-test-alerts';
  let handler: Handler;

  beforeAll(async () => {
    handler = await coldStart({ ALERTS_TOPIC_ARN: TOPIC });
  });

  beforeEach(() => {
    useFakeIdempotencyTable(dynamoMock);
    sqsMock.resolves({});
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('mails the alerts topic when a slot finally cannot start, naming the schedule, the slot and the reason', async () => {
    // Prepare: the last attempt, and ECS finds no network interface for the task (not a throttle).
    const slot = recentSlot();
    activeTasks();
    ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:ENI' }] });

    // Act
    const response = await handler(
      sqsEvent(sqsRecord(slotMessage('nightly', slot.text), { receiveCount: 3 })),
      fakeContext(),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
    const published = snsMock.commandCalls(PublishCommand);
    expect(published).toHaveLength(1);
    const input = published[0]!.args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toBe(`ecs-pilot schedule nightly: slot ${slot.text} did not start`);
    expect(input.Message).toContain('RESOURCE:ENI');
    expect(input.Message).toContain('Attempts         3');
    expect(input.MessageAttributes?.schedule?.StringValue).toBe('nightly');
  });

  it('mails nothing while the slot is still being retried', async () => {
    const slot = recentSlot();
    activeTasks();
    ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY' }] });

    const response = await handler(sqsEvent(sqsRecord(slotMessage('nightly', slot.text))), fakeContext());

    expect(response.batchItemFailures).toHaveLength(1);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('keeps the slot dead-lettered when the alert cannot be published', async () => {
    const slot = recentSlot();
    activeTasks();
    ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:CPU' }] });
    snsMock.on(PublishCommand).rejects(new Error('SNS is down'));

    const response = await handler(
      sqsEvent(sqsRecord(slotMessage('nightly', slot.text), { receiveCount: 3 })),
      fakeContext(),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
  });
});

describe('Handler: run-schedule, fed hostile events (issue 18 fuzz)', () => {
  let handler: Handler;

  beforeAll(async () => {
    handler = await coldStart();
  });

  it(
    'starts and stops no task from a message that fails to parse, and dead-letters it with its reason',
    { timeout: 20_000 },
    async () => {
      const sample = slotMessage('nightly', recentSlot().text);
      await fc.assert(
        fc.asyncProperty(mutatedEvent(sample), async (event) => {
          ecsMock.reset();
          sqsMock.reset();
          dynamoMock.reset();
          useFakeIdempotencyTable(dynamoMock);
          sqsMock.resolves({});
          ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
          ecsMock.on(RunTaskCommand).resolves(started);
          const body = JSON.stringify(event) ?? 'undefined';
          let parses = true;
          try {
            const raw: unknown = JSON.parse(body);
            if (!isSweepMessage(raw)) parseSlot(raw);
          } catch {
            parses = false;
          }

          const response = await handler(sqsEvent(sqsRecord(body, { messageId: 'fuzz' })), fakeContext());

          if (parses) return;
          expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
          expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(0);
          expect(response.batchItemFailures).toEqual([]);
          const sent = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
          expect(sent).toHaveLength(1);
          expect(sent[0]).toMatchObject({ QueueUrl: DLQ_URL, MessageBody: body });
          expect(attributesOf(sent[0])['ecs-pilot-reason']).toMatch(/^permanent failure: /);
        }),
        fuzz(100),
      );
    },
  );
});
