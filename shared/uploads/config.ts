import * as z from 'zod/mini';
import { automationName, taskSpecSchema, whole } from '../kernel/config.js';
import { bucketNameProblem, LEGACY_BUCKET_REGION, legacyBucketTraits } from './bucket.js';

/** Placeholders an upload trigger may use in environment values and commands. */
export const UPLOAD_PLACEHOLDERS = ['bucket', 'key', 'size', 'etag', 'versionId'] as const;

const BUCKET = 'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)';

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
  })
  .check(
    z.refine((t) => t.minSize === undefined || t.maxSize === undefined || t.minSize <= t.maxSize, {
      message: 'minSize must not be greater than maxSize',
      path: ['maxSize'],
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
