import type { UploadTrigger } from '../config/schema.js';
import type { UploadedObject } from './event.js';

/** Why a trigger does or does not apply to an object. */
export interface TriggerMatch {
  trigger: UploadTrigger;
  matches: boolean;
  reason: string;
}

/**
 * Decides whether one trigger applies to an object (bucket, prefix, suffix, size bounds). This is
 * the judge: the upload rules select by bucket and prefix only (shared/uploads/rules.ts), so
 * objects with another suffix or size reach the function and are acked here without any AWS call.
 */
export function matchTrigger(trigger: UploadTrigger, object: UploadedObject): TriggerMatch {
  const no = (reason: string): TriggerMatch => ({ trigger, matches: false, reason });
  if (object.bucket !== trigger.bucket) return no(`bucket ${object.bucket} is not ${trigger.bucket}`);
  if (!object.key.startsWith(trigger.prefix)) return no(`key does not start with "${trigger.prefix}"`);
  if (trigger.suffix !== undefined && !object.key.endsWith(trigger.suffix)) {
    return no(`key does not end with "${trigger.suffix}"`);
  }
  // As the rules' former wildcard `prefix*suffix` did, so configs keep their meaning: no overlap.
  if (trigger.suffix !== undefined && object.key.length < trigger.prefix.length + trigger.suffix.length) {
    return no(`key is shorter than prefix "${trigger.prefix}" and suffix "${trigger.suffix}" together`);
  }
  if (trigger.minSize !== undefined && object.size < trigger.minSize) {
    return no(`size ${object.size} is below minSize ${trigger.minSize}`);
  }
  if (trigger.maxSize !== undefined && object.size > trigger.maxSize) {
    return no(`size ${object.size} is above maxSize ${trigger.maxSize}`);
  }
  return { trigger, matches: true, reason: `matches bucket ${trigger.bucket}, prefix "${trigger.prefix}"` };
}

/** Evaluates every trigger against an object; the caller starts one task per matching trigger. */
export function matchTriggers(triggers: readonly UploadTrigger[], object: UploadedObject): TriggerMatch[] {
  return triggers.map((trigger) => matchTrigger(trigger, object));
}
