/**
 * Wall-clock arithmetic in IANA time zones with nothing but the platform's Intl API (full ICU).
 *
 * A "local epoch" is a wall time read as if it were UTC: `Date.UTC(y, m - 1, d, h, mi, s)`.
 * A zone's offset at an instant is its local epoch minus the instant.
 */
import type { LocalDateTime } from './types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Offsets in use lie within UTC-12:00 … UTC+14:00; one hour of margin on each side. */
const MAX_AHEAD = 15 * HOUR;
const MAX_BEHIND = 13 * HOUR;

/** IANA names only: every segment starts with a capital letter (UTC, Europe/Berlin, Etc/GMT+2). */
const IANA_SHAPE = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*)*$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * true for an IANA time zone name the platform knows (`UTC`, `Europe/Berlin`, aliases such as
 * `US/Eastern`); false for offsets (`+02:00`, `Z`), wrong case (`europe/berlin`) and unknown names.
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || !IANA_SHAPE.test(timeZone)) return false;
  if (knownZones.has(timeZone)) return true;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  // ICU matches names case-insensitively; IANA names are case-sensitive.
  if (resolved !== timeZone && resolved.toLowerCase() === timeZone.toLowerCase()) return false;
  knownZones.add(timeZone);
  return true;
}

/** Names already found valid (a few hundred at most: only valid names are kept). */
const knownZones = new Set<string>();

/** `Date.UTC` for any year: `Date.UTC` maps years 0-99 to 1900-1999. */
export function localEpoch(t: Omit<LocalDateTime, 'second'> & { second?: number }): number {
  const date = new Date(0);
  date.setUTCFullYear(t.year, t.month - 1, t.day);
  date.setUTCHours(t.hour, t.minute, t.second ?? 0, 0);
  return date.getTime();
}

/** Reads wall times and resolves them to instants in one time zone. */
export class WallClock {
  private readonly formatter: Intl.DateTimeFormat;
  /**
   * The last local day resolved (one entry is enough: runs go forward): the offsets on both sides
   * of it and, when they differ, the first instant of the new offset.
   */
  private day: { index: number; before: number; after: number; transition: number } | undefined;

  constructor(readonly timeZone: string) {
    this.formatter = formatterFor(timeZone);
  }

  /** The wall time at an instant (to the second). */
  wallAt(utcMs: number): LocalDateTime {
    const fields: Record<string, number> = {};
    for (const part of this.formatter.formatToParts(new Date(utcMs))) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    return {
      year: fields.year ?? 0,
      month: fields.month ?? 1,
      day: fields.day ?? 1,
      hour: (fields.hour ?? 0) % 24,
      minute: fields.minute ?? 0,
      second: fields.second ?? 0,
    };
  }

  /** The zone's offset from UTC at an instant, in milliseconds (whole seconds). */
  offsetAt(utcMs: number): number {
    const whole = Math.floor(utcMs / 1000) * 1000;
    return localEpoch(this.wallAt(whole)) - whole;
  }

  /**
   * Every instant at which the wall time `local` (a local epoch) occurs, earliest first: one
   * normally, none in a spring-forward gap, two in a fall-back overlap. `offsetBefore` is the
   * offset in force just before any transition near that wall time.
   *
   * Assumes at most one offset change within about two days, which holds for every zone in use.
   */
  instantsOf(local: number): { instants: number[]; offsetBefore: number } {
    const index = Math.floor(local / DAY);
    if (this.day?.index !== index) this.day = this.resolveDay(index);
    const { before, after, transition } = this.day;
    if (before === after) return { instants: [local - before], offsetBefore: before };
    // The wall time occurs under the old offset if that instant is before the change, and under
    // the new one if that instant is at or after it: both in an overlap, neither in a gap.
    const instants: number[] = [];
    if (local - before < transition) instants.push(local - before);
    if (local - after >= transition) instants.push(local - after);
    return { instants: instants.sort((a, b) => a - b), offsetBefore: before };
  }

  private resolveDay(index: number): { index: number; before: number; after: number; transition: number } {
    // Every instant of the local day lies in this UTC window, whatever the offset.
    let low = index * DAY - MAX_AHEAD;
    let high = (index + 1) * DAY + MAX_BEHIND;
    const before = this.offsetAt(low);
    const after = this.offsetAt(high);
    if (before !== after) {
      // Bisect to the second at which the new offset starts (tz transitions fall on whole seconds).
      while (high - low > 1000) {
        const middle = low + Math.floor((high - low) / 2000) * 1000;
        if (this.offsetAt(middle) === before) low = middle;
        else high = middle;
      }
    }
    return { index, before, after, transition: high };
  }

  /** `2026-03-29T03:00:00+02:00`: the wall time at an instant with the zone's offset. */
  format(utcMs: number): string {
    return formatLocal(this.wallAt(utcMs), this.offsetAt(utcMs));
  }
}

/** ISO-8601 local date-time with offset; an offset with seconds (before 1972 in some zones) keeps them. */
export function formatLocal(t: LocalDateTime, offsetMs: number): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const sign = offsetMs < 0 ? '-' : '+';
  const abs = Math.abs(Math.round(offsetMs / 1000));
  const seconds = abs % 60;
  const offset = `${sign}${pad(Math.floor(abs / 3600))}:${pad(Math.floor(abs / 60) % 60)}${seconds ? `:${pad(seconds)}` : ''}`;
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}${offset}`;
}
