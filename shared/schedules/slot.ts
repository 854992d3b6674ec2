import { FUTURE_SKEW_MINUTES } from '../kernel/time.js';
import * as z from 'zod/mini';
import type { ScheduleConfig } from './config.js';
import { PermanentError } from '../kernel/errors.js';
import {
  buildRunTaskRequest,
  digest,
  expandLaunchTemplates,
  startedByFor,
  TAG_PREFIX,
  type RunTaskRequest,
} from '../kernel/launch/launch.js';
import { summarizeIssues } from '../kernel/issues.js';

/**
 * One firing of a schedule, as EventBridge Scheduler sends it to the schedules queue: the target's
 * Input template fills `scheduledTime` from `<aws.scheduler.scheduled-time>` and `executionId`
 * from `<aws.scheduler.execution-id>`.
 */
const slotEventSchema = z.object({
  schedule: z.string().check(z.minLength(1), z.maxLength(64)),
  scheduledTime: z
    .string()
    .check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'an ISO-8601 UTC time')),
  executionId: z.optional(z.string().check(z.maxLength(256))),
});

export interface Slot {
  schedule: string;
  /** When the slot was due, in UTC. */
  scheduledTime: Date;
  executionId: string | undefined;
}

/** Parses a slot message; anything else is a PermanentError naming the field. */
export function parseSlot(event: unknown): Slot {
  const result = slotEventSchema.safeParse(event);
  if (!result.success) {
    const problems = summarizeIssues(result.error.issues);
    throw new PermanentError(`not a schedule slot event: ${problems}`);
  }
  const scheduledTime = new Date(result.data.scheduledTime);
  // Date rolls impossible times over (Feb 30 → Mar 2); a slot must name a real instant, as sent.
  const sent = result.data.scheduledTime.replace(/(\.\d+)?Z$/, '');
  if (Number.isNaN(scheduledTime.getTime()) || !scheduledTime.toISOString().startsWith(sent)) {
    throw new PermanentError(`not a schedule slot event: scheduledTime: not a valid time`);
  }
  return { schedule: result.data.schedule, scheduledTime, executionId: result.data.executionId };
}

