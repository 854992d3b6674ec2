/**
 * The lifecycle rule engine: which images a lifecycle policy expires, and why every image is kept or
 * expired. Pure: the caller supplies the images and the evaluation time.
 *
 * It follows ECR's documented evaluation
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html#lp_evaluation_rules)
 * and reproduces every worked example of
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_examples.html:
 * - Every rule looks at every image it selects, in push order, as if no other rule existed ("all rules
 *   are evaluated at the same time"); imageCountMoreThan ranks images youngest first, so an image
 *   already taken by a higher-priority rule still occupies its place in a lower rule's count.
 * - Rules are then applied lowest rulePriority first. The first rule whose tag filter selects an image
 *   takes it, whether or not it expires it ("an image that matches the tagging requirements of a rule
 *   cannot be expired by a rule with a lower priority"), so at most one rule acts on an image.
 */
import type { LifecycleImage } from './images.js';
import type { LifecyclePolicy, RuleSelection } from './policy.js';

export const DAY_MS = 86_400_000;

/** What the policy does to one image, and why. */
export interface ImageDecision {
  image: LifecycleImage;
  expire: boolean;
  /** The rule that took the image (expiring or keeping it); absent when no rule's tag filter selects it. */
  rulePriority?: number;
  reason: string;
}

export interface LifecyclePlan {
  evaluatedAt: Date;
  /** One decision per image, ordered by push time, oldest first (ties by digest). */
  results: ImageDecision[];
}

/** The shape of ECR's GetLifecyclePolicyPreview response (the expiring images only). */
export interface LifecyclePolicyPreview {
  previewResults: Array<{
    imageDigest: string;
    imageTags: string[];
    imagePushedAt: string;
    action: { type: 'EXPIRE' };
    appliedRulePriority: number;
  }>;
  summary: { expiringImageTotalCount: number };
}

/**
 * One tagPrefixList or tagPatternList entry as plain data, so that a single monomorphic function tests
 * every entry of every rule (100,000 images × 10 rules stay well under a second).
 */
interface TagMatcher {
  /** The entry has no wildcard: the tag must equal `first`. */
  exact: boolean;
  /** The tag starts with this (a prefix entry is just this). */
  first: string;
  /** The tag ends with this (after `first`). */
  last: string;
  /** Parts between wildcards, found in order between `first` and `last`. */
  middle: readonly string[];
  /** first.length + last.length: shorter tags cannot match. */
  fixed: number;
  /** First character code of `first` and last of `last` (-1 when empty): most tags fail on these alone. */
  head: number;
  tail: number;
}

function matcher(exact: boolean, first: string, last = '', middle: readonly string[] = []): TagMatcher {
  return {
    exact,
    first,
    last,
    middle,
    fixed: first.length + last.length,
    head: first.length > 0 ? first.charCodeAt(0) : -1,
    tail: last.length > 0 ? last.charCodeAt(last.length - 1) : -1,
  };
}

const prefixMatcher = (prefix: string): TagMatcher => matcher(false, prefix);

function patternMatcher(pattern: string): TagMatcher {
  const parts = pattern.split('*');
  const first = parts[0]!;
  if (parts.length === 1) return matcher(true, first);
  const middle = parts.slice(1, -1).filter((part) => part.length > 0);
  return matcher(false, first, parts[parts.length - 1], middle);
}

function tagMatches(matcher: TagMatcher, tag: string): boolean {
  if (matcher.exact) return tag === matcher.first;
  const length = tag.length;
  if (length < matcher.fixed) return false;
  if (matcher.head !== -1 && (tag.charCodeAt(0) !== matcher.head || !tag.startsWith(matcher.first))) {
    return false;
  }
  const last = matcher.last;
  if (matcher.tail !== -1 && (tag.charCodeAt(length - 1) !== matcher.tail || !tag.endsWith(last))) {
    return false;
  }
  const middle = matcher.middle;
  if (middle.length === 0) return true;
  // With only `*` wildcards, taking each middle part at its leftmost place is never worse than any other
  // choice, so one left-to-right scan decides the match: linear time, no regex backtracking.
  const end = tag.length - last.length;
  let from = matcher.first.length;
  for (let m = 0; m < middle.length; m++) {
    const part = middle[m]!;
    const at = tag.indexOf(part, from);
    if (at < 0 || at + part.length > end) return false;
    from = at + part.length;
  }
  return true;
}

