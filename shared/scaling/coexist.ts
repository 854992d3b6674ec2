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
 */
export function clampToTarget(
  decision: ScaleDecision,
  current: number,
  target?: TargetBounds,
): BoundedDecision {
  if (!target || decision.change === 'none') return decision;
  const desired = Math.min(target.max, Math.max(target.min, decision.desired));
  if (desired === decision.desired) return decision;
  const range = `Application Auto Scaling target allows ${target.min}..${target.max}`;
  if (desired === current) {
    return {
      ...decision,
      desired,
      change: 'none',
      reason: `${decision.reason}; ${range}: keeping ${current}`,
      clampedBy: target,
    };
  }
  return {
    ...decision,
    desired,
    change: desired > current ? 'out' : 'in',
    reason: `${decision.reason}; ${range}: setting ${desired} instead`,
    clampedBy: target,
  };
}
