import { deployedConfig } from '../shared/config/load.js';
import { requiredEnv } from '../shared/kernel/env.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  applicationAutoScalingClient,
  clientConfig,
  dynamoDbClient,
  ecsClient,
  sqsClient,
} from '../shared/kernel/aws/clients.js';
import { QueueDepthReader } from '../shared/scaling/aws/queue.js';
import { ScalableTargetReader, ServiceScaler } from '../shared/scaling/aws/service.js';
import { ScalerStateStore } from '../shared/scaling/aws/state.js';
import { scaleQueuesHandler } from '../shared/scaling/function.js';
import type { Clock, ScalingAdapters } from '../shared/scaling/service.js';

// Cold start: a broken config or missing variable fails here, loudly, before any service is touched.
const config = deployedConfig();
// A queue in another region is read through a client of that region (created on first use).
const queues = new QueueDepthReader(sqsClient(), {
  region: process.env.AWS_REGION,
  clientFor: (region) => new SQSClient({ ...clientConfig(), region }),
});
const services = new ServiceScaler(ecsClient());
const targets = new ScalableTargetReader(applicationAutoScalingClient());
const state = new ScalerStateStore(dynamoDbClient(), requiredEnv('SCALER_STATE_TABLE'));

const adapters: ScalingAdapters = {
  depth: (queue) => queues.depth(queue),
  describe: (ref) => services.describe(ref),
  setDesired: (ref, desired) => services.setDesired(ref, desired),
  bounds: (ref) => targets.bounds(ref),
  readState: (scaler) => state.read(scaler),
  saveState: (scaler, expected, next, record) => state.save(scaler, expected, next, record),
};

/** A handler over this cold start's clients with another clock (tests and the demo simulate time). */
export const createHandler = (clock?: Clock) =>
  scaleQueuesHandler({ scalers: config.scalers, adapters, ...(clock ? { clock } : {}) });

/** Scheduler, every minute → each scaler: queue depth → decide (pure) → UpdateService when it changes. */
export const handler = createHandler();
