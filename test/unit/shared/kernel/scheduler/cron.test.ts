import { describe, expect, it } from 'vitest';
import {
  parseScheduleExpression,
  validateScheduleExpression,
} from '../../../../../shared/kernel/scheduler/expression';
import type { CronSchedule } from '../../../../../shared/kernel/scheduler/types';

const cron = (expression: string) => parseScheduleExpression(expression) as CronSchedule;
const range = (from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe('Function: parseScheduleExpression (cron)', () => {
  it('parses every field of a weekday-morning schedule into sorted value sets', () => {
    expect(cron('cron(0 9 ? * MON-FRI *)')).toEqual({
      kind: 'cron',
      expression: 'cron(0 9 ? * MON-FRI *)',
      minutes: [0],
      hours: [9],
      dayOfMonth: { type: 'unspecified' },
      months: range(1, 12),
      dayOfWeek: { type: 'days', days: [2, 3, 4, 5, 6] },
      years: range(1970, 2199),
    });
  });

  it.each<[string, number[]]>([
    ['cron(0/15 * * * ? *)', [0, 15, 30, 45]],
    ['cron(*/5 * * * ? *)', range(0, 55, 5)],
    ['cron(10-50/10 * * * ? *)', [10, 20, 30, 40, 50]],
    ['cron(5/20 * * * ? *)', [5, 25, 45]],
    ['cron(1/10 * * * ? *)', [1, 11, 21, 31, 41, 51]],
    ['cron(0,30,15,30 * * * ? *)', [0, 15, 30]],
    ['cron(58-2 * * * ? *)', [0, 1, 2, 58, 59]],
    ['cron(*/60 * * * ? *)', [0]],
    ['cron(07 * * * ? *)', [7]],
  ])('reads the minutes of %s as %j', (expression, minutes) => {
    expect(cron(expression).minutes).toEqual(minutes);
  });

  it.each<[string, number[]]>([
    ['cron(0 22-2 * * ? *)', [0, 1, 2, 22, 23]],
    ['cron(0 8-17 * * ? *)', range(8, 17)],
    ['cron(0 0/6 * * ? *)', [0, 6, 12, 18]],
    ['cron(0 22-4/2 * * ? *)', [0, 2, 4, 22]],
  ])('reads the hours of %s as %j (ranges may wrap past midnight)', (expression, hours) => {
    expect(cron(expression).hours).toEqual(hours);
  });

  it.each<[string, number[]]>([
    ['cron(0 0 1 JAN,jul ? *)', [1, 7]],
    ['cron(0 0 1 1/3 ? *)', [1, 4, 7, 10]],
    ['cron(0 0 1 NOV-FEB ? *)', [1, 2, 11, 12]],
    ['cron(0 0 1 Mar-May ? *)', [3, 4, 5]],
  ])('reads the months of %s as %j (names in any case)', (expression, months) => {
    expect(cron(expression).months).toEqual(months);
  });

  it.each<[string, number[]]>([
    ['cron(0 0 * * ? 2026)', [2026]],
    ['cron(0 0 * * ? 2026,2028-2030)', [2026, 2028, 2029, 2030]],
    ['cron(0 0 * * ? 2026/50)', [2026, 2076, 2126, 2176]],
    ['cron(0 0 * * ? 1970-1971)', [1970, 1971]],
  ])('reads the years of %s as %j', (expression, years) => {
    expect(cron(expression).years).toEqual(years);
  });

  it.each<[string, CronSchedule['dayOfMonth']]>([
    ['cron(0 0 * * ? *)', { type: 'days', days: range(1, 31) }],
    ['cron(0 0 1,15 * ? *)', { type: 'days', days: [1, 15] }],
    ['cron(0 0 1/10 * ? *)', { type: 'days', days: [1, 11, 21, 31] }],
    ['cron(0 0 L * ? *)', { type: 'last' }],
    ['cron(0 0 l * ? *)', { type: 'last' }],
    ['cron(0 0 15W * ? *)', { type: 'nearestWeekday', day: 15 }],
    ['cron(0 0 1w * ? *)', { type: 'nearestWeekday', day: 1 }],
  ])('reads the day-of-month of %s', (expression, dayOfMonth) => {
    const parsed = cron(expression);
    expect(parsed.dayOfMonth).toEqual(dayOfMonth);
    expect(parsed.dayOfWeek).toEqual({ type: 'unspecified' });
  });

  it.each<[string, CronSchedule['dayOfWeek']]>([
    ['cron(0 0 ? * * *)', { type: 'days', days: range(1, 7) }],
    ['cron(0 0 ? * 1 *)', { type: 'days', days: [1] }],
    ['cron(0 0 ? * SUN,sat *)', { type: 'days', days: [1, 7] }],
    ['cron(0 0 ? * FRI-MON *)', { type: 'days', days: [1, 2, 6, 7] }],
    ['cron(0 0 ? * fri-mon *)', { type: 'days', days: [1, 2, 6, 7] }],
    ['cron(0 0 ? * 2-6 *)', { type: 'days', days: [2, 3, 4, 5, 6] }],
    ['cron(0 0 ? * */2 *)', { type: 'days', days: [1, 3, 5, 7] }],
    ['cron(0 0 ? * L *)', { type: 'days', days: [7] }],
    ['cron(0 0 ? * 6L *)', { type: 'last', weekday: 6 }],
    ['cron(0 0 ? * 2l *)', { type: 'last', weekday: 2 }],
    ['cron(0 0 ? * 6#3 *)', { type: 'nth', weekday: 6, nth: 3 }],
    ['cron(0 0 ? * FRI#3 *)', { type: 'nth', weekday: 6, nth: 3 }],
    ['cron(0 0 ? * 3#2 *)', { type: 'nth', weekday: 3, nth: 2 }],
    ['cron(0 0 ? * 2#5 *)', { type: 'nth', weekday: 2, nth: 5 }],
  ])('reads the day-of-week of %s (1 = Sunday; L alone = Saturday)', (expression, dayOfWeek) => {
    const parsed = cron(expression);
    expect(parsed.dayOfWeek).toEqual(dayOfWeek);
    expect(parsed.dayOfMonth).toEqual({ type: 'unspecified' });
  });

  it('accepts fields separated by several spaces', () => {
    expect(cron('cron(0  9 ?   * MON *)').dayOfWeek).toEqual({ type: 'days', days: [2] });
  });
});

describe('Function: validateScheduleExpression (cron)', () => {
  it.each([
    'cron(59 23 31 12 ? 2199)',
    'cron(0 0 1 1 ? 1970)',
    'cron(0,30 8-17 ? * 2-6 *)',
    'cron(0 12 ? * 6L 2026-2030)',
    'cron(15 10 ? * 6#3 *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0/10 * ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
  ])('accepts %s', (expression) => {
    expect(validateScheduleExpression(expression)).toEqual([]);
  });

  it.each<[string, string[]]>([
    // six fields
    [
      'cron(0 9 * *)',
      [
        'cron expression "cron(0 9 * *)": expected 6 fields (minutes hours day-of-month month day-of-week year), got 4',
      ],
    ],
    [
      'cron(0 9 * * ? * *)',
      [
        'cron expression "cron(0 9 * * ? * *)": expected 6 fields (minutes hours day-of-month month day-of-week year), got 7',
      ],
    ],
    [
      'cron(0 9 * * ?)',
      [
        'cron expression "cron(0 9 * * ?)": expected 6 fields (minutes hours day-of-month month day-of-week year), got 5',
      ],
    ],
    [
      'cron()',
      [
        'cron expression "cron()": expected 6 fields (minutes hours day-of-month month day-of-week year), got 0',
      ],
    ],
    // ranges of values
    ['cron(60 * * * ? *)', ['cron minutes field "60": value 60 is out of range 0-59']],
    ['cron(0 24 * * ? *)', ['cron hours field "24": value 24 is out of range 0-23']],
    ['cron(0 0 0 * ? *)', ['cron day-of-month field "0": value 0 is out of range 1-31']],
    ['cron(0 0 32 * ? *)', ['cron day-of-month field "32": value 32 is out of range 1-31']],
    ['cron(0 0 1 13 ? *)', ['cron month field "13": value 13 is out of range 1-12']],
    ['cron(0 0 1 0 ? *)', ['cron month field "0": value 0 is out of range 1-12']],
    ['cron(0 0 ? * 0 *)', ['cron day-of-week field "0": value 0 is out of range 1-7']],
    ['cron(0 0 ? * 8 *)', ['cron day-of-week field "8": value 8 is out of range 1-7']],
    ['cron(0 0 * * ? 1969)', ['cron year field "1969": value 1969 is out of range 1970-2199']],
    ['cron(0 0 * * ? 2200)', ['cron year field "2200": value 2200 is out of range 1970-2199']],
    ['cron(0 0 1-40 * ? *)', ['cron day-of-month field "1-40": value 40 is out of range 1-31']],
    // names
    ['cron(0 9 ? * MON-FRII *)', ['cron day-of-week field "MON-FRII": unknown day name "FRII"']],
    ['cron(0 9 ? * SUNDAY *)', ['cron day-of-week field "SUNDAY": unknown day name "SUNDAY"']],
    ['cron(0 0 1 JANN ? *)', ['cron month field "JANN": unknown month name "JANN"']],
    ['cron(MON * * * ? *)', ['cron minutes field "MON": "MON" is not a number']],
    ['cron(0 0 JAN * ? *)', ['cron day-of-month field "JAN": "JAN" is not a number']],
    ['cron(0 0 ? * JAN *)', ['cron day-of-week field "JAN": unknown day name "JAN"']],
    ['cron(0 0 * * ? 20a0)', ['cron year field "20a0": "20a0" is not a number']],
    // ranges, lists and steps
    ['cron(0 0 * * ? 2030-2020)', ['cron year field "2030-2020": range start 2030 is after range end 2020']],
    ['cron(1-2-3 * * * ? *)', ['cron minutes field "1-2-3": malformed range "1-2-3": expected start-end']],
    ['cron(-5 * * * ? *)', ['cron minutes field "-5": malformed range "-5": expected start-end']],
    ['cron(5- * * * ? *)', ['cron minutes field "5-": malformed range "5-": expected start-end']],
    ['cron(1,,2 * * * ? *)', ['cron minutes field "1,,2": empty value in the list']],
    ['cron(1, * * * ? *)', ['cron minutes field "1,": empty value in the list']],
    ['cron(*/0 * * * ? *)', ['cron minutes field "*/0": step 0 must be between 1 and 60']],
    ['cron(*/61 * * * ? *)', ['cron minutes field "*/61": step 61 must be between 1 and 60']],
    ['cron(0 */25 * * ? *)', ['cron hours field "*/25": step 25 must be between 1 and 24']],
    ['cron(*/x * * * ? *)', ['cron minutes field "*/x": step "x" must be a positive integer']],
    ['cron(*/ * * * ? *)', ['cron minutes field "*/": step "" must be a positive integer']],
    ['cron(1/2/3 * * * ? *)', ['cron minutes field "1/2/3": malformed value "1/2/3": more than one "/"']],
    ['cron(/5 * * * ? *)', ['cron minutes field "/5": malformed value "/5": nothing before "/"']],
    ['cron(** * * * ? *)', ['cron minutes field "**": "**" is not a number']],
    // "?" and the day-of-month / day-of-week rule
    [
      'cron(? 0 * * ? *)',
      ['cron minutes field "?": "?" is only allowed in the day-of-month and day-of-week fields'],
    ],
    [
      'cron(0 ? * * ? *)',
      ['cron hours field "?": "?" is only allowed in the day-of-month and day-of-week fields'],
    ],
    [
      'cron(0 0 * ? ? *)',
      ['cron month field "?": "?" is only allowed in the day-of-month and day-of-week fields'],
    ],
    [
      'cron(0 0 * * ? ?)',
      ['cron year field "?": "?" is only allowed in the day-of-month and day-of-week fields'],
    ],
    ['cron(0 0 ?,1 * ? *)', ['cron day-of-month field "?,1": "?" must be used alone']],
    [
      'cron(0 9 * * MON *)',
      ['cron day-of-month "*" and day-of-week "MON": you cannot specify both; one of them must be "?"'],
    ],
    [
      'cron(0 9 * * * *)',
      ['cron day-of-month "*" and day-of-week "*": you cannot specify both; one of them must be "?"'],
    ],
    [
      'cron(0 9 1 * 2 *)',
      ['cron day-of-month "1" and day-of-week "2": you cannot specify both; one of them must be "?"'],
    ],
    [
      'cron(0 9 ? * ? *)',
      ['cron day-of-month and day-of-week are both "?": exactly one of them must be "?"'],
    ],
    // L, W and # where they are not allowed or not documented
    [
      'cron(L * * * ? *)',
      ['cron minutes field "L": "L" is only allowed in the day-of-month and day-of-week fields'],
    ],
    [
      'cron(0 0 * L ? *)',
      ['cron month field "L": "L" is only allowed in the day-of-month and day-of-week fields'],
    ],
    [
      'cron(0 0 * * ? L)',
      ['cron year field "L": "L" is only allowed in the day-of-month and day-of-week fields'],
    ],
    ['cron(5W 0 * * ? *)', ['cron minutes field "5W": "W" is only allowed in the day-of-month field']],
    ['cron(0 0 ? * 15W *)', ['cron day-of-week field "15W": "W" is only allowed in the day-of-month field']],
    ['cron(0 0 1#2 * ? *)', ['cron day-of-month field "1#2": "#" is only allowed in the day-of-week field']],
    ['cron(0 1#2 * * ? *)', ['cron hours field "1#2": "#" is only allowed in the day-of-week field']],
    ['cron(0 0 L-0 * ? *)', ['cron day-of-month field "L-0": the offset in "L-n" must be 1-30 (got 0)']],
    ['cron(0 0 L-31 * ? *)', ['cron day-of-month field "L-31": the offset in "L-n" must be 1-30 (got 31)']],
    [
      'cron(0 0 1,LW * ? *)',
      [
        'cron day-of-month field "1,LW": "LW" must be the field\'s only value, not part of a list, range or step',
      ],
    ],
    ['cron(0 0 ? * LW *)', ['cron day-of-week field "LW": "W" is only allowed in the day-of-month field']],
    [
      'cron(0 0 1,L * ? *)',
      [
        'cron day-of-month field "1,L": "L" must be the field\'s only value, not part of a list, range or step',
      ],
    ],
    [
      'cron(0 0 1,15W * ? *)',
      [
        'cron day-of-month field "1,15W": "15W" must be the field\'s only value, not part of a list, range or step',
      ],
    ],
    [
      'cron(0 0 ? * 2,6L *)',
      [
        'cron day-of-week field "2,6L": "6L" must be the field\'s only value, not part of a list, range or step',
      ],
    ],
    [
      'cron(0 0 ? * MON-L *)',
      [
        'cron day-of-week field "MON-L": "L" must be the field\'s only value, not part of a list, range or step',
      ],
    ],
    ['cron(0 0 32W * ? *)', ['cron day-of-month field "32W": value 32 is out of range 1-31']],
    ['cron(0 0 0W * ? *)', ['cron day-of-month field "0W": value 0 is out of range 1-31']],
    ['cron(0 0 ? * 8L *)', ['cron day-of-week field "8L": value 8 is out of range 1-7']],
    ['cron(0 0 ? * 8#1 *)', ['cron day-of-week field "8#1": value 8 is out of range 1-7']],
    ['cron(0 0 ? * FRU#1 *)', ['cron day-of-week field "FRU#1": unknown day name "FRU"']],
    [
      'cron(0 0 ? * 3#6 *)',
      [
        'cron day-of-week field "3#6": occurrence "6" after "#" must be 1-5 (a month has at most five of each weekday)',
      ],
    ],
    [
      'cron(0 0 ? * 3#0 *)',
      [
        'cron day-of-week field "3#0": occurrence "0" after "#" must be 1-5 (a month has at most five of each weekday)',
      ],
    ],
    [
      'cron(0 0 ? * 3#1,6#3 *)',
      [
        'cron day-of-week field "3#1,6#3": "#" must be the field\'s only expression, like "3#2"; lists such as "3#1,6#3" are invalid',
      ],
    ],
    [
      'cron(0 0 ? * 3# *)',
      [
        'cron day-of-week field "3#": "#" must be the field\'s only expression, like "3#2"; lists such as "3#1,6#3" are invalid',
      ],
    ],
    // every problem is reported, not just the first
    [
      'cron(60 24 32 13 8 1969)',
      [
        'cron minutes field "60": value 60 is out of range 0-59',
        'cron hours field "24": value 24 is out of range 0-23',
        'cron day-of-month field "32": value 32 is out of range 1-31',
        'cron month field "13": value 13 is out of range 1-12',
        'cron day-of-week field "8": value 8 is out of range 1-7',
        'cron year field "1969": value 1969 is out of range 1970-2199',
        'cron day-of-month "32" and day-of-week "8": you cannot specify both; one of them must be "?"',
      ],
    ],
  ])('refuses %s: %j', (expression, problems) => {
    expect(validateScheduleExpression(expression)).toEqual(problems);
  });
});
