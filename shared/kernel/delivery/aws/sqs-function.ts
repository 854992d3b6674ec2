import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Delivery } from '../config.js';
import { processBatch, type RecordProcessor } from '../batch.js';
import { requiredEnv } from '../../env.js';
import { withKeys, type Log } from '../../log.js';
import { sqsClient } from '../../aws/clients.js';
import { createLogger, createMetrics } from '../../aws/observability.js';
import { SqsQueueActions } from './queue.js';

const ACTION_METRICS = {
  retry: 'EventsRetried',
  defer: 'EventsDeferred',
  'dead-letter': 'EventsDeadLettered',
} as const;

/** Counts one occurrence of a metric (EMF, published at the end of the invocation). */
export type Count = (metric: string) => void;

export interface SqsFunctionOptions {
  /** Logger and metrics service name, e.g. `uploads`. */
  service: string;
  /** Environment variables naming the function's queue and dead-letter queue. */
  queueUrlEnv: string;
  deadLetterQueueUrlEnv: string;
  settings: Pick<Delivery, 'maxAttempts' | 'retryBaseSeconds'>;
  /** Records of one batch processed at once (default 1, in order); see BatchOptions.concurrency. */
  concurrency?: number;
  /** Called at the start of every invocation (e.g. to register the context with idempotency). */
  onInvoke?: (context: Context) => void;
  /** Called once a message is safely dead-lettered (see BatchOptions.onDeadLetter). */
  onDeadLetter?: (context: Record<string, string>, reason: string, tools: { logger: Log }) => Promise<void>;
  /** Handles one message body; see RecordProcessor for how its errors are delivered. */
  process: MessageProcessor;
  /**
   * Called once per invocation with all its records, before any is processed: returns the
   * processor for this invocation's records (e.g. one that groups them into batches). Its own
   * failure fails the invocation (every record returns). Default: `process` for each record.
   */
  prepare?: (
    records: readonly SQSRecord[],
    tools: { logger: Log; count: Count },
  ) => Promise<MessageProcessor>;
}

/** Handles one message body, given the invocation's logger, metrics and the record itself. */
export type MessageProcessor = (
  body: string,
  attributes: Record<string, string>,
  tools: { logger: Log; count: Count; record: SQSRecord },
) => Promise<unknown>;

/**
 * A Lambda handler for an SQS event source with partial batch responses: one structured logger
 * and EMF metrics per function, message ids as correlation keys, and the shared delivery rules
 * (retry with backoff, deferral, dead-letter with a reason). Created once per cold start.
 */
export function sqsFunction(
  options: SqsFunctionOptions,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const logger = createLogger(options.service);
  const metrics = createMetrics(options.service);
  const queue = new SqsQueueActions(
    sqsClient(),
    requiredEnv(options.queueUrlEnv),
    requiredEnv(options.deadLetterQueueUrlEnv),
  );
  const count: Count = (metric) => metrics.addMetric(metric, MetricUnit.Count, 1);
  const processorOf =
    (handle: MessageProcessor): RecordProcessor =>
    (body, attributes, record) =>
      handle(body, attributes, { logger: withKeys(logger, { messageId: record.messageId }), count, record });
  return async (event, context) => {
    logger.addContext(context);
    options.onInvoke?.(context);
    try {
      const records = event.Records ?? [];
      const handle = options.prepare ? await options.prepare(records, { logger, count }) : options.process;
      return await processBatch(records, processorOf(handle), {
        queue,
        settings: options.settings,
        logger,
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        onAction: (action) => action !== 'ack' && count(ACTION_METRICS[action]),
        ...(options.onDeadLetter
          ? {
              onDeadLetter: (context: Record<string, string>, reason: string) =>
                options.onDeadLetter!(context, reason, { logger }),
            }
          : {}),
      });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** `started` → `UploadsStarted`: a decision as a metric name. */
export const decisionMetric = (prefix: string, decision: string) =>
  `${prefix}${decision[0]!.toUpperCase()}${decision.slice(1)}`;
