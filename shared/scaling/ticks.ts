/** How long one scheduled invocation evaluates: Scheduler invokes the function once a minute. */
export const EVALUATION_WINDOW_MS = 60_000;

/** One moment of an invocation and the scalers evaluated then. */
export interface Tick<S> {
  /** Epoch milliseconds. */
  at: number;
  scalers: S[];
}

/**
 * When each scaler is evaluated during one invocation (pure). Evaluations fall at
 * `anchor + k × intervalSeconds` within `anchor .. anchor + windowMs`; those already past at `now`
 * (a late or cold start) collapse into one evaluation at `now`, so every scaler is evaluated at least
 * once and none twice in a row. An invocation a whole window late evaluates once. Scalers due at the same moment share a tick; ticks are in time order.
 *
 * @param anchor the minute the invocation stands for (Scheduler's scheduled time; default: now)
 * @param windowMs default {@link EVALUATION_WINDOW_MS}
 */
export function planTicks<S extends { intervalSeconds: number }>(
  scalers: readonly S[],
  options: { now: number; anchor?: number; windowMs?: number },
): Tick<S>[] {
  const { now } = options;
  const windowMs = options.windowMs ?? EVALUATION_WINDOW_MS;
  // A whole window late (a delayed delivery or retry): the minute it stood for is over and the
  // next invocation covers the one now under way, so evaluate once rather than overlap it all.
  const late = options.anchor !== undefined && options.anchor <= now - windowMs;
  // An anchor in the future (clock skew) is no guide: the window starts now.
  const anchor = options.anchor !== undefined && options.anchor <= now && !late ? options.anchor : now;
  const end = late ? now + 1 : anchor + windowMs;
  const byTime = new Map<number, S[]>();
  const add = (at: number, scaler: S) => byTime.set(at, [...(byTime.get(at) ?? []), scaler]);
  for (const scaler of scalers) {
    const step = scaler.intervalSeconds * 1000;
    add(now, scaler);
    for (let at = anchor + step; at < end; at += step) {
      if (at > now) add(at, scaler);
    }
  }
  return [...byTime.entries()].sort(([a], [b]) => a - b).map(([at, due]) => ({ at, scalers: due }));
}
