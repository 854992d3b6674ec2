import { CreateClusterCommand, CreateServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../shared/config/schema.js';
import { parseQueueReference, serviceIdentity } from '../shared/scaling/resources.js';
import { registerTaskDefinition } from './ecs.js';

/**
 * The part of the emulated world queue scalers need: each scaler's queue (created by name), cluster,
 * a task definition and the ECS service itself, at its `min` desired count. The emulator's services
 * start no tasks; its UpdateService sets runningCount to the desired count.
 */
export async function provisionScaledServices(
  config: Config,
  clients: { ecs: ECSClient; sqs?: SQSClient },
  world: { clusters: string[]; families: string[]; services?: string[]; queues?: Map<string, string> },
): Promise<void> {
  if (!clients.sqs) throw new Error('the world needs an SQS client for the scalers’ queues');
  world.services ??= [];
  world.queues ??= new Map();
  for (const scaler of config.scalers) {
    const { name } = parseQueueReference(scaler.queue);
    if (!world.queues.has(name)) {
      const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
      world.queues.set(name, QueueUrl!);
    }
    const { cluster, service } = serviceIdentity(scaler);
    if (!world.clusters.includes(cluster)) {
      await clients.ecs.send(
        new CreateClusterCommand({ clusterName: cluster, capacityProviders: ['FARGATE'] }),
      );
      world.clusters.push(cluster);
    }
    if (world.services.includes(`${cluster}/${service}`)) continue;
    if (!world.families.includes(service)) {
      await registerTaskDefinition(clients.ecs, service, 'worker', `example.com/${service}:latest`);
      world.families.push(service);
    }
    await clients.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: service,
        taskDefinition: service,
        desiredCount: scaler.min,
        launchType: 'FARGATE',
      }),
    );
    world.services.push(`${cluster}/${service}`);
  }
}
