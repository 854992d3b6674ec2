import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scalerSchema, type ScalerConfig } from '../../../../shared/scaling/config';
import { PermanentError } from '../../../../shared/kernel/errors';
import {
  cdkStepScaling,
  clairvoyantPolicy,
  ecsPilotPolicy,
  fullCapacityPolicy,
  kedaSqs,
  targetTracking,
  type PolicyDefinition,
  type PolicyInput,
} from '../../../../bin/simulator/policies';
import {
  comparePolicies,
  DEFAULT_SIMULATION_SCALER,
  percentileOfSorted,
  simulatePolicy,
} from '../../../../bin/simulator/simulate';
import { parseTrace } from '../../../../bin/simulator/trace';

const scaler = (fields: Partial<ScalerConfig> = {}): ScalerConfig =>
  scalerSchema.parse({ ...DEFAULT_SIMULATION_SCALER, ...fields });

/** 30 s per message, 60 s start-up, 10 min simulated after the last arrival. */
const options = { model: { secondsPerMessage: 30, startupSeconds: 60 }, tailSeconds: 600 };

/** A policy for tests: sets the desired counts given per second, and records what it saw. */
function scripted(plan: Record<number, number>, seen: PolicyInput[] = []): PolicyDefinition {
  return {
    name: 'scripted',
    describe: () => 'sets desired counts at given seconds',
    create: () => ({
      evaluate(input) {
        seen.push({ ...input });
        const desired = plan[input.t];
        return desired === undefined ? undefined : { desired, reason: `plan at ${input.t}` };
      },
    }),
  };
}

