import type { UploadTrigger } from '../config/schema.js';
import {
  buildRunTaskRequest,
  digest,
  expandLaunchTemplates,
  expandTemplate,
  sha256Hex,
  startedByFor,
  TAG_PREFIX,
  type RunTaskRequest,
} from '../kernel/launch/launch.js';
import type { UploadedObject } from './event.js';

/** What the upload automation will do for one (trigger, object) pair. */
export interface UploadTaskPlan {
  trigger: string;
  /** Idempotency key: the same object version always yields the same token. */
  clientToken: string;
  request: RunTaskRequest;
  maxRunning: number | undefined;
}

/**
 * Identity of one object version for one trigger. The version id distinguishes versions in
 * versioned buckets; the sequencer distinguishes successive writes of a key in unversioned ones.
 * Both are the same on every redelivery of the same event.
 */
export function uploadClientToken(trigger: string, object: UploadedObject): string {
  return digest([
    'upload/v1',
    trigger,
    object.bucket,
    object.key,
    object.versionId ?? '',
    object.sequencer ?? object.etag,
  ]);
}

/** The values placeholders expand to. */
export function placeholderValues(object: UploadedObject): Record<string, string> {
  return {
    bucket: object.bucket,
    key: object.key,
    size: String(object.size),
    etag: object.etag,
    versionId: object.versionId ?? '',
  };
}

export { expandTemplate };

/** Plans the task one trigger starts for one object. */
export function planUploadTask(trigger: UploadTrigger, object: UploadedObject): UploadTaskPlan {
  const clientToken = uploadClientToken(trigger.name, object);
  const request = buildRunTaskRequest(trigger.task, {
    clientToken,
    startedBy: startedByFor(trigger.name),
    ...expandLaunchTemplates(trigger.task, placeholderValues(object)),
    tags: {
      [`${TAG_PREFIX}automation`]: 'uploads',
      [`${TAG_PREFIX}trigger`]: trigger.name,
      [`${TAG_PREFIX}bucket`]: object.bucket,
      [`${TAG_PREFIX}key-sha256`]: sha256Hex(object.key),
    },
  });
  return { trigger: trigger.name, clientToken, request, maxRunning: trigger.task.maxRunning };
}
