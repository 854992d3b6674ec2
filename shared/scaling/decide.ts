import type { ScalerConfig } from './config.js';
import { PermanentError } from '../kernel/errors.js';

/** The queue and service as read at one evaluation (SQS GetQueueAttributes, ECS DescribeServices). */
export interface ScaleObservation {
  /** ApproximateNumberOfMessages. */
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received, not yet deleted. */
  inFlight: number;
  /** ApproximateNumberOfMessagesDelayed. */
  delayed: number;
  /** The service's runningCount. */
  running: number;
  /** The service's desiredCount: the capacity being scaled. */
  desired: number;
}

/** What the caller persists between evaluations. */
export interface ScaleState {
  /** ISO time since which the backlog has needed fewer tasks than are desired; absent when it does not. */
  lowSince?: string | undefined;
}

export type ScaleChange = 'out' | 'in' | 'none';

export interface ScaleDecision {
  /** The desired count to set (equal to observation.desired when change is 'none'). */
  desired: number;
  change: ScaleChange;
  /** One line a person can read in the log: the figures and the rule that decided. */
  reason: string;
  /** The state to persist for the next evaluation. */
  state: ScaleState;
  /**
   * On a scale-in after the wait: since when the backlog has been low. A caller that keeps the count
   * higher than decided (Application Auto Scaling's MinCapacity) persists it, so the wait is not
   * started again.
   */
  lowSince?: string;
}

/** The messages the scaler counts: visible, plus in-flight and delayed ones when configured. */
export function backlogOf(
  scaler: Pick<ScalerConfig, 'countInFlight' | 'countDelayed'>,
  observation: Pick<ScaleObservation, 'visible' | 'inFlight' | 'delayed'>,
): number {
  return (
    observation.visible +
    (scaler.countInFlight ? observation.inFlight : 0) +
    (scaler.countDelayed ? observation.delayed : 0)
  );
}

/** ceil(backlog / messagesPerTask), bounded by min and max. */
export function tasksFor(
  scaler: Pick<ScalerConfig, 'messagesPerTask' | 'min' | 'max'>,
  backlog: number,
): number {
  return Math.min(scaler.max, Math.max(scaler.min, Math.ceil(backlog / scaler.messagesPerTask)));
}

function describeBacklog(scaler: ScalerConfig, o: ScaleObservation, backlog: number): string {
  const parts = [`${o.visible} visible`];
  if (scaler.countInFlight) parts.push(`${o.inFlight} in flight`);
  if (scaler.countDelayed) parts.push(`${o.delayed} delayed`);
  const needs = Math.ceil(backlog / scaler.messagesPerTask);
  return `backlog ${backlog} (${parts.join(' + ')}) needs ceil(${backlog}/${scaler.messagesPerTask}) = ${needs}`;
}

function checkObservation(o: ScaleObservation): void {
  for (const field of ['visible', 'inFlight', 'delayed', 'running', 'desired'] as const) {
    const value = o[field];
    if (!Number.isInteger(value) || value < 0) {
      throw new PermanentError(`observation.${field} must be a whole number ≥ 0 (got ${String(value)})`);
    }
  }
}

/**
 * Seconds the backlog must stay low before scaling in: the break-even time, capped by
 * scaleInAfterMinutes. An idle task kept t seconds costs t task-seconds; stopping it and starting one
 * again later costs taskStartupSeconds (a task bills from launch, and works only after start-up). Keeping
 * it until the two are equal, then stopping it, never costs more than twice the best choice in
 * hindsight, whatever comes next (the rent-or-buy argument); a fixed longer wait can cost more.
 */
export function scaleInWaitSeconds(
  scaler: Pick<ScalerConfig, 'scaleInAfterMinutes' | 'taskStartupSeconds'>,
): number {
  return Math.min(scaler.taskStartupSeconds, scaler.scaleInAfterMinutes * 60);
}

function describeWait(scaler: Pick<ScalerConfig, 'scaleInAfterMinutes' | 'taskStartupSeconds'>): string {
  return scaler.taskStartupSeconds <= scaler.scaleInAfterMinutes * 60
    ? `break-even: taskStartupSeconds ${scaler.taskStartupSeconds}`
    : `scaleInAfterMinutes ${scaler.scaleInAfterMinutes}`;
}

/**
 * Whether an evaluation found nothing to do and nothing pending: an empty queue, the service at its
 * minimum and no scale-in wait running. The next evaluations of such a scaler in the same warm
 * function read only the queue (evaluateRound): while it stays empty, nothing else can be decided.
 */
