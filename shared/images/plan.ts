/**
 * The enforcement plan: the lifecycle rules (engine.ts), then in-use protection (protect.ts), then image
 * indexes keeping their children, then the run-wide cap and doubts. Pure; every image gets one decision
 * with its reason, and every repository says why nothing may be deleted when that is the case.
 */
import { previewLifecycle } from './engine.js';
import type { LifecyclePolicy } from './policy.js';
import { isIndex, type Protection, type RegistryImage } from './protect.js';

/**
 * Why an image is kept or deleted: `rule` (a rule keeps it), `no-rule` (no rule selects it), `in-use`
 * (a rule expires it but something uses it), `index-child` (it belongs to a kept image index),
 * `expired` (a rule expires it and nothing protects it).
 */
export type DecisionCause = 'rule' | 'no-rule' | 'in-use' | 'index-child' | 'expired';

export interface ImageDecisionWithUse {
  digest: string;
  tags: readonly string[];
  pushedAt: Date;
  action: 'keep' | 'delete';
  cause: DecisionCause;
  rulePriority?: number;
  reason: string;
}

export interface RepositoryCounts {
  images: number;
  /** Kept because a rule keeps them, or no rule selects them. */
  keptByRules: number;
  /** Expired by a rule but kept: in use, or a child of a kept image index. */
  keptInUse: number;
  /** Expired by a rule and not protected: what enforcement deletes. */
  expired: number;
}

export interface RepositoryPlan {
  repository: string;
  /** One decision per image, oldest first. */
  decisions: ImageDecisionWithUse[];
  counts: RepositoryCounts;
  /** Digests to delete (the `expired` ones), oldest first. */
  deletes: string[];
  /**
   * The same digests in the order they must go: image indexes before the manifests they list (ECR
   * refuses to delete a manifest an index still lists: ImageReferencedByManifestList), each phase in
   * its own BatchDeleteImage calls. One phase when no index expires.
   */
  deletePhases: string[][];
  /** References that cannot be resolved, index manifests that cannot be read: nothing here is deleted. */
  doubts: string[];
}

/** At most this many reasons are quoted for one image; the rest are counted. */
export const MAX_REASONS_PER_IMAGE = 3;

