import { describe, expect, it, vi } from 'vitest';
import type { SQSRecord } from 'aws-lambda';
import {
  ATTR,
  DeferError,
  processBatch,
  type QueueActions,
  type RecordProcessor,
} from '../../../../../shared/kernel/delivery/batch.js';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors.js';
import { recordingLogger } from '../../../../helpers/log.js';
import { sqsRecord } from '../../../../helpers/events.js';

const NOW = new Date('2025-01-15T10:20:30.000Z');
const SETTINGS = { maxAttempts: 3, retryBaseSeconds: 10 };

/** QueueActions that record every call; `failing` makes one action reject. */
function recordingQueue(failing?: keyof QueueActions) {
  const fail = (action: keyof QueueActions) => async () => {
    if (action === failing) throw new Error(`${action} failed: Service Unavailable`);
  };
  return {
    delay: vi.fn<QueueActions['delay']>(fail('delay')),
    requeue: vi.fn<QueueActions['requeue']>(fail('requeue')),
    deadLetter: vi.fn<QueueActions['deadLetter']>(fail('deadLetter')),
  };
}

/** Runs one batch with deterministic time and jitter (random 0.5: backoff is 3/4 of its ceiling). */
async function run(records: SQSRecord[], process: RecordProcessor, queue = recordingQueue()) {
  const logger = recordingLogger();
  const onAction = vi.fn();
  const response = await processBatch(records, process, {
    queue,
    settings: SETTINGS,
    logger,
    now: () => NOW,
    random: () => 0.5,
    onAction,
  });
  return { response, queue, logger, onAction };
}

const throwing =
  (error: unknown, context: Record<string, string> = {}): RecordProcessor =>
  async (_body, ctx) => {
    Object.assign(ctx, context);
    throw error;
  };

const noQueueCalls = (queue: ReturnType<typeof recordingQueue>) => {
  expect(queue.delay).not.toHaveBeenCalled();
  expect(queue.requeue).not.toHaveBeenCalled();
  expect(queue.deadLetter).not.toHaveBeenCalled();
};

