/**
 * Scaling policies as plug-ins of the simulator (bin/simulator/simulate.ts): ecs-pilot's own
 * decision and three reference policies, each configured with the scaler's min, max and, where it
 * takes one, its messagesPerTask as the target backlog per task. Each reference keeps the defaults
 * of the product it models; the sources are cited beside the numbers. Pure: no I/O, no clock.
 */
import type { ScalerConfig } from '../../shared/scaling/config.js';
import {
  decideScale,
  isIdle,
  leadsSurges,
  scaleInWaitSeconds,
  type ScaleState,
} from '../../shared/scaling/decide.js';
import type { Trace } from './trace.js';

export type QueueMetric = 'visible' | 'inFlight' | 'delayed' | 'running';
export type Statistic = 'Maximum' | 'Average';

/** CloudWatch as alarms see it: one-minute datapoints, each published some time after its minute ends. */
export interface MetricView {
  /** The newest `count` published one-minute datapoints, oldest first (fewer near the start). */
  minutes(metric: QueueMetric, statistic: Statistic, count: number): number[];
}

/** What a policy sees at one simulated second. */
export interface PolicyInput {
  /** Seconds since the start of the trace. */
  t: number;
  /** Wall-clock time of `t`. */
  now: Date;
  /** Queue attributes now (what GetQueueAttributes returns). */
  visible: number;
  inFlight: number;
  delayed: number;
  /** Tasks RUNNING now (started, past their start-up). */
  running: number;
  /** The service's desired count now. */
  desired: number;
  /** Published CloudWatch datapoints, for policies driven by alarms. */
  cloudWatch: MetricView;
}

/** A change of desired count, with the reason the policy would log. */
export interface PolicyAction {
  desired: number;
  reason: string;
}

/** One run's instance of a policy; it may keep state (cooldowns, windows) between calls. */
export interface ScalingPolicy {
  /** Called every simulated second; returns a new desired count, or undefined to keep it. */
  evaluate(input: PolicyInput): PolicyAction | undefined;
}

/** What a run tells a policy beyond the scaler: only the clairvoyant reference reads the trace. */
export interface RunContext {
  trace: Trace;
  model: { startupSeconds: number; tickLagSeconds?: number };
  /**
   * Tasks busy each second (after the receipts of that second) when the same trace is replayed
   * with the same model and `max` tasks desired from second 0 on (fullCapacityPolicy): what the
   * clairvoyant reference must match. Computed on first call.
   */
  busyAtFullCapacity?: () => Int32Array;
}

export interface PolicyDefinition {
  /** Short name for tables and JSON. */
  name: string;
  /** One line: what the policy does with this scaler's parameters. */
  describe(scaler: ScalerConfig): string;
  /** A fresh instance for one run. */
  create(scaler: ScalerConfig, run?: RunContext): ScalingPolicy;
  /** Its scale-ins never stop a task holding a message, whatever the processing model says. */
  protectsBusyTasks?: boolean;
}

const clamp = (value: number, scaler: ScalerConfig) => Math.min(scaler.max, Math.max(scaler.min, value));

/**
 * ecs-pilot: decideScale every intervalSeconds on fresh queue attributes, with its state carried
 * over, `tickLagSeconds` after each slot starts (the tick's delivery). (The deployed function's idle
 * shortcut reads the queue only; it decides the same.) With idleOncePerMinute an idle evaluation
 * pauses the chain until the next minute's heartbeat, as runTick does.
 */
export const ecsPilotPolicy: PolicyDefinition = {
  name: 'ecs-pilot',
  describe: (s) =>
    `ceil(backlog/${s.messagesPerTask}) every ${s.intervalSeconds} s${s.idleOncePerMinute ? ' (once a minute while idle)' : ''}` +
    `${s.countInFlight ? ', in-flight counted' : ''}${s.countDelayed ? ', delayed counted' : ''}; ` +
    `out at once${leadsSurges(s) ? ` (+ ${s.taskStartupSeconds} s of arrivals in a surge)` : ''}, ` +
    `in after ${scaleInWaitSeconds(s)} s low`,
  create(scaler, run) {
    let state: ScaleState = {};
    let asleepUntil = -Infinity;
    const lag = run?.model.tickLagSeconds ?? 0;
    return {
      evaluate(input) {
        if ((input.t - lag) % scaler.intervalSeconds !== 0 || input.t < asleepUntil) return undefined;
        const { visible, inFlight, delayed, running, desired } = input;
        const observation = { visible, inFlight, delayed, running, desired };
        const decision = decideScale(scaler, observation, state, input.now);
        state = decision.state;
        // idleOncePerMinute: the chain pauses; the next evaluation is the next minute's heartbeat.
        if (scaler.idleOncePerMinute && isIdle(scaler, observation, decision)) {
          asleepUntil = (Math.floor((input.t - lag) / 60) + 1) * 60 + lag;
        }
        return decision.change === 'none'
          ? undefined
          : { desired: decision.desired, reason: decision.reason };
      },
    };
  },
};

