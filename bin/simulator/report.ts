import type { CostBoundPoint } from './floors.js';
import type { Comparison, PolicyFigures } from './simulate.js';

/** Figures of one policy for scripts (`scaling simulate --json`). */
export interface PolicyFiguresJson extends PolicyFigures {
  policy: string;
  description: string;
}

export interface ComparisonJson {
  trace: string;
  totalMessages: number;
  lastArrivalSeconds: number;
  horizonSeconds: number;
  model: Comparison['model'];
  scaler: Comparison['scaler'];
  /** The messages' own processing time: no policy uses fewer task-minutes. */
  workFloorTaskMinutes: number;
  /**
   * The proven cost bound (floors.ts) at ecs-pilot's own p95: no policy within the bounds reaches
   * that p95 with fewer task-minutes. Absent where the bound is not proven.
   */
  costBoundAtEcsPilotP95?: CostBoundPoint;
  policies: PolicyFiguresJson[];
}

export function comparisonJson(
  trace: string,
  comparison: Comparison,
  bound?: CostBoundPoint,
): ComparisonJson {
  return {
    trace,
    totalMessages: comparison.totalMessages,
    lastArrivalSeconds: comparison.lastArrival,
    horizonSeconds: comparison.horizonSeconds,
    model: comparison.model,
    scaler: comparison.scaler,
    workFloorTaskMinutes: comparison.workFloorTaskMinutes,
    ...(bound ? { costBoundAtEcsPilotP95: bound } : {}),
    policies: comparison.runs.map((run) => ({
      policy: run.policy,
      description: run.description,
      ...run.figures,
    })),
  };
}

const round1 = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/** Seconds as printed in the table: whole seconds as they are, others with one decimal. */
export const seconds = (value: number) => `${round1(value)} s`;

/** A duration in minutes with one decimal, for long figures. */
export const minutes = (valueSeconds: number) => `${(valueSeconds / 60).toFixed(1)} min`;

function columns(f: PolicyFigures): string[] {
  // Messages never processed count as waiting until the end: their waits are lower bounds.
  const atLeast = f.unprocessed > 0 ? '≥ ' : '';
  return [
    `${atLeast}${seconds(f.p50WaitSeconds)}`,
    `${atLeast}${seconds(f.p95WaitSeconds)}`,
    `${atLeast}${seconds(f.maxWaitSeconds)}`,
    f.taskMinutes.toFixed(1),
    String(f.scalingActions),
    f.drainSeconds === null ? 'never' : minutes(f.drainSeconds),
    String(f.unprocessed),
    String(f.redoneMessages),
  ];
}

const HEADER = [
  'policy',
  'p50 wait',
  'p95 wait',
  'max wait',
  'task-min',
  'actions',
  'time to drain',
  'unprocessed',
  'redone',
];

/** Where one policy's task-minutes go (processing is what is left of them after start-ups and idle time). */
function costColumns(f: PolicyFigures): string[] {
  return [
    (f.taskMinutes - f.startUpTaskMinutes - f.idleTaskMinutes).toFixed(1),
    f.redoneTaskMinutes.toFixed(1),
    f.startUpTaskMinutes.toFixed(1),
    String(f.launches),
    f.idleTaskMinutes.toFixed(1),
  ];
}

const COST_HEADER = ['task-min spent on', 'processing', 'of it lost', 'start-ups', 'launches', 'idle'];

/** Rows under a header, the first column left-aligned and the others right-aligned. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/**
 * The comparison as a text table, one row per policy, then the work floor, the cost bound at
 * ecs-pilot's p95 when given, where each policy's task-minutes go, and each policy's description.
 */
export function formatComparison(trace: string, comparison: Comparison, bound?: CostBoundPoint): string {
  const { model, scaler } = comparison;
  return [
    `${trace}: ${comparison.totalMessages} message${comparison.totalMessages === 1 ? '' : 's'} over ${minutes(comparison.lastArrival)}, ` +
      `simulated ${minutes(comparison.horizonSeconds)}; ${model.secondsPerMessage} s per message` +
      `${model.jitter > 0 ? ` ±${model.jitter * 100} % (seed ${model.seed})` : ''}, task start-up ${model.startupSeconds} s; ` +
      `scaler ${scaler.name}: ${scaler.messagesPerTask} messages per task, ${scaler.min}-${scaler.max} tasks`,
    ...table(
      HEADER,
      comparison.runs.map((run) => [run.policy, ...columns(run.figures)]),
    ),
    '',
    `work floor (the messages' own processing time): ${comparison.workFloorTaskMinutes.toFixed(1)} task-min`,
    ...(bound
      ? [
          `cost bound (proven, any policy within the bounds): p95 ≤ ${seconds(bound.p95Seconds)} (ecs-pilot's) ` +
            `needs ≥ ${bound.taskMinutes.toFixed(1)} task-min` +
            // Up to 5 % of the messages may wait past the p95, even unprocessed: their work is not in the bound.
            (bound.taskMinutes < comparison.workFloorTaskMinutes
              ? ' (below the work floor: the 5 % of messages that may wait longer are not counted)'
              : ''),
        ]
      : []),
    '',
    ...table(
      COST_HEADER,
      comparison.runs.map((run) => [run.policy, ...costColumns(run.figures)]),
    ),
    '',
    ...comparison.runs.map((run) => `  ${run.policy}: ${run.description}`),
  ].join('\n');
}
