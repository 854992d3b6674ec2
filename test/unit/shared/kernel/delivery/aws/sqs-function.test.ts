import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  decisionMetric,
  sqsFunction,
  type SqsFunctionOptions,
} from '../../../../../../shared/kernel/delivery/aws/sqs-function';
import { DeferError } from '../../../../../../shared/kernel/delivery/batch';
import { ConfigError, PermanentError, RetryableError } from '../../../../../../shared/kernel/errors';
import { fakeContext, sqsEvent, sqsRecord } from '../../../../../helpers/events';
import { captureOutput, metricValues, type CapturedOutput } from '../../aws/fixtures';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/ecs-pilot-test-uploads';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/ecs-pilot-test-uploads-dlq';
const SETTINGS = { maxAttempts: 3, retryBaseSeconds: 10 };

type Process = SqsFunctionOptions['process'];

const sqsMock = mockClient(SQSClient);
let output: CapturedOutput;

/** A handler over the mocked SQS client, its queues named by the two environment variables. */
const handlerWith = (options: Partial<SqsFunctionOptions> & { process: Process }) =>
  sqsFunction({
    service: 'uploads',
    queueUrlEnv: 'TEST_QUEUE_URL',
    deadLetterQueueUrlEnv: 'TEST_DLQ_URL',
    settings: SETTINGS,
    ...options,
  });

/** The metrics the invocation published, summed by name. */
const publishedCounts = () => {
  const counts: Record<string, number> = {};
  for (const document of output.emf()) {
    for (const [name, value] of Object.entries(metricValues(document))) {
      const values = Array.isArray(value) ? (value as number[]) : [value as number];
      counts[name] = (counts[name] ?? 0) + values.reduce((a, b) => a + b, 0);
    }
  }
  return counts;
};

beforeEach(() => {
  vi.stubEnv('TEST_QUEUE_URL', QUEUE_URL);
  vi.stubEnv('TEST_DLQ_URL', DLQ_URL);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sent-1' });
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  sqsMock.reset();
  vi.unstubAllEnvs();
});

