import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** A running moto server bound to 127.0.0.1. */
export interface Emulator {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

type Log = (line: string) => void;
type RunResult = { code: number | null; stdout: string; stderr: string };

const NO_PYTHON =
  'ecs-pilot needs Python 3 (python3 on PATH) to run the local AWS emulator; install it (e.g. apt-get install python3 python3-venv) and try again.';
const NO_VENV =
  'ecs-pilot could not create a Python virtual environment because the venv/ensurepip module is missing; install python3-venv (e.g. apt-get install python3-venv) and try again.';
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
const STDERR_LINES = 50;

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

const projectRoot = findProjectRoot();
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** A Python virtual environment of the project, built from one pinned requirements file. */
interface PythonEnv {
  dir: string;
  requirementsFile: string;
  /** What the install step announces, e.g. "moto and cfn-lint". */
  installs: string;
}

/** moto (the emulator) and cfn-lint. */
const MAIN_ENV: PythonEnv = {
  dir: join(projectRoot, '.venv'),
  requirementsFile: join(projectRoot, 'local', 'requirements.txt'),
  installs: 'moto and cfn-lint',
};

/**
 * Checkov, in a venv of its own inside .venv: it pins boto3/botocore to versions far older than the
 * ones moto is released against, so sharing moto's venv would downgrade the emulator's AWS models.
 */
const CHECKOV_ENV: PythonEnv = {
  dir: join(projectRoot, '.venv', 'checkov'),
  requirementsFile: join(projectRoot, 'local', 'checkov-requirements.txt'),
  installs: 'Checkov',
};

/** Runs a command to completion, collecting its output (`cwd` defaults to this process's). */
export function run(cmd: string, args: string[], cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lastLines = (text: string, n = 20): string => text.trim().split('\n').slice(-n).join('\n');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Two test workers or a demo plus a test run may both find the venv missing; only one may build it.
// The lock is outside the venv so a failed `venv --clear` cannot delete it out from under its owner.
async function withLock<T>(env: PythonEnv, fn: () => Promise<T>, log: Log): Promise<T> {
  const lockFile = join(tmpdir(), `ecs-pilot-venv-${sha256(env.dir).slice(0, 12)}.lock`);
  const deadline = Date.now() + 10 * 60_000;
  for (let announced = false; ; announced = true) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
      const { mtimeMs } = await stat(lockFile).catch(() => ({ mtimeMs: Date.now() }));
      // A crashed owner leaves its lock behind; an empty lock is only trusted while it is fresh.
      if (Number.isNaN(owner) ? Date.now() - mtimeMs > 30_000 : !isAlive(owner)) {
        await rm(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lockFile}`, { cause: err });
      if (!announced) log('Waiting for another process to finish setting up the Python venv...');
      await delay(500);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockFile, { force: true });
  }
}

/** Creates `<projectRoot>/.venv` with local/requirements.txt installed; instant when already up to date. */
export const ensureVenv = (opts: { log?: Log } = {}) => ensurePythonEnv(MAIN_ENV, opts.log);

/**
 * Creates `<projectRoot>/.venv/checkov` with local/checkov-requirements.txt installed; instant when up
 * to date. The main venv comes first: creating it later (`venv --clear`) would delete this one.
 */
export async function ensureCheckovVenv(
  opts: { log?: Log } = {},
): Promise<{ python: string; binDir: string }> {
  await ensureVenv(opts);
  return ensurePythonEnv(CHECKOV_ENV, opts.log);
}

async function ensurePythonEnv(
  env: PythonEnv,
  log: Log = () => {},
): Promise<{ python: string; binDir: string }> {
  const venvDir = env.dir;
  const binDir = join(venvDir, 'bin');
  const python = join(binDir, 'python');
  const stampFile = join(venvDir, '.ecs-pilot-requirements.sha256');
  const wanted = sha256(await readFile(env.requirementsFile));
  const upToDate = async (): Promise<boolean> =>
    existsSync(python) && (await readFile(stampFile, 'utf8').catch(() => '')).trim() === wanted;
  if (await upToDate()) return { python, binDir };

  return withLock(
    env,
    async () => {
      if (await upToDate()) return { python, binDir };

      // A half-built venv (e.g. ensurepip missing) has python but no pip; rebuild it rather than patch it.
      if (!existsSync(python) || !existsSync(join(binDir, 'pip'))) {
        const probe = await run('python3', ['--version']).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') throw new Error(NO_PYTHON, { cause: err });
          throw err;
        });
        if (probe.code !== 0) throw new Error(NO_PYTHON);
        log(`Creating Python venv at ${venvDir}...`);
        const made = await run('python3', ['-m', 'venv', '--clear', venvDir]);
        if (made.code !== 0) {
          const output = made.stdout + made.stderr;
          if (/ensurepip|No module named venv|python3-venv/i.test(output)) throw new Error(NO_VENV);
          throw new Error(`python3 -m venv failed:\n${lastLines(output)}`);
        }
      }

      log(
        `Installing ${env.installs} into ${relative(projectRoot, venvDir)} (takes a minute the first time)...`,
      );
      const pipArgs = [
        '-m',
        'pip',
        'install',
        '-q',
        '--disable-pip-version-check',
        '-r',
        env.requirementsFile,
      ];
      const pip = await run(python, pipArgs);
      if (pip.code !== 0) throw new Error(`pip install failed:\n${lastLines(pip.stdout + pip.stderr)}`);
      await writeFile(stampFile, `${wanted}\n`);
      return { python, binDir };
    },
    log,
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('Could not pick a free port'))));
    });
  });
}

// One set of process-wide handlers for all emulators, so a signal kills every child exactly once.
const liveChildren = new Set<ChildProcess>();
const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;
const killAll = (): void => {
  for (const child of liveChildren) if (!hasExited(child)) child.kill('SIGKILL');
};
const onSignal = (signal: NodeJS.Signals): void => {
  killAll();
  // Only exit if we are the sole listener; otherwise whoever else listens owns the shutdown.
  if (process.listenerCount(signal) <= 1) process.exit(signal === 'SIGINT' ? 130 : 143);
};

function track(child: ChildProcess): void {
  if (liveChildren.size === 0) {
    process.on('exit', killAll);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  liveChildren.add(child);
}

function untrack(child: ChildProcess): void {
  if (!liveChildren.delete(child) || liveChildren.size > 0) return;
  process.off('exit', killAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (hasExited(child) || child.pid === undefined) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function launch(bin: string, log: Log): Promise<Emulator> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // Output is noise unless startup fails; werkzeug logs to stderr, so keep only a tail of that.
  const child = spawn(join(bin, 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(...chunk.toString().split('\n').filter(Boolean));
    stderr.splice(0, Math.max(0, stderr.length - STDERR_LINES));
  });
  track(child);
  const fail = async (why: string): Promise<never> => {
    await stopChild(child);
    untrack(child);
    throw new Error(`moto_server ${why}; last stderr lines:\n${stderr.join('\n') || '(none)'}`);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnError) return fail(`could not start (${spawnError.message})`);
    if (hasExited(child)) return fail(`exited (code ${child.exitCode}) before answering on ${endpoint}`);
    if (Date.now() > deadline) return fail(`did not answer on ${endpoint} within ${READY_TIMEOUT_MS} ms`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    await delay(150);
  }
  log(`moto_server (pid ${child.pid}) listening on ${endpoint}`);

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    stop: () => (stopping ??= stopChild(child).then(() => untrack(child))),
  };
}

/** Starts moto on a free 127.0.0.1 port and waits (30 s max) for it; keeps Node alive until stop(). */
export async function startEmulator(opts: { log?: Log } = {}): Promise<Emulator> {
  const log = opts.log ?? (() => {});
  const { binDir: bin } = await ensureVenv({ log });
  // The port is free when picked but could be taken before moto binds it; retry that race only.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(bin, log);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/i.test((err as Error).message)) throw err;
    }
  }
}

async function postMotoApi(endpoint: string, path: string, body?: unknown): Promise<void> {
  const headers = { 'content-type': 'application/json' };
  const res = await fetch(`${endpoint}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path} on ${endpoint} failed: HTTP ${res.status} ${text}`);
}

/** Clears all state in the emulator (every service, every region). */
export function resetEmulator(endpoint: string): Promise<void> {
  return postMotoApi(endpoint, '/moto-api/reset');
}

/** Sets how a moto model (e.g. `ecs::task`) advances its status; moto's default is `immediate`. */
export function setEmulatorTransition(
  endpoint: string,
  model: string,
  transition: { progression: 'manual' | 'immediate' | 'time'; times?: number; seconds?: number },
): Promise<void> {
  return postMotoApi(endpoint, '/moto-api/state-manager/set-transition', { model_name: model, transition });
}

/** Environment variables that point an AWS SDK client at the emulator with dummy credentials. */
export function emulatorEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Lints a CloudFormation template; ok unless cfn-lint reports errors (warnings/info still pass). */
export async function runCfnLint(templatePath: string): Promise<{ ok: boolean; output: string }> {
  const { binDir: bin } = await ensureVenv();
  const { code, stdout, stderr } = await run(join(bin, 'cfn-lint'), [templatePath]);
  // cfn-lint ORs 2 (error), 4 (warning), 8 (informational); 1 means it could not run at all.
  const ok = code !== null && (code & ~(4 | 8)) === 0;
  return { ok, output: (stdout + stderr).trim() };
}
