// zod/mini rather than classic zod: the same validation and messages, but schemas are plain data
// instead of objects carrying dozens of methods, which halves the functions' cold start spent here
// (measured: 14 vs 35 ms to define the schema and parse a config; see README, "Performance").
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { pascal } from '../naming.js';

// English messages for zod's built-in checks (zod/mini loads no locale by itself).
z.config(en());

/**
 * The declarative config, one YAML file per stage. Every object is strict (unknown keys are errors,
 * so a typo never silently disables a setting) and every default is written here, once.
 */

/** Placeholders an upload trigger may use in environment values and commands. */
export const UPLOAD_PLACEHOLDERS = ['bucket', 'key', 'size', 'etag', 'versionId'] as const;

// Trigger names end up in resource names, startedBy (36 chars with our prefix) and tag values.
const automationName = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/,
      'a name of 1-24 lower-case letters, digits and inner hyphens (it becomes part of resource names)',
    ),
  );

const nonEmpty = z.string().check(z.minLength(1, 'a non-empty string'));

/** A whole number in [min, max]. */
const whole = (min: number, max?: number) =>
  max === undefined ? z.int().check(z.gte(min)) : z.int().check(z.gte(min), z.lte(max));

const templateString = z.string().check(
  z.maxLength(4096, 'at most 4096 characters'),
  z.superRefine((value: string, ctx) => {
    for (const match of value.matchAll(/\{([^{}]*)\}/g)) {
      const placeholder = match[1] ?? '';
      if (!(UPLOAD_PLACEHOLDERS as readonly string[]).includes(placeholder)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder {${placeholder}}; expected one of ${UPLOAD_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
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
export const taskSpecSchema = z
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
    capacityProviderStrategy: z.optional(z.array(capacityProviderItem).check(z.minLength(1), z.maxLength(6))),
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
        templateString,
      ),
      {},
    ),
    /** Command override for `container`; values may use placeholders. Default: the image's command. */
    command: z.optional(z.array(templateString).check(z.minLength(1))),
    /**
     * Roles named in the task definition, which ecs-pilot may pass to ECS (iam:PassRole).
     * Both are required when the task definition has them; default none.
     */
    roles: z._default(z.strictObject({ task: z.optional(iamRole), execution: z.optional(iamRole) }), {}),
    /** Extra tags on every task started; default none. */
    tags: z._default(
      z.record(
        z.string().check(
          z.regex(
            /^[\p{L}\p{N} +\-=._:/@]{1,128}$/u,
            'a tag key of 1-128 letters, digits, spaces and + - = . _ : / @',
          ),
          z.refine(
            (key: string) => !/^(aws|ecs-pilot):/i.test(key),
            'a tag key not starting with aws: or ecs-pilot: (reserved)',
          ),
        ),
        z
          .string()
          .check(
            z.regex(
              /^[\p{L}\p{N} +\-=._:/@]{0,256}$/u,
              'a tag value of at most 256 letters, digits, spaces and + - = . _ : / @',
            ),
          ),
      ),
      {},
    ),
    /** Cap on concurrently running tasks started by this automation; default: no cap. */
    maxRunning: z.optional(whole(1, 10000)),
  })
  .check(
    z.refine((spec) => !(spec.launchType && spec.capacityProviderStrategy), {
      message: 'give either launchType or capacityProviderStrategy, not both',
      path: ['capacityProviderStrategy'],
    }),
  );

export const uploadTriggerSchema = z
  .strictObject({
    name: automationName,
    bucket: z
      .string()
      .check(
        z.regex(
          /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
          'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)',
        ),
      ),
    /** Only keys starting with this prefix; default: every key. */
    prefix: z._default(z.string().check(z.maxLength(1024)), ''),
    /** Only keys ending with this suffix (case-sensitive); default: any. */
    suffix: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
    /** Smallest object size in bytes (inclusive); default 0. */
    minSize: z.optional(whole(0)),
    /** Largest object size in bytes (inclusive); default: no limit. */
    maxSize: z.optional(whole(0)),
    task: taskSpecSchema,
  })
  .check(
    z.refine((t) => t.minSize === undefined || t.maxSize === undefined || t.minSize <= t.maxSize, {
      message: 'minSize must not be greater than maxSize',
      path: ['maxSize'],
    }),
  );

const DELIVERY_DEFAULTS = { maxConcurrency: 2, batchSize: 10, maxAttempts: 8, retryBaseSeconds: 10 };

/** How events reach the functions: the SQS buffer between EventBridge and Lambda. */
export const deliverySchema = z._default(
  z.strictObject({
    /** Concurrent function invocations draining the queue (2-1000); default 2, about 10 RunTask/s. */
    maxConcurrency: z._default(whole(2, 1000), DELIVERY_DEFAULTS.maxConcurrency),
    /** Messages per invocation (1-100); default 10. */
    batchSize: z._default(whole(1, 100), DELIVERY_DEFAULTS.batchSize),
    /** Attempts per event before it lands in the dead-letter queue (1-50); default 8. */
    maxAttempts: z._default(whole(1, 50), DELIVERY_DEFAULTS.maxAttempts),
    /** First retry delay in seconds; later retries double it, with jitter, up to 900 s. Default 10. */
    retryBaseSeconds: z._default(whole(1, 900), DELIVERY_DEFAULTS.retryBaseSeconds),
  }),
  DELIVERY_DEFAULTS,
);

/** Reports names that collide once turned into resource names (`video4k` and `video-4k`). */
function checkUniqueNames(config: { uploads?: unknown }, ctx: z.core.$RefinementCtx) {
  // Runs even when other fields are invalid (so `validate` reports everything at once): the
  // input may be malformed here, so only well-formed names are compared.
  const uploads: unknown[] = Array.isArray(config.uploads) ? config.uploads : [];
  const names = uploads.map((u) =>
    u && typeof u === 'object' && typeof (u as { name?: unknown }).name === 'string'
      ? (u as { name: string }).name
      : undefined,
  );
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    if (name === undefined) return;
    const first = seen.get(pascal(name));
    if (first === undefined) {
      seen.set(pascal(name), index);
      return;
    }
    const other = names[first]!;
    ctx.addIssue({
      code: 'custom',
      message:
        other === name
          ? `duplicate name "${name}" (also uploads[${first}].name); names must be unique`
          : `name "${name}" differs from "${other}" (uploads[${first}].name) only by hyphens, ` +
            'so both would get the same resource names; rename one',
      path: ['uploads', index, 'name'],
    });
  });
}

export const configSchema = z
  .strictObject({
    /** Region to deploy to; default us-east-1. */
    region: z._default(
      z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region like eu-west-1')),
      'us-east-1',
    ),
    /** Log level of every function; default INFO. */
    logLevel: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
    delivery: deliverySchema,
    /** Uploads that start tasks; default none. */
    uploads: z._default(z.array(uploadTriggerSchema), []),
  })
  .check(z.superRefine(checkUniqueNames, { when: () => true }));

export type Config = z.infer<typeof configSchema>;
export type TaskSpec = z.infer<typeof taskSpecSchema>;
export type UploadTrigger = z.infer<typeof uploadTriggerSchema>;
export type Delivery = z.infer<typeof deliverySchema>;
