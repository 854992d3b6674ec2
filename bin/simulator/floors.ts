/**
 * A proven lower bound on cost at a p95 target (pure): the fewest task-minutes that ANY policy
 * within the scaler's bounds can use in the simulator (simulate.ts) while its p95 wait is ≤ L.
 * Not an estimate: every step below is a necessary condition of such a run, and every
 * simplification drops a constraint or a cost, so the bound can only come out lower than the truth.
 *
 * Notation: messages j in FIFO order, arriving a_j, processed in d_j seconds (the simulator's own
 * per-message times; d = min d_j); S the start-up; H the horizon (seconds 0..H−1 are billed);
 * n messages. A task is billed every second from its launch to its stop; it does useful work in
 * the seconds [r, r + d_j − 1] after the receipt r that completes message j.
 *
 * 1. Late budget. percentileOfSorted (measure.ts) interpolates between the sorted waits w[lo] and
 *    w[lo + 1], lo = floor(0.95 (n − 1)), so p95 ≥ w[lo]: p95 ≤ L needs at least lo + 1 waits ≤ L,
 *    i.e. at most A = n − lo − 1 messages "late" (wait > L; a message never received waits until H).
 * 2. Work. An on-time message's latest receipt r ≤ a_j + L was not cut short (a stopped task's
 *    message is received again, later, or never), so it bills min(d_j, H − a_j − L) useful seconds
 *    at least. At least n − A messages are on time: the useful time is at least the sum of these
 *    figures without the A largest. (Late messages' useful time and redone work are left out.)
 * 3. Windows. Choose disjoint windows [s_i, f_i] (any choice is sound; several are tried and the
 *    highest bound kept), each holding the messages of a cluster of arrivals with
 *    s_i ≤ a_j and a_j + L + d − 1 ≤ f_i. Let K_i be the most tasks busy at one second of window i.
 *    The on-time messages of window i are received in [s_i, a_last + L]; those received within one
 *    chunk [s_i + k d, s_i + (k + 1) d − 1] are all busy at its last second, which is in the window,
 *    so at most K_i per chunk: the q-th earliest receipt (0-based) is ≥ s_i + d floor(q / K_i).
 *    Matching on-time messages to those ranks (rank q serves j only if s_i + d floor(q/K_i) ≤
 *    a_j + L; the sets are nested, so a greedy pass finds the largest matching) bounds the on-time
 *    count; the rest, late_i(K_i), are late. Messages outside every window are assumed on time.
 *    The late counts of all windows together must be ≤ A.
 * 4. Launches and lulls. At a second y_i of window i, K_i tasks are busy. Each was either present
 *    at y_{i−1} (y_0 = 0, where only the min initial tasks exist, already running) and so billed
 *    through the whole gap G_i = [f_{i−1} + 1, s_i − 1], or launched after y_{i−1} and billed S
 *    seconds of start-up before y_i with no work. With k_i kept, the gap bills k_i |G_i| seconds,
 *    of which at most U_i are useful on-time work (each message's possible overlap with the gap, for
 *    a receipt in [a_j, a_j + L]; late messages' work in the gap is at most their useful time, which
 *    step 2 did not count, so it cancels). No task-second is counted twice: a start-up counted for
 *    window i lies in [y_{i−1}, y_i − 1], before every later gap, and a gap's seconds belong to that
 *    gap alone; none of them is useful work. So
 *    cost ≥ work + Σ_i min over k_i ≤ K_i of (K_i − k_i) S + max(0, k_i |G_i| − U_i).
 * 5. Busy tasks never exceed max when every d_j ≤ S (a task told to stop while busy finishes within
 *    d_j, before any task launched after it is ready), which the bound requires. Whatever K_i a
 *    policy has, a small knapsack over the late budget finds the cheapest K_1..K_m meeting step 3.
 * With min > 0 the service also bills min tasks every second: the bound is at least min × H.
 * Waits are whole seconds, so L is taken as floor(L). Nothing above assumes FIFO receipts: the
 * bound also holds for policies whose stopped tasks give messages back to be received again.
 * What it leaves out, where the truth can be higher: idle tasks inside windows, the work of late
 * messages, and any partition better than the ones tried. Checked against every desired-count
 * schedule of small cases (test/unit/bin/simulator/floors.test.ts), where it is often tight.
 */
