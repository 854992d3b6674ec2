import { deployedConfig } from '../shared/config/load.js';
import { requiredEnv } from '../shared/kernel/env.js';
import {
  applicationAutoScalingClient,
  dynamoDbClient,
  ecsClient,
  sqsClient,
  sqsClientIn,
} from '../shared/kernel/aws/clients.js';
import { scalingAdapters } from '../shared/scaling/aws/adapters.js';
import { scaleQueuesHandler } from '../shared/scaling/function.js';
import type { Clock } from '../shared/scaling/service.js';

// Cold start: a broken config or missing variable fails here, loudly, before any service is touched.
const config = deployedConfig();
const adapters = scalingAdapters({
  sqs: sqsClient(),
  sqsIn: sqsClientIn,
  region: process.env.AWS_REGION,
  ecs: ecsClient(),
  applicationAutoScaling: applicationAutoScalingClient(),
  dynamodb: dynamoDbClient(),
  stateTable: requiredEnv('SCALER_STATE_TABLE'),
  tickQueueUrl: requiredEnv('SCALING_TICK_QUEUE_URL'),
});

/** A handler over this cold start's clients with another clock (tests and the demo simulate time). */
export const createHandler = (clock?: Clock) =>
  scaleQueuesHandler({ scalers: config.scalers, adapters, ...(clock ? { clock } : {}) });

/**
 * The tick queue (every intervalSeconds) and Scheduler's heartbeat (every minute) → each scaler of
 * the chain: queue depth → decide (pure) → UpdateService when it changes → the next tick.
 */
export const handler = createHandler();
