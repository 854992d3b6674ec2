/**
 * What one run of enforceImages is asked to do: the Scheduler's payload, or an on-demand
 * `sls invoke -f enforceImages -d '{"repositories": ["app-api"], "mode": "preview"}'`.
 * A request may narrow the run (fewer repositories) or make it a preview; it can never make a preview
 * configuration delete, so an invocation cannot do more than the deployed config allows.
 */
import * as z from 'zod/mini';
import { summarizeIssues, unsafeKeys } from '../config/load.js';
import { PermanentError } from '../errors.js';

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

/** Validates the invocation payload (`{}`, null and undefined mean a plain run). */
export function parseImagesRequest(event: unknown): ImagesRequest {
  const doc = event ?? {};
  const unsafe = unsafeKeys(doc);
  if (unsafe.length > 0) throw new ImagesRequestError(`invalid enforceImages payload: ${unsafe.join('; ')}`);
  const result = requestSchema.safeParse(doc);
  if (!result.success) {
    throw new ImagesRequestError(`invalid enforceImages payload: ${summarizeIssues(result.error.issues)}`);
  }
  return result.data;
}
