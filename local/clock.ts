/**
 * Runs `fn` with the process clock (`Date`, `Date.now()`) moved to `at`, then restores it. Timers are
 * untouched, so the SDK, the emulator calls and the drain loop run at their real pace; only what code
 * reads as "now" moves. The demo uses it to run a handler at the time Scheduler would have fired it.
 * Local demo only: never imported by a function.
 */
export async function atSimulatedTime<T>(at: Date, fn: () => Promise<T>): Promise<T> {
  const RealDate = Date;
  const offset = at.getTime() - RealDate.now();
  class SimulatedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = SimulatedDate as DateConstructor;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}
