import type { UploadTrigger } from '../config/schema.js';
import {
  buildRunTaskRequest,
  digest,
  expandLaunchTemplates,
  RUN_TASK_LIMITS,
  startedByFor,
  TAG_PREFIX,
} from '../kernel/launch/launch.js';
import { MANIFEST_ENV } from './config.js';
import type { UploadedObject } from './event.js';
import { uploadClientToken, type UploadTaskPlan } from './plan.js';

/**
 * Batching: objects of one trigger that arrive in one delivered SQS batch start one task, whose
 * manifest lists them. Pure: the claims, the manifest object and the launch are adapters' work.
 *
 * Exactly-once placement rests on per-object claims, never on a per-batch token (SQS regroups
 * messages on every redelivery, so a batch is not a stable identity; an object is):
 *
 *   object claim  `uploads/claim/<object token>` (the token the one-object path uses as clientToken)
 *     ABSENT ──claim(B)──► CLAIMED(B)        never changes again; expires with its batch record (7 days)
 *
 *   batch record  `uploads/batch/<B>`, B = hash of trigger and the sorted object tokens
 *     ABSENT ──claim(B)──► RECORDED(objects) ──launch──► STARTED (the launcher's idempotency record,
 *                                                        keyed by B, which is also the RunTask clientToken)
 *
 * `claim(B)` is ONE DynamoDB transaction: every object's claim (condition: absent, or already B's)
 * plus B's record. So B's record exists exactly when all of B's objects are B's, and an object
 * belongs to one batch for good. Launching B is idempotent (same objects → same request → same
 * clientToken), so whoever meets B's claim next can finish B ("roll it forward"):
 *
 * - crash after the claim, before RunTask: the next delivery of any of B's objects, in any grouping,
 *   meets the claim, reads B's record and starts B; a new grouping never claims B's objects again.
 * - crash after RunTask, before the idempotency record is saved: B is launched again with the same
 *   clientToken, and ECS returns the task it started (within its ~24 h token window).
 * - the same objects redelivered in another grouping: their claims name B; B's launcher record says
 *   started → `duplicate`, no second task. Objects not yet claimed form a new batch of their own.
 * - ConflictException (B's token used with other parameters: the trigger's config changed between
 *   attempts): no second task; B's messages go to the dead-letter queue with that reason.
 * - a failed start: B's messages come back for retry; B stays claimed, so the retry (or a DLQ
 *   redrive, in whatever grouping) starts exactly B.
 * - a claim whose batch record is gone (both expire after 7 days): the object was placed long ago,
 *   a duplicate.
 *
 * Why claims have no lease that expires: after a crash nobody can tell whether B's RunTask went out
 * (a crash between RunTask and its answer), so letting another batch take B's objects once a lease
 * ran out could start them twice. Rolling B forward never needs to know: its clientToken makes the
 * second RunTask harmless. The window that remains is the one the one-object path has too: a batch
 * whose RunTask went out, whose launcher record was never completed, and which is retried more than
 * ECS's ~24 h token window later (a late DLQ redrive) can start a second task.
 */

/** One object of a batch, as its manifest lists it. */
export interface ManifestObject {
  bucket: string;
  key: string;
  /** The version id, or null in an unversioned bucket. */
  versionId: string | null;
  size: number;
  etag: string;
}

/** The manifest a batch's task reads (format version 1). */
export interface Manifest {
  version: 1;
  trigger: string;
  batch: string;
  objects: ManifestObject[];
}

/** An object of a batch with the token that identifies it (its claim key). */
export interface BatchMember {
  token: string;
  object: ManifestObject;
}

/** What the batch record keeps: enough to rebuild the batch's request from the config alone. */
export interface BatchRecord {
  id: string;
  trigger: string;
  members: BatchMember[];
}

/** Manifest objects live under this prefix of the stack's manifest bucket. */
export const MANIFEST_PREFIX = 'manifests/';

/** An object's identity in a manifest. */
export function manifestObject(object: UploadedObject): ManifestObject {
  return {
    bucket: object.bucket,
    key: object.key,
    versionId: object.versionId ?? null,
    size: object.size,
    etag: object.etag,
  };
}

/** A trigger's claim on an object: keyed by the one-object path's token for it. */
export function batchMember(trigger: string, object: UploadedObject): BatchMember {
  return { token: uploadClientToken(trigger, object), object: manifestObject(object) };
}

/** The batch's id and RunTask clientToken: the same set of objects, the same id, in any order. */
export function batchId(trigger: string, tokens: readonly string[]): string {
  return digest(['upload-batch/v1', trigger, ...[...new Set(tokens)].sort()]);
}

