import { describe, expect, it } from 'vitest';
import { atSimulatedTime } from '../../../local/clock.js';

describe('Function: atSimulatedTime', () => {
  it('moves what code reads as now to the given time while the callback runs', async () => {
    const at = new Date('2031-01-02T03:04:05Z');

    const [now, constructed] = await atSimulatedTime(at, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return [Date.now(), new Date().getTime()];
    });

    expect(now - at.getTime()).toBeGreaterThanOrEqual(0);
    expect(now - at.getTime()).toBeLessThan(1_000);
    expect(constructed - at.getTime()).toBeLessThan(1_000);
  });

  it('leaves dates built from a value alone, and restores the real clock afterwards, also on error', async () => {
    const at = new Date('2031-01-02T03:04:05Z');

    await expect(
      atSimulatedTime(at, async () => {
        expect(new Date('2020-05-06T00:00:00Z').toISOString()).toBe('2020-05-06T00:00:00.000Z');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    expect(Math.abs(Date.now() - new Date().getTime())).toBeLessThan(1_000);
    expect(new Date().getFullYear()).toBeLessThan(2031);
  });
});
