import * as z from 'zod/mini';
import { pascal } from '../kernel/naming.js';
import { whole } from '../kernel/config.js';
import { deliverySchema } from '../kernel/delivery/config.js';
import { alertsSchema } from '../alerts/config.js';
import { imagesSchema } from '../images/config.js';
import { scheduleSchema } from '../schedules/config.js';
import { checkScaledServices, scalerSchema, TICK_MAX_CONCURRENCY } from '../scaling/config.js';
import { checkLegacyBuckets, uploadTriggerSchema } from '../uploads/config.js';
import {
  alarmsSchema,
  checkKeyRegion,
  encryptionSchema,
  logRetentionSchema,
  pointInTimeRecoverySchema,
  stackTagsSchema,
} from './operations.js';

/**
 * The declarative config, one YAML file per stage: one section per automation (each in its own
 * file) and the settings they share. Every object is strict (unknown keys are errors, so a typo
 * never silently disables a setting) and every default is written once, in these schemas.
 * `npm run schema` turns them into schema/ecs-pilot.schema.json for editors; a refinement zod cannot
 * express there carries its JSON Schema equivalent beside it (`z.meta({ ... })`) where one exists.
 */

export { deliverySchema, type Delivery } from '../kernel/delivery/config.js';
export { taskSpecSchema, type TaskSpec } from '../kernel/config.js';
export { UPLOAD_PLACEHOLDERS, uploadTriggerSchema, type UploadTrigger } from '../uploads/config.js';
export { alertsSchema, NOTIFY_ON, type AlertsConfig } from '../alerts/config.js';
export { IMAGES_DEFAULTS, imagesSchema, type ImagesConfig } from '../images/config.js';
export {
  OVERLAP_POLICIES,
  SCHEDULE_PLACEHOLDERS,
  scheduleSchema,
  type ScheduleConfig,
} from '../schedules/config.js';
export { scalerSchema, type ScalerConfig } from '../scaling/config.js';

/** The functions a stage can deploy, by the name serverless.yml gives them. */
export const FUNCTIONS = {
  uploadToTask: 'uploads',
  runSchedule: 'schedules',
  stopAlert: 'alerts',
  enforceImages: 'images',
  scaleQueues: 'scalers',
} as const;

/**
 * Reserved concurrency, per function; default none. Lambda refuses a reservation that leaves less
 * than 100 unreserved in the account (new accounts often have 10 in total), so a reservation can
 * fail a deploy: opt in only where the account has room.
 */
const reservedConcurrencySchema = z.strictObject(
  Object.fromEntries(Object.keys(FUNCTIONS).map((name) => [name, z.optional(whole(1, 1000))])) as Record<
    keyof typeof FUNCTIONS,
    z.ZodMiniOptional<ReturnType<typeof whole>>
  >,
);

/**
 * A reservation for a function the config does not deploy is a mistake; one below the SQS buffer's
 * maximum concurrency makes Lambda throttle the buffer's pollers, and throttled receives count
 * towards `maxAttempts`, so events would land in the dead-letter queue unprocessed. The same holds
 * for scaleQueues' tick queue (TICK_MAX_CONCURRENCY).
 */
function checkReservedConcurrency(config: Record<string, unknown>, ctx: z.core.$RefinementCtx) {
  const reserved = config.reservedConcurrency;
  if (!reserved || typeof reserved !== 'object') return;
  const delivery = config.delivery as { maxConcurrency?: unknown } | undefined;
  const maxConcurrency = typeof delivery?.maxConcurrency === 'number' ? delivery.maxConcurrency : 2;
  for (const [name, value] of Object.entries(reserved)) {
    // Values that fail their own check are reported there.
    if (!Object.hasOwn(FUNCTIONS, name) || !Number.isInteger(value) || (value as number) < 1) continue;
    const section = FUNCTIONS[name as keyof typeof FUNCTIONS];
    const present = config[section];
    if (present === undefined || (Array.isArray(present) && present.length === 0)) {
      ctx.addIssue({
        code: 'custom',
        message: `the ${name} function is not deployed (${section} is not configured)`,
        path: ['reservedConcurrency', name],
      });
    } else if (['uploadToTask', 'runSchedule', 'stopAlert'].includes(name) && value < maxConcurrency) {
      ctx.addIssue({
        code: 'custom',
        message: `${value} is below delivery.maxConcurrency (${maxConcurrency}): Lambda would throttle the queue's pollers and events would land in the dead-letter queue`,
        path: ['reservedConcurrency', name],
      });
    } else if (name === 'scaleQueues' && value < TICK_MAX_CONCURRENCY) {
      ctx.addIssue({
        code: 'custom',
        message: `${value} is below the tick queue's maximum concurrency (${TICK_MAX_CONCURRENCY}): Lambda would throttle the evaluation ticks and they would land in the dead-letter queue`,
        path: ['reservedConcurrency', name],
      });
    }
  }
}

