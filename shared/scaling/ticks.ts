/**
 * When evaluations happen (pure). Evaluations are chained: each one is a short invocation that
 * sends the next tick to the stage's tick queue with DelaySeconds up to the next slot, and
 * Scheduler's per-minute invocation is a heartbeat that starts a chain that broke. Time is cut into
 * slots of intervalSeconds from the epoch (slot k starts at k × intervalSeconds); a conditional
 * write on the slot in the state table lets at most one evaluation run per slot, so duplicate and
 * forked chains collapse into one.
 */

/** SQS's longest DelaySeconds. */
export const MAX_DELAY_SECONDS = 900;

/** Scheduler's heartbeat period: every chain's slot is evaluated at least this often. */
export const HEARTBEAT_SECONDS = 60;

/** The scalers evaluated together: those with the same intervalSeconds share one chain of ticks. */
export interface Chain<S> {
  intervalSeconds: number;
  scalers: S[];
}

/** One chain per distinct intervalSeconds, shortest first; scalers keep their config order. */
export function chainsOf<S extends { intervalSeconds: number }>(scalers: readonly S[]): Chain<S>[] {
  const byInterval = new Map<number, S[]>();
  for (const scaler of scalers) {
    byInterval.set(scaler.intervalSeconds, [...(byInterval.get(scaler.intervalSeconds) ?? []), scaler]);
  }
  return [...byInterval.entries()]
    .sort(([a], [b]) => a - b)
    .map(([intervalSeconds, members]) => ({ intervalSeconds, scalers: members }));
}

/** The slot that contains `now` (epoch ms). */
export const slotAt = (intervalSeconds: number, now: number): number =>
  Math.floor(now / (intervalSeconds * 1000));

/** When a slot starts, epoch ms. */
export const slotStart = (intervalSeconds: number, slot: number): number => slot * intervalSeconds * 1000;

/**
 * The slot a tick evaluates. A tick on time or late takes the slot it runs in (a late one never
 * evaluates a slot that is over: a newer tick may have done the one after it). A tick a little early
 * (SQS rounds delays to whole seconds; clocks differ) takes the slot it was sent for, but never
 * one past the next: an early tick cannot run ahead of the chain. The heartbeat names no slot.
 */
export function slotToClaim(intervalSeconds: number, now: number, requested?: number): number {
  const current = slotAt(intervalSeconds, now);
  if (requested === undefined || !Number.isSafeInteger(requested)) return current;
  return Math.min(current + 1, Math.max(current, requested));
}

/**
 * The next tick of a chain after `slot`: its slot and the delay until it starts, in whole seconds
 * (0-900) rounded to the nearest, so a tick arrives within half a second of its slot's start either
 * way (plus the event source mapping's pickup) and no lag builds up from tick to tick. One that
 * arrives early takes the slot it was sent for (slotToClaim).
 */
export function nextTick(
  intervalSeconds: number,
  slot: number,
  now: number,
): { slot: number; delaySeconds: number } {
  const next = slot + 1;
  const delay = Math.round((slotStart(intervalSeconds, next) - now) / 1000);
  return { slot: next, delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, delay)) };
}

/**
 * Whether a chain sends its next tick: not when the heartbeat alone evaluates it often enough
 * (intervalSeconds 60), nor — with idleOncePerMinute on every scaler of it — while they are all idle,
 * in which case the next heartbeat starts it again.
 */
export function continuesChain(
  chain: Chain<{ name: string; idleOncePerMinute: boolean }>,
  idle: (scaler: string) => boolean,
): boolean {
  if (chain.intervalSeconds >= HEARTBEAT_SECONDS) return false;
  return !chain.scalers.every((s) => s.idleOncePerMinute && idle(s.name));
}