import { PermanentError } from '../../shared/kernel/errors.js';
import { percentileOfSorted } from './measure.js';
import { processingTimes, resolveModel, type Comparison, type ProcessingModel } from './simulate.js';
import type { Trace } from './trace.js';

export interface CostBoundOptions {
  /** The p95 target L, in seconds. */
  p95Seconds: number;
  model?: Partial<ProcessingModel>;
  /** The scaler's bounds. */
  scaler: { min: number; max: number };
  /** Seconds simulated (billed 0..H−1); default lastArrival + 3600 + 1, as simulatePolicy. */
  horizonSeconds?: number;
}

export interface CostBound {
  p95Seconds: number;
  /** No policy within the bounds reaches p95 ≤ p95Seconds with fewer task-minutes (∞: none reaches it). */
  taskMinutes: number;
  /** Of which: useful work of the messages that must be on time. */
  workTaskMinutes: number;
  /** Of which: start-ups and tasks kept through lulls, the cheapest mix that meets the late budget. */
  overheadTaskMinutes: number;
  /** Messages that may wait longer than p95Seconds. */
  lateAllowed: number;
  /** Windows of the partition that gave the bound, the arrival gap that split them and the fewest messages one held. */
  windows: number;
  splitSeconds: number;
  fewestMessages: number;
}

interface Window {
  start: number;
  /** Arrival seconds of its messages, in FIFO order. */
  arrivals: number[];
  /** The gap before it: seconds [gapFrom, start − 1]. */
  gapFrom: number;
}

/** Partitions tried (arrival gap that splits clusters × fewest messages kept); each is sound, the highest bound is kept. */
const SPLITS = [0, 1, 2, 5, 10, 30, 60, 120, 300, 1800, Number.POSITIVE_INFINITY];
const FEWEST = [1, 3, 10, 30, 100];

/** Messages allowed a wait above the p95 (step 1). */
export function lateAllowed(count: number): number {
  if (count === 0) return 0;
  // The lower rank of percentileOfSorted's interpolation, computed as it does (a test holds the two
  // together): p95 ≥ w[lo], so every wait from w[lo] down must be on time.
  const lo = Math.floor((95 / 100) * (count - 1));
  return count - lo - 1;
}

/** Step 3: the late messages of one window whose busy tasks never exceed `k`. */
export function lateInWindow(
  start: number,
  arrivals: readonly number[],
  k: number,
  limit: number,
  d: number,
) {
  if (k === 0) return arrivals.length;
  let matched = 0;
  for (const a of arrivals) {
    // Ranks q with start + d floor(q/k) ≤ a + limit: the first k (floor((a + limit − start)/d) + 1).
    const ranks = k * (Math.floor((a + limit - start) / d) + 1);
    if (ranks > matched) matched++;
  }
  return arrivals.length - matched;
}

/**
 * One partition into windows: clusters of arrivals at most `split` seconds apart, each window
 * running from its cluster's first arrival to its last + limit + d − 1. Arrivals in a window's
 * tail, and clusters of fewer than `fewest` messages, are left out (assumed on time), so that
 * the gaps between bursts are long enough to show what keeping tasks through them costs.
 */
function windowsOf(trace: Trace, limit: number, d: number, horizon: number, split: number, fewest: number) {
  const windows: Window[] = [];
  const rows = trace.rows;
  let end = -1;
  let i = 0;
  while (i < rows.length) {
    while (i < rows.length && rows[i]!.at <= end) i++;
    if (i >= rows.length) break;
    const start = rows[i]!.at;
    const arrivals: number[] = [];
    let last = start;
    while (i < rows.length && rows[i]!.at - last <= split && rows[i]!.at + limit + d - 1 <= horizon - 1) {
      last = rows[i]!.at;
      for (let m = 0; m < rows[i]!.messages; m++) arrivals.push(last);
      i++;
    }
    if (arrivals.length === 0) break;
    if (arrivals.length < fewest) continue;
    windows.push({ start, arrivals, gapFrom: end + 1 });
    end = last + limit + d - 1;
  }
  return windows;
}

