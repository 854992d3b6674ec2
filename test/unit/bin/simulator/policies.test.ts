import { describe, expect, it } from 'vitest';
import { scalerSchema, type ScalerConfig } from '../../../../shared/scaling/config';
import {
  CDK_DEFAULTS,
  cdkStepScaling,
  clairvoyantPolicy,
  ecsPilotPolicy,
  KEDA_DEFAULTS,
  kedaSqs,
  SIMULATED_POLICIES,
  stepChange,
  TARGET_TRACKING_DEFAULTS,
  targetTracking,
  type MetricView,
  type PolicyInput,
  type QueueMetric,
  type Statistic,
} from '../../../../bin/simulator/policies';
import { DEFAULT_SIMULATION_SCALER } from '../../../../bin/simulator/simulate';
import { parseTrace } from '../../../../bin/simulator/trace';

const scaler = (fields: Partial<ScalerConfig> = {}): ScalerConfig =>
  scalerSchema.parse({ ...DEFAULT_SIMULATION_SCALER, ...fields });

/** CloudWatch whose datapoints are given per metric and statistic, newest last. */
function cloudWatch(points: Partial<Record<`${QueueMetric}:${Statistic}`, number[]>> = {}): MetricView {
  return { minutes: (metric, statistic, count) => (points[`${metric}:${statistic}`] ?? []).slice(-count) };
}

const input = (fields: Partial<PolicyInput> = {}): PolicyInput => ({
  t: 0,
  now: new Date(0),
  visible: 0,
  inFlight: 0,
  delayed: 0,
  running: 0,
  desired: 0,
  cloudWatch: cloudWatch(),
  ...fields,
});

describe('Policy: the reference defaults', () => {
  it('keeps the CDK QueueProcessingFargateService steps, 5-minute maximum and 300 s cooldown', () => {
    expect(CDK_DEFAULTS).toEqual({
      steps: [
        { upper: 0, change: -1 },
        { lower: 100, change: 1 },
        { lower: 500, change: 5 },
      ],
      periodSeconds: 300,
      cooldownSeconds: 300,
    });
  });

  it("keeps KEDA's and the HPA's defaults", () => {
    expect(KEDA_DEFAULTS).toEqual({
      activationQueueLength: 0,
      scaleOnInFlight: true,
      scaleOnDelayed: false,
      pollingIntervalSeconds: 30,
      cooldownPeriodSeconds: 300,
      hpaSyncSeconds: 15,
      tolerance: 0.1,
      scaleDownStabilizationSeconds: 300,
      scaleUpPods: 4,
      scaleUpPercent: 100,
    });
  });

  it("keeps target tracking's ECS cooldowns and alarm shapes", () => {
    expect(TARGET_TRACKING_DEFAULTS).toEqual({
      scaleOutCooldownSeconds: 300,
      scaleInCooldownSeconds: 300,
      highDatapoints: 3,
      lowDatapoints: 15,
      lowRatio: 0.9,
    });
  });

  it('compares ecs-pilot first, then the three references and the clairvoyant one, each described with the scaler', () => {
    expect(SIMULATED_POLICIES.map((p) => p.name)).toEqual([
      'ecs-pilot',
      'cdk-default-steps',
      'keda-sqs',
      'target-tracking',
      'clairvoyant',
    ]);
    expect(SIMULATED_POLICIES.map((p) => p.describe(scaler()))).toEqual([
      'ceil(backlog/10) every 10 s, in-flight counted; out at once (+ 60 s of arrivals in a surge), in after 60 s low',
      'CDK QueueProcessingFargateService steps on max visible over 5 min: ≤ 0 → -1, ≥ 100 → +1, ≥ 500 → +5; cooldown 300 s',
      'KEDA aws-sqs-queue + HPA: ceil((visible + in flight)/10), active above 0; HPA every 15 s, ±10 %, down window 300 s; to 0 after 300 s idle',
      'target tracking, 10 visible messages per running task; out after 3 min above, in after 15 min below 90 %; cooldowns 300/300 s',
      'knows arrivals: keeps the tasks a 40-task replay has busy within the next start-up, launched one start-up ahead; same waits as 40 tasks throughout',
    ]);
  });
});

