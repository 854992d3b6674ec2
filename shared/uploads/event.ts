import * as z from 'zod/mini';
import { PermanentError } from '../kernel/errors.js';
import { summarizeIssues } from '../kernel/issues.js';

/**
 * The S3 "Object Created" event as EventBridge delivers it. Only the fields ecs-pilot reads are
 * checked; AWS may add fields at any time, so unknown ones are allowed (and ignored).
 * The key is kept as it arrives; whether AWS URL-encodes it in EventBridge events is not documented,
 * so key.ts resolves keys whose raw and form-decoded readings differ.
 */
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));

const objectCreatedSchema = z.object({
  id: text(1, 256),
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  time: z.optional(text(0, 64)),
  detail: z.object({
    // Up to 255: legacy us-east-1 buckets (see bucket.ts) send events too.
    bucket: z.object({ name: text(3, 255) }),
    object: z.object({
      key: text(1, 1024),
      size: z.optional(z.int().check(z.gte(0))),
      etag: z.optional(text(0, 256)),
      // AWS sends `etag`; the moto emulator sends `eTag`. Accept both, prefer AWS's spelling.
      eTag: z.optional(text(0, 256)),
      'version-id': z.optional(text(1, 1024)),
      sequencer: z.optional(text(0, 256)),
    }),
    reason: z.optional(text(0, 256)),
  }),
});

/** One uploaded object version, as the upload automation sees it. */
export interface UploadedObject {
  eventId: string;
  bucket: string;
  key: string;
  size: number;
  etag: string;
  versionId: string | undefined;
  sequencer: string | undefined;
  reason: string | undefined;
  /** The event's time, as sent (informative only: nothing is decided on it). */
  time?: string | undefined;
  /** True when the event carried no size, and 0 stands in for it. */
  sizeMissing?: boolean;
}

/** Parses an EventBridge S3 "Object Created" event; anything else is a PermanentError naming the field. */
export function parseObjectCreated(event: unknown): UploadedObject {
  const result = objectCreatedSchema.safeParse(event);
  if (!result.success) {
    const problems = summarizeIssues(result.error.issues);
    throw new PermanentError(`not an S3 "Object Created" EventBridge event: ${problems}`);
  }
  const { id, detail, time } = result.data;
  return {
    time,
    sizeMissing: detail.object.size === undefined,
    eventId: id,
    bucket: detail.bucket.name,
    key: detail.object.key,
    size: detail.object.size ?? 0,
    etag: detail.object.etag ?? detail.object.eTag ?? '',
    versionId: detail.object['version-id'],
    sequencer: detail.object.sequencer,
    reason: detail.reason,
  };
}