/** A step of a step scaling policy, as aws-cdk-lib's ScalingInterval. */
export interface ScalingStep {
  lower?: number;
  upper?: number;
  change: number;
}

export interface CdkStepOptions {
  steps: readonly ScalingStep[];
  /** Period of the alarm's metric (Maximum of ApproximateNumberOfMessagesVisible). */
  periodSeconds: number;
  /** Step scaling cooldown. */
  cooldownSeconds: number;
}

/**
 * aws-cdk-lib ecs-patterns QueueProcessingFargateService, queue part of its autoscaling:
 * - scalingSteps default [{ upper: 0, change: -1 }, { lower: 100, change: +1 }, { lower: 500, change: +5 }]
 *   on ApproximateNumberOfMessagesVisible (ChangeInCapacity, one alarm per direction, 1 evaluation period)
 *   https://github.com/aws/aws-cdk/blob/main/packages/aws-cdk-lib/aws-ecs-patterns/lib/base/queue-processing-service-base.ts
 *   https://github.com/aws/aws-cdk/blob/main/packages/aws-cdk-lib/aws-applicationautoscaling/lib/step-scaling-policy.ts
 * - the metric is the queue's metricApproximateNumberOfMessagesVisible(): Maximum over 5 minutes
 *   https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_sqs.Queue.html
 * - CDK sets no cooldown, so Application Auto Scaling's default for ECS applies: 300 s
 *   https://docs.aws.amazon.com/autoscaling/application/APIReference/API_StepScalingPolicyConfiguration.html
 * - minScalingCapacity defaults to 1 (with the ECS_REMOVE_DEFAULT_DESIRED_COUNT flag and no desiredTaskCount,
 *   the same file): the reference keeps at least max(1, min) tasks. At 0 tasks its steps would never
 *   start one for fewer than 100 visible messages, and those messages would wait for ever.
 * The construct's second policy, CPU target tracking at 50 % (scaleOnCpuUtilization, same file), is
 * left out: it follows the worker's CPU, which the simulator does not model (see the README).
 */
export const CDK_DEFAULTS: CdkStepOptions = {
  steps: [
    { upper: 0, change: -1 },
    { lower: 100, change: +1 },
    { lower: 500, change: +5 },
  ],
  periodSeconds: 300,
  cooldownSeconds: 300,
};

/** The change a metric value asks for: the highest scale-out step reached, or the lowest scale-in step. */
export function stepChange(steps: readonly ScalingStep[], metric: number): number {
  const out = steps
    .filter((s) => s.change > 0 && s.lower !== undefined && metric >= s.lower)
    .sort((a, b) => b.lower! - a.lower!);
  if (out[0]) return out[0].change;
  // The lower alarm compares with <= its threshold (the scale-in step's upper bound).
  const inSteps = steps
    .filter((s) => s.change < 0 && s.upper !== undefined && metric <= s.upper)
    .sort((a, b) => a.upper! - b.upper!);
  return inSteps[0]?.change ?? 0;
}

/**
 * CloudWatch alarms are evaluated once a minute, and an alarm in ALARM invokes its Auto Scaling action
 * again every minute (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html).
 * Here the 5-minute Maximum is taken over the newest five published one-minute datapoints.
 * During a scale-out cooldown only the part of a larger step beyond the previous one is added; a
 * scale-in waits for its cooldown; a scale-out ends a scale-in cooldown (StepScalingPolicyConfiguration).
 */
