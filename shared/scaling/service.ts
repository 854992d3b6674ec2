import type { ScalerConfig } from './config.js';
import { errorMessage, PermanentError } from '../kernel/errors.js';
import type { Log } from '../kernel/log.js';
import { clampToTarget, type BoundedDecision, type TargetBounds } from './coexist.js';
import {
  backlogOf,
  decideScale,
  isIdle,
  sameState,
  type ScaleObservation,
  type ScaleState,
} from './decide.js';

/**
 * One scaler's evaluation — read state, observe, decide (pure), claim, act. No SDK here: the
 * adapters are injected. shared/scaling/chain.ts runs evaluations tick by tick.
 */

/** What an evaluation needs from AWS (shared/scaling/aws/ implements it; tests fake it). */
export interface ScalingAdapters {
  /** One GetQueueAttributes call (the queue's URL is resolved once per cold start). */
  depth(queue: string): Promise<{ visible: number; inFlight: number; delayed: number }>;
  /** One DescribeServices call; a missing or inactive service throws PermanentError. */
  describe(ref: { cluster: string; service: string }): Promise<{ desired: number; running: number }>;
  setDesired(ref: { cluster: string; service: string }, desired: number): Promise<void>;
  /** The service's Application Auto Scaling bounds; undefined without a scalable target. */
  bounds(ref: { cluster: string; service: string }): Promise<TargetBounds | undefined>;
  readState(scaler: string): Promise<StoredScaleState>;
  /** false when another evaluation saved first (the version moved). */
  saveState(
    scaler: string,
    expected: number,
    state: ScaleState,
    record: { desired: number; change: string; reason: string; at: string },
  ): Promise<boolean>;
}

/** A scaler's persisted state, the version it was read at (0: never written) and the last change saved. */
export interface StoredScaleState {
  state: ScaleState;
  version: number;
  /** The desired count the last saved decision set, and when, when that decision was a change. */
  lastChange?: { desired: number; at: string } | undefined;
}

/**
 * How long a saved change may take to show in DescribeServices before evaluations stop waiting for
 * it: the function's timeout (SCALING_TIMEOUT_SECONDS, shared/scaling/deploy.ts), after which the
 * invocation that saved it can no longer call UpdateService.
 */
export const SETTLE_MS = 30_000;

/** How an evaluation ended, as logged in `decision`. */
export type EvaluationOutcome = 'scale-out' | 'scale-in' | 'unchanged' | 'conflict' | 'failed';

export interface EvaluationResult {
  scaler: string;
  outcome: EvaluationOutcome;
  reason: string;
  observation?: ScaleObservation;
  backlog?: number;
  /** The desired count after the evaluation (the new one when it scaled). */
  desired?: number;
  /** Set on 'failed': whether the cause may pass by itself (throttling) or needs a person. */
  retryable?: boolean;
  /** The queue was empty, the service at its minimum and no scale-in wait running (see isIdle). */
  idle?: boolean;
}

/** The clock, injected so tests and the demo run ticks on simulated time. */
export interface Clock {
  now(): number;
}

/** Caches each scaler's Application Auto Scaling bounds (one lookup per minute, not one per evaluation). */
export type BoundsCache = Map<string, Promise<TargetBounds | undefined>>;

function boundsOnce(cache: BoundsCache, scaler: ScalerConfig, adapters: ScalingAdapters) {
  let bounds = cache.get(scaler.name);
  if (!bounds) {
    bounds = adapters.bounds(scaler);
    cache.set(scaler.name, bounds);
    // A failed lookup is tried again at the next evaluation rather than remembered.
    bounds.catch(() => cache.delete(scaler.name));
  }
  return bounds;
}

const OUTCOME = { out: 'scale-out', in: 'scale-in', none: 'unchanged' } as const;

/** The last saved change, when DescribeServices does not show it yet and it is recent enough to still be applied. */
function unsettled(stored: StoredScaleState, desired: number, now: number) {
  const change = stored.lastChange;
  if (!change || change.desired === desired) return undefined;
  const at = Date.parse(change.at);
  // Another invocation's clock may run a little ahead of this one's: the distance counts either way.
  return Number.isNaN(at) || Math.abs(now - at) >= SETTLE_MS ? undefined : change;
}

/**
 * Evaluates one scaler once. The state is read before the queue and service are observed, and
 * saved with a condition on its version before UpdateService, so of two evaluations that read the
 * same version only one acts. An evaluation that reads the state after another saved a change, but
 * observes the service before that change shows in DescribeServices, waits (up to SETTLE_MS) rather
 * than decide from the old count. A failed UpdateService puts the state back. Never throws: a failure
 * is a result ('failed') that changed nothing.
 */
