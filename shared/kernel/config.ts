// zod/mini rather than classic zod: the same validation and messages, but schemas are plain data
// instead of objects carrying dozens of methods, which halves the functions' cold start spent here
// (measured: 14 vs 35 ms to define the schema and parse a config; see README, "Performance").
import * as z from 'zod/mini';
// English messages for zod's built-in checks: loaded once, with the issue formatting.
import './issues.js';
import { fargateSizeProblem, LARGE_CPU_MIN, platformRunsLargeTasks } from './fargate.js';
import { secretsSchema } from './secrets.js';

/** Building blocks shared by every automation's config section, and the launch spec of a task. */

// Automation names end up in resource names, startedBy (36 chars with our prefix) and tag values.
export const automationName = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/,
      'a name of 1-24 lower-case letters, digits and inner hyphens (it becomes part of resource names)',
    ),
  );

export const nonEmpty = z.string().check(z.minLength(1, 'a non-empty string'));

/**
 * A cluster by name or ARN. Checked, not just non-empty: cluster names end up in EventBridge patterns
 * (`:cluster/<name>`), IAM conditions and resource ARNs.
 */
export const clusterRef = z
  .string()
  .check(
    z.regex(
      /^([A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255})$/,
      'a cluster name (letters, digits, - and _) or cluster ARN',
    ),
  );

/** A whole number in [min, max]. */
/** AWS's tag rules (shared by ECS, CloudFormation and the rest): keys 1-128, values 0-256 characters. */
export const tagKeyCharacters = z.regex(
  /^[\p{L}\p{N} +\-=._:/@]{1,128}$/u,
  'a tag key of 1-128 letters, digits, spaces and + - = . _ : / @',
);
export const tagValue = z
  .string()
  .check(
    z.regex(
      /^[\p{L}\p{N} +\-=._:/@]{0,256}$/u,
      'a tag value of at most 256 letters, digits, spaces and + - = . _ : / @',
    ),
  );

export const whole = (min: number, max?: number) =>
  max === undefined ? z.int().check(z.gte(min)) : z.int().check(z.gte(min), z.lte(max));

/** A string that may use `{placeholder}`s from `placeholders` (anything else is an error). */
export const templateString = (placeholders: readonly string[]) =>
  z.string().check(
    z.maxLength(4096, 'at most 4096 characters'),
    z.superRefine((value: string, ctx) => {
      for (const match of value.matchAll(/\{([^{}]*)\}/g)) {
        const placeholder = match[1] ?? '';
        if (!placeholders.includes(placeholder)) {
          ctx.addIssue({
            code: 'custom',
            message:
              placeholders.length > 0
                ? `unknown placeholder {${placeholder}}; expected one of ${placeholders.map((p) => `{${p}}`).join(', ')}`
                : `unknown placeholder {${placeholder}}; this automation has no placeholders`,
          });
        }
      }
    }),
  );

const capacityProviderItem = z.strictObject({
  capacityProvider: nonEmpty,
  /** Relative share of tasks; default 1. */
  weight: z._default(whole(0, 1000), 1),
  /** Tasks placed on this provider first; default 0. */
  base: z._default(whole(0, 100000), 0),
});

const iamRole = z
  .string()
  .check(
    z.regex(
      /^(arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+|[\w+=,.@-]{1,64})$/,
      'an IAM role name or role ARN',
    ),
  );

