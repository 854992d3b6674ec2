/**
 * The next run times of a parsed schedule, in the schedule's IANA time zone.
 *
 * Daylight saving time follows what AWS documents for EventBridge Scheduler
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time and
 * https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst):
 * - cron, clocks go forward: a wall time that does not exist that day is skipped, not shifted
 *   (`cron(30 2 * * ? *)` in Europe/Berlin has no run on 2026-03-29; an hourly cron runs 23 times).
 * - cron, clocks go back: a wall time that occurs twice runs once, not twice (an hourly cron runs
 *   24 times on a 25-hour day). AWS does not say which of the two; we take the first.
 * - rate: a fixed duration on the UTC time line, a day being 24 hours, so DST never moves it.
 * - at (not documented): a wall time in a gap runs at the instant it would have had with the offset
 *   before the change (02:30 → 03:30 after a one-hour jump); a repeated one runs at its first occurrence.
 *   These match the "compatible" disambiguation of RFC 5545 and JavaScript Temporal.
 *
 * Nothing runs after 2199 (the last year a cron expression can name), so a schedule that never
 * fires again returns fewer runs than asked for instead of searching forever.
 */
import { PermanentError } from '../kernel/errors';
import { daysInMonth } from '../kernel/scheduler/expression';
import type { CronSchedule, DayOfMonthRule, DayOfWeekRule, ParsedSchedule } from '../kernel/scheduler/types';
import { formatLocal, isValidTimeZone, localEpoch, WallClock } from '../kernel/scheduler/zone';

export interface NextRunsOptions {
  /** Runs strictly after this instant are returned. */
  from: Date;
  /** How many runs at most; fewer come back when the schedule ends first. */
  count: number;
  /** IANA name the expression is evaluated in. Default: `UTC`, as in Scheduler. */
  timeZone?: string;
  /**
   * The schedule's StartDate. Rate schedules count their intervals from it (default: `from`, i.e.
   * a schedule created now); cron runs before it are dropped; at schedules ignore it, as Scheduler does.
   */
  startDate?: Date;
}

export interface ScheduledRun {
  utc: Date;
  /** Wall time in the schedule's zone with its offset, e.g. `2026-03-29T03:00:00+02:00`. */
  local: string;
}

/** No run is computed past the end of 2199 (UTC). */
const HORIZON = Date.UTC(2200, 0, 1);

/** The next `count` runs of `schedule` strictly after `from`, earliest first. */
export function nextRuns(schedule: ParsedSchedule, options: NextRunsOptions): ScheduledRun[] {
  const { from, count, timeZone = 'UTC', startDate } = options;
  if (!(from instanceof Date) || Number.isNaN(from.getTime())) {
    throw new PermanentError('nextRuns: "from" must be a valid Date');
  }
  if (startDate !== undefined && (!(startDate instanceof Date) || Number.isNaN(startDate.getTime()))) {
    throw new PermanentError('nextRuns: "startDate" must be a valid Date');
  }
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new PermanentError(`nextRuns: "count" must be a non-negative integer, got ${count}`);
  }
  if (!isValidTimeZone(timeZone)) {
    throw new PermanentError(
      `nextRuns: unknown time zone "${timeZone}": expected an IANA name such as Europe/Berlin`,
    );
  }
  if (count === 0) return [];
  const clock = new WallClock(timeZone);

  switch (schedule.kind) {
    case 'rate': {
      const anchor = (startDate ?? from).getTime();
      const interval = schedule.intervalMs;
      const first = from.getTime() < anchor ? 0 : Math.floor((from.getTime() - anchor) / interval) + 1;
      const runs: ScheduledRun[] = [];
      for (let k = first; runs.length < count; k++) {
        const utc = anchor + k * interval;
        if (utc >= HORIZON) break;
        runs.push({ utc: new Date(utc), local: clock.format(utc) });
      }
      return runs;
    }
    case 'at': {
      const { instants, offsetBefore } = clock.instantsOf(localEpoch(schedule.at));
      const utc = instants[0] ?? localEpoch(schedule.at) - offsetBefore;
      return utc > from.getTime() ? [{ utc: new Date(utc), local: clock.format(utc) }] : [];
    }
    case 'cron':
      return nextCronRuns(schedule, clock, from, count, startDate);
  }
}

