import * as z from 'zod/mini';
import { automationName, taskSpecSchema, whole } from '../kernel/config.js';
import { bucketNameProblem, LEGACY_BUCKET_REGION, legacyBucketTraits } from './bucket.js';

/** Placeholders an upload trigger may use in environment values and commands. */
export const UPLOAD_PLACEHOLDERS = ['bucket', 'key', 'size', 'etag', 'versionId'] as const;

const BUCKET = 'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)';

/**
 * Most objects in one batch: its objects are claimed in one DynamoDB transaction together with the
 * batch record, and a transaction holds at most 100 items (see batching.ts).
 */
export const MAX_BATCH_OBJECTS = 99;

/** Longest batching window Lambda's SQS event source accepts (MaximumBatchingWindowInSeconds). */
export const MAX_BATCH_WAIT_SECONDS = 300;

/** Environment variables ecs-pilot sets on a batch's task; the config may not set them itself. */
export const MANIFEST_ENV = { uri: 'ECS_PILOT_MANIFEST_URI', inline: 'ECS_PILOT_MANIFEST' } as const;

/** Placeholders that name one object: meaningless for a task that receives many. */
const PER_OBJECT_PLACEHOLDERS = /\{(key|size|etag|versionId)\}/;

const BATCH_DEFAULTS = { maxWaitSeconds: 10 };

/** Objects of one trigger that arrive together start one task with a manifest (off by default). */
const batchSchema = z.strictObject({
  /** Most objects one task receives (2-99); required. */
  maxObjects: whole(2, MAX_BATCH_OBJECTS),
  /**
   * Longest time Lambda gathers queued events before it invokes the function (0-300 s, Lambda's
   * limit); default 10. The queue is shared by all triggers, so its window is the longest of them.
   */
  maxWaitSeconds: z._default(whole(0, MAX_BATCH_WAIT_SECONDS), BATCH_DEFAULTS.maxWaitSeconds),
});

/** One upload trigger: which objects start which task. */
export const uploadTriggerSchema = z
  .strictObject({
    name: automationName,
    bucket: z.string().check(
      z.superRefine((name, ctx) => {
        const problem = bucketNameProblem(name);
        if (!problem) return;
        ctx.addIssue({ code: 'custom', message: `${BUCKET}: ${problem}`, input: name });
      }),
    ),
    /** Only keys starting with this prefix; default: every key. */
    prefix: z._default(z.string().check(z.maxLength(1024)), ''),
    /** Only keys ending with this suffix (case-sensitive); default: any. */
    suffix: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
    /** Smallest object size in bytes (inclusive); default 0. */
    minSize: z.optional(whole(0)),
    /** Largest object size in bytes (inclusive); default: no limit. */
    maxSize: z.optional(whole(0)),
    task: taskSpecSchema(UPLOAD_PLACEHOLDERS),
    /** Start one task per group of objects instead of one per object; default: off. */
    batch: z.optional(batchSchema),
  })
  .check(
    z.refine((t) => t.minSize === undefined || t.maxSize === undefined || t.minSize <= t.maxSize, {
      message: 'minSize must not be greater than maxSize',
      path: ['maxSize'],
    }),
    z.superRefine((t, ctx) => {
      if (!t.batch) return;
      for (const [name, value] of Object.entries(t.task.environment)) {
        if (Object.values(MANIFEST_ENV).includes(name as never)) {
          ctx.addIssue({
            code: 'custom',
            message: `${name} is set by ecs-pilot on a batch's task (the manifest); choose another name`,
            path: ['task', 'environment', name],
            input: value,
          });
        } else if (PER_OBJECT_PLACEHOLDERS.test(value)) {
          ctx.addIssue({
            code: 'custom',
            message: `a batch's task receives many objects: {key}, {size}, {etag} and {versionId} have no single value; read them from the manifest (${MANIFEST_ENV.uri})`,
            path: ['task', 'environment', name],
            input: value,
          });
        }
      }
      t.task.command?.forEach((part, index) => {
        if (!PER_OBJECT_PLACEHOLDERS.test(part)) return;
        ctx.addIssue({
          code: 'custom',
          message: `a batch's task receives many objects: {key}, {size}, {etag} and {versionId} have no single value; read them from the manifest (${MANIFEST_ENV.uri})`,
          path: ['task', 'command', index],
          input: part,
        });
      });
    }),
  );

export type UploadTrigger = z.infer<typeof uploadTriggerSchema>;

/**
 * A bucket only a legacy us-east-1 bucket can be named like sends its events to EventBridge in
 * us-east-1: a trigger on it in a stage deployed elsewhere could never fire, so it is refused.
 * Runs on the raw config (region and triggers may be malformed: only well-formed ones are read).
 */
export function checkLegacyBuckets(config: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  const region = typeof config.region === 'string' ? config.region : LEGACY_BUCKET_REGION;
  if (region === LEGACY_BUCKET_REGION || !Array.isArray(config.uploads)) return;
  config.uploads.forEach((trigger: unknown, index) => {
    const bucket = (trigger as { bucket?: unknown } | null)?.bucket;
    if (typeof bucket !== 'string' || bucketNameProblem(bucket)) return;
    const traits = legacyBucketTraits(bucket);
    if (!traits) return;
    ctx.addIssue({
      code: 'custom',
      message:
        `${BUCKET}: only a legacy ${LEGACY_BUCKET_REGION} bucket can have this name (${traits}), ` +
        `and S3 sends its events to EventBridge there, not in ${region}: deploy this trigger in a ${LEGACY_BUCKET_REGION} stage`,
      path: ['uploads', index, 'bucket'],
    });
  });
}
