import { describe, expect, it } from 'vitest';
import { planTicks } from '../../../../shared/scaling/ticks';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const scaler = (name: string, intervalSeconds: number) => ({ name, intervalSeconds });
const offsets = (ticks: ReturnType<typeof planTicks<{ name: string; intervalSeconds: number }>>) =>
  ticks.map((t) => [(t.at - T0) / 1000, t.scalers.map((s) => s.name)]);

describe('Function: planTicks', () => {
  it.each([
    [60, [0]],
    [30, [0, 30]],
    [20, [0, 20, 40]],
    [15, [0, 15, 30, 45]],
    [10, [0, 10, 20, 30, 40, 50]],
    [45, [0, 45]],
  ])('evaluates a scaler with intervalSeconds %i at %j s into the minute', (interval, expected) => {
    const ticks = planTicks([scaler('a', interval)], { now: T0, anchor: T0 });

    expect(offsets(ticks).map(([at]) => at)).toEqual(expected);
  });

  it('shares ticks between scalers due at the same moment, in time order', () => {
    const ticks = planTicks([scaler('slow', 30), scaler('fast', 20)], { now: T0 });

    expect(offsets(ticks)).toEqual([
      [0, ['slow', 'fast']],
      [20, ['fast']],
      [30, ['slow']],
      [40, ['fast']],
    ]);
  });

  it('collapses evaluations already past (a late start) into one at once, and keeps the rest of the minute', () => {
    const now = T0 + 25_000;

    const ticks = planTicks([scaler('a', 10)], { now, anchor: T0 });

    expect(ticks.map((t) => (t.at - T0) / 1000)).toEqual([25, 30, 40, 50]);
  });

  it('starts the window now when the anchor is in the future (clock skew)', () => {
    const ticks = planTicks([scaler('a', 30)], { now: T0, anchor: T0 + 5_000 });

    expect(ticks.map((t) => (t.at - T0) / 1000)).toEqual([0, 30]);
  });

  it.each([
    ['a whole minute', T0 - 60_000],
    ['several minutes', T0 - 5 * 60_000],
  ])(
    'evaluates once when the invocation is %s late, rather than overlap the next one all minute',
    (_case, anchor) => {
      const ticks = planTicks([scaler('a', 10), scaler('b', 30)], { now: T0, anchor });

      expect(offsets(ticks)).toEqual([[0, ['a', 'b']]]);
    },
  );

  it('plans nothing without scalers', () => {
    expect(planTicks([], { now: T0 })).toEqual([]);
  });
});