describe('Function: simulatePolicy', () => {
  describe('answers worked out by hand', () => {
    it('one message on an idle service at min 0 under ecs-pilot', () => {
      // t=0: backlog 1 → desired 1, a task launches; t=60: it is running and receives the message
      // (wait 60 s); t=90: done, the evaluation of t=90 sees an empty queue and the wait starts;
      // t=150: low for the break-even 60 s (the start-up) → desired 0. 150 task-seconds = 2.5 task-minutes:
      // 60 of start-up, 30 processing, 60 idle.

      // Act
      const run = simulatePolicy(parseTrace('0,1'), scaler(), ecsPilotPolicy, options);

      // Assess
      expect(run.figures).toEqual({
        p50WaitSeconds: 60,
        p95WaitSeconds: 60,
        maxWaitSeconds: 60,
        taskMinutes: 2.5,
        scalingActions: 2,
        drainSeconds: 90,
        unprocessed: 0,
        peakTasks: 1,
        redoneMessages: 0,
        redoneTaskMinutes: 0,
        launches: 1,
        startUpTaskMinutes: 1,
        idleTaskMinutes: 1,
      });
      expect(run.actions.map(({ t, from, to }) => [t, from, to])).toEqual([
        [0, 0, 1],
        [150, 1, 0],
      ]);
      expect(run.actions[1]!.reason).toContain(
        'low for 60 s (since 1970-01-01T00:01:30.000Z): scaling in to 0',
      );
    });

    it('a burst of 100 messages under ecs-pilot', () => {
      // t=0: desired ceil(100/10) = 10; at t=60 the ten tasks receive messages 0-9, then ten more every
      // 30 s: waits 60, 90, … 330 s, ten messages each. From t=90 the backlog needs fewer than 10 tasks,
      // but every task holds a message until the last ten finish at t=360 (the in-flight floor): all
      // ten stop then, by which time the wait is long over. 10 × 360 s = 60 task-minutes: 10 of
      // start-up, 50 processing, none idle.

      // Act
      const run = simulatePolicy(parseTrace('0,100'), scaler(), ecsPilotPolicy, options);

      // Assess
      expect(run.figures).toEqual({
        // Sorted waits: index 49 is 180 s and index 50 is 210 s; p95 falls among the 330 s waits.
        p50WaitSeconds: 195,
        p95WaitSeconds: 330,
        maxWaitSeconds: 330,
        taskMinutes: 60,
        scalingActions: 2,
        drainSeconds: 360,
        unprocessed: 0,
        peakTasks: 10,
        redoneMessages: 0,
        redoneTaskMinutes: 0,
        launches: 10,
        startUpTaskMinutes: 10,
        idleTaskMinutes: 0,
      });
      expect(run.actions.map(({ t, to }) => [t, to])).toEqual([
        [0, 10],
        [360, 0],
      ]);
    });

    it('one message under KEDA: active at once, back to zero 300 s after the last active poll', () => {
      // Poll at t=0 activates (0 → 1); the message is in flight at the poll of t=60 (last active) and
      // done at t=90; the poll of t=360 is 300 s later: 0 replicas. 360 task-seconds = 6 task-minutes.
      const run = simulatePolicy(parseTrace('0,1'), scaler(), kedaSqs(), options);

      expect(run.figures).toMatchObject({
        p95WaitSeconds: 60,
        taskMinutes: 6,
        scalingActions: 2,
        drainSeconds: 90,
      });
      expect(run.actions.map(({ t, to }) => [t, to])).toEqual([
        [0, 1],
        [360, 0],
      ]);
    });

    it('one message under the CDK default steps is processed by the MinCapacity task (minScalingCapacity defaults to 1)', () => {
      // t=0: App AS raises 0 to the construct's MinCapacity 1; the task runs from then to the end (601 s).
      const run = simulatePolicy(parseTrace('0,1'), scaler(), cdkStepScaling(), options);

      expect(run.figures).toMatchObject({
        maxWaitSeconds: 60,
        taskMinutes: 601 / 60,
        scalingActions: 1,
        drainSeconds: 90,
        unprocessed: 0,
      });
    });

    it('ten messages under target tracking at min 0 never start a task (10 per task is not above 10)', () => {
      const run = simulatePolicy(parseTrace('0,10'), scaler(), targetTracking(), options);

      expect(run.figures).toMatchObject({ scalingActions: 0, unprocessed: 10 });
    });
  });

  describe('the service model', () => {
    it('starts with min tasks already running', () => {
      const run = simulatePolicy(parseTrace('0,1'), scaler({ min: 2 }), scripted({}), options);

      // The message is received at once; two tasks run for the whole 601 s horizon.
      expect(run.figures).toMatchObject({
        maxWaitSeconds: 0,
        taskMinutes: (2 * 601) / 60,
        scalingActions: 0,
      });
    });

    it('with task protection, stops starting tasks first, then idle ones, and lets busy ones finish their message', () => {
      // Prepare: two running tasks at min 2; at t=0 each takes one of two messages; at t=10 the plan asks
      // for 3 (one more starts), at t=20 for 0.
      const seen: PolicyInput[] = [];
      const run = simulatePolicy(parseTrace('0,2'), scaler({ min: 2 }), scripted({ 10: 3, 20: 0 }, seen), {
        model: { ...options.model, taskProtection: true },
        tailSeconds: 60,
      });

      // Assess: the starting task goes at t=20 (alive t=10..19: 10 s); both busy tasks finish at t=30.
      expect(run.figures.taskMinutes).toBeCloseTo((2 * 30 + 10) / 60);
      expect(seen.find((s) => s.t === 25)).toMatchObject({ running: 2, inFlight: 2, desired: 0 });
      expect(seen.find((s) => s.t === 30)).toMatchObject({ running: 0, inFlight: 0 });
      expect(run.figures).toMatchObject({ unprocessed: 0, redoneMessages: 0 });
    });

    it('without protection, a stopped busy task loses its message: in flight until the visibility timeout, then done again', () => {
      // Prepare: one running task at min 1 takes the message at t=0; the plan stops it at t=10 and asks
      // for a task again at t=20 (ready at t=80). Visibility timeout 60 s: visible again at t=60.
      const seen: PolicyInput[] = [];
      const run = simulatePolicy(parseTrace('0,1'), scaler({ min: 1 }), scripted({ 10: 0, 20: 1 }, seen), {
        model: { ...options.model, visibilityTimeoutSeconds: 60 },
        tailSeconds: 200,
      });

      // Assess: SQS still counts it in flight while no task holds it; received again at t=80.
      expect(seen.find((s) => s.t === 30)).toMatchObject({ running: 0, inFlight: 1, visible: 0 });
      expect(seen.find((s) => s.t === 70)).toMatchObject({ running: 0, inFlight: 0, visible: 1 });
      expect(run.figures).toMatchObject({
        redoneMessages: 1,
        redoneTaskMinutes: 10 / 60,
        maxWaitSeconds: 80,
        drainSeconds: 110,
        unprocessed: 0,
      });
      // Task time: the first task t=0..9 (processing), the second from t=20 to the end (t=200): start-up
      // t=20..79, processing t=80..109, idle t=110..200. The task at min was running from the start.
      expect(run.figures.taskMinutes).toBeCloseTo((10 + 181) / 60);
      expect(run.figures).toMatchObject({ launches: 1, startUpTaskMinutes: 1 });
      expect(run.figures.idleTaskMinutes).toBeCloseTo(91 / 60);
    });

    it('shows policies the queue after arrivals and receipts of the same second', () => {
      const seen: PolicyInput[] = [];
      simulatePolicy(parseTrace('0,5\n3,2'), scaler({ min: 1 }), scripted({}, seen), options);

      expect(seen[0]).toMatchObject({ t: 0, visible: 4, inFlight: 1, running: 1, desired: 1 });
      expect(seen[3]).toMatchObject({ t: 3, visible: 6, inFlight: 1 });
      expect(seen[0]!.now).toEqual(new Date(0));
    });

    it('publishes one-minute CloudWatch datapoints a minute after their minute ends', () => {
      // Prepare: 5 visible messages from t=30 (no tasks): minute 0 has max 5 and average 2.5.
      const minutesAt: Record<number, number[]> = {};
      const probe: PolicyDefinition = {
        name: 'probe',
        describe: () => '',
        create: () => ({
          evaluate(input) {
            if ([119, 120, 180].includes(input.t)) {
              minutesAt[input.t] = [
                ...input.cloudWatch.minutes('visible', 'Maximum', 5),
                ...input.cloudWatch.minutes('visible', 'Average', 1),
              ];
            }
            return undefined;
          },
        }),
      };

      // Act
      simulatePolicy(parseTrace('30,5'), scaler(), probe, options);

      // Assess
      expect(minutesAt[119]).toEqual([]);
      expect(minutesAt[120]).toEqual([5, 2.5]);
      expect(minutesAt[180]).toEqual([5, 5, 5]);
    });

    it('gives every policy the same processing times, drawn from the seed when there is jitter', () => {
      const trace = parseTrace('0,50');
      const withSeed = (seed: number) =>
        simulatePolicy(trace, scaler(), ecsPilotPolicy, { model: { jitter: 0.5, seed }, tailSeconds: 600 })
          .figures;

      expect(withSeed(7)).toEqual(withSeed(7));
      expect(withSeed(7)).not.toEqual(withSeed(8));
    });

    it.each([
      ['secondsPerMessage 0', { secondsPerMessage: 0 }, /^secondsPerMessage must be from 1 to 86400/],
      ['a negative startup', { startupSeconds: -1 }, /^startupSeconds must be from 0 to 3600/],
      ['jitter 1', { jitter: 1 }, /^jitter must be from 0 to 0.9/],
      ['a fractional seed', { seed: 1.5 }, /^seed must be a whole number/],
    ])('refuses %s', (_label, model, message) => {
      expect(() => simulatePolicy(parseTrace('0,1'), scaler(), ecsPilotPolicy, { model })).toThrow(
        PermanentError,
      );
      expect(() => simulatePolicy(parseTrace('0,1'), scaler(), ecsPilotPolicy, { model })).toThrow(message);
    });

    it('keeps a sample every 10 s by default', () => {
      const run = simulatePolicy(parseTrace('0,1'), scaler(), ecsPilotPolicy, options);

      expect(run.samples).toHaveLength(61);
      expect(run.samples[0]).toEqual({ t: 0, visible: 1, inFlight: 0, tasks: 1, desired: 1 });
      expect(run.samples[6]).toEqual({ t: 60, visible: 0, inFlight: 1, tasks: 1, desired: 1 });
    });
  });
});

