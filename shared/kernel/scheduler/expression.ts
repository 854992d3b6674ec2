/**
 * Validates EventBridge Scheduler schedule expressions the way Scheduler does, with messages that
 * say what is wrong and where. The three forms and their rules:
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
import { PermanentError } from '../errors';
import { parseCronFields } from './cron';
import type { AtSchedule, LocalDateTime, ParsedSchedule, RateSchedule, RateUnit } from './types';

export type * from './types';
export { isValidTimeZone } from './zone';

/** A schedule expression Scheduler would refuse; `problems` lists every one found. */
export class ScheduleExpressionError extends PermanentError {
  constructor(
    readonly expression: string,
    readonly problems: readonly string[],
  ) {
    super(problems.join('; '));
  }
}

/** ScheduleExpression is 1 to 256 characters (CreateSchedule API reference). */
const MAX_LENGTH = 256;

const FORMS = 'rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss)';

/**
 * What the config's JSON Schema (`npm run schema`) can say about an expression: its form and length.
 * The fields inside are checked by `validateScheduleExpression` only.
 */
export const SCHEDULE_EXPRESSION_JSON_SCHEMA = {
  pattern: '^(rate|cron|at)\\([\\s\\S]*\\)$',
  maxLength: MAX_LENGTH,
};

/** Parses a schedule expression; throws {@link ScheduleExpressionError} listing every problem. */
export function parseScheduleExpression(text: string): ParsedSchedule {
  const result = analyse(text);
  if (!result.schedule) throw new ScheduleExpressionError(String(text), result.problems);
  return result.schedule;
}

/** Every problem with a schedule expression; empty when Scheduler would accept it. */
export function validateScheduleExpression(text: string): string[] {
  return analyse(text).problems;
}

type Analysis = { schedule: ParsedSchedule; problems: [] } | { schedule: undefined; problems: string[] };

const fail = (...problems: string[]): Analysis => ({ schedule: undefined, problems });

function analyse(text: unknown): Analysis {
  if (typeof text !== 'string') return fail(`schedule expression must be a string, got ${typeof text}`);
  if (text.length === 0) return fail('schedule expression is empty');
  if (text.length > MAX_LENGTH) {
    return fail(`schedule expression is ${text.length} characters long; the maximum is ${MAX_LENGTH}`);
  }
  if (text.trim() !== text) return fail(`schedule expression "${text}" has leading or trailing white space`);
  const form = /^(rate|cron|at)\((.*)\)$/s.exec(text);
  if (!form) return fail(`schedule expression "${text}": expected ${FORMS}`);
  const [, kind, inner = ''] = form;
  if (kind === 'rate') return parseRate(text, inner);
  if (kind === 'at') return parseAt(text, inner);
  return parseCronFields(text, inner);
}

const UNITS: Record<string, { unit: RateUnit; plural: boolean; ms: number }> = {
  minute: { unit: 'minute', plural: false, ms: 60_000 },
  minutes: { unit: 'minute', plural: true, ms: 60_000 },
  hour: { unit: 'hour', plural: false, ms: 3_600_000 },
  hours: { unit: 'hour', plural: true, ms: 3_600_000 },
  day: { unit: 'day', plural: false, ms: 86_400_000 },
  days: { unit: 'day', plural: true, ms: 86_400_000 },
};

/**
 * `rate(value unit)`: a positive integer and minute(s), hour(s) or day(s), singular for 1 and
 * plural otherwise (the CreateSchedule API reference lists minute | minutes | hour | hours | day | days).
 */
function parseRate(expression: string, inner: string): Analysis {
  const fields = inner.trim() === '' ? [] : inner.trim().split(/\s+/);
  if (fields.length !== 2) {
    return fail(`rate expression "${expression}": expected "rate(value unit)", e.g. rate(5 minutes)`);
  }
  const [valueText = '', unitText = ''] = fields;
  const problems: string[] = [];
  const value = Number(valueText);
  const validValue = /^\d+$/.test(valueText) && Number.isSafeInteger(value) && value >= 1;
  if (/^\d+$/.test(valueText) && !Number.isSafeInteger(value)) {
    problems.push(`rate value "${valueText}" is too large`);
  } else if (!validValue) {
    problems.push(`rate value "${valueText}" must be a positive integer`);
  }
  const unit = UNITS[unitText];
  if (!unit) {
    problems.push(`rate unit "${unitText}" must be one of ${Object.keys(UNITS).join(', ')}`);
  } else if (validValue && value === 1 && unit.plural) {
    problems.push(`rate unit "${unitText}": use "${unit.unit}" when the value is 1`);
  } else if (validValue && value > 1 && !unit.plural) {
    problems.push(`rate unit "${unitText}": use "${unit.unit}s" when the value is greater than 1`);
  }
  if (problems.length > 0 || !unit) return fail(...problems);
  const schedule: RateSchedule = {
    kind: 'rate',
    expression,
    value,
    unit: unit.unit,
    intervalMs: value * unit.ms,
  };
  return { schedule, problems: [] };
}

/**
 * `at(yyyy-mm-ddThh:mm:ss)`: a wall time in the schedule's time zone (ScheduleExpressionTimezone),
 * so an offset or `Z` is refused rather than silently meaning something else.
 */
function parseAt(expression: string, inner: string): Analysis {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(inner);
  if (!match) {
    const offset = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})$/i.exec(inner);
    if (offset) {
      return fail(
        `at expression "${expression}": offset "${offset[1]}" is not allowed; the time is read in the schedule's time zone`,
      );
    }
    return fail(
      `at expression "${expression}": expected at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-03-29T09:30:00)`,
    );
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const problems: string[] = [];
  const date = inner.slice(0, 10);
  const time = inner.slice(11);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    problems.push(`at date "${date}" does not exist`);
  }
  if (hour > 23 || minute > 59 || second > 59) {
    problems.push(`at time "${time}" does not exist: hours 00-23, minutes and seconds 00-59`);
  }
  if (problems.length > 0) return fail(...problems);
  const at: LocalDateTime = { year, month, day, hour, minute, second };
  const schedule: AtSchedule = { kind: 'at', expression, at };
  return { schedule, problems: [] };
}

/** Days in a month of the proleptic Gregorian calendar; month is 1-12. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
