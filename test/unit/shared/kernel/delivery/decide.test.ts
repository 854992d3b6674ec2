import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  backoffSeconds,
  decideDelivery,
  MAX_DEFERRALS,
  MAX_DELAY_SECONDS,
  type DeliveryAction,
  type DeliveryState,
  type RecordOutcome,
} from '../../../../../shared/kernel/delivery/decide';

const settings = { maxAttempts: 8, retryBaseSeconds: 10 };
const ceilingFor = (base: number, attempt: number) => Math.min(900, base * 2 ** (attempt - 1));

/** The smallest and largest value the random source can give. */
const LOWEST = () => 0;
const HIGHEST = () => 1 - Number.EPSILON;

describe('Function: backoffSeconds', () => {
  it.each([
    // base, step, random, expected
    [10, 1, 0, 5],
    [10, 1, 0.5, 8],
    [10, 1, 1 - Number.EPSILON, 10],
    [10, 2, 0, 10],
    [10, 3, 0, 20],
    [10, 3, 0.5, 30],
    [10, 7, 0, 320],
    [10, 7, 1 - Number.EPSILON, 640],
    [10, 8, 0, 450],
    [10, 8, 1 - Number.EPSILON, 900],
    [600, 2, 0, 450],
    [900, 1, 0, 450],
    [1, 1, 0, 1],
    [60, 1, 0, 30],
  ])('gives base %i, step %i, random %d a delay of %i s', (base, step, random, expected) => {
    expect(backoffSeconds(base, step, () => random)).toBe(expected);
  });

  it('treats step 0 like step 1', () => {
    expect(backoffSeconds(10, 0, LOWEST)).toBe(backoffSeconds(10, 1, LOWEST));
  });

  it('stays at 900 s for huge steps instead of overflowing', () => {
    expect(backoffSeconds(900, 10_000, HIGHEST)).toBe(900);
    expect(backoffSeconds(900, 10_000, LOWEST)).toBe(450);
  });

  it('uses Math.random by default and stays within [ceiling/2, ceiling]', () => {
    for (let i = 0; i < 100; i++) {
      const delay = backoffSeconds(10, 4);
      expect(delay).toBeGreaterThanOrEqual(40);
      expect(delay).toBeLessThanOrEqual(80);
    }
  });

  it('never exceeds 900 s and stays within [ceiling/2, ceiling] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 900 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (step, base, random) => {
          const delay = backoffSeconds(base, step, () => random);
          const ceiling = ceilingFor(base, step);

          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeLessThanOrEqual(MAX_DELAY_SECONDS);
          expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
          expect(delay).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
  });
});

