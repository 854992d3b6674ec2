import { deployedConfig, requiredSection } from '../shared/config/load.js';
import { invokedFunction } from '../shared/kernel/aws/invoked-function.js';
import {
  ecrClient,
  ecsClient,
  eventBridgeClient,
  lambdaClient,
  snsClient,
} from '../shared/kernel/aws/clients.js';
import { SnsAlertPublisher } from '../shared/kernel/notify/aws/publisher.js';
import { ecrRegistry } from '../shared/images/aws/ecr.js';
import { EcsInUseScanner } from '../shared/images/aws/scan.js';
import { LambdaImageSource } from '../shared/images/aws/lambda.js';
import { EventRuleTargetsSource } from '../shared/images/aws/scheduled.js';
import { parseImagesRequest } from '../shared/images/request.js';
import { runImageHygiene, toolkitTaskDefinitions } from '../shared/images/service.js';

// Cold start: a broken config or missing section fails here, loudly, before anything is read.
const config = deployedConfig();
const images = requiredSection(config, 'images', 'enforceImages');
const registry = ecrRegistry(
  ecrClient(),
  images.repositories.flatMap((r) => r.match),
);
const scanner = new EcsInUseScanner(ecsClient(), {
  clusters: images.protect.clusters,
  taskDefinitionRevisions: images.protect.taskDefinitionRevisions,
  includeStopped: images.protect.stoppedTasksWithinHours > 0,
  toolkit: toolkitTaskDefinitions(config),
});
const { lambda, eventRules } = images.protect;
const sources = [
  ...(lambda.scan ? [new LambdaImageSource(lambdaClient(), { keepVersions: lambda.keepVersions })] : []),
  ...(eventRules.scan
    ? [new EventRuleTargetsSource(eventBridgeClient(), ecsClient(), { buses: eventRules.buses })]
    : []),
];
// With stop alerts configured, every run's summary goes to the same topic.
const alertsTopic = process.env.ALERTS_TOPIC_ARN;
const publisher = alertsTopic ? new SnsAlertPublisher(snsClient(), alertsTopic) : undefined;

/**
 * EventBridge Scheduler (images.schedule) or an on-demand invoke → scan ECR and ECS → plan (pure) →
 * delete only in enforce mode → summary logged and published. A malformed payload throws (nothing
 * done); a scan that fails returns an "aborted" summary with nothing changed.
 */
export const handler = invokedFunction({
  service: 'images',
  parse: parseImagesRequest,
  process: (request, { logger }) => {
    logger.info('image hygiene run', { request, mode: images.mode });
    return runImageHygiene(images, request, {
      registry,
      scanner,
      sources,
      logger,
      now: new Date(),
      ...(publisher ? { publish: (alert) => publisher.publish(alert) } : {}),
    });
  },
});
