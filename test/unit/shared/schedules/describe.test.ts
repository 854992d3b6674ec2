import { describe, expect, it } from 'vitest';
import { scheduleSchema, type ScheduleConfig } from '../../../../shared/schedules/config';
import { describeSchedule } from '../../../../shared/schedules/describe';

/** Noon UTC the day before Europe/Berlin leaves summer time (2026-10-25, 03:00 CEST → 02:00 CET). */
const NOW = new Date('2026-10-24T12:00:00Z');

function schedule(fields: Record<string, unknown> = {}, task: Record<string, unknown> = {}): ScheduleConfig {
  return scheduleSchema.parse({
    name: 'nightly',
    schedule: 'cron(30 1 * * ? *)',
    ...fields,
    task: {
      cluster: 'reports',
      taskDefinition: 'reporter',
      container: 'app',
      subnets: ['subnet-0123abcd'],
      securityGroups: ['sg-0123abcd'],
      ...task,
    },
  });
}

describe('Function: describeSchedule', () => {
  it('names the expression, zone, overlap policy, cluster/taskDefinition, capacity and next run', () => {
    expect(describeSchedule(schedule({ timezone: 'Europe/Berlin' }), NOW)).toBe(
      'schedules/nightly: cron(30 1 * * ? *) in Europe/Berlin, overlap skip → reports/reporter [FARGATE]; next 2026-10-25T01:30:00+02:00',
    );
  });

  it('gives the next run in the schedule’s zone with its offset', () => {
    // Act: 01:30 in New York on 2026-10-25 is still daylight time (EDT ends 2026-11-01).
    const line = describeSchedule(schedule({ timezone: 'America/New_York', overlap: 'replace' }), NOW);

    // Assess
    expect(line).toBe(
      'schedules/nightly: cron(30 1 * * ? *) in America/New_York, overlap replace → reports/reporter [FARGATE]; next 2026-10-25T01:30:00-04:00',
    );
  });

  it('reads the next run after the injected time, not the real clock', () => {
    expect(describeSchedule(schedule(), new Date('2031-06-15T01:30:00Z'))).toMatch(
      /; next 2031-06-16T01:30:00\+00:00$/,
    );
  });

  it('counts a rate from the injected time', () => {
    expect(describeSchedule(schedule({ schedule: 'rate(6 hours)', overlap: 'allow' }), NOW)).toBe(
      'schedules/nightly: rate(6 hours) in UTC, overlap allow → reports/reporter [FARGATE]; next 2026-10-24T18:00:00+00:00',
    );
  });

  it('gives the one run of a future at() expression', () => {
    expect(
      describeSchedule(schedule({ schedule: 'at(2027-01-01T00:00:00)', timezone: 'Asia/Tokyo' }), NOW),
    ).toMatch(/; next 2027-01-01T00:00:00\+09:00$/);
  });

  it('says there are no further runs for an at() expression in the past', () => {
    expect(describeSchedule(schedule({ schedule: 'at(2026-01-01T00:00:00)' }), NOW)).toBe(
      'schedules/nightly: at(2026-01-01T00:00:00) in UTC, overlap skip → reports/reporter [FARGATE]; no further runs',
    );
  });

  it('joins several capacity providers with +', () => {
    // Prepare
    const config = schedule(
      {},
      {
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE_SPOT', weight: 3 },
          { capacityProvider: 'FARGATE', base: 1 },
        ],
      },
    );

    // Act & Assess
    expect(describeSchedule(config, NOW)).toContain('→ reports/reporter [FARGATE_SPOT+FARGATE];');
  });

  it('shows the cluster and task definition as configured', () => {
    // Prepare
    const config = schedule({}, { cluster: 'analytics', taskDefinition: 'etl-loader:7' });

    // Act & Assess
    expect(describeSchedule(config, NOW)).toContain('→ analytics/etl-loader:7 [FARGATE]');
  });

  it('uses the current time when none is given', () => {
    // Prepare
    const before = Date.now();

    // Act
    const line = describeSchedule(schedule({ schedule: 'rate(1 day)' }));

    // Assess: the next run of a rate created now is one interval away.
    const next = /; next (.+)$/.exec(line)?.[1] ?? '';
    expect(Date.parse(next) - before).toBeGreaterThanOrEqual(86_400_000 - 1000);
    expect(Date.parse(next) - Date.now()).toBeLessThanOrEqual(86_400_000);
  });
});
