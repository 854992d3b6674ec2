import * as z from 'zod';
import { PermanentError } from '../errors.js';
import { formatPath } from '../config/load.js';

/**
 * The S3 "Object Created" event as EventBridge delivers it. Only the fields ecs-pilot reads are
 * checked; AWS may add fields at any time, so unknown ones are allowed (and ignored).
 * The key is used exactly as it arrives: unlike the legacy S3 notification format, EventBridge
 * does not URL-encode it.
 */
const objectCreatedSchema = z.object({
  id: z.string().min(1).max(256),
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  time: z.string().max(64).optional(),
  detail: z.object({
    bucket: z.object({ name: z.string().min(3).max(63) }),
    object: z.object({
      key: z.string().min(1).max(1024),
      size: z.number().int().nonnegative().optional(),
      etag: z.string().max(256).optional(),
      // AWS sends `etag`; the moto emulator sends `eTag`. Accept both, prefer AWS's spelling.
      eTag: z.string().max(256).optional(),
      'version-id': z.string().min(1).max(1024).optional(),
      sequencer: z.string().max(256).optional(),
    }),
    reason: z.string().max(256).optional(),
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
}

/** Parses an EventBridge S3 "Object Created" event; anything else is a PermanentError naming the field. */
export function parseObjectCreated(event: unknown): UploadedObject {
  const result = objectCreatedSchema.safeParse(event);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 5)
      .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
      .join('; ');
    throw new PermanentError(`not an S3 "Object Created" EventBridge event: ${problems}`);
  }
  const { id, detail } = result.data;
  return {
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