/** Members by token, each once, in token order (so grouping is deterministic). */
export function uniqueMembers(members: readonly BatchMember[]): BatchMember[] {
  const byToken = new Map(members.map((m) => [m.token, m]));
  return [...byToken.keys()].sort().map((token) => byToken.get(token)!);
}

/**
 * Most bytes of members JSON in one batch record: a DynamoDB item holds 400 KB. Keys are at most
 * 1,024 bytes, but JSON escapes a control character as 6 bytes, so a batch of long odd keys is cut
 * short of `maxObjects` (about 48 objects in the worst case); usual keys never come near it.
 */
export const MAX_RECORD_MEMBERS_BYTES = 300_000;

/** The bytes a member adds to its batch record. */
export const memberBytes = (member: BatchMember) => Buffer.byteLength(JSON.stringify(member), 'utf8') + 1;

/**
 * The next batch to claim: the first pending members, at most `maxObjects` of them and at most
 * MAX_RECORD_MEMBERS_BYTES of record, at least one.
 */
export function nextBatch(trigger: string, pending: readonly BatchMember[], maxObjects: number): BatchRecord {
  const members: BatchMember[] = [];
  let bytes = 0;
  for (const member of pending) {
    if (members.length >= maxObjects) break;
    bytes += memberBytes(member);
    if (members.length > 0 && bytes > MAX_RECORD_MEMBERS_BYTES) break;
    members.push(member);
  }
  return {
    id: batchId(
      trigger,
      members.map((m) => m.token),
    ),
    trigger,
    members,
  };
}

/** Where a batch's manifest is stored. */
export function manifestKey(trigger: string, batch: string): string {
  return `${MANIFEST_PREFIX}${trigger}/${batch}.json`;
}

/** The manifest of a batch, objects in token order: no timestamps, so every retry writes the same bytes. */
export function buildManifest(record: BatchRecord): Manifest {
  return {
    version: 1,
    trigger: record.trigger,
    batch: record.id,
    objects: uniqueMembers(record.members).map((m) => m.object),
  };
}

/**
 * Plans the one task of a batch. The environment gets the manifest's URI always, and the manifest
 * itself inline when the overrides stay within ECS's 8,192 bytes with it. Deterministic: a
 * retry of the same batch sends the same request, as its clientToken requires.
 */
export function planUploadBatch(
  trigger: UploadTrigger,
  record: BatchRecord,
  manifestBucket: string,
): UploadTaskPlan & { manifest: Manifest; manifestKey: string; inline: boolean } {
  const manifest = buildManifest(record);
  const key = manifestKey(trigger.name, record.id);
  const base = expandLaunchTemplates(trigger.task, { bucket: trigger.bucket });
  const input = (environment: Record<string, string>) => ({
    clientToken: record.id,
    startedBy: startedByFor(trigger.name),
    command: base.command,
    environment,
    tags: {
      [`${TAG_PREFIX}automation`]: 'uploads',
      [`${TAG_PREFIX}trigger`]: trigger.name,
      [`${TAG_PREFIX}bucket`]: trigger.bucket,
      [`${TAG_PREFIX}batch`]: record.id,
    },
  });
  const withUri: Record<string, string> = {
    ...base.environment,
    [MANIFEST_ENV.uri]: `s3://${manifestBucket}/${key}`,
  };
  const withInline: Record<string, string> = { ...withUri, [MANIFEST_ENV.inline]: JSON.stringify(manifest) };
  const uriOnly = buildRunTaskRequest(trigger.task, input(withUri));
  const inlinedOverrides = structuredClone(uriOnly.overrides);
  inlinedOverrides.containerOverrides[0]!.environment = Object.keys(withInline)
    .sort()
    .map((name) => ({ name, value: withInline[name]! }));
  const fits = Buffer.byteLength(JSON.stringify(inlinedOverrides), 'utf8') <= RUN_TASK_LIMITS.overridesBytes;
  const request = fits ? buildRunTaskRequest(trigger.task, input(withInline)) : uriOnly;
  return {
    trigger: trigger.name,
    clientToken: record.id,
    request,
    maxRunning: trigger.task.maxRunning,
    manifest,
    manifestKey: key,
    inline: fits,
  };
}

/**
 * How a failed batch start reaches its messages. They share one fate: when any of them is on its
 * last attempt, all of them go to the dead-letter queue together (a retry would otherwise restart
 * the batch, dead-lettered members included). Throttling and caps never spend attempts.
 */
export function batchFailureFate(
  error: { kind: 'retryable' | 'deferred' | 'permanent' },
  attempts: readonly number[],
  maxAttempts: number,
): 'retry' | 'defer' | 'give-up' | 'permanent' {
  if (error.kind === 'permanent') return 'permanent';
  if (error.kind === 'deferred') return 'defer';
  return Math.max(0, ...attempts) >= maxAttempts ? 'give-up' : 'retry';
}
