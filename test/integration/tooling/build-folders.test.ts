import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, matchesGlob, relative } from 'node:path';
import { ESLint } from 'eslint';
import * as prettier from 'prettier';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packageStage, projectRoot, readTemplate } from '../../../local/package';
import { resetEmulator } from '../../../local/emulator';
import { emulatorClients } from '../../../local/harness';
import { deployLocalStack } from '../../../local/stack';
import vitestConfig from '../../../vitest.config';

/** Build folders the project's own commands create, whether or not a run below creates them. */
const KNOWN = ['.build', '.esbuild-local', '.esbuild-prod', '.serverless', '.serverless-local'];
const PROBE = 'probe-for-ignore-lists';

const dotFolders = () =>
  readdirSync(projectRoot, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() && entry.name.startsWith('.') && !['.git', '.venv', '.ci'].includes(entry.name),
    )
    .map((entry) => entry.name);

describe('Ignore lists: every build folder', () => {
  const made: string[] = [];
  let folders: string[] = [];

  beforeAll(async () => {
    const before = new Set(dotFolders());
    // The README's "Running one handler" step, against the emulator as `npm start -- --serve` sets it up.
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    const template = await readTemplate(await packageStage('local'));
    await deployLocalStack(template, emulatorClients(endpoint), 'ecs-pilot-local');
    const run = spawnSync(
      join(projectRoot, 'node_modules', '.bin', 'sls'),
      [
        ...['invoke', 'local', '--stage', 'local', '-f', 'stopAlert', '-p', 'events/alerts-sqs-batch.json'],
        ...['-e', `ECS_PILOT_CONFIG_FILE=${join(projectRoot, '.build', 'config', 'local.json')}`],
      ],
      {
        cwd: projectRoot,
        encoding: 'utf8',
        timeout: 180_000,
        killSignal: 'SIGKILL',
        env: {
          ...process.env,
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL: endpoint,
          ECS_PILOT_CONFIG: '',
        },
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.status, `${run.stdout}${run.stderr}`.slice(-2000)).toBe(0);
    expect(run.stdout).toContain('"batchItemFailures"');
    expect(existsSync(join(projectRoot, '.esbuild-local'))).toBe(true);
    const created = dotFolders().filter((name) => !before.has(name));
    folders = [
      ...new Set([
        ...KNOWN,
        ...created,
        ...dotFolders().filter((n) => /^\.(build|esbuild|serverless)/.test(n)),
      ]),
    ];
    // A TypeScript file and a test file in each, as a build could leave them.
    for (const folder of folders) {
      const dir = join(projectRoot, folder, PROBE);
      if (!existsSync(join(projectRoot, folder))) made.push(folder);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'bad.ts'), 'const  x : any = 1\n');
      writeFileSync(join(dir, 'bad.test.ts'), 'const  y : any = 1\n');
    }
  }, 300_000);

  afterAll(() => {
    for (const folder of folders) rmSync(join(projectRoot, folder, PROBE), { recursive: true, force: true });
    for (const folder of made) rmSync(join(projectRoot, folder), { recursive: true, force: true });
  });

  const probes = () =>
    folders.flatMap((f) => ['bad.ts', 'bad.test.ts'].map((name) => join(projectRoot, f, PROBE, name)));

  it('covers .build, .esbuild-local and .serverless* among the folders it checks', () => {
    expect(folders).toEqual(expect.arrayContaining(['.build', '.esbuild-local', '.serverless']));
  });

  it('ESLint ignores them', async () => {
    const eslint = new ESLint({ cwd: projectRoot });
    const linted = [];
    for (const file of probes())
      if (!(await eslint.isPathIgnored(file))) linted.push(relative(projectRoot, file));
    expect(linted).toEqual([]);
  });

  it('Prettier ignores them', async () => {
    const checked = [];
    for (const file of probes()) {
      const info = await prettier.getFileInfo(file, {
        ignorePath: [join(projectRoot, '.gitignore'), join(projectRoot, '.prettierignore')],
      });
      if (!info.ignored) checked.push(relative(projectRoot, file));
    }
    expect(checked).toEqual([]);
  });

  it('TypeScript leaves them out of the project', () => {
    const configPath = join(projectRoot, 'tsconfig.json');
    const { config } = ts.parseConfigFileTextToJson(configPath, readFileSync(configPath, 'utf8'));
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, projectRoot);
    const inside = parsed.fileNames.filter((file) => file.includes(`/${PROBE}/`));
    expect(inside).toEqual([]);
  });

  it('vitest finds no tests in them', () => {
    const globs = (vitestConfig.test?.projects ?? []).flatMap(
      (p) => (typeof p === 'object' && 'test' in p ? (p.test?.include ?? []) : []) as string[],
    );
    expect(globs.length).toBeGreaterThan(0);
    const found = probes().filter((file) =>
      globs.some((glob) => matchesGlob(relative(projectRoot, file), glob)),
    );
    expect(found).toEqual([]);
  });
});
