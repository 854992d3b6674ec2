import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scalerSchema, type ScalerConfig } from '../../../../shared/scaling/config';
import {
  costBoundSteps,
  costLowerBound,
  lateAllowed,
  lateInWindow,
  reactiveFloor,
} from '../../../../bin/simulator/floors';
import {
  fullCapacityPolicy,
  SIMULATED_POLICIES,
  type PolicyDefinition,
} from '../../../../bin/simulator/policies';
import {
  comparePolicies,
  DEFAULT_SIMULATION_SCALER,
  percentileOfSorted,
  simulatePolicy,
  workFloorTaskMinutes,
  type ProcessingModel,
} from '../../../../bin/simulator/simulate';
import { parseTrace, type Trace } from '../../../../bin/simulator/trace';

const scaler = (fields: Partial<ScalerConfig> = {}): ScalerConfig =>
  scalerSchema.parse({ ...DEFAULT_SIMULATION_SCALER, ...fields });

/** A policy that sets the desired count of each second from a list. */
const schedule = (plan: readonly number[]): PolicyDefinition => ({
  name: 'schedule',
  describe: () => 'a fixed desired count per second',
  create: () => ({
    evaluate: (input) => {
      const desired = plan[input.t];
      return desired === undefined || desired === input.desired ? undefined : { desired, reason: 'plan' };
    },
  }),
});

/** p95 and task-minutes of every desired count at every second, with and without task protection. */
function everySchedule(
  trace: Trace,
  bounds: ScalerConfig,
  model: Partial<ProcessingModel>,
  tail: number,
  horizon: number,
): { p95: number; cost: number }[] {
  const runs: { p95: number; cost: number }[] = [];
  const plan: number[] = new Array<number>(horizon).fill(bounds.min);
  const enumerate = (t: number): void => {
    if (t === horizon) {
      for (const taskProtection of [false, true]) {
        const { figures } = simulatePolicy(trace, bounds, schedule(plan), {
          model: { ...model, taskProtection },
          tailSeconds: tail,
        });
        runs.push({ p95: figures.p95WaitSeconds, cost: figures.taskMinutes });
      }
      return;
    }
    for (let desired = bounds.min; desired <= bounds.max; desired++) {
      plan[t] = desired;
      enumerate(t + 1);
    }
  };
  enumerate(0);
  return runs;
}

/** At every p95 some schedule reaches, the cheapest schedule that reaches it costs at least the bound. */
function expectNoScheduleBelowBound(
  runs: { p95: number; cost: number }[],
  trace: Trace,
  model: Partial<ProcessingModel>,
  bounds: ScalerConfig,
  horizon: number,
): void {
  for (const target of new Set(runs.map((r) => r.p95))) {
    const cheapest = Math.min(...runs.filter((r) => r.p95 <= target).map((r) => r.cost));
    const bound = costLowerBound(trace, {
      p95Seconds: target,
      model,
      scaler: bounds,
      horizonSeconds: horizon,
    });
    expect(bound.taskMinutes, `p95 ≤ ${target}`).toBeLessThanOrEqual(cheapest + 1e-9);
  }
}

describe('Function: lateAllowed', () => {
  it.each([1, 2, 3, 19, 20, 21, 100, 2422])(
    'with %i messages, one late message more than allowed puts the p95 above every on-time wait',
    (count) => {
      const allowed = lateAllowed(count);
      const waits = Float64Array.from({ length: count }, (_, i) => (i < count - allowed - 1 ? 0 : 1000));

      expect(allowed).toBeGreaterThanOrEqual(0);
      expect(allowed).toBeLessThanOrEqual(Math.ceil(0.05 * count));
      expect(percentileOfSorted(waits, 95)).toBeGreaterThan(0);
    },
  );
});

describe('Function: lateInWindow', () => {
  it('counts the messages that k tasks, each starting one message per processing time, cannot start within the limit', () => {
    // Four messages at 0, limit 2 s, 1 s each: one task starts them at 0, 1, 2, 3 (the last waits 3 s).
    expect(lateInWindow(0, [0, 0, 0, 0], 1, 2, 1)).toBe(1);
    expect(lateInWindow(0, [0, 0, 0, 0], 2, 2, 1)).toBe(0);
    // No task busy in the window: every message is late.
    expect(lateInWindow(0, [0, 5], 0, 100, 1)).toBe(2);
    // A later arrival has more time: 0, 0, 3 with one task, limit 1 s, 2 s each → starts 0, 2, 4.
    expect(lateInWindow(0, [0, 0, 3], 1, 1, 2)).toBe(1);
  });
});