/**
 * Whether one tagPatternList entry matches one tag: `*` matches any run of characters (including none),
 * everything else matches itself, case-sensitively; the whole tag must match.
 */
export function tagPatternMatches(pattern: string, tag: string): boolean {
  return tagMatches(patternMatcher(pattern), tag);
}

/**
 * Whether a tagged rule selects an image with these tags: every entry of its tagPrefixList or
 * tagPatternList must match at least one of the image's tags (one tag may satisfy several entries).
 */
function selectsTags(matchers: readonly TagMatcher[], tags: readonly string[]): boolean {
  const tagCount = tags.length;
  if (tagCount === 0) return false;
  for (let e = 0; e < matchers.length; e++) {
    const matcher = matchers[e]!;
    let hit = false;
    for (let t = 0; t < tagCount; t++) {
      if (tagMatches(matcher, tags[t]!)) {
        hit = true;
        break;
      }
    }
    if (!hit) return false;
  }
  return true;
}

const ANY = 0;
const UNTAGGED = 1;
const TAGGED = 2;

function compileSelection(selection: RuleSelection): { kind: number; matchers: readonly TagMatcher[] } {
  if (selection.tagStatus === 'any') return { kind: ANY, matchers: [] };
  if (selection.tagStatus === 'untagged') return { kind: UNTAGGED, matchers: [] };
  const matchers = selection.tagPatternList
    ? selection.tagPatternList.map(patternMatcher)
    : (selection.tagPrefixList ?? []).map(prefixMatcher);
  return { kind: TAGGED, matchers };
}

const byDigest = (digests: readonly string[], a: number, b: number): number =>
  digests[a]! < digests[b]! ? -1 : digests[a]! > digests[b]! ? 1 : 0;

/**
 * Image indexes ordered by push time, oldest first, equal times by digest: a stable LSD radix sort on
 * the push times (whole milliseconds), then the rare runs of equal times sorted by digest.
 * Each hot loop lives in a small function of its own, so V8 optimises it on its own, quickly.
 */
function pushOrder(times: Float64Array, digests: readonly string[]): Uint32Array {
  const count = times.length;
  let order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  if (count < 2) return order;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    if (times[i]! < min) min = times[i]!;
    if (times[i]! > max) max = times[i]!;
  }
  if (max - min > Number.MAX_SAFE_INTEGER) {
    // Offsets beyond 2^53 ms (pushes 285,000 years apart) would round; compare the times instead.
    return order.sort((a, b) => times[a]! - times[b]! || byDigest(digests, a, b));
  }
  // Offsets from the oldest push fit in 53 bits: sort on the low 32 bits, then on the high 21.
  const low = new Uint32Array(count);
  const high = new Uint32Array(count);
  splitOffsets(times, min, low, high);
  let spare = new Uint32Array(count);
  const buckets = new Uint32Array(RADIX);
  for (const [keys, shift] of [
    [low, 0],
    [low, 11],
    [low, 22],
    [high, 0],
    [high, 11],
  ] as const) {
    if (radixPass(keys, shift, order, spare, buckets)) [order, spare] = [spare, order];
  }
  sortTiesByDigest(order, times, digests);
  return order;
}

const RADIX = 2048; // 11 bits a pass

function splitOffsets(times: Float64Array, min: number, low: Uint32Array, high: Uint32Array): void {
  for (let i = 0; i < times.length; i++) {
    const offset = times[i]! - min;
    low[i] = offset % 4294967296;
    high[i] = Math.floor(offset / 4294967296);
  }
}

/** One stable counting pass on 11 bits of `keys` from `from` into `to`; false when every key has the same digit. */
function radixPass(
  keys: Uint32Array,
  shift: number,
  from: Uint32Array,
  to: Uint32Array,
  buckets: Uint32Array,
): boolean {
  const count = from.length;
  buckets.fill(0);
  for (let i = 0; i < count; i++) buckets[(keys[i]! >>> shift) & (RADIX - 1)]!++;
  if (buckets[(keys[0]! >>> shift) & (RADIX - 1)] === count) return false;
  let total = 0;
  for (let b = 0; b < RADIX; b++) {
    const n = buckets[b]!;
    buckets[b] = total;
    total += n;
  }
  for (let k = 0; k < count; k++) {
    const i = from[k]!;
    to[buckets[(keys[i]! >>> shift) & (RADIX - 1)]!++] = i;
  }
  return true;
}

