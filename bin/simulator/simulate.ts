/**
 * A deterministic discrete-time simulation of one queue and one ECS service, at one-second ticks:
 * messages arrive as the trace says, running tasks each process one message at a time, and a policy
 * sets the desired count. Every policy replays the same trace with the same per-message processing
 * times, so their figures differ only by their decisions. Pure: no I/O, no clock, seeded randomness.
 *
 * Model (each second t, in this order):
 *  1. the trace's messages for t become visible (FIFO);
 *  2. tasks whose message is done delete it (a task told to stop stops now); tasks whose start-up
 *     (startupSeconds after launch) is over become RUNNING;
 *  3. each idle RUNNING task receives the oldest visible message (its wait ends here);
 *  4. the policy sees the queue and service and may set a new desired count;
 *  5. the service follows at once: it launches tasks, or stops the newest tasks still starting, then
 *     idle ones, then busy ones, which finish their message first (a graceful SIGTERM);
 *  6. every task from launch to stop costs one task-second (Fargate bills from the image pull).
 * CloudWatch sees one-minute datapoints of the queue and task counts, each published
 * metricDelaySeconds after its minute ends.
 */
import { scalerSchema, type ScalerConfig } from '../../shared/scaling/config.js';
import { PermanentError } from '../../shared/kernel/errors.js';
import {
  SIMULATED_POLICIES,
  type MetricView,
  type PolicyDefinition,
  type QueueMetric,
  type Statistic,
} from './policies.js';
import type { Trace } from './trace.js';

/** How tasks process messages. */
export interface ProcessingModel {
  /** Seconds one task needs for one message; default 30. */
  secondsPerMessage: number;
  /** Seconds from launch until a task receives messages; default 60. */
  startupSeconds: number;
  /** Processing times vary uniformly by ± this fraction (0-0.9), drawn from `seed`; default 0. */
  jitter: number;
  /** Seed of the processing-time draws; default 1. */
  seed: number;
}

export const DEFAULT_MODEL: ProcessingModel = {
  secondsPerMessage: 30,
  startupSeconds: 60,
  jitter: 0,
  seed: 1,
};

export interface SimulationOptions {
  model?: Partial<ProcessingModel>;
  /** Seconds simulated after the last arrival; default 3600. */
  tailSeconds?: number;
  /** Delay before a one-minute CloudWatch datapoint can be read by an alarm; default 60. */
  metricDelaySeconds?: number;
  /** Seconds between the samples kept for charts; default 10. */
  sampleSeconds?: number;
}

/**
 * The scaler used when none is given: 10 messages per task, 0 to 40 tasks, scale in after 5 min
 * (and the schema's defaults: in-flight counted, evaluated every 60 s).
 */
export const DEFAULT_SIMULATION_SCALER: ScalerConfig = scalerSchema.parse({
  name: 'simulated',
  queue: 'simulated-jobs',
  cluster: 'simulated',
  service: 'simulated-worker',
  messagesPerTask: 10,
  min: 0,
  max: 40,
  scaleInAfterMinutes: 5,
});

/** The figures compared per policy. Waits are from enqueue to receipt by a task. */
export interface PolicyFigures {
  p50WaitSeconds: number;
  p95WaitSeconds: number;
  maxWaitSeconds: number;
  /** Task time from launch to stop, in minutes. */
  taskMinutes: number;
  /** Changes of the desired count. */
  scalingActions: number;
  /** Longest time from an arrival until all messages of that second were processed; null if some never were. */
  drainSeconds: number | null;
  /** Messages not processed by the end of the simulation; their waits are counted up to the end. */
  unprocessed: number;
  peakTasks: number;
}

export interface Sample {
  t: number;
  visible: number;
  inFlight: number;
  /** Tasks launched and not yet stopped (starting, running or finishing their last message). */
  tasks: number;
  desired: number;
}

export interface ActionRecord {
  t: number;
  from: number;
  to: number;
  reason: string;
}

export interface PolicyRun {
  policy: string;
  description: string;
  figures: PolicyFigures;
  samples: Sample[];
  actions: ActionRecord[];
}

export interface Comparison {
  totalMessages: number;
  lastArrival: number;
  /** Seconds simulated (the same for every policy). */
  horizonSeconds: number;
  model: ProcessingModel;
  scaler: ScalerConfig;
  runs: PolicyRun[];
}

