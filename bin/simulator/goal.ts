/**
 * The goal of issue 13, judged on one comparison (pure): with its defaults, ecs-pilot waits no
 * longer at p95 than KEDA's formula and uses fewer task-minutes than both KEDA and CDK's default
 * steps; on the bursty trace its p95 is within 1.3× of the clairvoyant reference and its
 * task-minutes within 1.15× of the work floor.
 */
import { boundOptionsOf, costLowerBound, type CostBound } from './floors.js';
import type { Comparison } from './simulate.js';
import type { Trace } from './trace.js';

export interface GoalCheck {
  /** What is compared, e.g. "p95 ≤ keda-sqs". */
  name: string;
  ours: number;
  limit: number;
  /** true when ours ≤ limit (strict: ours < limit). */
  strict: boolean;
  pass: boolean;
}

export const BURSTY_P95_FACTOR = 1.3;
export const BURSTY_COST_FACTOR = 1.15;

function figures(comparison: Comparison, policy: string) {
  const run = comparison.runs.find((r) => r.policy === policy);
  if (!run) throw new Error(`the comparison has no ${policy} run`);
  return run.figures;
}

// A message left unprocessed makes a p95 a lower bound only: such a policy cannot be said to beat us.
const p95 = (f: { p95WaitSeconds: number; unprocessed: number }) =>
  f.unprocessed > 0 ? Number.POSITIVE_INFINITY : f.p95WaitSeconds;

export function goalChecks(comparison: Comparison, options: { bursty: boolean }): GoalCheck[] {
  const ours = figures(comparison, 'ecs-pilot');
  const keda = figures(comparison, 'keda-sqs');
  const cdk = figures(comparison, 'cdk-default-steps');
  const check = (name: string, value: number, limit: number, strict: boolean): GoalCheck => ({
    name,
    ours: value,
    limit,
    strict,
    pass: strict ? value < limit : value <= limit,
  });
  const ourP95 = ours.unprocessed > 0 ? Number.POSITIVE_INFINITY : ours.p95WaitSeconds;
  const checks = [
    check('p95 ≤ keda-sqs', ourP95, p95(keda), false),
    check('task-min < keda-sqs', ours.taskMinutes, keda.taskMinutes, true),
    check('task-min < cdk-default-steps', ours.taskMinutes, cdk.taskMinutes, true),
  ];
  if (options.bursty) {
    const clairvoyant = figures(comparison, 'clairvoyant');
    checks.push(
      check(
        `p95 ≤ ${BURSTY_P95_FACTOR} × clairvoyant`,
        ourP95,
        BURSTY_P95_FACTOR * clairvoyant.p95WaitSeconds,
        false,
      ),
      check(
        `task-min ≤ ${BURSTY_COST_FACTOR} × work floor`,
        ours.taskMinutes,
        BURSTY_COST_FACTOR * comparison.workFloorTaskMinutes,
        false,
      ),
    );
  }
  return checks;
}

/** Whether any policy at all can meet the bursty floors condition (both of its checks at once). */
export interface FloorsFeasibility {
  /** BURSTY_P95_FACTOR × the clairvoyant p95: the p95 the condition allows. */
  p95Limit: number;
  /** The fewest task-minutes any policy within the bounds needs for a p95 ≤ p95Limit (floors.ts). */
  bound: CostBound;
  /** BURSTY_COST_FACTOR × the work floor: the task-minutes the condition allows. */
  costLimit: number;
  /** false: no policy can meet both checks, since reaching the p95 costs more than the cost check allows. */
  feasible: boolean;
}

/**
 * The floors condition against the proven cost bound, on the comparison's own model, bounds and
 * horizon. The clairvoyant p95 is the p95 floor within the bounds, so 1.3 × it is a real target;
 * when even the cheapest policy that reaches it needs more than 1.15 × the work floor, the
 * condition cannot be met by any policy, reactive or not.
 */
export function floorsFeasibility(trace: Trace, comparison: Comparison): FloorsFeasibility {
  const p95Limit = BURSTY_P95_FACTOR * figures(comparison, 'clairvoyant').p95WaitSeconds;
  const bound = costLowerBound(trace, { p95Seconds: p95Limit, ...boundOptionsOf(comparison) });
  const costLimit = BURSTY_COST_FACTOR * comparison.workFloorTaskMinutes;
  return { p95Limit, bound, costLimit, feasible: bound.taskMinutes <= costLimit };
}
