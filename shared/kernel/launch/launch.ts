import { createHash } from 'node:crypto';
import { PermanentError } from '../errors.js';
import { MAX_OVERRIDES_BYTES, MAX_TASK_TAGS, taskSizeOverrides, type TaskSpec } from '../config.js';
import { containerSecrets } from '../secrets.js';
import type { SecretsPlan } from './derive.js';

/**
 * The RunTask request ecs-pilot sends, as plain data (structurally a RunTaskCommandInput), so it
 * can be built and tested without the SDK. One launcher serves every automation.
 */
export interface RunTaskRequest {
  cluster: string;
  taskDefinition: string;
  count: 1;
  clientToken: string;
  startedBy: string;
  launchType?: 'FARGATE';
  capacityProviderStrategy?: { capacityProvider: string; weight: number; base: number }[];
  platformVersion: string;
  networkConfiguration: {
    awsvpcConfiguration: {
      subnets: string[];
      securityGroups: string[];
      assignPublicIp: 'ENABLED' | 'DISABLED';
    };
  };
  overrides: {
    containerOverrides: {
      name: string;
      environment: { name: string; value: string }[];
      command?: string[];
    }[];
    /** Task-level CPU units and memory (MiB), replacing the task definition's. */
    cpu?: string;
    memory?: string;
  };
  tags: { key: string; value: string }[];
  enableECSManagedTags: true;
  /**
   * Not a RunTask field: the spec's secrets, which the launcher turns into the derived task
   * definition it passes as `taskDefinition` (derive.ts), and leaves out of the call.
   */
  secrets?: SecretsPlan;
}

/** ECS limits worth checking before the call rather than learning from a failed one. */
export const RUN_TASK_LIMITS = {
  clientToken: 64,
  startedBy: 36,
  overridesBytes: MAX_OVERRIDES_BYTES,
  tags: MAX_TASK_TAGS,
} as const;

/** Tag key prefix ecs-pilot reserves for its own tags. */
export const TAG_PREFIX = 'ecs-pilot:';

/** A hex SHA-256 of the JSON of `parts`: deterministic, collision-safe, and 64 ASCII characters. */
export function digest(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Hex SHA-256 of a string, as `printf %s "$text" | sha256sum` prints it. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** startedBy for an automation's tasks: `ecs-pilot/<name>` (ECS allows 36 characters). */
export function startedByFor(name: string): string {
  const value = `ecs-pilot/${name}`;
  if (value.length > RUN_TASK_LIMITS.startedBy) throw new PermanentError(`startedBy too long: ${value}`);
  return value;
}

/** Expands `{placeholder}` in one pass, so a value that itself contains `{key}` is passed through verbatim. */
export function expandTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name]! : whole,
  );
}

/** A launch spec's environment and command with their placeholders expanded. */
export function expandLaunchTemplates(
  spec: TaskSpec,
  values: Record<string, string>,
): Pick<LaunchInput, 'environment' | 'command'> {
  // No prototype: a variable named like an Object method is data, not an inherited property.
  const environment = Object.create(null) as Record<string, string>;
  for (const [name, template] of Object.entries(spec.environment)) {
    environment[name] = expandTemplate(template, values);
  }
  return { environment, command: spec.command?.map((part) => expandTemplate(part, values)) };
}

export interface LaunchInput {
  clientToken: string;
  startedBy: string;
  /** Environment for the spec's container, already expanded. */
  environment: Record<string, string>;
  command: string[] | undefined;
  /** ecs-pilot's own tags; the spec's tags are added after them and cannot replace them. */
  tags: Record<string, string>;
}

/** Builds the RunTask request for a launch spec. Same inputs, same request: the clientToken depends on it. */
export function buildRunTaskRequest(spec: TaskSpec, input: LaunchInput): RunTaskRequest {
  if (input.clientToken.length > RUN_TASK_LIMITS.clientToken || !/^[\x21-\x7e]+$/.test(input.clientToken)) {
    throw new PermanentError('clientToken must be 1-64 printable ASCII characters');
  }
  const environment = Object.keys(input.environment)
    .sort()
    .map((name) => ({ name, value: input.environment[name] ?? '' }));
  const containerOverride = {
    name: spec.container,
    environment,
    ...(input.command ? { command: input.command } : {}),
  };
  const overrides = { containerOverrides: [containerOverride], ...taskSizeOverrides(spec) };
  // ECS measures the overrides' JSON in bytes: a key of 3,000 CJK characters is 9,000 bytes.
  const overridesSize = Buffer.byteLength(JSON.stringify(overrides), 'utf8');
  if (overridesSize > RUN_TASK_LIMITS.overridesBytes) {
    throw new PermanentError(
      `overrides are ${overridesSize} bytes of JSON; ECS accepts at most ${RUN_TASK_LIMITS.overridesBytes}`,
    );
  }
  const tags = { ...spec.tags, ...input.tags };
  if (Object.keys(tags).length > RUN_TASK_LIMITS.tags) {
    throw new PermanentError(
      `the task would have ${Object.keys(tags).length} tags; ECS allows ${RUN_TASK_LIMITS.tags}`,
    );
  }
  return {
    cluster: spec.cluster,
    taskDefinition: spec.taskDefinition,
    count: 1,
    clientToken: input.clientToken,
    startedBy: input.startedBy,
    ...(spec.capacityProviderStrategy
      ? { capacityProviderStrategy: spec.capacityProviderStrategy }
      : { launchType: 'FARGATE' as const }),
    platformVersion: spec.platformVersion,
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [...spec.subnets],
        securityGroups: [...spec.securityGroups],
        assignPublicIp: spec.assignPublicIp,
      },
    },
    overrides,
    tags: Object.keys(tags)
      .sort()
      .map((key) => ({ key, value: tags[key] ?? '' })),
    enableECSManagedTags: true,
    ...secretsPlan(spec),
  };
}

/** The launch's secrets, when the spec has any (config validation requires roles.execution then). */
function secretsPlan(spec: TaskSpec): { secrets?: SecretsPlan } {
  const secrets = containerSecrets(spec.secrets ?? {});
  if (secrets.length === 0) return {};
  if (!spec.roles.execution) throw new PermanentError('secrets need roles.execution');
  return { secrets: { container: spec.container, secrets, executionRole: spec.roles.execution } };
}
