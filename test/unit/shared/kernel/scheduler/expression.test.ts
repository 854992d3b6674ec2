import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../../shared/kernel/errors';
import {
  daysInMonth,
  parseScheduleExpression,
  ScheduleExpressionError,
  validateScheduleExpression,
} from '../../../../../shared/kernel/scheduler/expression';

describe('Function: parseScheduleExpression', () => {
  describe('rate expressions', () => {
    it.each<[string, number, 'minute' | 'hour' | 'day', number]>([
      ['rate(1 minute)', 1, 'minute', 60_000],
      ['rate(5 minutes)', 5, 'minute', 300_000],
      ['rate(1 hour)', 1, 'hour', 3_600_000],
      ['rate(12 hours)', 12, 'hour', 43_200_000],
      ['rate(1 day)', 1, 'day', 86_400_000],
      ['rate(7 days)', 7, 'day', 604_800_000],
      ['rate(  2   hours )', 2, 'hour', 7_200_000],
    ])('parses %s as every %i %s (%i ms)', (expression, value, unit, intervalMs) => {
      expect(parseScheduleExpression(expression)).toEqual({
        kind: 'rate',
        expression,
        value,
        unit,
        intervalMs,
      });
    });
  });

  describe('at expressions', () => {
    it.each([
      ['at(2026-03-29T09:30:00)', { year: 2026, month: 3, day: 29, hour: 9, minute: 30, second: 0 }],
      ['at(2028-02-29T00:00:00)', { year: 2028, month: 2, day: 29, hour: 0, minute: 0, second: 0 }],
      ['at(2199-12-31T23:59:59)', { year: 2199, month: 12, day: 31, hour: 23, minute: 59, second: 59 }],
    ])('parses %s as a wall time without zone', (expression, at) => {
      expect(parseScheduleExpression(expression)).toEqual({ kind: 'at', expression, at });
    });
  });

  it('throws a permanent ScheduleExpressionError that names the expression and every problem', () => {
    // Prepare
    const expression = 'cron(60 24 * * ? *)';

    // Act
    let thrown: unknown;
    try {
      parseScheduleExpression(expression);
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(ScheduleExpressionError);
    expect(thrown).toBeInstanceOf(PermanentError);
    const error = thrown as ScheduleExpressionError;
    expect(error.name).toBe('ScheduleExpressionError');
    expect(error.retryable).toBe(false);
    expect(error.expression).toBe(expression);
    expect(error.problems).toEqual([
      'cron minutes field "60": value 60 is out of range 0-59',
      'cron hours field "24": value 24 is out of range 0-23',
    ]);
    expect(error.message).toBe(
      'cron minutes field "60": value 60 is out of range 0-59; cron hours field "24": value 24 is out of range 0-23',
    );
  });

  it('uses the single problem as the whole message', () => {
    expect(() => parseScheduleExpression('cron(0 9 ? * MON-FRII *)')).toThrow(
      new ScheduleExpressionError('cron(0 9 ? * MON-FRII *)', [
        'cron day-of-week field "MON-FRII": unknown day name "FRII"',
      ]),
    );
  });
});

describe('Function: validateScheduleExpression', () => {
  it.each(['rate(1 hour)', 'cron(0 9 ? * MON-FRI *)', 'at(2026-03-29T02:30:00)'])(
    'returns no problems for the valid %s',
    (expression) => {
      expect(validateScheduleExpression(expression)).toEqual([]);
    },
  );

  it.each<[string, string[]]>([
    ['', ['schedule expression is empty']],
    [' rate(1 hour)', ['schedule expression " rate(1 hour)" has leading or trailing white space']],
    ['rate(1 hour)\n', ['schedule expression "rate(1 hour)\n" has leading or trailing white space']],
    [
      'every 5 minutes',
      [
        'schedule expression "every 5 minutes": expected rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss)',
      ],
    ],
    [
      'Rate(5 minutes)',
      [
        'schedule expression "Rate(5 minutes)": expected rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss)',
      ],
    ],
    [
      'cron 0 9 * * ? *',
      [
        'schedule expression "cron 0 9 * * ? *": expected rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss)',
      ],
    ],
    [`rate(${'1'.repeat(251)} minutes)`, ['schedule expression is 265 characters long; the maximum is 256']],
  ])('refuses %j: %j', (expression, problems) => {
    expect(validateScheduleExpression(expression)).toEqual(problems);
  });

  it('refuses a value that is not a string instead of crashing', () => {
    expect(validateScheduleExpression(42 as unknown as string)).toEqual([
      'schedule expression must be a string, got number',
    ]);
  });

  describe('rate expressions', () => {
    it.each<[string, string[]]>([
      ['rate(0 minutes)', ['rate value "0" must be a positive integer']],
      ['rate(0 minute)', ['rate value "0" must be a positive integer']],
      ['rate(-1 minutes)', ['rate value "-1" must be a positive integer']],
      ['rate(1.5 hours)', ['rate value "1.5" must be a positive integer']],
      ['rate(five minutes)', ['rate value "five" must be a positive integer']],
      ['rate(99999999999999999 days)', ['rate value "99999999999999999" is too large']],
      ['rate(1 hours)', ['rate unit "hours": use "hour" when the value is 1']],
      ['rate(1 minutes)', ['rate unit "minutes": use "minute" when the value is 1']],
      ['rate(1 days)', ['rate unit "days": use "day" when the value is 1']],
      ['rate(2 hour)', ['rate unit "hour": use "hours" when the value is greater than 1']],
      ['rate(5 minute)', ['rate unit "minute": use "minutes" when the value is greater than 1']],
      ['rate(10 day)', ['rate unit "day": use "days" when the value is greater than 1']],
      ['rate(2 weeks)', ['rate unit "weeks" must be one of minute, minutes, hour, hours, day, days']],
      ['rate(5 Minutes)', ['rate unit "Minutes" must be one of minute, minutes, hour, hours, day, days']],
      [
        'rate(x weeks)',
        [
          'rate value "x" must be a positive integer',
          'rate unit "weeks" must be one of minute, minutes, hour, hours, day, days',
        ],
      ],
      ['rate(5)', ['rate expression "rate(5)": expected "rate(value unit)", e.g. rate(5 minutes)']],
      ['rate()', ['rate expression "rate()": expected "rate(value unit)", e.g. rate(5 minutes)']],
      [
        'rate(5 minutes 2)',
        ['rate expression "rate(5 minutes 2)": expected "rate(value unit)", e.g. rate(5 minutes)'],
      ],
    ])('refuses %s: %j', (expression, problems) => {
      expect(validateScheduleExpression(expression)).toEqual(problems);
    });
  });

  describe('at expressions', () => {
    it.each<[string, string[]]>([
      ['at(2027-02-29T00:00:00)', ['at date "2027-02-29" does not exist']],
      ['at(2026-04-31T10:00:00)', ['at date "2026-04-31" does not exist']],
      ['at(2026-13-01T10:00:00)', ['at date "2026-13-01" does not exist']],
      ['at(2026-00-10T10:00:00)', ['at date "2026-00-10" does not exist']],
      ['at(2026-01-00T10:00:00)', ['at date "2026-01-00" does not exist']],
      [
        'at(2026-01-01T24:00:00)',
        ['at time "24:00:00" does not exist: hours 00-23, minutes and seconds 00-59'],
      ],
      [
        'at(2026-01-01T10:60:00)',
        ['at time "10:60:00" does not exist: hours 00-23, minutes and seconds 00-59'],
      ],
      [
        'at(2026-01-01T10:00:60)',
        ['at time "10:00:60" does not exist: hours 00-23, minutes and seconds 00-59'],
      ],
      [
        'at(2026-02-30T25:00:00)',
        [
          'at date "2026-02-30" does not exist',
          'at time "25:00:00" does not exist: hours 00-23, minutes and seconds 00-59',
        ],
      ],
      [
        'at(2026-01-01T10:00:00Z)',
        [
          'at expression "at(2026-01-01T10:00:00Z)": offset "Z" is not allowed; the time is read in the schedule\'s time zone',
        ],
      ],
      [
        'at(2026-01-01T10:00:00+02:00)',
        [
          'at expression "at(2026-01-01T10:00:00+02:00)": offset "+02:00" is not allowed; the time is read in the schedule\'s time zone',
        ],
      ],
      [
        'at(2026-01-01 10:00:00)',
        [
          'at expression "at(2026-01-01 10:00:00)": expected at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-03-29T09:30:00)',
        ],
      ],
      [
        'at(2026-01-01T10:00)',
        [
          'at expression "at(2026-01-01T10:00)": expected at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-03-29T09:30:00)',
        ],
      ],
      [
        'at(2026-01-01T10:00:00.000)',
        [
          'at expression "at(2026-01-01T10:00:00.000)": expected at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-03-29T09:30:00)',
        ],
      ],
      [
        'at(2026-1-1T10:00:00)',
        [
          'at expression "at(2026-1-1T10:00:00)": expected at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-03-29T09:30:00)',
        ],
      ],
    ])('refuses %s: %j', (expression, problems) => {
      expect(validateScheduleExpression(expression)).toEqual(problems);
    });
  });
});

describe('Function: daysInMonth', () => {
  it.each([
    [2026, 1, 31],
    [2026, 2, 28],
    [2028, 2, 29],
    [2100, 2, 28],
    [2000, 2, 29],
    [2026, 4, 30],
    [2026, 12, 31],
  ])('%i-%i has %i days', (year, month, days) => {
    expect(daysInMonth(year, month)).toBe(days);
  });
});