describe('Function: sqsFunction', () => {
  it('refuses to start without the queue URL variables, naming the missing one', () => {
    vi.stubEnv('TEST_DLQ_URL', '');

    expect(() => handlerWith({ process: async () => undefined })).toThrow(ConfigError);
    expect(() => handlerWith({ process: async () => undefined })).toThrow('TEST_DLQ_URL: required');
  });

  it('acknowledges processed messages: an empty failure list and no queue calls', async () => {
    // Prepare
    const process = vi.fn<Process>(async () => 'started');
    const handler = handlerWith({ process });
    const record = sqsRecord({ detail: { object: { key: 'a.jpg' } } });

    // Act
    const response = await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(sqsMock.calls()).toHaveLength(0);
    expect(process).toHaveBeenCalledWith(
      record.body,
      {},
      expect.objectContaining({ count: expect.any(Function) }),
    );
  });

  it('answers an event without records with an empty response', async () => {
    const process = vi.fn<Process>(async () => undefined);

    await expect(handlerWith({ process })({ Records: [] }, fakeContext())).resolves.toStrictEqual({
      batchItemFailures: [],
    });
    expect(process).not.toHaveBeenCalled();
  });

  it('lists only the message that failed with a retryable error, delayed by backoff on its queue', async () => {
    // Prepare
    const ok = sqsRecord('ok', { messageId: 'm-ok' });
    const failing = sqsRecord('throttled', { messageId: 'm-retry', receiptHandle: 'receipt-retry' });
    const handler = handlerWith({
      process: async (body) => {
        if (body === 'throttled') throw new RetryableError('RunTask: ThrottlingException');
      },
    });

    // Act
    const response = await handler(sqsEvent(ok, failing), fakeContext());

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm-retry' }] });
    const [visibility] = sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input);
    expect(visibility).toMatchObject({ QueueUrl: QUEUE_URL, ReceiptHandle: 'receipt-retry' });
    // First retry: base 10 s with equal jitter, so 5 to 10 s.
    expect(visibility?.VisibilityTimeout).toBeGreaterThanOrEqual(5);
    expect(visibility?.VisibilityTimeout).toBeLessThanOrEqual(10);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(publishedCounts()).toMatchObject({ EventsRetried: 1 });
  });

  it('dead-letters a permanent failure with its reason and context, acknowledges it and tells onDeadLetter', async () => {
    // Prepare
    const onDeadLetter = vi.fn<NonNullable<SqsFunctionOptions['onDeadLetter']>>(async () => undefined);
    const handler = handlerWith({
      onDeadLetter,
      process: async () => {
        throw new PermanentError('task definition thumbnailer not found');
      },
    });
    const record = sqsRecord('bad', { messageId: 'm-bad', receiveCount: 2 });

    // Act
    const response = await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const [sent] = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sent?.QueueUrl).toBe(DLQ_URL);
    expect(sent?.MessageBody).toBe('bad');
    expect(sent?.MessageAttributes?.['ecs-pilot-reason']?.StringValue).toBe(
      'permanent failure: task definition thumbnailer not found',
    );
    expect(sent?.MessageAttributes?.['ecs-pilot-attempts']?.StringValue).toBe('2');
    expect(onDeadLetter).toHaveBeenCalledWith(
      { 'ecs-pilot-attempts': '2' },
      'permanent failure: task definition thumbnailer not found',
      { logger: expect.anything() },
    );
    expect(output.logs('sent to dead-letter queue')).toStrictEqual([
      expect.objectContaining({ level: 'ERROR', messageId: 'm-bad' }),
    ]);
    expect(publishedCounts()).toMatchObject({ EventsDeadLettered: 1 });
  });

  it('dead-letters a retryable failure once its attempts are spent', async () => {
    const handler = handlerWith({
      process: async () => {
        throw new RetryableError('RunTask: ServerException');
      },
    });

    const response = await handler(sqsEvent(sqsRecord('x', { receiveCount: 3 })), fakeContext());

    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.QueueUrl).toBe(DLQ_URL);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('returns the message to the queue when sending it to the dead-letter queue fails, so nothing is lost', async () => {
    // Prepare
    sqsMock
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable' }));
    const onDeadLetter = vi.fn<NonNullable<SqsFunctionOptions['onDeadLetter']>>(async () => undefined);
    const handler = handlerWith({
      onDeadLetter,
      process: async () => {
        throw new PermanentError('bad event');
      },
    });

    // Act
    const response = await handler(sqsEvent(sqsRecord('x', { messageId: 'm-kept' })), fakeContext());

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm-kept' }] });
    expect(onDeadLetter).not.toHaveBeenCalled();
  });

  it('re-queues a deferred message on its own queue, counting the deferral', async () => {
    const handler = handlerWith({
      process: async () => {
        throw new DeferError('maxRunning 2 reached');
      },
    });

    const response = await handler(sqsEvent(sqsRecord('capped')), fakeContext());

    expect(response).toStrictEqual({ batchItemFailures: [] });
    const [sent] = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sent?.QueueUrl).toBe(QUEUE_URL);
    expect(sent?.MessageAttributes?.['ecs-pilot-deferrals']?.StringValue).toBe('1');
    expect(publishedCounts()).toMatchObject({ EventsDeferred: 1 });
  });

  it('publishes the counts process makes together with the delivery metrics, once per invocation', async () => {
    // Prepare
    const handler = handlerWith({
      process: async (body, _attributes, { count }) => {
        count(decisionMetric('Uploads', 'started'));
        if (body === 'again') throw new RetryableError('throttled');
      },
    });

    // Act
    await handler(sqsEvent(sqsRecord('one'), sqsRecord('again')), fakeContext());

    // Assess
    expect(output.emf()).toHaveLength(1);
    expect(publishedCounts()).toStrictEqual({ UploadsStarted: 2, EventsRetried: 1 });
    expect(output.emf()[0]?.service).toBe('uploads');
  });

  it('publishes the metrics even when the batch runner throws', async () => {
    // Prepare: a malformed event whose record has no body or attributes makes processing throw.
    const handler = handlerWith({
      process: async (_body, _attributes, { count }) => {
        count('UploadsStarted');
      },
    });
    const event = { Records: [sqsRecord('ok'), null] } as unknown as Parameters<typeof handler>[0];

    // Act
    const invocation = handler(event, fakeContext());

    // Assess
    await expect(invocation).rejects.toThrow();
    expect(publishedCounts()).toStrictEqual({ UploadsStarted: 1 });
  });

  it('logs each record with its own message id, also when records are processed concurrently', async () => {
    // Prepare: the first record is still working when the second logs.
    const handler = handlerWith({
      concurrency: 2,
      process: async (body, _attributes, tools) => {
        if (body === 'slow') await new Promise((resolve) => setTimeout(resolve, 20));
        tools.logger.info(`processing ${body}`);
      },
    });

    // Act
    await handler(
      sqsEvent(sqsRecord('slow', { messageId: 'm-slow' }), sqsRecord('fast', { messageId: 'm-fast' })),
      fakeContext({ awsRequestId: 'req-1' }),
    );

    // Assess
    expect(output.logs('processing slow')).toStrictEqual([
      expect.objectContaining({ messageId: 'm-slow', function_request_id: 'req-1', service: 'uploads' }),
    ]);
    expect(output.logs('processing fast')).toStrictEqual([expect.objectContaining({ messageId: 'm-fast' })]);
  });

  it('calls onInvoke with the context at the start of every invocation', async () => {
    const onInvoke = vi.fn();
    const context = fakeContext();
    const handler = handlerWith({ onInvoke, process: async () => undefined });

    await handler(sqsEvent(), context);
    await handler(sqsEvent(), context);

    expect(onInvoke).toHaveBeenCalledTimes(2);
    expect(onInvoke).toHaveBeenCalledWith(context);
  });
});

describe('Function: decisionMetric', () => {
  it.each([
    ['Uploads', 'started', 'UploadsStarted'],
    ['Uploads', 'skipped', 'UploadsSkipped'],
    ['Schedules', 'x', 'SchedulesX'],
  ])('names %s + %s as %s', (prefix, decision, metric) => {
    expect(decisionMetric(prefix, decision)).toBe(metric);
  });
});

describe('Function: sqsFunction with prepare', () => {
  it('prepares once with all the records, then runs the processor it returns for each record', async () => {
    // Prepare
    const records = [sqsRecord({ n: 1 }), sqsRecord({ n: 2 }), sqsRecord({ n: 3 })];
    const perRecord = vi.fn<Process>(async (_body, _attributes, { record }) => {
      if (record.messageId === records[1]!.messageId) throw new RetryableError('second one fails');
    });
    const prepare = vi.fn<NonNullable<SqsFunctionOptions['prepare']>>(async () => perRecord);
    const process = vi.fn<Process>(async () => undefined);
    const handler = handlerWith({ process, prepare });

    // Act
    const response = await handler(sqsEvent(...records), fakeContext());

    // Assess
    expect(prepare).toHaveBeenCalledTimes(1);
    expect(prepare.mock.calls[0]![0]).toEqual(records);
    expect(perRecord).toHaveBeenCalledTimes(3);
    expect(process).not.toHaveBeenCalled();
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.messageId }]);
  });
});