/** The slot's identity in ISO-8601 UTC, second precision (what Scheduler sends). */
export const slotTime = (slot: Slot) => slot.scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Idempotency key of a slot: the schedule and its scheduled time (to the second, as its tag), so every retry of it maps to one task. */
export function slotClientToken(schedule: string, scheduledTime: Date): string {
  return digest(['schedule/v1', schedule, scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z')]);
}

/** Plans the task a slot starts. Deterministic: the same slot always yields the same request. */
export function planScheduledTask(schedule: ScheduleConfig, slot: Slot): RunTaskRequest {
  return buildRunTaskRequest(schedule.task, {
    clientToken: slotClientToken(schedule.name, slot.scheduledTime),
    startedBy: startedByFor(schedule.name),
    ...expandLaunchTemplates(schedule.task, { schedule: schedule.name, scheduledTime: slotTime(slot) }),
    tags: {
      [`${TAG_PREFIX}automation`]: 'schedules',
      [`${TAG_PREFIX}schedule`]: schedule.name,
      [`${TAG_PREFIX}slot`]: slotTime(slot),
    },
  });
}

/** A task of this schedule that ECS reports as not yet stopped. */
export interface ActiveTask {
  taskArn: string;
  lastStatus: string;
  /** The slot it was started for (its ecs-pilot:slot tag), when known. */
  slot: string | undefined;
  /** The schedule it was started for (its ecs-pilot:schedule tag), when known. */
  schedule?: string | undefined;
  /** When it started running, or (not yet running) when ECS created it. */
  startedAt?: Date | undefined;
  createdAt?: Date | undefined;
}

/**
 * How many minutes after its nominal time a slot may still start. `<aws.scheduler.scheduled-time>`
 * stays the nominal time even when a flexible window lets Scheduler deliver up to
 * `flexibleWindowMinutes` later, and retries (Scheduler's and ours) come on top of that delivery:
 * so the window is the flexible window plus the retry window.
 */
export const slotWindowMinutes = (
  schedule: Pick<ScheduleConfig, 'retryWindowMinutes' | 'flexibleWindowMinutes'>,
): number => (schedule.flexibleWindowMinutes ?? 0) + schedule.retryWindowMinutes;

/** What to do with a slot, and why. */
export type SlotDecision =
  | { action: 'start'; stop: string[]; reason: string }
  | { action: 'skip'; reason: string }
  | { action: 'duplicate'; taskArn: string; reason: string }
  | { action: 'expired'; reason: string };

/**
 * Decides a slot from what is running. Pure. A task already started for this very slot makes the
 * slot a duplicate under every policy (a redelivery must never stop its own task). Otherwise:
 * `skip` starts nothing while a previous run is active; `allow` always starts; `replace` stops the
 * previous runs and starts. A slot later than its flexible window plus its retry window (see
 * {@link slotWindowMinutes}) is not started late.
 */
export function decideSlot(
  schedule: Pick<ScheduleConfig, 'name' | 'overlap' | 'retryWindowMinutes' | 'flexibleWindowMinutes'>,
  slot: Slot,
  active: readonly ActiveTask[],
  now: Date,
): SlotDecision {
  const own = active.find((task) => task.slot === slotTime(slot));
  if (own) {
    return {
      action: 'duplicate',
      taskArn: own.taskArn,
      reason: `slot ${slotTime(slot)} already has ${own.taskArn}`,
    };
  }
  const lateMs = now.getTime() - slot.scheduledTime.getTime();
  const windowMinutes = slotWindowMinutes(schedule);
  if (lateMs > windowMinutes * 60_000) {
    const parts =
      schedule.flexibleWindowMinutes === undefined
        ? ''
        : ` (${schedule.flexibleWindowMinutes} min flexible + ${schedule.retryWindowMinutes} min retry)`;
    return {
      action: 'expired',
      reason: `slot ${slotTime(slot)} is ${Math.round(lateMs / 60_000)} min old, past its ${windowMinutes} min window${parts}`,
    };
  }
  // A run of a later slot is active: this slot is stale (a late retry or redelivery). Only `allow`
  // starts it; `skip` and `replace` must never start an older run over, or instead of, a newer one.
  const newer = active.filter((t) => t.slot !== undefined && t.slot > slotTime(slot));
  if (newer.length > 0 && schedule.overlap !== 'allow') {
    return { action: 'skip', reason: `a later slot (${newer[0]!.slot}) already runs: ${newer[0]!.taskArn}` };
  }
  const others = active.map((t) => t.taskArn);
  switch (schedule.overlap) {
    case 'allow':
      return {
        action: 'start',
        stop: [],
        reason: others.length
          ? `overlap allowed (${others.length} previous run(s) active)`
          : 'no previous run active',
      };
    case 'replace':
      return {
        action: 'start',
        stop: others,
        reason: others.length ? `replacing ${others.length} previous run(s)` : 'no previous run active',
      };
    case 'skip':
      return others.length
        ? { action: 'skip', reason: `previous run still ${active[0]!.lastStatus}: ${others.join(', ')}` }
        : { action: 'start', stop: [], reason: 'no previous run active' };
  }
}

// How far a slot may be dated ahead of the function's clock (clock skew only): Scheduler never
// delivers early, so a slot further ahead is a replay, a test invoke or a wrong clock.
export { FUTURE_SKEW_MINUTES };

/**
 * Why a slot dated in the future must not run, or undefined. Running it would also spend the slot's
 * idempotency key, and the real run would then be skipped as a duplicate when its time comes.
 */
export function futureSlotProblem(slot: Slot, now: Date): string | undefined {
  const aheadMs = slot.scheduledTime.getTime() - now.getTime();
  if (aheadMs <= FUTURE_SKEW_MINUTES * 60_000) return undefined;
  const clock = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    `slot ${slotTime(slot)} is ${Math.round(aheadMs / 60_000)} min ahead of the function clock ${clock} ` +
    `(more than the ${FUTURE_SKEW_MINUTES} min allowed skew)`
  );
}
