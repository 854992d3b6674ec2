import * as z from 'zod/mini';
import { PermanentError } from '../kernel/errors.js';
import { summarizeIssues } from '../kernel/issues.js';
import { printable } from '../kernel/text/escape.js';

/**
 * The invocation payload of scaleQueues. Scheduler sends what the schedule's Input says
 * (`{"mode": "minute", "scheduledTime": "<aws.scheduler.scheduled-time>"}`); an on-demand
 * invocation (`sls invoke -f scaleQueues`, a console test with `{}`) evaluates every scaler once.
 * Unknown keys are ignored: the payload decides nothing but how often to evaluate.
 */
const scaleEventSchema = z.looseObject({
  /** 'minute': every intervalSeconds until the minute is over; 'once' (default): one evaluation each. */
  mode: z._default(z.enum(['minute', 'once']), 'once'),
  /** Scheduler's scheduled time (ISO 8601): the minute the invocation stands for. */
  scheduledTime: z.optional(z.string().check(z.maxLength(64))),
});

export interface ScaleInvocation {
  mode: 'minute' | 'once';
  /** The scheduled time as epoch ms, when it was given and readable. */
  anchor?: number;
  /** A field that was given but could not be read, its escaped value, and what was used instead. */
  unreadable?: { field: 'scheduledTime'; value: string; fallback: string };
}

/** Reads the invocation payload; anything but an object with these fields is a PermanentError. */
export function parseScaleEvent(event: unknown): ScaleInvocation {
  const result = scaleEventSchema.safeParse(event ?? {});
  if (!result.success) {
    throw new PermanentError(`not a scaleQueues invocation: ${summarizeIssues(result.error.issues)}`);
  }
  const given = result.data.scheduledTime;
  const anchor = given ? Date.parse(given) : Number.NaN;
  if (!Number.isNaN(anchor)) return { mode: result.data.mode, anchor };
  // The clock is a safe fallback (the minute only paces evaluations), but say that it was used.
  const unreadable =
    given === undefined
      ? {}
      : {
          unreadable: {
            field: 'scheduledTime' as const,
            value: printable(given),
            fallback: "the function's clock",
          },
        };
  return { mode: result.data.mode, ...unreadable };
}
