/**
 * How far an event's time may be ahead of the function's clock before it is called "from the
 * future": 5 minutes, for clock skew only. AWS never sends events dated ahead; one that is comes
 * from a replay, a hand-made test event or a wrong clock.
 */
export const FUTURE_SKEW_MINUTES = 5;

/** An event's time as read against the function's clock. */
export type EventTime =
  | { kind: 'ok'; at: Date }
  | { kind: 'missing' }
  | { kind: 'unreadable'; value: string }
  | { kind: 'ahead'; at: Date; minutes: number };

/** Reads an ISO-8601 event time: missing, unreadable, too far ahead, or usable. Pure. */
export function readEventTime(
  value: string | undefined,
  now: Date,
  skewMinutes: number = FUTURE_SKEW_MINUTES,
): EventTime {
  if (value === undefined || value === '') return { kind: 'missing' };
  // Date.parse reads more than ISO-8601 (e.g. "1"); an event time must at least look like a date.
  const at = /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) return { kind: 'unreadable', value };
  const aheadMs = at.getTime() - now.getTime();
  if (aheadMs > skewMinutes * 60_000) return { kind: 'ahead', at, minutes: Math.round(aheadMs / 60_000) };
  return { kind: 'ok', at };
}
