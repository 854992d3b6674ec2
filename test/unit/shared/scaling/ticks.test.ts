import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  chainsOf,
  continuesChain,
  MAX_DELAY_SECONDS,
  nextTick,
  slotAt,
  slotStart,
  slotToClaim,
} from '../../../../shared/scaling/ticks';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const scaler = (name: string, intervalSeconds: number, idleOncePerMinute = false) => ({
  name,
  intervalSeconds,
  idleOncePerMinute,
});

describe('Function: chainsOf', () => {
  it('puts scalers of one interval in one chain, shortest interval first, in config order', () => {
    const chains = chainsOf([scaler('a', 30), scaler('b', 10), scaler('c', 30)]);

    expect(chains.map((c) => [c.intervalSeconds, c.scalers.map((s) => s.name)])).toEqual([
      [10, ['b']],
      [30, ['a', 'c']],
    ]);
  });

  it('has no chain without scalers', () => {
    expect(chainsOf([])).toEqual([]);
  });
});

describe('Function: slotToClaim', () => {
  it.each([
    ['the heartbeat, at the start of a slot', undefined, T0, T0 / 10_000],
    ['the heartbeat, within a slot', undefined, T0 + 9_999, T0 / 10_000],
    ['a tick on time', T0 / 10_000, T0 + 300, T0 / 10_000],
    ['a tick a little early (the slot it was sent for)', T0 / 10_000, T0 - 400, T0 / 10_000],
    [
      'a late tick (the slot it runs in, not the one that is over)',
      T0 / 10_000,
      T0 + 25_000,
      T0 / 10_000 + 2,
    ],
    ['a tick far ahead of its time (no further than the next slot)', T0 / 10_000 + 50, T0, T0 / 10_000 + 1],
  ])('%s', (_case, requested, now, expected) => {
    expect(slotToClaim(10, now, requested)).toBe(expected);
  });

  it('never claims a slot that is over, nor one past the next', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 60 }),
        fc.integer({ min: 0, max: 4e12 }),
        fc.option(fc.integer({ min: 0, max: 4e8 }), { nil: undefined }),
        (interval, now, requested) => {
          const slot = slotToClaim(interval, now, requested);
          expect(slot).toBeGreaterThanOrEqual(slotAt(interval, now));
          expect(slot).toBeLessThanOrEqual(slotAt(interval, now) + 1);
        },
      ),
    );
  });
});

describe('Function: nextTick', () => {
  it.each([
    ['sent at the start of its slot', T0, { slot: T0 / 10_000 + 1, delaySeconds: 10 }],
    [
      'sent 0.3 s into its slot (rounded up: never early)',
      T0 + 300,
      { slot: T0 / 10_000 + 1, delaySeconds: 10 },
    ],
    ['sent 4.5 s into its slot', T0 + 4_500, { slot: T0 / 10_000 + 1, delaySeconds: 6 }],
    [
      'sent after the next slot began (a slow evaluation)',
      T0 + 12_000,
      { slot: T0 / 10_000 + 1, delaySeconds: 0 },
    ],
  ])('%s', (_case, now, expected) => {
    expect(nextTick(10, T0 / 10_000, now)).toEqual(expected);
  });

  it('arrives within half a second of its slot’s start, whenever within the slot it is sent', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 60 }),
        fc.integer({ min: 0, max: 4e8 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (interval, slot, into) => {
          const now = slotStart(interval, slot) + Math.floor(into * interval * 1000);
          const next = nextTick(interval, slot, now);
          const arrival = now + next.delaySeconds * 1000;
          expect(next.slot).toBe(slot + 1);
          expect(Math.abs(arrival - slotStart(interval, slot + 1))).toBeLessThanOrEqual(500);
          expect(next.delaySeconds).toBeLessThanOrEqual(MAX_DELAY_SECONDS);
        },
      ),
    );
  });
});

describe('Function: continuesChain', () => {
  const idle =
    (...names: string[]) =>
    (name: string) =>
      names.includes(name);

  it.each([
    ['a chain of 10 s with a busy scaler', [scaler('a', 10)], idle(), true],
    ['a chain of 10 s whose scalers are idle but not opted in', [scaler('a', 10)], idle('a'), true],
    [
      'idle, one of two opted into idleOncePerMinute',
      [scaler('a', 10, true), scaler('b', 10)],
      idle('a', 'b'),
      true,
    ],
    ['opted in but one busy', [scaler('a', 10, true), scaler('b', 10, true)], idle('a'), true],
    [
      'every scaler opted in and idle (the heartbeat restarts it)',
      [scaler('a', 10, true), scaler('b', 10, true)],
      idle('a', 'b'),
      false,
    ],
    ['a chain of 60 s (the heartbeat alone)', [scaler('a', 60)], idle(), false],
  ])('%s: %s', (_case, scalers, isIdle, expected) => {
    expect(continuesChain({ intervalSeconds: scalers[0]!.intervalSeconds, scalers }, isIdle)).toBe(expected);
  });
});
