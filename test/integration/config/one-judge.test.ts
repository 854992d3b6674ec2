import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../../bin/cli';
import { deployedConfig, resetDeployedConfig } from '../../../shared/config/load';
import { ConfigError } from '../../../shared/kernel/errors';
import { projectRoot } from '../../../local/package';

/**
 * Issue 18, "one judge": `ecs-pilot validate`, `sls package` and a function's cold start must give
 * the same verdict on the same config, in the same lines. Each red-team input goes to all three.
 */

const dir = mkdtempSync(join(tmpdir(), 'ecs-pilot-judge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const UPLOAD = (bucket: string) =>
  [
    'uploads:',
    '  - name: a',
    `    bucket: "${bucket}"`,
    '    task:',
    '      cluster: c',
    '      taskDefinition: t',
    '      container: app',
    '      subnets: [subnet-0123456789abcdef0]',
    '      securityGroups: [sg-0123456789abcdef0]',
    '',
  ].join('\n');

/** Red-team inputs, each as YAML text. */
const INPUTS: [string, string][] = [
  ['an empty file', ''],
  ['a file holding only a comment', '# nothing here\n'],
  ['a null document', '~\n'],
  ['empty automation lists', 'uploads: []\nschedules: []\nscalers: []\n'],
  ['a list instead of a mapping', '- uploads\n'],
  ['a bare number', '42\n'],
  ['an ANSI escape in a key', '"\\e[2J\\e[31mevil": 1\n'],
  ['a prototype key', '__proto__: { polluted: true }\n'],
  ['an upload on a bucket named like an IP address', UPLOAD('192.168.5.4')],
];

let counter = 0;
const write = (text: string) => {
  const file = join(dir, `c${++counter}.yml`);
  writeFileSync(file, text);
  return file;
};

/** `validate`: the issue lines it prints (after "invalid: <file>"). */
async function viaValidate(file: string) {
  const lines: string[] = [];
  const code = await main(['validate', file], { log: (l) => lines.push(l), error: (l) => lines.push(l) });
  return { code, issues: lines.filter((l) => l.startsWith('  - ')).map((l) => l.slice(4)), lines };
}

/** `sls package`: exit code, issue lines and whether a stack trace was printed. */
function viaPackage(file: string, stage: string) {
  const run = spawnSync(
    join(projectRoot, 'node_modules', '.bin', 'sls'),
    ['package', '--stage', stage, '--package', join(dir, `pkg-${stage}`)],
    {
      cwd: projectRoot,
      encoding: 'utf8',
      env: {
        ...process.env,
        ECS_PILOT_CONFIG: file,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        AWS_ACCESS_KEY_ID: 'packaging-needs-none',
        AWS_SECRET_ACCESS_KEY: 'packaging-needs-none',
      },
    },
  );
  const output = `${run.stdout}${run.stderr}`;
  return {
    code: run.status,
    output,
    issues: output
      .split('\n')
      .filter((l) => l.startsWith('  - '))
      .map((l) => l.slice(4)),
  };
}

/** Cold start: the function reads the JSON form of the same data that packaging would have written. */
function viaColdStart(text: string) {
  const file = join(dir, `c${++counter}.json`);
  writeFileSync(file, JSON.stringify(parse(text) ?? null));
  resetDeployedConfig();
  try {
    deployedConfig({ ECS_PILOT_CONFIG_FILE: file });
    return { issues: [] as string[], stack: '' };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { issues: [...error.issues], stack: error.stack ?? '' };
  } finally {
    resetDeployedConfig();
  }
}

describe('Config: one judge for validate, sls package and cold start (issue 18)', () => {
  it.each(INPUTS)('refuses %s in all three, with the same lines and no stack trace', async (_, text) => {
    const file = write(text);

    const validate = await viaValidate(file);
    const packaged = viaPackage(file, `judge${counter}`);
    const cold = viaColdStart(text);

    expect(validate.code).toBe(1);
    expect(validate.issues.length).toBeGreaterThan(0);
    expect(packaged.code).not.toBe(0);
    expect(packaged.issues).toEqual(validate.issues);
    expect(packaged.output).not.toMatch(/^\s+at /m);
    expect(cold.issues).toEqual(validate.issues);
    expect(cold.stack).not.toMatch(/^\s+at /m);
  });

  it('refuses a config with no automation with the same one line everywhere', async () => {
    const file = write('# only a comment\n');

    const validate = await viaValidate(file);

    expect(validate.issues).toEqual([
      'no automation is configured (uploads, schedules, alerts, scalers and images are all empty): nothing to deploy',
    ]);
  });
});
