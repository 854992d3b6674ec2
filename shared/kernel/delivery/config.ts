import * as z from 'zod/mini';
import { whole } from '../config.js';

const DELIVERY_DEFAULTS = {
  maxConcurrency: 2,
  batchSize: 10,
  maxAttempts: 8,
  retryBaseSeconds: 10,
  maxLaunchesPerSecond: 20,
};

/** How events reach the functions: the SQS buffer between EventBridge and Lambda. */
export const deliverySchema = z._default(
  z.strictObject({
    /** Concurrent function invocations draining the queue (2-1000); default 2. */
    maxConcurrency: z._default(whole(2, 1000), DELIVERY_DEFAULTS.maxConcurrency),
    /** Messages per invocation (1-100); default 10. */
    batchSize: z._default(whole(1, 100), DELIVERY_DEFAULTS.batchSize),
    /** Attempts per event before it lands in the dead-letter queue (1-50); default 8. */
    maxAttempts: z._default(whole(1, 50), DELIVERY_DEFAULTS.maxAttempts),
    /** First retry delay in seconds; later retries double it, with jitter, up to 900 s. Default 10. */
    retryBaseSeconds: z._default(whole(1, 900), DELIVERY_DEFAULTS.retryBaseSeconds),
    /**
     * Ceiling on RunTask calls per second from one function, all its instances together (1-100);
     * default 20, the documented Fargate RunTask rate per account and Region. Raise it only with a
     * raised quota; lower it to leave room for other workloads. Throttling lowers the pace below it.
     */
    maxLaunchesPerSecond: z._default(whole(1, 100), DELIVERY_DEFAULTS.maxLaunchesPerSecond),
  }),
  DELIVERY_DEFAULTS,
);

export type Delivery = z.infer<typeof deliverySchema>;
