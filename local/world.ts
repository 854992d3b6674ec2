import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  ModifyVpcAttributeCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { registerTaskDefinition } from './ecs.js';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Config, TaskSpec } from '../shared/config/schema.js';
import { provisionScaledServices } from './scaling-world.js';

/**
 * Creates, in the emulator, the world a config expects to exist in a real account: network,
 * clusters, task definitions and buckets that send events to EventBridge. The emulator picks its
 * own subnet and security group ids, so the ids the config names are mapped to the created ones.
 */
export interface World {
  subnets: Map<string, string>;
  securityGroups: Map<string, string>;
  clusters: string[];
  families: string[];
  buckets: string[];
  /** Services the scalers scale (`cluster/service`), and the queues they read (name → URL). */
  services?: string[];
  queues?: Map<string, string>;
}

export interface WorldClients {
  ec2: EC2Client;
  ecs: ECSClient;
  s3: S3Client;
  /** Needed when the config has scalers (their queues). */
  sqs?: SQSClient;
}

const taskSpecs = (config: Config): TaskSpec[] => [...config.uploads, ...config.schedules].map((a) => a.task);
const unique = <T>(values: T[]) => [...new Set(values)];
const familyOf = (taskDefinition: string) => taskDefinition.split('/').pop()!.replace(/:\d+$/, '');

export async function provisionWorld(
  config: Config,
  clients: WorldClients,
  options: { versionedBuckets?: readonly string[]; skipFamilies?: readonly string[] } = {},
): Promise<World> {
  const specs = taskSpecs(config);
  const world: World = {
    subnets: new Map(),
    securityGroups: new Map(),
    clusters: [],
    families: [],
    buckets: [],
  };
  const { Vpc } = await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
  // moto 5.2.5's awsvpc RunTask reads the ENI's private DNS name, which it only sets when the VPC
  // has DNS hostnames on (as Fargate VPCs usually do); without it RunTask answers HTTP 500.
  await clients.ec2.send(
    new ModifyVpcAttributeCommand({ VpcId: Vpc!.VpcId!, EnableDnsHostnames: { Value: true } }),
  );
  const subnetIds = unique(specs.flatMap((s) => s.subnets));
  for (const [index, configured] of subnetIds.entries()) {
    const { Subnet } = await clients.ec2.send(
      new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: `10.20.${index}.0/24` }),
    );
    world.subnets.set(configured, Subnet!.SubnetId!);
  }
  for (const [index, configured] of unique(specs.flatMap((s) => s.securityGroups)).entries()) {
    const { GroupId } = await clients.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `ecs-pilot-demo-${index}`,
        Description: configured,
        VpcId: Vpc!.VpcId!,
      }),
    );
    world.securityGroups.set(configured, GroupId!);
  }
  for (const cluster of unique(specs.map((s) => s.cluster.split('/').pop()!))) {
    await clients.ecs.send(
      new CreateClusterCommand({ clusterName: cluster, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }),
    );
    world.clusters.push(cluster);
  }
  for (const spec of specs) {
    const family = familyOf(spec.taskDefinition);
    if (world.families.includes(family) || options.skipFamilies?.includes(family)) continue;
    await registerTaskDefinition(clients.ecs, family, spec.container, `example.com/${family}:latest`);
    world.families.push(family);
  }
  for (const bucket of unique(config.uploads.map((u) => u.bucket))) {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    if (options.versionedBuckets?.includes(bucket)) {
      await clients.s3.send(
        new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
      );
    }
    // The step users must take on their own buckets: send events to EventBridge.
    await clients.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );
    world.buckets.push(bucket);
  }
  if (config.scalers.length > 0) await provisionScaledServices(config, clients, world);
  return world;
}

/** The raw config with the configured network ids replaced by the ones the emulator created. */
export function mapNetworkIds(raw: unknown, world: World): unknown {
  type Launching = { task?: { subnets?: string[]; securityGroups?: string[] } };
  const copy = structuredClone(raw) as { uploads?: Launching[]; schedules?: Launching[] };
  for (const automation of [...(copy.uploads ?? []), ...(copy.schedules ?? [])]) {
    if (!automation.task) continue;
    automation.task.subnets = automation.task.subnets?.map((id) => world.subnets.get(id) ?? id);
    automation.task.securityGroups = automation.task.securityGroups?.map(
      (id) => world.securityGroups.get(id) ?? id,
    );
  }
  return copy;
}
