import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../local/package.js';

/** Runs `npm start` (local/demo.ts) as a user would, in its own process with its own emulator. */
function runDemo(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(projectRoot, 'node_modules', '.bin', 'tsx'), ['local/demo.ts'], {
      cwd: projectRoot,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Bounded: a hung demo is killed (by the pid this test started) and fails the test.
    const timer = setTimeout(() => child.kill('SIGTERM'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('The local demo (npm start)', () => {
  it('runs every scene to its expected outcome and exits 0', { timeout: 180_000 }, async () => {
    const { code, output } = await runDemo();

    expect(output).not.toContain('UNEXPECTED');
    expect(output).not.toContain('Demo FAILED');
    expect(output).toMatch(/Uploads: 4 uploads, 3 tasks started, 1 duplicate suppressed/);
    expect(output).toMatch(/Batch: 5 uploads, 1 task started, every object in exactly one manifest\./);
    expect(output).toMatch(
      /Schedules: started, skipped while the previous run was going, started after it finished; the retried slot started no second task\./,
    );
    expect(output).toMatch(/Demo finished in [\d.]+ s\./);
    expect(code, output.slice(-2_000)).toBe(0);
  });
});
