import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../errors.js';
import { configSchema, type Config } from './schema.js';

/** Renders a zod path the way users write it: `uploads[0].task.subnets`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${where === '(root)' ? key : `${where}.${key}`}: unknown key`);
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    return [`${where}: ${issue.message}`];
  }
  // zod says "Invalid input: expected string, received undefined" for a missing field.
  const message = issue.message
    .replace(/^Invalid input: expected (\w+), received undefined$/, 'required ($1)')
    .replace(/^Invalid input: expected (\w+), received (\w+)$/, 'expected $1, got $2')
    .replace(/^Invalid option: expected one of (.*)$/, 'expected one of $1');
  return [`${where}: ${message}`];
}

/** Validates an already-parsed config object; throws ConfigError listing every problem. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw new ConfigError(source, result.error.issues.flatMap(formatIssue));
}

/** Reads and validates a JSON config file (the packaged form of the YAML config). */
export function loadConfigJson(path: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file as JSON (${errorMessage(error)})`]);
  }
  return parseConfig(raw, path);
}

let cached: Config | undefined;

/**
 * The deployed config, read once per cold start from ECS_PILOT_CONFIG_FILE: the JSON form of the stage's
 * YAML, written at package time so the functions carry no YAML parser.
 * A broken config fails the cold start loudly rather than mis-acting on events.
 */
export function deployedConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (cached) return cached;
  const file = env.ECS_PILOT_CONFIG_FILE;
  if (!file)
    throw new ConfigError('environment', ['ECS_PILOT_CONFIG_FILE: required (path of the config file)']);
  cached = loadConfigJson(file);
  return cached;
}

/** Forgets the cached config (tests). */
export function resetDeployedConfig(): void {
  cached = undefined;
}
