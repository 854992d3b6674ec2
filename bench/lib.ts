import { appendFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (bench/..). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** One printed figure: its value, the target it is judged against (if any) and the verdict. */
export interface Row {
  bench: string;
  figure: string;
  /** Raw value in `unit` (null when it could not be measured). */
  value: number | null;
  unit: string;
  /** Human form of the value, as printed. */
  display: string;
  /** The target as printed, e.g. "≤ 60 ms"; '' when the figure is informational. */
  target: string;
  status: 'PASS' | 'MISS' | 'info' | 'CRASH';
}

/** What each benchmark process reports: its rows, the command that produced them, and raw details. */
export interface BenchResult {
  bench: string;
  command: string;
  rows: Row[];
  details: Record<string, unknown>;
}

/** A figure with no target. */
export function info(
  bench: string,
  figure: string,
  value: number | null,
  unit: string,
  display: string,
): Row {
  return { bench, figure, value, unit, display, target: '', status: 'info' };
}

/**
 * A figure judged against a limit. `op` '<=' means lower is better, '==' means exactly the limit.
 * The verdict is computed from the measured value here, never written by hand.
 */
export function judged(
  bench: string,
  figure: string,
  value: number | null,
  unit: string,
  display: string,
  limit: { op: '<=' | '=='; value: number; display: string },
): Row {
  const ok = value !== null && (limit.op === '<=' ? value <= limit.value : value === limit.value);
  return {
    bench,
    figure,
    value,
    unit,
    display,
    target: `${limit.op === '<=' ? '≤' : '='} ${limit.display}`,
    status: ok ? 'PASS' : 'MISS',
  };
}

/** Linear-interpolated percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export interface Summary {
  n: number;
  mean: number;
  median: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    median: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}

/** 1 KB = 1000 bytes: the stricter reading of "200 KB". */
export const KB = 1000;
export const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;
export const ms = (value: number, digits = 1) => `${value.toFixed(digits)} ms`;

/** Human output of a benchmark process goes to stderr, so stdout can carry (or discard) handler logs. */
export function say(line = ''): void {
  process.stderr.write(`${line}\n`);
}

/** Prints rows as a table: figure, value, target, verdict. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'figure', 'value', 'target', 'result'];
  const cells = rows.map((r) => [r.bench, r.figure, r.display, r.target || '—', r.status]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join('\n');
}

/**
 * Prints the rows and hands the result to `bench/run.ts` as a JSON line in BENCH_RESULT_FILE (or, when
 * the benchmark runs on its own, as a JSON line on stdout).
 */
export function emit(result: BenchResult): void {
  const file = process.env.BENCH_RESULT_FILE;
  say(`\n${formatTable(result.rows)}`);
  say(`command: ${result.command}`);
  if (file) appendFileSync(file, `${JSON.stringify(result)}\n`);
  else process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** `npx tsx bench/<file> args…`: how to reproduce one benchmark on its own. */
export const commandLine = (file: string, args: readonly string[]) =>
  ['npx tsx', file, ...args].join(' ').trim();

/**
 * Environment that lets the uploadToTask handler finish its cold start outside AWS: the packaged
 * config and dummy names, region and credentials (the handler makes no call at import).
 */
export function offlineHandlerEnv(configFile: string, logLevel = 'INFO'): Record<string, string> {
  return {
    ECS_PILOT_CONFIG_FILE: configFile,
    IDEMPOTENCY_TABLE: 'ecs-pilot-local-idempotency',
    UPLOADS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/ecs-pilot-local-uploads',
    UPLOADS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/ecs-pilot-local-uploads-dlq',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'bench-dummy-secret',
    AWS_LAMBDA_FUNCTION_NAME: 'ecs-pilot-local-uploadToTask',
    POWERTOOLS_LOG_LEVEL: logLevel,
    POWERTOOLS_METRICS_NAMESPACE: 'ecs-pilot',
    // Lambda runs Node 22, where the SDK prints no Node-20 end-of-support warning.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
