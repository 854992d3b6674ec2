import type { UploadTrigger } from '../config/schema.js';
import { PermanentError, RetryableError } from '../kernel/errors.js';
import type { LaunchResult } from '../kernel/launch/aws/launcher.js';
import type { RunTaskRequest } from '../kernel/launch/launch.js';
import { nextBatch, planUploadBatch, uniqueMembers, type BatchMember, type BatchRecord } from './batching.js';

/** How one claim transaction ended (see the state machine in batching.ts). */
export type ClaimResult =
  | { outcome: 'claimed' }
  /** Some objects already belong to other batches: object token → that batch's id. */
  | { outcome: 'held'; heldBy: Map<string, string> }
  /** Another invocation's transaction touched the same objects at the same moment. */
  | { outcome: 'contended' };

/** The per-object claims and batch records (DynamoDB: aws/claims.ts). */
export interface ClaimStore {
  /** Claims all of the record's objects for it, and stores the record: all or nothing. */
  claim(record: BatchRecord): Promise<ClaimResult>;
  /** A batch's record; undefined once it has expired. */
  read(id: string): Promise<BatchRecord | undefined>;
}

/** Stores a batch's manifest where its task reads it (S3: aws/manifests.ts). */
export interface ManifestStore {
  readonly bucket: string;
  write(key: string, body: string): Promise<void>;
}

/** Where each object of one trigger's group went. */
export interface Placement {
  /** Object token → the batch it belongs to (claimed now, or earlier by another grouping). */
  batchOf: Map<string, string>;
  /** The records of batches claimed now (others are read back when launched). */
  claimed: Map<string, BatchRecord>;
  /** Object token → why it could not be claimed now (it comes back for a retry). */
  failed: Map<string, Error>;
}

/**
 * Claims the trigger's objects in batches of at most `maxObjects`: the first `maxObjects` pending
 * objects are claimed together; an object some other batch already holds joins that batch instead
 * and the rest are tried again without it. Each round settles at least one object, so it ends.
 */
export async function claimObjects(
  trigger: string,
  members: readonly BatchMember[],
  maxObjects: number,
  store: ClaimStore,
): Promise<Placement> {
  const placement: Placement = { batchOf: new Map(), claimed: new Map(), failed: new Map() };
  let pending = uniqueMembers(members);
  while (pending.length > 0) {
    const record = nextBatch(trigger, pending, maxObjects);
    let result: ClaimResult;
    try {
      result = await store.claim(record);
    } catch (error) {
      for (const m of record.members) placement.failed.set(m.token, error as Error);
      pending = pending.slice(record.members.length);
      continue;
    }
    if (result.outcome === 'claimed') {
      placement.claimed.set(record.id, record);
      for (const m of record.members) placement.batchOf.set(m.token, record.id);
      pending = pending.slice(record.members.length);
    } else if (result.outcome === 'held' && result.heldBy.size > 0) {
      for (const [token, batch] of result.heldBy) placement.batchOf.set(token, batch);
      pending = pending.filter((m) => !result.heldBy.has(m.token));
    } else {
      const error = new RetryableError('another invocation is claiming some of these objects right now');
      for (const m of record.members) placement.failed.set(m.token, error);
      pending = pending.slice(record.members.length);
    }
  }
  return placement;
}

/** A batch's task, started now or found started before. */
export interface BatchLaunch extends LaunchResult {
  batch: string;
  objects: number;
  manifestUri: string;
  inline: boolean;
}

export interface BatchLaunchDeps {
  store: ClaimStore;
  manifests: ManifestStore;
  launcher: { start(request: RunTaskRequest, maxRunning: number | undefined): Promise<LaunchResult> };
}

/**
 * Starts batch `id` (claimed now, or rolled forward from its record): writes its manifest, then
 * starts its one task through the launcher, whose idempotency record and clientToken are the batch
 * id. Returns undefined when the record has expired (its objects were placed days ago).
 */
export async function launchBatch(
  trigger: UploadTrigger,
  id: string,
  known: BatchRecord | undefined,
  deps: BatchLaunchDeps,
): Promise<BatchLaunch | undefined> {
  const record = known ?? (await deps.store.read(id));
  if (!record) return undefined;
  if (record.trigger !== trigger.name) {
    throw new PermanentError(`batch ${id} belongs to trigger ${record.trigger}, not ${trigger.name}`);
  }
  const plan = planUploadBatch(trigger, record, deps.manifests.bucket);
  // Before RunTask: the task may read it the moment it starts. Same bytes on every retry.
  await deps.manifests.write(plan.manifestKey, JSON.stringify(plan.manifest));
  const result = await deps.launcher.start(plan.request, plan.maxRunning);
  return {
    ...result,
    batch: id,
    objects: plan.manifest.objects.length,
    manifestUri: `s3://${deps.manifests.bucket}/${plan.manifestKey}`,
    inline: plan.inline,
  };
}
