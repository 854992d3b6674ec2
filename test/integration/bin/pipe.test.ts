import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../local/package';

/**
 * The real CLI process writing into a reader that stops after one line: it must exit 0 without a
 * stack trace (issue 18: `ecs-pilot validate FILE | head -n 1` crashed with EPIPE).
 */
function pipedIntoHead(args: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('bash', ['-c', `set -o pipefail; node bin/ecs-pilot.mjs ${args} | head -n 1`], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('CLI into a reader that stops early', () => {
  it.each([
    ['validate config/local.yml', /^valid: config\/local\.yml\n$/],
    ['schedule next hourly-report --config config/local.yml --count 500', /^\S.*\n$/],
  ])('`ecs-pilot %s | head -n 1` prints one line and exits 0, without EPIPE', (args, firstLine) => {
    const { status, stdout, stderr } = pipedIntoHead(args);

    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(stdout).toMatch(firstLine);
    expect(status).toBe(0);
  });
});
