import type { ScheduleConfig } from './config.js';
import type { Log } from '../kernel/log.js';
import type { ActiveTask } from './slot.js';
import { startedByFor } from '../kernel/launch/launch.js';
import { errorMessage, PermanentError, RetryableError } from '../kernel/errors.js';
import { judgeRuntimes, MAX_STOPS_PER_SWEEP } from './runtime.js';

/** What a sweep reads and stops with (the schedules function's own task adapters). */
export interface SweepDeps {
  schedules: readonly ScheduleConfig[];
  tasks: {
    listActive(cluster: string, startedBy: string): Promise<ActiveTask[]>;
    stop(cluster: string, taskArn: string, reason: string): Promise<void>;
  };
  logger: Log;
  now?: (() => Date) | undefined;
}

/** What one sweep did. */
export interface SweepOutcome {
  decision: 'swept';
  /** Tasks stopped, with the reason given to ECS. */
  stopped: { schedule: string; taskArn: string; reason: string }[];
  /** Overrunning tasks left for the next sweep because the cap was reached. */
  deferred: number;
}

/**
 * One maximum-runtime sweep: for each schedule with `maxRuntimeMinutes`, read its active runs →
 * judge them (pure) → stop the overrunning ones, at most MAX_STOPS_PER_SWEEP per sweep. Stateless
 * and so idempotent: a redelivered or late sweep reads the tasks again and stops only what still
 * runs (a stopped task is no longer listed, and StopTask on a stopping task changes nothing).
 */
export async function sweepOverruns(deps: SweepDeps): Promise<SweepOutcome> {
  const now = (deps.now ?? (() => new Date()))();
  const limited = deps.schedules.filter(
    (s): s is ScheduleConfig & { maxRuntimeMinutes: number } => s.maxRuntimeMinutes !== undefined,
  );
  const outcome: SweepOutcome = { decision: 'swept', stopped: [], deferred: 0 };
  // One schedule's failure (a throttled or deleted cluster) must not leave the others unswept.
  const failed: { schedule: string; error: unknown }[] = [];
  for (const schedule of limited) {
    try {
      await sweepSchedule(schedule, now, deps, outcome);
    } catch (error) {
      failed.push({ schedule: schedule.name, error });
      deps.logger.error('sweep failed for a schedule', {
        schedule: schedule.name,
        error: errorMessage(error),
      });
    }
  }
  if (outcome.deferred > 0) {
    deps.logger.warn('sweep cap reached: the rest are stopped by the next sweeps', {
      cap: MAX_STOPS_PER_SWEEP,
      deferred: outcome.deferred,
    });
  }
  if (failed.length > 0) {
    const message = `maximum-runtime sweep failed for ${failed.map((f) => `${f.schedule} (${errorMessage(f.error)})`).join('; ')}`;
    // Retried when any failure may pass; the stops already made are not repeated (their tasks are gone).
    throw failed.some((f) => !(f.error instanceof PermanentError))
      ? new RetryableError(message)
      : new PermanentError(message);
  }
  return outcome;
}

async function sweepSchedule(
  schedule: ScheduleConfig,
  now: Date,
  deps: SweepDeps,
  outcome: SweepOutcome,
): Promise<void> {
  const active = await deps.tasks.listActive(schedule.task.cluster, startedByFor(schedule.name));
  for (const verdict of judgeRuntimes(schedule, active, now)) {
    if (verdict.action === 'keep') {
      deps.logger.debug('run kept', { schedule: schedule.name, ...verdict });
      continue;
    }
    if (outcome.stopped.length >= MAX_STOPS_PER_SWEEP) {
      outcome.deferred += 1;
      continue;
    }
    await deps.tasks.stop(schedule.task.cluster, verdict.taskArn, verdict.reason);
    outcome.stopped.push({ schedule: schedule.name, taskArn: verdict.taskArn, reason: verdict.reason });
    deps.logger.warn('run stopped: maximum runtime exceeded', { schedule: schedule.name, ...verdict });
  }
}
