import { PermanentError } from '../../shared/kernel/errors.js';

/** Messages sent to the queue at one second of a trace. */
export interface TraceRow {
  /** Seconds since the start of the trace (whole). */
  at: number;
  messages: number;
}

/** An arrival trace: when messages reach the queue. */
export interface Trace {
  /** Wall-clock time of second 0 (the first row's time, or the epoch for traces in plain seconds). */
  start: Date;
  /** One row per second with arrivals, in time order. */
  rows: TraceRow[];
  totalMessages: number;
  /** Second of the last row. */
  lastArrival: number;
}

/** A trace file that cannot be read as intended; names the line. */
export class TraceError extends PermanentError {}

/** Simulations run at one-second ticks; these bounds keep one run within a few seconds. */
export const TRACE_LIMITS = { maxMessages: 2_000_000, maxSeconds: 7 * 24 * 3600 } as const;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const SECONDS = /^\d+(\.\d+)?$/;

/**
 * Reads a CSV arrival trace: `timestamp,messages` per line. A timestamp is either an ISO-8601 time
 * with a zone (2026-01-05T09:00:00Z) or seconds since the start (0, 12.5); one file uses one kind.
 * Times must not go backwards; rows at the same second add up; fractions of a second are dropped.
 * An optional header line (`timestamp,messages`), blank lines and `#` comments are skipped.
 */
export function parseTrace(text: string, source = 'trace'): Trace {
  const perSecond = new Map<number, number>();
  let kind: 'iso' | 'seconds' | undefined;
  let startMs = 0;
  let previous = -Infinity;
  let total = 0;
  let sawHeader = false;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    const where = `${source}:${index + 1}`;
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    if (!sawHeader && kind === undefined && /^timestamp$/i.test(cells[0] ?? '')) {
      sawHeader = true;
      continue;
    }
    if (cells.length !== 2) {
      throw new TraceError(`${where}: expected "timestamp,messages", got ${cells.length} fields`);
    }
    const [stamp, count] = cells as [string, string];
    if (!/^\d+$/.test(count) || Number(count) > TRACE_LIMITS.maxMessages) {
      throw new TraceError(`${where}: messages must be a whole number from 0 (got "${count}")`);
    }
    const lineKind = ISO.test(stamp) ? 'iso' : SECONDS.test(stamp) ? 'seconds' : undefined;
    if (lineKind === undefined) {
      throw new TraceError(
        `${where}: timestamp must be an ISO-8601 time with a zone (2026-01-05T09:00:00Z) or seconds from the start (got "${stamp}")`,
      );
    }
    if (kind !== undefined && lineKind !== kind) {
      throw new TraceError(`${where}: mixes ISO times and plain seconds; use one kind per file`);
    }
    let atMs: number;
    if (lineKind === 'iso') {
      atMs = Date.parse(stamp);
      if (Number.isNaN(atMs)) throw new TraceError(`${where}: "${stamp}" is not a valid time`);
      if (kind === undefined) startMs = atMs;
      atMs -= startMs;
    } else {
      atMs = Number(stamp) * 1000;
    }
    kind = lineKind;
    if (atMs < previous) {
      throw new TraceError(`${where}: time goes backwards (rows must be in time order)`);
    }
    previous = atMs;
    const at = Math.floor(atMs / 1000);
    if (at > TRACE_LIMITS.maxSeconds) {
      throw new TraceError(`${where}: the trace is longer than ${TRACE_LIMITS.maxSeconds / 86400} days`);
    }
    const messages = Number(count);
    total += messages;
    if (total > TRACE_LIMITS.maxMessages) {
      throw new TraceError(`${where}: more than ${TRACE_LIMITS.maxMessages} messages in the trace`);
    }
    if (messages > 0) perSecond.set(at, (perSecond.get(at) ?? 0) + messages);
  }
  if (total === 0) throw new TraceError(`${source}: no messages (expected lines of "timestamp,messages")`);
  const rows = [...perSecond].map(([at, messages]) => ({ at, messages }));
  return { start: new Date(startMs), rows, totalMessages: total, lastArrival: rows[rows.length - 1]!.at };
}