describe('Function: decideDelivery', () => {
  const done: RecordOutcome = { kind: 'done' };
  const permanent: RecordOutcome = { kind: 'permanent', reason: 'PermanentError: no such task definition' };
  const retryable: RecordOutcome = { kind: 'retryable', reason: 'RetryableError: RESOURCE:MEMORY' };
  const deferred: RecordOutcome = { kind: 'deferred', reason: '50 tasks running (maxRunning 50)' };
  const state = (attempt: number, deferrals = 0): DeliveryState => ({ attempt, deferrals });

  it.each<[string, RecordOutcome, DeliveryState, DeliveryAction]>([
    ['done on the first attempt', done, state(1), { action: 'ack' }],
    ['done after the last attempt', done, state(99), { action: 'ack' }],
    ['done after deferrals', done, state(1, MAX_DEFERRALS), { action: 'ack' }],
    [
      'permanent on the first attempt',
      permanent,
      state(1),
      { action: 'dead-letter', reason: 'permanent failure: PermanentError: no such task definition' },
    ],
    [
      'retryable on the last attempt',
      retryable,
      state(8),
      {
        action: 'dead-letter',
        reason: 'gave up after 8 attempts; last error: RetryableError: RESOURCE:MEMORY',
      },
    ],
    [
      'retryable past the last attempt (a crash skipped the decision)',
      retryable,
      state(10),
      {
        action: 'dead-letter',
        reason: 'gave up after 10 attempts; last error: RetryableError: RESOURCE:MEMORY',
      },
    ],
    [
      'retryable on the first attempt',
      retryable,
      state(1),
      { action: 'retry', delaySeconds: 5, reason: 'RetryableError: RESOURCE:MEMORY' },
    ],
    [
      'deferred for the first time',
      deferred,
      state(1, 0),
      { action: 'defer', delaySeconds: 30, deferrals: 1, reason: '50 tasks running (maxRunning 50)' },
    ],
    [
      `deferred for the ${MAX_DEFERRALS}th time`,
      deferred,
      state(1, MAX_DEFERRALS - 1),
      {
        action: 'defer',
        delaySeconds: 450,
        deferrals: MAX_DEFERRALS,
        reason: '50 tasks running (maxRunning 50)',
      },
    ],
    [
      `deferred after ${MAX_DEFERRALS} deferrals`,
      deferred,
      state(1, MAX_DEFERRALS),
      {
        action: 'dead-letter',
        reason: `still deferred after ${MAX_DEFERRALS} deferrals: 50 tasks running (maxRunning 50)`,
      },
    ],
  ])('decides %s', (_label, outcome, deliveryState, expected) => {
    expect(decideDelivery(outcome, deliveryState, settings, LOWEST)).toEqual(expected);
  });

  it('dead-letters a permanent failure at once, without drawing a random delay', () => {
    const random = vi.fn(() => 0.5);

    const action = decideDelivery(permanent, state(1), settings, random);

    expect(action.action).toBe('dead-letter');
    expect(random).not.toHaveBeenCalled();
  });

  it.each([1, 2, 3, 4, 5, 6, 7])(
    'retries a retryable failure on attempt %i with a delay in [ceiling/2, ceiling]',
    (attempt) => {
      // Prepare
      const ceiling = ceilingFor(settings.retryBaseSeconds, attempt);

      // Act
      const low = decideDelivery(retryable, state(attempt), settings, LOWEST);
      const high = decideDelivery(retryable, state(attempt), settings, HIGHEST);

      // Assess
      expect(low).toEqual({
        action: 'retry',
        delaySeconds: Math.ceil(ceiling / 2),
        reason: retryable.reason,
      });
      expect(high).toEqual({ action: 'retry', delaySeconds: ceiling, reason: retryable.reason });
    },
  );

  it('caps the retry delay at 900 s for a large base', () => {
    const action = decideDelivery(retryable, state(3), { maxAttempts: 50, retryBaseSeconds: 900 }, HIGHEST);

    expect(action).toEqual({ action: 'retry', delaySeconds: 900, reason: retryable.reason });
  });

  it('dead-letters the first retryable failure when maxAttempts is 1', () => {
    expect(decideDelivery(retryable, state(1), { maxAttempts: 1, retryBaseSeconds: 10 }, LOWEST)).toEqual({
      action: 'dead-letter',
      reason: 'gave up after 1 attempts; last error: RetryableError: RESOURCE:MEMORY',
    });
  });

  it('defers without regard to the attempt count, so a cap never spends attempts', () => {
    const early = decideDelivery(deferred, state(1, 3), settings, LOWEST);
    const late = decideDelivery(deferred, state(settings.maxAttempts + 5, 3), settings, LOWEST);

    expect(late).toEqual(early);
    expect(late).toMatchObject({ action: 'defer', deferrals: 4 });
  });

  it('grows the deferral delay from 60 s base and caps it at 900 s', () => {
    const delays = [0, 1, 2, 3, 4, 10].map(
      (deferrals) =>
        (decideDelivery(deferred, state(1, deferrals), settings, HIGHEST) as { delaySeconds: number })
          .delaySeconds,
    );

    expect(delays).toEqual([60, 120, 240, 480, 900, 900]);
  });

  it('never asks for a delay over 900 s (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: MAX_DEFERRALS + 5 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 900 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.constantFrom<RecordOutcome>(done, permanent, retryable, deferred),
        (attempt, deferrals, maxAttempts, retryBaseSeconds, random, outcome) => {
          const action = decideDelivery(
            outcome,
            state(attempt, deferrals),
            { maxAttempts, retryBaseSeconds },
            () => random,
          );

          if (action.action === 'retry' || action.action === 'defer') {
            expect(action.delaySeconds).toBeGreaterThanOrEqual(1);
            expect(action.delaySeconds).toBeLessThanOrEqual(MAX_DELAY_SECONDS);
          }
          if (action.action === 'retry') {
            const ceiling = ceilingFor(retryBaseSeconds, attempt);
            expect(action.delaySeconds).toBeGreaterThanOrEqual(ceiling / 2);
            expect(action.delaySeconds).toBeLessThanOrEqual(ceiling);
          }
        },
      ),
    );
  });
});
