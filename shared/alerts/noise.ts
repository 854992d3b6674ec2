import { createHash } from 'node:crypto';
import type { AlertsConfig } from '../config/schema.js';
import type { TaskStateChange } from './event.js';
import { readEventTime } from '../kernel/time.js';

/**
 * Noise control, the pure half. Failures are counted per subject (a service, or a task family for
 * standalone tasks, within its cluster) in fixed windows of `windowMinutes` aligned on the epoch.
 * In each window the first `maxPerWindow` failures are mailed one by one, the next one sends one
 * summary that mutes the rest of the window, and later ones are only counted. The state lives in
 * DynamoDB (see shared/alerts/aws/noise.ts); these functions name it and read it.
 */
export type NoiseSettings = AlertsConfig['noise'];

export interface NoiseWindow {
  /** The DynamoDB item id of (subject, window). */
  key: string;
  subject: string;
  start: Date;
  end: Date;
  /** When the item may go (TTL, epoch seconds): a day after the window ends. */
  expiresAt: number;
}

/** What one failure does: a mail of its own, the window's summary, or nothing (counted). */
export type NoiseAction = 'alert' | 'summary' | 'suppress';

/** The state of one window, as stored. */
export interface NoiseState {
  /** Tasks mailed one by one (at most maxPerWindow). */
  alerted: readonly string[];
  /** The task whose failure sent the summary. */
  summaryTask?: string | undefined;
  /** Failures only counted. */
  suppressed: number;
}

/** `media/service:web`, `media/family:report`: what "the same service" means for noise control. */
export function noiseSubject(event: TaskStateChange): string {
  const what = event.service
    ? `service:${event.service}`
    : event.family
      ? `family:${event.family}`
      : `group:${event.group ?? event.taskId}`;
  return `${event.cluster}/${what}`;
}

/**
 * The window a failure falls in, by the time the task stopped (so a redelivery lands in the same
 * window), else the event time, else `now`.
 */
export function noiseWindow(
  event: TaskStateChange,
  settings: Pick<NoiseSettings, 'windowMinutes'>,
  now: Date,
): NoiseWindow {
  const width = settings.windowMinutes * 60_000;
  const at = windowTime(event, now).at.getTime();
  const start = Math.floor(at / width) * width;
  const subject = noiseSubject(event);
  // Keys stay short and printable whatever the names are; long subjects are hashed.
  const id = subject.length <= 512 ? subject : `sha256:${createHash('sha256').update(subject).digest('hex')}`;
  return {
    key: `noise#${id}#${new Date(start).toISOString()}`,
    subject,
    start: new Date(start),
    end: new Date(start + width),
    expiresAt: Math.floor((start + width) / 1000) + 24 * 3600,
  };
}

/**
 * Reads a window's state when a task could not take an alert slot (they were full, or it already
 * had one): a task seen before gets its earlier action again (a retry after a failed publish);
 * otherwise it should claim the summary if nobody has, else be suppressed.
 */
export function actionFromState(state: NoiseState, taskArn: string): NoiseAction | 'claim-summary' {
  if (state.alerted.includes(taskArn)) return 'alert';
  if (state.summaryTask === taskArn) return 'summary';
  return state.summaryTask === undefined ? 'claim-summary' : 'suppress';
}

/** An event time the window could not use: missing is normal, unreadable or ahead is reported. */
export interface TimeProblem {
  field: 'detail.stoppedAt' | 'time';
  value: string;
  problem: 'unreadable' | 'ahead';
  minutesAhead?: number;
}

/**
 * The time a failure's window is chosen by: `detail.stoppedAt`, else the event `time`, else the
 * function clock. A time that cannot be read, or that is further ahead of the clock than the
 * allowed skew, is skipped and reported: a window in the future would start a fresh count and let
 * a crash loop's failures through one by one.
 */
export function windowTime(
  event: Pick<TaskStateChange, 'stoppedAt' | 'time'>,
  now: Date,
): { at: Date; source: 'detail.stoppedAt' | 'time' | 'clock'; problems: TimeProblem[] } {
  const problems: TimeProblem[] = [];
  for (const [field, value] of [
    ['detail.stoppedAt', event.stoppedAt],
    ['time', event.time],
  ] as const) {
    const read = readEventTime(value, now);
    if (read.kind === 'ok') return { at: read.at, source: field, problems };
    if (read.kind === 'unreadable') problems.push({ field, value: read.value, problem: 'unreadable' });
    if (read.kind === 'ahead') {
      problems.push({ field, value: value!, problem: 'ahead', minutesAhead: read.minutes });
    }
  }
  return { at: now, source: 'clock', problems };
}
