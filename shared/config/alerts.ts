import * as z from 'zod/mini';
import { whole } from './common.js';

/** What stops are worth an email: failures (default), plus Spot interruptions, or every stop. */
export const NOTIFY_ON = ['failures', 'spot', 'all-stops'] as const;

const email = z
  .string()
  .check(z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an email address like oncall@example.com'));

/** Stop alerts: an email a human can act on when an ECS task stops for a reason that matters. */
export const alertsSchema = z.strictObject({
  /** Subscribed (by email) to the toolkit's alerts topic; each must confirm the subscription. */
  emails: z.array(email).check(z.minLength(1, 'at least one email address'), z.maxLength(20)),
  /** Clusters (names or ARNs) to watch; default: every cluster in the account and region. */
  clusters: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(50))),
  /** failures (default) | spot (adds Spot interruptions and termination notices) | all-stops. */
  notifyOn: z._default(z.array(z.enum(NOTIFY_ON)).check(z.minLength(1)), ['failures']),
  /** Services and task definition families never to alert on; default none. */
  ignore: z._default(
    z.strictObject({
      services: z._default(z.array(z.string().check(z.minLength(1))), []),
      families: z._default(z.array(z.string().check(z.minLength(1))), []),
    }),
    { services: [], families: [] },
  ),
  /**
   * Noise control: after `maxPerWindow` alerts for one service within `windowMinutes`, further
   * failures of that service in the window are summarised in one message. Default on: 3 per 15 min.
   */
  noise: z._default(
    z.strictObject({
      enabled: z._default(z.boolean(), true),
      maxPerWindow: z._default(whole(1, 100), 3),
      windowMinutes: z._default(whole(1, 1440), 15),
    }),
    { enabled: true, maxPerWindow: 3, windowMinutes: 15 },
  ),
});

export type AlertsConfig = z.infer<typeof alertsSchema>;
