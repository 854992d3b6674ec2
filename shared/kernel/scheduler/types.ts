/**
 * The parsed form of an EventBridge Scheduler schedule expression, as produced by
 * `parseScheduleExpression` (expression.ts) and consumed by `nextRuns` (next.ts).
 * Every list of values is sorted ascending and free of duplicates.
 */

export type RateUnit = 'minute' | 'hour' | 'day';

/** `rate(value unit)`: every `value` units, counted from the schedule's start date. */
export interface RateSchedule {
  readonly kind: 'rate';
  readonly expression: string;
  readonly value: number;
  readonly unit: RateUnit;
  /** value × unit in milliseconds; a day is always 24 hours, whatever the time zone does. */
  readonly intervalMs: number;
}

/** The day-of-month field: `?`, a set of days, `L` (last day) or `nW` (weekday nearest day n). */
export type DayOfMonthRule =
  | { readonly type: 'unspecified' }
  | { readonly type: 'days'; readonly days: readonly number[] }
  | { readonly type: 'last' }
  /** `L-n` (not in AWS's reference; accepted by EventBridge): n days before the last day. */
  | { readonly type: 'beforeLast'; readonly offset: number }
  /** `LW` (not in AWS's reference; accepted by EventBridge): the month's last weekday (Mon-Fri). */
  | { readonly type: 'lastWeekday' }
  | { readonly type: 'nearestWeekday'; readonly day: number };

/**
 * The day-of-week field, weekdays numbered 1 = Sunday … 7 = Saturday: `?`, a set of weekdays
 * (`L` alone is Saturday, the last day of the week), `nL` (the last weekday n of the month) or
 * `n#k` (the k-th weekday n of the month).
 */
export type DayOfWeekRule =
  | { readonly type: 'unspecified' }
  | { readonly type: 'days'; readonly days: readonly number[] }
  | { readonly type: 'last'; readonly weekday: number }
  | { readonly type: 'nth'; readonly weekday: number; readonly nth: number };

/** `cron(minutes hours day-of-month month day-of-week year)`, evaluated on the zone's wall clock. */
export interface CronSchedule {
  readonly kind: 'cron';
  readonly expression: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonthRule;
  readonly months: readonly number[];
  readonly dayOfWeek: DayOfWeekRule;
  readonly years: readonly number[];
}

/** A wall-clock date and time without zone; month is 1-12. */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** `at(yyyy-mm-ddThh:mm:ss)`: once, at that wall time in the schedule's time zone. */
export interface AtSchedule {
  readonly kind: 'at';
  readonly expression: string;
  readonly at: LocalDateTime;
}

export type ParsedSchedule = RateSchedule | CronSchedule | AtSchedule;