/** Linear-interpolated percentile (p in 0..100) of ascending-sorted values. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** mulberry32: a small seeded generator, so runs with jitter are repeatable. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkModel(model: ProcessingModel): void {
  if (!(model.secondsPerMessage >= 1 && model.secondsPerMessage <= 86_400)) {
    throw new PermanentError(`secondsPerMessage must be from 1 to 86400 (got ${model.secondsPerMessage})`);
  }
  if (!(model.startupSeconds >= 0 && model.startupSeconds <= 3600)) {
    throw new PermanentError(`startupSeconds must be from 0 to 3600 (got ${model.startupSeconds})`);
  }
  if (!(model.jitter >= 0 && model.jitter <= 0.9)) {
    throw new PermanentError(`jitter must be from 0 to 0.9 (got ${model.jitter})`);
  }
  if (!Number.isInteger(model.seed))
    throw new PermanentError(`seed must be a whole number (got ${model.seed})`);
}

/** Per-message processing seconds (whole, at least 1), the same for every policy. */
function processingTimes(count: number, model: ProcessingModel): Int32Array {
  const times = new Int32Array(count);
  const next = random(model.seed);
  for (let i = 0; i < count; i++) {
    const factor = model.jitter === 0 ? 1 : 1 + model.jitter * (2 * next() - 1);
    times[i] = Math.max(1, Math.round(model.secondsPerMessage * factor));
  }
  return times;
}

/** One-minute CloudWatch datapoints over the recorded per-second history. */
class RecordedMetrics implements MetricView {
  t = 0;
  private readonly cache = new Map<string, Float64Array>();

  constructor(
    private readonly history: Record<QueueMetric, Int32Array>,
    private readonly delaySeconds: number,
  ) {}

  minutes(metric: QueueMetric, statistic: Statistic, count: number): number[] {
    // The datapoint of minute m covers seconds [60m, 60m + 60) and is readable from 60(m + 1) + delay.
    const newest = Math.floor((this.t - this.delaySeconds) / 60) - 1;
    const out: number[] = [];
    for (let m = Math.max(0, newest - count + 1); m <= newest; m++)
      out.push(this.datapoint(metric, statistic, m));
    return out;
  }

  private datapoint(metric: QueueMetric, statistic: Statistic, minute: number): number {
    const key = `${metric}:${statistic}`;
    let values = this.cache.get(key);
    if (!values) {
      values = new Float64Array(Math.ceil(this.history[metric].length / 60) + 1).fill(Number.NaN);
      this.cache.set(key, values);
    }
    if (Number.isNaN(values[minute]!)) {
      const series = this.history[metric].subarray(minute * 60, minute * 60 + 60);
      let max = 0;
      let sum = 0;
      for (const v of series) {
        max = Math.max(max, v);
        sum += v;
      }
      values[minute] = statistic === 'Maximum' ? max : sum / Math.max(1, series.length);
    }
    return values[minute]!;
  }
}

interface Task {
  readyAt: number;
  busyUntil: number;
  /** Index of the message being processed, or -1. */
  message: number;
  stopping: boolean;
}

