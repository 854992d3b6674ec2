import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseConfig } from '../shared/config/load.js';
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
    ec2: new EC2Client(options),
    events: new EventBridgeClient(options),
    dynamodb: new DynamoDBClient(options),
    cloudformation: new CloudFormationClient(options),
  };
}

export type EmulatorClients = ReturnType<typeof emulatorClients>;

export interface LocalUploads {
  clients: EmulatorClients;
  config: Config;
  world: World;
  stack: LocalStack;
  handler: SqsHandler;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** Runs the event source mapping until the uploads queue is empty or the timeout passes. */
  drain(options?: { timeoutMs?: number; onInvoke?: EventSourceOptions['onInvoke'] }): Promise<DrainResult>;
}

const UPLOADS_FUNCTION_ID = 'UploadToTaskLambdaFunction';

/** The stage a template was packaged for, as every function's ECS_PILOT_STAGE says. */
function stageOf(template: PackagedTemplate): string {
  const fn = template.Resources[UPLOADS_FUNCTION_ID]?.Properties as
    { Environment?: { Variables?: Record<string, unknown> } } | undefined;
  const stage = fn?.Environment?.Variables?.ECS_PILOT_STAGE;
  if (typeof stage !== 'string') throw new Error('the template names no ECS_PILOT_STAGE');
  return stage;
}

/**
 * Builds the upload automation's whole event path in the emulator from a packaged template and a
 * config file: world, queues, table and rules; then loads the real handler in-process with the
 * environment the template gives it. Call once per process (the handler reads its config once).
 */
export async function setUpLocalUploads(options: {
  endpoint: string;
  templatePath: string;
  configPath: string;
  versionedBuckets?: readonly string[];
  /** Task definition families to leave unregistered (to exercise start failures). */
  skipFamilies?: readonly string[];
  logLevel?: string;
}): Promise<LocalUploads> {
  const clients = emulatorClients(options.endpoint);
  const raw = readYamlFile(options.configPath);
  const config = parseConfig(raw, options.configPath);
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

  Object.assign(process.env, functionEnvironment(stack, UPLOADS_FUNCTION_ID), emulatorEnv(options.endpoint), {
    ECS_PILOT_CONFIG_FILE: configFile,
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
    // Keep the emulator's latency from stretching into long SDK backoffs.
    ECS_PILOT_SDK_MAX_ATTEMPTS: '3',
  });
  delete process.env.NODE_OPTIONS;
  const { handler } = (await import('../functions/upload-to-task.js')) as { handler: SqsHandler };
  const mapping = eventSourceMapping(stack, UPLOADS_FUNCTION_ID);
  return {
    clients,
    config,
    world,
    stack,
    handler,
    queueUrl: mapping.queueUrl,
    deadLetterQueueUrl: stack.refs.get('UploadsDeadLetterQueue')!,
    drain: ({ timeoutMs, onInvoke } = {}) =>
      drainQueue(
        {
          sqs: clients.sqs,
          queueUrl: mapping.queueUrl,
          queueArn: mapping.queueArn,
          batchSize: mapping.batchSize,
          maximumConcurrency: mapping.maximumConcurrency,
          functionName: 'ecs-pilot-local-uploadToTask',
          handler,
          ...(onInvoke ? { onInvoke } : {}),
        },
        timeoutMs,
      ),
  };
}