/** Sections whose names become resource names and `startedBy` values: unique across all of them. */
const NAMED_SECTIONS = ['uploads', 'schedules', 'scalers'] as const;

/** Reports names that collide once turned into resource names (`video4k` and `video-4k`) or repeat. */
function checkUniqueNames(config: Record<string, unknown>, ctx: z.core.$RefinementCtx) {
  // Runs even when other fields are invalid (so `validate` reports everything at once): the
  // input may be malformed here, so only well-formed names are compared.
  const seen = new Map<string, { name: string; where: string }>();
  const sectionList = `${NAMED_SECTIONS.slice(0, -1).join(', ')} and ${NAMED_SECTIONS.at(-1)}`;
  for (const section of NAMED_SECTIONS) {
    const items: unknown[] = Array.isArray(config[section]) ? (config[section] as unknown[]) : [];
    items.forEach((item, index) => {
      const name =
        item && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string'
          ? (item as { name: string }).name
          : undefined;
      if (name === undefined) return;
      const where = `${section}[${index}].name`;
      const first = seen.get(pascal(name));
      if (!first) {
        seen.set(pascal(name), { name, where });
        return;
      }
      ctx.addIssue({
        code: 'custom',
        message:
          first.name === name
            ? `duplicate name "${name}" (also ${first.where}); names must be unique across ${sectionList}`
            : `name "${name}" differs from "${first.name}" (${first.where}) only by hyphens, ` +
              'so both would get the same resource names; rename one',
        path: [section, index, 'name'],
      });
    });
  }
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
    /** Fargate tasks on a schedule; default none. */
    schedules: z._default(z.array(scheduleSchema), []),
    /** Stop alerts by email; default off. */
    alerts: z.optional(alertsSchema),
    /** Image hygiene: ECR lifecycle policies enforced without deleting images in use; default off. */
    images: z.optional(imagesSchema),
    /** ECS services whose desired count follows an SQS queue; default none. */
    scalers: z._default(z.array(scalerSchema), []),
    reservedConcurrency: z.optional(reservedConcurrencySchema),
    /** Alarms on dead-letter queues, function errors and throttles, and scaling errors; default on. */
    alarms: alarmsSchema,
    /** Days the functions' logs are kept (a CloudWatch Logs retention period); default 30. */
    logRetentionDays: logRetentionSchema,
    /** Tags on the stack and every taggable resource in it; default none. */
    tags: stackTagsSchema,
    /** A customer managed KMS key for everything at rest: `kms` (the stack creates one) or `{ kmsKeyArn }`; default none. */
    encryption: encryptionSchema,
    /** Point-in-time recovery on the DynamoDB state tables; default true. */
    pointInTimeRecovery: pointInTimeRecoverySchema,
  })
  .check(z.superRefine(checkUniqueNames, { when: () => true }))
  .check(z.superRefine(checkScaledServices, { when: () => true }))
  .check(z.superRefine(checkReservedConcurrency, { when: () => true }))
  .check(z.superRefine(checkLegacyBuckets, { when: () => true }))
  .check(z.superRefine(checkKeyRegion, { when: () => true }));

export type Config = z.infer<typeof configSchema>;