/** How a Fargate task is launched; shared by every automation that starts tasks. */
export const taskSpecSchema = (placeholders: readonly string[]) =>
  z
    .strictObject({
      /** Cluster name or ARN. */
      cluster: nonEmpty,
      /** Task definition family, family:revision, or ARN. Without a revision the latest ACTIVE one runs. */
      taskDefinition: z
        .string()
        .check(
          z.regex(
            /^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}(:\d+)?|[A-Za-z0-9_-]{1,255}(:\d+)?)$/,
            'a task definition family, family:revision or task definition ARN',
          ),
        ),
      /** The container that receives the environment and command overrides. */
      container: nonEmpty,
      subnets: z
        .array(z.string().check(z.regex(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id like subnet-0123abcd')))
        .check(z.minLength(1, 'at least one subnet'), z.maxLength(16, 'at most 16 subnets')),
      securityGroups: z
        .array(z.string().check(z.regex(/^sg-[0-9a-f]{8,17}$/, 'a security group id like sg-0123abcd')))
        .check(z.minLength(1, 'at least one security group'), z.maxLength(5, 'at most 5 security groups')),
      /** ENABLED gives the task a public IP (needed in public subnets without NAT); default DISABLED. */
      assignPublicIp: z._default(z.enum(['ENABLED', 'DISABLED']), 'DISABLED'),
      /** FARGATE (the default when no capacityProviderStrategy is given). */
      launchType: z.optional(z.literal('FARGATE')),
      capacityProviderStrategy: z.optional(
        z.array(capacityProviderItem).check(z.minLength(1), z.maxLength(6)),
      ),
      /** Fargate platform version; default LATEST. */
      platformVersion: z._default(z.string(), 'LATEST'),
      /** Environment overrides for `container`; values may use placeholders. Default none. */
      environment: z._default(
        z.record(
          z
            .string()
            .check(
              z.regex(
                /^[A-Za-z_][A-Za-z0-9_]{0,254}$/,
                'a variable name of letters, digits and _ (not starting with a digit)',
              ),
            ),
          templateString(placeholders),
        ),
        {},
      ),
      /**
       * Variables for `container` that ECS reads at task start from SSM Parameter Store or Secrets
       * Manager with the execution role (`roles.execution`, which the stack grants read access to
       * exactly these); ecs-pilot runs a derived revision of the task definition that carries them.
       * Default none.
       */
      secrets: z.optional(secretsSchema),
      /** Command override for `container`; values may use placeholders. Default: the image's command. */
      command: z.optional(z.array(templateString(placeholders)).check(z.minLength(1))),
      /**
       * Roles named in the task definition, which ecs-pilot may pass to ECS (iam:PassRole).
       * Both are required when the task definition has them; default none.
       */
      roles: z._default(z.strictObject({ task: z.optional(iamRole), execution: z.optional(iamRole) }), {}),
      /** Extra tags on every task started; default none. */
      tags: z._default(
        z
          .record(
            z.string().check(
              tagKeyCharacters,
              z.refine(
                (key: string) => !/^(aws|ecs-pilot):/i.test(key),
                'a tag key not starting with aws: or ecs-pilot: (reserved)',
              ),
              z.meta({ not: { pattern: '^([aA][wW][sS]|[eE][cC][sS]-[pP][iI][lL][oO][tT]):' } }),
            ),
            tagValue,
          )
          .check(
            z.refine((tags) => Object.keys(tags).length <= MAX_TASK_TAGS - OWN_TAGS_MAX, {
              message: `at most ${MAX_TASK_TAGS - OWN_TAGS_MAX} tags (ECS allows ${MAX_TASK_TAGS} per task, and ecs-pilot adds up to ${OWN_TAGS_MAX} of its own)`,
            }),
            z.meta({ maxProperties: MAX_TASK_TAGS - OWN_TAGS_MAX }),
          ),
        {},
      ),
      /**
       * Task-level CPU units (1024 = 1 vCPU) and memory in MiB for this trigger or schedule, replacing
       * the task definition's; given together, as a pair Fargate offers. Default: the task definition's.
       */
      cpu: z.optional(z.int()),
      memory: z.optional(z.int()),
      /** Cap on concurrently running tasks started by this automation; default: no cap. */
      maxRunning: z.optional(whole(1, 10000)),
    })
    .check(
      z.refine((spec) => !(spec.launchType && spec.capacityProviderStrategy), {
        message: 'give either launchType or capacityProviderStrategy, not both',
        path: ['capacityProviderStrategy'],
      }),
      z.superRefine((spec, ctx) => {
        for (const problem of sizeProblems(spec)) ctx.addIssue({ code: 'custom', ...problem });
      }),
      z.superRefine((spec, ctx) => {
        const names = Object.keys(spec.secrets ?? {});
        if (names.length === 0) return;
        if (spec.roles.execution === undefined) {
          ctx.addIssue({
            code: 'custom',
            message:
              'required with secrets: ECS reads them with the task execution role, and the stack grants that role access to them',
            path: ['roles', 'execution'],
          });
        }
        for (const name of names.filter((n) => Object.hasOwn(spec.environment, n))) {
          ctx.addIssue({
            code: 'custom',
            message: `${name} is in environment too; give each variable one source`,
            path: ['secrets', name],
          });
        }
      }),
      z.superRefine((spec, ctx) => {
        const size = staticOverridesBytes(spec);
        if (size > MAX_OVERRIDES_BYTES) {
          ctx.addIssue({
            code: 'custom',
            message: `environment, command, cpu and memory are ${size} bytes of overrides JSON before any placeholder is filled; ECS accepts at most ${MAX_OVERRIDES_BYTES}`,
            path: ['environment'],
          });
        }
      }),
      // The two cross-field rules above that the config's JSON Schema (draft-07) can state too.
      z.meta({
        not: { required: ['launchType', 'capacityProviderStrategy'] },
        dependencies: { cpu: ['memory'], memory: ['cpu'] },
      }),
    );

/** What is wrong with a spec's cpu/memory override, each problem at the field to change. */
function sizeProblems(spec: {
  cpu?: number | undefined;
  memory?: number | undefined;
  platformVersion: string;
}): { message: string; path: string[] }[] {
  const { cpu, memory } = spec;
  if (cpu === undefined && memory === undefined) return [];
  // One alone would be judged against the task definition's other value, which is unknown here.
  if (cpu === undefined) return [{ message: 'required with memory (give both, or neither)', path: ['cpu'] }];
  if (memory === undefined)
    return [{ message: 'required with cpu (give both, or neither)', path: ['memory'] }];
  const problem = fargateSizeProblem(cpu, memory);
  if (problem) return [{ message: problem.message, path: [problem.field] }];
  if (cpu >= LARGE_CPU_MIN && !platformRunsLargeTasks(spec.platformVersion)) {
    return [
      {
        message: `cpu ${cpu} needs Fargate platform version 1.4.0 or later (or LATEST); got ${spec.platformVersion}`,
        path: ['platformVersion'],
      },
    ];
  }
  return [];
}

/** ECS's limits on a task, checked in the config and again on each RunTask request. */
export const MAX_TASK_TAGS = 50;
export const MAX_OVERRIDES_BYTES = 8192;
/**
 * Tags ecs-pilot adds to a task itself (uploads adds 4, schedules 3): the config's own tags may use
 * the rest of ECS's 50 per task. `aws:` tags, such as ECS managed tags, do not count.
 */
export const OWN_TAGS_MAX = 5;

/**
 * The bytes (ECS counts UTF-8 bytes, not characters) of a spec's container overrides with every
 * placeholder left empty: a floor on what any launch sends, so over the limit here means every
 * launch would fail.
 */
function staticOverridesBytes(spec: {
  container: string;
  environment: Record<string, string>;
  command?: string[] | undefined;
  cpu?: number | undefined;
  memory?: number | undefined;
}): number {
  const bare = (text: string) => text.replace(/\{[A-Za-z]+\}/g, '');
  const overrides = {
    ...taskSizeOverrides(spec),
    containerOverrides: [
      {
        name: spec.container,
        environment: Object.entries(spec.environment).map(([name, value]) => ({ name, value: bare(value) })),
        ...(spec.command ? { command: spec.command.map(bare) } : {}),
      },
    ],
  };
  return Buffer.byteLength(JSON.stringify(overrides), 'utf8');
}

/** RunTask's task-level size overrides (strings, as the API takes them), or nothing when the spec has none. */
export function taskSizeOverrides(spec: { cpu?: number | undefined; memory?: number | undefined }): {
  cpu?: string;
  memory?: string;
} {
  return {
    ...(spec.cpu === undefined ? {} : { cpu: String(spec.cpu) }),
    ...(spec.memory === undefined ? {} : { memory: String(spec.memory) }),
  };
}

export type TaskSpec = z.infer<ReturnType<typeof taskSpecSchema>>;