function usedBy(reasons: readonly string[]): string {
  const shown = reasons.slice(0, MAX_REASONS_PER_IMAGE).join('; ');
  const more = reasons.length - MAX_REASONS_PER_IMAGE;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

const short = (digest: string) => digest.slice(0, digest.indexOf(':') + 13);

/**
 * Plans one repository. `children` maps each image index's digest to the manifests it lists; an index
 * that is kept keeps them (deleting one would break the index for that platform), transitively.
 */
export function planRepository(input: {
  repository: string;
  policy: LifecyclePolicy;
  images: readonly RegistryImage[];
  protection: Protection;
  children: ReadonlyMap<string, readonly string[]>;
  now: Date;
}): RepositoryPlan {
  const { protection, children } = input;
  const doubts = [...protection.doubts];
  for (const image of input.images) {
    if (isIndex(image) && !children.has(image.imageDigest)) {
      doubts.push(`image index ${short(image.imageDigest)} could not be read: its children are unknown`);
    }
  }
  const plan = previewLifecycle(input.policy, input.images, input.now);
  const decisions: ImageDecisionWithUse[] = plan.results.map((result) => {
    const digest = result.image.imageDigest;
    const uses = protection.inUse.get(digest);
    const base = {
      digest,
      tags: result.image.imageTags,
      pushedAt: result.image.imagePushedAt,
      ...(result.rulePriority === undefined ? {} : { rulePriority: result.rulePriority }),
    };
    if (!result.expire) {
      const cause: DecisionCause = result.rulePriority === undefined ? 'no-rule' : 'rule';
      const reason = uses ? `${result.reason}; also in use: ${usedBy(uses)}` : result.reason;
      return { ...base, action: 'keep', cause, reason };
    }
    if (uses) {
      return {
        ...base,
        action: 'keep',
        cause: 'in-use',
        reason: `kept: in use, ${usedBy(uses)} (${result.reason})`,
      };
    }
    return { ...base, action: 'delete', cause: 'expired', reason: result.reason };
  });
  keepIndexChildren(decisions, children);
  const deletes = decisions.filter((d) => d.action === 'delete').map((d) => d.digest);
  const indexes = new Set(input.images.filter(isIndex).map((i) => i.imageDigest));
  const keptInUse = decisions.filter((d) => d.cause === 'in-use' || d.cause === 'index-child').length;
  return {
    repository: input.repository,
    decisions,
    counts: {
      images: decisions.length,
      keptByRules: decisions.length - keptInUse - deletes.length,
      keptInUse,
      expired: deletes.length,
    },
    deletes,
    deletePhases: deletePhases(deletes, indexes, children),
    doubts,
  };
}

/**
 * Orders deletions so that no manifest is deleted while an index being deleted still lists it: the
 * indexes no other deleted index lists first, then those they list, …, then every other image.
 */
function deletePhases(
  deletes: readonly string[],
  indexes: ReadonlySet<string>,
  children: ReadonlyMap<string, readonly string[]>,
): string[][] {
  let pending = deletes.filter((d) => indexes.has(d));
  const phases: string[][] = [];
  while (pending.length > 0) {
    const listed = new Set(pending.flatMap((d) => children.get(d) ?? []));
    const free = pending.filter((d) => !listed.has(d));
    // A cycle cannot be pushed to a registry; should one appear, delete the rest together.
    const phase = free.length > 0 ? free : pending;
    phases.push(phase);
    const done = new Set(phase);
    pending = pending.filter((d) => !done.has(d));
  }
  const rest = deletes.filter((d) => !indexes.has(d));
  if (rest.length > 0) phases.push(rest);
  return phases;
}

function keepIndexChildren(
  decisions: ImageDecisionWithUse[],
  children: ReadonlyMap<string, readonly string[]>,
): void {
  const byDigest = new Map(decisions.map((d) => [d.digest, d]));
  const pending = decisions.filter((d) => d.action === 'keep' && children.has(d.digest));
  while (pending.length > 0) {
    const index = pending.pop()!;
    for (const child of children.get(index.digest) ?? []) {
      const decision = byDigest.get(child);
      if (!decision || decision.action === 'keep') continue;
      decision.action = 'keep';
      decision.cause = 'index-child';
      decision.reason = `kept: part of image index ${short(index.digest)}${index.tags.length ? ` (${index.tags.join(', ')})` : ''}, which is kept (${decision.reason})`;
      if (children.has(child)) pending.push(decision);
    }
  }
}

/** Whether a run may delete, and why not. */
export interface RunVerdict {
  /** Repositories whose deletions may go ahead. */
  allowed: Set<string>;
  /** Why each other repository with expired images deletes nothing. */
  held: Map<string, string>;
  /** Set when the whole run deletes nothing (cap exceeded, a doubt about everything). */
  runHeld?: string;
}

/**
 * Applies the run-wide rules: a doubt that concerns every repository (`runDoubts`) holds every deletion;
 * a repository with doubts deletes nothing; and when the deletions that remain exceed
 * `maxDeletesPerRun`, none happen at all (a policy or protection mistake shows up as a report, not as
 * a mass deletion).
 */
export function judgeRun(
  plans: readonly RepositoryPlan[],
  options: { maxDeletesPerRun: number; runDoubts: readonly string[] },
): RunVerdict {
  const held = new Map<string, string>();
  const allowed = new Set<string>();
  if (options.runDoubts.length > 0) {
    const runHeld = `nothing deleted: ${options.runDoubts.join('; ')}`;
    for (const plan of plans) if (plan.deletes.length > 0) held.set(plan.repository, runHeld);
    return { allowed, held, runHeld };
  }
  let total = 0;
  for (const plan of plans) {
    if (plan.deletes.length === 0) continue;
    if (plan.doubts.length > 0) {
      held.set(plan.repository, `nothing deleted in this repository: ${plan.doubts.join('; ')}`);
      continue;
    }
    allowed.add(plan.repository);
    total += plan.deletes.length;
  }
  if (total > options.maxDeletesPerRun) {
    const runHeld = `nothing deleted: ${total} images would be deleted, more than maxDeletesPerRun (${options.maxDeletesPerRun}); check the policies, or raise the cap`;
    for (const repository of allowed) held.set(repository, runHeld);
    return { allowed: new Set(), held, runHeld };
  }
  return { allowed, held };
}
