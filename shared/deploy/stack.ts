import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { judgeConfig } from '../config/load.js';
import { ConfigError } from '../kernel/errors.js';
import { stageProblems } from './names.js';
import { readYamlFile } from '../config/yaml.js';
import type { Config } from '../config/schema.js';
import type { AutomationStack, FunctionDefinition } from '../kernel/deploy/cfn.js';
import { alertsStack } from '../alerts/deploy.js';
import { imagesStack } from '../images/deploy.js';
import { scalersStack } from '../scaling/deploy.js';
import { schedulesStack } from '../schedules/deploy.js';
import { uploadsStack } from '../uploads/deploy.js';

/** Everything serverless.yml takes from the config: one source, no pattern written twice. */
export interface Stack {
  region: string;
  logLevel: string;
  configFile: string;
  functions: Record<string, FunctionDefinition>;
  resources: { Resources: Record<string, unknown>; Outputs: Record<string, unknown> };
}

/** The config file for a stage: ECS_PILOT_CONFIG when set, else config/<stage>.yml. */
export const configFileFor = (stage: string, env: NodeJS.ProcessEnv = process.env) =>
  env.ECS_PILOT_CONFIG || `config/${stage}.yml`;

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
  return {
    region: config.region,
    logLevel: config.logLevel,
    configFile: options.configFile,
    functions: Object.assign({}, ...parts.map((p) => p.functions)) as Record<string, FunctionDefinition>,
    resources: {
      Resources: Object.assign({}, ...parts.map((p) => p.resources)) as Record<string, unknown>,
      Outputs: Object.assign({}, ...parts.map((p) => p.outputs ?? {})) as Record<string, unknown>,
    },
  };
}

/**
 * Loads and validates the stage's config (failing the package step with every error), writes its
 * JSON form for the functions to carry, and builds the stack.
 */
export function stackForStage(service: string, stage: string, env: NodeJS.ProcessEnv = process.env): Stack {
  const source = configFileFor(stage, env);
  const raw = readYamlFile(source);
  const config = judgeConfig(raw, source);
  const configFile = packagedConfigFile(stage);
  const stack = buildStack(config, { service, stage, configFile });
  const problems = stageProblems(stack, service, stage);
  if (problems.length > 0) throw new ConfigError(source, problems);
  mkdirSync(dirname(configFile), { recursive: true });
  writeFileSync(configFile, `${JSON.stringify(raw, null, 2)}\n`);
  return stack;
}
