import type { ScheduleConfig } from './config.js';
import { isSweepMessage } from './runtime.js';
import { sweepOverruns, type SweepOutcome } from './sweep.js';
import { PermanentError } from '../kernel/errors.js';
import type { LaunchResult } from '../kernel/launch/aws/launcher.js';
import type { Log } from '../kernel/log.js';
import { startedByFor, type RunTaskRequest } from '../kernel/launch/launch.js';
import {
  decideSlot,
  futureSlotProblem,
  parseSlot,
  planScheduledTask,
  slotTime,
  type ActiveTask,
} from './slot.js';

export interface ScheduleServiceDeps {
  schedules: readonly ScheduleConfig[];
  launcher: { start(request: RunTaskRequest, maxRunning: number | undefined): Promise<LaunchResult> };
  tasks: {
    listActive(cluster: string, startedBy: string): Promise<ActiveTask[]>;
    stop(cluster: string, taskArn: string, reason: string): Promise<void>;
  };
  logger: Log;
  now?: () => Date;
  onDecision?: (decision: SlotOutcome['decision']) => void;
}

/** How a slot ended. */
export interface SlotOutcome {
  decision: 'started' | 'duplicate' | 'skipped' | 'expired';
  schedule: string;
  slot: string;
  taskArn?: string;
  stopped?: string[];
  reason: string;
}

/**
 * Handles one message of the schedules queue: a maximum-runtime sweep (see sweepOverruns), or a slot:
 * parse → decide from what is running (pure) → stop/start → one log line.
 * Failures propagate as RetryableError/PermanentError so the queue retries the slot with backoff
 * and dead-letters it, with the reason, once it cannot start.
 */
export async function processSlotMessage(
  body: string,
  context: Record<string, string>,
  deps: ScheduleServiceDeps,
): Promise<SlotOutcome | SweepOutcome> {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new PermanentError(`message body is not JSON (${body.length} characters)`);
  }
  // The per-stage sweep shares the queue (and its retries and DLQ) with the slots.
  if (isSweepMessage(event)) {
    context['ecs-pilot-sweep'] = 'max-runtime';
    return sweepOverruns(deps);
  }
  const slot = parseSlot(event);
  Object.assign(context, { 'ecs-pilot-schedule': slot.schedule, 'ecs-pilot-slot': slotTime(slot) });
  const schedule = deps.schedules.find((s) => s.name === slot.schedule);
  if (!schedule) throw new PermanentError(`no schedule named "${slot.schedule}" in the deployed config`);

  const now = (deps.now ?? (() => new Date()))();
  const ahead = futureSlotProblem(slot, now);
  if (ahead) {
    // Checked before anything runs: the error releases the idempotency key, so the real slot still runs.
    deps.logger.warn('slot from the future', {
      schedule: schedule.name,
      slot: slotTime(slot),
      reason: ahead,
    });
    throw new PermanentError(ahead);
  }
  const startedBy = startedByFor(schedule.name);
  const active = await deps.tasks.listActive(schedule.task.cluster, startedBy);
  const decision = decideSlot(schedule, slot, active, now);
  const where = { schedule: schedule.name, slot: slotTime(slot), overlap: schedule.overlap };
  const finish = (outcome: SlotOutcome): SlotOutcome => {
    const level = outcome.decision === 'expired' ? 'warn' : 'info';
    deps.logger[level](`slot ${outcome.decision}`, { ...where, ...outcome });
    deps.onDecision?.(outcome.decision);
    return outcome;
  };

  switch (decision.action) {
    case 'duplicate':
      return finish({ decision: 'duplicate', ...where, taskArn: decision.taskArn, reason: decision.reason });
    case 'skip':
      return finish({ decision: 'skipped', ...where, reason: decision.reason });
    case 'expired':
      // The slot did not run and will not: dead-letter it, with the reason, for a human to see.
      finish({ decision: 'expired', ...where, reason: decision.reason });
      throw new PermanentError(decision.reason);
    case 'start': {
      for (const taskArn of decision.stop) {
        await deps.tasks.stop(
          schedule.task.cluster,
          taskArn,
          `ecs-pilot: replaced by slot ${slotTime(slot)} of schedule ${schedule.name}`,
        );
      }
      const result = await deps.launcher.start(planScheduledTask(schedule, slot), schedule.task.maxRunning);
      return finish({
        decision: result.status === 'duplicate' ? 'duplicate' : 'started',
        ...where,
        taskArn: result.taskArn,
        ...(decision.stop.length ? { stopped: decision.stop } : {}),
        reason: result.status === 'duplicate' ? 'this slot already started its task' : decision.reason,
      });
    }
  }
}
