/**
 * The enforcement plan: the lifecycle rules (engine.ts), then in-use protection (protect.ts), then image
 * indexes keeping their children, then the run-wide cap and doubts. Pure; every image gets one decision
 * with its reason, and every repository says why nothing may be deleted when that is the case.
 */
import { previewLifecycle } from './engine.js';
import type { LifecyclePolicy } from './policy.js';
import { isIndex, type BrokenReference, type Protection, type RegistryImage } from './protect.js';
import { mayBeReferrer, findReferrers, rootOf } from './referrers.js';

/**
 * Why an image is kept or deleted: `rule` (a rule keeps it), `no-rule` (no rule selects it), `in-use`
 * (a rule expires it but something uses it), `index-child` (it belongs to a kept image index),
 * `expired` (a rule expires it and nothing protects it), `referrer` (a signature, SBOM, … that goes
 * with its subject), `orphan` (a referrer whose subject is gone).
 */
export type DecisionCause = 'rule' | 'no-rule' | 'in-use' | 'index-child' | 'expired' | 'referrer' | 'orphan';

export interface ImageDecisionWithUse {
  digest: string;
  tags: readonly string[];
  pushedAt: Date;
  action: 'keep' | 'delete';
  cause: DecisionCause;
  rulePriority?: number;
  reason: string;
  /** A referrer's direct subject (the image it signs or describes). */
  subject?: string;
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
  /** One decision per image: images oldest first, each followed by its referrers; orphans last. */
  decisions: ImageDecisionWithUse[];
  /** Referrers count in their subject's column (kept by rules, kept in use, expired). */
  counts: RepositoryCounts;
  /** How many images are referrers, and how many of them are orphans (deleted). */
  referrers: { total: number; orphans: number };
  /** Digests to delete (the `expired` ones), oldest first. */
  deletes: string[];
  /**
   * The same digests in the order they must go: image indexes before the manifests they list (ECR
   * refuses to delete a manifest an index still lists: ImageReferencedByManifestList), each phase in
   * its own BatchDeleteImage calls, then referrers after their subjects, nearest first: a run cut off
   * half-way leaves orphans (deleted by the next run), never a kept image without its signature.
   * One phase when no index and no referrer expires.
   */
  deletePhases: string[][];
  /** References that cannot be resolved, index manifests that cannot be read: nothing here is deleted. */
  doubts: string[];
  /** Task definitions naming a tag no image carries: reported, holding nothing. */
  broken?: BrokenReference[];
  /** Bytes kept and expiring (see bytesOf); absent when DescribeImages reported no size. */
  bytes?: { kept: number; expired: number };
}

/**
 * The bytes of `digests` as DescribeImages reports them (imageSizeInBytes: compressed layers), image
 * indexes not counted (ECR reports an index's largest child, and the children are counted
 * themselves). A sum per image: layers two images share are counted twice, so what deleting frees
 * can be less (ECR stores a layer once per repository). Undefined when no image reports a size.
 */