/** Step 4: the most on-time work that can fall in the seconds [from, to]. */
function usefulIn(
  from: number,
  to: number,
  arrivals: Int32Array,
  durations: Int32Array,
  limit: number,
  longest: number,
) {
  if (to < from) return 0;
  // Messages arriving before from − limit − longest are done before the gap starts.
  let low = 0;
  let high = arrivals.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (arrivals[mid]! < from - limit - longest) low = mid + 1;
    else high = mid;
  }
  let sum = 0;
  for (let j = low; j < arrivals.length; j++) {
    const a = arrivals[j]!;
    if (a > to) break;
    const d = durations[j]!;
    const overlap = Math.min(d, to - from + 1, a + limit + d - from, to - a + 1);
    if (overlap > 0) sum += overlap;
  }
  return sum;
}

/** The fewest task-minutes any policy within `scaler`'s bounds needs for a p95 wait ≤ p95Seconds. */
export function costLowerBound(trace: Trace, options: CostBoundOptions): CostBound {
  const model = resolveModel(options.model);
  // Arrivals and receipts fall on whole seconds, so a wait ≤ L is a wait ≤ floor(L).
  const limit = Math.floor(options.p95Seconds);
  const horizon = options.horizonSeconds ?? trace.lastArrival + 3600 + 1;
  const { min, max } = options.scaler;
  const n = trace.totalMessages;
  const durations = processingTimes(n, model);
  const longest = durations.reduce((m, v) => Math.max(m, v), 0);
  const d = durations.reduce((m, v) => Math.min(m, v), Number.POSITIVE_INFINITY);
  if (longest > model.startupSeconds) {
    throw new PermanentError(
      `the cost bound is proven only for processing times up to the start-up (${longest} s > ${model.startupSeconds} s)`,
    );
  }
  const allowed = lateAllowed(n);
  const arrivals = new Int32Array(n);
  let filled = 0;
  for (const row of trace.rows) {
    arrivals.fill(row.at, filled, filled + row.messages);
    filled += row.messages;
  }

  // Step 2: useful seconds of the on-time messages, without the `allowed` largest.
  const useful = Array.from(durations, (dj, j) => Math.max(0, Math.min(dj, horizon - arrivals[j]! - limit)));
  useful.sort((x, y) => y - x);
  const work = useful.slice(allowed).reduce((sum, v) => sum + v, 0);
  const floorOfMin = min * horizon;

  let best: CostBound = {
    p95Seconds: options.p95Seconds,
    taskMinutes: Math.max(work, floorOfMin) / 60,
    workTaskMinutes: work / 60,
    overheadTaskMinutes: 0,
    lateAllowed: allowed,
    windows: 0,
    splitSeconds: Number.NaN,
    fewestMessages: Number.NaN,
  };
  if (n === 0) return best;
  for (const [split, fewest] of SPLITS.flatMap((x) => FEWEST.map((y) => [x, y] as const))) {
    const windows = windowsOf(trace, limit, d, horizon, split, fewest);
    // cheapest[b]: the least overhead (task-seconds) over the windows so far with b late messages.
    let cheapest = new Float64Array(allowed + 1).fill(Number.POSITIVE_INFINITY);
    cheapest[0] = 0;
    windows.forEach((w, index) => {
      const gap = Math.max(0, w.start - w.gapFrom);
      const gapUseful = usefulIn(w.gapFrom, w.start - 1, arrivals, durations, limit, longest);
      const keepable = index === 0 ? min : max;
      const next = new Float64Array(allowed + 1).fill(Number.POSITIVE_INFINITY);
      // Cost grows with k and lateness falls: only the least k of each lateness can be cheapest.
      let previousLate = Number.POSITIVE_INFINITY;
      for (let k = 0; k <= max && previousLate > 0; k++) {
        const late = lateInWindow(w.start, w.arrivals, k, limit, d);
        if (late >= previousLate) continue;
        previousLate = late;
        if (late > allowed) continue;
        let cost = Number.POSITIVE_INFINITY;
        for (let kept = 0; kept <= Math.min(k, keepable); kept++) {
          cost = Math.min(cost, (k - kept) * model.startupSeconds + Math.max(0, kept * gap - gapUseful));
        }
        for (let b = 0; b + late <= allowed; b++) {
          if (cheapest[b]! + cost < next[b + late]!) next[b + late] = cheapest[b]! + cost;
        }
      }
      cheapest = next;
    });
    const overhead = Math.min(...cheapest);
    const total = Number.isFinite(overhead)
      ? Math.max(work + overhead, floorOfMin)
      : Number.POSITIVE_INFINITY;
    if (total / 60 > best.taskMinutes) {
      best = {
        ...best,
        taskMinutes: total / 60,
        overheadTaskMinutes: Number.isFinite(overhead) ? overhead / 60 : Number.POSITIVE_INFINITY,
        windows: windows.length,
        splitSeconds: split,
        fewestMessages: fewest,
      };
    }
  }
  return best;
}

