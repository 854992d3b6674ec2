import type { UploadTrigger } from '../config/schema.js';
import type { Log } from '../kernel/log.js';
import { DeferError } from '../kernel/delivery/batch.js';
import { DEFER_BASE_SECONDS } from '../kernel/delivery/decide.js';
import { errorMessage, PermanentError, RetryableError } from '../kernel/errors.js';
import type { LaunchResult } from '../kernel/launch/aws/launcher.js';
import type { RunTaskRequest } from '../kernel/launch/launch.js';
import { parseObjectCreated, type UploadedObject } from './event.js';
import { planKeyResolution, resolveKey, type KeyLookup, type KeyResolution } from './key.js';
import { matchTriggers } from './match.js';
import { readEventTime } from '../kernel/time.js';
import { printable } from '../kernel/text/escape.js';
import { planUploadTask } from './plan.js';
import type { BatchLaunch } from './place.js';

export interface UploadServiceDeps {
  triggers: readonly UploadTrigger[];
  launcher: { start(request: RunTaskRequest, maxRunning: number | undefined): Promise<LaunchResult> };
  /** Tells the two readings of a key apart (HeadObject); asked only for keys with `+` or `%`. */
  objects: { lookup(bucket: string, key: string, versionId: string | undefined): Promise<KeyLookup> };
  logger: Log;
  onDecision?: (decision: UploadDecision['decision']) => void;
  /** The function's clock; default the real one. */
  now?: () => Date;
}

/** One logged decision per (object, trigger). */
export interface UploadDecision {
  decision: 'started' | 'duplicate' | 'skipped' | 'failed';
  trigger?: string;
  taskArn?: string;
  /** The batch the object went into (triggers with `batch`). */
  batch?: string;
  reason?: string;
}

/** A message parsed, its key resolved and its triggers matched: ready to start tasks. */
export interface MatchedUpload {
  object: UploadedObject;
  where: Record<string, unknown>;
  triggers: UploadTrigger[];
}

/**
 * Starts the task of a batched trigger for one object: resolves to the batch's launch (undefined:
 * the object was placed long ago), or rejects with the batch's error. See batch.ts.
 */
export type BatchedStart = (
  trigger: UploadTrigger,
  object: UploadedObject,
) => Promise<BatchLaunch | undefined>;

/**
 * Handles one queued event: parse → match → plan → launch, logging one line per decision.
 * Every matching trigger is attempted even when another fails; then the most hopeful failure wins
 * (retry beats defer beats permanent), since triggers that already started are idempotent on retry.
 * A trigger with `batch` goes through `batched` (batch.ts), which groups the invocation's objects.
 */
export async function processUploadMessage(
  body: string,
  context: Record<string, string>,
  deps: UploadServiceDeps,
  batched?: BatchedStart,
): Promise<UploadDecision[]> {
  const matched = await matchUploadMessage(body, context, deps);
  if (!('object' in matched)) return matched.decisions;
  return startUploadTasks(matched, context, deps, batched);
}

/**
 * The first half of processUploadMessage: parse, resolve the key, match the triggers. Throws for a
 * message that must be dead-lettered; returns the decisions of a message that starts nothing.
 */
export async function matchUploadMessage(
  body: string,
  context: Record<string, string>,
  deps: UploadServiceDeps,
): Promise<MatchedUpload | { decisions: UploadDecision[] }> {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new PermanentError(`message body is not JSON (${body.length} characters)`);
  }
  const received = parseObjectCreated(event);
  Object.assign(context, {
    'ecs-pilot-bucket': received.bucket,
    'ecs-pilot-key': received.key,
    'ecs-pilot-version-id': received.versionId ?? '',
    'ecs-pilot-event-id': received.eventId,
  });
  warnOfUnreadableFields(received, deps);
  const resolution = await resolveObjectKey(received, deps);
  const where = {
    bucket: received.bucket,
    key: resolution.action === 'use' ? resolution.key : received.key,
    ...(resolution.action === 'use' && resolution.key !== received.key ? { receivedKey: received.key } : {}),
    versionId: received.versionId,
    eventId: received.eventId,
  };
  if (resolution.action === 'fail') {
    deps.logger.warn('upload failed', { decision: 'failed', ...where, reason: resolution.reason });
    deps.onDecision?.('failed');
    throw new PermanentError(resolution.reason);
  }
  if (resolution.action === 'skip') {
    deps.logger.debug('upload skipped', { decision: 'skipped', ...where, reason: resolution.reason });
    deps.onDecision?.('skipped');
    return { decisions: [{ decision: 'skipped', reason: resolution.reason }] };
  }
  const object: UploadedObject = { ...received, key: resolution.key };
  context['ecs-pilot-key'] = object.key;

  const matches = matchTriggers(deps.triggers, object);
  const matching = matches.filter((m) => m.matches);
  if (matching.length === 0) {
    deps.logger.debug('upload skipped: no trigger matches', {
      decision: 'skipped',
      ...where,
      reasons: Object.fromEntries(matches.map((m) => [m.trigger.name, m.reason])),
    });
    deps.onDecision?.('skipped');
    return { decisions: [{ decision: 'skipped', reason: 'no trigger matches' }] };
  }
  return { object, where, triggers: matching.map((m) => m.trigger) };
}

