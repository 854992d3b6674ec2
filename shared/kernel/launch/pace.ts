/**
 * Adaptive launch pacing for one function instance: a token bucket whose rate follows additive
 * increase, multiplicative decrease (AIMD), the rule TCP uses to share a link it cannot see.
 *
 * Why this design: Fargate's limits are per account and Region, shared with every other workload
 * (launches: 100 burst, 20/s refill; RunTask: 20 calls/s). No instance can see how much of them is
 * free right now, only whether its own calls succeed. Each instance therefore sends at most its
 * share of the configured ceiling (ceiling / maximum concurrent instances: the sum stays under the
 * ceiling without coordination), halves its rate when AWS says "too fast" and creeps back up by a
 * fixed amount per second while calls succeed. Instances that all do this converge on a fair share
 * of what is left. A shared token bucket in DynamoDB would be exact, at the cost of one more write
 * per launch and a hot item; it buys nothing while AWS's own throttle is the real arbiter.
 *
 * Pure: the clock is injected, and waiting is the caller's job (`reserve` says how long).
 */
export interface PaceSettings {
  /** Most launches per second this instance may send: its share of the account ceiling. */
  ceilingPerSecond: number;
  /** Least rate after repeated throttling; never 0, so a throttled instance still probes. */
  floorPerSecond: number;
  /** Rate regained per second of successful sending (the additive increase). */
  increasePerSecond: number;
  /** Factor applied to the rate on each throttle (the multiplicative decrease), 0 < f < 1. */
  decreaseFactor: number;
  /** Launches that may go at once after an idle spell (the bucket's size), at least 1. */
  burst: number;
}

/** The settings for one instance's share of `ceilingPerSecond` split over `instances`. */
export function paceSettings(ceilingPerSecond: number, instances: number): PaceSettings {
  const share = ceilingPerSecond / Math.max(1, instances);
  return {
    ceilingPerSecond: share,
    floorPerSecond: Math.min(share, Math.max(0.05, share / 50)),
    // From the floor back to the full share in about 10 s of clean sending.
    increasePerSecond: share / 10,
    decreaseFactor: 0.5,
    burst: Math.max(1, Math.floor(share)),
  };
}

export class LaunchPacer {
  private rate: number;
  private tokens: number;
  private last: number;
  private throttles = 0;

  constructor(
    private readonly settings: PaceSettings,
    private readonly now: () => number = Date.now,
  ) {
    if (!(settings.floorPerSecond > 0) || !(settings.floorPerSecond <= settings.ceilingPerSecond)) {
      throw new RangeError('LaunchPacer: need 0 < floorPerSecond <= ceilingPerSecond');
    }
    if (!(settings.decreaseFactor > 0 && settings.decreaseFactor < 1)) {
      throw new RangeError('LaunchPacer: decreaseFactor must be between 0 and 1');
    }
    this.rate = settings.ceilingPerSecond;
    this.tokens = Math.max(1, settings.burst);
    this.last = now();
  }

  /** The rate this instance currently allows itself, launches per second. */
  get ratePerSecond(): number {
    return this.rate;
  }

  /** Throttles reported since this pacer was created. */
  get throttleCount(): number {
    return this.throttles;
  }

  /**
   * Takes the next launch slot and returns how many milliseconds to wait before sending it (0: now),
   * or undefined, taking nothing, when that wait would exceed `maxWaitMs`. Callers that reserve
   * together are spaced one slot apart, so concurrent records queue in order.
   */
  reserve(maxWaitMs = Number.POSITIVE_INFINITY): number | undefined {
    this.refill();
    const wait = this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
    if (wait > maxWaitMs) return undefined;
    this.tokens -= 1;
    return wait;
  }

  /** A launch went through: regain `increasePerSecond` per second's worth of launches at this rate. */
  succeeded(): void {
    this.refill();
    this.rate = Math.min(
      this.settings.ceilingPerSecond,
      this.rate + this.settings.increasePerSecond / this.rate,
    );
  }

  /** AWS said too fast (throttled, or no launch capacity): halve the rate and drop any saved burst. */
  throttled(): void {
    this.refill();
    this.throttles += 1;
    this.rate = Math.max(this.settings.floorPerSecond, this.rate * this.settings.decreaseFactor);
    this.tokens = Math.min(this.tokens, 0);
  }

  private refill(): void {
    const at = this.now();
    const elapsed = Math.max(0, at - this.last) / 1000;
    this.last = at;
    this.tokens = Math.min(Math.max(1, this.settings.burst), this.tokens + elapsed * this.rate);
  }
}
