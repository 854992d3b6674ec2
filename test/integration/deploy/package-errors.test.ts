import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../local/package';

const running = new Set<number>();

/** `sls package` as a user types it, killed (SIGKILL) after `limitMs` so a hang fails the test. */
function slsPackage(args: string[], env: Record<string, string> = {}, limitMs = 120_000) {
  return new Promise<{ code: number | null; output: string; timedOut: boolean }>((done, fail) => {
    const child = spawn(join(projectRoot, 'node_modules', '.bin', 'sls'), ['package', ...args], {
      cwd: projectRoot,
      env: {
        ...process.env,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        AWS_ACCESS_KEY_ID: 'packaging-needs-none',
        AWS_SECRET_ACCESS_KEY: 'packaging-needs-none',
        ECS_PILOT_CONFIG: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child.pid!);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitMs);
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child.pid!);
      done({ code, output: output.join(''), timedOut });
    });
  });
}

const lines = (output: string) => output.split('\n').filter((line) => line.trim() !== '');

describe('sls package: configuration problems', () => {
  afterEach(() => {
    for (const pid of running) process.kill(pid, 'SIGKILL');
    running.clear();
  });

  it('fails fast without --stage, naming the stages there are and --stage, once, without a trace', async () => {
    // Act: the default stage is dev, and config/dev.yml does not exist
    const result = await slsPackage(['--package', join(mkdtempSync(join(tmpdir(), 'nostage-')), 'out')]);

    // Assess
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(1);
    expect(lines(result.output)).toEqual([
      'invalid: config/dev.yml',
      expect.stringMatching(
        /^ {2}- no config for stage "dev": config\/dev\.yml does not exist \(stages with a config: .*\bexample\b.*\blocal\b.*; pick one with --stage \w+\)$/,
      ),
    ]);
    expect(existsSync(join(projectRoot, '.package.lock'))).toBe(false);
  }, 150_000);

  it('prints each problem of a broken config once, as validate does, without a stack trace', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'broken-'));
    const config = join(dir, 'broken.yml');
    writeFileSync(config, 'regoin: eu-west-1\nschedules:\n  - nmae: nightly\n');

    // Act
    const result = await slsPackage(['--stage', 'broken', '--package', join(dir, 'out')], {
      ECS_PILOT_CONFIG: config,
    });

    // Assess
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(1);
    const printed = lines(result.output);
    expect(printed[0]).toBe(`invalid: ${config}`);
    expect(printed).toContain('  - regoin: unknown key (did you mean "region"?)');
    expect(printed).toContain('  - schedules[0].nmae: unknown key (did you mean "name"?)');
    expect(new Set(printed).size).toBe(printed.length);
    expect(printed.filter((line) => /^\s+at /.test(line) || /Error:/.test(line))).toEqual([]);
    expect(existsSync(join(projectRoot, '.package.lock'))).toBe(false);
  }, 150_000);
});
