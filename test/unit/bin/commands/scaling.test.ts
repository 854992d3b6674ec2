import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scaling, SCALING_HELP } from '../../../../bin/commands/scaling';

/** Runs the command and captures what it prints. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await scaling(args, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const dir = () => mkdtempSync(join(tmpdir(), 'ecs-pilot-scaling-'));
const file = (name: string, text: string) => {
  const path = join(dir(), name);
  writeFileSync(path, text);
  return path;
};

const SCALER = `
  - name: video-workers
    queue: video-jobs
    cluster: media
    service: video-worker
    messagesPerTask: 10
    min: 0
    max: 40`;

describe('Command: ecs-pilot scaling simulate', () => {
  it('prints a table of every policy for a shipped trace and exits 0', async () => {
    // Act
    const { code, out } = await run('simulate', '--trace', 'bench/traces/bursty.csv');

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/^bench\/traces\/bursty\.csv: 2422 messages over /);
    for (const policy of ['ecs-pilot', 'cdk-default-steps', 'keda-sqs', 'target-tracking', 'clairvoyant']) {
      expect(out).toMatch(new RegExp(`^${policy} +\\d`, 'm'));
    }
    expect(out).toContain('scaler simulated: 10 messages per task, 0-40 tasks');
    expect(out).toMatch(
      /^cost bound \(proven, any policy within the bounds\): p95 ≤ \d+ s \(ecs-pilot's\) needs ≥ \d+\.\d task-min$/m,
    );
  });

  it("gives the cost bound at ecs-pilot's p95 in --json, and leaves it out where processing outlasts the start-up", async () => {
    const trace = file('burst.csv', '0,30\n');

    const proven = JSON.parse((await run('simulate', '--trace', trace, '--json')).out);
    const unproven = JSON.parse(
      (await run('simulate', '--trace', trace, '--json', '--seconds-per-message', '90')).out,
    );

    expect(proven.costBoundAtEcsPilotP95).toEqual({
      p95Seconds: proven.policies[0].p95WaitSeconds,
      taskMinutes: expect.any(Number),
    });
    expect(proven.costBoundAtEcsPilotP95.taskMinutes).toBeLessThanOrEqual(proven.policies[0].taskMinutes);
    expect(unproven).not.toHaveProperty('costBoundAtEcsPilotP95');
  });

  it('prints the same figures as JSON with --json, the answer worked out by hand for one message', async () => {
    const trace = file('one.csv', 'timestamp,messages\n0,1\n');

    const { code, out } = await run('simulate', '--trace', trace, '--json', '--tail-minutes', '10');

    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.policies.map((p: { policy: string }) => p.policy)).toEqual([
      'ecs-pilot',
      'cdk-default-steps',
      'keda-sqs',
      'target-tracking',
      'clairvoyant',
    ]);
    expect(json.policies[0]).toMatchObject({
      p95WaitSeconds: 60,
      taskMinutes: 2.5,
      scalingActions: 2,
      drainSeconds: 90,
    });
    expect(json.horizonSeconds).toBe(601);
  });

  it('applies the processing model flags', async () => {
    const trace = file('one.csv', '0,1\n');

    const { out } = await run(
      'simulate',
      '--trace',
      trace,
      '--json',
      '--seconds-per-message',
      '10',
      '--startup-seconds',
      '0',
      '--jitter',
      '0.2',
      '--seed',
      '3',
    );

    const json = JSON.parse(out);
    expect(json.model).toEqual({
      secondsPerMessage: 10,
      startupSeconds: 0,
      jitter: 0.2,
      seed: 3,
      taskProtection: false,
      tickLagSeconds: 0,
      visibilityTimeoutSeconds: 30,
    });
    // With no start-up the task launched at t=0 receives the message at t=1.
    expect(json.policies[0].maxWaitSeconds).toBe(1);
  });

  it('writes an SVG chart and a frontier chart per trace with --out and says where', async () => {
    const out = dir();
    const trace = file('spike.csv', '0,30\n');

    const result = await run('simulate', '--trace', trace, '--out', out);

    expect(result.code).toBe(0);
    expect(result.out).toContain(`chart: ${join(out, 'spike.svg')}`);
    expect(result.out).toContain(`frontier: ${join(out, 'spike-frontier.svg')}`);
    expect(readFileSync(join(out, 'spike.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
    expect(readFileSync(join(out, 'spike-frontier.svg'), 'utf8')).toContain('work floor 15');
  });

  it('applies --visibility-timeout and --task-protection to the model', async () => {
    const { code, out } = await run(
      'simulate',
      '--trace',
      file('t.csv', '0,3\n'),
      '--json',
      '--visibility-timeout',
      '120',
      '--task-protection',
    );

    expect(code).toBe(0);
    expect(JSON.parse(out).model).toMatchObject({ taskProtection: true, visibilityTimeoutSeconds: 120 });
  });

  it('evaluates ecs-pilot later with --tick-lag-seconds, and refuses a lag of a whole interval', async () => {
    const trace = file('t.csv', '5,3\n');

    const onTime = await run('simulate', '--trace', trace, '--json', '--startup-seconds', '0');
    const late = await run(
      'simulate',
      '--trace',
      trace,
      '--json',
      '--startup-seconds',
      '0',
      '--tick-lag-seconds',
      '3',
    );
    const refused = await run('simulate', '--trace', trace, '--tick-lag-seconds', '10');

    const ecsPilot = (out: string) =>
      (JSON.parse(out) as { policies: { policy: string; maxWaitSeconds: number }[] }).policies.find(
        (p) => p.policy === 'ecs-pilot',
      )!;
    // Messages at t=5: seen at the evaluation at 10 s, or at 13 s with the lag.
    expect(ecsPilot(late.out).maxWaitSeconds - ecsPilot(onTime.out).maxWaitSeconds).toBe(3);
    expect(JSON.parse(late.out).model).toMatchObject({ tickLagSeconds: 3 });
    expect(refused.code).toBe(2);
    expect(refused.err).toBe('--tick-lag-seconds must be a whole number from 0 to 9 (got "10")');
  });

  it('refuses a visibility timeout that is not a whole number of seconds', async () => {
    const { code, err } = await run(
      'simulate',
      '--trace',
      file('t.csv', '0,3\n'),
      '--visibility-timeout',
      '1.5',
    );

    expect(code).toBe(2);
    expect(err).toBe('--visibility-timeout must be a whole number from 0 to 43200 (got "1.5")');
  });

  it('keeps stdout pure JSON with --json --out (the chart path goes to stderr)', async () => {
    const result = await run('simulate', '--trace', file('t.csv', '0,3\n'), '--json', '--out', dir());

    expect(() => JSON.parse(result.out)).not.toThrow();
    expect(result.err).toMatch(/^chart: .*t\.svg\nfrontier: .*t-frontier\.svg$/);
  });

  describe('the scaler from --config', () => {
    it('uses the only scaler of the file', async () => {
      const config = file('c.yml', `scalers:${SCALER.replace('max: 40', 'max: 3')}\n`);

      const { code, out } = await run(
        'simulate',
        '--trace',
        file('t.csv', '0,100\n'),
        '--config',
        config,
        '--json',
      );

      expect(code).toBe(0);
      const json = JSON.parse(out);
      expect(json.scaler).toMatchObject({ name: 'video-workers', max: 3, scaleInAfterMinutes: 5 });
      expect(Math.max(...json.policies.map((p: { peakTasks: number }) => p.peakTasks))).toBeLessThanOrEqual(
        3,
      );
    });

    it('picks one of several with --scaler', async () => {
      const config = file('c.yml', `scalers:${SCALER}${SCALER.replace('video-workers', 'thumbs')}\n`);

      const picked = await run(
        'simulate',
        '--trace',
        file('t.csv', '0,1\n'),
        '--config',
        config,
        '--scaler',
        'thumbs',
      );
      const unpicked = await run('simulate', '--trace', file('t.csv', '0,1\n'), '--config', config);
      const unknown = await run(
        'simulate',
        '--trace',
        file('t.csv', '0,1\n'),
        '--config',
        config,
        '--scaler',
        'x',
      );

      expect(picked.code).toBe(0);
      expect(picked.out).toContain('scaler thumbs:');
      expect(unpicked).toMatchObject({ code: 1 });
      expect(unpicked.err).toContain('has 2 scalers (video-workers, thumbs); choose one with --scaler');
      expect(unknown).toMatchObject({ code: 1 });
      expect(unknown.err).toContain('no scaler "x" in');
    });

    it.each([
      [
        'an invalid scaler',
        `scalers:${SCALER.replace('min: 0', 'min: 50')}\n`,
        'scalers[0].max: max must be at least min',
      ],
      ['no scalers list', 'uploads: []\n', 'scalers: required (a list with at least one scaler)'],
      ['broken YAML', 'scalers: [\n', 'YAML:'],
    ])('exits 1 for %s and names the field', async (_label, text, message) => {
      const { code, err } = await run(
        'simulate',
        '--trace',
        file('t.csv', '0,1\n'),
        '--config',
        file('c.yml', text),
      );

      expect(code).toBe(1);
      expect(err).toContain(message);
    });
  });

  describe('errors', () => {
    it('exits 1 for a trace it cannot read, naming the line', async () => {
      const bad = file('bad.csv', '0,1\n5,x\n');

      const { code, err } = await run('simulate', '--trace', bad);

      expect(code).toBe(1);
      expect(err).toBe(`${bad}:2: messages must be a whole number from 0 (got "x")`);
    });

    it('exits 1 for a missing trace file', async () => {
      const { code, err } = await run('simulate', '--trace', '/nonexistent/trace.csv');

      expect(code).toBe(1);
      expect(err).toBe('cannot read the trace /nonexistent/trace.csv (ENOENT)');
    });

    it.each([
      ['no verb', ['--trace', 'x.csv']],
      ['another verb', ['run', '--trace', 'x.csv']],
      ['no --trace', ['simulate']],
      ['an unknown option', ['simulate', '--trace', 'x.csv', '--fast']],
      ['--scaler without --config', ['simulate', '--trace', 'x.csv', '--scaler', 'a']],
      ['a zero processing time', ['simulate', '--trace', 'x.csv', '--seconds-per-message', '0']],
      ['a fractional start-up', ['simulate', '--trace', 'x.csv', '--startup-seconds', '1.5']],
      ['jitter above 0.9', ['simulate', '--trace', 'x.csv', '--jitter', '1']],
      ['an empty tail', ['simulate', '--trace', 'x.csv', '--tail-minutes', '']],
    ])('exits 2 for %s', async (_label, args) => {
      const { code, err } = await run(...args);

      expect(code).toBe(2);
      expect(err).not.toBe('');
    });

    it('explains itself with --help and exits 0', async () => {
      const { code, out } = await run('--help');

      expect(code).toBe(0);
      expect(out).toBe(SCALING_HELP);
      expect(out).toMatch(/^Usage:\n {2}ecs-pilot scaling simulate --trace FILE/);
      expect(out).toContain('messagesPerTask 10, min 0, max 40, scaleInAfterMinutes 5');
    });
  });
});