/** The bound at one p95 target: no policy within the bounds reaches p95Seconds with fewer task-minutes. */
export interface CostBoundPoint {
  p95Seconds: number;
  taskMinutes: number;
}

/** The bound options of a comparison: its model, bounds and horizon, as its policies ran. */
export const boundOptionsOf = (comparison: Comparison): Omit<CostBoundOptions, 'p95Seconds'> => ({
  model: comparison.model,
  scaler: comparison.scaler,
  horizonSeconds: comparison.horizonSeconds,
});

/** costLowerBound with a comparison's model, bounds and horizon; undefined where it is not proven (processing longer than start-up). */
export function comparisonCostBound(
  trace: Trace,
  comparison: Comparison,
  p95Seconds: number,
): CostBoundPoint | undefined {
  try {
    const bound = costLowerBound(trace, { p95Seconds, ...boundOptionsOf(comparison) });
    return { p95Seconds, taskMinutes: bound.taskMinutes };
  } catch (error) {
    if (error instanceof PermanentError) return undefined;
    throw error;
  }
}

/**
 * The bound at `count` targets from 0 to a little past the widest p95 of the comparison, for the
 * frontier chart's step line (frontier.ts); empty where the bound is not proven.
 */
export function costBoundSteps(trace: Trace, comparison: Comparison, count = 25): CostBoundPoint[] {
  const widest = Math.max(
    60,
    ...comparison.runs.map((r) => r.figures.p95WaitSeconds).filter(Number.isFinite),
  );
  const points: CostBoundPoint[] = [];
  for (let i = 0; i < count; i++) {
    const point = comparisonCostBound(trace, comparison, (i / (count - 1)) * widest * 1.08);
    if (!point) return [];
    points.push(point);
  }
  return points;
}

/** What a policy that reacts to the queue, without knowing the future, can reach with a warm baseline. */
export interface ReactivePoint {
  /** Tasks kept through every lull, so they are there when a burst starts. */
  warm: number;
  /** The least p95 any policy with at most `warm` tasks at each burst's start can have. */
  p95Seconds: number;
  /** The fewest task-minutes of such a policy if it holds `warm` tasks through every lull (see reactiveFloor). */
  taskMinutes: number;
}

export interface ReactiveFloor {
  /** Seconds at which the bursts start (windows of at least 10 messages, arrivals ≤ 10 s apart). */
  burstStarts: number[];
  points: ReactivePoint[];
}

/**
 * Receipt seconds of a FIFO replay in which at most capacity(t) tasks are ready at second t, each
 * message received as soon as a ready task is free: no service with those ready counts receives
 * any message earlier (a receipt never frees a task sooner by waiting), so its waits are the least.
 */
