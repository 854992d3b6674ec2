import type { ScaleDecision } from './decide.js';

/** An Application Auto Scaling target's capacity range (MinCapacity, MaxCapacity). */
export interface TargetBounds {
  min: number;
  max: number;
}

/** A decision after Application Auto Scaling's bounds were applied. */
export interface BoundedDecision extends ScaleDecision {
  /** The range that changed the decision, when it did. */
  clampedBy?: TargetBounds;
}

/**
 * Keeps a change inside an Application Auto Scaling target's MinCapacity..MaxCapacity, so that
 * ecs-pilot never sets a count App AS would itself correct (which would make the two flap).
 * Only changes are bounded: a decision to leave the count alone stays one, whatever it is.
 *
 * - A clamp never turns a change around: a scale-out never becomes a scale-in (removing tasks while
 *   the backlog asks for more, when the count is above MaxCapacity) nor a scale-in a scale-out; the
 *   count is kept and the range left to Application Auto Scaling.
 * - A scale-in that MinCapacity shortens or blocks keeps the scale-in timer running: when the range
 *   is lowered, the service scales in at the next evaluation instead of waiting all over again.
 */
export function clampToTarget(
  decision: ScaleDecision,
  current: number,
  target?: TargetBounds,
): BoundedDecision {
  if (!target || decision.change === 'none') return decision;
  const bounded = Math.min(target.max, Math.max(target.min, decision.desired));
  if (bounded === decision.desired) return decision;
  const range = `Application Auto Scaling target allows ${target.min}..${target.max}`;
  const turned = decision.change === 'out' ? bounded < current : bounded > current;
  const desired = turned ? current : bounded;
  // Scaled in less than decided: the backlog is still low for the count that remains.
  const state =
    decision.change === 'in' && decision.lowSince !== undefined
      ? { ...decision.state, lowSince: decision.lowSince }
      : decision.state;
  if (desired === current) {
    const why = turned
      ? `desired ${current} is outside that range; leaving it to Application Auto Scaling, keeping ${current}`
      : `keeping ${current}`;
    return {
      ...decision,
      desired,
      change: 'none',
      reason: `${decision.reason}; ${range}: ${why}`,
      state,
      clampedBy: target,
    };
  }
  return {
    ...decision,
    desired,
    change: decision.change,
    reason: `${decision.reason}; ${range}: setting ${desired} instead`,
    state,
    clampedBy: target,
  };
}
