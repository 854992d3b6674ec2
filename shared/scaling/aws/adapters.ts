import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { TickAdapters } from '../chain.js';
import type { ScalingAdapters } from '../service.js';
import { QueueDepthReader } from './queue.js';
import { ScalableTargetReader, ServiceScaler } from './service.js';
import { ScalerStateStore } from './state.js';
import { TickQueue } from './ticks.js';

/** The clients the scaling adapters act through, and the state table's name. */
export interface ScalingClients {
  sqs: SQSClient;
  /** A client for a queue in another region (SQS answers only requests signed for the queue's region). */
  sqsIn: (region: string) => SQSClient;
  /** The function's region (AWS_REGION): queues there are read through `sqs`. */
  region: string | undefined;
  ecs: ECSClient;
  applicationAutoScaling: ApplicationAutoScalingClient;
  dynamodb: DynamoDBClient;
  stateTable: string;
  /** The URL of the stage's tick queue (the evaluation chains). */
  tickQueueUrl: string;
}

/**
 * The ScalingAdapters and TickAdapters ports over real clients: SQS depth, ECS services, their
 * scalable targets, the state table (scalers' state and the chains' slots), the tick queue.
 */
export function scalingAdapters(clients: ScalingClients): ScalingAdapters & TickAdapters {
  const queues = new QueueDepthReader(clients.sqs, { region: clients.region, clientFor: clients.sqsIn });
  const services = new ServiceScaler(clients.ecs);
  const targets = new ScalableTargetReader(clients.applicationAutoScaling);
  const state = new ScalerStateStore(clients.dynamodb, clients.stateTable);
  const ticks = new TickQueue(clients.sqs, clients.tickQueueUrl);
  return {
    depth: (queue) => queues.depth(queue),
    describe: (ref) => services.describe(ref),
    setDesired: (ref, desired) => services.setDesired(ref, desired),
    bounds: (ref) => targets.bounds(ref),
    readState: (scaler) => state.read(scaler),
    saveState: (scaler, expected, next, record) => state.save(scaler, expected, next, record),
    claimSlot: (intervalSeconds, slot, at) => state.claimSlot(intervalSeconds, slot, at),
    sendTick: (tick, delaySeconds) => ticks.send(tick, delaySeconds),
  };
}
