import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../shared/kernel/errors';
import { parseScheduleExpression } from '../../../../shared/kernel/scheduler/expression';
import { matchingDays, nextRuns, type NextRunsOptions } from '../../../../shared/schedules/next';
import type { CronSchedule } from '../../../../shared/kernel/scheduler/types';
import { WallClock } from '../../../../shared/kernel/scheduler/zone';

/** The local times of the next runs, the form a person reads in `ecs-pilot schedule next`. */
const locals = (expression: string, options: Omit<NextRunsOptions, 'from'> & { from: string }) =>
  nextRuns(parseScheduleExpression(expression), { ...options, from: new Date(options.from) }).map(
    (r) => r.local,
  );

const utcs = (expression: string, options: Omit<NextRunsOptions, 'from'> & { from: string }) =>
  nextRuns(parseScheduleExpression(expression), { ...options, from: new Date(options.from) }).map((r) =>
    r.utc.toISOString(),
  );

/** Every run of an hourly cron during one local calendar day. */
function hourlyRunsOn(day: string, timeZone: string, fromUtc: string): string[] {
  return locals('cron(0 * * * ? *)', { from: fromUtc, count: 30, timeZone }).filter((l) => l.startsWith(day));
}

describe('Function: nextRuns', () => {
  describe('rate schedules', () => {
    it('runs hourly from the start date, strictly after from (UTC by default)', () => {
      expect(
        locals('rate(1 hour)', {
          from: '2026-01-01T10:15:00Z',
          count: 3,
          startDate: new Date('2026-01-01T09:00:00Z'),
        }),
      ).toEqual(['2026-01-01T11:00:00+00:00', '2026-01-01T12:00:00+00:00', '2026-01-01T13:00:00+00:00']);
    });

    it('anchors on from when there is no start date: the first run is one interval later', () => {
      expect(utcs('rate(1 hour)', { from: '2026-01-01T10:15:30Z', count: 2 })).toEqual([
        '2026-01-01T11:15:30.000Z',
        '2026-01-01T12:15:30.000Z',
      ]);
    });

    it('does not run at from itself when from is a run time', () => {
      expect(
        utcs('rate(5 minutes)', {
          from: '2026-01-01T10:00:00Z',
          count: 2,
          startDate: new Date('2026-01-01T09:00:00Z'),
        }),
      ).toEqual(['2026-01-01T10:05:00.000Z', '2026-01-01T10:10:00.000Z']);
    });

    it('starts at a future start date itself', () => {
      expect(
        utcs('rate(2 hours)', {
          from: '2026-01-01T00:00:00Z',
          count: 2,
          startDate: new Date('2026-02-01T06:30:00Z'),
        }),
      ).toEqual(['2026-02-01T06:30:00.000Z', '2026-02-01T08:30:00.000Z']);
    });

    it('keeps hourly runs one hour apart across the spring-forward jump in Europe/Berlin', () => {
      expect(
        locals('rate(1 hour)', { from: '2026-03-28T23:30:00Z', count: 4, timeZone: 'Europe/Berlin' }),
      ).toEqual([
        '2026-03-29T01:30:00+01:00',
        '2026-03-29T03:30:00+02:00',
        '2026-03-29T04:30:00+02:00',
        '2026-03-29T05:30:00+02:00',
      ]);
    });

    it('counts a day as 24 hours, so a daily rate moves by an hour on the wall clock after DST starts', () => {
      expect(
        locals('rate(1 day)', {
          from: '2026-03-28T07:00:00Z',
          count: 3,
          timeZone: 'Europe/Berlin',
          startDate: new Date('2026-03-28T08:00:00Z'),
        }),
      ).toEqual(['2026-03-28T09:00:00+01:00', '2026-03-29T10:00:00+02:00', '2026-03-30T10:00:00+02:00']);
    });

    it('stops at the end of 2199', () => {
      const runs = utcs('rate(1 day)', { from: '2199-12-01T00:00:00Z', count: 100 });
      expect(runs).toHaveLength(30);
      expect(runs.at(-1)).toBe('2199-12-31T00:00:00.000Z');
    });
  });

  describe('cron schedules on weekdays', () => {
    it.each<[string, string, string[]]>([
      [
        'after Friday 09:00 the next runs are Monday, Tuesday, Wednesday',
        '2026-03-13T08:30:00Z',
        ['2026-03-16T09:00:00+01:00', '2026-03-17T09:00:00+01:00', '2026-03-18T09:00:00+01:00'],
      ],
      [
        'on Friday before 09:00 the next run is that Friday',
        '2026-03-13T07:59:00Z',
        ['2026-03-13T09:00:00+01:00', '2026-03-16T09:00:00+01:00', '2026-03-17T09:00:00+01:00'],
      ],
      [
        'exactly at Friday 09:00 the next run is Monday',
        '2026-03-13T08:00:00Z',
        ['2026-03-16T09:00:00+01:00', '2026-03-17T09:00:00+01:00', '2026-03-18T09:00:00+01:00'],
      ],
      [
        'across the weekend DST starts, Monday runs at 09:00 summer time',
        '2026-03-27T12:00:00Z',
        ['2026-03-30T09:00:00+02:00', '2026-03-31T09:00:00+02:00', '2026-04-01T09:00:00+02:00'],
      ],
    ])('cron(0 9 ? * MON-FRI *) in Europe/Berlin: %s', (_, from, expected) => {
      expect(locals('cron(0 9 ? * MON-FRI *)', { from, count: 3, timeZone: 'Europe/Berlin' })).toEqual(
        expected,
      );
    });

    it('converts the wall time to UTC with the offset of the day', () => {
      expect(
        utcs('cron(0 9 ? * MON-FRI *)', {
          from: '2026-03-27T12:00:00Z',
          count: 1,
          timeZone: 'Europe/Berlin',
        }),
      ).toEqual(['2026-03-30T07:00:00.000Z']);
    });
  });

  describe('cron schedules across daylight saving changes', () => {
    it.each<[string, string, string, string[], string[]]>([
      [
        'Europe/Berlin spring forward: 02:30 does not exist on 2026-03-29 and is skipped',
        'Europe/Berlin',
        '2026-03-27T12:00:00Z',
        ['2026-03-28T02:30:00+01:00', '2026-03-30T02:30:00+02:00', '2026-03-31T02:30:00+02:00'],
        ['2026-03-28T01:30:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z'],
      ],
      [
        'Europe/Berlin fall back: 02:30 occurs twice on 2026-10-25 and runs once, at the first',
        'Europe/Berlin',
        '2026-10-23T12:00:00Z',
        ['2026-10-24T02:30:00+02:00', '2026-10-25T02:30:00+02:00', '2026-10-26T02:30:00+01:00'],
        ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
      ],
      [
        'America/New_York spring forward: 02:30 does not exist on 2026-03-08 and is skipped',
        'America/New_York',
        '2026-03-06T12:00:00Z',
        ['2026-03-07T02:30:00-05:00', '2026-03-09T02:30:00-04:00', '2026-03-10T02:30:00-04:00'],
        ['2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z'],
      ],
      [
        'America/New_York fall back: 02:30 is after the repeated hour (01:00-01:59) and runs normally',
        'America/New_York',
        '2026-10-30T12:00:00Z',
        ['2026-10-31T02:30:00-04:00', '2026-11-01T02:30:00-05:00', '2026-11-02T02:30:00-05:00'],
        ['2026-10-31T06:30:00.000Z', '2026-11-01T07:30:00.000Z', '2026-11-02T07:30:00.000Z'],
      ],
    ])('cron(30 2 * * ? *): %s', (_, timeZone, from, expectedLocal, expectedUtc) => {
      expect(locals('cron(30 2 * * ? *)', { from, count: 3, timeZone })).toEqual(expectedLocal);
      expect(utcs('cron(30 2 * * ? *)', { from, count: 3, timeZone })).toEqual(expectedUtc);
    });

    it('cron(30 1 * * ? *) in America/New_York runs once in the repeated hour of 2026-11-01, at the first 01:30', () => {
      expect(
        locals('cron(30 1 * * ? *)', {
          from: '2026-10-31T12:00:00Z',
          count: 2,
          timeZone: 'America/New_York',
        }),
      ).toEqual(['2026-11-01T01:30:00-04:00', '2026-11-02T01:30:00-05:00']);
    });

    it('does not run at the second occurrence when from falls between the two', () => {
      // 01:15Z is 02:15 winter time, after the first 02:30 (00:30Z) and before the second (01:30Z).
      expect(
        locals('cron(30 2 * * ? *)', { from: '2026-10-25T01:15:00Z', count: 1, timeZone: 'Europe/Berlin' }),
      ).toEqual(['2026-10-26T02:30:00+01:00']);
    });

    it.each<[string, string, string, number, number[]]>([
      ['Europe/Berlin', '2026-03-29', '2026-03-28T22:59:59Z', 23, [0, 1, ...range(3, 23)]],
      ['Europe/Berlin', '2026-10-25', '2026-10-24T21:59:59Z', 24, range(0, 23)],
      ['America/New_York', '2026-03-08', '2026-03-08T04:59:59Z', 23, [0, 1, ...range(3, 23)]],
      ['America/New_York', '2026-11-01', '2026-11-01T03:59:59Z', 24, range(0, 23)],
    ])(
      'an hourly cron in %s runs on %s every wall hour once: %i runs',
      (timeZone, day, from, runs, hours) => {
        const runsOnDay = hourlyRunsOn(day, timeZone, from);
        expect(runsOnDay).toHaveLength(runs);
        expect(runsOnDay.map((l) => Number(l.slice(11, 13)))).toEqual(hours);
      },
    );

    it('an hourly cron leaves a one-hour gap in UTC at the spring-forward jump in Europe/Berlin', () => {
      expect(
        utcs('cron(0 * * * ? *)', { from: '2026-03-28T23:30:00Z', count: 3, timeZone: 'Europe/Berlin' }),
      ).toEqual([
        '2026-03-29T00:00:00.000Z', // 01:00+01:00
        '2026-03-29T01:00:00.000Z', // 03:00+02:00
        '2026-03-29T02:00:00.000Z', // 04:00+02:00
      ]);
    });

    it('an hourly cron leaves two hours in UTC between 02:00 summer time and 03:00 winter time in Europe/Berlin', () => {
      expect(
        locals('cron(0 * * * ? *)', { from: '2026-10-24T22:30:00Z', count: 4, timeZone: 'Europe/Berlin' }),
      ).toEqual([
        '2026-10-25T01:00:00+02:00',
        '2026-10-25T02:00:00+02:00',
        '2026-10-25T03:00:00+01:00',
        '2026-10-25T04:00:00+01:00',
      ]);
      expect(
        utcs('cron(0 * * * ? *)', { from: '2026-10-24T22:30:00Z', count: 4, timeZone: 'Europe/Berlin' }),
      ).toEqual([
        '2026-10-24T23:00:00.000Z',
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T02:00:00.000Z',
        '2026-10-25T03:00:00.000Z',
      ]);
    });

    it('skips the minutes of a half-hour DST jump (Australia/Lord_Howe, 2026-10-04 02:00 → 02:30)', () => {
      expect(
        locals('cron(0/15 2 * * ? *)', {
          from: '2026-10-03T12:00:00Z',
          count: 6,
          timeZone: 'Australia/Lord_Howe',
        }),
      ).toEqual([
        '2026-10-04T02:30:00+11:00',
        '2026-10-04T02:45:00+11:00',
        '2026-10-05T02:00:00+11:00',
        '2026-10-05T02:15:00+11:00',
        '2026-10-05T02:30:00+11:00',
        '2026-10-05T02:45:00+11:00',
      ]);
    });

    it('keeps offsets that are not whole hours (Asia/Kolkata)', () => {
      expect(
        utcs('cron(0 9 * * ? *)', { from: '2026-01-01T00:00:00Z', count: 1, timeZone: 'Asia/Kolkata' }),
      ).toEqual(['2026-01-01T03:30:00.000Z']);
    });
  });

  describe('cron day rules', () => {
    it.each<[string, string, string, string[]]>([
      [
        'L: the last day of February, in a non-leap and a leap year',
        'cron(0 12 L 2 ? *)',
        '2027-01-01T00:00:00Z',
        ['2027-02-28', '2028-02-29', '2029-02-28'],
      ],
      [
        'L: the last day of each month',
        'cron(0 12 L * ? *)',
        '2026-04-01T00:00:00Z',
        ['2026-04-30', '2026-05-31', '2026-06-30'],
      ],
      [
        '15W: the 15th is a Saturday → Friday the 14th',
        'cron(0 12 15W * ? *)',
        '2026-08-01T00:00:00Z',
        ['2026-08-14'],
      ],
      [
        '15W: the 15th is a Sunday → Monday the 16th',
        'cron(0 12 15W * ? *)',
        '2026-03-01T00:00:00Z',
        ['2026-03-16'],
      ],
      [
        '15W: the 15th is a Tuesday → the 15th',
        'cron(0 12 15W * ? *)',
        '2026-09-01T00:00:00Z',
        ['2026-09-15'],
      ],
      [
        '1W: the 1st is a Saturday → Monday the 3rd, never the previous month',
        'cron(0 12 1W * ? *)',
        '2026-07-31T13:00:00Z',
        ['2026-08-03'],
      ],
      [
        '1W: the 1st is a Sunday → Monday the 2nd',
        'cron(0 12 1W * ? *)',
        '2026-02-03T00:00:00Z',
        ['2026-03-02'],
      ],
      [
        '31W: the 31st is a Sunday → Friday the 29th, never the next month',
        'cron(0 12 31W * ? *)',
        '2026-05-01T00:00:00Z',
        ['2026-05-29'],
      ],
      [
        '30W: February has no 30th, so it has no run',
        'cron(0 12 30W * ? *)',
        '2026-02-01T00:00:00Z',
        ['2026-03-30', '2026-04-30'],
      ],
      ['6#3: the third Friday', 'cron(0 12 ? * 6#3 *)', '2026-03-01T00:00:00Z', ['2026-03-20', '2026-04-17']],
      [
        '2#5: the fifth Monday, only in months that have one',
        'cron(0 12 ? * 2#5 *)',
        '2026-03-01T00:00:00Z',
        ['2026-03-30', '2026-06-29'],
      ],
      ['2L: the last Monday', 'cron(0 12 ? * 2L *)', '2026-03-01T00:00:00Z', ['2026-03-30', '2026-04-27']],
      ['6L: the last Friday', 'cron(0 12 ? * 6L *)', '2026-03-01T00:00:00Z', ['2026-03-27', '2026-04-24']],
      [
        'L alone: the last day of the week, Saturday',
        'cron(0 12 ? * L *)',
        '2026-03-01T00:00:00Z',
        ['2026-03-07', '2026-03-14'],
      ],
      [
        'FRI-MON: a wrapping weekday range',
        'cron(0 12 ? * FRI-MON *)',
        '2026-03-04T00:00:00Z',
        ['2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-13'],
      ],
      [
        '31: months without a 31st are passed over',
        'cron(0 12 31 * ? *)',
        '2026-04-01T00:00:00Z',
        ['2026-05-31', '2026-07-31'],
      ],
    ])('%s', (_, expression, from, days) => {
      expect(locals(expression, { from, count: days.length }).map((l) => l.slice(0, 10))).toEqual(days);
    });
  });

  describe('at schedules', () => {
    it.each<[string, string, string, string[]]>([
      [
        'runs once when the time is after from',
        'at(2026-06-01T09:30:00)',
        '2026-05-01T00:00:00Z',
        ['2026-06-01T09:30:00+02:00'],
      ],
      ['does not run when the time is before from', 'at(2026-06-01T09:30:00)', '2026-07-01T00:00:00Z', []],
      ['does not run when the time is exactly from', 'at(2026-06-01T09:30:00)', '2026-06-01T07:30:00Z', []],
      [
        'runs a time in the spring-forward gap as many minutes after the gap (02:30 → 03:30)',
        'at(2026-03-29T02:30:00)',
        '2026-03-01T00:00:00Z',
        ['2026-03-29T03:30:00+02:00'],
      ],
      [
        'runs a repeated time at its first occurrence',
        'at(2026-10-25T02:30:00)',
        '2026-10-01T00:00:00Z',
        ['2026-10-25T02:30:00+02:00'],
      ],
      ['keeps the seconds', 'at(2026-06-01T09:30:45)', '2026-05-01T00:00:00Z', ['2026-06-01T09:30:45+02:00']],
    ])('%s', (_, expression, from, expected) => {
      expect(locals(expression, { from, count: 5, timeZone: 'Europe/Berlin' })).toEqual(expected);
    });

    it('ignores the start date, as Scheduler does for one-time schedules', () => {
      expect(
        utcs('at(2026-06-01T09:30:00)', {
          from: '2026-05-01T00:00:00Z',
          count: 1,
          startDate: new Date('2027-01-01T00:00:00Z'),
        }),
      ).toEqual(['2026-06-01T09:30:00.000Z']);
    });
  });

  describe('defaults, bounds and options', () => {
    it('evaluates in UTC when no time zone is given', () => {
      expect(locals('cron(0 12 * * ? *)', { from: '2026-06-01T00:00:00Z', count: 2 })).toEqual([
        '2026-06-01T12:00:00+00:00',
        '2026-06-02T12:00:00+00:00',
      ]);
    });

    it('drops cron runs before the start date and keeps one on it', () => {
      expect(
        utcs('cron(0 12 * * ? *)', {
          from: '2026-01-01T00:00:00Z',
          count: 2,
          startDate: new Date('2026-01-10T12:00:00Z'),
        }),
      ).toEqual(['2026-01-10T12:00:00.000Z', '2026-01-11T12:00:00.000Z']);
    });

    it.each<[string, string, number]>([
      ['February 30th never comes', 'cron(0 0 30 2 ? *)', 0],
      ['the years are all in the past', 'cron(0 0 * * ? 2000-2010)', 0],
      ['only two runs are left before 2200', 'cron(0 0 1 1 ? 2198-2199)', 2],
      ['February has no fifth Friday in 2027-2031', 'cron(0 0 ? 2 6#5 2027-2031)', 0],
    ])('returns fewer runs, quickly, when %s', (_, expression, runs) => {
      const started = performance.now();
      expect(locals(expression, { from: '2026-01-01T00:00:00Z', count: 5 })).toHaveLength(runs);
      expect(performance.now() - started).toBeLessThan(500);
    });

    it('computes the next 1,000 runs of an every-5-minutes cron in well under 100 ms', () => {
      // Prepare
      const schedule = parseScheduleExpression('cron(0/5 * * * ? *)');
      const options = { from: new Date('2026-03-28T20:02:00Z'), count: 1000, timeZone: 'Europe/Berlin' };
      nextRuns(schedule, options); // warm up the formatter

      // Act
      const started = performance.now();
      const runs = nextRuns(schedule, options);
      const elapsed = performance.now() - started;

      // Assess
      expect(elapsed).toBeLessThan(100);
      expect(runs).toHaveLength(1000);
      expect(runs[0]?.local).toBe('2026-03-28T21:05:00+01:00');
      // Across the jump the UTC spacing stays 5 minutes: 01:55+01:00 is followed by 03:00+02:00.
      const gaps = new Set(runs.slice(1).map((run, i) => run.utc.getTime() - (runs[i]?.utc.getTime() ?? 0)));
      expect([...gaps]).toEqual([300_000]);
    });

    it('returns nothing for a count of zero', () => {
      expect(locals('rate(1 hour)', { from: '2026-01-01T00:00:00Z', count: 0 })).toEqual([]);
    });

    it.each<[string, Partial<NextRunsOptions>, string]>([
      [
        'an offset instead of a zone',
        { timeZone: '+02:00' },
        'nextRuns: unknown time zone "+02:00": expected an IANA name such as Europe/Berlin',
      ],
      [
        'an unknown zone',
        { timeZone: 'Mars/Olympus' },
        'nextRuns: unknown time zone "Mars/Olympus": expected an IANA name such as Europe/Berlin',
      ],
      ['a negative count', { count: -1 }, 'nextRuns: "count" must be a non-negative integer, got -1'],
      ['a fractional count', { count: 1.5 }, 'nextRuns: "count" must be a non-negative integer, got 1.5'],
      ['an invalid from', { from: new Date('nope') }, 'nextRuns: "from" must be a valid Date'],
      [
        'an invalid start date',
        { startDate: new Date('nope') },
        'nextRuns: "startDate" must be a valid Date',
      ],
    ])('refuses %s with a permanent error', (_, override, message) => {
      const options = { from: new Date('2026-01-01T00:00:00Z'), count: 1, ...override };
      expect(() => nextRuns(parseScheduleExpression('rate(1 hour)'), options)).toThrow(
        new PermanentError(message),
      );
    });
  });
});