describe('Function: costLowerBound', () => {
  // Tiny cases small enough to simulate every desired count at every second (both with and without
  // task scale-in protection): no schedule meeting a p95 beats the bound at that p95.
  const TINY = [
    { trace: '2,3', secondsPerMessage: 1, startupSeconds: 2, tail: 3, min: 0, max: 2 },
    { trace: '3,2\n5,1', secondsPerMessage: 2, startupSeconds: 2, tail: 2, min: 0, max: 2 },
    { trace: '1,1\n4,3', secondsPerMessage: 1, startupSeconds: 2, tail: 2, min: 0, max: 3 },
    { trace: '2,2\n3,2', secondsPerMessage: 1, startupSeconds: 3, tail: 3, min: 1, max: 2 },
    {
      trace: '1,2\n2,2',
      secondsPerMessage: 2,
      startupSeconds: 3,
      tail: 3,
      min: 0,
      max: 2,
      jitter: 0.5,
      seed: 3,
    },
  ];

  it.each(TINY)('no schedule of $trace beats the bound at any p95 it reaches', (c) => {
    const trace = parseTrace(c.trace);
    const bounds = scaler({ min: c.min, max: c.max });
    const model = {
      secondsPerMessage: c.secondsPerMessage,
      startupSeconds: c.startupSeconds,
      jitter: c.jitter ?? 0,
      seed: c.seed ?? 1,
    };
    const horizon = trace.lastArrival + c.tail + 1;

    const runs = everySchedule(trace, bounds, model, c.tail, horizon);

    expect(new Set(runs.map((r) => r.p95)).size).toBeGreaterThan(2);
    expectNoScheduleBelowBound(runs, trace, model, bounds, horizon);
  });

  it('no schedule of a random tiny case beats the bound at any p95 it reaches (property)', () => {
    const tiny = fc.record({
      rows: fc.uniqueArray(
        fc.record({ at: fc.integer({ min: 0, max: 4 }), messages: fc.integer({ min: 1, max: 3 }) }),
        {
          selector: (r) => r.at,
          minLength: 1,
          maxLength: 3,
        },
      ),
      startupSeconds: fc.integer({ min: 1, max: 3 }),
      secondsPerMessage: fc.integer({ min: 1, max: 3 }),
      max: fc.integer({ min: 1, max: 2 }),
      min: fc.integer({ min: 0, max: 1 }),
    });
    fc.assert(
      fc.property(tiny, (c) => {
        fc.pre(c.secondsPerMessage <= c.startupSeconds && c.min <= c.max);
        const trace = parseTrace(
          [...c.rows]
            .sort((a, b) => a.at - b.at)
            .map((r) => `${r.at},${r.messages}`)
            .join('\n'),
        );
        const tail = 2;
        const horizon = trace.lastArrival + tail + 1;
        const model = { secondsPerMessage: c.secondsPerMessage, startupSeconds: c.startupSeconds };
        const bounds = scaler({ min: c.min, max: c.max });
        const runs = everySchedule(trace, bounds, model, tail, horizon);
        expectNoScheduleBelowBound(runs, trace, model, bounds, horizon);
      }),
      { numRuns: 25, seed: 13 },
    );
  });

  it('counts the start-ups a burst needs on top of the work: tight on a burst that needs two tasks at once', () => {
    // 3 one-second messages at t=2, p95 < 1 s: two tasks must be launched by t=0 (start-up 2 s) and
    // bill 2 s each before their work; the cheapest schedule found by enumeration bills 7 s.
    const trace = parseTrace('2,3');
    const model = { secondsPerMessage: 1, startupSeconds: 2 };

    const bound = costLowerBound(trace, {
      p95Seconds: 0.9,
      model,
      scaler: scaler({ max: 2 }),
      horizonSeconds: 6,
    });

    expect(bound.taskMinutes * 60).toBeCloseTo(6);
    expect(bound.taskMinutes).toBeGreaterThan(workFloorTaskMinutes(trace, model));
    expect(bound.lateAllowed).toBe(1);
  });

  it.each([
    { secondsPerMessage: 30, startupSeconds: 60 },
    { secondsPerMessage: 10, startupSeconds: 60 },
  ])(
    'on the bursty trace ($secondsPerMessage s per message), every simulated policy costs at least the bound at its own p95',
    (model) => {
      const trace = parseTrace(readFileSync('bench/traces/bursty.csv', 'utf8'));

      for (const policy of [...SIMULATED_POLICIES, fullCapacityPolicy]) {
        const { figures } = simulatePolicy(trace, DEFAULT_SIMULATION_SCALER, policy, { model });
        const bound = costLowerBound(trace, {
          p95Seconds: figures.p95WaitSeconds,
          model,
          scaler: DEFAULT_SIMULATION_SCALER,
        });

        expect(bound.taskMinutes, policy.name).toBeLessThanOrEqual(figures.taskMinutes);
        expect(bound.taskMinutes, policy.name).toBeGreaterThan(0.9 * workFloorTaskMinutes(trace, model));
      }
    },
  );

  it('is unbounded when no policy within the bounds can reach the target', () => {
    // 30 messages at once, one task, p95 ≤ 0 s: 28 of them must wait.
    const bound = costLowerBound(parseTrace('100,30'), {
      p95Seconds: 0,
      model: { secondsPerMessage: 30, startupSeconds: 60 },
      scaler: scaler({ max: 1 }),
    });

    expect(bound.taskMinutes).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses processing times longer than the start-up, where its argument does not hold', () => {
    expect(() =>
      costLowerBound(parseTrace('0,1'), {
        p95Seconds: 10,
        model: { secondsPerMessage: 90, startupSeconds: 60 },
        scaler: scaler(),
      }),
    ).toThrow(/up to the start-up/);
  });
});