/** The second half: one task per matching trigger (or the object's place in a batch). */
export async function startUploadTasks(
  { object, where, triggers }: MatchedUpload,
  context: Record<string, string>,
  deps: UploadServiceDeps,
  batched?: BatchedStart,
): Promise<UploadDecision[]> {
  const decisions: UploadDecision[] = [];
  const errors: unknown[] = [];
  for (const trigger of triggers) {
    try {
      if (trigger.batch && batched) {
        const launch = await batched(trigger, object);
        const decision = launch?.status ?? 'duplicate';
        deps.logger.info(`upload ${decision}`, {
          decision,
          trigger: trigger.name,
          ...where,
          ...(launch
            ? { taskArn: launch.taskArn, batch: launch.batch, manifest: launch.manifestUri }
            : { reason: 'claimed by a batch whose record has expired: placed days ago' }),
        });
        deps.onDecision?.(decision);
        decisions.push({
          decision,
          trigger: trigger.name,
          ...(launch ? { taskArn: launch.taskArn, batch: launch.batch } : {}),
        });
        continue;
      }
      const plan = planUploadTask(trigger, object);
      const result = await deps.launcher.start(plan.request, plan.maxRunning);
      deps.logger.info(`upload ${result.status}`, {
        decision: result.status,
        trigger: trigger.name,
        ...where,
        taskArn: result.taskArn,
        clientToken: plan.clientToken,
      });
      deps.onDecision?.(result.status);
      decisions.push({ decision: result.status, trigger: trigger.name, taskArn: result.taskArn });
    } catch (error) {
      const reason = errorMessage(error);
      deps.logger.warn('upload failed', { decision: 'failed', trigger: trigger.name, ...where, reason });
      deps.onDecision?.('failed');
      decisions.push({ decision: 'failed', trigger: trigger.name, reason });
      errors.push(error);
    }
  }
  if (errors.length > 0) {
    context['ecs-pilot-trigger'] = decisions
      .filter((d) => d.decision === 'failed')
      .map((d) => d.trigger)
      .join(',');
    const message = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
    // Unclassified errors count as retryable: bounded attempts, then the dead-letter queue.
    if (errors.some((e) => !(e instanceof PermanentError) && !(e instanceof DeferError))) {
      throw new RetryableError(message);
    }
    const deferred = errors.filter((e): e is DeferError => e instanceof DeferError);
    if (deferred.length > 0) {
      // The soonest retry any of them asks for (a throttle: seconds; a cap: a minute).
      const baseSeconds = Math.min(...deferred.map((e) => e.baseSeconds ?? DEFER_BASE_SECONDS));
      throw new DeferError(message, { baseSeconds });
    }
    throw new PermanentError(message);
  }
  return decisions;
}

/** Which key the event names: the one reading, or the one of two readings S3 has (see key.ts). */
async function resolveObjectKey(object: UploadedObject, deps: UploadServiceDeps): Promise<KeyResolution> {
  const plan = planKeyResolution(deps.triggers, object);
  if (plan.action === 'use') return plan;
  const found: Record<string, KeyLookup> = {};
  for (const key of plan.lookup) found[key] = await deps.objects.lookup(object.bucket, key, object.versionId);
  return resolveKey(plan, found);
}

/**
 * The event fields the decision falls back on, when they are missing or odd: each is logged with
 * its escaped value and the fallback used. An upload's time decides nothing (the object version
 * and its sequencer do), so a time from the future is a warning, and the object still starts its
 * task: S3 only sends the event once the object exists.
 */
function warnOfUnreadableFields(object: UploadedObject, deps: UploadServiceDeps): void {
  const where = { bucket: object.bucket, key: printable(object.key, 512), eventId: object.eventId };
  if (object.sizeMissing) {
    deps.logger.warn('event field missing: detail.object.size', {
      ...where,
      fallback: 'size 0 for minSize/maxSize and {size}',
    });
  }
  const time = readEventTime(object.time, (deps.now ?? (() => new Date()))());
  if (time.kind === 'unreadable') {
    deps.logger.warn('event field unreadable: time', {
      ...where,
      value: printable(time.value, 64),
      fallback: 'none needed: the time decides nothing',
    });
  } else if (time.kind === 'ahead') {
    deps.logger.warn('event time ahead of the function clock', {
      ...where,
      time: object.time,
      minutesAhead: time.minutes,
      fallback: 'started anyway: the object exists, and the time decides nothing',
    });
  }
}
