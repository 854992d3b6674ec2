import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../kernel/errors.js';
import { configSchema, type Config } from './schema.js';
import { formatPath, unsafeKeys } from '../kernel/issues.js';
import { didYouMean } from '../kernel/text/suggest.js';

/** What a zod schema wraps, for walking it: defaults, optionals, pipes and the like hold one inner schema. */
type Def = {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  valueType?: z.core.$ZodType;
  getter?: () => z.core.$ZodType;
};
const defOf = (schema: z.core.$ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The keys an object of the schema may have at `path` (empty when the path leads to no object). */
export function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const def = defOf(schema);
  const inner = def.innerType ?? def.in ?? def.getter?.();
  if (inner) return knownKeysAt(inner, path);
  if (def.type === 'union') return [...new Set((def.options ?? []).flatMap((o) => knownKeysAt(o, path)))];
  if (path.length === 0) return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
  const [head, ...rest] = path;
  if (def.type === 'object') {
    const next = def.shape?.[String(head)];
    return next ? knownKeysAt(next, rest) : [];
  }
  if (def.type === 'array' && def.element) return knownKeysAt(def.element, rest);
  if (def.type === 'record' && def.valueType) return knownKeysAt(def.valueType, rest);
  return [];
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(configSchema, issue.path);
    return issue.keys.map(
      (key) => `${where === '(root)' ? key : `${where}.${key}`}: unknown key${didYouMean(key, known)}`,
    );
  }
  if (issue.code === 'invalid_key') {
    // A record key failed its own schema: the reason is in the nested issues.
    const key = String(issue.path[issue.path.length - 1] ?? '');
    return issue.issues.map((inner) => `${where}: invalid key "${key}": expected ${inner.message}`);
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
  const unsafe = unsafeKeys(raw);
  const result = configSchema.safeParse(raw ?? {});
  if (result.success && unsafe.length === 0) return result.data;
  // A strict object also reports an unsafe key as unknown; keep only the more specific message.
  const flagged = unsafe.map((issue) => issue.slice(0, issue.indexOf(': ') + 2));
  const issues = (result.error?.issues.flatMap(formatIssue) ?? []).filter(
    (issue) => !flagged.some((prefix) => issue.startsWith(prefix)),
  );
  throw new ConfigError(source, [...unsafe, ...issues]);
}

/** The verdict on a config with nothing in it to deploy (an empty file, only comments, empty lists). */
export const NOTHING_TO_DEPLOY =
  'no automation is configured (uploads, schedules, alerts, scalers and images are all empty): nothing to deploy';

/**
 * The one judge of a config: `ecs-pilot validate`, `sls package` and every function's cold start
 * call this, so they run the same parse and the same checks and give the same verdict. A config
 * the schema accepts but that configures no automation is refused: it would deploy nothing (and
 * serverless-esbuild fails obscurely on a service without functions).
 */
export function judgeConfig(raw: unknown, source = 'config'): Config {
  const config = parseConfig(raw, source);
  const automations =
    config.uploads.length + config.schedules.length + config.scalers.length + (config.alerts ? 1 : 0);
  if (automations + (config.images ? 1 : 0) === 0) throw new ConfigError(source, [NOTHING_TO_DEPLOY]);
  return config;
}

/** The lines every entry point prints for a refused config: `invalid: <source>`, then one per issue. */
export const verdictLines = (error: ConfigError): string[] => [
  `invalid: ${error.source}`,
  ...error.issues.map((issue) => `  - ${issue}`),
];

/** Reads and validates a JSON config file (the packaged form of the YAML config). */
export function loadConfigJson(path: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file as JSON (${errorMessage(error)})`]);
  }
  return judgeConfig(raw, path);
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

/** The config's `section`, which function `functionName` cannot run without; ConfigError at cold start when absent. */
export function requiredSection<K extends 'alerts' | 'images'>(
  config: Config,
  section: K,
  functionName: string,
): NonNullable<Config[K]> {
  const value = config[section];
  if (!value) throw new ConfigError('config', [`${section}: required by the ${functionName} function`]);
  return value as NonNullable<Config[K]>;
}
