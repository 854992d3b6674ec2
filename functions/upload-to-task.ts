import { deployedConfig } from '../shared/config/load.js';
import { requiredEnv } from '../shared/env.js';
import { dynamoDbClient, ecsClient } from '../shared/aws/clients.js';
import { TaskLauncher } from '../shared/aws/launcher.js';
import { decisionMetric, sqsFunction } from '../shared/aws/sqs-function.js';
import { processUploadMessage } from '../shared/uploads/service.js';

/** Idempotency records outlive ECS's ~24 h clientToken window, so late redrives stay deduplicated. */
const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

// Cold start: a broken config or missing variable fails here, loudly, before any event is touched.
const config = deployedConfig();
const launcher = new TaskLauncher({
  ecs: ecsClient(),
  idempotency: {
    client: dynamoDbClient(),
    tableName: requiredEnv('IDEMPOTENCY_TABLE'),
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
  },
});

/** SQS (fed by the uploads EventBridge rules) → one Fargate task per matching object version. */
export const handler = sqsFunction({
  service: 'uploads',
  queueUrlEnv: 'UPLOADS_QUEUE_URL',
  deadLetterQueueUrlEnv: 'UPLOADS_DLQ_URL',
  settings: config.delivery,
  onInvoke: (context) => launcher.registerContext(context),
  process: (body, attributes, { logger, count }) =>
    processUploadMessage(body, attributes, {
      triggers: config.uploads,
      launcher,
      logger,
      onDecision: (decision) => count(decisionMetric('Uploads', decision)),
    }),
});
