/**
 * What one run of enforceImages is asked to do: the Scheduler's payload, or an on-demand
 * `sls invoke -f enforceImages -d '{"repositories": ["app-api"], "mode": "preview"}'`.
 * A request may narrow the run (fewer repositories) or make it a preview; it can never make a preview
 * configuration delete, so an invocation cannot do more than the deployed config allows.
 */
import * as z from 'zod/mini';
import { PermanentError } from '../kernel/errors.js';
import { summarizeIssues } from '../kernel/issues.js';

const repositoryName = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9._/-]{0,255}$/, 'a repository name (no wildcards)'));

const requestSchema = z.strictObject({
  /** `schedule` when EventBridge Scheduler sends it; anything else is on demand. */
  source: z.optional(z.enum(['schedule', 'manual'])),
  /** Scheduler's `<aws.scheduler.scheduled-time>`, logged only. */
  scheduledTime: z.optional(z.string().check(z.maxLength(64))),
  /** Only these repositories (each must be matched by the config); default every matched one. */
  repositories: z.optional(z.array(repositoryName).check(z.minLength(1), z.maxLength(100))),
  /** "preview" reports without changing anything, even when the config says enforce. */
  mode: z.optional(
    z.literal('preview', {
      error: 'only "preview" may be asked for; whether a run deletes comes from the deployed config',
    }),
  ),
});

export type ImagesRequest = z.infer<typeof requestSchema>;

/** The payload is unusable; nothing was scanned or changed. */
export class ImagesRequestError extends PermanentError {}

/** The keys a request may have (the schema above). */
const KNOWN_KEYS = new Set(['source', 'scheduledTime', 'repositories', 'mode']);
/** Keys that reach an object's prototype rather than its data. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** An error message quotes at most this much of the payload (a 256 KB key stays out of the logs). */
export const MAX_REQUEST_ERROR = 1000;

const clip = (text: string) =>
  text.length > MAX_REQUEST_ERROR ? `${text.slice(0, MAX_REQUEST_ERROR - 3)}...` : text;

const refuse = (problem: string) => new ImagesRequestError(`invalid enforceImages payload: ${clip(problem)}`);

/**
 * Validates the invocation payload (`{}`, null and undefined mean a plain run). Only the top level is
 * walked here: every known key holds a string or an array of strings, so a nested value of any depth
 * is refused by the schema at its first level, without recursing (a deeply nested payload cannot
 * overflow the stack).
 */
export function parseImagesRequest(event: unknown): ImagesRequest {
  const doc = event ?? {};
  const proto: unknown = typeof doc === 'object' ? Object.getPrototypeOf(doc) : undefined;
  if (typeof doc !== 'object' || Array.isArray(doc) || (proto !== Object.prototype && proto !== null)) {
    throw refuse(`(root): expected a JSON object, got ${Array.isArray(doc) ? 'an array' : typeof doc}`);
  }
  const keys = Object.keys(doc);
  const unsafe = keys.filter((key) => UNSAFE_KEYS.has(key));
  if (unsafe.length > 0) throw refuse(unsafe.map((key) => `${key}: key "${key}" is not allowed`).join('; '));
  const unknown = keys.filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((key) => JSON.stringify(key.slice(0, 64)));
    throw refuse(
      `unknown key${unknown.length > 1 ? 's' : ''} ${shown.join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} (allowed: ${[...KNOWN_KEYS].join(', ')})`,
    );
  }
  const result = requestSchema.safeParse(doc);
  if (!result.success) throw refuse(summarizeIssues(result.error.issues));
  return result.data;
}
