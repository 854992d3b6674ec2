import type { UploadTrigger } from '../config/schema.js';
import { DeferError } from '../kernel/delivery/batch.js';
import { errorMessage, PermanentError } from '../kernel/errors.js';
import { batchFailureFate, batchMember } from './batching.js';
import {
  claimObjects,
  launchBatch,
  type BatchLaunch,
  type BatchLaunchDeps,
  type ClaimStore,
  type ManifestStore,
  type Placement,
} from './place.js';
import {
  matchUploadMessage,
  startUploadTasks,
  type MatchedUpload,
  type UploadDecision,
  type UploadServiceDeps,
} from './service.js';

export interface UploadBatchDeps extends UploadServiceDeps {
  claims: ClaimStore;
  manifests: ManifestStore;
  /** delivery.maxAttempts: when one message of a failed batch reaches it, the batch gives up. */
  maxAttempts: number;
}

/** A delivered message, as far as batching cares. */
export interface QueuedMessage {
  messageId: string;
  body: string;
  /** 1 on first delivery (SQS ApproximateReceiveCount). */
  attempt: number;
}

/** Processes one message of the invocation; throws as processUploadMessage does. */
export type PreparedProcessor = (
  message: Pick<QueuedMessage, 'messageId'>,
  context: Record<string, string>,
) => Promise<UploadDecision[]>;

type Matched = { context: Record<string, string> } & (
  { matched: MatchedUpload } | { decisions: UploadDecision[] } | { error: unknown }
);

/**
 * One invocation's messages, with batching: every message is matched first; then, per trigger with
 * `batch`, its objects are claimed in batches (place.ts) and each batch starts its one task; then
 * each message is finished on its own (non-batched triggers launch as without batching) and takes
 * the outcome of the batch its object went into, so a failed batch returns exactly its messages.
 */
export async function prepareUploadBatch(
  messages: readonly QueuedMessage[],
  deps: UploadBatchDeps,
): Promise<PreparedProcessor> {
  const matched = new Map<string, Matched>();
  await Promise.all(
    messages.map(async (message) => {
      const context: Record<string, string> = {};
      try {
        const result = await matchUploadMessage(message.body, context, deps);
        matched.set(message.messageId, { context, ...('object' in result ? { matched: result } : result) });
      } catch (error) {
        matched.set(message.messageId, { context, error });
      }
    }),
  );

  const launches = new Map<string, Promise<BatchLaunch | undefined>>();
  const placements = new Map<string, Placement>();
  await Promise.all(
    deps.triggers
      .filter((trigger) => trigger.batch)
      .map(async (trigger) => {
        const members = [];
        const attempts = new Map<string, number[]>();
        for (const message of messages) {
          const m = matched.get(message.messageId)!;
          if (!('matched' in m) || !m.matched.triggers.includes(trigger)) continue;
          const member = batchMember(trigger.name, m.matched.object);
          members.push(member);
          attempts.set(member.token, [...(attempts.get(member.token) ?? []), message.attempt]);
        }
        if (members.length === 0) return;
        const placement = await claimObjects(trigger.name, members, trigger.batch!.maxObjects, deps.claims);
        placements.set(trigger.name, placement);
        const tokensOf = new Map<string, string[]>();
        for (const [token, id] of placement.batchOf) tokensOf.set(id, [...(tokensOf.get(id) ?? []), token]);
        for (const [id, tokens] of tokensOf) {
          const launch = startBatch(
            trigger,
            id,
            placement,
            tokens.flatMap((t) => attempts.get(t) ?? []),
            deps,
          );
          void launch.catch(() => undefined); // awaited by each of its messages below
          launches.set(`${trigger.name}\u0000${id}`, launch);
        }
      }),
  );

  return async (message, context) => {
    const m = matched.get(message.messageId);
    if (!m) throw new PermanentError(`message ${message.messageId} was not part of this invocation`);
    Object.assign(context, m.context);
    if ('error' in m) throw m.error;
    if ('decisions' in m) return m.decisions;
    return startUploadTasks(m.matched, context, deps, (trigger, object) => {
      const placement = placements.get(trigger.name)!;
      const token = batchMember(trigger.name, object).token;
      const failed = placement.failed.get(token);
      if (failed) return Promise.reject(failed);
      const id = placement.batchOf.get(token)!;
      context['ecs-pilot-batch'] = id;
      return launches.get(`${trigger.name}\u0000${id}`)!;
    });
  };
}

/** Starts one batch and logs it once; a failure takes the fate its messages share (batching.ts). */
async function startBatch(
  trigger: UploadTrigger,
  id: string,
  placement: Placement,
  attempts: number[],
  deps: UploadBatchDeps,
): Promise<BatchLaunch | undefined> {
  const launchDeps: BatchLaunchDeps = {
    store: deps.claims,
    manifests: deps.manifests,
    launcher: deps.launcher,
  };
  const claimedNow = placement.claimed.has(id);
  try {
    const launch = await launchBatch(trigger, id, placement.claimed.get(id), launchDeps);
    deps.logger.info(`batch ${launch ? launch.status : 'expired'}`, {
      trigger: trigger.name,
      batch: id,
      claimedNow,
      ...(launch
        ? {
            objects: launch.objects,
            taskArn: launch.taskArn,
            manifest: launch.manifestUri,
            inline: launch.inline,
          }
        : {}),
    });
    return launch;
  } catch (error) {
    const kind =
      error instanceof DeferError ? 'deferred' : error instanceof PermanentError ? 'permanent' : 'retryable';
    const fate = batchFailureFate({ kind }, attempts, deps.maxAttempts);
    deps.logger.warn('batch failed', { trigger: trigger.name, batch: id, fate, reason: errorMessage(error) });
    if (fate === 'give-up') {
      throw new PermanentError(
        `batch ${id} gave up after ${Math.max(...attempts)} attempts; last error: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    throw error;
  }
}
