import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { readYamlFile } from '../config/yaml.js';
import type { Config } from '../config/schema.js';
import type { FunctionDefinition } from './cfn.js';
import { uploadsStack } from './uploads.js';

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

/** Builds the stack from a validated config. Pure. */
export function buildStack(
  config: Config,
  options: { service: string; stage: string; configFile: string },
): Stack {
  const prefix = `${options.service}-${options.stage}`;
  const uploads = uploadsStack(config, { prefix, configFile: options.configFile });
  const outputs: Record<string, unknown> = {};
  if (config.uploads.length > 0) {
    outputs.UploadsDeadLetterQueueUrl = {
      Description: 'Uploads that could not start a task, with the reason in message attributes',
      Value: { Ref: 'UploadsDeadLetterQueue' },
    };
  }
  return {
    region: config.region,
    logLevel: config.logLevel,
    configFile: options.configFile,
    functions: { ...uploads.functions },
    resources: { Resources: { ...uploads.resources }, Outputs: outputs },
  };
}

/**
 * Loads and validates the stage's config (failing the package step with every error), writes its
 * JSON form for the functions to carry, and builds the stack.
 */
export function stackForStage(service: string, stage: string, env: NodeJS.ProcessEnv = process.env): Stack {
  const source = configFileFor(stage, env);
  const raw = readYamlFile(source);
  const config = parseConfig(raw, source);
  if (config.uploads.length === 0) {
    // Nothing to deploy; also, serverless-esbuild fails obscurely on a service without functions.
    throw new ConfigError(source, ['no automation is configured (uploads is empty): nothing to deploy']);
  }
  const configFile = packagedConfigFile(stage);
  mkdirSync(dirname(configFile), { recursive: true });
  writeFileSync(configFile, `${JSON.stringify(raw, null, 2)}\n`);
  return buildStack(config, { service, stage, configFile });
}
