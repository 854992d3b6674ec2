/**
 * Parses the six fields of an EventBridge Scheduler cron expression.
 *
 * Rules from the cron expression reference (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html,
 * which Scheduler's https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based points to):
 * six required fields; minutes 0-59, hours 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
 * day-of-week 1-7 or SUN-SAT (1 = Sunday), year 1970-2199; `?` only in day-of-month and day-of-week;
 * `L` in both; `W` in day-of-month only; `#` in day-of-week only, and a `#` expression must be the
 * field's only expression ("3#1,6#3" is invalid); day-of-month and day-of-week cannot both be given:
 * one of them must be `?`.
 *
 * Where the reference is silent we chose, and say so next to the code:
 * - `/` is accepted in every field, day-of-week included (older copies of the reference list it there).
 * - `nL` in day-of-week is the last weekday n of the month (the reference only defines `L` alone,
 *   "the last day of the week", i.e. Saturday).
 * - `L-n` (n 1-30: n days before the month's last day) and `LW` (the month's last weekday) in
 *   day-of-month are not in the reference, but EventBridge accepts them (AWS Support calls `L-n`
 *   intended), so they are accepted, with a warning (see `undocumentedCronForms`). When `L-n`
 *   reaches before the first day (`L-30` in February), that month has no run, as `nW` in a month
 *   shorter than n days.
 * - `L`, `nW`, `nL` and `n#k` must stand alone: the reference gives no meaning to them in lists or ranges.
 * - `nW` never crosses into another month, and does not fire in a month shorter than n days.
 * - Ranges may wrap around (`FRI-MON`, `22-2`), except years; a step is 1 to the field's size.
 */
import type { CronSchedule, DayOfMonthRule, DayOfWeekRule } from './types';

type FieldName = 'minutes' | 'hours' | 'day-of-month' | 'month' | 'day-of-week' | 'year';

