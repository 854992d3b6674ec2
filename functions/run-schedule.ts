import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { deployedConfig } from '../shared/config/load.js';
import { requiredEnv } from '../shared/env.js';
import { dynamoDbClient, ecsClient, sqsClient } from '../shared/aws/clients.js';
import { TaskLauncher } from '../shared/aws/launcher.js';
import { SqsQueueActions } from '../shared/aws/queue.js';
import { listActiveTasks, stopTask } from '../shared/aws/tasks.js';
import { createLogger, createMetrics } from '../shared/aws/observability.js';
import { processBatch } from '../shared/delivery/batch.js';
import { processSlotMessage } from '../shared/schedules/service.js';

/** Idempotency records outlive ECS's ~24 h clientToken window, so late redrives stay deduplicated. */
const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

// Cold start: a broken config or missing variable fails here, loudly, before any slot is touched.
const config = deployedConfig();
const logger = createLogger('schedules');
const metrics = createMetrics('schedules');
const ecs = ecsClient();
const launcher = new TaskLauncher({
  ecs,
  idempotency: {
    client: dynamoDbClient(),
    tableName: requiredEnv('IDEMPOTENCY_TABLE'),
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
  },
});
const queue = new SqsQueueActions(
  sqsClient(),
  requiredEnv('SCHEDULES_QUEUE_URL'),
  requiredEnv('SCHEDULES_DLQ_URL'),
);
const tasks = {
  listActive: (cluster: string, startedBy: string) => listActiveTasks(ecs, cluster, startedBy),
  stop: (cluster: string, taskArn: string, reason: string) => stopTask(ecs, cluster, taskArn, reason),
};

const count = (name: string) => metrics.addMetric(name, MetricUnit.Count, 1);

/** EventBridge Scheduler (through the schedules queue) → overlap policy → at most one task per slot. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  launcher.registerContext(context);
  try {
    return await processBatch(
      event.Records ?? [],
      (body, attributes, record) => {
        logger.appendKeys({ messageId: record.messageId });
        return processSlotMessage(body, attributes, {
          schedules: config.schedules,
          launcher,
          tasks,
          logger,
          onDecision: (decision) => count(`Slots${decision[0]!.toUpperCase()}${decision.slice(1)}`),
        });
      },
      {
        queue,
        settings: config.delivery,
        logger,
        onAction: (action) =>
          action !== 'ack' &&
          count(
            `Events${action === 'dead-letter' ? 'DeadLettered' : action === 'retry' ? 'Retried' : 'Deferred'}`,
          ),
      },
    );
  } finally {
    logger.removeKeys(['messageId']);
    metrics.publishStoredMetrics();
  }
};