describe('Function: processBatch', () => {
  it('acknowledges a processed record: no failures and no queue calls', async () => {
    // Prepare
    const record = sqsRecord({ hello: 'world' });
    const process = vi.fn<RecordProcessor>(async () => 'done');

    // Act
    const { response, queue, onAction } = await run([record], process);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    noQueueCalls(queue);
    expect(process).toHaveBeenCalledWith(record.body, {}, record);
    expect(onAction).toHaveBeenCalledWith('ack');
  });

  it('returns an empty response for an empty batch', async () => {
    const { response, queue } = await run([], vi.fn<RecordProcessor>());

    expect(response).toEqual({ batchItemFailures: [] });
    noQueueCalls(queue);
  });

  describe('on a PermanentError', () => {
    it('dead-letters the unchanged body with reason, attempts, failure time and the context', async () => {
      // Prepare
      const record = sqsRecord('{"some":"event"}', { messageId: 'm-1' });
      const process = throwing(new PermanentError('not an S3 event'), {
        'ecs-pilot-bucket': 'media-ingest',
        'ecs-pilot-key': 'incoming/a.jpg',
      });

      // Act
      const { response, queue, onAction } = await run([record], process);

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(queue.deadLetter).toHaveBeenCalledOnce();
      expect(queue.deadLetter).toHaveBeenCalledWith('{"some":"event"}', {
        'ecs-pilot-bucket': 'media-ingest',
        'ecs-pilot-key': 'incoming/a.jpg',
        [ATTR.reason]: 'permanent failure: not an S3 event',
        [ATTR.attempts]: '1',
        [ATTR.failedAt]: '2025-01-15T10:20:30.000Z',
      });
      expect(queue.delay).not.toHaveBeenCalled();
      expect(queue.requeue).not.toHaveBeenCalled();
      expect(onAction).toHaveBeenCalledWith('dead-letter');
    });

    it('logs the dead-lettering as an error with the message id and context', async () => {
      // Prepare
      const record = sqsRecord('{}', { messageId: 'm-1' });

      // Act
      const { logger } = await run(
        [record],
        throwing(new PermanentError('bad'), { 'ecs-pilot-bucket': 'media-ingest' }),
      );

      // Assess
      expect(logger.at('error', 'sent to dead-letter queue')).toEqual([
        {
          level: 'error',
          message: 'sent to dead-letter queue',
          extra: {
            messageId: 'm-1',
            attempt: 1,
            'ecs-pilot-bucket': 'media-ingest',
            reason: 'permanent failure: bad',
          },
        },
      ]);
    });

    it.each([
      ['a huge body', 'x'.repeat(300_000)],
      ['a non-JSON body', '{"truncated": '],
      ['an empty body', ''],
      ['a body with non-ASCII and control characters', 'caf\u00e9 \u2615 \u65e5\u672c\n\t\u0000'],
    ])('passes %s through to the dead-letter queue unchanged', async (_name, body) => {
      // Act
      const { queue } = await run([sqsRecord(body)], throwing(new PermanentError('bad')));

      // Assess
      expect(queue.deadLetter.mock.calls[0]?.[0]).toBe(body);
    });

    it('truncates a huge reason to 4096 characters', async () => {
      // Act
      const { queue } = await run([sqsRecord('{}')], throwing(new PermanentError('y'.repeat(10_000))));

      // Assess
      const reason = queue.deadLetter.mock.calls[0]?.[1][ATTR.reason] ?? '';
      expect(reason).toHaveLength(4096);
      expect(reason).toMatch(/^permanent failure: y+…$/);
    });
  });

  describe('on a RetryableError', () => {
    it.each([
      [1, 8],
      [2, 15],
    ])('reports the record and backs off on attempt %i of 3 (%i s)', async (attempt, delaySeconds) => {
      // Prepare
      const record = sqsRecord('{}', { messageId: 'm-1', receiptHandle: 'rh-1', receiveCount: attempt });

      // Act
      const { response, queue, logger, onAction } = await run(
        [record],
        throwing(new RetryableError('Rate exceeded')),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(queue.delay).toHaveBeenCalledExactlyOnceWith('rh-1', delaySeconds);
      expect(queue.deadLetter).not.toHaveBeenCalled();
      expect(queue.requeue).not.toHaveBeenCalled();
      expect(onAction).toHaveBeenCalledWith('retry');
      expect(logger.at('warn', 'will retry')[0]?.extra).toMatchObject({
        messageId: 'm-1',
        attempt,
        delaySeconds,
        reason: 'Rate exceeded',
      });
    });

    it('dead-letters on the last attempt (3 of 3) with "gave up after 3 attempts" and does not report it', async () => {
      // Prepare
      const record = sqsRecord('{"event":1}', { messageId: 'm-1', receiveCount: 3 });

      // Act
      const { response, queue } = await run(
        [record],
        throwing(new RetryableError('RunTask: ThrottlingException: Rate exceeded'), {
          'ecs-pilot-key': 'incoming/a.jpg',
        }),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(queue.delay).not.toHaveBeenCalled();
      expect(queue.deadLetter).toHaveBeenCalledExactlyOnceWith('{"event":1}', {
        'ecs-pilot-key': 'incoming/a.jpg',
        [ATTR.reason]: 'gave up after 3 attempts; last error: RunTask: ThrottlingException: Rate exceeded',
        [ATTR.attempts]: '3',
        [ATTR.failedAt]: NOW.toISOString(),
      });
    });

    it('dead-letters a record redelivered beyond maxAttempts', async () => {
      // Act
      const { response, queue } = await run(
        [sqsRecord('{}', { receiveCount: 7 })],
        throwing(new RetryableError('x')),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(queue.deadLetter.mock.calls[0]?.[1][ATTR.attempts]).toBe('7');
    });

    it.each([
      ['missing', undefined],
      ['zero', '0'],
      ['not a number', 'abc'],
    ])('counts a %s ApproximateReceiveCount as the first attempt', async (_name, receiveCount) => {
      // Prepare
      const record = sqsRecord('{}', { messageId: 'm-1' });
      record.attributes = { ...record.attributes, ApproximateReceiveCount: receiveCount as string };

      // Act
      const { response, queue } = await run([record], throwing(new RetryableError('x')));

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(queue.delay).toHaveBeenCalledWith(record.receiptHandle, 8);
    });
  });

  describe('on an unexpected error', () => {
    it('treats a TypeError as retryable', async () => {
      // Prepare
      const record = sqsRecord('{}', { messageId: 'm-1', receiptHandle: 'rh-1' });

      // Act
      const { response, queue, logger } = await run(
        [record],
        throwing(new TypeError("Cannot read properties of undefined (reading 'name')")),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(queue.delay).toHaveBeenCalledWith('rh-1', 8);
      expect(logger.at('warn', 'will retry')[0]?.extra.reason).toBe(
        "unexpected error: TypeError: Cannot read properties of undefined (reading 'name')",
      );
    });

    it('dead-letters an unexpected error on the last attempt rather than spinning forever', async () => {
      // Act
      const { response, queue } = await run(
        [sqsRecord('{}', { receiveCount: 3 })],
        throwing('a thrown string'),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(queue.deadLetter.mock.calls[0]?.[1][ATTR.reason]).toBe(
        'gave up after 3 attempts; last error: unexpected error: a thrown string',
      );
    });
  });

  describe('on a DeferError', () => {
    it('requeues the body with the deferral count incremented and does not report it', async () => {
      // Prepare
      const record = sqsRecord('{"event":1}', {
        messageId: 'm-1',
        messageAttributes: { [ATTR.deferrals]: '2' },
      });

      // Act
      const { response, queue, onAction } = await run(
        [record],
        throwing(new DeferError('maxRunning 2 reached'), { 'ecs-pilot-bucket': 'media-ingest' }),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(queue.requeue).toHaveBeenCalledExactlyOnceWith('{"event":1}', 180, {
        'ecs-pilot-bucket': 'media-ingest',
        [ATTR.deferrals]: '3',
      });
      expect(queue.delay).not.toHaveBeenCalled();
      expect(queue.deadLetter).not.toHaveBeenCalled();
      expect(onAction).toHaveBeenCalledWith('defer');
    });

    it('starts counting deferrals at 1 for a record that was never deferred', async () => {
      // Act
      const { queue } = await run([sqsRecord('{}')], throwing(new DeferError('cap')));

      // Assess
      expect(queue.requeue).toHaveBeenCalledWith('{}', 45, { [ATTR.deferrals]: '1' });
    });

    it('does not spend an attempt: defers even on the last attempt', async () => {
      // Act
      const { queue } = await run([sqsRecord('{}', { receiveCount: 3 })], throwing(new DeferError('cap')));

      // Assess
      expect(queue.requeue).toHaveBeenCalledOnce();
      expect(queue.deadLetter).not.toHaveBeenCalled();
    });

    it('dead-letters an event still deferred after 100 deferrals', async () => {
      // Act
      const { queue } = await run(
        [sqsRecord('{}', { messageAttributes: { [ATTR.deferrals]: '100' } })],
        throwing(new DeferError('cap')),
      );

      // Assess
      expect(queue.requeue).not.toHaveBeenCalled();
      expect(queue.deadLetter.mock.calls[0]?.[1][ATTR.reason]).toBe(
        'still deferred after 100 deferrals: cap',
      );
    });
  });

  describe('when a queue action fails', () => {
    it.each([
      ['delay', new RetryableError('x'), 1],
      ['requeue', new DeferError('x'), 1],
      ['deadLetter', new PermanentError('x'), 1],
      ['deadLetter', new RetryableError('x'), 3],
    ] as const)(
      'reports the record once when %s rejects, so the message is not lost',
      async (failing, error, receiveCount) => {
        // Prepare
        const record = sqsRecord('{}', { messageId: 'm-1', receiveCount });

        // Act
        const { response, queue, logger } = await run([record], throwing(error), recordingQueue(failing));

        // Assess
        expect(queue[failing]).toHaveBeenCalledOnce();
        expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
        expect(
          logger.at('error', 'queue action failed; message returns to the queue')[0]?.extra,
        ).toMatchObject({ messageId: 'm-1', error: `Error: ${failing} failed: Service Unavailable` });
      },
    );
  });

  describe('with several records', () => {
    it('reports only the record that must come back and processes the rest', async () => {
      // Prepare
      const records = [
        sqsRecord('{"n":1}', { messageId: 'm-1' }),
        sqsRecord('{"n":2}', { messageId: 'm-2' }),
        sqsRecord('{"n":3}', { messageId: 'm-3' }),
      ];
      const process = vi.fn<RecordProcessor>(async (body) => {
        if (body === '{"n":2}') throw new RetryableError('capacity');
      });

      // Act
      const { response, queue } = await run(records, process);

      // Assess
      expect(process).toHaveBeenCalledTimes(3);
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-2' }]);
      expect(queue.delay).toHaveBeenCalledExactlyOnceWith(records[1]?.receiptHandle, 8);
    });

    it('gives each record its own context, so no context leaks into a neighbour', async () => {
      // Prepare
      const records = [sqsRecord('first', { messageId: 'm-1' }), sqsRecord('second', { messageId: 'm-2' })];
      const process: RecordProcessor = async (body, context) => {
        if (body === 'first') context['ecs-pilot-bucket'] = 'first-bucket';
        throw new PermanentError(body);
      };

      // Act
      const { queue } = await run(records, process);

      // Assess
      expect(queue.deadLetter.mock.calls[0]?.[1]['ecs-pilot-bucket']).toBe('first-bucket');
      expect(queue.deadLetter.mock.calls[1]?.[1]).not.toHaveProperty('ecs-pilot-bucket');
    });

    it('keeps going after a failing queue action and reports only that record', async () => {
      // Prepare
      const records = [sqsRecord('a', { messageId: 'm-1' }), sqsRecord('b', { messageId: 'm-2' })];
      const queue = recordingQueue('deadLetter');

      // Act
      const { response } = await run(
        records,
        async (body) => {
          if (body === 'a') throw new PermanentError('bad');
        },
        queue,
      );

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    });
  });
});

describe('Function: processBatch (concurrency)', () => {
  const options = (concurrency: number) => ({
    queue: recordingQueue(),
    settings: SETTINGS,
    logger: recordingLogger(),
    now: () => NOW,
    random: () => 0.5,
    concurrency,
  });

  it('processes one record after another by default, in order', async () => {
    // Prepare
    const order: string[] = [];
    const process: RecordProcessor = async (body) => {
      order.push(`start ${body}`);
      await new Promise((resolve) => setTimeout(resolve, body === 'a' ? 10 : 0));
      order.push(`end ${body}`);
    };
    const { concurrency: _unused, ...sequential } = options(1);

    // Act
    await processBatch([sqsRecord('a'), sqsRecord('b')], process, sequential);

    // Assess
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('keeps at most `concurrency` records in flight and still gives each its own outcome', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    const process: RecordProcessor = async (body, context) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      context['ecs-pilot-key'] = body;
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      if (body === 'r3') throw new RetryableError('throttled');
      if (body === 'r5') throw new PermanentError('malformed');
    };
    const records = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'].map((b) => sqsRecord(b, { messageId: b }));
    const settings = options(3);

    // Act
    const response = await processBatch(records, process, settings);

    // Assess
    expect(most).toBe(3);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'r3' }]);
    expect(settings.queue.delay).toHaveBeenCalledOnce();
    expect(settings.queue.deadLetter).toHaveBeenCalledExactlyOnceWith(
      'r5',
      expect.objectContaining({ 'ecs-pilot-key': 'r5' }),
    );
  });
});

describe('Function: processBatch (deferral delay)', () => {
  it("uses the DeferError's own first delay when it gives one (a throttle: seconds, not a minute)", async () => {
    // Act
    const { queue } = await run([sqsRecord('{}')], throwing(new DeferError('throttled', { baseSeconds: 2 })));

    // Assess: jitter 0.5 of a 2 s ceiling on the first deferral.
    expect(queue.requeue).toHaveBeenCalledExactlyOnceWith('{}', 2, { [ATTR.deferrals]: '1' });
  });
});

describe('Function: processBatch (dead-letter notification)', () => {
  const record = (body: string): SQSRecord =>
    ({
      messageId: 'm-1',
      receiptHandle: 'r-1',
      body,
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
    }) as unknown as SQSRecord;
  const queue = () => ({
    delay: vi.fn(async () => undefined),
    requeue: vi.fn(async () => undefined),
    deadLetter: vi.fn(async () => undefined),
  });
  const logger = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

  it('tells onDeadLetter what it knows once the message is in the dead-letter queue', async () => {
    const onDeadLetter = vi.fn(async () => undefined);
    const actions = queue();

    await processBatch(
      [record('x')],
      async (_body, context) => {
        context['ecs-pilot-schedule'] = 'nightly';
        throw new PermanentError('no such task definition');
      },
      { queue: actions, settings: { maxAttempts: 3, retryBaseSeconds: 1 }, logger: logger(), onDeadLetter },
    );

    expect(actions.deadLetter).toHaveBeenCalledTimes(1);
    expect(onDeadLetter).toHaveBeenCalledWith(
      { 'ecs-pilot-schedule': 'nightly', 'ecs-pilot-attempts': '1' },
      'permanent failure: no such task definition',
    );
  });

  it('keeps the message dead-lettered and acknowledged when the notification fails', async () => {
    const log = logger();

    const response = await processBatch(
      [record('x')],
      async () => {
        throw new PermanentError('broken');
      },
      {
        queue: queue(),
        settings: { maxAttempts: 3, retryBaseSeconds: 1 },
        logger: log,
        onDeadLetter: async () => {
          throw new Error('SNS is down');
        },
      },
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(log.error).toHaveBeenCalledWith(
      'dead-letter notification failed',
      expect.objectContaining({ error: 'Error: SNS is down' }),
    );
  });

  it('does not notify when the dead-letter send itself fails (the message returns to the queue)', async () => {
    const onDeadLetter = vi.fn(async () => undefined);
    const actions = queue();
    actions.deadLetter.mockRejectedValueOnce(new Error('SQS is down'));

    const response = await processBatch(
      [record('x')],
      async () => {
        throw new PermanentError('broken');
      },
      { queue: actions, settings: { maxAttempts: 3, retryBaseSeconds: 1 }, logger: logger(), onDeadLetter },
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(onDeadLetter).not.toHaveBeenCalled();
  });
});
