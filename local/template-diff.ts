/**
 * `npx tsx local/template-diff.ts [BASE_REV]` (default HEAD): packages the same configs from the
 * working tree and from BASE_REV (checked out in a temporary git worktree) and prints every
 * difference between the CloudFormation templates, apart from code hashes and artifact paths.
 * Exit 0 when the templates are the same, 1 when they differ. Used to prove that a refactoring
 * changes no deployed resource.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { projectRoot, readTemplate } from './package.js';

/** Stages and the configs they are packaged from: the two shipped configs and every test fixture. */
export function templateConfigs(root: string): { stage: string; config: string }[] {
  const fixtures = readdirSync(join(root, 'test/integration/fixtures'))
    .filter((name) => name.endsWith('.yml'))
    .map((name) => ({
      stage: `cmp${name.replace(/[^a-z]/g, '').slice(0, 12)}`,
      config: `test/integration/fixtures/${name}`,
    }));
  return [
    { stage: 'local', config: 'config/local.yml' },
    { stage: 'prod', config: 'config/example.yml' },
    ...fixtures,
  ];
}

/** Removes what changes with every build: artifact paths, code hashes and the hash in version ids. */
export function normaliseTemplate(template: unknown): unknown {
  const text = JSON.stringify(template)
    .replace(/serverless\/ecs-pilot\/[^/"]+\/\d+-[^/"]+\//g, 'serverless/ecs-pilot/<stage>/<artifact>/')
    .replace(/LambdaVersion[A-Za-z0-9]{20,}/g, 'LambdaVersion<hash>')
    .replace(/"CodeSha256":"[^"]*"/g, '"CodeSha256":"<hash>"');
  return JSON.parse(text);
}

/** Paths where two JSON values differ, with both sides. */
export function jsonDifferences(a: unknown, b: unknown, path = '$'): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const bothObjects =
    a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) return [`${path}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((key) =>
    jsonDifferences(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    ),
  );
}

function packageIn(root: string, stage: string, config: string): string {
  const outDir = `.serverless-${stage}`;
  execFileSync(join(root, 'node_modules/.bin/sls'), ['package', '--stage', stage, '--package', outDir], {
    cwd: root,
    env: {
      ...process.env,
      ECS_PILOT_CONFIG: config,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      AWS_ACCESS_KEY_ID: 'packaging-needs-none',
      AWS_SECRET_ACCESS_KEY: 'packaging-needs-none',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return join(root, outDir, 'cloudformation-template-update-stack.json');
}

async function main(): Promise<number> {
  const base = process.argv[2] ?? 'HEAD';
  const dir = mkdtempSync(join(tmpdir(), 'ecs-pilot-base-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, base], { cwd: projectRoot, stdio: 'ignore' });
  try {
    symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));
    let differences = 0;
    for (const { stage, config } of templateConfigs(dir)) {
      if (!existsSync(join(projectRoot, config))) continue;
      const before = normaliseTemplate(await readTemplate(packageIn(dir, stage, config)));
      const after = normaliseTemplate(await readTemplate(packageIn(projectRoot, stage, config)));
      const found = jsonDifferences(before, after);
      differences += found.length;
      console.log(
        `${config} (stage ${stage}): ${found.length === 0 ? 'identical' : `${found.length} difference(s)`}`,
      );
      for (const line of found) console.log(`  ${line}`);
    }
    return differences === 0 ? 0 : 1;
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: projectRoot, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
