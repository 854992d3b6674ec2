import type { ScheduleConfig } from './config.js';
import type { ActiveTask } from './slot.js';
import { maxRuntimeStopReason } from '../kernel/launch/stop-reasons.js';

/** The message the per-stage sweep schedule sends to the schedules queue every minute. */
export const SWEEP_MESSAGE = { sweep: 'max-runtime' } as const;

/** Is a parsed schedules-queue message a maximum-runtime sweep (rather than a slot)? */
export const isSweepMessage = (event: unknown): boolean =>
  typeof event === 'object' &&
  event !== null &&
  (event as Record<string, unknown>).sweep === SWEEP_MESSAGE.sweep;

/**
 * Stops one sweep makes at most, over all schedules: a bound on the damage a wrong clock or a bad
 * reading could do in one minute. Overrunning tasks past the cap are stopped by the next sweeps.
 */
export const MAX_STOPS_PER_SWEEP = 20;

/** One task's verdict: stop it (with the reason ECS records), or keep it, and why. */
export type RuntimeVerdict =
  { action: 'stop'; taskArn: string; reason: string } | { action: 'keep'; taskArn: string; reason: string };

/**
 * Judges a schedule's active runs against its `maxRuntimeMinutes`. Pure. A run counts from when it
 * started, or, still provisioning, from when ECS created it (a run stuck in PENDING overruns too).
 * Fails closed: a task without the schedule's own tag (someone else's task with the same startedBy)
 * or without any time is kept.
 */
export function judgeRuntimes(
  schedule: Pick<ScheduleConfig, 'name' | 'maxRuntimeMinutes'>,
  active: readonly ActiveTask[],
  now: Date,
): RuntimeVerdict[] {
  const limit = schedule.maxRuntimeMinutes;
  if (limit === undefined) return [];
  return active.map((task): RuntimeVerdict => {
    const keep = (reason: string): RuntimeVerdict => ({ action: 'keep', taskArn: task.taskArn, reason });
    if (task.schedule !== schedule.name) {
      return keep(`not tagged ecs-pilot:schedule=${schedule.name}: not started by this schedule`);
    }
    const since = task.startedAt ?? task.createdAt;
    if (!since) return keep('ECS reports neither startedAt nor createdAt: its runtime is unknown');
    const ranMinutes = Math.floor((now.getTime() - since.getTime()) / 60_000);
    if (ranMinutes < limit) return keep(`ran ${ranMinutes} min of its ${limit} min limit`);
    return {
      action: 'stop',
      taskArn: task.taskArn,
      reason: maxRuntimeStopReason(schedule.name, ranMinutes, limit),
    };
  });
}
