/**
 * What the simulator (simulate.ts) measures with: seeded randomness, percentiles, the one-minute
 * CloudWatch datapoints alarm-driven policies read, and the figures of one run. Pure.
 */
import type { MetricView, QueueMetric, Statistic } from './policies.js';
import type { Trace } from './trace.js';

/** Linear-interpolated percentile (p in 0..100) of ascending-sorted values. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** mulberry32: a small seeded generator, so runs with jitter are repeatable. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One-minute CloudWatch datapoints over the recorded per-second history. */
export class RecordedMetrics implements MetricView {
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

/** The figures compared per policy. Waits are from enqueue to the receipt that completed the message. */
export interface PolicyFigures {
  p50WaitSeconds: number;
  p95WaitSeconds: number;
  maxWaitSeconds: number;
  /** Task time from launch to stop, in minutes (redone work included). */
  taskMinutes: number;
  /** Changes of the desired count. */
  scalingActions: number;
  /** Longest time from an arrival until all messages of that second were processed; null if some never were. */
  drainSeconds: number | null;
  /** Messages not processed by the end of the simulation; their waits are counted up to the end. */
  unprocessed: number;
  peakTasks: number;
  /** Messages whose task was stopped while it held them, so they were received and processed again. */
  redoneMessages: number;
  /** Task time spent on messages whose task was then stopped: work lost and done again, in minutes. */
  redoneTaskMinutes: number;
  /** Tasks launched. */
  launches: number;
  /** Task time from launch until a task takes messages (its start-up, or until stopped during it), in minutes. */
  startUpTaskMinutes: number;
  /** Task time running without a message, in minutes. The rest of taskMinutes is processing (redone work included). */
  idleTaskMinutes: number;
}

/** Per-message times of one run (seconds; -1: never). */
export interface MessageTimes {
  enqueuedAt: Int32Array;
  /** The latest receipt; -1 while the message waits (again, after its task was stopped). */
  receivedAt: Float64Array;
  doneAt: Float64Array;
}

export function figuresOf(
  trace: Trace,
  times: MessageTimes,
  run: {
    horizon: number;
    taskSeconds: number;
    scalingActions: number;
    peakTasks: number;
    redoneMessages: number;
    redoneSeconds: number;
    launches: number;
    startUpSeconds: number;
    idleSeconds: number;
  },
): PolicyFigures {
  const { enqueuedAt, receivedAt, doneAt } = times;
  const waits = new Float64Array(enqueuedAt.length);
  let unprocessed = 0;
  for (let i = 0; i < enqueuedAt.length; i++) {
    // A message never received (or lost with its task and not received again) waits until the end.
    waits[i] = (receivedAt[i]! >= 0 ? receivedAt[i]! : run.horizon) - enqueuedAt[i]!;
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
    taskMinutes: run.taskSeconds / 60,
    scalingActions: run.scalingActions,
    drainSeconds,
    unprocessed,
    peakTasks: run.peakTasks,
    redoneMessages: run.redoneMessages,
    redoneTaskMinutes: run.redoneSeconds / 60,
    launches: run.launches,
    startUpTaskMinutes: run.startUpSeconds / 60,
    idleTaskMinutes: run.idleSeconds / 60,
  };
}