describe('Function: nextRuns (L-n and LW)', () => {
  it('shows the runs of L-2 and LW across a leap February and a 30-day month', () => {
    expect(utcs('cron(30 9 L-2 * ? *)', { from: '2024-01-31T00:00:00Z', count: 3 })).toEqual([
      '2024-02-27T09:30:00.000Z',
      '2024-03-29T09:30:00.000Z',
      '2024-04-28T09:30:00.000Z',
    ]);
    expect(utcs('cron(0 18 LW * ? *)', { from: '2026-02-01T00:00:00Z', count: 4 })).toEqual([
      '2026-02-27T18:00:00.000Z',
      '2026-03-31T18:00:00.000Z',
      '2026-04-30T18:00:00.000Z',
      '2026-05-29T18:00:00.000Z',
    ]);
  });
});

describe('Function: matchingDays', () => {
  it.each<[string, number, number, number[]]>([
    ['cron(0 0 ? * MON *)', 2026, 3, [2, 9, 16, 23, 30]],
    ['cron(0 0 ? * SUN *)', 2026, 2, [1, 8, 15, 22]],
    ['cron(0 0 1,15,31 * ? *)', 2026, 4, [1, 15]],
    ['cron(0 0 ? * 1#1 *)', 2026, 3, [1]],
    ['cron(0 0 ? * 7L *)', 2026, 2, [28]],
    // L-n: n days before the last day; none when that falls before the 1st (the documented choice).
    ['cron(30 9 L-2 * ? *)', 2024, 2, [27]],
    ['cron(30 9 L-2 * ? *)', 2026, 2, [26]],
    ['cron(30 9 L-2 * ? *)', 2026, 4, [28]],
    ['cron(30 9 L-28 * ? *)', 2024, 2, [1]],
    ['cron(30 9 L-28 * ? *)', 2026, 2, []],
    ['cron(30 9 L-30 * ? *)', 2024, 2, []],
    ['cron(30 9 L-30 * ? *)', 2026, 4, []],
    ['cron(30 9 L-30 * ? *)', 2026, 5, [1]],
    // LW: the last Monday-Friday of the month.
    ['cron(0 18 LW * ? *)', 2024, 2, [29]],
    ['cron(0 18 LW * ? *)', 2028, 2, [29]],
    ['cron(0 18 LW * ? *)', 2026, 2, [27]],
    ['cron(0 18 LW * ? *)', 2026, 4, [30]],
    ['cron(0 18 LW * ? *)', 2026, 5, [29]],
  ])('%s selects in %i-%i the days %j', (expression, year, month, days) => {
    const { dayOfMonth, dayOfWeek } = parseScheduleExpression(expression) as CronSchedule;
    expect(matchingDays(year, month, dayOfMonth, dayOfWeek)).toEqual(days);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('Property: cron runs', () => {
  const ZONES = [
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'America/Sao_Paulo',
    'Pacific/Chatham',
  ];

  /** A minutes or hours field built from every form the grammar allows, with the values it names. */
  const field = (max: number) =>
    fc.oneof(
      fc.constant('*'),
      fc.uniqueArray(fc.integer({ min: 0, max }), { minLength: 1, maxLength: 4 }).map((v) => v.join(',')),
      fc.tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max })).map(([a, b]) => `${a}-${b}`),
      fc
        .tuple(fc.integer({ min: 0, max }), fc.integer({ min: 1, max: max + 1 }))
        .map(([a, s]) => `${a}/${s}`),
      fc.integer({ min: 1, max: max + 1 }).map((s) => `*/${s}`),
    );

  /** Clock changes in 2026, so that some cases start within a day and a half of one. */
  const TRANSITIONS: [string, string][] = [
    ['Europe/Berlin', '2026-03-29T01:00:00Z'],
    ['Europe/Berlin', '2026-10-25T01:00:00Z'],
    ['America/New_York', '2026-03-08T07:00:00Z'],
    ['America/New_York', '2026-11-01T06:00:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
    ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
  ];
  const HOURS_36 = 36 * 3_600_000;

  const anywhere = fc.record({
    from: fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    timeZone: fc.constantFrom(...ZONES),
  });
  const nearTransition = fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -HOURS_36, max: HOURS_36 }))
    .map(([[timeZone, at], shift]) => ({ timeZone, from: new Date(Date.parse(at) + shift) }));

  const cases = fc
    .tuple(field(59), field(23), fc.oneof(anywhere, nearTransition))
    .map(([minutes, hours, { from, timeZone }]) => ({ minutes, hours, from, timeZone }));

  it('returns runs that are strictly increasing, after from, and on the wall times the expression names', () => {
    fc.assert(
      fc.property(cases, ({ minutes, hours, from, timeZone }) => {
        const schedule = parseScheduleExpression(`cron(${minutes} ${hours} * * ? *)`) as CronSchedule;
        const runs = nextRuns(schedule, { from, count: 6, timeZone });
        const clock = new WallClock(timeZone);

        expect(runs).toHaveLength(6);
        let previous = from.getTime();
        for (const run of runs) {
          expect(run.utc.getTime()).toBeGreaterThan(previous);
          previous = run.utc.getTime();
          const wall = clock.wallAt(run.utc.getTime());
          expect(schedule.minutes).toContain(wall.minute);
          expect(schedule.hours).toContain(wall.hour);
          expect(wall.second).toBe(0);
          expect(run.local).toBe(clock.format(run.utc.getTime()));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with a minute-by-minute walk of the time line that runs each wall time once', () => {
    fc.assert(
      fc.property(cases, ({ minutes, hours, from, timeZone }) => {
        const schedule = parseScheduleExpression(`cron(${minutes} ${hours} * * ? *)`) as CronSchedule;
        const runs = nextRuns(schedule, { from, count: 3, timeZone }).map((r) => r.utc.getTime());
        const last = runs[runs.length - 1] ?? from.getTime();

        // Walk every UTC minute from 3 hours before `from` (to see a repeated hour's first pass).
        const clock = new WallClock(timeZone);
        const seen = new Set<string>();
        const walked: number[] = [];
        const MINUTE = 60_000;
        for (let t = Math.floor(from.getTime() / MINUTE) * MINUTE - 180 * MINUTE; t <= last; t += MINUTE) {
          const wall = clock.wallAt(t);
          const key = `${wall.year}-${wall.month}-${wall.day} ${wall.hour}:${wall.minute}`;
          const first = !seen.has(key);
          seen.add(key);
          if (
            first &&
            t > from.getTime() &&
            schedule.minutes.includes(wall.minute) &&
            schedule.hours.includes(wall.hour)
          ) {
            walked.push(t);
          }
        }
        expect(walked).toEqual(runs);
      }),
      { numRuns: 40 },
    );
  });
});
