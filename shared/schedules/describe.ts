import type { ScheduleConfig } from './config.js';
import { parseScheduleExpression } from '../kernel/scheduler/expression.js';
import { nextRuns } from './next.js';

/** One line a human can check a schedule against: when it runs, what it starts, and its next run. */
export function describeSchedule(schedule: ScheduleConfig, now: Date = new Date()): string {
  const capacity = schedule.task.capacityProviderStrategy
    ? schedule.task.capacityProviderStrategy.map((c) => c.capacityProvider).join('+')
    : 'FARGATE';
  const [next] = nextRuns(parseScheduleExpression(schedule.schedule), {
    from: now,
    count: 1,
    timeZone: schedule.timezone,
  });
  return (
    `schedules/${schedule.name}: ${schedule.schedule} in ${schedule.timezone}, overlap ${schedule.overlap}` +
    ` → ${schedule.task.cluster}/${schedule.task.taskDefinition} [${capacity}]` +
    (next ? `; next ${next.local}` : '; no further runs')
  );
}