export function cdkStepScaling(options: Partial<CdkStepOptions> = {}): PolicyDefinition {
  const o = { ...CDK_DEFAULTS, ...options };
  const periodMinutes = Math.max(1, Math.round(o.periodSeconds / 60));
  return {
    name: 'cdk-default-steps',
    describe: () =>
      `CDK QueueProcessingFargateService steps on max visible over ${periodMinutes} min: ` +
      o.steps
        .map((s) => (s.change > 0 ? `≥ ${s.lower} → +${s.change}` : `≤ ${s.upper} → ${s.change}`))
        .join(', ') +
      `; cooldown ${o.cooldownSeconds} s`,
    create(configured) {
      const scaler = { ...configured, min: Math.max(1, configured.min) };
      let outUntil = -Infinity;
      let lastOut = 0;
      let inUntil = -Infinity;
      return {
        evaluate(input) {
          if (input.t % 60 !== 0) return undefined;
          // Application Auto Scaling raises a count below the target's MinCapacity at once.
          if (input.desired < scaler.min) return { desired: scaler.min, reason: `MinCapacity ${scaler.min}` };
          const points = input.cloudWatch.minutes('visible', 'Maximum', periodMinutes);
          if (points.length === 0) return undefined;
          const metric = Math.max(...points);
          const change = stepChange(o.steps, metric);
          const current = input.desired;
          if (change > 0) {
            const add = input.t < outUntil ? change - lastOut : change;
            if (add <= 0) return undefined;
            lastOut = change;
            outUntil = input.t + o.cooldownSeconds;
            inUntil = -Infinity;
            const desired = clamp(current + add, scaler);
            return desired === current
              ? undefined
              : { desired, reason: `max visible ${metric} over ${periodMinutes} min: +${add}` };
          }
          if (change < 0 && input.t >= inUntil) {
            const desired = clamp(current + change, scaler);
            if (desired === current) return undefined;
            inUntil = input.t + o.cooldownSeconds;
            return { desired, reason: `max visible ${metric} over ${periodMinutes} min: ${change}` };
          }
          return undefined;
        },
      };
    },
  };
}

export interface KedaOptions {
  /** Target messages per replica; default: the scaler's messagesPerTask (KEDA's own default is 5). */
  queueLength?: number;
  activationQueueLength: number;
  scaleOnInFlight: boolean;
  scaleOnDelayed: boolean;
  pollingIntervalSeconds: number;
  cooldownPeriodSeconds: number;
  hpaSyncSeconds: number;
  tolerance: number;
  scaleDownStabilizationSeconds: number;
  scaleUpPods: number;
  scaleUpPercent: number;
}

/**
 * KEDA aws-sqs-queue scaler driving a Kubernetes HPA, with their defaults:
 * - metric = visible + in flight (scaleOnInFlight true; scaleOnDelayed false), activationQueueLength 0,
 *   so one message activates; https://keda.sh/docs/latest/scalers/aws-sqs/ (kedacore/keda-docs
 *   content/docs/<version>/scalers/aws-sqs.md; the scaler is kedacore/keda pkg/scalers/aws_sqs_queue_scaler.go)
 * - pollingInterval 30 s (activation 0 → 1), cooldownPeriod 300 s (back to 0 after the last active poll)
 *   https://keda.sh/docs/latest/reference/scaledobject-spec/
 * - HPA: AverageValue target, desired = ceil(metric / queueLength), skipped within 10 % tolerance, every
 *   15 s; scale-down stabilization 300 s (highest recommendation of the window), scale-up 0 s limited to
 *   max(+4 pods, +100 %) per 15 s; https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 */
export const KEDA_DEFAULTS: KedaOptions = {
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
};

export function kedaSqs(options: Partial<KedaOptions> = {}): PolicyDefinition {
  const o = { ...KEDA_DEFAULTS, ...options };
  return {
    name: 'keda-sqs',
    describe: (s) =>
      `KEDA aws-sqs-queue + HPA: ceil((visible${o.scaleOnInFlight ? ' + in flight' : ''}${o.scaleOnDelayed ? ' + delayed' : ''})/` +
      `${o.queueLength ?? s.messagesPerTask}), active above ${o.activationQueueLength}; HPA every ${o.hpaSyncSeconds} s, ` +
      `±${o.tolerance * 100} %, down window ${o.scaleDownStabilizationSeconds} s; to 0 after ${o.cooldownPeriodSeconds} s idle`,
    create(scaler) {
      const target = o.queueLength ?? scaler.messagesPerTask;
      // KEDA gives the HPA minReplicas max(minReplicaCount, 1) and does 0 <-> 1 itself.
      const hpaMin = Math.max(1, scaler.min);
      let lastActive = -Infinity;
      const recommendations: { t: number; replicas: number }[] = [];
      return {
        evaluate(input) {
          const metric =
            input.visible + (o.scaleOnInFlight ? input.inFlight : 0) + (o.scaleOnDelayed ? input.delayed : 0);
          const current = input.desired;
          if (input.t % o.pollingIntervalSeconds === 0) {
            const active = metric > o.activationQueueLength;
            if (active) lastActive = input.t;
            if (current === 0 && active) {
              return {
                desired: Math.min(scaler.max, hpaMin),
                reason: `KEDA: ${metric} messages, activating`,
              };
            }
            if (
              current > 0 &&
              !active &&
              scaler.min === 0 &&
              input.t - lastActive >= o.cooldownPeriodSeconds
            ) {
              return {
                desired: 0,
                reason: `KEDA: inactive for ${o.cooldownPeriodSeconds} s, scaling to zero`,
              };
            }
          }
          if (current === 0 || input.t % o.hpaSyncSeconds !== 0) return undefined;
          const ratio = metric / (target * current);
          const raw = Math.abs(ratio - 1) <= o.tolerance ? current : Math.ceil(metric / target);
          recommendations.push({ t: input.t, replicas: raw });
          while (recommendations[0] && recommendations[0].t <= input.t - o.scaleDownStabilizationSeconds) {
            recommendations.shift();
          }
          // Scale-up window 0 s: the newest recommendation; scale-down: the highest of the window.
          const downCap = Math.max(...recommendations.map((r) => r.replicas));
          let desired = current;
          if (desired < raw) desired = raw;
          if (desired > downCap) desired = downCap;
          const upLimit = Math.max(
            current + o.scaleUpPods,
            Math.ceil(current * (1 + o.scaleUpPercent / 100)),
          );
          desired = Math.min(desired, upLimit, scaler.max);
          desired = Math.max(desired, hpaMin);
          return desired === current
            ? undefined
            : { desired, reason: `HPA: metric ${metric}, target ${target}/replica, recommendation ${raw}` };
        },
      };
    },
  };
}