describe('Function: comparePolicies', () => {
  it('runs ecs-pilot, the three references and the clairvoyant one over the same horizon, with the work floor', () => {
    const comparison = comparePolicies(parseTrace('0,1'), scaler(), undefined, options);

    expect(comparison.runs.map((r) => r.policy)).toEqual([
      'ecs-pilot',
      'cdk-default-steps',
      'keda-sqs',
      'target-tracking',
      'clairvoyant',
    ]);
    expect(comparison.horizonSeconds).toBe(601);
    expect(comparison.model).toEqual({
      secondsPerMessage: 30,
      startupSeconds: 60,
      jitter: 0,
      seed: 1,
      taskProtection: false,
      tickLagSeconds: 0,
      visibilityTimeoutSeconds: 60,
    });
    // One message of 30 s.
    expect(comparison.workFloorTaskMinutes).toBe(0.5);
  });

  it('on the shipped bursty trace, ecs-pilot waits less at p95 than the CDK default steps and uses fewer task-minutes than KEDA', () => {
    const trace = parseTrace(readFileSync('bench/traces/bursty.csv', 'utf8'));

    const comparison = comparePolicies(trace, DEFAULT_SIMULATION_SCALER);

    const figures = Object.fromEntries(comparison.runs.map((r) => [r.policy, r.figures]));
    expect(figures['ecs-pilot']!.p95WaitSeconds).toBeLessThan(figures['cdk-default-steps']!.p95WaitSeconds);
    expect(figures['ecs-pilot']!.taskMinutes).toBeLessThan(figures['keda-sqs']!.taskMinutes);
    expect(comparison.runs.every((r) => r.figures.unprocessed === 0)).toBe(true);
  });
});

