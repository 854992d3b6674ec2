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
  /** The backlog the last evaluation counted, when it was above 0 (absent: the queue was empty). */
  backlog?: number | undefined;
  /** ISO time of that evaluation. */
  backlogAt?: string | undefined;
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

/** The messages expected within one start-up, when a surge makes them count (see arrivalLeadOf). */
export interface ArrivalLead {
  /** Messages the backlog grew by per second since the last evaluation. */
  perSecond: number;
  /** perSecond × taskStartupSeconds, rounded up: counted in the backlog. */
  expected: number;
  /** The last evaluation's backlog, and how many seconds ago it was seen. */
  from: number;
  seconds: number;
}

/** Whether the scaler leads surges at all (arrivalLeadTasks above max turns it off). */
export const leadsSurges = (scaler: Pick<ScalerConfig, 'arrivalLeadTasks' | 'max'>) =>
  scaler.arrivalLeadTasks <= scaler.max;

/**
 * The arrivals expected within one start-up, counted only in a surge: when the backlog grew since
 * the last evaluation fast enough that they need at least arrivalLeadTasks tasks. A task started
 * now works only after taskStartupSeconds; sized for the backlog alone, a burst's tasks come one
 * evaluation after another and the last are ready late. Below the threshold the growth of small
 * clumps and steady flows is noise: counting it started tasks that were stopped again unused
 * (bench/scaling.ts). Without a backlog in the state (the queue was empty, or the state predates
 * the field) nothing is counted: the growth is unknown. Undefined when there is no surge, and
 * always when arrivalLeadTasks is above max.
 */
export function arrivalLeadOf(
  scaler: Pick<ScalerConfig, 'messagesPerTask' | 'max' | 'taskStartupSeconds' | 'arrivalLeadTasks'>,
  backlog: number,
  state: Pick<ScaleState, 'backlog' | 'backlogAt'>,
  now: Date,
): ArrivalLead | undefined {
  const at = state.backlogAt !== undefined ? Date.parse(state.backlogAt) : Number.NaN;
  const from = state.backlog;
  if (from === undefined || !Number.isFinite(from) || !Number.isFinite(at)) return undefined;
  const seconds = (now.getTime() - at) / 1000;
  if (!(seconds > 0)) return undefined;
  if (backlog <= from || !leadsSurges(scaler)) return undefined;
  const perSecond = (backlog - from) / seconds;
  const expected = Math.ceil(((backlog - from) * scaler.taskStartupSeconds) / seconds);
  if (expected < scaler.arrivalLeadTasks * scaler.messagesPerTask) return undefined;
  return { perSecond, expected, from, seconds };
}

/**
 * The backlog to persist for the next evaluation's growth rate: none when the queue is empty, so an
 * idle scaler's state does not change and nothing is written.
 */
function backlogSeen(backlog: number, now: Date): ScaleState {
  return backlog > 0 ? { backlog, backlogAt: now.toISOString() } : {};
}

/** Whether two states would persist the same item (a caller writes only when they differ). */
export function sameState(a: ScaleState, b: ScaleState): boolean {
  return (
    (a.lowSince ?? '') === (b.lowSince ?? '') &&
    (a.backlog ?? 0) === (b.backlog ?? 0) &&
    (a.backlogAt ?? '') === (b.backlogAt ?? '')
  );
}

function describeBacklog(
  scaler: ScalerConfig,
  o: ScaleObservation,
  backlog: number,
  lead: ArrivalLead | undefined,
): string {
  const parts = [`${o.visible} visible`];
  if (scaler.countInFlight) parts.push(`${o.inFlight} in flight`);
  if (scaler.countDelayed) parts.push(`${o.delayed} delayed`);
  if (!lead) {
    const needs = Math.ceil(backlog / scaler.messagesPerTask);
    return `backlog ${backlog} (${parts.join(' + ')}) needs ceil(${backlog}/${scaler.messagesPerTask}) = ${needs}`;
  }
  const total = backlog + lead.expected;
  const needs = Math.ceil(total / scaler.messagesPerTask);
  const since = `from ${lead.from} ${Math.round(lead.seconds)} s ago`;
  return (
    `backlog ${backlog} (${parts.join(' + ')}) + ${lead.expected} expected within ${scaler.taskStartupSeconds} s ` +
    `(surge: growing ${lead.perSecond.toFixed(1)}/s, ${since}; counted from ${scaler.arrivalLeadTasks} tasks) ` +
    `needs ceil(${total}/${scaler.messagesPerTask}) = ${needs}`
  );
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
  const lead = arrivalLeadOf(scaler, backlog, state, now);
  const target = tasksFor(scaler, backlog + (lead?.expected ?? 0));
  const why = describeBacklog(scaler, observation, backlog, lead);
  const seen = backlogSeen(backlog, now);
  const bounds = `min ${scaler.min}, max ${scaler.max}`;

  if (current > scaler.max) {
    return {
      desired: scaler.max,
      change: 'in',
      reason: `desired ${current} is above max ${scaler.max}: scaling in to ${scaler.max} at once; ${why}`,
      state: seen,
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
      state: seen,
    };
  }

  if (target === current) {
    return {
      desired: current,
      change: 'none',
      reason: `${why}, bounded ${target} (${bounds}); desired ${current} already matches`,
      state: seen,
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
      state: { ...low, ...seen },
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
      state: { ...low, ...seen },
    };
  }
  return {
    desired,
    change: 'in',
    reason: `${why}, bounded ${target}; desired ${current}, ${lowText}: scaling in to ${desired}${limitText}`,
    // Partial steps (in-flight floor, maxStepIn) continue at the next evaluation without a new wait.
    state: desired > target ? { ...low, ...seen } : seen,
    lowSince: low.lowSince,
  };
}