interface FieldSpec {
  readonly name: FieldName;
  readonly min: number;
  readonly max: number;
  /** Names accepted in place of numbers, index 0 = `min`; matched case-insensitively. */
  readonly names?: readonly string[];
  readonly nameKind?: string;
  readonly wraps: boolean;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const MINUTES: FieldSpec = { name: 'minutes', min: 0, max: 59, wraps: true };
const HOURS: FieldSpec = { name: 'hours', min: 0, max: 23, wraps: true };
const DAY_OF_MONTH: FieldSpec = { name: 'day-of-month', min: 1, max: 31, wraps: true };
const MONTH: FieldSpec = {
  name: 'month',
  min: 1,
  max: 12,
  names: MONTH_NAMES,
  nameKind: 'month',
  wraps: true,
};
const DAY_OF_WEEK: FieldSpec = {
  name: 'day-of-week',
  min: 1,
  max: 7,
  names: DAY_NAMES,
  nameKind: 'day',
  wraps: true,
};
const YEAR: FieldSpec = { name: 'year', min: 1970, max: 2199, wraps: false };

/** Thrown inside a field parser; becomes one problem for that field. */
class FieldProblem extends Error {}

/** Parses the text inside `cron(...)`; returns the schedule or the list of problems. */
export function parseCronFields(
  expression: string,
  inner: string,
): { schedule: CronSchedule; problems: [] } | { schedule: undefined; problems: string[] } {
  const fields = inner.trim() === '' ? [] : inner.trim().split(/\s+/);
  if (fields.length !== 6) {
    return {
      schedule: undefined,
      problems: [
        `cron expression "${expression}": expected 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
      ],
    };
  }
  const [minutesText, hoursText, domText, monthText, dowText, yearText] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const problems: string[] = [];
  const field = <T>(spec: FieldSpec, text: string, parse: (text: string) => T): T | undefined => {
    try {
      return parse(text);
    } catch (error) {
      if (!(error instanceof FieldProblem)) throw error;
      problems.push(`cron ${spec.name} field "${text}": ${error.message}`);
      return undefined;
    }
  };
  const minutes = field(MINUTES, minutesText, (t) => parseValues(t, MINUTES));
  const hours = field(HOURS, hoursText, (t) => parseValues(t, HOURS));
  const dayOfMonth = field(DAY_OF_MONTH, domText, parseDayOfMonth);
  const months = field(MONTH, monthText, (t) => parseValues(t, MONTH));
  const dayOfWeek = field(DAY_OF_WEEK, dowText, parseDayOfWeek);
  const years = field(YEAR, yearText, (t) => parseValues(t, YEAR));

  const domUnspecified = domText === '?';
  const dowUnspecified = dowText === '?';
  if (domUnspecified && dowUnspecified) {
    problems.push('cron day-of-month and day-of-week are both "?": exactly one of them must be "?"');
  } else if (!domUnspecified && !dowUnspecified) {
    problems.push(
      `cron day-of-month "${domText}" and day-of-week "${dowText}": you cannot specify both; one of them must be "?"`,
    );
  }

  if (problems.length > 0 || !minutes || !hours || !dayOfMonth || !months || !dayOfWeek || !years) {
    return { schedule: undefined, problems };
  }
  return {
    schedule: { kind: 'cron', expression, minutes, hours, dayOfMonth, months, dayOfWeek, years },
    problems: [],
  };
}

function parseDayOfMonth(text: string): DayOfMonthRule {
  const upper = text.toUpperCase();
  if (text === '?') return { type: 'unspecified' };
  if (upper === 'L') return { type: 'last' };
  if (upper === 'LW') return { type: 'lastWeekday' };
  const beforeLast = /^L-(\d+)$/.exec(upper);
  if (beforeLast) {
    const offset = Number(beforeLast[1]);
    if (!/^\d{1,2}$/.test(beforeLast[1] ?? '') || offset < 1 || offset > 30) {
      throw new FieldProblem(`the offset in "L-n" must be 1-30 (got ${beforeLast[1]})`);
    }
    return { type: 'beforeLast', offset };
  }
  const weekday = /^(\d+)W$/.exec(upper);
  if (weekday) return { type: 'nearestWeekday', day: toNumber(weekday[1] ?? '', DAY_OF_MONTH) };
  for (const item of text.split(/[,/-]/)) {
    if (/^\d*[LW]$/i.test(item) || /^LW$/i.test(item)) {
      throw new FieldProblem(`"${item}" must be the field's only value, not part of a list, range or step`);
    }
  }
  return { type: 'days', days: parseValues(text, DAY_OF_MONTH) };
}

function parseDayOfWeek(text: string): DayOfWeekRule {
  const upper = text.toUpperCase();
  if (text === '?') return { type: 'unspecified' };
  // "L" alone is the last day of the week: Saturday (7).
  if (upper === 'L') return { type: 'days', days: [7] };
  const last = /^(\d+)L$/.exec(upper);
  if (last) return { type: 'last', weekday: toNumber(last[1] ?? '', DAY_OF_WEEK) };
  const nth = /^([A-Za-z]+|\d+)#(\d+)$/.exec(text);
  if (nth) {
    const weekday = toValue(nth[1] ?? '', DAY_OF_WEEK);
    const k = nth[2] ?? '';
    if (!/^[1-5]$/.test(k)) {
      throw new FieldProblem(
        `occurrence "${k}" after "#" must be 1-5 (a month has at most five of each weekday)`,
      );
    }
    return { type: 'nth', weekday, nth: Number(k) };
  }
  if (text.includes('#')) {
    throw new FieldProblem(
      '"#" must be the field\'s only expression, like "3#2"; lists such as "3#1,6#3" are invalid',
    );
  }
  for (const item of text.split(/[,/-]/)) {
    if (/^\d*L$/i.test(item)) {
      throw new FieldProblem(`"${item}" must be the field's only value, not part of a list, range or step`);
    }
    if (/^\d+W$/i.test(item) || /^LW$/i.test(item)) {
      throw new FieldProblem('"W" is only allowed in the day-of-month field');
    }
  }
  return { type: 'days', days: parseValues(text, DAY_OF_WEEK) };
}

/** A plain field: comma-separated items, each `*`, `v`, `a-b`, optionally followed by `/step`. */
function parseValues(text: string, spec: FieldSpec): number[] {
  refuseMisplacedSpecials(text, spec);
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new FieldProblem('empty value in the list');
    for (const value of parseItem(item, spec)) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function refuseMisplacedSpecials(text: string, spec: FieldSpec): void {
  const isDay = spec.name === 'day-of-month' || spec.name === 'day-of-week';
  if (text.includes('?')) {
    throw new FieldProblem(
      isDay ? '"?" must be used alone' : '"?" is only allowed in the day-of-month and day-of-week fields',
    );
  }
  if (text.includes('#') && spec.name !== 'day-of-week') {
    throw new FieldProblem('"#" is only allowed in the day-of-week field');
  }
  if (isDay) return;
  for (const item of text.split(/[,/-]/)) {
    if (/^\d*L$/i.test(item)) {
      throw new FieldProblem('"L" is only allowed in the day-of-month and day-of-week fields');
    }
    if (/^\d*W$/i.test(item) || /^LW$/i.test(item)) {
      throw new FieldProblem('"W" is only allowed in the day-of-month field');
    }
  }
}

function parseItem(item: string, spec: FieldSpec): number[] {
  const parts = item.split('/');
  if (parts.length > 2) throw new FieldProblem(`malformed value "${item}": more than one "/"`);
  const [base = '', stepText] = parts;
  const step = stepText === undefined ? 1 : parseStep(stepText, spec);

  let start: number;
  let end: number;
  if (base === '*') {
    start = spec.min;
    end = spec.max;
  } else if (base.includes('-')) {
    const bounds = base.split('-');
    if (bounds.length !== 2 || bounds[0] === '' || bounds[1] === '') {
      throw new FieldProblem(`malformed range "${base}": expected start-end`);
    }
    start = toValue(bounds[0] ?? '', spec);
    end = toValue(bounds[1] ?? '', spec);
    if (start > end && !spec.wraps) {
      throw new FieldProblem(`range start ${start} is after range end ${end}`);
    }
  } else {
    if (base === '') throw new FieldProblem(`malformed value "${item}": nothing before "/"`);
    start = toValue(base, spec);
    // "5/15": from 5 to the end of the field, every 15.
    end = stepText === undefined ? start : spec.max;
  }

  const sequence: number[] = [];
  if (start <= end) {
    for (let v = start; v <= end; v++) sequence.push(v);
  } else {
    // A wrapping range such as FRI-MON (6-2) runs to the field's end and on from its start.
    for (let v = start; v <= spec.max; v++) sequence.push(v);
    for (let v = spec.min; v <= end; v++) sequence.push(v);
  }
  return sequence.filter((_, index) => index % step === 0);
}

function parseStep(text: string, spec: FieldSpec): number {
  const size = spec.max - spec.min + 1;
  if (!/^\d+$/.test(text)) throw new FieldProblem(`step "${text}" must be a positive integer`);
  const step = Number(text);
  if (step < 1 || step > size) throw new FieldProblem(`step ${step} must be between 1 and ${size}`);
  return step;
}

/** A number or, where the field has names, a name; always within the field's range. */
function toValue(token: string, spec: FieldSpec): number {
  if (/^[A-Za-z]+$/.test(token) && spec.names) {
    const index = spec.names.indexOf(token.toUpperCase());
    if (index < 0) throw new FieldProblem(`unknown ${spec.nameKind} name "${token}"`);
    return spec.min + index;
  }
  return toNumber(token, spec);
}

function toNumber(token: string, spec: FieldSpec): number {
  if (!/^\d+$/.test(token)) {
    throw new FieldProblem(
      token === '' ? 'missing value' : `"${token}" is not ${spec.names ? 'a number or name' : 'a number'}`,
    );
  }
  const value = Number(token);
  if (value < spec.min || value > spec.max) {
    throw new FieldProblem(`value ${token} is out of range ${spec.min}-${spec.max}`);
  }
  return value;
}

/** The forms of `expression` that EventBridge accepts but AWS's cron reference does not document. */
export function undocumentedCronForms(expression: string): string[] {
  const inner = /^cron\((.*)\)$/i.exec(expression.trim())?.[1];
  const dom = inner?.trim().split(/\s+/)[2]?.toUpperCase();
  if (dom === 'LW') return ['"LW" (the last weekday of the month)'];
  if (dom && /^L-\d+$/.test(dom)) return [`"${dom}" (${dom.slice(2)} days before the last day of the month)`];
  return [];
}
