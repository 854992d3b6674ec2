import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { judgeConfig } from '../config/load.js';
import { ConfigError } from '../kernel/errors.js';
import { stageProblems } from './names.js';
import { readYamlFile } from '../config/yaml.js';
import { configSource, stageFileProblem } from '../config/stages.js';
import type { Config } from '../config/schema.js';
import type { AutomationStack, FunctionDefinition } from '../kernel/deploy/cfn.js';
import { alertsStack } from '../alerts/deploy.js';
import { imagesStack } from '../images/deploy.js';
import { scalersStack } from '../scaling/deploy.js';
import { schedulesStack } from '../schedules/deploy.js';
import { uploadsStack } from '../uploads/deploy.js';
import { alarmResources, alarmRoute, alarmsTopicResources, CLOUDWATCH_KEY_STATEMENT } from './alarms.js';
import { dashboardResource, type DashboardInputs } from './dashboard.js';
import { secretGrantResources } from '../kernel/launch/deploy.js';
import {
  applyAtRest,
  encryptionKey,
  logGroupId,
  STACK_KEY_ID,
  stackKeyResources,
} from '../kernel/deploy/encryption.js';

/** Everything serverless.yml takes from the config: one source, no pattern written twice. */
export interface Stack {
  region: string;
  logLevel: string;
  configFile: string;
  /** CloudWatch Logs retention of the functions' log groups (provider.logRetentionInDays). */
  logRetentionDays: number;
  /**
   * The config's tags, for provider.stackTags (CloudFormation copies stack tags to every resource
   * that takes tags) and provider.tags (the functions). Not written per resource: 50 long tags on
   * each of ~200 resources would push the template past CloudFormation's 1 MB.
   */
  tags: Record<string, string>;
  /** The namespace of the functions' EMF metrics: one per stage, so stages never mix. */
  metricsNamespace: string;
  functions: Record<string, FunctionDefinition>;
  resources: {
    Resources: Record<string, unknown>;
    Outputs: Record<string, unknown>;
    /** Properties osls merges into the resources it generates (the functions' log groups). */
    extensions?: Record<string, { Properties: Record<string, unknown> }>;
  };
}

/** The config file for a stage: ECS_PILOT_CONFIG when set, else config/<stage>.yml. */
export const configFileFor = (stage: string, env: NodeJS.ProcessEnv = process.env) =>
  configSource({ stage }, env).file;

/** Where packaging writes the JSON form of a stage's config, shipped inside each function. */
export const packagedConfigFile = (stage: string) => `.build/config/${stage}.json`;

/** Builds the stack from a validated config: each automation contributes its part. Pure. */
export function buildStack(
  config: Config,
  options: { service: string; stage: string; configFile: string },
): Stack {
  const names = { prefix: `${options.service}-${options.stage}`, configFile: options.configFile };
  const parts: AutomationStack[] = [
    uploadsStack(config, names),
    schedulesStack(config, names),
    alertsStack(config, names),
    imagesStack(config, names),
    scalersStack(config, names),
  ];
  const functions = Object.assign({}, ...parts.map((p) => p.functions)) as Record<string, FunctionDefinition>;
  for (const [name, reserved] of Object.entries(config.reservedConcurrency ?? {})) {
    if (reserved !== undefined && functions[name])
      Object.assign(functions[name], { reservedConcurrency: reserved });
  }
  const key = encryptionKey(config.encryption);
  const resources = Object.assign(
    config.encryption === 'kms' ? stackKeyResources(names.prefix) : {},
    ...parts.map((p) => p.resources),
    // Uploads and schedules may share an execution role: its grant is written once, for both.
    secretGrantResources(
      [...config.uploads.map((t) => t.task), ...config.schedules.map((s) => s.task)],
      names.prefix,
    ),
  ) as Record<string, unknown>;
  const metricsNamespace = metricsNamespaceFor(options.stage);
  Object.assign(
    resources,
    operationsResources(config, names.prefix, resources, Object.keys(functions), metricsNamespace),
  );
  // With a key, every function's environment and log group use it too.
  const extensions: NonNullable<Stack['resources']['extensions']> = {};
  if (key !== undefined) {
    for (const [name, fn] of Object.entries(functions)) {
      fn.kmsKeyArn = key;
      extensions[logGroupId(name)] = { Properties: { KmsKeyId: key } };
    }
  }
  const atRest = applyAtRest(resources, { key, pointInTimeRecovery: config.pointInTimeRecovery });
  return {
    region: config.region,
    logLevel: config.logLevel,
    configFile: options.configFile,
    logRetentionDays: config.logRetentionDays,
    tags: config.tags,
    metricsNamespace,
    functions,
    resources: {
      Resources: atRest,
      Outputs: Object.assign({}, ...parts.map((p) => p.outputs ?? {})) as Record<string, unknown>,
      ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
    },
  };
}

/** `ecs-pilot/<stage>`: each stage's metrics, alarms and dashboard see that stage only. */
export const metricsNamespaceFor = (stage: string) => `ecs-pilot/${stage}`;

