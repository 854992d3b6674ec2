/**
 * `npm run bench`: runs every benchmark in its own process (module state, stdout and the emulator
 * stay per benchmark), prints one table of figures against their targets and writes
 * bench/results.json. A MISS is a result, not a failure: the exit code is non-zero only when a
 * benchmark crashed.
 *
 *   npm run bench [-- --only bundle,cold,overhead,burst,pacing,batching] [--burst-objects 1000] [--cold-runs 15]
 *                 [--overhead-events 2000] [--pacing-objects 2000]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { commandLine, formatTable, projectRoot, type BenchResult, type Row } from './lib.js';

const BENCHES = [
  'bundle',
  'cold',
  'overhead',
  'burst',
  'pacing',
  'batching',
  'scaling',
  'lifecycle',
] as const;
type Bench = (typeof BENCHES)[number];

const HELP = `npm run bench [-- options]

Options:
  --only LIST            comma-separated subset of ${BENCHES.join(',')} (default: all)
  --burst-objects N      objects uploaded in the burst (default 1000)
  --cold-runs N          fresh Node processes per cold-import mode, at least 10 (default 15)
  --overhead-events N    timed events in the handler-overhead run, a multiple of 10 (default 2000)
  --pacing-objects N     objects queued at once in the pacing runs (default 2000)
  -h, --help             show this help`;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'burst-objects': { type: 'string', default: '1000' },
    'cold-runs': { type: 'string', default: '15' },
    'overhead-events': { type: 'string', default: '2000' },
    'pacing-objects': { type: 'string', default: '2000' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const only = (values.only?.split(',') ?? [...BENCHES]).map((b) => b.trim()).filter(Boolean);
const unknown = only.filter((b) => !(BENCHES as readonly string[]).includes(b));
if (unknown.length > 0 || only.length === 0) {
  console.error(`--only takes a comma-separated subset of ${BENCHES.join(',')} (got ${values.only})`);
  process.exit(2);
}
const selected = new Set(only as Bench[]);

interface Step {
  benches: Bench[];
  file: string;
  args: string[];
  /** 'ignore' sends the benchmark's stdout (handler logs) to /dev/null. */
  stdout: 'inherit' | 'ignore';
  timeoutMs: number;
}

const steps: Step[] = [];
const bundleParts = (['bundle', 'cold'] as const).filter((b) => selected.has(b));
if (bundleParts.length > 0) {
  const parts = bundleParts.map((b) => (b === 'bundle' ? 'size' : 'cold'));
  steps.push({
    benches: [...bundleParts],
    file: 'bench/bundle.ts',
    args: ['--parts', parts.join(','), '--runs', values['cold-runs']],
    stdout: 'inherit',
    timeoutMs: 20 * 60_000,
  });
}
if (selected.has('overhead')) {
  for (const level of ['INFO', 'ERROR']) {
    steps.push({
      benches: ['overhead'],
      file: 'bench/overhead.ts',
      args: ['--log-level', level, '--events', values['overhead-events']],
      stdout: 'ignore',
      timeoutMs: 10 * 60_000,
    });
  }
}
if (selected.has('burst')) {
  steps.push({
    benches: ['burst'],
    file: 'bench/burst.ts',
    args: ['--objects', values['burst-objects'], '--timeout-minutes', '15'],
    stdout: 'ignore',
    // The burst bounds its own drain at 15 min; this only catches a hang around it.
    timeoutMs: 30 * 60_000,
  });
}
if (selected.has('pacing')) {
  steps.push({
    benches: ['pacing'],
    file: 'bench/pacing.ts',
    args: ['--objects', values['pacing-objects'], '--speed', '4'],
    stdout: 'ignore',
    // Two runs of about 100 and 200 simulated seconds at 4x; the run stops itself at 3,600.
    timeoutMs: 30 * 60_000,
  });
}

if (selected.has('batching')) {
  steps.push({
    benches: ['batching'],
    file: 'bench/batching.ts',
    args: ['--objects', '10000', '--max-objects', '50'],
    stdout: 'ignore',
    // 10,000 objects twice through the real code, in-process: about 10 s here.
    timeoutMs: 10 * 60_000,
  });
}

if (selected.has('lifecycle')) {
  steps.push({
    benches: ['lifecycle'],
    file: 'bench/lifecycle.ts',
    args: [],
    stdout: 'ignore',
    timeoutMs: 5 * 60_000,
  });
}
if (selected.has('scaling')) {
  steps.push({
    benches: ['scaling'],
    file: 'bench/scaling.ts',
    args: [],
    stdout: 'inherit',
    timeoutMs: 5 * 60_000,
  });
}

