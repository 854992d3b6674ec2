import { asciiFold, clip, cleanText, MAX_SUBJECT } from '../kernel/notify/text.js';
import type { Notification } from '../kernel/notify/notification.js';

export interface SlotFailure {
  schedule: string;
  /** The slot's scheduled time, ISO-8601 UTC. */
  slot: string;
  reason: string;
  attempts: string | undefined;
  cluster: string | undefined;
  taskDefinition: string | undefined;
}

/**
 * The alert a human gets when a schedule's slot finally could not start: which schedule, which
 * slot, why, and where the slot is kept (the schedules dead-letter queue) to redrive it. Pure.
 */
export function renderSlotFailure(failure: SlotFailure): Notification {
  const reason = cleanText(failure.reason).trim();
  const subject = clip(
    asciiFold(`ecs-pilot schedule ${failure.schedule}: slot ${failure.slot} did not start`),
    MAX_SUBJECT,
    '...',
  );
  const lines = [
    `The ${failure.slot} run of schedule ${failure.schedule} did not start, and will not be retried.`,
    '',
    'What',
    `  Schedule         ${failure.schedule}`,
    `  Slot             ${failure.slot}`,
    ...(failure.cluster ? [`  Cluster          ${failure.cluster}`] : []),
    ...(failure.taskDefinition ? [`  Task definition  ${failure.taskDefinition}`] : []),
    ...(failure.attempts ? [`  Attempts         ${failure.attempts}`] : []),
    '',
    'Why',
    `  ${clip(reason, 4000)}`,
    '',
    'What to do',
    '  The slot is kept in the schedules dead-letter queue (stack output SchedulesDeadLetterQueueUrl),',
    '  with this reason in its message attributes. Once the cause is fixed, redrive it to the',
    '  schedules queue; a slot later than its flexibleWindowMinutes plus retryWindowMinutes is not',
    '  started late.',
  ];
  return {
    subject,
    body: lines.join('\n'),
    attributes: {
      kind: 'schedule-failed',
      alert: 'schedule',
      schedule: failure.schedule,
      ...(failure.cluster ? { cluster: failure.cluster } : {}),
    },
  };
}
