import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { requiredEnv } from '../shared/kernel/env.js';
import { deployedConfig, requiredSection } from '../shared/config/load.js';
import { invokedFunction } from '../shared/kernel/aws/invoked-function.js';
import {
  dynamoDbClient,
  ecrClient,
  ecsClient,
  eventBridgeClient,
  lambdaClient,
  s3Client,
  schedulerClient,
  snsClient,
} from '../shared/kernel/aws/clients.js';
import { DynamoOnce } from '../shared/images/aws/once.js';
import { SnsAlertPublisher } from '../shared/kernel/notify/aws/publisher.js';
import { ecrRegistry } from '../shared/images/aws/ecr.js';
import { EcsInUseScanner } from '../shared/images/aws/scan.js';
import { accountSources, scanOptions } from '../shared/images/aws/sources.js';
import { ScanFileSource, s3ScanWriter } from '../shared/images/aws/scan-files.js';
import { parseImagesRequest } from '../shared/images/request.js';
import { runImageHygiene, toolkitTaskDefinitions } from '../shared/images/service.js';

// Cold start: a broken config or missing section fails here, loudly, before anything is read.
const config = deployedConfig();
const images = requiredSection(config, 'images', 'enforceImages');
const registry = ecrRegistry(
  ecrClient(),
  images.repositories.flatMap((r) => r.match),
);
const scanner = new EcsInUseScanner(ecsClient(), scanOptions(images.protect, toolkitTaskDefinitions(config)));
const clients = {
  lambda: lambdaClient(),
  events: eventBridgeClient(),
  scheduler: schedulerClient(),
  ecs: ecsClient(),
};
const sources = [
  ...accountSources(images.protect, clients),
  // Other accounts' scans, read at every run; any one unusable stops the run's deletions.
  ...images.protect.fromScans.map(
    (uri) => new ScanFileSource(s3Client(), uri, { maxAgeHours: images.protect.scanMaxAgeHours }),
  ),
];
// This account's own scan, for the runs of other accounts that read it through their fromScans.
const scanWriter = images.scanOutput
  ? s3ScanWriter(s3Client(), images.scanOutput, {
      account: requiredEnv('ECS_PILOT_ACCOUNT'),
      region: requiredEnv('AWS_REGION'),
    })
  : undefined;
// With stop alerts configured, every run's summary goes to the same topic.
const alertsTopic = process.env.ALERTS_TOPIC_ARN;
const publisher = alertsTopic ? new SnsAlertPublisher(snsClient(), alertsTopic) : undefined;
// Broken references are alerted once each, deduped in the alerts' state table.
const alertsTable = process.env.ALERTS_TABLE;
const once = alertsTable ? new DynamoOnce(dynamoDbClient(), alertsTable) : undefined;

/**
 * EventBridge Scheduler (images.schedule) or an on-demand invoke → scan ECR and ECS → plan (pure) →
 * delete only in enforce mode → summary logged and published. A malformed payload throws (nothing
 * done); a scan that fails returns an "aborted" summary with nothing changed.
 */
export const handler = invokedFunction({
  service: 'images',
  parse: parseImagesRequest,
  process: async (request, { logger, metrics }) => {
    logger.info('image hygiene run', { request, mode: images.mode });
    const summary = await runImageHygiene(images, request, {
      registry,
      scanner,
      sources,
      ...(scanWriter ? { scanWriter } : {}),
      logger,
      now: new Date(),
      ...(publisher ? { publish: (alert) => publisher.publish(alert) } : {}),
      ...(once ? { once } : {}),
    });
    // The dashboard's "images deleted" series (0 in preview and when nothing expired).
    metrics.addMetric('ImagesDeleted', MetricUnit.Count, summary.totals.deleted);
    return summary;
  },
});