export function bytesOf(images: readonly RegistryImage[], digests: Iterable<string>): number | undefined {
  if (!images.some((i) => i.sizeInBytes !== undefined)) return undefined;
  const size = new Map<string, number>();
  for (const image of images)
    if (image.sizeInBytes !== undefined && !isIndex(image)) size.set(image.imageDigest, image.sizeInBytes);
  let total = 0;
  for (const digest of digests) total += size.get(digest) ?? 0;
  return total;
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
 * `subjects` holds the manifests read for referrers: digest → its `subject`, or null for none; an
 * image that can carry a subject but is missing from it is a doubt. Without `subjects`, only the
 * `sha256-<digest>` tag convention finds referrers.
 */
export function planRepository(input: {
  repository: string;
  policy: LifecyclePolicy;
  images: readonly RegistryImage[];
  protection: Protection;
  children: ReadonlyMap<string, readonly string[]>;
  subjects?: ReadonlyMap<string, string | null>;
  now: Date;
}): RepositoryPlan {
  const { protection, children } = input;
  const doubts = [...protection.doubts];
  for (const image of input.images) {
    if (isIndex(image) && !children.has(image.imageDigest)) {
      doubts.push(`image index ${short(image.imageDigest)} could not be read: its children are unknown`);
    }
    if (input.subjects && mayBeReferrer(image) && !input.subjects.has(image.imageDigest)) {
      doubts.push(
        `manifest ${short(image.imageDigest)} could not be read: whether it is a referrer (a signature, an SBOM) is unknown`,
      );
    }
  }
  const subjectOf = findReferrers(input.images, input.subjects ?? new Map());
  // The rules see subjects only, as a person reading "keep the 10 newest" means them.
  const subjects = input.images.filter((i) => !subjectOf.has(i.imageDigest));
  const plan = previewLifecycle(input.policy, subjects, input.now);
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
  const followed = followSubjects(input.images, subjectOf, decisions, protection);
  // A referrer kept as an index (the tag-fallback index) keeps what it lists, like any index.
  keepIndexChildren(followed.decisions, children);
  const all = followed.decisions;
  const deletes = all.filter((d) => d.action === 'delete').map((d) => d.digest);
  const indexes = new Set(input.images.filter(isIndex).map((i) => i.imageDigest));
  const inUseCause = (d: ImageDecisionWithUse) => d.cause === 'in-use' || d.cause === 'index-child';
  const keptInUse = all.filter(
    (d) => inUseCause(d) || (d.action === 'keep' && followed.keptForUse.has(d.digest)),
  ).length;
  const subjectDeletes = deletes.filter((d) => !subjectOf.has(d));
  const deleting = new Set(deletes);
  return {
    repository: input.repository,
    decisions: all,
    counts: {
      images: all.length,
      keptByRules: all.length - keptInUse - deletes.length,
      keptInUse,
      expired: deletes.length,
    },
    referrers: { total: subjectOf.size, orphans: all.filter((d) => d.cause === 'orphan').length },
    deletes,
    deletePhases: [
      ...deletePhases(subjectDeletes, indexes, children),
      ...followed.depths.flatMap((level) =>
        deletePhases(
          level.filter((d) => deleting.has(d)),
          indexes,
          children,
        ),
      ),
    ],
    doubts,
    ...(protection.broken ? { broken: protection.broken } : {}),
    ...sizes(input.images, all),
  };
}

function sizes(images: readonly RegistryImage[], decisions: readonly ImageDecisionWithUse[]) {
  const of = (action: 'keep' | 'delete') =>
    bytesOf(
      images,
      decisions.filter((d) => d.action === action).map((d) => d.digest),
    );
  const kept = of('keep');
  return kept === undefined ? {} : { bytes: { kept, expired: of('delete')! } };
}

/**
 * Gives each referrer the fate of the image at the top of its chain: kept with it, deleted with it,
 * or deleted as an orphan when that image is gone. A referrer used directly (pulled by digest) is
 * kept whatever its subject's fate. Returns the decisions with each referrer after its subject.
 */
function followSubjects(
  images: readonly RegistryImage[],
  subjectOf: ReadonlyMap<string, string>,
  decisions: readonly ImageDecisionWithUse[],
  protection: Protection,
): { decisions: ImageDecisionWithUse[]; depths: string[][]; keptForUse: Set<string> } {
  if (subjectOf.size === 0) return { decisions: [...decisions], depths: [], keptForUse: new Set() };
  const present = new Set(images.map((i) => i.imageDigest));
  const byRoot = new Map<string, ImageDecisionWithUse[]>();
  const orphans: ImageDecisionWithUse[] = [];
  const depths: string[][] = [];
  const keptForUse = new Set<string>();
  const decided = new Map(decisions.map((d) => [d.digest, d]));
  const referrers = images
    .filter((i) => subjectOf.has(i.imageDigest))
    .sort((a, b) => a.imagePushedAt.getTime() - b.imagePushedAt.getTime());
  for (const image of referrers) {
    const digest = image.imageDigest;
    const subject = subjectOf.get(digest)!;
    const chain = rootOf(digest, subjectOf, present);
    (depths[chain.depth - 1] ??= []).push(digest);
    const base = { digest, tags: image.imageTags, pushedAt: image.imagePushedAt, subject };
    const uses = protection.inUse.get(digest);
    if ('missing' in chain) {
      const gone = `orphan: its subject ${short(chain.missing)} is no longer in the repository`;
      orphans.push(
        uses
          ? { ...base, action: 'keep', cause: 'in-use', reason: `kept: in use, ${usedBy(uses)} (${gone})` }
          : { ...base, action: 'delete', cause: 'orphan', reason: `deleted as an ${gone}` },
      );
      continue;
    }
    const root = decided.get(chain.root)!;
    const via = subject === chain.root ? '' : ` (through ${short(subject)})`;
    let decision: ImageDecisionWithUse;
    if (root.action === 'keep') {
      decision = {
        ...base,
        action: 'keep',
        cause: 'referrer',
        reason: `kept with its subject ${short(chain.root)}${via}`,
      };
      if (root.cause === 'in-use' || root.cause === 'index-child') keptForUse.add(digest);
    } else if (uses) {
      decision = {
        ...base,
        action: 'keep',
        cause: 'in-use',
        reason: `kept: in use, ${usedBy(uses)}, although its subject ${short(chain.root)} is deleted`,
      };
    } else {
      decision = {
        ...base,
        action: 'delete',
        cause: 'referrer',
        reason: `deleted with its subject ${short(chain.root)}${via}`,
      };
    }
    const list = byRoot.get(chain.root);
    if (list) list.push(decision);
    else byRoot.set(chain.root, [decision]);
  }
  const ordered: ImageDecisionWithUse[] = [];
  for (const d of decisions) {
    ordered.push(d);
    const following = byRoot.get(d.digest);
    if (following) for (const f of following) ordered.push(f);
  }
  for (const o of orphans) ordered.push(o);
  return { decisions: ordered, depths: depths.filter(Boolean), keptForUse };
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
  if (children.size === 0) return;
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
