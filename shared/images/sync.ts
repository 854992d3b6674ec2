/**
 * Policy sync: whether a repository's own lifecycle policy (GetLifecyclePolicy) is the configured one,
 * and a readable diff when it is not. Pure.
 *
 * Policies are compared as JSON values with keys sorted, so ECR's reformatting of the text (spacing,
 * key order) is not drift; anything else, rule order included, is.
 */
import type { LifecyclePolicy } from './policy.js';

/** JSON with object keys sorted, two-space indented: one stable text per value. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value), null, 2);
}

/** The text ecs-pilot puts on a repository: compact JSON of the configured policy. */
export const policyText = (policy: LifecyclePolicy): string => JSON.stringify(policy);

export type PolicyDrift =
  { status: 'in-sync' } | { status: 'missing' } | { status: 'different'; diff: string[] };

/** At most this many diff lines are kept; the rest are counted. */
export const MAX_DIFF_LINES = 60;

/**
 * Compares the repository's policy text (undefined when it has none) with the configured policy.
 * The diff marks lines of the repository's policy `-` and of the configured one `+`.
 */
export function policyDrift(current: string | undefined, wanted: LifecyclePolicy): PolicyDrift {
  if (current === undefined) return { status: 'missing' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(current);
  } catch {
    parsed = current; // not JSON: shown as one line, and different
  }
  const before = typeof parsed === 'string' ? parsed : canonicalJson(parsed);
  const after = canonicalJson(wanted);
  if (before === after) return { status: 'in-sync' };
  return { status: 'different', diff: lineDiff(before.split('\n'), after.split('\n')) };
}

/**
 * A line diff (longest common subsequence): `  ` unchanged, `- ` only in `a`, `+ ` only in `b`.
 * Unchanged runs longer than two lines are shortened to their ends. Policies are at most 30 KiB, so
 * the quadratic table stays small.
 */
export function lineDiff(a: readonly string[], b: readonly string[]): string[] {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const lcs = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * cols + j] =
        a[i] === b[j]
          ? lcs[(i + 1) * cols + j + 1]! + 1
          : Math.max(lcs[(i + 1) * cols + j]!, lcs[i * cols + j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[(i + 1) * cols + j]! >= lcs[i * cols + j + 1]!)) {
      out.push(`- ${a[i]}`);
      i++;
    } else {
      out.push(`+ ${b[j]}`);
      j++;
    }
  }
  return shorten(out);
}

function shorten(lines: string[]): string[] {
  const out: string[] = [];
  for (let k = 0; k < lines.length;) {
    let end = k;
    while (end < lines.length && lines[end]!.startsWith('  ')) end++;
    const run = end - k;
    if (run > 4)
      out.push(lines[k]!, lines[k + 1]!, `  … ${run - 4} unchanged lines`, lines[end - 2]!, lines[end - 1]!);
    else out.push(...lines.slice(k, end));
    if (end < lines.length) out.push(lines[end]!);
    k = end + 1;
  }
  if (out.length <= MAX_DIFF_LINES) return out;
  return [...out.slice(0, MAX_DIFF_LINES), `… ${out.length - MAX_DIFF_LINES} more diff lines`];
}
