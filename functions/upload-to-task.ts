import { deployedConfig } from '../shared/config/load.js';
import { ecsClient, s3Client } from '../shared/kernel/aws/clients.js';
import { deployedLauncher } from '../shared/kernel/launch/aws/launcher.js';
import { decisionMetric, sqsFunction } from '../shared/kernel/delivery/aws/sqs-function.js';
import { processUploadMessage } from '../shared/uploads/service.js';
import { S3ObjectLookup } from '../shared/uploads/aws/objects.js';

// Cold start: a broken config or missing variable fails here, loudly, before any event is touched.
const config = deployedConfig();
// Paced to this instance's share of delivery.maxLaunchesPerSecond, slower while AWS throttles.
const launcher = deployedLauncher(ecsClient(), config.delivery);
const objects = new S3ObjectLookup(s3Client());

/** SQS (fed by the uploads EventBridge rules) → one Fargate task per matching object version. */
export const handler = sqsFunction({
  service: 'uploads',
  queueUrlEnv: 'UPLOADS_QUEUE_URL',
  deadLetterQueueUrlEnv: 'UPLOADS_DLQ_URL',
  settings: config.delivery,
  // A batch's objects are independent: they wait for launch slots together, not one after another.
  concurrency: config.delivery.batchSize,
  onInvoke: (context) => launcher.registerContext(context),
  process: (body, attributes, { logger, count }) =>
    processUploadMessage(body, attributes, {
      triggers: config.uploads,
      launcher,
      objects,
      logger,
      onDecision: (decision) => count(decisionMetric('Uploads', decision)),
    }),
});
