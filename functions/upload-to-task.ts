import { deployedConfig } from '../shared/config/load.js';
import { dynamoDbClient, ecsClient, s3Client } from '../shared/kernel/aws/clients.js';
import { requiredEnv } from '../shared/kernel/env.js';
import { deployedLauncher } from '../shared/kernel/launch/aws/launcher.js';
import { decisionMetric, sqsFunction } from '../shared/kernel/delivery/aws/sqs-function.js';
import { attemptOf } from '../shared/kernel/delivery/batch.js';
import { processUploadMessage } from '../shared/uploads/service.js';
import { prepareUploadBatch } from '../shared/uploads/batch.js';
import { S3ObjectLookup } from '../shared/uploads/aws/objects.js';
import { DynamoDbClaimStore } from '../shared/uploads/aws/claims.js';
import { S3ManifestStore } from '../shared/uploads/aws/manifests.js';

// Cold start: a broken config or missing variable fails here, loudly, before any event is touched.
const config = deployedConfig();
// Paced to this instance's share of delivery.maxLaunchesPerSecond, slower while AWS throttles.
const launcher = deployedLauncher(ecsClient(), config.delivery);
const objects = new S3ObjectLookup(s3Client());
// Only with a trigger that batches: its claims and manifests (see shared/uploads/batching.ts).
const batching = config.uploads.some((t) => t.batch)
  ? {
      claims: new DynamoDbClaimStore(dynamoDbClient(), requiredEnv('IDEMPOTENCY_TABLE')),
      manifests: new S3ManifestStore(s3Client(), requiredEnv('UPLOADS_MANIFEST_BUCKET')),
      maxAttempts: config.delivery.maxAttempts,
    }
  : undefined;

/** SQS (fed by the uploads EventBridge rules) → one Fargate task per matching object version, or per batch. */
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
  ...(batching
    ? {
        prepare: async (records, { logger, count }) => {
          const process = await prepareUploadBatch(
            records.map((r) => ({
              messageId: r.messageId,
              body: r.body,
              attempt: attemptOf(r),
            })),
            {
              triggers: config.uploads,
              launcher,
              objects,
              logger,
              onDecision: (decision) => count(decisionMetric('Uploads', decision)),
              ...batching,
            },
          );
          return (_body, attributes, { record }) => process(record, attributes);
        },
      }
    : {}),
});