/** The alarms (unless turned off), their topic when the stack needs one, and the dashboard. */
function operationsResources(
  config: Config,
  prefix: string,
  resources: Record<string, unknown>,
  functionNames: string[],
  metricsNamespace: string,
): Record<string, unknown> {
  const added: Record<string, unknown> = {};
  const scalers = config.scalers.map((s) => s.name);
  if (config.alarms.enabled) {
    const route = alarmRoute(config.alarms, resources.AlertsTopic ? 'AlertsTopic' : undefined);
    if (route.kind === 'stack-topic' && route.logicalId === 'AlarmsTopic') {
      Object.assign(added, alarmsTopicResources(prefix, config.alarms.emails));
    }
    // A stack topic encrypted with a key of the stack (the stop-alerts topic's own, or the one of
    // `encryption: kms` for either topic): CloudWatch must be allowed to use that key.
    if (route.kind === 'stack-topic') {
      const keyId = config.encryption === 'kms' ? STACK_KEY_ID : 'AlertsKey';
      const key = resources[keyId] as { Properties: { KeyPolicy: { Statement: unknown[] } } } | undefined;
      if (keyId === STACK_KEY_ID || route.logicalId === 'AlertsTopic')
        key?.Properties.KeyPolicy.Statement.push(CLOUDWATCH_KEY_STATEMENT);
    }
    Object.assign(
      added,
      alarmResources({ prefix, resources, functions: functionNames, scalers, metricsNamespace }, route),
    );
  }
  const services: DashboardInputs['services'] = [
    ...(config.uploads.length ? (['uploads'] as const) : []),
    ...(config.schedules.length ? (['schedules'] as const) : []),
    ...(config.alerts ? (['alerts'] as const) : []),
    ...(config.images ? (['images'] as const) : []),
    ...(config.scalers.length ? (['scaling'] as const) : []),
  ];
  if (functionNames.length > 0) {
    const deadLetterQueues = Object.entries(resources)
      .filter(([id]) => id.endsWith('DeadLetterQueue'))
      .map(([, r]) => (r as { Properties: { QueueName: string } }).Properties.QueueName);
    added.Dashboard = dashboardResource({
      prefix,
      region: config.region,
      metricsNamespace,
      services,
      functions: functionNames,
      deadLetterQueues,
      scalers,
    });
  }
  return added;
}

/** CloudFormation's per-stack quotas (CloudFormation quotas page). */
export const STACK_LIMITS = { resources: 500, outputs: 200 } as const;

/**
 * Resources serverless adds for each function beyond ours (function, log group, version, event
 * source mapping or invoke config, permission) and for the service (deployment bucket and its
 * policy): counted high, so the check never passes a stack CloudFormation would refuse.
 */
const SERVERLESS_RESOURCES = { perFunction: 6, perService: 2 } as const;

/**
 * Builds the stack and checks what only the whole stack shows (IAM policy sizes, resource and output
 * counts), failing with one line per limit, naming the limit and the way out, before anything is
 * deployed. `validate` and packaging both use it.
 */
export function deployableStack(
  config: Config,
  options: { service: string; stage: string; configFile: string },
  source: string,
): Stack {
  let stack: Stack;
  try {
    stack = buildStack(config, options);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(source, error.issues);
    throw error;
  }
  const functions = Object.keys(stack.functions).length;
  const resources =
    Object.keys(stack.resources.Resources).length +
    functions * SERVERLESS_RESOURCES.perFunction +
    SERVERLESS_RESOURCES.perService;
  const outputs = Object.keys(stack.resources.Outputs).length + functions;
  const issues: string[] = [];
  if (resources > STACK_LIMITS.resources)
    issues.push(
      `the stack would have about ${resources} resources; CloudFormation allows ${STACK_LIMITS.resources} per stack: ` +
        'split the config into two stages (for example, half of the schedules in each)',
    );
  if (outputs > STACK_LIMITS.outputs)
    issues.push(
      `the stack would have ${outputs} outputs; CloudFormation allows ${STACK_LIMITS.outputs}: split the config into two stages`,
    );
  if (issues.length > 0) throw new ConfigError(source, issues);
  return stack;
}

/**
 * Loads and validates the stage's config (failing the package step with every error), writes its
 * JSON form for the functions to carry, and builds the stack.
 */
export function stackForStage(service: string, stage: string, env: NodeJS.ProcessEnv = process.env): Stack {
  const chosen = configSource({ stage }, env);
  const source = chosen.file;
  const missing = stageFileProblem(chosen);
  if (missing) throw new ConfigError(source, [missing]);
  const raw = readYamlFile(source);
  const config = judgeConfig(raw, source);
  const configFile = packagedConfigFile(stage);
  const stack = deployableStack(config, { service, stage, configFile }, source);
  const problems = stageProblems(stack, service, stage);
  if (problems.length > 0) throw new ConfigError(source, problems);
  mkdirSync(dirname(configFile), { recursive: true });
  writeFileSync(configFile, `${JSON.stringify(raw, null, 2)}\n`);
  return stack;
}
