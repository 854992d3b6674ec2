import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { floorsFeasibility, goalChecks } from '../../../../bin/simulator/goal';
import { comparePolicies, DEFAULT_SIMULATION_SCALER } from '../../../../bin/simulator/simulate';
import { parseTrace } from '../../../../bin/simulator/trace';
import type { PolicyFigures } from '../../../../bin/simulator/measure';
import type { Comparison } from '../../../../bin/simulator/simulate';

const figures = (p95: number, taskMinutes: number, unprocessed = 0): PolicyFigures => ({
  p50WaitSeconds: p95,
  p95WaitSeconds: p95,
  maxWaitSeconds: p95,
  taskMinutes,
  scalingActions: 1,
  drainSeconds: unprocessed > 0 ? null : p95,
  unprocessed,
  peakTasks: 1,
  redoneMessages: 0,
  redoneTaskMinutes: 0,
  launches: 1,
  startUpTaskMinutes: 1,
  idleTaskMinutes: 0,
});

/** A comparison with the given figures per policy and a work floor of 100 task-minutes. */
const comparison = (runs: Record<string, PolicyFigures>): Comparison =>
  ({
    workFloorTaskMinutes: 100,
    runs: Object.entries(runs).map(([policy, f]) => ({
      policy,
      description: '',
      figures: f,
      samples: [],
      actions: [],
    })),
  }) as unknown as Comparison;

describe('Function: goalChecks', () => {
  const references = {
    'keda-sqs': figures(300, 200),
    'cdk-default-steps': figures(900, 150),
    clairvoyant: figures(250, 180),
  };

  it('passes when ecs-pilot ties KEDA on p95 and uses fewer task-minutes than KEDA and CDK', () => {
    const checks = goalChecks(comparison({ 'ecs-pilot': figures(300, 149), ...references }), {
      bursty: false,
    });

    expect(checks.map((c) => [c.name, c.pass])).toEqual([
      ['p95 ≤ keda-sqs', true],
      ['task-min < keda-sqs', true],
      ['task-min < cdk-default-steps', true],
    ]);
  });

  it('misses on a longer p95 than KEDA, and on task-minutes equal to CDK’s (strictly fewer is the goal)', () => {
    const checks = goalChecks(comparison({ 'ecs-pilot': figures(301, 150), ...references }), {
      bursty: false,
    });

    expect(checks.map((c) => c.pass)).toEqual([false, true, false]);
  });

  it('adds the floors on the bursty trace: 1.3 × the clairvoyant p95 and 1.15 × the work floor', () => {
    const pass = goalChecks(comparison({ 'ecs-pilot': figures(324, 114), ...references }), { bursty: true });
    const miss = goalChecks(comparison({ 'ecs-pilot': figures(326, 116), ...references }), { bursty: true });

    expect(pass.slice(3).map((c) => [c.name, c.pass])).toEqual([
      ['p95 ≤ 1.3 × clairvoyant', true],
      ['task-min ≤ 1.15 × work floor', true],
    ]);
    expect(pass[3]!.limit).toBeCloseTo(325);
    expect(pass[4]!.limit).toBeCloseTo(115);
    expect(miss.slice(3).map((c) => c.pass)).toEqual([false, false]);
  });

  it('never lets a reference that left messages unprocessed count as waiting less', () => {
    const checks = goalChecks(
      comparison({ 'ecs-pilot': figures(500, 100), ...references, 'keda-sqs': figures(60, 200, 3) }),
      { bursty: false },
    );

    expect(checks[0]!.pass).toBe(true);
  });

  it('never passes ecs-pilot on p95 when it left messages unprocessed itself', () => {
    const checks = goalChecks(comparison({ 'ecs-pilot': figures(10, 100, 1), ...references }), {
      bursty: false,
    });

    expect(checks[0]!.pass).toBe(false);
  });
});

describe('Function: floorsFeasibility', () => {
  const trace = parseTrace(readFileSync('bench/traces/bursty.csv', 'utf8'));
  const run = (secondsPerMessage: number) =>
    comparePolicies(trace, DEFAULT_SIMULATION_SCALER, undefined, {
      model: { secondsPerMessage, startupSeconds: 60 },
    });

  it('judges the bound at 1.3 × the clairvoyant p95 against 1.15 × the work floor', () => {
    const comparison = run(30);
    const clairvoyant = comparison.runs.find((r) => r.policy === 'clairvoyant')!.figures;

    const result = floorsFeasibility(trace, comparison);

    expect(result.p95Limit).toBeCloseTo(1.3 * clairvoyant.p95WaitSeconds);
    expect(result.costLimit).toBeCloseTo(1.15 * comparison.workFloorTaskMinutes);
    expect(result.bound.p95Seconds).toBe(result.p95Limit);
    expect(result.feasible).toBe(result.bound.taskMinutes <= result.costLimit);
    // The clairvoyant meets the p95, so it cannot cost less than the bound.
    expect(result.bound.taskMinutes).toBeLessThanOrEqual(clairvoyant.taskMinutes);
  });

  it('at 10 s per message finds the condition out of reach for any policy: the p95 alone costs more', () => {
    const result = floorsFeasibility(trace, run(10));

    expect(result.feasible).toBe(false);
    expect(result.bound.taskMinutes).toBeGreaterThan(result.costLimit);
  });
});
