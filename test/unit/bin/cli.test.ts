import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli';

/** Runs the CLI and captures what it prints. */
async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'ecs-pilot-cli-')), 'config.yml');
  writeFileSync(path, text);
  return path;
};

describe('Command: ecs-pilot validate', () => {
  it('prints "valid" and one line per automation for a good config', async () => {
    const { code, out } = await run('validate', 'config/local.yml');

    expect(code).toBe(0);
    expect(out).toMatch(/^valid: config\/local.yml/);
    expect(out).toContain(
      'uploads/thumbnails: s3://media-ingest/incoming/*.jpg (≤ 50 MiB) → media/thumbnailer',
    );
    expect(out).toContain('uploads/transcode: s3://media-ingest/videos/*');
    expect(out).toContain(
      'scalers/video-workers: video-jobs (visible + in flight) → media/video-worker, 10 messages per task, 0..5 tasks, every 20 s, scale-in after 60 s low',
    );
    expect(out).toContain(
      'images (enforce, cron(0 3 * * ? *)): repositories demo/* (2 rules; policies synced)',
    );
  });

  it('prints every error with its field path and exits 1 for a bad config', async () => {
    const bad = file(
      'uploads:\n  - name: a\n    bucket: media-ingest\n    extra: 1\n    task: { cluster: c }\n',
    );

    const { code, err } = await run('validate', bad);

    expect(code).toBe(1);
    expect(err).toContain(`invalid: ${bad}`);
    expect(err).toContain('uploads[0].extra: unknown key');
    expect(err).toContain('uploads[0].task.taskDefinition: required (string)');
    expect(err).toContain('uploads[0].task.subnets: required (array)');
  });

  it('accepts L-n and LW in day-of-month with a warning that AWS does not document them', async () => {
    const task =
      '{ cluster: c, taskDefinition: t, container: a, subnets: [subnet-0123abcd], securityGroups: [sg-0123abcd] }';
    const config = file(
      `schedules:\n  - name: a\n    schedule: cron(30 9 L-2 * ? *)\n    task: ${task}\n` +
        `  - name: b\n    schedule: cron(0 18 LW * ? *)\n    task: ${task}\n`,
    );

    const { code, err } = await run('validate', config);

    expect(code).toBe(0);
    expect(err).toContain(
      'warning: schedules[0].schedule cron(30 9 L-2 * ? *): "L-2" (2 days before the last day of the month) is accepted by EventBridge but not documented in AWS\'s cron reference',
    );
    expect(err).toContain(
      'warning: schedules[1].schedule cron(0 18 LW * ? *): "LW" (the last weekday of the month)',
    );
  });

  it('accepts a password in environment with a warning that points at task definition secrets', async () => {
    const config = file(
      'schedules:\n  - name: a\n    schedule: rate(1 hour)\n    task: { cluster: c, taskDefinition: t, container: a, ' +
        'subnets: [subnet-0123abcd], securityGroups: [sg-0123abcd], environment: { DB_PASSWORD: hunter2 } }\n',
    );

    const { code, err } = await run('validate', config);

    expect(code).toBe(0);
    expect(err).toContain(
      'warning: schedules[0].task.environment.DB_PASSWORD: looks like a secret in plaintext',
    );
    expect(err).toContain('.task.secrets (from SSM Parameter Store or Secrets Manager');
  });

  it('says a missing file cannot be read', async () => {
    const { code, err } = await run('validate', '/nonexistent/ecs-pilot.yml');

    expect(code).toBe(1);
    expect(err).toContain('cannot read the file (ENOENT)');
  });

  it('explains itself with --help and exits 0', async () => {
    const { code, out } = await run('validate', '--help');

    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: ecs-pilot validate \[<file> \| --stage S\]/);
  });

  it('checks every config/*.yml when given no file', async () => {
    const { code, out } = await run('validate');

    expect(code).toBe(0);
    expect(out).toContain('valid: config/example.yml');
    expect(out).toContain('valid: config/local.yml');
  });

  it("checks the stage's config with --stage", async () => {
    const { code, out } = await run('validate', '--stage', 'local');

    expect(code).toBe(0);
    expect(out).toMatch(/^valid: config\/local.yml/);
  });

  it('exits 2 naming the stages there are for a stage without a config', async () => {
    const { code, out, err } = await run('validate', '--stage', 'prod');

    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(
      'no config for stage "prod": config/prod.yml does not exist (stages with a config: example, local; pick one with --stage example)',
    );
  });

  it('exits 2 with usage for a file and --stage at once', async () => {
    expect((await run('validate', 'config/local.yml', '--stage', 'local')).code).toBe(2);
  });
});

