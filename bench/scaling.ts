/**
 * Queue scaling: replays every arrival trace of bench/traces under two processing models (10 s and
 * 30 s per message, 60 s task start-up, workers without task scale-in protection) against
 * ecs-pilot's default policy, the references (CDK default steps, KEDA aws-sqs-queue, target tracking)
 * and the clairvoyant reference, with the default scaler (10 messages per task, 0-40 tasks). Prints
 * each table as `ecs-pilot scaling simulate` does, and one PASS/MISS line per trace and model
 * against the goal of issue 13 (bin/simulator/goal.ts). Deterministic: the same figures everywhere.
 *
 *   npx tsx bench/scaling.ts [--charts DIR] [--set field=value …] [--tick-lag N]
 *   (DIR/<trace>-<model>.svg: each policy's point and the floors; --set: other scaler settings;
 *   --tick-lag: ecs-pilot's evaluations N s after each slot)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderFrontier } from '../bin/simulator/frontier.js';
import { boundOptionsOf, costBoundSteps, reactiveFloor } from '../bin/simulator/floors.js';
import {
  BURSTY_COST_FACTOR,
  BURSTY_P95_FACTOR,
  floorsFeasibility,
  goalChecks,
} from '../bin/simulator/goal.js';
import { comparisonJson, formatComparison } from '../bin/simulator/report.js';
import { comparePolicies, DEFAULT_SIMULATION_SCALER } from '../bin/simulator/simulate.js';
import { scalerSchema } from '../shared/scaling/config.js';
import { parseTrace } from '../bin/simulator/trace.js';
import { commandLine, emit, info, projectRoot, say, type Row } from './lib.js';

export const TRACES = [
  'steady',
  'bursty',
  'idle-spikes',
  'diurnal-ramp',
  'heavy-tailed-gaps',
  'spike-after-idle',
] as const;
export const MODELS = [
  { name: '30s', secondsPerMessage: 30, startupSeconds: 60 },
  { name: '10s', secondsPerMessage: 10, startupSeconds: 60 },
] as const;
const BENCH = 'scaling';

const { values } = parseArgs({
  options: {
    charts: { type: 'string' },
    set: { type: 'string', multiple: true },
    'tick-lag': { type: 'string', default: '0' },
  },
});
// --tick-lag N: every ecs-pilot evaluation N seconds after its slot starts (how late the tick
// queue delivers), to show what the delivery latency of the chained ticks costs.
const tickLagSeconds = Number(values['tick-lag']);
// --set field=value (repeatable) replays the suite with other scaler settings, for the README's
// "why each default" table; the goal lines then judge those settings, not the defaults.
const overrides = Object.fromEntries(
  (values.set ?? []).map((pair) => {
    const [field, value] = pair.split('=');
    const typed = value === 'true' ? true : value === 'false' ? false : Number(value);
    return [field, typeof typed === 'number' && Number.isNaN(typed) ? value : typed];
  }),
);
const scaler = scalerSchema.parse({ ...DEFAULT_SIMULATION_SCALER, ...overrides });
const fmt = (value: number, unit: string) =>
  Number.isFinite(value) ? `${unit === 's' ? Math.round(value) : value.toFixed(1)} ${unit}` : `∞ ${unit}`;

const rows: Row[] = [];
const details: Record<string, unknown> = {};
for (const name of TRACES) {
  const file = `bench/traces/${name}.csv`;
  const trace = parseTrace(readFileSync(join(projectRoot, file), 'utf8'), file);
  for (const model of MODELS) {
    const key = `${name} ${model.name}`;
    const comparison = comparePolicies(trace, scaler, undefined, { model: { ...model, tickLagSeconds } });
    say(`\n${formatComparison(file, comparison)}`);
    details[key] = comparisonJson(file, comparison);
    for (const run of comparison.runs) {
      const f = run.figures;
      const left = f.unprocessed > 0 ? ` (${f.unprocessed} unprocessed)` : '';
      rows.push(
        info(
          BENCH,
          `${key}: ${run.policy} p95 wait`,
          f.p95WaitSeconds,
          's',
          `${fmt(f.p95WaitSeconds, 's')}${left}`,
        ),
        info(
          BENCH,
          `${key}: ${run.policy} task-minutes`,
          f.taskMinutes,
          'task-min',
          fmt(f.taskMinutes, 'task-min'),
        ),
      );
    }
    rows.push(
      info(
        BENCH,
        `${key}: work floor`,
        comparison.workFloorTaskMinutes,
        'task-min',
        fmt(comparison.workFloorTaskMinutes, 'task-min'),
      ),
    );
    const checks = goalChecks(comparison, { bursty: name === 'bursty' });
    // One line for the references (every trace), one for the floors (the bursty trace).
    const groups = [
      {
        label: 'p95 and task-minutes against KEDA and CDK',
        checks: checks.filter((c) => !/clairvoyant|floor/.test(c.name)),
      },
      {
        label: 'within the clairvoyant and work floors',
        checks: checks.filter((c) => /clairvoyant|floor/.test(c.name)),
      },
    ].filter((g) => g.checks.length > 0);
    for (const group of groups) {
      const missed = group.checks.filter((c) => !c.pass);
      const unit = (c: { name: string }) => (c.name.startsWith('p95') ? 's' : 'task-min');
      rows.push({
        bench: BENCH,
        figure: `${key}: ecs-pilot ${group.label}`,
        value: missed.length,
        unit: 'checks missed',
        display: group.checks.map((c) => `${fmt(c.ours, unit(c))}${c.pass ? '' : ' (miss)'}`).join('; '),
        target: group.checks.map((c) => `${c.name}: ${fmt(c.limit, unit(c))}`).join('; '),
        status: missed.length === 0 ? 'PASS' : 'MISS',
      });
    }
    if (name === 'bursty') {
      // Whether the floors condition can be met at all: the proven fewest task-minutes of any
      // policy at the condition's p95 (bin/simulator/floors.ts) against its cost limit.
      const floors = floorsFeasibility(trace, comparison);
      const bound = floors.bound;
      details[key] = { ...(details[key] as object), costBound: { ...floors } };
      rows.push(
        info(
          BENCH,
          `${key}: fewest task-minutes any policy needs for p95 ≤ ${BURSTY_P95_FACTOR} × clairvoyant (${fmt(floors.p95Limit, 's')})`,
          bound.taskMinutes,
          'task-min',
          `${fmt(bound.taskMinutes, 'task-min')} (work ${fmt(bound.workTaskMinutes, 'task-min')} + ` +
            `start-ups or tasks kept through lulls ${fmt(bound.overheadTaskMinutes, 'task-min')}; ` +
            `${bound.lateAllowed} messages may wait longer)`,
        ),
      );
      // Without foresight (bin/simulator/floors.ts, reactiveFloor): only the W tasks held through
      // each lull serve a burst's first start-up; the least p95 at W = 0, and the least W (with what
      // holding it costs) that reaches the condition's p95.
      const reactive = reactiveFloor(trace, boundOptionsOf(comparison));
      const cold = reactive.points[0]!;
      const enough = reactive.points.find((p) => p.p95Seconds <= floors.p95Limit);
      details[key] = { ...(details[key] as object), reactiveFloor: reactive };
      rows.push(
        info(
          BENCH,
          `${key}: least p95 of a policy without foresight, ${cold.warm} tasks warm`,
          cold.p95Seconds,
          's',
          `${fmt(cold.p95Seconds, 's')} (≥ ${fmt(cold.taskMinutes, 'task-min')})`,
        ),
        info(
          BENCH,
          `${key}: fewest warm tasks without foresight for p95 ≤ ${fmt(floors.p95Limit, 's')}`,
          enough?.warm ?? Number.POSITIVE_INFINITY,
          'tasks',
          enough
            ? `${enough.warm} (p95 ≥ ${fmt(enough.p95Seconds, 's')}, ≥ ${fmt(enough.taskMinutes, 'task-min')})`
            : `none up to ${comparison.scaler.max}`,
        ),
      );
      if (!floors.feasible) {
        rows.push(
          info(
            BENCH,
            `${key}: the floors condition is infeasible for any policy`,
            bound.taskMinutes - floors.costLimit,
            'task-min over',
            `p95 ≤ ${fmt(floors.p95Limit, 's')} needs ≥ ${fmt(bound.taskMinutes, 'task-min')}, ` +
              `above ${BURSTY_COST_FACTOR} × work floor = ${fmt(floors.costLimit, 'task-min')}`,
          ),
        );
      }
    }
    if (values.charts !== undefined) {
      mkdirSync(values.charts, { recursive: true });
      // The bound at targets across the chart's range, so its step line spans every policy's p95.
      const costBound = costBoundSteps(trace, comparison);
      writeFileSync(
        join(values.charts, `${name}-${model.name}.svg`),
        renderFrontier(
          `${name}, ${model.secondsPerMessage} s per message, ${model.startupSeconds} s start-up`,
          comparison,
          costBound,
        ),
      );
    }
  }
}

const sum = Object.values(details).reduce<number>(
  (total, d) =>
    total +
    ((d as { policies: { policy: string; taskMinutes: number }[] }).policies.find(
      (p) => p.policy === 'ecs-pilot',
    )?.taskMinutes ?? 0),
  0,
);
rows.push(info(BENCH, 'ecs-pilot task-minutes over the suite', sum, 'task-min', fmt(sum, 'task-min')));
emit({ bench: BENCH, command: commandLine('bench/scaling.ts', process.argv.slice(2)), rows, details });