function sortTiesByDigest(order: Uint32Array, times: Float64Array, digests: readonly string[]): void {
  const count = order.length;
  for (let start = 0; start < count;) {
    let end = start + 1;
    while (end < count && times[order[end]!] === times[order[start]!]) end++;
    if (end - start > 1) {
      const tied = Array.from(order.subarray(start, end)).sort((a, b) => byDigest(digests, a, b));
      order.set(tied, start);
    }
    start = end;
  }
}

/** "images tagged prod*", "untagged images", ...: what a rule selects, for reasons. */
export function describeSelection(selection: RuleSelection): string {
  if (selection.tagStatus === 'any') return 'any image';
  if (selection.tagStatus === 'untagged') return 'untagged images';
  if (selection.tagPatternList) return `images tagged ${selection.tagPatternList.join(' + ')}`;
  const prefixes = selection.tagPrefixList ?? [];
  return `images with tag prefix${prefixes.length > 1 ? 'es' : ''} ${prefixes.join(' + ')}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** "3d 4h 5m": precise to the minute, so a reason shows why an image just past the limit expired. */
function formatAge(ms: number): string {
  if (ms < 0) return 'after the evaluation time';
  const wholeDays = Math.floor(ms / DAY_MS);
  const hours = Math.floor((ms % DAY_MS) / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  return `${wholeDays}d ${hours}h ${minutes}m ago`;
}

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

const NO_RULE = 'kept: no rule selects it';

/** What the rules decided, by position in push order (0 = oldest). */
interface Outcomes {
  /** Index (in priority order) of the rule that took the image; -1 when none did. */
  owner: Int32Array;
  /** The image's place among those its rule selects, youngest = 1. */
  rank: Int32Array;
  expired: Uint8Array;
  /** The first lower rule that would have expired an image its rule keeps; -1 when none. */
  overruledBy: Int32Array;
}

function markUntagged(tags: readonly (readonly string[])[], hits: Uint8Array): void {
  for (let i = 0; i < tags.length; i++) hits[i] = tags[i]!.length === 0 ? 1 : 0;
}

function markTagged(
  matchers: readonly TagMatcher[],
  tags: readonly (readonly string[])[],
  hits: Uint8Array,
): void {
  for (let i = 0; i < tags.length; i++) hits[i] = selectsTags(matchers, tags[i]!) ? 1 : 0;
}

/**
 * Applies rule `r` youngest first; returns how many images it selects. Its count includes images that
 * higher rules took ("rules can still identify them as if they haven't been expired"), but it only
 * takes, and so only expires, images no higher rule took.
 */
function applyRule(
  r: number,
  hits: Uint8Array | undefined,
  order: Uint32Array,
  times: Float64Array,
  keep: number,
  cutoff: number,
  outcomes: Outcomes,
): number {
  const { owner, rank, expired, overruledBy } = outcomes;
  let seen = 0;
  for (let p = order.length - 1; p >= 0; p--) {
    if (hits && hits[order[p]!] === 0) continue;
    seen++;
    const expires = seen > keep || times[p]! < cutoff;
    if (owner[p] === -1) {
      owner[p] = r;
      rank[p] = seen;
      if (expires) expired[p] = 1;
    } else if (expires && expired[p] === 0 && overruledBy[p] === -1) {
      overruledBy[p] = r;
    }
  }
  return seen;
}

/**
 * Evaluates a validated lifecycle policy over a repository's images at `now`, as ECR would.
 * Images must have distinct digests (parseImageDetails guarantees it). Equal push times are ordered
 * by digest, so the plan never depends on the order of the input.
 */
export function previewLifecycle(
  policy: LifecyclePolicy,
  images: readonly LifecycleImage[],
  now: Date,
): LifecyclePlan {
  const count = images.length;
  const nowMs = now.getTime();
  const pushed = new Float64Array(count);
  const digests = new Array<string>(count);
  const tags = new Array<readonly string[]>(count);
  for (let i = 0; i < count; i++) {
    const image = images[i]!;
    pushed[i] = image.imagePushedAt.getTime();
    digests[i] = image.imageDigest;
    tags[i] = image.imageTags;
  }
  // Outcomes are indexed by position in push order; rules walk it backwards, youngest first, the order
  // in which imageCountMoreThan keeps images. Tags are matched in input order instead: walking 100,000
  // tag lists in push order would jump around memory for every rule.
  const order = pushOrder(pushed, digests);
  const times = new Float64Array(count);
  for (let p = 0; p < count; p++) times[p] = pushed[order[p]!]!;

  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const outcomes: Outcomes = {
    owner: new Int32Array(count).fill(-1),
    rank: new Int32Array(count),
    expired: new Uint8Array(count),
    overruledBy: new Int32Array(count).fill(-1),
  };
  const selected = rules.map(() => 0); // how many images each rule selects
  const hits = new Uint8Array(count); // by input index: the images the current rule selects
  rules.forEach(({ selection }, r) => {
    const { kind, matchers } = compileSelection(selection);
    if (kind === UNTAGGED) markUntagged(tags, hits);
    else if (kind === TAGGED) markTagged(matchers, tags, hits);
    const byCount = selection.countType === 'imageCountMoreThan';
    selected[r] = applyRule(
      r,
      kind === ANY ? undefined : hits,
      order,
      times,
      byCount ? selection.countNumber : Infinity,
      // sinceImagePushed: expired when pushed more than countNumber days before now.
      byCount ? -Infinity : nowMs - selection.countNumber * DAY_MS,
      outcomes,
    );
  });
  return { evaluatedAt: now, results: explain(rules, images, order, times, nowMs, selected, outcomes) };
}

/** One decision per image, oldest first. Reasons share one head and tail per rule and outcome. */
function explain(
  rules: LifecyclePolicy['rules'],
  images: readonly LifecycleImage[],
  order: Uint32Array,
  times: Float64Array,
  nowMs: number,
  selected: readonly number[],
  { owner, rank, expired, overruledBy }: Outcomes,
): ImageDecision[] {
  const texts = rules.map((rule, r) => {
    const head = (verb: string) =>
      `${verb} by rule ${rule.rulePriority} (${describeSelection(rule.selection)}): `;
    const { countNumber } = rule.selection;
    return rule.selection.countType === 'imageCountMoreThan'
      ? {
          byCount: true,
          expired: head('expired'),
          kept: head('kept'),
          expiredTail: ` newest of ${selected[r]}, beyond the ${countNumber} it keeps`,
          keptTail: ` newest of ${selected[r]}, within the ${countNumber} it keeps`,
        }
      : {
          byCount: false,
          expired: `${head('expired')}pushed `,
          kept: `${head('kept')}pushed `,
          expiredTail: `, older than ${days(countNumber)}`,
          keptTail: `, not older than ${days(countNumber)}`,
        };
  });
  const results = new Array<ImageDecision>(order.length);
  for (let p = 0; p < order.length; p++) {
    const image = images[order[p]!]!;
    const r = owner[p]!;
    if (r === -1) {
      results[p] = { image, expire: false, reason: NO_RULE };
      continue;
    }
    const rulePriority = rules[r]!.rulePriority;
    const text = texts[r]!;
    const expire = expired[p] === 1;
    const detail = text.byCount ? ordinal(rank[p]!) : formatAge(nowMs - times[p]!);
    let reason = expire ? text.expired + detail + text.expiredTail : text.kept + detail + text.keptTail;
    const lower = overruledBy[p]!;
    if (lower !== -1) {
      reason += `; rule ${rules[lower]!.rulePriority} would expire it, but rule ${rulePriority} selected it first`;
    }
    results[p] = { image, expire, rulePriority, reason };
  }
  return results;
}

/** The plan in the shape of ECR's GetLifecyclePolicyPreview: the expiring images, oldest first. */
export function previewResponse(plan: LifecyclePlan): LifecyclePolicyPreview {
  const previewResults: LifecyclePolicyPreview['previewResults'] = [];
  for (const result of plan.results) {
    if (!result.expire || result.rulePriority === undefined) continue;
    previewResults.push({
      imageDigest: result.image.imageDigest,
      imageTags: [...result.image.imageTags],
      imagePushedAt: result.image.imagePushedAt.toISOString(),
      action: { type: 'EXPIRE' },
      appliedRulePriority: result.rulePriority,
    });
  }
  return { previewResults, summary: { expiringImageTotalCount: previewResults.length } };
}
