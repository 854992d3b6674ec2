import * as z from 'zod/mini';
import { PermanentError } from '../kernel/errors.js';
import { summarizeIssues } from '../kernel/issues.js';
import { printable } from '../kernel/text/escape.js';

/**
 * The direct invocation payload of scaleQueues. Scheduler sends what the schedule's Input says
 * (`{"mode": "minute", "scheduledTime": "<aws.scheduler.scheduled-time>"}`): the heartbeat, one
 * tick of every chain; an on-demand invocation (`sls invoke -f scaleQueues`, a console test with
 * `{}`) evaluates every scaler once and starts no chain. The tick queue's events are read by
 * {@link parseTickEvent}. Unknown keys are ignored: the payload decides nothing but when to evaluate.
 */
const scaleEventSchema = z.looseObject({
  /** 'minute': the heartbeat (a tick of every chain); 'once' (default): one evaluation each, no chain. */
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

/** The body of a tick message on the stage's tick queue: the chain (its intervalSeconds) and its slot. */
const tickBodySchema = z.looseObject({
  intervalSeconds: z.number().check(z.int(), z.gte(10), z.lte(60)),
  slot: z.number().check(z.int(), z.gte(0), z.lte(Number.MAX_SAFE_INTEGER)),
});

export interface TickMessage {
  intervalSeconds: number;
  slot: number;
}

/** The body the function sends as the next tick of a chain. */
export const tickBody = (tick: TickMessage): string =>
  JSON.stringify({ intervalSeconds: tick.intervalSeconds, slot: tick.slot });

/** Tick messages as the event source mapping delivers them: the readable ones, and the others with why. */
export interface TickDelivery {
  ticks: (TickMessage & { messageId: string })[];
  malformed: { messageId: string; reason: string }[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An SQS event source mapping's event (`{"Records": [{"eventSource": "aws:sqs", …}]}`). */
export const isSqsEvent = (event: unknown): event is { Records: unknown[] } =>
  isRecord(event) &&
  Array.isArray(event.Records) &&
  event.Records.length > 0 &&
  event.Records.every((r) => isRecord(r) && r.eventSource === 'aws:sqs');

/**
 * Reads the tick messages of an SQS event. A record that is not a tick (an unreadable body, a slot
 * that is not a whole number) is listed as malformed with its reason: it can never become readable,
 * so the handler drops it with a warning rather than let it come back until the dead-letter queue.
 */
export function parseTickEvent(event: { Records: unknown[] }): TickDelivery {
  const delivery: TickDelivery = { ticks: [], malformed: [] };
  for (const record of event.Records as Record<string, unknown>[]) {
    const messageId = typeof record.messageId === 'string' ? record.messageId : '';
    let body: unknown;
    try {
      body = JSON.parse(typeof record.body === 'string' ? record.body : '');
    } catch {
      delivery.malformed.push({ messageId, reason: 'the body is not JSON' });
      continue;
    }
    const result = tickBodySchema.safeParse(body);
    if (!result.success) {
      delivery.malformed.push({
        messageId,
        reason: `not a tick: ${summarizeIssues(result.error.issues)}`,
      });
      continue;
    }
    delivery.ticks.push({ messageId, intervalSeconds: result.data.intervalSeconds, slot: result.data.slot });
  }
  return delivery;
}