describe('Function: stepChange', () => {
  it.each([
    [0, -1],
    [1, 0],
    [99, 0],
    [100, 1],
    [499, 1],
    [500, 5],
    [100_000, 5],
  ])('asks the CDK default steps for a change at %i visible messages: %i', (metric, change) => {
    expect(stepChange(CDK_DEFAULTS.steps, metric)).toBe(change);
  });

  it('picks the lowest scale-in step a value reaches', () => {
    const steps = [
      { upper: 0, change: -2 },
      { upper: 10, change: -1 },
      { lower: 50, change: 1 },
    ];

    expect([0, 5, 10, 11, 50].map((m) => stepChange(steps, m))).toEqual([-2, -1, -1, 0, 1]);
  });
});

describe('Policy: ecs-pilot while idle', () => {
  it('evaluates every intervalSeconds while idle by default', () => {
    const policy = ecsPilotPolicy.create(scaler());

    expect(policy.evaluate(input({ t: 0 }))).toBeUndefined();
    expect(policy.evaluate(input({ t: 10, visible: 1 }))).toMatchObject({ desired: 1 });
  });

  it('with idleOncePerMinute, sees a message that arrives after an idle evaluation at the next minute', () => {
    const policy = ecsPilotPolicy.create(scaler({ idleOncePerMinute: true }));

    expect(policy.evaluate(input({ t: 0 }))).toBeUndefined();
    expect(policy.evaluate(input({ t: 10, visible: 1 }))).toBeUndefined();
    expect(policy.evaluate(input({ t: 50, visible: 1 }))).toBeUndefined();
    expect(policy.evaluate(input({ t: 60, visible: 1 }))).toMatchObject({ desired: 1 });
    // Not idle any more: every intervalSeconds again.
    expect(policy.evaluate(input({ t: 70, visible: 25, desired: 1 }))).toMatchObject({ desired: 3 });
  });
});

describe('Policy: ecs-pilot with a tick lag', () => {
  it('evaluates tickLagSeconds after each slot starts, not on it', () => {
    const run = { trace: { rows: [] } as never, model: { startupSeconds: 60, tickLagSeconds: 2 } };
    const policy = ecsPilotPolicy.create(scaler(), run);

    expect(policy.evaluate(input({ t: 10, visible: 1 }))).toBeUndefined();
    expect(policy.evaluate(input({ t: 12, visible: 1 }))).toMatchObject({ desired: 1 });
  });
});

describe('Policy: ecs-pilot', () => {
  it('decides only every intervalSeconds and carries its scale-in wait over', () => {
    const policy = ecsPilotPolicy.create(scaler({ intervalSeconds: 30, scaleInAfterMinutes: 1 }));
    const idle = (t: number) => input({ t, now: new Date(t * 1000), desired: 3, running: 3 });

    expect(policy.evaluate(idle(15))).toBeUndefined();
    expect(policy.evaluate(idle(30))).toBeUndefined();
    expect(policy.evaluate(idle(60))).toBeUndefined();
    expect(policy.evaluate(idle(90))).toMatchObject({ desired: 0 });
  });
});

