import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../../bin/cli';
import { schedule, SCHEDULE_HELP } from '../../../../bin/commands/schedule';
import { validateScheduleExpression } from '../../../../shared/kernel/scheduler/expression';

/** Runs `ecs-pilot schedule …` through the exported command and captures what it prints. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await schedule(args, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out, err: err.join('\n') };
}

/** The same through the CLI, which prints a config it cannot use (ConfigError) once, exit 2. */
async function runCli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['schedule', ...args], { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out, err: err.join('\n') };
}

/** The UTC column of the printed runs (the header line is left out). */
const utcColumn = (out: string[]) => out.slice(1).map((line) => line.trim().split(/\s+/)[1]);

const CONFIG = `region: eu-central-1
schedules:
  - name: nightly
    schedule: cron(30 1 * * ? *)
    timezone: Europe/Berlin
    task:
      cluster: reports
      taskDefinition: reporter
      container: app
      subnets: [subnet-0123abcd]
      securityGroups: [sg-0123abcd]
  - name: hourly
    schedule: rate(1 hour)
    task:
      cluster: reports
      taskDefinition: reporter
      container: app
      subnets: [subnet-0123abcd]
      securityGroups: [sg-0123abcd]
`;

let dir: string;
let configFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-pilot-schedule-cli-'));
  configFile = join(dir, 'config.yml');
  writeFileSync(configFile, CONFIG);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('Command: ecs-pilot schedule next', () => {
  describe('a schedule from the config', () => {
    it('prints its next runs in its zone and in UTC across the end of summer time', async () => {
      // Act: Berlin leaves CEST (+02:00) for CET (+01:00) at 03:00 local on Sunday 2026-10-25.
      const { code, out, err } = await run(
        'next',
        'nightly',
        '--config',
        configFile,
        '--from',
        '2026-10-23T12:00:00Z',
        '--count',
        '4',
      );

      // Assess: 01:30 CEST is 23:30 UTC the day before; 01:30 CET is 00:30 UTC.
      expect(code).toBe(0);
      expect(err).toBe('');
      expect(out).toEqual([
        'nightly: cron(30 1 * * ? *) in Europe/Berlin, after 2026-10-23T12:00:00.000Z:',
        '  2026-10-24T01:30:00+02:00   2026-10-23T23:30:00.000Z',
        '  2026-10-25T01:30:00+02:00   2026-10-24T23:30:00.000Z',
        '  2026-10-26T01:30:00+01:00   2026-10-26T00:30:00.000Z',
        '  2026-10-27T01:30:00+01:00   2026-10-27T00:30:00.000Z',
      ]);
    });

    it('prints 5 runs by default', async () => {
      const { code, out } = await run(
        'next',
        'nightly',
        '--config',
        configFile,
        '--from',
        '2026-01-01T00:00:00Z',
      );

      expect(code).toBe(0);
      expect(out).toHaveLength(1 + 5);
    });

    it('reads the schedule in another zone with --timezone', async () => {
      // Act
      const { code, out } = await run(
        'next',
        'nightly',
        '--config',
        configFile,
        '--timezone',
        'UTC',
        '--from',
        '2026-10-23T12:00:00Z',
        '--count',
        '1',
      );

      // Assess
      expect(code).toBe(0);
      expect(out).toEqual([
        'nightly: cron(30 1 * * ? *) in UTC, after 2026-10-23T12:00:00.000Z:',
        '  2026-10-24T01:30:00+00:00   2026-10-24T01:30:00.000Z',
      ]);
    });

    it('counts a rate schedule from --from', async () => {
      // Act
      const { code, out } = await run(
        'next',
        'hourly',
        '--config',
        configFile,
        '--from',
        '2026-05-01T10:15:00Z',
        '--count',
        '2',
      );

      // Assess
      expect(code).toBe(0);
      expect(utcColumn(out)).toEqual(['2026-05-01T11:15:00.000Z', '2026-05-01T12:15:00.000Z']);
    });

    it('exits 1 naming the known schedules when the name is not in the config', async () => {
      const { code, out, err } = await run('next', 'weekly', '--config', configFile);

      expect(code).toBe(1);
      expect(out).toEqual([]);
      expect(err).toBe(`no schedule "weekly" in ${configFile} (schedules: nightly, hourly)`);
    });

    it('exits 1 saying the config has no schedules at all', async () => {
      // Prepare
      const empty = join(dir, 'empty.yml');
      writeFileSync(
        empty,
        'scalers: [{ name: w, queue: q, cluster: c, service: s, messagesPerTask: 1, min: 0, max: 1 }]\n',
      );

      // Act
      const { code, err } = await run('next', 'nightly', '--config', empty);

      // Assess
      expect(code).toBe(1);
      expect(err).toBe(`no schedule "nightly" in ${empty} (schedules: none)`);
    });

    it('exits 2 with every problem of an invalid config', async () => {
      // Prepare
      const broken = join(dir, 'broken.yml');
      writeFileSync(broken, CONFIG.replace('cron(30 1 * * ? *)', 'cron(30 25 * * ? *)'));

      // Act
      const { code, err } = await runCli('next', 'nightly', '--config', broken);

      // Assess
      expect(code).toBe(2);
      expect(err).toContain(`invalid: ${broken}`);
      expect(err).toContain(`schedules[0].schedule: ${validateScheduleExpression('cron(30 25 * * ? *)')[0]}`);
    });

    it('exits 2 when the config file cannot be read', async () => {
      const { code, err } = await runCli('next', 'nightly', '--config', join(dir, 'missing.yml'));

      expect(code).toBe(2);
      expect(err).toContain('cannot read the file (ENOENT)');
    });
  });

  describe('an expression given with --expression', () => {
    it('skips the wall time that does not exist when clocks go forward', async () => {
      // Act: Berlin jumps from 02:00 CET to 03:00 CEST on Sunday 2026-03-29; 02:30 does not exist that day.
      const { code, out } = await run(
        'next',
        '--expression',
        'cron(30 2 * * ? *)',
        '--timezone',
        'Europe/Berlin',
        '--from',
        '2026-03-27T12:00:00Z',
        '--count',
        '3',
      );

      // Assess: 02:30 CET is 01:30 UTC; 02:30 CEST is 00:30 UTC.
      expect(code).toBe(0);
      expect(out).toEqual([
        'cron(30 2 * * ? *) in Europe/Berlin, after 2026-03-27T12:00:00.000Z:',
        '  2026-03-28T02:30:00+01:00   2026-03-28T01:30:00.000Z',
        '  2026-03-30T02:30:00+02:00   2026-03-30T00:30:00.000Z',
        '  2026-03-31T02:30:00+02:00   2026-03-31T00:30:00.000Z',
      ]);
    });

    it('reads the expression in UTC without --timezone', async () => {
      // Act
      const { code, out } = await run(
        'next',
        '--expression',
        'cron(0 9 ? * MON-FRI *)',
        '--from',
        '2026-11-20T12:00:00Z',
        '--count',
        '2',
      );

      // Assess: Friday the 20th has passed 09:00; the next weekday is Monday the 23rd.
      expect(code).toBe(0);
      expect(out[0]).toBe('cron(0 9 ? * MON-FRI *) in UTC, after 2026-11-20T12:00:00.000Z:');
      expect(utcColumn(out)).toEqual(['2026-11-23T09:00:00.000Z', '2026-11-24T09:00:00.000Z']);
    });

    it('prints [{local, utc}] with --json', async () => {
      // Act
      const { code, out } = await run(
        'next',
        '--expression',
        'cron(30 1 * * ? *)',
        '--timezone',
        'Europe/Berlin',
        '--from',
        '2026-10-24T12:00:00Z',
        '--count',
        '2',
        '--json',
      );

      // Assess
      expect(code).toBe(0);
      expect(out).toHaveLength(1);
      expect(JSON.parse(out[0] ?? '')).toEqual([
        { local: '2026-10-25T01:30:00+02:00', utc: '2026-10-24T23:30:00.000Z' },
        { local: '2026-10-26T01:30:00+01:00', utc: '2026-10-26T00:30:00.000Z' },
      ]);
    });

    it('prints the one run of an at() expression and says there are no more', async () => {
      // Act
      const { code, out } = await run(
        'next',
        '--expression',
        'at(2027-01-01T00:00:00)',
        '--timezone',
        'Asia/Tokyo',
        '--from',
        '2026-11-21T00:00:00Z',
        '--count',
        '3',
      );

      // Assess
      expect(code).toBe(0);
      expect(out.slice(1)).toEqual([
        '  2027-01-01T00:00:00+09:00   2026-12-31T15:00:00.000Z',
        '  (no further runs)',
      ]);
    });

    it('says there are no runs at all for an at() expression in the past', async () => {
      const { code, out } = await run(
        'next',
        '--expression',
        'at(2020-01-01T00:00:00)',
        '--from',
        '2026-11-21T00:00:00Z',
      );

      expect(code).toBe(0);
      expect(out.slice(1)).toEqual(['  (no further runs at all)']);
    });

    it('prints an empty JSON list for an at() expression in the past', async () => {
      const { code, out } = await run(
        'next',
        '--expression',
        'at(2020-01-01T00:00:00)',
        '--from',
        '2026-11-21T00:00:00Z',
        '--json',
      );

      expect(code).toBe(0);
      expect(out).toEqual(['[]']);
    });

    it.each([
      'cron(60 * * * ? *)',
      'cron(0 9 * * * *)',
      'rate(0 minutes)',
      'rate(1 hours)',
      'at(2026-02-30T00:00:00)',
      'daily',
    ])('exits 1 with the engine’s message for the invalid expression %s', async (expression) => {
      // Act
      const { code, out, err } = await run('next', '--expression', expression);

      // Assess
      expect(code).toBe(1);
      expect(out).toEqual([]);
      expect(err).toBe(`invalid schedule expression: ${validateScheduleExpression(expression).join('; ')}`);
    });

    it('exits 1 for an unknown time zone', async () => {
      const { code, err } = await run(
        'next',
        '--expression',
        'rate(1 hour)',
        '--timezone',
        'Mars/Olympus_Mons',
      );

      expect(code).toBe(1);
      expect(err).toBe(
        'unknown time zone "Mars/Olympus_Mons"; expected an IANA name such as Europe/Berlin or UTC',
      );
    });
  });

  describe('--count and --from', () => {
    it.each(['1', '1000'])('accepts --count %s', async (count) => {
      // Act
      const { code, out } = await run(
        'next',
        '--expression',
        'rate(1 minute)',
        '--from',
        '2026-01-01T00:00:00Z',
        '--count',
        count,
        '--json',
      );

      // Assess
      expect(code).toBe(0);
      expect(JSON.parse(out[0] ?? '')).toHaveLength(Number(count));
    });

    it.each(['0', '1001', '-1', '2.5', 'five', ''])('exits 2 for --count %j', async (count) => {
      const { code, out, err } = await run('next', '--expression', 'rate(1 hour)', `--count=${count}`);

      expect(code).toBe(2);
      expect(out).toEqual([]);
      expect(err).toBe('--count must be a whole number from 1 to 1000');
    });

    it.each(['yesterday', '2026-13-01T00:00:00Z', 'not-a-date'])('exits 2 for --from %j', async (from) => {
      const { code, err } = await run('next', '--expression', 'rate(1 hour)', '--from', from);

      expect(code).toBe(2);
      expect(err).toBe(`--from must be an ISO-8601 time, like 2026-03-28T12:00:00Z (got "${from}")`);
    });

    it('prints runs strictly after --from', async () => {
      // Act: 01:30 UTC is itself a run time.
      const { out } = await run(
        'next',
        '--expression',
        'cron(30 1 * * ? *)',
        '--from',
        '2026-06-01T01:30:00Z',
        '--count',
        '1',
      );

      // Assess
      expect(utcColumn(out)).toEqual(['2026-06-02T01:30:00.000Z']);
    });
  });

  describe('usage', () => {
    it('explains itself with --help and exits 0', async () => {
      const { code, out } = await run('--help');

      expect(code).toBe(0);
      expect(out).toEqual([SCHEDULE_HELP]);
    });

    it('explains itself with -h after the verb', async () => {
      expect((await run('next', 'nightly', '-h')).code).toBe(0);
    });

    it.each([
      ['no verb', []],
      ['an unknown verb', ['previous', 'nightly']],
      ['both a name and --expression', ['next', 'nightly', '--expression', 'rate(1 hour)']],
      ['two names', ['next', 'nightly', 'hourly']],
    ])('exits 2 with the usage for %s', async (_name, args) => {
      const { code, out, err } = await run(...args);

      expect(code).toBe(2);
      expect(out).toEqual([]);
      expect(err).toMatch(/\n\nUsage:/);
      expect(err.endsWith(SCHEDULE_HELP)).toBe(true);
    });

    it('exits 2 through the CLI for an unknown option', async () => {
      // Act
      const err: string[] = [];
      const code = await main(['schedule', 'next', '--expresion', 'rate(1 hour)'], {
        log: () => undefined,
        error: (l) => err.push(l),
      });

      // Assess
      expect(code).toBe(2);
      expect(err.join('\n')).toContain("Unknown option '--expresion'");
    });

    it('is reachable as `ecs-pilot schedule` from the CLI', async () => {
      // Act
      const out: string[] = [];
      const code = await main(
        [
          'schedule',
          'next',
          '--expression',
          'rate(1 day)',
          '--from',
          '2026-01-01T00:00:00Z',
          '--count',
          '1',
          '--json',
        ],
        { log: (l) => out.push(l), error: () => undefined },
      );

      // Assess
      expect(code).toBe(0);
      expect(JSON.parse(out[0] ?? '')).toEqual([
        { local: '2026-01-02T00:00:00+00:00', utc: '2026-01-02T00:00:00.000Z' },
      ]);
    });
  });
});

describe('Command: ecs-pilot schedule (option errors)', () => {
  it.each([
    [['next', '--bogus']],
    [['next', '--expression', 'rate(1 hour)', '--count']],
    [['next', '--expression', 'rate(1 hour)', '--count', '-1']],
  ])('returns 2 with usage for %j instead of throwing', async (args) => {
    const lines: string[] = [];

    const code = await schedule(args, { log: (l) => lines.push(l), error: (l) => lines.push(l) });

    expect(code).toBe(2);
    expect(lines.join('\n')).toContain('Usage:');
  });
});
