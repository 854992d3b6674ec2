import * as z from 'zod/mini';
import { automationName, taskSpecSchema, whole } from '../kernel/config.js';
import { bucketNameProblem } from './bucket.js';

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
        // The shape rules read as before; the rules S3 adds on top are named after it.
        const shape = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name);
        ctx.addIssue({ code: 'custom', message: shape ? `${BUCKET}: ${problem}` : BUCKET, input: name });
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
