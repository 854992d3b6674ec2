import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LaunchPacer, paceSettings, type PaceSettings } from '../../../../../shared/kernel/launch/pace.js';

const SETTINGS: PaceSettings = {
  ceilingPerSecond: 10,
  floorPerSecond: 0.5,
  increasePerSecond: 1,
  decreaseFactor: 0.5,
  burst: 3,
};

/** A pacer on a clock the test moves. */
function pacerAt(settings: PaceSettings = SETTINGS) {
  const clock = { now: 0 };
  return { clock, pacer: new LaunchPacer(settings, () => clock.now) };
}

describe('Class: LaunchPacer', () => {
  it('lets its burst go at once, then spaces launches one slot (1 / rate) apart', () => {
    const { pacer } = pacerAt();

    const waits = Array.from({ length: 6 }, () => pacer.reserve());

    expect(waits).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('refills at its rate while idle, up to the burst and no further', () => {
    const { clock, pacer } = pacerAt();
    for (let i = 0; i < 3; i += 1) pacer.reserve();

    clock.now = 60_000;

    expect([pacer.reserve(), pacer.reserve(), pacer.reserve(), pacer.reserve()]).toEqual([0, 0, 0, 100]);
  });

  it('takes nothing and returns undefined when the slot is further away than maxWaitMs', () => {
    const { pacer } = pacerAt({ ...SETTINGS, burst: 1 });
    pacer.reserve();

    expect(pacer.reserve(50)).toBeUndefined();
    expect(pacer.reserve(100)).toBe(100);
  });

  it('halves its rate on each throttle, never below the floor, and drops any saved burst', () => {
    const { pacer } = pacerAt();

    pacer.throttled();
    const afterOne = pacer.ratePerSecond;
    for (let i = 0; i < 20; i += 1) pacer.throttled();

    expect(afterOne).toBe(5);
    expect(pacer.ratePerSecond).toBe(0.5);
    expect(pacer.throttleCount).toBe(21);
    expect(pacer.reserve()).toBe(2_000);
  });

  it('regains increasePerSecond for each second of launches at its rate, up to the ceiling', () => {
    const { pacer } = pacerAt();
    pacer.throttled(); // 5/s

    for (let i = 0; i < 5; i += 1) pacer.succeeded(); // one second's worth at 5/s

    // +1/rate per success: just under +1 over the second, as the rate rises while it is regained.
    expect(pacer.ratePerSecond).toBeGreaterThan(5.9);
    expect(pacer.ratePerSecond).toBeLessThanOrEqual(6);
    for (let i = 0; i < 1_000; i += 1) pacer.succeeded();
    expect(pacer.ratePerSecond).toBe(10);
  });

  it('refuses settings that could never send or never back off', () => {
    expect(() => new LaunchPacer({ ...SETTINGS, ceilingPerSecond: 0 })).toThrow(RangeError);
    expect(() => new LaunchPacer({ ...SETTINGS, floorPerSecond: 0 })).toThrow(RangeError);
    expect(() => new LaunchPacer({ ...SETTINGS, floorPerSecond: 11 })).toThrow(RangeError);
    expect(() => new LaunchPacer({ ...SETTINGS, decreaseFactor: 1 })).toThrow(RangeError);
  });

  it('never sends more than burst + ceiling x T in any window of T seconds, whatever the outcomes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 2_000 }), throttled: fc.boolean() }), {
          minLength: 1,
          maxLength: 200,
        }),
        (calls) => {
          const { clock, pacer } = pacerAt();
          const sentAt: number[] = [];
          for (const call of calls) {
            clock.now += call.gapMs;
            const wait = pacer.reserve()!;
            clock.now += wait;
            sentAt.push(clock.now);
            if (call.throttled) pacer.throttled();
            else pacer.succeeded();
          }
          for (let i = 0; i < sentAt.length; i += 1) {
            for (let j = i; j < sentAt.length; j += 1) {
              const windowSeconds = (sentAt[j]! - sentAt[i]!) / 1000;
              expect(j - i + 1).toBeLessThanOrEqual(
                SETTINGS.burst + SETTINGS.ceilingPerSecond * windowSeconds + 1e-9,
              );
            }
          }
        },
      ),
      { numRuns: 200, seed: 20261207 },
    );
  });
});

describe('Function: paceSettings', () => {
  it('gives each instance its share of the ceiling, so all instances together stay under it', () => {
    const settings = paceSettings(20, 2);

    expect(settings).toEqual({
      ceilingPerSecond: 10,
      floorPerSecond: 0.2,
      increasePerSecond: 1,
      decreaseFactor: 0.5,
      burst: 10,
    });
  });

  it('keeps a positive floor and a burst of at least one for a tiny share', () => {
    const settings = paceSettings(1, 1000);

    expect(settings.ceilingPerSecond).toBe(0.001);
    expect(settings.floorPerSecond).toBe(0.001);
    expect(settings.burst).toBe(1);
  });
});
