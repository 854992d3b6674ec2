import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import { OVERLAP_POLICIES, SCHEDULE_PLACEHOLDERS, scheduleSchema } from '../../../../shared/schedules/config';
import { ConfigError } from '../../../../shared/kernel/errors';
import { validateScheduleExpression } from '../../../../shared/kernel/scheduler/expression';
import { rawTask, rawTrigger } from '../fixtures';

/** A raw schedule as written in the YAML config; `task` fields are merged over a minimal valid task. */
const rawSchedule = (fields: Record<string, unknown> = {}, task: Record<string, unknown> = {}) => ({
  name: 'nightly',
  schedule: 'cron(30 1 * * ? *)',
  ...fields,
  task: { ...rawTask, ...task },
});

/** Every issue parseConfig reports for a config, or [] when it is valid. */
function issuesOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
}

const issuesOfSchedule = (fields: Record<string, unknown> = {}, task: Record<string, unknown> = {}) =>
  issuesOf({ schedules: [rawSchedule(fields, task)] });

describe('Config section: schedules', () => {
  describe('defaults', () => {
    it('reads the expression in UTC, skips overlapping runs, retries for 15 min and has no flexible window', () => {
      // Act
      const [schedule] = parseConfig({ schedules: [rawSchedule()] }).schedules;

      // Assess
      expect(schedule).toEqual({
        name: 'nightly',
        schedule: 'cron(30 1 * * ? *)',
        timezone: 'UTC',
        overlap: 'skip',
        retryWindowMinutes: 15,
        task: expect.objectContaining({ cluster: 'media', taskDefinition: 'thumbnailer' }),
      });
      expect(schedule).not.toHaveProperty('flexibleWindowMinutes');
    });

    it('has no schedules when the section is left out', () => {
      expect(parseConfig({}).schedules).toEqual([]);
    });

    it('keeps every value that is given', () => {
      // Prepare
      const fields = {
        timezone: 'Europe/Berlin',
        flexibleWindowMinutes: 10,
        overlap: 'replace',
        retryWindowMinutes: 60,
      };

      // Act
      const [schedule] = parseConfig({ schedules: [rawSchedule(fields)] }).schedules;

      // Assess
      expect(schedule).toMatchObject(fields);
    });

    it('offers exactly the policies skip, allow and replace and the placeholders {schedule} and {scheduledTime}', () => {
      expect(OVERLAP_POLICIES).toEqual(['skip', 'allow', 'replace']);
      expect(SCHEDULE_PLACEHOLDERS).toEqual(['schedule', 'scheduledTime']);
    });
  });

  describe('schedule expressions', () => {
    it.each([
      'rate(1 minute)',
      'rate(5 minutes)',
      'rate(1 day)',
      'cron(0 9 ? * MON-FRI *)',
      'cron(30 1 * * ? *)',
      'cron(0 0 L * ? 2027)',
      'at(2027-01-01T00:00:00)',
    ])('accepts %s', (expression) => {
      expect(issuesOfSchedule({ schedule: expression })).toEqual([]);
    });

    it.each([
      ['a cron minute out of range', 'cron(60 * * * ? *)'],
      ['a cron with both day fields', 'cron(0 9 * * * *)'],
      ['a cron with five fields', 'cron(0 9 * * ?)'],
      ['a rate of zero', 'rate(0 minutes)'],
      ['a rate with a plural unit for 1', 'rate(1 minutes)'],
      ['a rate in weeks', 'rate(1 week)'],
      ['an at date that does not exist', 'at(2026-13-01T00:00:00)'],
      ['an at time with a zone', 'at(2027-01-01T00:00:00Z)'],
      ['no known form', 'every day at 9'],
      ['an empty expression', ''],
    ])('refuses %s with the engine’s message at schedules[0].schedule', (_name, expression) => {
      // Prepare
      const problems = validateScheduleExpression(expression);

      // Act
      const issues = issuesOfSchedule({ schedule: expression });

      // Assess
      expect(problems.length).toBeGreaterThan(0);
      expect(issues).toEqual(problems.map((problem) => `schedules[0].schedule: ${problem}`));
    });

    it('names the index of the schedule with the bad expression', () => {
      // Act
      const issues = issuesOf({
        schedules: [rawSchedule(), rawSchedule({ name: 'hourly', schedule: 'rate(1 hours)' })],
      });

      // Assess
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(/^schedules\[1\]\.schedule: /);
    });

    it('requires the expression', () => {
      const { schedule: _omitted, ...withoutExpression } = rawSchedule();

      expect(issuesOf({ schedules: [withoutExpression] })).toEqual([
        'schedules[0].schedule: required (string)',
      ]);
    });
  });

  describe('timezone', () => {
    it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'])(
      'accepts the IANA zone %s',
      (timezone) => {
        expect(issuesOfSchedule({ timezone })).toEqual([]);
      },
    );

    it.each(['Mars/Olympus_Mons', 'Berlin', 'CEST+1', ''])('refuses the unknown zone %j', (timezone) => {
      expect(issuesOfSchedule({ timezone })).toEqual([
        'schedules[0].timezone: an IANA time zone such as Europe/Berlin or UTC',
      ]);
    });
  });

  describe('flexibleWindowMinutes and retryWindowMinutes', () => {
    it.each([1, 15, 1440])('accepts a flexible window of %i minutes', (flexibleWindowMinutes) => {
      expect(issuesOfSchedule({ flexibleWindowMinutes })).toEqual([]);
    });

    it.each([
      [0, 'Too small: expected number to be >=1'],
      [1441, 'Too big: expected number to be <=1440'],
    ])('refuses a flexible window of %i minutes', (flexibleWindowMinutes, message) => {
      expect(issuesOfSchedule({ flexibleWindowMinutes })).toEqual([
        `schedules[0].flexibleWindowMinutes: ${message}`,
      ]);
    });

    it('refuses a flexible window that is not a whole number', () => {
      expect(issuesOfSchedule({ flexibleWindowMinutes: 2.5 })).toEqual([
        expect.stringMatching(/^schedules\[0\]\.flexibleWindowMinutes: /),
      ]);
    });

    it.each([
      [0, 'Too small: expected number to be >=1'],
      [1441, 'Too big: expected number to be <=1440'],
    ])('refuses a retry window of %i minutes', (retryWindowMinutes, message) => {
      expect(issuesOfSchedule({ retryWindowMinutes })).toEqual([
        `schedules[0].retryWindowMinutes: ${message}`,
      ]);
    });
  });

  describe('overlap', () => {
    it.each(OVERLAP_POLICIES)('accepts the policy %s', (overlap) => {
      expect(issuesOfSchedule({ overlap })).toEqual([]);
    });

    it.each(['queue', 'Skip', 'REPLACE', ''])('refuses the unknown policy %j', (overlap) => {
      expect(issuesOfSchedule({ overlap })).toEqual([
        'schedules[0].overlap: expected one of "skip"|"allow"|"replace"',
      ]);
    });
  });

  describe('task placeholders', () => {
    it('accepts {schedule} and {scheduledTime} in environment values and the command', () => {
      expect(
        issuesOfSchedule(
          {},
          {
            environment: { SCHEDULE: '{schedule}', SLOT: 'slot {scheduledTime} of {schedule}' },
            command: ['report', '--until', '{scheduledTime}'],
          },
        ),
      ).toEqual([]);
    });

    it.each(['{key}', '{bucket}', '{scheduled_time}', '{}', '{SCHEDULE}'])(
      'refuses %s in an environment value, naming the variable',
      (value) => {
        expect(issuesOfSchedule({}, { environment: { REPORT: `x-${value}` } })).toEqual([
          `schedules[0].task.environment.REPORT: unknown placeholder ${value}; expected one of {schedule}, {scheduledTime}`,
        ]);
      },
    );

    it('refuses an unknown placeholder in the command, naming its index', () => {
      expect(issuesOfSchedule({}, { command: ['run', '--at', '{time}'] })).toEqual([
        'schedules[0].task.command[2]: unknown placeholder {time}; expected one of {schedule}, {scheduledTime}',
      ]);
    });
  });

  describe('names', () => {
    it('refuses the same name in uploads and in schedules, naming both paths', () => {
      // Act
      const issues = issuesOf({
        uploads: [rawTrigger({ name: 'reports' })],
        schedules: [rawSchedule({ name: 'reports' })],
      });

      // Assess
      expect(issues).toEqual([
        'schedules[0].name: duplicate name "reports" (also uploads[0].name); names must be unique across uploads, schedules and scalers',
      ]);
    });

    it('refuses two schedules with the same name', () => {
      expect(issuesOf({ schedules: [rawSchedule(), rawSchedule({ schedule: 'rate(1 hour)' })] })).toEqual([
        'schedules[1].name: duplicate name "nightly" (also schedules[0].name); names must be unique across uploads, schedules and scalers',
      ]);
    });

    it('refuses names that differ from an upload’s only by hyphens', () => {
      // Act
      const issues = issuesOf({
        uploads: [rawTrigger({ name: 'video-4k' })],
        schedules: [rawSchedule({ name: 'video4k' })],
      });

      // Assess
      expect(issues).toEqual([
        'schedules[0].name: name "video4k" differs from "video-4k" (uploads[0].name) only by hyphens, so both would get the same resource names; rename one',
      ]);
    });

    it('accepts different names in uploads and schedules', () => {
      expect(issuesOf({ uploads: [rawTrigger({ name: 'thumbnails' })], schedules: [rawSchedule()] })).toEqual(
        [],
      );
    });

    it.each(['Nightly', 'nightly_report', '-nightly', 'a-name-that-is-25-chars-x'])(
      'refuses the name %j',
      (name) => {
        expect(issuesOfSchedule({ name })).toEqual([expect.stringMatching(/^schedules\[0\]\.name: /)]);
      },
    );
  });

  describe('strictness', () => {
    it('refuses an unknown key, naming it', () => {
      expect(issuesOfSchedule({ timeZone: 'Europe/Berlin' })).toEqual([
        'schedules[0].timeZone: unknown key (did you mean "timezone"?)',
      ]);
    });

    it('reports every problem of a schedule at once', () => {
      // Act
      const issues = issuesOfSchedule(
        {
          schedule: 'cron(60 * * * ? *)',
          timezone: 'Mars/Olympus_Mons',
          flexibleWindowMinutes: 0,
          overlap: 'queue',
        },
        { environment: { X: '{key}' } },
      );

      // Assess
      expect(issues.map((issue) => issue.slice(0, issue.indexOf(':')))).toEqual([
        'schedules[0].schedule',
        'schedules[0].timezone',
        'schedules[0].flexibleWindowMinutes',
        'schedules[0].overlap',
        'schedules[0].task.environment.X',
      ]);
    });

    it('is the same schema the config section uses', () => {
      expect(scheduleSchema.parse(rawSchedule())).toEqual(
        parseConfig({ schedules: [rawSchedule()] }).schedules[0],
      );
    });
  });
});
