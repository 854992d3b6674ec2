import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { EcsPilotError, errorMessage, PermanentError, RetryableError } from '../errors.js';
import { decideDelivery, type DeliveryAction, type RecordOutcome } from './decide.js';
import type { Delivery } from './config.js';
import type { Log } from '../log.js';

/** What the batch runner needs from the queue; SqsQueueActions implements it over SQS. */
export interface QueueActions {
  /** Hides the message for `seconds` before its next delivery (retry backoff). */
  delay(receiptHandle: string, seconds: number): Promise<void>;
  /** Sends the body again, delayed, with attributes (deferral without spending an attempt). */
  requeue(body: string, delaySeconds: number, attributes: Record<string, string>): Promise<void>;
  /** Sends the body to the dead-letter queue with the reason and context as attributes. */
  deadLetter(body: string, attributes: Record<string, string>): Promise<void>;
}

/**
 * Processes one message. `context` collects what the dead-letter entry should say about it
 * (bucket, key, ...) as the processor learns it. Throwing decides the outcome:
 * RetryableError → retry, DeferError → defer, anything else → permanent.
 */
export type RecordProcessor = (
  body: string,
  context: Record<string, string>,
  record: SQSRecord,
) => Promise<unknown>;

/**
 * Thrown by a processor when a cap or a rate limit is reached: the event is re-queued without
 * spending an attempt. `baseSeconds` is its first delay (default 60 s); later ones double, with jitter.
 */
export class DeferError extends RetryableError {
  readonly baseSeconds: number | undefined;

  constructor(message: string, options?: { cause?: unknown; baseSeconds?: number }) {
    super(message, options);
    this.baseSeconds = options?.baseSeconds;
  }
}

/** Message attribute names ecs-pilot writes on re-queued and dead-lettered messages. */
export const ATTR = {
  deferrals: 'ecs-pilot-deferrals',
  reason: 'ecs-pilot-reason',
  attempts: 'ecs-pilot-attempts',
  failedAt: 'ecs-pilot-failed-at',
} as const;

function outcomeOf(error: unknown): RecordOutcome {
  // Our own errors carry a readable message already; others keep their name for diagnosis.
  const reason = error instanceof EcsPilotError ? error.message : errorMessage(error);
  if (error instanceof DeferError) {
    return error.baseSeconds === undefined
      ? { kind: 'deferred', reason }
      : { kind: 'deferred', reason, baseSeconds: error.baseSeconds };
  }
  if (error instanceof RetryableError) return { kind: 'retryable', reason };
  if (error instanceof PermanentError) return { kind: 'permanent', reason };
  // An unexpected bug must not spin forever, but may be transient: bounded retries, then dead-letter.
  return { kind: 'retryable', reason: `unexpected error: ${reason}` };
}

export interface BatchOptions {
  queue: QueueActions;
  settings: Pick<Delivery, 'maxAttempts' | 'retryBaseSeconds'>;
  logger: Log;
  now?: () => Date;
  random?: () => number;
  onAction?: (action: DeliveryAction['action'] | 'ack') => void;
  /** Records processed at once (default 1: one after another, in order). */
  concurrency?: number;
  /**
   * Called once a message is safely in the dead-letter queue, with what is known about it (e.g. to
   * alert a human). Its failure is logged; the message is already kept, so nothing is lost.
   */
  onDeadLetter?: (context: Record<string, string>, reason: string) => Promise<void>;
}

/** Which delivery of its message a record is: 1 the first (SQS ApproximateReceiveCount). */
export const attemptOf = (record: Pick<SQSRecord, 'attributes'>): number =>
  Math.max(1, Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1);

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Runs each record through `process` and applies the delivery decision. Returns the partial
 * batch response: only records that must come back are listed, so one bad record never
 * redelivers its neighbours.
 */
export async function processBatch(
  records: readonly SQSRecord[],
  process: RecordProcessor,
  options: BatchOptions,
): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  const handle = async (record: SQSRecord) => {
    const context: Record<string, string> = {};
    const attempt = attemptOf(record);
    const deferrals = Number(record.messageAttributes?.[ATTR.deferrals]?.stringValue ?? 0) || 0;
    let outcome: RecordOutcome = { kind: 'done' };
    try {
      await process(record.body, context, record);
    } catch (error) {
      outcome = outcomeOf(error);
    }
    const decision = decideDelivery(outcome, { attempt, deferrals }, options.settings, options.random);
    options.onAction?.(decision.action);
    const where = { messageId: record.messageId, attempt, ...context };
    try {
      switch (decision.action) {
        case 'ack':
          break;
        case 'retry':
          options.logger.warn('will retry', {
            ...where,
            delaySeconds: decision.delaySeconds,
            reason: decision.reason,
          });
          failures.push({ itemIdentifier: record.messageId });
          await options.queue.delay(record.receiptHandle, decision.delaySeconds);
          break;
        case 'defer':
          options.logger.info('deferred', {
            ...where,
            delaySeconds: decision.delaySeconds,
            reason: decision.reason,
          });
          await options.queue.requeue(record.body, decision.delaySeconds, {
            ...context,
            [ATTR.deferrals]: String(decision.deferrals),
          });
          break;
        case 'dead-letter':
          options.logger.error('sent to dead-letter queue', { ...where, reason: decision.reason });
          await options.queue.deadLetter(record.body, {
            ...context,
            [ATTR.reason]: truncate(decision.reason, 4096),
            [ATTR.attempts]: String(attempt),
            [ATTR.failedAt]: (options.now?.() ?? new Date()).toISOString(),
          });
          await options
            .onDeadLetter?.({ ...context, [ATTR.attempts]: String(attempt) }, decision.reason)
            .catch((error: unknown) =>
              options.logger.error('dead-letter notification failed', {
                ...where,
                error: errorMessage(error),
              }),
            );
          break;
      }
    } catch (error) {
      // The queue action failed: hand the message back to SQS, whose redrive policy still bounds it.
      options.logger.error('queue action failed; message returns to the queue', {
        ...where,
        action: decision.action,
        error: errorMessage(error),
      });
      if (!failures.some((f) => f.itemIdentifier === record.messageId)) {
        failures.push({ itemIdentifier: record.messageId });
      }
    }
  };
  // Records are independent events; with concurrency > 1 they overlap (each still gets its own
  // outcome). A worker pool, not Promise.all: at most `concurrency` records are in flight.
  let next = 0;
  const worker = async () => {
    while (next < records.length) await handle(records[next++]!);
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 1, records.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return { batchItemFailures: failures };
}