function nextCronRuns(
  schedule: CronSchedule,
  clock: WallClock,
  from: Date,
  count: number,
  startDate: Date | undefined,
): ScheduledRun[] {
  // Runs must be after `from` and not before the start date.
  const after = Math.max(from.getTime(), startDate ? startDate.getTime() - 1 : -Infinity);
  if (after >= HORIZON) return [];
  // Wall-clock order is time-line order once skipped times are dropped and repeated ones taken at
  // their first occurrence, so the search can start at the wall minute of `after`.
  const start = clock.wallAt(after);
  const runs: ScheduledRun[] = [];
  for (const wall of wallTimes(schedule, start)) {
    const local = localEpoch(wall);
    const utc = clock.instantsOf(local).instants[0];
    if (utc === undefined || utc <= after) continue; // skipped by a spring-forward gap, or too early
    runs.push({ utc: new Date(utc), local: formatLocal({ ...wall, second: 0 }, local - utc) });
    if (runs.length >= count) break;
  }
  return runs;
}

interface WallMinute {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** Every wall minute the expression names, in order, from `start`'s minute through 2199. */
function* wallTimes(schedule: CronSchedule, start: WallMinute): Generator<WallMinute> {
  for (const year of schedule.years) {
    if (year < start.year) continue;
    const inStartYear = year === start.year;
    for (const month of schedule.months) {
      if (inStartYear && month < start.month) continue;
      const inStartMonth = inStartYear && month === start.month;
      for (const day of matchingDays(year, month, schedule.dayOfMonth, schedule.dayOfWeek)) {
        if (inStartMonth && day < start.day) continue;
        const inStartDay = inStartMonth && day === start.day;
        for (const hour of schedule.hours) {
          if (inStartDay && hour < start.hour) continue;
          const inStartHour = inStartDay && hour === start.hour;
          for (const minute of schedule.minutes) {
            if (inStartHour && minute < start.minute) continue;
            yield { year, month, day, hour, minute };
          }
        }
      }
    }
  }
}

/** 1 = Sunday … 7 = Saturday, as in the day-of-week field. */
function weekdayOf(year: number, month: number, day: number): number {
  return new Date(localEpoch({ year, month, day, hour: 0, minute: 0 })).getUTCDay() + 1;
}

/** The days of a month that the day-of-month and day-of-week fields select, ascending. */
export function matchingDays(
  year: number,
  month: number,
  dayOfMonth: DayOfMonthRule,
  dayOfWeek: DayOfWeekRule,
): number[] {
  const length = daysInMonth(year, month);
  if (dayOfMonth.type !== 'unspecified') {
    switch (dayOfMonth.type) {
      case 'days':
        return dayOfMonth.days.filter((day) => day <= length);
      case 'last':
        return [length];
      case 'nearestWeekday':
        return nearestWeekday(year, month, dayOfMonth.day, length);
      case 'beforeLast':
        // Reaching before the first day (L-30 in February): no run that month, as nW in a short month.
        return length - dayOfMonth.offset >= 1 ? [length - dayOfMonth.offset] : [];
      case 'lastWeekday': {
        const weekday = weekdayOf(year, month, length); // 1 = Sunday, 7 = Saturday
        return [weekday === 1 ? length - 2 : weekday === 7 ? length - 1 : length];
      }
    }
  }
  switch (dayOfWeek.type) {
    case 'unspecified': // the parser never lets both fields be "?"
      return [];
    case 'days': {
      const first = weekdayOf(year, month, 1);
      const days: number[] = [];
      for (let day = 1; day <= length; day++) {
        if (dayOfWeek.days.includes(((first - 1 + day - 1) % 7) + 1)) days.push(day);
      }
      return days;
    }
    case 'last': {
      const lastWeekday = weekdayOf(year, month, length);
      return [length - ((lastWeekday - dayOfWeek.weekday + 7) % 7)];
    }
    case 'nth': {
      const first = 1 + ((dayOfWeek.weekday - weekdayOf(year, month, 1) + 7) % 7);
      const day = first + 7 * (dayOfWeek.nth - 1);
      return day <= length ? [day] : [];
    }
  }
}

/**
 * `nW`: the weekday (Monday-Friday) nearest day n, staying inside the month: a Saturday moves to
 * Friday unless that is in the previous month (then Monday), a Sunday moves to Monday unless that
 * is in the next month (then Friday). A month shorter than n days has no such day.
 */
function nearestWeekday(year: number, month: number, day: number, length: number): number[] {
  if (day > length) return [];
  const weekday = weekdayOf(year, month, day);
  if (weekday === 7) return [day > 1 ? day - 1 : day + 2];
  if (weekday === 1) return [day < length ? day + 1 : day - 2];
  return [day];
}