export interface TargetTrackingOptions {
  /** Target backlog per task; default: the scaler's messagesPerTask. */
  target?: number;
  scaleOutCooldownSeconds: number;
  scaleInCooldownSeconds: number;
  /** Consecutive one-minute datapoints above the target before scaling out. */
  highDatapoints: number;
  /** Consecutive one-minute datapoints below lowRatio × target before scaling in. */
  lowDatapoints: number;
  lowRatio: number;
}

/**
 * ECS target tracking on backlog per task (visible messages / running tasks, the metric AWS documents
 * for queue workers: https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-using-sqs-queue.html):
 * - scale-out and scale-in cooldowns default to 300 s for ECS services
 *   https://docs.aws.amazon.com/autoscaling/application/APIReference/API_TargetTrackingScalingPolicyConfiguration.html
 * - the alarms Application Auto Scaling creates use one-minute periods: 3 of 3 datapoints above the
 *   target to scale out, 15 of 15 below 90 % of it to scale in
 *   (https://github.com/aws/copilot-cli/issues/4233, https://github.com/aws/containers-roadmap/issues/1208)
 * - new capacity = ceil(capacity × metric / target), with the running tasks (at least 1) as capacity,
 *   i.e. ceil(visible / target); with 0 tasks the metric is taken as visible / 1.
 */
export const TARGET_TRACKING_DEFAULTS: TargetTrackingOptions = {
  scaleOutCooldownSeconds: 300,
  scaleInCooldownSeconds: 300,
  highDatapoints: 3,
  lowDatapoints: 15,
  lowRatio: 0.9,
};

export function targetTracking(options: Partial<TargetTrackingOptions> = {}): PolicyDefinition {
  const o = { ...TARGET_TRACKING_DEFAULTS, ...options };
  return {
    name: 'target-tracking',
    describe: (s) =>
      `target tracking, ${o.target ?? s.messagesPerTask} visible messages per running task; out after ` +
      `${o.highDatapoints} min above, in after ${o.lowDatapoints} min below ${o.lowRatio * 100} %; ` +
      `cooldowns ${o.scaleOutCooldownSeconds}/${o.scaleInCooldownSeconds} s`,
    create(scaler) {
      const target = o.target ?? scaler.messagesPerTask;
      let inUntil = -Infinity;
      return {
        evaluate(input) {
          if (input.t % 60 !== 0) return undefined;
          const n = Math.max(o.highDatapoints, o.lowDatapoints);
          const visible = input.cloudWatch.minutes('visible', 'Average', n);
          const running = input.cloudWatch.minutes('running', 'Average', n);
          const perTask = visible.map((v, i) => v / Math.max(1, running[i] ?? 0));
          const latest = perTask[perTask.length - 1];
          if (latest === undefined) return undefined;
          const capacity = Math.max(1, running[running.length - 1] ?? 0);
          const wanted = clamp(Math.ceil((capacity * latest) / target), scaler);
          const current = input.desired;
          const high =
            perTask.length >= o.highDatapoints && perTask.slice(-o.highDatapoints).every((m) => m > target);
          const low =
            perTask.length >= o.lowDatapoints &&
            perTask.slice(-o.lowDatapoints).every((m) => m < target * o.lowRatio);
          // During a scale-out cooldown only a larger scale-out proceeds; wanted > current is that test.
          if (high && wanted > current) {
            inUntil = -Infinity;
            return {
              desired: wanted,
              reason: `backlog per task ${latest.toFixed(1)} > ${target} for ${o.highDatapoints} min`,
            };
          }
          if (low && wanted < current && input.t >= inUntil) {
            inUntil = input.t + o.scaleInCooldownSeconds;
            return {
              desired: wanted,
              reason: `backlog per task ${latest.toFixed(1)} < ${target * o.lowRatio} for ${o.lowDatapoints} min`,
            };
          }
          return undefined;
        },
      };
    },
  };
}

