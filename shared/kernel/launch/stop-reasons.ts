/**
 * How ecs-pilot words the StopTask reasons it gives, so that the stop alert (which only sees the
 * task's `stoppedReason` and `UserInitiated`) can tell its own overrun stops from a deploy or a
 * person's stop, and alert on them.
 */
export const MAX_RUNTIME_REASON_PREFIX = 'ecs-pilot: maximum runtime exceeded';

/** `ecs-pilot: maximum runtime exceeded: schedule nightly ran 61 min, limit 60 min` (ECS keeps 255 characters). */
export function maxRuntimeStopReason(schedule: string, ranMinutes: number, limitMinutes: number): string {
  return `${MAX_RUNTIME_REASON_PREFIX}: schedule ${schedule} ran ${ranMinutes} min, limit ${limitMinutes} min`;
}

/** Was a task stopped by ecs-pilot for running past its maximum runtime? */
export const isMaxRuntimeStop = (stoppedReason: string | undefined): boolean =>
  stoppedReason?.startsWith(MAX_RUNTIME_REASON_PREFIX) ?? false;
