import { describe, expect, it } from 'vitest';
import { clampToTarget } from '../../../../shared/scaling/coexist';
import type { ScaleDecision } from '../../../../shared/scaling/decide';

const decision = (desired: number, change: ScaleDecision['change']): ScaleDecision => ({
  desired,
  change,
  reason: 'policy',
  state: {},
});

describe('Function: clampToTarget', () => {
  it('leaves a decision alone without a scalable target', () => {
    expect(clampToTarget(decision(9, 'out'), 2, undefined)).toEqual(decision(9, 'out'));
  });

  it('leaves a decision inside the target’s range alone', () => {
    expect(clampToTarget(decision(3, 'out'), 1, { min: 1, max: 5 })).toEqual(decision(3, 'out'));
  });

  it('scales out only to MaxCapacity, and says so', () => {
    const bounded = clampToTarget(decision(9, 'out'), 1, { min: 1, max: 5 });

    expect(bounded).toMatchObject({ desired: 5, change: 'out', clampedBy: { min: 1, max: 5 } });
    expect(bounded.reason).toBe('policy; Application Auto Scaling target allows 1..5: setting 5 instead');
  });

  it('scales in only to MinCapacity', () => {
    expect(clampToTarget(decision(0, 'in'), 4, { min: 2, max: 5 })).toMatchObject({
      desired: 2,
      change: 'in',
    });
  });

  it('turns a change the target forbids entirely into no change', () => {
    const bounded = clampToTarget(decision(1, 'in'), 3, { min: 3, max: 5 });

    expect(bounded).toMatchObject({ desired: 3, change: 'none', clampedBy: { min: 3, max: 5 } });
    expect(bounded.reason).toContain('allows 3..5: keeping 3');
  });

  it('never turns "no change" into a change, even outside the range', () => {
    expect(clampToTarget(decision(0, 'none'), 0, { min: 2, max: 5 })).toEqual(decision(0, 'none'));
  });

  it('never turns a scale-out into a scale-in when the count is above MaxCapacity: the backlog wants more tasks', () => {
    const bounded = clampToTarget(decision(12, 'out'), 10, { min: 2, max: 5 });

    expect(bounded).toMatchObject({ desired: 10, change: 'none', clampedBy: { min: 2, max: 5 } });
    expect(bounded.reason).toContain(
      'desired 10 is outside that range; leaving it to Application Auto Scaling',
    );
  });

  it('never turns a scale-in into a scale-out when the count is below MinCapacity', () => {
    expect(clampToTarget(decision(0, 'in'), 1, { min: 3, max: 5 })).toMatchObject({
      desired: 1,
      change: 'none',
    });
  });

  it.each([
    ['blocks a scale-in entirely', 3, { min: 3, max: 5 }, 3, 'none'],
    ['shortens a scale-in', 4, { min: 2, max: 5 }, 2, 'in'],
  ])('keeps the scale-in timer running when MinCapacity %s', (_case, current, range, desired, change) => {
    const scaleIn: ScaleDecision = { ...decision(0, 'in'), lowSince: '2026-03-02T09:50:00.000Z' };

    expect(clampToTarget(scaleIn, current, range)).toMatchObject({
      desired,
      change,
      state: { lowSince: '2026-03-02T09:50:00.000Z' },
    });
  });

  it('keeps the backlog seen beside the scale-in timer when MinCapacity shortens a scale-in', () => {
    const seen = { backlog: 3, backlogAt: '2026-03-02T10:00:00.000Z' };
    const scaleIn: ScaleDecision = {
      ...decision(0, 'in'),
      state: seen,
      lowSince: '2026-03-02T09:50:00.000Z',
    };

    expect(clampToTarget(scaleIn, 4, { min: 2, max: 5 }).state).toEqual({
      ...seen,
      lowSince: '2026-03-02T09:50:00.000Z',
    });
  });
});