describe('Policy: the clairvoyant reference in the simulator', () => {
  const TRACES = ['steady', 'bursty', 'idle-spikes', 'diurnal-ramp', 'heavy-tailed-gaps', 'spike-after-idle'];
  const MODELS = [
    { secondsPerMessage: 30, startupSeconds: 60 },
    { secondsPerMessage: 10, startupSeconds: 60 },
    // Processing times that differ per message, and a shorter start-up: the argument needs neither.
    { secondsPerMessage: 30, startupSeconds: 20, jitter: 0.5, seed: 7 },
  ];
  const cases = TRACES.flatMap((name) => MODELS.map((model) => [name, model] as const));

  it.each(cases)(
    'on %s with %o waits exactly as max tasks throughout, for a fraction of their task-minutes',
    (name, model) => {
      const trace = parseTrace(readFileSync(`bench/traces/${name}.csv`, 'utf8'));

      const clairvoyant = simulatePolicy(trace, DEFAULT_SIMULATION_SCALER, clairvoyantPolicy, { model });
      const full = simulatePolicy(trace, DEFAULT_SIMULATION_SCALER, fullCapacityPolicy, { model });

      const waits = (f: typeof full.figures) => [f.p50WaitSeconds, f.p95WaitSeconds, f.maxWaitSeconds];
      expect(waits(clairvoyant.figures)).toEqual(waits(full.figures));
      expect(clairvoyant.figures.unprocessed).toBe(0);
      expect(clairvoyant.figures.taskMinutes).toBeLessThan(0.25 * full.figures.taskMinutes);
    },
  );

  it('keeps the p95 floor with a warm minimum, which the full-capacity replay starts with too', () => {
    const trace = parseTrace(readFileSync('bench/traces/spike-after-idle.csv', 'utf8'));
    const warm = scaler({ min: 3, max: 12 });

    const clairvoyant = simulatePolicy(trace, warm, clairvoyantPolicy, options);
    const full = simulatePolicy(trace, warm, fullCapacityPolicy, options);

    expect(clairvoyant.figures.p95WaitSeconds).toBe(full.figures.p95WaitSeconds);
    expect(clairvoyant.figures.taskMinutes).toBeLessThan(full.figures.taskMinutes);
  });
});

describe('Function: percentileOfSorted', () => {
  it.each([
    [[], 50, Number.NaN],
    [[7], 95, 7],
    [[1, 2, 3, 4], 50, 2.5],
    [[0, 10], 95, 9.5],
    [[1, 2, 3], 100, 3],
  ])('of %j at p%i is %d', (values, p, expected) => {
    expect(percentileOfSorted(values, p)).toBe(expected);
  });
});

describe('Properties: comparePolicies', () => {
  const traces = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 1200 }), fc.integer({ min: 1, max: 40 })), {
      minLength: 1,
      maxLength: 8,
    })
    .map((rows) =>
      parseTrace(
        rows
          .sort(([a], [b]) => a - b)
          .map(([at, n]) => `${at},${n}`)
          .join('\n'),
      ),
    );

  it('every policy that processes every message uses at least the work floor plus its redone work', () => {
    fc.assert(
      fc.property(
        traces,
        fc.constantFrom(10, 30),
        fc.boolean(),
        (trace, secondsPerMessage, taskProtection) => {
          const comparison = comparePolicies(trace, scaler(), undefined, {
            model: { secondsPerMessage, startupSeconds: 60, taskProtection },
            tailSeconds: 900,
          });

          for (const run of comparison.runs) {
            const f = run.figures;
            if (f.unprocessed === 0) {
              expect(f.taskMinutes + 1e-9).toBeGreaterThanOrEqual(
                comparison.workFloorTaskMinutes + f.redoneTaskMinutes,
              );
              // Every billed second is start-up, idle, or processing: the work once, plus what was lost.
              expect(f.taskMinutes).toBeCloseTo(
                comparison.workFloorTaskMinutes +
                  f.redoneTaskMinutes +
                  f.startUpTaskMinutes +
                  f.idleTaskMinutes,
                9,
              );
            }
            expect(f.startUpTaskMinutes).toBeLessThanOrEqual(f.launches + 1e-9);
            if (taskProtection || run.policy === 'clairvoyant') expect(f.redoneMessages).toBe(0);
            expect(f.p95WaitSeconds).toBeGreaterThanOrEqual(0);
            expect(f.p95WaitSeconds).toBeLessThanOrEqual(f.maxWaitSeconds);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