export async function evaluateScaler(
  scaler: ScalerConfig,
  tools: {
    adapters: ScalingAdapters;
    now: number;
    bounds: BoundsCache;
    logger: Log;
    /** The service as a recent idle evaluation saw it (chain.ts remembers it between ticks). */
    idleSince?: Pick<ScaleObservation, 'running' | 'desired'>;
  },
): Promise<EvaluationResult> {
  const { adapters, logger } = tools;
  const where = {
    scaler: scaler.name,
    queue: scaler.queue,
    cluster: scaler.cluster,
    service: scaler.service,
  };
  let observation: ScaleObservation | undefined;
  let queueRead: Awaited<ReturnType<ScalingAdapters['depth']>> | undefined;
  try {
    if (tools.idleSince) {
      // Idle shortcut: with the queue still empty and the service last seen at its minimum with no
      // wait running, no decision but "unchanged" is possible, so one GetQueueAttributes is enough.
      const depth = await adapters.depth(scaler.queue);
      // Messages arrived: the full evaluation decides on this reading (the service is what changed
      // least since, and it is read after the state as always).
      queueRead = depth;
      if (depth.visible + depth.inFlight + depth.delayed === 0) {
        observation = { ...depth, ...tools.idleSince };
        const reason = `queue still empty and ${scaler.service} at min ${scaler.min}: nothing to decide (queue read only)`;
        logger.info('scaling decision', {
          decision: 'unchanged',
          ...where,
          ...observation,
          backlog: 0,
          reason,
        });
        return { scaler: scaler.name, outcome: 'unchanged', reason, observation, backlog: 0, idle: true };
      }
    }
    const stored = await adapters.readState(scaler.name);
    const [depth, counts, target] = await Promise.all([
      queueRead ?? adapters.depth(scaler.queue),
      adapters.describe(scaler),
      boundsOnce(tools.bounds, scaler, adapters),
    ]);
    observation = { ...depth, running: counts.running, desired: counts.desired };
    const now = new Date(tools.now);
    const backlog = backlogOf(scaler, observation);
    const settling = unsettled(stored, observation.desired, tools.now);
    if (settling) {
      // Another evaluation saved a change and may still be calling UpdateService (or ECS does not
      // show it yet): deciding from the count before it would undo or repeat it.
      const reason =
        `the change to ${settling.desired} saved at ${settling.at} is not in DescribeServices yet ` +
        `(desired ${observation.desired}); another evaluation is applying it, so this one changes nothing`;
      logger.warn('scaling decision', { decision: 'conflict', ...where, ...observation, backlog, reason });
      return { scaler: scaler.name, outcome: 'conflict', reason, observation, backlog };
    }
    const decision: BoundedDecision = clampToTarget(
      decideScale(scaler, observation, stored.state, now),
      observation.desired,
      target,
    );
    const figures = { ...observation, backlog, newDesired: decision.desired };
    const stateChanged = !sameState(decision.state, stored.state);
    if (decision.change !== 'none' || stateChanged) {
      const saved = await adapters.saveState(scaler.name, stored.version, decision.state, {
        desired: decision.desired,
        change: decision.change,
        reason: decision.reason,
        at: now.toISOString(),
      });
      if (!saved) {
        const reason =
          `another evaluation of ${scaler.name} saved its state since this one read it (version ` +
          `${stored.version}); it acts on newer figures, so this one changes nothing (it would have: ${decision.reason})`;
        logger.warn('scaling decision', { decision: 'conflict', ...where, ...figures, reason });
        return { scaler: scaler.name, outcome: 'conflict', reason, observation, backlog };
      }
    }
    if (decision.change !== 'none') {
      try {
        await adapters.setDesired(scaler, decision.desired);
      } catch (error) {
        // The saved change never happened: put back the state as read (the scale-in timer too), so
        // the next evaluation neither waits for this change nor starts the scale-in wait again.
        await adapters
          .saveState(scaler.name, stored.version + 1, stored.state, {
            desired: observation.desired,
            change: 'none',
            reason: `UpdateService to ${decision.desired} failed: ${errorMessage(error)}`,
            at: now.toISOString(),
          })
          .catch(() => false);
        throw error;
      }
    }
    const outcome = OUTCOME[decision.change];
    logger.info('scaling decision', {
      decision: outcome,
      ...where,
      ...figures,
      reason: decision.reason,
      ...(target ? { applicationAutoScaling: target } : {}),
      ...(decision.clampedBy ? { clampedByApplicationAutoScaling: true } : {}),
    });
    return {
      scaler: scaler.name,
      outcome,
      reason: decision.reason,
      observation,
      backlog,
      desired: decision.desired,
      idle: isIdle(scaler, observation, decision),
    };
  } catch (error) {
    const retryable = !(error instanceof PermanentError);
    const reason = `${errorMessage(error)}; no change made, the next evaluation tries again`;
    logger.error('scaling decision', {
      decision: 'failed',
      ...where,
      reason,
      retryable,
      ...(observation ? { ...observation } : {}),
    });
    return {
      scaler: scaler.name,
      outcome: 'failed',
      reason,
      retryable,
      ...(observation ? { observation } : {}),
    };
  }
}
