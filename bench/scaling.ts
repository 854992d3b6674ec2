/**
 * Queue scaling: replays the arrival traces in bench/traces (steady, bursty, idle-spikes) under
 * ecs-pilot's policy and the reference policies (CDK default steps, KEDA aws-sqs-queue, target
 * tracking), with the default scaler (10 messages per task, 0-40 tasks, scale in after 5 min) and
 * processing model (30 s per message, 60 s task start-up). Prints each trace's table as
 * `ecs-pilot scaling simulate` does, reports p95 wait and task-minutes per policy, and judges the two
 * goals on the bursty trace: a lower p95 wait than the CDK default steps and fewer task-minutes than
 * KEDA's formula. Deterministic: the same figures on every machine.
 *
 *   npx tsx bench/scaling.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparisonJson, formatComparison } from '../bin/simulator/report.js';
import { comparePolicies, DEFAULT_SIMULATION_SCALER, type Comparison } from '../bin/simulator/simulate.js';
import { parseTrace } from '../bin/simulator/trace.js';
import { commandLine, emit, info, projectRoot, say, type Row } from './lib.js';

const TRACES = ['steady', 'bursty', 'idle-spikes'] as const;
const BENCH = 'scaling';

const s = (value: number) => `${Math.round(value)} s`;
const min = (value: number) => `${value.toFixed(1)} task-min`;

/** A figure that passes when strictly lower than a reference policy's figure on the same trace. */
function lowerThan(
  figure: string,
  ours: number,
  theirs: number,
  unit: string,
  format: (v: number) => string,
  reference: string,
): Row {
  return {
    bench: BENCH,
    figure,
    value: ours,
    unit,
    display: format(ours),
    target: `< ${format(theirs)} (${reference})`,
    status: ours < theirs ? 'PASS' : 'MISS',
  };
}

const rows: Row[] = [];
const details: Record<string, unknown> = {};
const results = new Map<string, Comparison>();
for (const name of TRACES) {
  const file = `bench/traces/${name}.csv`;
  const trace = parseTrace(readFileSync(join(projectRoot, file), 'utf8'), file);
  const comparison = comparePolicies(trace, DEFAULT_SIMULATION_SCALER);
  results.set(name, comparison);
  say(`\n${formatComparison(file, comparison)}`);
  details[name] = comparisonJson(file, comparison);
  for (const run of comparison.runs) {
    const f = run.figures;
    const lowerBound = f.unprocessed > 0 ? `≥ ` : '';
    const left = f.unprocessed > 0 ? ` (${f.unprocessed} unprocessed)` : '';
    rows.push(
      info(
        BENCH,
        `${name}: ${run.policy} p95 wait`,
        f.p95WaitSeconds,
        's',
        `${lowerBound}${s(f.p95WaitSeconds)}${left}`,
      ),
      info(BENCH, `${name}: ${run.policy} task-minutes`, f.taskMinutes, 'task-min', min(f.taskMinutes)),
    );
  }
}

const bursty = results.get('bursty')!;
const figures = (policy: string) => bursty.runs.find((r) => r.policy === policy)!.figures;
const ours = figures('ecs-pilot');
const cdk = figures('cdk-default-steps');
const keda = figures('keda-sqs');
rows.push(
  lowerThan(
    'bursty: ecs-pilot p95 wait below CDK default steps',
    ours.p95WaitSeconds,
    cdk.p95WaitSeconds,
    's',
    s,
    'cdk-default-steps',
  ),
  lowerThan(
    'bursty: ecs-pilot task-minutes below KEDA formula',
    ours.taskMinutes,
    keda.taskMinutes,
    'task-min',
    min,
    'keda-sqs',
  ),
);

emit({ bench: BENCH, command: commandLine('bench/scaling.ts', []), rows, details });