function earliestWaits(
  trace: Trace,
  durations: Int32Array,
  horizon: number,
  capacity: (t: number) => number,
) {
  const n = durations.length;
  const waits = new Float64Array(n);
  const busyUntil: number[] = [];
  let head = 0;
  let arrived = 0;
  let row = 0;
  const arrivalOf = new Int32Array(n);
  for (let t = 0; t < horizon && head < n; t++) {
    while (row < trace.rows.length && trace.rows[row]!.at === t) {
      arrivalOf.fill(t, arrived, arrived + trace.rows[row]!.messages);
      arrived += trace.rows[row++]!.messages;
    }
    for (let k = busyUntil.length - 1; k >= 0; k--) if (busyUntil[k]! <= t) busyUntil.splice(k, 1);
    while (head < arrived && busyUntil.length < capacity(t)) {
      waits[head] = t - arrivalOf[head]!;
      busyUntil.push(t + durations[head]!);
      head++;
    }
  }
  for (let j = head; j < n; j++) waits[j] = horizon - (j < arrived ? arrivalOf[j]! : horizon);
  return waits.sort();
}

/**
 * A reactive bound, under one assumption stated plainly: a policy that does not know the future
 * cannot tell the second a burst starts from any other second of the lull before it, so the tasks
 * it has at that second are a baseline W it holds through the whole lull. Tasks launched when the
 * burst is seen are ready one start-up later; during a burst's first startupSeconds only the W are
 * ready (at most min before second startupSeconds, at most max otherwise). For each W:
 * - p95: the FIFO replay at those ready counts receives every message as early as any service
 *   with them can (earliestWaits), so no such policy has a lower p95;
 * - task-minutes: the useful work of the messages that must be on time at that p95, plus W tasks
 *   billed through each lull less the most on-time work that can fall in it (costLowerBound's steps
 *   2 and 4), and never less than costLowerBound at that p95.
 * Bursts are clusters of at least 10 messages with arrivals ≤ 10 s apart (costLowerBound's
 * windows); each lull runs from d after the previous burst's last arrival to the next start.
 * The p95 side needs FIFO receipts and equal processing times (jitter 0): a policy that has busy
 * tasks stopped can get their messages received again later, out of order, which this replay does
 * not cover (the cost side, from costLowerBound's argument, does not need FIFO).
 */
export function reactiveFloor(trace: Trace, options: Omit<CostBoundOptions, 'p95Seconds'>): ReactiveFloor {
  const model = resolveModel(options.model);
  if (model.jitter !== 0)
    throw new PermanentError('the reactive bound is proven for processing times without jitter');
  const horizon = options.horizonSeconds ?? trace.lastArrival + 3600 + 1;
  const { min, max } = options.scaler;
  const durations = processingTimes(trace.totalMessages, model);
  const arrivals = new Int32Array(trace.totalMessages);
  let filled = 0;
  for (const row of trace.rows) {
    arrivals.fill(row.at, filled, filled + row.messages);
    filled += row.messages;
  }
  const d = model.secondsPerMessage;
  const startup = model.startupSeconds;
  const allowed = lateAllowed(trace.totalMessages);
  const bursts = windowsOf(trace, 0, d, horizon, 10, 10);
  const burstStarts = bursts.map((w) => w.start);
  const points: ReactivePoint[] = [];
  for (let warm = min; warm <= max; warm++) {
    const capacity = (t: number) => {
      if (t < startup) return min;
      for (const s of burstStarts) if (t >= s && t < s + startup) return warm;
      return max;
    };
    const p95 = percentileOfSorted(earliestWaits(trace, durations, horizon, capacity), 95);
    const limit = Math.floor(p95);
    const useful = Array.from(durations, (dj, j) =>
      Math.max(0, Math.min(dj, horizon - arrivals[j]! - limit)),
    );
    useful.sort((x, y) => y - x);
    let seconds = useful.slice(allowed).reduce((sum, v) => sum + v, 0);
    // Each lull runs from d after the previous burst's last arrival to the next burst's start.
    for (const w of bursts) {
      const inLull = usefulIn(w.gapFrom, w.start - 1, arrivals, durations, limit, d);
      seconds += Math.max(0, warm * (w.start - w.gapFrom) - inLull);
    }
    const bound = costLowerBound(trace, { ...options, p95Seconds: p95 }).taskMinutes;
    points.push({ warm, p95Seconds: p95, taskMinutes: Math.max(seconds / 60, bound) });
  }
  return { burstStarts, points };
}