describe('Command: ecs-pilot', () => {
  it('lists its commands with --help', async () => {
    const { code, out } = await run('--help');

    expect(code).toBe(0);
    expect(out).toContain('validate [file]');
    for (const command of ['schedule run NAME', 'images plan', 'dlq list|redrive', 'status', '--version'])
      expect(out).toContain(command);
  });

  it.each([['--version'], ['-v'], ['version']])('prints its version for %s', async (flag) => {
    const { code, out } = await run(flag);

    expect(code).toBe(0);
    expect(out).toBe('ecs-pilot 0.1.0');
  });

  it('suggests the command a typo meant', async () => {
    const { code, err } = await run('valdate', 'config/local.yml');

    expect(code).toBe(2);
    expect(err.split('\n')[0]).toBe('Unknown command "valdate" (did you mean "validate"?).');
  });

  it.each([
    ['validate', '--stag', 'local'],
    ['status', 'local'],
    ['dlq', 'list', '--peak', '1'],
  ])('exits 2 with the command’s usage for a wrong argument: %s %s', async (...argv) => {
    const { code, out, err } = await run(...argv);

    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/\n\nUsage:/);
    expect(err).toContain(`ecs-pilot ${argv[0]}`);
  });

  it('exits 2 with the config lines, once and without a trace, when a command cannot use the config', async () => {
    const { code, out, err } = await run('status', '--stage', 'prod');

    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(
      'invalid: config/prod.yml\n  - no config for stage "prod": config/prod.yml does not exist (stages with a config: example, local; pick one with --stage example)',
    );
  });

  it('rejects an unknown command with exit code 2', async () => {
    const { code, err } = await run('frobnicate');

    expect(code).toBe(2);
    expect(err).toContain('Unknown command "frobnicate"');
  });
});

describe('Command: ecs-pilot validate beyond the stack limits', () => {
  const schedules = (count: number, distinctFamilies: boolean) =>
    Array.from({ length: count }, (_, i) => ({
      name: `job-${i}`,
      schedule: 'rate(1 hour)',
      task: {
        cluster: 'batch',
        taskDefinition: distinctFamilies ? `${'f'.repeat(200)}-${i}` : 'reporter',
        container: 'app',
        subnets: ['subnet-0123456789abcdef0'],
        securityGroups: ['sg-0123456789abcdef0'],
      },
    }));

  it('refuses, in one line naming the limit and the way out, a config past CloudFormation’s 500 resources', async () => {
    const { code, err } = await run('validate', file(JSON.stringify({ schedules: schedules(500, false) })));

    expect(code).toBe(1);
    expect(err.split('\n')).toEqual([
      expect.stringMatching(/^invalid: /),
      expect.stringMatching(
        /^ {2}- the stack would have about \d+ resources; CloudFormation allows 500 per stack: split the config into two stages/,
      ),
    ]);
  });

  it('refuses, in one line, a config whose permissions no IAM role can hold', async () => {
    const { code, err } = await run('validate', file(JSON.stringify({ schedules: schedules(300, true) })));

    expect(code).toBe(1);
    expect(err).toMatch(/- the RunScheduleRole role would need \d+ characters of IAM policy/);
  });

  it('accepts 100 schedules that each run their own task definition', async () => {
    const { code } = await run('validate', file(JSON.stringify({ schedules: schedules(100, true) })));

    expect(code).toBe(0);
  });
});
