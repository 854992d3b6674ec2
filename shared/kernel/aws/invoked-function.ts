import type { Context } from 'aws-lambda';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { errorMessage } from '../errors.js';
import type { Log } from '../log.js';
import { createLogger, createMetrics } from './observability.js';

export interface InvokedFunctionOptions<I, O> {
  /** Logger and metrics service name, e.g. `images`. */
  service: string;
  /** Reads the payload; throws a PermanentError for a malformed one (logged, then thrown: nothing is done). */
  parse: (event: unknown) => I;
  /** Decides (pure) and acts (adapters) for one parsed payload. */
  process: (input: I, tools: { logger: Log; metrics: Metrics; context: Context | undefined }) => Promise<O>;
}

/**
 * A Lambda handler invoked directly (EventBridge Scheduler, `sls invoke`): the counterpart of
 * sqsFunction for functions without a queue in front. One structured logger and EMF metrics per
 * function, created once per cold start; the invocation context is added to every log line; a
 * payload that cannot be parsed is logged as rejected and thrown; metrics are flushed at the end.
 */
export function invokedFunction<I, O>(
  options: InvokedFunctionOptions<I, O>,
): (event: unknown, context?: Context) => Promise<O> {
  const logger = createLogger(options.service);
  const metrics = createMetrics(options.service);
  return async (event, context) => {
    if (context) logger.addContext(context);
    let input: I;
    try {
      input = options.parse(event);
    } catch (error) {
      logger.error('rejected invocation', { reason: errorMessage(error) });
      throw error;
    }
    try {
      return await options.process(input, { logger, metrics, context });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
