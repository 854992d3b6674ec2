import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

/** The project root (where serverless.yml lives). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface PackagedTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;
  Outputs?: Record<string, unknown>;
}

/** The templates every `sls package` output must hold. */
export const PACKAGED_TEMPLATES = [
  'cloudformation-template-create-stack.json',
  'cloudformation-template-update-stack.json',
];

/**
 * Runs `sls package` (osls) for a stage, offline and without credentials, into `outDir`
 * (default `.serverless-<stage>`). `configFile` overrides config/<stage>.yml (ECS_PILOT_CONFIG).
 * Returns the path of the CloudFormation template it wrote.
 */
export async function packageStage(
  stage: string,
  options: { outDir?: string; configFile?: string } = {},
): Promise<string> {
  const outDir = options.outDir ?? `.serverless-${stage}`;
  const sls = join(projectRoot, 'node_modules', '.bin', 'sls');
  const output: string[] = [];
  const code = await new Promise<number>((done, fail) => {
    const child = spawn(sls, ['package', '--stage', stage, '--package', outDir], {
      cwd: projectRoot,
      env: {
        ...process.env,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        ...(options.configFile ? { ECS_PILOT_CONFIG: options.configFile } : {}),
        // Packaging needs no AWS access; make sure nothing tries.
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'packaging-needs-none',
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'packaging-needs-none',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('error', fail);
    child.on('close', (exitCode) => done(exitCode ?? 1));
  });
  if (code !== 0) throw new Error(`sls package --stage ${stage} failed (exit ${code}):\n${output.join('')}`);
  // An exit code of 0 is not enough: a concurrent run once left an output without a template.
  const missing = PACKAGED_TEMPLATES.filter((file) => !existsSync(join(projectRoot, outDir, file)));
  if (missing.length > 0) {
    throw new Error(`sls package --stage ${stage} exited 0 but ${outDir} lacks ${missing.join(', ')}`);
  }
  return join(projectRoot, outDir, 'cloudformation-template-update-stack.json');
}

/** Reads a packaged CloudFormation template. */
export async function readTemplate(path: string): Promise<PackagedTemplate> {
  return JSON.parse(await readFile(path, 'utf8')) as PackagedTemplate;
}

// `npm run package -- [stage]`: package a stage and print where the template is.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const stage = process.argv[2] ?? 'local';
  console.log(await packageStage(stage));
}
