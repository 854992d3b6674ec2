import { createHash } from 'node:crypto';
import type { UploadTrigger } from '../config/schema.js';
import { MAX_DESCRIPTION_CHARS, MAX_PATTERN_CHARS, patternSize } from '../kernel/deploy/patterns.js';

/**
 * The EventBridge rules of the upload automation: one per bucket (more only when 2,048 characters
 * force it), selecting by bucket and key prefix only. Suffix and size are left to the function,
 * whose matcher (`matchTrigger`) re-checks bucket, prefix, suffix and size for every event, so a
 * pattern may only ever over-deliver. This keeps the upload rules out of two EventBridge limits:
 * - `wildcard` (needed for prefix+suffix) counts towards a quota of 30 rules per bus, not adjustable,
 *   shared with every other rule on the default bus;
 * - `numeric` is documented for values between -5.0e9 and +5.0e9 only, and S3 objects are larger.
 * And the rule count grows with buckets, not triggers (300 rules per bus, 500 resources per stack).
 */

const HEX = '0123456789ABCDEF';

/** Percent-encodes the UTF-8 bytes of `text`, keeping `safe` characters and turning spaces into `+`. */
function formEncode(text: string, safe: RegExp): string {
  let out = '';
  for (const char of text) {
    if (char === ' ') out += '+';
    else if (safe.test(char)) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/**
 * The forms in which a key starting with `prefix` may arrive in an S3 event: as stored, and
 * form-encoded (`application/x-www-form-urlencoded`, as S3's legacy notification format documents:
 * `red flower.jpg` → `red+flower.jpg`). Whether EventBridge's S3 events are encoded is not settled
 * by AWS's documentation, nor which characters an encoder leaves alone, so every reading is listed:
 * the Java form encoder (keeps `A-Za-z0-9.-*_`), Python's `quote_plus` (keeps `A-Za-z0-9.-_~`,
 * the decoder AWS's Powertools for Python pairs with), each with `/` kept (as real S3 events with
 * folder keys show) and with `/` as `%2F` (what a strict form encoder does). Encoding is per
 * character, so a key that starts with the prefix starts with the prefix's encoded form too.
 */
export function keyPrefixForms(prefix: string): string[] {
  const java = formEncode(prefix, /[A-Za-z0-9.*_-]/);
  const python = formEncode(prefix, /[A-Za-z0-9._~-]/);
  const keepSlash = (encoded: string) => encoded.replace(/%2F/g, '/');
  return [...new Set([prefix, keepSlash(java), java, keepSlash(python), python])];
}

/** The pattern of one upload rule: Object Created in `bucket`, keys starting with any of `prefixes` (none: every key). */
export function bucketPattern(bucket: string, prefixes: readonly string[]): Record<string, unknown> {
  const detail: Record<string, unknown> = { bucket: { name: [bucket] } };
  if (prefixes.length > 0) detail.object = { key: prefixes.map((prefix) => ({ prefix })) };
  return { source: ['aws.s3'], 'detail-type': ['Object Created'], detail };
}

/** Drops every prefix that another one in the list already covers (sorted, deduplicated). */
export function coveringPrefixes(prefixes: Iterable<string>): string[] {
  const kept: string[] = [];
  // In sorted order, everything between t and a string starting with t also starts with t: so
  // comparing with the last kept prefix is enough.
  for (const prefix of [...new Set(prefixes)].sort()) {
    const last = kept[kept.length - 1];
    if (last === undefined || !prefix.startsWith(last)) kept.push(prefix);
  }
  return kept;
}

/** Shortens `prefix` (by whole characters) until a one-prefix pattern fits: a shorter prefix only selects more. */
function fitting(bucket: string, prefix: string): string {
  const chars = [...prefix];
  const fits = (end: number) =>
    patternSize(bucketPattern(bucket, [chars.slice(0, end).join('')])) <= MAX_PATTERN_CHARS;
  if (fits(chars.length)) return prefix;
  let [low, high] = [0, chars.length]; // fits(low), !fits(high)
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (fits(mid)) low = mid;
    else high = mid;
  }
  return chars.slice(0, low).join('');
}

/** One planned upload rule. */
export interface UploadRulePlan {
  /** CloudFormation logical id (alphanumeric). */
  id: string;
  /** Short stable suffix for the rule name: bucket names reach 63 characters, rule names only 64. */
  nameSuffix: string;
  bucket: string;
  prefixes: string[];
  pattern: Record<string, unknown>;
}

/** A short stable id for a bucket (rule names and logical ids may not hold the bucket name). */
export const bucketId = (bucket: string) => createHash('sha256').update(bucket).digest('hex').slice(0, 10);

/**
 * Groups triggers by bucket into rules whose patterns list every form of every trigger prefix,
 * each pattern at most {@link MAX_PATTERN_CHARS}. Deterministic: same triggers, same rules.
 */
export function planUploadRules(triggers: readonly UploadTrigger[]): UploadRulePlan[] {
  const byBucket = new Map<string, UploadTrigger[]>();
  for (const trigger of triggers)
    byBucket.set(trigger.bucket, [...(byBucket.get(trigger.bucket) ?? []), trigger]);
  const plans: UploadRulePlan[] = [];
  for (const bucket of [...byBucket.keys()].sort()) {
    const bucketTriggers = byBucket.get(bucket)!;
    const id = bucketId(bucket);
    // An empty prefix selects every key, so the bucket's rule needs no key filter at all.
    const prefixes = bucketTriggers.some((t) => t.prefix === '')
      ? []
      : coveringPrefixes(
          bucketTriggers.flatMap((t) => keyPrefixForms(t.prefix).map((p) => fitting(bucket, p))),
        );
    const groups: string[][] = [];
    for (const prefix of prefixes) {
      const current = groups[groups.length - 1];
      if (current && patternSize(bucketPattern(bucket, [...current, prefix])) <= MAX_PATTERN_CHARS) {
        current.push(prefix);
      } else {
        groups.push([prefix]);
      }
    }
    if (groups.length === 0) groups.push([]);
    for (const [i, group] of groups.entries()) {
      const part = i === 0 ? '' : `${i + 1}`;
      plans.push({
        id: `UploadRule${id}${part ? `Part${part}` : ''}`,
        nameSuffix: `${id}${part ? `-${part}` : ''}`,
        bucket,
        prefixes: group,
        pattern: bucketPattern(bucket, group),
      });
    }
  }
  return plans;
}

/** Cuts `text` to at most `max` characters (whole code points), marking the cut with `…`. */
const clip = (text: string, max: number) => {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
};

/**
 * A description within {@link MAX_DESCRIPTION_CHARS}: the bucket, the prefixes until the limit
 * ("and N more" after that), and that the function checks the rest.
 */
export function uploadRuleDescription(plan: Pick<UploadRulePlan, 'bucket' | 'prefixes'>): string {
  const head = `ecs-pilot uploads: s3://${plan.bucket}, `;
  const tail = '; suffix and size are checked by the function';
  if (plan.prefixes.length === 0) return clip(`${head}every key${tail}`, MAX_DESCRIPTION_CHARS);
  const room = MAX_DESCRIPTION_CHARS - [...head].length - [...tail].length;
  const listed: string[] = [];
  for (const [i, prefix] of plan.prefixes.entries()) {
    const more = plan.prefixes.length - i - 1;
    const candidate = [...listed, JSON.stringify(prefix)].join(', ');
    const rest = more > 0 ? ` and ${more} more` : '';
    if ([...`keys starting with ${candidate}${rest}`].length > room) break;
    listed.push(JSON.stringify(prefix));
  }
  const more = plan.prefixes.length - listed.length;
  const keys =
    listed.length === 0
      ? `keys starting with ${plan.prefixes.length} prefixes`
      : `keys starting with ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  return clip(`${head}${keys}${tail}`, MAX_DESCRIPTION_CHARS);
}