interface StepOutcome {
  command: string;
  benches: Bench[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  wallMs: number;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  results: BenchResult[];
}

const resultDir = mkdtempSync(join(tmpdir(), 'ecs-pilot-bench-'));

async function runStep(step: Step, index: number): Promise<StepOutcome> {
  const resultFile = join(resultDir, `step-${index}.jsonl`);
  const command = `${commandLine(step.file, step.args)}${step.stdout === 'ignore' ? ' > /dev/null' : ''}`;
  console.log(`\n▶ ${command}`);
  const loadAverageBefore = loadavg();
  const started = performance.now();
  // `node --import tsx` rather than the tsx CLI: one process, so its pid is the benchmark's.
  const child = spawn(process.execPath, ['--import', 'tsx', step.file, ...step.args], {
    cwd: projectRoot,
    env: { ...process.env, BENCH_RESULT_FILE: resultFile },
    stdio: ['ignore', step.stdout, 'inherit'],
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    console.error(`✖ ${step.file} exceeded ${step.timeoutMs / 60_000} min; stopping pid ${child.pid}`);
    child.kill('SIGTERM');
    setTimeout(
      () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'),
      5_000,
    ).unref();
  }, step.timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve) => {
    child.once('error', (error) => {
      console.error(`✖ could not start ${step.file}: ${error.message}`);
      resolve([null, null]);
    });
    child.once('close', (code, sig) => resolve([code, sig]));
  });
  clearTimeout(timer);
  let results: BenchResult[] = [];
  try {
    results = readFileSync(resultFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as BenchResult);
  } catch {
    // No results: reported as a crash below.
  }
  return {
    command,
    benches: step.benches,
    exitCode,
    signal,
    timedOut,
    wallMs: performance.now() - started,
    loadAverageBefore,
    loadAverageAfter: loadavg(),
    results,
  };
}

const startedAt = new Date();
const started = performance.now();
const outcomes: StepOutcome[] = [];
for (const [index, step] of steps.entries()) outcomes.push(await runStep(step, index));
rmSync(resultDir, { recursive: true, force: true });
const wallMs = performance.now() - started;

const rows: Row[] = [];
const crashed: string[] = [];
for (const outcome of outcomes) {
  for (const result of outcome.results) rows.push(...result.rows);
  const reported = new Set(outcome.results.map((r) => r.bench));
  const missing = outcome.benches.filter((b) => !reported.has(b));
  if (outcome.exitCode !== 0 || missing.length > 0) {
    const why = outcome.timedOut
      ? 'timed out'
      : `exit ${outcome.exitCode ?? outcome.signal}${missing.length ? `, no result for ${missing.join(', ')}` : ''}`;
    crashed.push(`${outcome.command}: ${why}`);
    for (const bench of missing.length ? missing : outcome.benches) {
      rows.push({
        bench,
        figure: `CRASHED: ${outcome.command}`,
        value: null,
        unit: '',
        display: why,
        target: '',
        status: 'CRASH',
      });
    }
  }
}

const cpuList = cpus();
const machine = {
  node: process.version,
  cpus: cpuList.length,
  cpuModel: cpuList[0]?.model ?? 'unknown',
  platform: `${process.platform} ${release()} ${process.arch}`,
  memoryGiB: +(totalmem() / 1024 ** 3).toFixed(1),
  date: startedAt.toISOString(),
  loadAverageAtStart: outcomes[0]?.loadAverageBefore ?? loadavg(),
};
const npmArgs = process.argv.slice(2);
const command = `npm run bench${npmArgs.length ? ` -- ${npmArgs.join(' ')}` : ''}`;
const counts = Object.fromEntries(
  (['PASS', 'MISS', 'CRASH'] as const).map((s) => [s, rows.filter((r) => r.status === s).length]),
);

console.log(`\necs-pilot benchmarks — ${machine.date}`);
console.log(
  `node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, ${machine.platform}; ` +
    `load average per step: ${outcomes.map((o) => `${o.benches.join('+')} ${o.loadAverageBefore[0]!.toFixed(1)}→${o.loadAverageAfter[0]!.toFixed(1)}`).join(', ')}`,
);
// Taken before the first benchmark started, so it is other processes' load, not ours.
const loadAtStart = machine.loadAverageAtStart[0]!;
if (loadAtStart > machine.cpus / 2) {
  console.log(
    `note: the 1-minute load average was ${loadAtStart.toFixed(1)} on ${machine.cpus} CPUs before the run started: ` +
      'other processes competed for the CPU, so the timing figures are higher than on an idle machine.',
  );
}
console.log(`\n${formatTable(rows)}\n`);
console.log(
  `${counts.PASS} PASS, ${counts.MISS} MISS, ${counts.CRASH} CRASH; whole run ${(wallMs / 1000).toFixed(1)} s`,
);
for (const line of crashed) console.log(`crashed: ${line}`);

const resultsPath = join(projectRoot, 'bench', 'results.json');
writeFileSync(
  resultsPath,
  `${JSON.stringify(
    {
      command,
      machine,
      wallMs,
      only: [...selected],
      summary: counts,
      crashed,
      rows,
      steps: outcomes.map(({ results, ...step }) => ({ ...step, reported: results.map((r) => r.bench) })),
      benchmarks: Object.fromEntries(
        outcomes.flatMap((o) =>
          o.results.map((r) => {
            const key = r.bench === 'overhead' ? `overhead:${String(r.details.logLevel)}` : r.bench;
            return [key, { command: r.command, details: r.details }];
          }),
        ),
      ),
    },
    null,
    2,
  )}\n`,
);
console.log(`results: ${resultsPath.replace(`${projectRoot}/`, '')}`);
console.log(`command: ${command}`);
process.exit(crashed.length > 0 ? 1 : 0);