/** Replays `trace` under one policy. */
export function simulatePolicy(
  trace: Trace,
  scaler: ScalerConfig,
  definition: PolicyDefinition,
  options: SimulationOptions = {},
): PolicyRun {
  const model = { ...DEFAULT_MODEL, ...options.model };
  checkModel(model);
  const tail = options.tailSeconds ?? 3600;
  const delay = options.metricDelaySeconds ?? 60;
  const sampleEvery = options.sampleSeconds ?? 10;
  const horizon = trace.lastArrival + tail + 1;
  const total = trace.totalMessages;

  const enqueuedAt = new Int32Array(total);
  let filled = 0;
  for (const row of trace.rows) {
    enqueuedAt.fill(row.at, filled, filled + row.messages);
    filled += row.messages;
  }
  const duration = processingTimes(total, model);
  const receivedAt = new Float64Array(total).fill(-1);
  const doneAt = new Float64Array(total).fill(-1);

  const history: Record<QueueMetric, Int32Array> = {
    visible: new Int32Array(horizon),
    inFlight: new Int32Array(horizon),
    delayed: new Int32Array(horizon),
    running: new Int32Array(horizon),
  };
  const cloudWatch = new RecordedMetrics(history, delay);
  const policy = definition.create(scaler);

  // The service starts settled at min, its tasks already running.
  let tasks: Task[] = Array.from({ length: scaler.min }, () => ({
    readyAt: 0,
    busyUntil: 0,
    message: -1,
    stopping: false,
  }));
  let desired = scaler.min;
  let arrived = 0;
  let head = 0;
  let rowIndex = 0;
  let taskSeconds = 0;
  let peakTasks = 0;
  const samples: Sample[] = [];
  const actions: ActionRecord[] = [];

  for (let t = 0; t < horizon; t++) {
    while (rowIndex < trace.rows.length && trace.rows[rowIndex]!.at === t)
      arrived += trace.rows[rowIndex++]!.messages;

    for (const task of tasks) {
      if (task.message >= 0 && task.busyUntil <= t) {
        doneAt[task.message] = t;
        task.message = -1;
      }
    }
    tasks = tasks.filter((task) => !(task.stopping && task.message < 0));

    let inFlight = 0;
    let running = 0;
    for (const task of tasks) {
      if (task.readyAt > t) continue;
      running++;
      if (task.message < 0 && !task.stopping && head < arrived) {
        task.message = head;
        task.busyUntil = t + duration[head]!;
        receivedAt[head++] = t;
      }
      if (task.message >= 0) inFlight++;
    }
    const visible = arrived - head;
    history.visible[t] = visible;
    history.inFlight[t] = inFlight;
    history.running[t] = running;
    cloudWatch.t = t;

    const action = policy.evaluate({
      t,
      now: new Date(trace.start.getTime() + t * 1000),
      visible,
      inFlight,
      delayed: 0,
      running,
      desired,
      cloudWatch,
    });
    if (action && action.desired !== desired) {
      const to = Math.max(0, Math.round(action.desired));
      actions.push({ t, from: desired, to, reason: action.reason });
      desired = to;
    }

    const live = tasks.filter((task) => !task.stopping);
    if (live.length < desired) {
      for (let k = live.length; k < desired; k++) {
        tasks.push({ readyAt: t + model.startupSeconds, busyUntil: 0, message: -1, stopping: false });
      }
    } else if (live.length > desired) {
      let excess = live.length - desired;
      const newestFirst = [...live].reverse();
      const starting = newestFirst.filter((task) => task.readyAt > t);
      const idle = newestFirst.filter((task) => task.readyAt <= t && task.message < 0);
      const busy = newestFirst.filter((task) => task.readyAt <= t && task.message >= 0);
      const removed = new Set<Task>();
      for (const task of [...starting, ...idle]) {
        if (excess === 0) break;
        removed.add(task);
        excess--;
      }
      for (const task of busy) {
        if (excess === 0) break;
        task.stopping = true;
        excess--;
      }
      tasks = tasks.filter((task) => !removed.has(task));
    }

    taskSeconds += tasks.length;
    peakTasks = Math.max(peakTasks, tasks.length);
    if (t % sampleEvery === 0) samples.push({ t, visible, inFlight, tasks: tasks.length, desired });
  }

  return {
    policy: definition.name,
    description: definition.describe(scaler),
    figures: figuresOf(
      trace,
      enqueuedAt,
      receivedAt,
      doneAt,
      horizon,
      taskSeconds,
      actions.length,
      peakTasks,
    ),
    samples,
    actions,
  };
}

function figuresOf(
  trace: Trace,
  enqueuedAt: Int32Array,
  receivedAt: Float64Array,
  doneAt: Float64Array,
  horizon: number,
  taskSeconds: number,
  scalingActions: number,
  peakTasks: number,
): PolicyFigures {
  const waits = new Float64Array(enqueuedAt.length);
  let unprocessed = 0;
  for (let i = 0; i < enqueuedAt.length; i++) {
    waits[i] = (receivedAt[i]! >= 0 ? receivedAt[i]! : horizon) - enqueuedAt[i]!;
    if (doneAt[i]! < 0) unprocessed++;
  }
  waits.sort();
  let drainSeconds: number | null = unprocessed > 0 ? null : 0;
  if (drainSeconds !== null) {
    let index = 0;
    for (const row of trace.rows) {
      let last = 0;
      for (let i = index; i < index + row.messages; i++) last = Math.max(last, doneAt[i]!);
      index += row.messages;
      drainSeconds = Math.max(drainSeconds, last - row.at);
    }
  }
  return {
    p50WaitSeconds: percentileOfSorted(waits, 50),
    p95WaitSeconds: percentileOfSorted(waits, 95),
    maxWaitSeconds: waits[waits.length - 1] ?? 0,
    taskMinutes: taskSeconds / 60,
    scalingActions,
    drainSeconds,
    unprocessed,
    peakTasks,
  };
}

/** Replays `trace` under each policy (default: ecs-pilot and the three references) over the same horizon. */
export function comparePolicies(
  trace: Trace,
  scaler: ScalerConfig,
  policies: readonly PolicyDefinition[] = SIMULATED_POLICIES,
  options: SimulationOptions = {},
): Comparison {
  const model = { ...DEFAULT_MODEL, ...options.model };
  return {
    totalMessages: trace.totalMessages,
    lastArrival: trace.lastArrival,
    horizonSeconds: trace.lastArrival + (options.tailSeconds ?? 3600) + 1,
    model,
    scaler,
    runs: policies.map((policy) => simulatePolicy(trace, scaler, policy, options)),
  };
}
