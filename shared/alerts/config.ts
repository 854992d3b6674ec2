import * as z from 'zod/mini';
import { clusterRef, whole } from '../kernel/config.js';

/** What stops are worth an email: failures (default), plus Spot interruptions, or every stop. */
export const NOTIFY_ON = ['failures', 'spot', 'all-stops'] as const;

/**
 * The defaults of the alert rules, written once: used by the schema and by `ecs-pilot alert render`
 * when no config is given (every cluster, failures only, nothing ignored, noise control on).
 */
export const ALERTS_DEFAULTS = {
  notifyOn: ['failures'] as (typeof NOTIFY_ON)[number][],
  ignore: { services: [] as string[], families: [] as string[] },
  noise: { enabled: true, maxPerWindow: 3, windowMinutes: 15 },
};

const email = z
  .string()
  .check(z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an email address like oncall@example.com'));

const name = z.string().check(z.minLength(1), z.maxLength(255));

/** Stop alerts: an email a human can act on when an ECS task stops for a reason that matters. */
export const alertsSchema = z.strictObject({
  /** Subscribed (by email) to the toolkit's alerts topic; each must confirm the subscription. */
  emails: z.array(email).check(
    z.minLength(1, 'at least one email address'),
    z.maxLength(20),
    z.refine(
      (list: string[]) => new Set(list.map((e) => e.toLowerCase())).size === list.length,
      'each address once (addresses are compared without case)',
    ),
    // The JSON Schema can state only the case-sensitive half of this rule.
    z.meta({ uniqueItems: true }),
  ),
  /** Clusters (names or ARNs) to watch; default: every cluster in the account and region. */
  clusters: z.optional(z.array(clusterRef).check(z.minLength(1), z.maxLength(50))),
  /**
   * Which stops send an email; each entry adds stops: `failures` (default; tasks that failed to
   * start, essential containers that exited with an error, failed health checks, unknown stop codes),
   * `spot` (Spot interruptions and termination notices), `all-stops` (every stop, deploys and
   * scale-ins included).
   */
  notifyOn: z._default(z.array(z.enum(NOTIFY_ON)).check(z.minLength(1)), () => [...ALERTS_DEFAULTS.notifyOn]),
  /** Services and task definition families never to alert on; default none. */
  ignore: z._default(
    z.strictObject({
      services: z._default(z.array(name), () => [...ALERTS_DEFAULTS.ignore.services]),
      families: z._default(z.array(name), () => [...ALERTS_DEFAULTS.ignore.families]),
    }),
    () => structuredClone(ALERTS_DEFAULTS.ignore),
  ),
  /**
   * Noise control: the first `maxPerWindow` failures of one service (or task family) within a
   * window of `windowMinutes` are mailed one by one; the next one sends a single summary that mutes
   * the rest of that window. Default on: 3 per 15 min.
   */
  noise: z._default(
    z.strictObject({
      enabled: z._default(z.boolean(), ALERTS_DEFAULTS.noise.enabled),
      maxPerWindow: z._default(whole(1, 100), ALERTS_DEFAULTS.noise.maxPerWindow),
      windowMinutes: z._default(whole(1, 1440), ALERTS_DEFAULTS.noise.windowMinutes),
    }),
    () => ({ ...ALERTS_DEFAULTS.noise }),
  ),
});

export type AlertsConfig = z.infer<typeof alertsSchema>;
