import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { judgeConfig } from '../shared/config/load.js';
import { readYamlFile } from '../shared/config/yaml.js';
import type { Config } from '../shared/config/schema.js';
import { emulatorEnv } from './emulator.js';
import { drainQueue, type DrainResult, type EventSourceOptions, type SqsHandler } from './lambda.js';
import { projectRoot, readTemplate, type PackagedTemplate } from './package.js';
import { deployLocalStack, eventSourceMapping, functionEnvironment, type LocalStack } from './stack.js';
import { mapNetworkIds, provisionWorld, type World } from './world.js';

export const REGION = 'us-east-1';

/** SDK clients pointed at the emulator: explicit loopback endpoint, region and dummy credentials. */
export function emulatorClients(endpoint: string) {
  const options = {
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' },
    maxAttempts: 2,
  };
  return {
    s3: new S3Client({ ...options, forcePathStyle: true }),
    sqs: new SQSClient(options),
    ecs: new ECSClient(options),
    ecr: new ECRClient(options),
    ec2: new EC2Client(options),
    events: new EventBridgeClient(options),
    dynamodb: new DynamoDBClient(options),
    cloudformation: new CloudFormationClient(options),
  };
}

export type EmulatorClients = ReturnType<typeof emulatorClients>;

/** The emulated account: clients, world, and the template's event-carrying resources. */
export interface LocalAccount {
  endpoint: string;
  clients: EmulatorClients;
  config: Config;
  world: World;
  stack: LocalStack;
  /** The config (as JSON, with the emulator's network ids) that local functions read. */
  configFile: string;
}

/** A function running in-process behind its SQS event source mapping. */
export interface LocalSqsFunction<H = SqsHandler> {
  handler: H;
  queueUrl: string;
  queueArn: string;
  /** Runs the event source mapping until the queue is empty or the timeout passes. */
  drain(options?: { timeoutMs?: number; onInvoke?: EventSourceOptions['onInvoke'] }): Promise<DrainResult>;
}

export interface LocalUploads extends LocalAccount, LocalSqsFunction {
  deadLetterQueueUrl: string;
}

/** The stage a template was packaged for, as every function's ECS_PILOT_STAGE says. */
function stageOf(template: PackagedTemplate): string {
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const env = (resource.Properties as { Environment?: { Variables?: Record<string, unknown> } } | undefined)
      ?.Environment?.Variables;
    if (typeof env?.ECS_PILOT_STAGE === 'string') return env.ECS_PILOT_STAGE;
  }
  throw new Error('the template names no ECS_PILOT_STAGE');
}

/**
 * Creates, in the emulator, everything a packaged template and its config need: the world the config
 * names (network, clusters, task definitions, buckets) and the template's queues, tables and rules
 * (as a CloudFormation stack). Functions are then loaded with {@link loadSqsFunction}.
 */
export async function setUpLocal(options: {
  endpoint: string;
  templatePath: string;
  configPath: string;
  versionedBuckets?: readonly string[];
  /** Task definition families to leave unregistered (to exercise start failures). */
  skipFamilies?: readonly string[];
}): Promise<LocalAccount> {
  const clients = emulatorClients(options.endpoint);
  const raw = readYamlFile(options.configPath);
  // The same judge as validate, packaging and cold start: the local world refuses what they refuse.
  const config = judgeConfig(raw, options.configPath);
  const world = await provisionWorld(config, clients, {
    versionedBuckets: options.versionedBuckets ?? [],
    skipFamilies: options.skipFamilies ?? [],
  });
  const template = await readTemplate(options.templatePath);
  const stack = await deployLocalStack(template, clients, `ecs-pilot-${stageOf(template)}`);
  const configDir = join(projectRoot, '.build', 'local');
  mkdirSync(configDir, { recursive: true });
  const configFile = join(configDir, `config-${new URL(options.endpoint).port}.json`);
  writeFileSync(configFile, JSON.stringify(mapNetworkIds(raw, world), null, 2));
  return { endpoint: options.endpoint, clients, config, world, stack, configFile };
}

/**
 * Loads a function's real handler in-process with the environment the template gives it (plus the
 * emulator's endpoint and dummy credentials), behind its SQS event source mapping. Handlers read
 * their environment once, at import, so load each function once per process.
 */
export async function loadSqsFunction<H = SqsHandler>(
  account: LocalAccount,
  functionLogicalId: string,
  load: () => Promise<{ handler: H }>,
  options: { logLevel?: string } = {},
): Promise<LocalSqsFunction<H>> {
  const { handler } = await loadFunction(account, functionLogicalId, load, options);
  const mapping = eventSourceMapping(account.stack, functionLogicalId);
  const functionName = String(
    (
      account.stack.template.Resources[functionLogicalId]?.Properties as
        { FunctionName?: unknown } | undefined
    )?.FunctionName ?? functionLogicalId,
  );
  return {
    handler,
    queueUrl: mapping.queueUrl,
    queueArn: mapping.queueArn,
    drain: ({ timeoutMs, onInvoke } = {}) =>
      drainQueue(
        {
          sqs: account.clients.sqs,
          queueUrl: mapping.queueUrl,
          queueArn: mapping.queueArn,
          batchSize: mapping.batchSize,
          maximumBatchingWindowSeconds: mapping.maximumBatchingWindowSeconds,
          maximumConcurrency: mapping.maximumConcurrency,
          functionName,
          handler: handler as SqsHandler,
          ...(onInvoke ? { onInvoke } : {}),
        },
        timeoutMs,
      ),
  };
}

/**
 * Loads a function's module in-process with the environment the template gives it (plus the
 * emulator's endpoint and dummy credentials), for functions invoked directly (by Scheduler) or behind
 * an event source ({@link loadSqsFunction}). Handlers read their environment once, at import.
 */
export async function loadFunction<M>(
  account: LocalAccount,
  functionLogicalId: string,
  load: () => Promise<M>,
  options: { logLevel?: string } = {},
): Promise<M> {
  Object.assign(
    process.env,
    functionEnvironment(account.stack, functionLogicalId),
    emulatorEnv(account.endpoint),
    {
      ECS_PILOT_CONFIG_FILE: account.configFile,
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
      // Keep the emulator's latency from stretching into long SDK backoffs.
      ECS_PILOT_SDK_MAX_ATTEMPTS: '3',
    },
  );
  delete process.env.NODE_OPTIONS;
  return load();
}

/** The upload automation's whole event path in the emulator, with its handler loaded. */
export async function setUpLocalUploads(
  options: Parameters<typeof setUpLocal>[0] & { logLevel?: string },
): Promise<LocalUploads> {
  const account = await setUpLocal(options);
  const uploads = await loadSqsFunction(
    account,
    'UploadToTaskLambdaFunction',
    () => import('../functions/upload-to-task.js') as Promise<{ handler: SqsHandler }>,
    options.logLevel ? { logLevel: options.logLevel } : {},
  );
  return { ...account, ...uploads, deadLetterQueueUrl: account.stack.refs.get('UploadsDeadLetterQueue')! };
}
