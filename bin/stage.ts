import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../shared/config/schema.js';
import { configSource, stageFileProblem, type ConfigSource } from '../shared/config/stages.js';
import { loadConfigFile } from '../shared/config/yaml.js';
import { buildStack } from '../shared/deploy/stack.js';
import { clientConfig } from '../shared/kernel/aws/clients.js';
import { ConfigError } from '../shared/kernel/errors.js';

/** The options every stage-aware command takes (parseArgs form). */
export const STAGE_OPTIONS = {
  stage: { type: 'string' },
  config: { type: 'string' },
} as const;

export const STAGE_HELP = `  --stage S      read config/S.yml, and use its region (default stage: dev)
  --config FILE  read this config file instead (ECS_PILOT_CONFIG, when set, wins over --stage)`;

/** A stage's config, where it came from, and the stack it deploys (for the names of its resources). */
export interface StageContext {
  source: ConfigSource;
  config: Config;
  /** The deployed stack's resources (CloudFormation logical id → resource), built offline from the config. */
  resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** Reads and judges the stage's config (ConfigError, one line per problem, when it cannot be used). */
export function loadStage(
  values: { stage?: string | undefined; config?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): StageContext {
  const source = configSource(values, env);
  const missing = stageFileProblem(source);
  if (missing) throw new ConfigError(source.file, [missing]);
  const config = loadConfigFile(source.file);
  const stack = buildStack(config, { service: 'ecs-pilot', stage: source.stage, configFile: source.file });
  return {
    source,
    config,
    resources: stack.resources.Resources as StageContext['resources'],
  };
}

/** A physical name the stack gives a resource (QueueName, TableName …), read from its template. */
export function physicalName(stage: StageContext, logicalId: string, property: string): string | undefined {
  const value = stage.resources[logicalId]?.Properties?.[property];
  return typeof value === 'string' ? value : undefined;
}

/** The SDK clients a command needs, in the stage's region (AWS_ENDPOINT_URL points them at an emulator). */
export function stageClients(region: string) {
  const settings = { ...clientConfig(), region };
  return {
    region,
    ecs: new ECSClient(settings),
    ecr: new ECRClient(settings),
    sqs: new SQSClient(settings),
    sqsIn: (other: string) => new SQSClient({ ...settings, region: other }),
    dynamodb: new DynamoDBClient(settings),
    lambda: new LambdaClient(settings),
    events: new EventBridgeClient(settings),
    applicationAutoScaling: new ApplicationAutoScalingClient(settings),
    scheduler: new SchedulerClient(settings),
    s3: new S3Client({ ...settings, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) }),
  };
}

export type StageClients = ReturnType<typeof stageClients>;

/**
 * The region of a command that reads the account: --region, else the stage's config region when
 * --stage or --config is given, else undefined (the SDK's own chain: AWS_REGION, ~/.aws/config).
 */
export function commandRegion(
  values: { stage?: string | undefined; config?: string | undefined; region?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (values.region) return values.region;
  if (values.stage !== undefined || values.config !== undefined) return loadStage(values, env).config.region;
  return undefined;
}

/** The SDK found no region anywhere: a usage problem with a way out, not a retryable failure. */
export const NO_REGION = 'no AWS region: give --stage S (its config has one), --region R, or set AWS_REGION';

export const isMissingRegion = (error: unknown) =>
  /Region is missing/i.test(String((error as Error)?.message ?? error));