/**
 * `max` tasks desired from the first second to the last. With processing times fixed per message,
 * no policy within the bounds that receives messages in FIFO order receives any of them earlier (a
 * task cannot be ready before one start-up time after second 0, and more ready tasks never delay a
 * receipt), so its waits are the floor for every percentile. (A policy whose stopped tasks give
 * their messages back, to be received again after the visibility timeout, breaks the FIFO order;
 * that costs those messages a timeout and a start-up, and is not covered by this argument.) The most
 * expensive policy there is; a yardstick.
 */
export const fullCapacityPolicy: PolicyDefinition = {
  name: 'full-capacity',
  protectsBusyTasks: true,
  describe: (s) => `${s.max} tasks from the first second to the last`,
  create: (scaler) => ({
    evaluate: (input) =>
      input.desired === scaler.max ? undefined : { desired: scaler.max, reason: `${scaler.max} throughout` },
  }),
};

/**
 * The clairvoyant reference of issue 13: "it knows arrivals in advance and starts tasks one
 * start-up time ahead, same bounds". It reaches the p95 floor within the bounds, at far less
 * cost than keeping `max` tasks: it replays the trace at full capacity (fullCapacityPolicy) to
 * learn b(t), the tasks busy at each second there, and keeps desired(t) = max of b over
 * [t, t + lead], clamped to min..max, with lead = the start-up (at least 1 s: a task launched at
 * second t receives messages from t + startupSeconds, and from t + 1 at the earliest). So every
 * task the full-capacity replay keeps busy at a second u was launched by u − lead and never
 * stopped before u, and every message is received at the same second as there: same waits, every
 * percentile. It stops only idle tasks (newest first, as the service does), never a busy one.
 * Its cost is not a proven minimum: it keeps a task through any lull shorter than the start-up and
 * relaunches after a longer one, whatever the lull's length against a restart's price.
 */
export const clairvoyantPolicy: PolicyDefinition = {
  name: 'clairvoyant',
  protectsBusyTasks: true,
  describe: (s) =>
    `knows arrivals: keeps the tasks a ${s.max}-task replay has busy within the next start-up, ` +
    `launched one start-up ahead; same waits as ${s.max} tasks throughout`,
  create(scaler, run) {
    if (!run?.busyAtFullCapacity) throw new Error('the clairvoyant reference needs the trace it runs on');
    const busy = run.busyAtFullCapacity();
    const lead = Math.max(1, run.model.startupSeconds);
    // need[t] = max of busy over [t, t + lead]: the seconds a task launched or kept at t serves.
    // A sliding maximum (seconds whose busy count can still be the peak, in falling order), so
    // week-long traces with hour-long start-ups stay linear.
    const need = new Int32Array(busy.length);
    const candidates: number[] = [];
    let first = 0;
    for (let t = busy.length - 1; t >= 0; t--) {
      while (candidates.length > first && busy[candidates[candidates.length - 1]!]! <= busy[t]!)
        candidates.pop();
      if (candidates.length < first) first = candidates.length;
      candidates.push(t);
      while (candidates[first]! > t + lead) first++;
      need[t] = clamp(busy[candidates[first]!]!, scaler);
    }
    return {
      evaluate(input) {
        const desired = need[input.t] ?? scaler.min;
        return desired === input.desired
          ? undefined
          : { desired, reason: `${desired} busy at full capacity within ${lead} s` };
      },
    };
  },
};

/** The policies `scaling simulate` compares, ecs-pilot first, the clairvoyant reference last. */
export const SIMULATED_POLICIES: readonly PolicyDefinition[] = [
  ecsPilotPolicy,
  cdkStepScaling(),
  kedaSqs(),
  targetTracking(),
  clairvoyantPolicy,
];
