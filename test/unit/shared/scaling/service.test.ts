import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../../../shared/kernel/errors';
import {
  evaluateScaler,
  SETTLE_MS,
  type BoundsCache,
  type ScalingAdapters,
} from '../../../../shared/scaling/service';
import { recordingLogger } from '../../../helpers/log';
import { fakeAdapters, parsedScaler } from './fixtures';

const T0 = Date.parse('2026-03-02T10:00:00Z');

const scaler = parsedScaler;

const tools = (adapters: ScalingAdapters, now = T0, bounds: BoundsCache = new Map()) => ({
  adapters,
  now,
  bounds,
  logger: recordingLogger(),
});

describe('Function: evaluateScaler', () => {
  it('reads the state before observing, saves it before acting, then updates the service', async () => {
    const adapters = fakeAdapters({ visible: 1 });

    const result = await evaluateScaler(scaler(), tools(adapters));

    expect(result).toMatchObject({ outcome: 'scale-out', desired: 1, backlog: 1 });
    expect(adapters.calls).toEqual(['readState', 'depth', 'describe', 'bounds', 'saveState', 'setDesired 1']);
  });

  it('writes nothing and changes nothing when neither the count nor the state changes (an empty queue)', async () => {
    const adapters = fakeAdapters({ visible: 0, desired: 0 });

    const result = await evaluateScaler(scaler(), tools(adapters));

    expect(result.outcome).toBe('unchanged');
    expect(adapters.calls).toEqual(['readState', 'depth', 'describe', 'bounds']);
  });

  it('saves the backlog it saw, without touching the service, while messages wait (for the surge estimate)', async () => {
    const adapters = fakeAdapters({ visible: 20, desired: 2 });

    const result = await evaluateScaler(scaler(), tools(adapters));

    expect(result.outcome).toBe('unchanged');
    expect(adapters.calls).toEqual(['readState', 'depth', 'describe', 'bounds', 'saveState']);
    expect(adapters.store.get('video-workers')).toEqual({
      backlog: 20,
      backlogAt: new Date(T0).toISOString(),
      version: 1,
    });
  });

  it('saves the scale-in timer without touching the service while the backlog is low', async () => {
    const adapters = fakeAdapters({ visible: 0, desired: 2 });

    const result = await evaluateScaler(scaler(), tools(adapters));

    expect(result.outcome).toBe('unchanged');
    expect(adapters.store.get('video-workers')).toEqual({ lowSince: new Date(T0).toISOString(), version: 1 });
    expect(adapters.calls).not.toContain('setDesired 0');
  });

  it('does nothing but log when another evaluation saved first', async () => {
    const adapters = fakeAdapters({ visible: 50 });
    adapters.saveState = async () => false;
    const t = tools(adapters);

    const result = await evaluateScaler(scaler(), t);

    expect(result.outcome).toBe('conflict');
    expect(adapters.calls.some((c) => c.startsWith('setDesired'))).toBe(false);
    expect(t.logger.at('warn', 'scaling decision')[0]?.extra).toMatchObject({
      decision: 'conflict',
      scaler: 'video-workers',
    });
  });

  it.each([
    ['a permanent error', new PermanentError('DescribeServices: MISSING'), false],
    ['a retryable error', new RetryableError('DescribeServices: ThrottlingException'), true],
    ['an unclassified error', new Error('socket hang up'), true],
  ])('returns "failed" without throwing on %s, naming the scaler', async (_case, error, retryable) => {
    const adapters = fakeAdapters({ visible: 50 });
    adapters.describe = () => Promise.reject(error);
    const t = tools(adapters);

    const result = await evaluateScaler(scaler(), t);

    expect(result).toMatchObject({ outcome: 'failed', retryable });
    expect(adapters.calls.some((c) => c.startsWith('setDesired') || c === 'saveState')).toBe(false);
    expect(t.logger.at('error', 'scaling decision')[0]?.extra).toMatchObject({
      decision: 'failed',
      scaler: 'video-workers',
      reason: expect.stringContaining('no change made, the next evaluation tries again'),
    });
  });

  it('reports a failed UpdateService as failed (the saved timer is harmless: the next evaluation decides again)', async () => {
    const adapters = fakeAdapters({ visible: 50 });
    adapters.setDesired = () => Promise.reject(new RetryableError('UpdateService: ThrottlingException'));

    expect((await evaluateScaler(scaler(), tools(adapters))).outcome).toBe('failed');
  });

  it.each([
    ['a scale-out', { visible: 50, desired: 2 }, 5],
    ['a scale-in', { visible: 0, desired: 2 }, 0],
  ])(
    'waits, changing nothing, while %s another evaluation saved is not in DescribeServices yet',
    async (_case, world, saved) => {
      const adapters = fakeAdapters(world);
      adapters.readState = async () => ({
        state: {},
        version: 4,
        lastChange: { desired: saved, at: new Date(T0 - 2_000).toISOString() },
      });
      const t = tools(adapters);

      const result = await evaluateScaler(scaler(), t);

      expect(result.outcome).toBe('conflict');
      expect(adapters.calls).toEqual(['depth', 'describe', 'bounds']);
      expect(t.logger.at('warn', 'scaling decision')[0]?.extra.reason).toContain(
        `the change to ${saved} saved at`,
      );
    },
  );

  it.each([
    ['shows the saved change', 5, T0 - 2_000, 'unchanged'],
    [
      'does not show a change saved SETTLE_MS ago (its invocation has timed out)',
      9,
      T0 - SETTLE_MS,
      'scale-out',
    ],
    ['does not show a change saved SETTLE_MS ahead of this clock', 9, T0 + SETTLE_MS, 'scale-out'],
  ])('decides as usual when DescribeServices %s', async (_case, saved, at, outcome) => {
    const adapters = fakeAdapters({ visible: 50, desired: 5 });
    adapters.readState = async () => ({
      state: {},
      version: 4,
      lastChange: { desired: saved, at: new Date(at).toISOString() },
    });
    adapters.store.set('video-workers', { version: 4 });
    if (outcome === 'scale-out') adapters.describe = async () => ({ desired: 2, running: 2 });

    expect((await evaluateScaler(scaler(), tools(adapters))).outcome).toBe(outcome);
  });

  it('puts the state back when UpdateService fails, so the next evaluation scales in without a new wait', async () => {
    const adapters = fakeAdapters({ visible: 0, desired: 3 });
    const lowSince = new Date(T0 - 10 * 60_000).toISOString();
    adapters.store.set('video-workers', { lowSince, version: 7 });
    const setDesired = adapters.setDesired;
    adapters.setDesired = () => Promise.reject(new RetryableError('UpdateService: ThrottlingException'));

    const failed = await evaluateScaler(scaler(), tools(adapters));
    const stored = adapters.store.get('video-workers');
    adapters.setDesired = setDesired;
    const retried = await evaluateScaler(scaler(), tools(adapters, T0 + 60_000));

    expect(failed.outcome).toBe('failed');
    expect(stored).toEqual({ lowSince, version: 9 });
    expect(retried).toMatchObject({ outcome: 'scale-in', desired: 0 });
  });

  it('fails an evaluation whose figures are not whole numbers rather than guess', async () => {
    const adapters = fakeAdapters();
    adapters.depth = async () => ({ visible: -1, inFlight: 0, delayed: 0 });

    const result = await evaluateScaler(scaler(), tools(adapters));

    expect(result).toMatchObject({ outcome: 'failed', retryable: false });
  });
});