export function isIdle(
  scaler: Pick<ScalerConfig, 'min' | 'countInFlight' | 'countDelayed'>,
  observation: ScaleObservation,
  decision: Pick<ScaleDecision, 'change' | 'desired' | 'state'>,
): boolean {
  return (
    decision.change === 'none' &&
    decision.state.lowSince === undefined &&
    decision.desired <= scaler.min &&
    observation.running <= scaler.min &&
    observation.visible + observation.inFlight + observation.delayed === 0
  );
}

/**
 * Decides the desired count of one scaler's service. Pure: the time and the scale-in state are
 * parameters, and the caller persists the returned state.
 *
 * - target = ceil(backlog / messagesPerTask) bounded by min and max.
 * - Above the desired count: scale out at once (at most maxStepOut tasks per change).
 * - Below it: "low". Scale in only once the backlog has been low without a break for the
 *   scale-in wait (see scaleInWaitSeconds), at most maxStepIn tasks per change, and never below
 *   min(inFlight, running): each in-flight message may be held by a different task, and a stopped
 *   task would drop its message.
 * - A desired count outside [min, max] (the config changed) is corrected at once.
 */
export function decideScale(
  scaler: ScalerConfig,
  observation: ScaleObservation,
  state: ScaleState,
  now: Date,
): ScaleDecision {
  checkObservation(observation);
  const current = observation.desired;
  const backlog = backlogOf(scaler, observation);
  const target = tasksFor(scaler, backlog);
  const why = describeBacklog(scaler, observation, backlog);
  const bounds = `min ${scaler.min}, max ${scaler.max}`;

  if (current > scaler.max) {
    return {
      desired: scaler.max,
      change: 'in',
      reason: `desired ${current} is above max ${scaler.max}: scaling in to ${scaler.max} at once; ${why}`,
      state: {},
    };
  }

  if (target > current) {
    const step = scaler.maxStepOut;
    // A count below min (the config changed) goes to min at once, whatever the step.
    const desired = step === undefined ? target : Math.min(target, Math.max(scaler.min, current + step));
    const limited = desired < target ? ` (maxStepOut ${step}; ${target} wanted)` : '';
    return {
      desired,
      change: 'out',
      reason: `${why}, bounded ${target} (${bounds}); desired ${current}: scaling out to ${desired}${limited}`,
      state: {},
    };
  }

  if (target === current) {
    return {
      desired: current,
      change: 'none',
      reason: `${why}, bounded ${target} (${bounds}); desired ${current} already matches`,
      state: {},
    };
  }

  // target < current: the backlog needs fewer tasks than are desired.
  const lowSince = state.lowSince !== undefined ? new Date(state.lowSince) : undefined;
  const since = lowSince && !Number.isNaN(lowSince.getTime()) && lowSince <= now ? lowSince : now;
  const lowForMs = now.getTime() - since.getTime();
  const waitSeconds = scaleInWaitSeconds(scaler);
  const low = { lowSince: since.toISOString() };
  if (lowForMs < waitSeconds * 1000) {
    const left = Math.ceil(waitSeconds - lowForMs / 1000);
    return {
      desired: current,
      change: 'none',
      reason:
        `${why}, bounded ${target}; desired ${current}: keeping ${current} until the backlog has been low ` +
        `for ${waitSeconds} s (${describeWait(scaler)}; low since ${low.lowSince}, ${left} s to go)`,
      state: low,
    };
  }

  const inFlightFloor = Math.min(observation.inFlight, observation.running);
  const stepFloor = scaler.maxStepIn === undefined ? 0 : current - scaler.maxStepIn;
  const desired = Math.min(current, Math.max(target, inFlightFloor, stepFloor));
  const limits: string[] = [];
  // Name whichever floor kept the count above the target.
  if (desired > target && inFlightFloor >= desired) {
    limits.push(`${observation.inFlight} in-flight messages may occupy ${inFlightFloor} running tasks`);
  }
  if (desired > target && stepFloor >= desired) limits.push(`maxStepIn ${scaler.maxStepIn}`);
  const limitText = limits.length > 0 ? ` (${limits.join('; ')})` : '';
  const lowText = `low for ${Math.floor(lowForMs / 1000)} s (since ${low.lowSince})`;
  if (desired === current) {
    return {
      desired: current,
      change: 'none',
      reason: `${why}, bounded ${target}; desired ${current}, ${lowText}: not scaling in${limitText}`,
      state: low,
    };
  }
  return {
    desired,
    change: 'in',
    reason: `${why}, bounded ${target}; desired ${current}, ${lowText}: scaling in to ${desired}${limitText}`,
    // Partial steps (in-flight floor, maxStepIn) continue at the next evaluation without a new wait.
    state: desired > target ? low : {},
    lowSince: low.lowSince,
  };
}
