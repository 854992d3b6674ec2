/**
 * Where the cold import time goes (an analysis aid, not part of `npm run bench`): bundles slices of
 * the upload handler with the esbuild options of serverless.yml and times `await import()` of each
 * slice in fresh Node processes, as bench/bundle.ts does for the whole function.
 *
 *   npx tsx bench/cold-breakdown.ts [--runs 9]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { readYamlFile } from '../shared/config/yaml.js';
import { kb, ms, offlineHandlerEnv, projectRoot, say, summarize } from './lib.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
const runs = Number(values.runs);

/** Each slice is a module body; specifiers are relative to bench/. */
const SLICES: Record<string, string> = {
  'empty module (baseline)': `export const x = 1;`,
  'zod config schema (definitions only)': `export { configSchema } from '../shared/config/schema.js';`,
  'config load (zod schemas + first parse)': `import { deployedConfig } from '../shared/config/load.js'; deployedConfig();`,
  'Powertools Logger + Metrics': `import { createLogger, createMetrics } from '../shared/kernel/aws/observability.js';
createLogger('uploads'); createMetrics('uploads');`,
  'SDK clients: ECS + SQS + DynamoDB': `import { dynamoDbClient, ecsClient, sqsClient } from '../shared/kernel/aws/clients.js';
ecsClient(); sqsClient(); dynamoDbClient();`,
  'TaskLauncher (ECS, DynamoDB, Powertools idempotency)': `import { TaskLauncher } from '../shared/kernel/launch/aws/launcher.js';
import { dynamoDbClient, ecsClient } from '../shared/kernel/aws/clients.js';
new TaskLauncher({ ecs: ecsClient(), idempotency: { client: dynamoDbClient(), tableName: 't', expiresAfterSeconds: 60 } });`,
  'whole handler': `export * from '../functions/upload-to-task.js';`,
};

const MEASURE = `import { pathToFileURL } from 'node:url';
const before = performance.now();
await import(pathToFileURL(process.argv[2]).href);
process.stdout.write(String(performance.now() - before));
`;

const dir = mkdtempSync(join(tmpdir(), 'ecs-pilot-cold-breakdown-'));
try {
  const o = (
    parseYaml(readFileSync(join(projectRoot, 'serverless.yml'), 'utf8')) as {
      custom: { esbuild: Record<string, unknown> };
    }
  ).custom.esbuild;
  const configFile = join(dir, 'local.json');
  writeFileSync(configFile, JSON.stringify(readYamlFile(join(projectRoot, 'config', 'local.yml'))));
  writeFileSync(join(dir, 'measure.mjs'), MEASURE);
  const env = { PATH: process.env.PATH, ...offlineHandlerEnv(configFile) };
  say(
    `cold import by slice: median of ${runs} fresh node processes each (+1 warm-up), node ${process.version}`,
  );
  for (const [index, [name, contents]] of Object.entries(SLICES).entries()) {
    const outfile = join(dir, `slice-${index}.mjs`);
    await build({
      stdin: {
        contents,
        resolveDir: join(projectRoot, 'bench'),
        loader: 'ts',
        sourcefile: `slice-${index}.ts`,
      },
      outfile,
      bundle: true,
      minify: o.minify as boolean,
      target: o.target as string,
      platform: 'node',
      format: 'esm',
      banner: o.banner as Record<string, string>,
      mainFields: o.mainFields as string[],
      logLevel: 'error',
    });
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const child = spawnSync(process.execPath, [join(dir, 'measure.mjs'), outfile], {
        env,
        encoding: 'utf8',
      });
      if (child.status !== 0) throw new Error(`${name}: exit ${child.status}\n${child.stderr}`);
      if (i > 0) times.push(Number(child.stdout));
    }
    const s = summarize(times);
    say(
      `  ${name.padEnd(54)} ${kb(statSync(outfile).size).padStart(9)}  median ${ms(s.median)} (min ${ms(s.min)})`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