describe('Policy: CDK default steps', () => {
  // min 1: the construct's default minScalingCapacity (see the next test for a scaler at min 0).
  const cdk = () => cdkStepScaling().create(scaler({ min: 1 }));
  const at = (t: number, maxVisible: number[], desired: number) =>
    input({ t, desired, cloudWatch: cloudWatch({ 'visible:Maximum': maxVisible }) });

  it('keeps the construct’s default minimum of one task when the scaler allows 0', () => {
    const policy = cdkStepScaling().create(scaler());

    expect(policy.evaluate(at(60, [0], 0))).toEqual({ desired: 1, reason: 'MinCapacity 1' });
    expect(policy.evaluate(at(660, [0], 1))).toBeUndefined();
  });

  it('evaluates once a minute on the maximum of the last five datapoints', () => {
    const policy = cdk();

    expect(policy.evaluate(at(30, [150], 1))).toBeUndefined();
    expect(policy.evaluate(at(60, [], 1))).toBeUndefined();
    expect(policy.evaluate(at(120, [0, 0, 120, 0, 0, 0], 1))).toMatchObject({ desired: 2 });
  });

  it('adds one task per cooldown while the alarm stays at the first step, and only the difference for a larger step', () => {
    const policy = cdk();

    expect(policy.evaluate(at(60, [150], 1))?.desired).toBe(2);
    expect(policy.evaluate(at(120, [150], 2))).toBeUndefined();
    expect(policy.evaluate(at(180, [600], 2))).toMatchObject({
      desired: 6,
      reason: 'max visible 600 over 5 min: +4',
    });
    expect(policy.evaluate(at(240, [600], 6))).toBeUndefined();
    expect(policy.evaluate(at(480, [600], 6))?.desired).toBe(11);
  });

  it('removes one task per cooldown once the queue has been empty for five minutes, and stops at min', () => {
    const policy = cdk();

    expect(policy.evaluate(at(60, [0], 3))).toMatchObject({
      desired: 2,
      reason: 'max visible 0 over 5 min: -1',
    });
    expect(policy.evaluate(at(120, [0], 2))).toBeUndefined();
    expect(policy.evaluate(at(360, [0], 2))?.desired).toBe(1);
    expect(policy.evaluate(at(660, [0], 1))).toBeUndefined();
  });

  it('ends a scale-in cooldown with a scale-out', () => {
    const policy = cdk();

    policy.evaluate(at(60, [0], 3));
    policy.evaluate(at(120, [200], 2));

    expect(policy.evaluate(at(180, [0], 3))?.desired).toBe(2);
  });

  it('never goes above max', () => {
    expect(
      cdkStepScaling()
        .create(scaler({ max: 3 }))
        .evaluate(at(60, [900], 1))?.desired,
    ).toBe(3);
  });
});

describe('Policy: KEDA aws-sqs-queue with an HPA', () => {
  it('activates at one message (visible or in flight) at a polling interval', () => {
    const policy = kedaSqs().create(scaler());

    expect(policy.evaluate(input({ t: 15, visible: 1 }))).toBeUndefined();
    expect(policy.evaluate(input({ t: 30, inFlight: 1 }))).toMatchObject({ desired: 1 });
  });

  it.each([
    ['visible plus in flight over queueLength', { visible: 45, inFlight: 5 }, 5],
    ['no change within 10 % of the target', { visible: 21, inFlight: 0 }, 2],
    ['a change just beyond 10 %', { visible: 23, inFlight: 0 }, 3],
    ['at most max(+4, +100 %) per sync', { visible: 1000, inFlight: 0 }, 6],
  ])('asks the HPA for %s', (_label, counts, desired) => {
    const policy = kedaSqs().create(scaler());

    const action = policy.evaluate(input({ t: 15, desired: 2, ...counts }));

    expect(action?.desired ?? 2).toBe(desired);
  });

  it('scales down to the highest recommendation of the last 300 s', () => {
    const policy = kedaSqs().create(scaler());

    policy.evaluate(input({ t: 15, desired: 8, visible: 80 }));
    expect(policy.evaluate(input({ t: 45, desired: 8, visible: 30 }))).toBeUndefined();
    expect(policy.evaluate(input({ t: 315, desired: 8, visible: 30 }))).toMatchObject({ desired: 3 });
  });

  it('keeps one replica through the HPA and goes to zero 300 s after the last active poll', () => {
    const policy = kedaSqs().create(scaler());

    policy.evaluate(input({ t: 30, desired: 1, visible: 1 }));
    expect(policy.evaluate(input({ t: 315, desired: 1 }))).toBeUndefined();
    expect(policy.evaluate(input({ t: 330, desired: 1 }))).toMatchObject({ desired: 0 });
  });

  it('does not go to zero when min is above zero', () => {
    const policy = kedaSqs().create(scaler({ min: 1 }));

    expect(policy.evaluate(input({ t: 600, desired: 1 }))).toBeUndefined();
  });

  it('counts delayed messages only when told to', () => {
    const withDelayed = kedaSqs({ scaleOnDelayed: true }).create(scaler());

    expect(
      kedaSqs()
        .create(scaler())
        .evaluate(input({ t: 30, delayed: 5 })),
    ).toBeUndefined();
    expect(withDelayed.evaluate(input({ t: 30, delayed: 5 }))).toMatchObject({ desired: 1 });
  });
});

