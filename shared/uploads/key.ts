import type { UploadTrigger } from '../config/schema.js';
import type { UploadedObject } from './event.js';
import { matchTrigger } from './match.js';

/**
 * Which object an S3 "Object Created" EventBridge event names.
 *
 * What is known: the legacy S3 notification format form-encodes keys (`red flower.jpg` arrives as
 * `red+flower.jpg`); AWS's Powertools for Python decodes the EventBridge key with `unquote_plus`;
 * samples of real EventBridge events show `:` unencoded; Powertools for TypeScript does not decode;
 * the local emulator sends the raw key. What is not known: whether AWS form-encodes the key in
 * EventBridge events — its documentation does not say. So ecs-pilot bets on neither reading.
 *
 * The raw reading and the form-decoded one (`+` → space, then `%XX` decoded) differ only for keys
 * that contain `+` or `%`. Then the object itself tells them apart: a HeadObject of each reading (with
 * the event's version id) finds exactly one object, or the event is dead-lettered naming both.
 */

/** The form-decoded reading of a key, or undefined when it is not valid form encoding (a stray `%`). */
export function formDecode(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** The distinct readings of a key as it arrived: the raw key first, then the decoded one when it differs. */
export function keyReadings(key: string): string[] {
  if (!/[+%]/.test(key)) return [key];
  const decoded = formDecode(key);
  return decoded === undefined || decoded === key || decoded.length === 0 ? [key] : [key, decoded];
}

/** What S3 said about one reading of the key. */
export type KeyLookup = 'exists' | 'absent' | 'forbidden';

/** How to find the object's key: use the one reading, or look the candidates up first. */
export type KeyPlan =
  | { action: 'use'; key: string; reason: string }
  | {
      action: 'lookup';
      /** Both readings, raw first. */
      candidates: [string, string];
      /** The readings some trigger would take (only those may be looked up: IAM allows no more). */
      lookup: string[];
    };

/** A reading some trigger would act on (size bounds fail both readings alike, so skip them both). */
const wantedByATrigger = (triggers: readonly UploadTrigger[], object: UploadedObject, key: string) =>
  triggers.some((trigger) => matchTrigger(trigger, { ...object, key }).matches);

/** Plans how to resolve the key of an event. Pure. */
export function planKeyResolution(triggers: readonly UploadTrigger[], object: UploadedObject): KeyPlan {
  const readings = keyReadings(object.key);
  if (readings.length === 1) {
    return { action: 'use', key: object.key, reason: 'the key reads the same raw and form-decoded' };
  }
  const candidates = readings as [string, string];
  const lookup = candidates.filter((key) => wantedByATrigger(triggers, object, key));
  if (lookup.length === 0) {
    // No trigger takes either reading: matching will skip it, no lookup needed.
    return { action: 'use', key: object.key, reason: 'no trigger takes either reading of the key' };
  }
  return { action: 'lookup', candidates, lookup };
}

/** The outcome of resolving a key from the lookups. */
export type KeyResolution =
  | { action: 'use'; key: string; reason: string }
  | { action: 'skip'; reason: string }
  | { action: 'fail'; reason: string };

const quote = (key: string) => JSON.stringify(key);

/**
 * Decides the key from what S3 said about each looked-up reading. Pure. Exactly one object found →
 * that key. A reading no trigger takes was not looked up: when the one that was looked up does not
 * exist, the object is the other one, which concerns no trigger. Neither found, both found, or a
 * lookup refused (403: with s3:ListBucket a missing object is a 404, so 403 really is a refusal) →
 * fail, naming both candidates.
 */
export function resolveKey(
  plan: Extract<KeyPlan, { action: 'lookup' }>,
  found: Readonly<Record<string, KeyLookup>>,
): KeyResolution {
  const [raw, decoded] = plan.candidates;
  const both = `raw ${quote(raw)}, form-decoded ${quote(decoded)}`;
  const forbidden = plan.lookup.filter((key) => found[key] === 'forbidden');
  if (forbidden.length > 0) {
    return {
      action: 'fail',
      reason: `cannot tell which object the event names (${both}): HeadObject was refused for ${forbidden.map(quote).join(' and ')}`,
    };
  }
  const existing = plan.lookup.filter((key) => found[key] === 'exists');
  if (existing.length === 1) {
    return { action: 'use', key: existing[0]!, reason: `only ${quote(existing[0]!)} exists (${both})` };
  }
  if (existing.length === 2) {
    return {
      action: 'fail',
      reason: `both readings of the key exist, cannot tell which was uploaded (${both})`,
    };
  }
  if (plan.lookup.length === 1) {
    const other = plan.candidates.find((key) => key !== plan.lookup[0])!;
    return {
      action: 'skip',
      reason: `${quote(plan.lookup[0]!)} does not exist, so the object is ${quote(other)}, which no trigger takes`,
    };
  }
  return { action: 'fail', reason: `neither reading of the key exists (${both})` };
}