describe('Function: reactiveFloor', () => {
  const trace = parseTrace(readFileSync('bench/traces/bursty.csv', 'utf8'));
  const MODELS = [
    { secondsPerMessage: 30, startupSeconds: 60 },
    { secondsPerMessage: 10, startupSeconds: 60 },
  ];

  it.each(MODELS)(
    'with every task warm it waits as max tasks throughout in the simulator ($secondsPerMessage s per message)',
    (model) => {
      const floor = reactiveFloor(trace, { model, scaler: DEFAULT_SIMULATION_SCALER });
      const full = simulatePolicy(trace, DEFAULT_SIMULATION_SCALER, fullCapacityPolicy, { model }).figures;

      expect(floor.burstStarts).toHaveLength(5);
      expect(floor.points.at(-1)).toMatchObject({ warm: 40, p95Seconds: full.p95WaitSeconds });
      // More warm tasks never make the least p95 worse, and never cost less.
      for (let i = 1; i < floor.points.length; i++) {
        expect(floor.points[i]!.p95Seconds).toBeLessThanOrEqual(floor.points[i - 1]!.p95Seconds);
        expect(floor.points[i]!.taskMinutes).toBeGreaterThanOrEqual(floor.points[i - 1]!.taskMinutes);
      }
    },
  );

  it.each(MODELS)(
    'no reactive policy with protected workers waits less than the floor at the tasks it had when each burst began ($secondsPerMessage s per message)',
    (model) => {
      const floor = reactiveFloor(trace, { model, scaler: DEFAULT_SIMULATION_SCALER });

      for (const policy of SIMULATED_POLICIES.filter((p) => p.name !== 'clairvoyant')) {
        const run = simulatePolicy(trace, DEFAULT_SIMULATION_SCALER, policy, {
          model: { ...model, taskProtection: true },
          sampleSeconds: 1,
        });
        // Tasks after the second before each start: at least those present when the burst begins.
        const warm = Math.max(...floor.burstStarts.map((s) => run.samples[s - 1]!.tasks));
        const point = floor.points.find((p) => p.warm === warm)!;

        expect(run.figures.p95WaitSeconds, policy.name).toBeGreaterThanOrEqual(point.p95Seconds);
      }
    },
  );

  it('refuses processing times with jitter, where the greedy replay is not proven the earliest', () => {
    expect(() =>
      reactiveFloor(trace, {
        model: { secondsPerMessage: 30, startupSeconds: 60, jitter: 0.1 },
        scaler: DEFAULT_SIMULATION_SCALER,
      }),
    ).toThrow(/without jitter/);
  });
});

describe('Function: costBoundSteps', () => {
  it("gives the bound at targets from 0 past every policy's p95, each no higher than the cheapest policy that reaches it", () => {
    const trace = parseTrace('0,30\n400,12\n');
    const comparison = comparePolicies(trace, DEFAULT_SIMULATION_SCALER, undefined, { tailSeconds: 600 });

    const steps = costBoundSteps(trace, comparison);

    expect(steps).toHaveLength(25);
    expect(steps[0]!.p95Seconds).toBe(0);
    const widest = Math.max(...comparison.runs.map((r) => r.figures.p95WaitSeconds));
    expect(steps.at(-1)!.p95Seconds).toBeGreaterThan(widest);
    for (const step of steps) {
      for (const run of comparison.runs.filter((r) => r.figures.p95WaitSeconds <= step.p95Seconds)) {
        expect(step.taskMinutes).toBeLessThanOrEqual(run.figures.taskMinutes + 1e-9);
      }
    }
  });

  it('gives no steps where the bound is not proven (processing longer than the start-up)', () => {
    const trace = parseTrace('0,3\n');
    const comparison = comparePolicies(trace, DEFAULT_SIMULATION_SCALER, undefined, {
      model: { secondsPerMessage: 90 },
      tailSeconds: 600,
    });

    expect(costBoundSteps(trace, comparison)).toEqual([]);
  });
});