describe('Policy: target tracking on backlog per task', () => {
  const tt = () => targetTracking().create(scaler());
  const at = (t: number, visible: number[], running: number[], desired: number) =>
    input({ t, desired, cloudWatch: cloudWatch({ 'visible:Average': visible, 'running:Average': running }) });

  it('scales out to ceil(visible / target) after three minutes above the target', () => {
    const policy = tt();

    expect(policy.evaluate(at(60, [50, 50], [2, 2], 2))).toBeUndefined();
    expect(policy.evaluate(at(120, [50, 50, 60], [2, 2, 2], 2))).toMatchObject({
      desired: 6,
      reason: 'backlog per task 30.0 > 10 for 3 min',
    });
  });

  it('cannot wake from zero tasks until more than one task of messages waits', () => {
    const policy = tt();

    expect(policy.evaluate(at(240, [10, 10, 10], [0, 0, 0], 0))).toBeUndefined();
    expect(policy.evaluate(at(300, [11, 11, 11], [0, 0, 0], 0))).toMatchObject({ desired: 2 });
  });

  it('scales in proportionally after fifteen minutes below 90 % of the target, then waits out its cooldown', () => {
    const policy = tt();
    const ten = Array<number>(15).fill(10);
    const none = Array<number>(15).fill(0);
    const five = Array<number>(15).fill(5);

    expect(policy.evaluate(at(60, ten.slice(1), five.slice(1), 5))).toBeUndefined();
    expect(policy.evaluate(at(120, ten, five, 5))).toMatchObject({
      desired: 1,
      reason: 'backlog per task 2.0 < 9 for 15 min',
    });
    expect(policy.evaluate(at(180, none, five, 1))).toBeUndefined();
    expect(policy.evaluate(at(420, none, five, 1))).toMatchObject({ desired: 0 });
  });
});

describe('Policy: the clairvoyant reference', () => {
  // At full capacity: 3 tasks busy over [160, 190), 1 over [300, 330); 60 s start-up.
  const busy = new Int32Array(400);
  busy.fill(3, 160, 190);
  busy.fill(1, 300, 330);
  const run = { trace: parseTrace('160,3'), model: { startupSeconds: 60 }, busyAtFullCapacity: () => busy };
  const policy = () => clairvoyantPolicy.create(scaler(), run);

  it('launches the tasks the full-capacity replay keeps busy one start-up time ahead, not earlier', () => {
    const p = policy();

    expect(p.evaluate(input({ t: 99 }))).toBeUndefined();
    expect(p.evaluate(input({ t: 100 }))).toMatchObject({
      desired: 3,
      reason: '3 busy at full capacity within 60 s',
    });
  });

  it('keeps tasks through a lull shorter than a start-up and lets the rest go when they are idle', () => {
    const p = policy();

    // [189, 249] still sees the 3 busy at 189; from 190 the window reaches 1 at 300 only at 240.
    expect(p.evaluate(input({ t: 189, desired: 3 }))).toBeUndefined();
    expect(p.evaluate(input({ t: 190, desired: 3 }))).toMatchObject({ desired: 0 });
    expect(p.evaluate(input({ t: 240, desired: 0 }))).toMatchObject({ desired: 1 });
  });

  it('keeps the scaler bounds', () => {
    const p = clairvoyantPolicy.create(scaler({ min: 2, max: 2 }), run);

    expect(p.evaluate(input({ t: 0 }))).toMatchObject({ desired: 2 });
    expect(p.evaluate(input({ t: 100, desired: 2 }))).toBeUndefined();
  });

  it('stops only idle tasks, whatever the processing model says', () => {
    expect(clairvoyantPolicy.protectsBusyTasks).toBe(true);
  });

  it('refuses to run without the trace it must know', () => {
    expect(() => clairvoyantPolicy.create(scaler())).toThrow(/needs the trace/);
  });
});
