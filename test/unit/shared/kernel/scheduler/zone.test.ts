import { describe, expect, it } from 'vitest';
import {
  formatLocal,
  isValidTimeZone,
  localEpoch,
  WallClock,
} from '../../../../../shared/kernel/scheduler/zone';

describe('Function: isValidTimeZone', () => {
  it.each([
    'UTC',
    'Etc/UTC',
    'GMT',
    'Europe/Berlin',
    'America/New_York',
    'America/Argentina/Buenos_Aires',
    'America/Port-au-Prince',
    'Asia/Kolkata',
    'Asia/Calcutta',
    'US/Eastern',
    'Etc/GMT+2',
    'Australia/Lord_Howe',
  ])('accepts the IANA name %s', (timeZone) => {
    expect(isValidTimeZone(timeZone)).toBe(true);
  });

  it.each([
    ['an offset', '+02:00'],
    ['a negative offset', '-05:00'],
    ['Z', 'Z'],
    ['a lowercase name', 'europe/berlin'],
    ['a lowercase UTC', 'utc'],
    ['a name in the wrong case', 'EUrope/Berlin'],
    ['an unknown name', 'Mars/Olympus'],
    ['an empty string', ''],
    ['a name with spaces', 'Europe/ Berlin'],
    ['a trailing slash', 'Europe/'],
  ])('refuses %s (%j)', (_, timeZone) => {
    expect(isValidTimeZone(timeZone)).toBe(false);
  });

  it('refuses a value that is not a string instead of crashing', () => {
    expect(isValidTimeZone(undefined as unknown as string)).toBe(false);
  });
});

describe('Function: localEpoch', () => {
  it('reads a wall time as if it were UTC', () => {
    expect(localEpoch({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 })).toBe(
      Date.UTC(2026, 2, 29, 2, 30),
    );
  });

  it('keeps years below 100 instead of mapping them to the 1900s', () => {
    expect(new Date(localEpoch({ year: 50, month: 1, day: 1, hour: 0, minute: 0 })).getUTCFullYear()).toBe(
      50,
    );
  });
});

describe('Function: formatLocal', () => {
  it.each([
    [0, '2026-03-29T03:00:00+00:00'],
    [2 * 3_600_000, '2026-03-29T03:00:00+02:00'],
    [-5 * 3_600_000, '2026-03-29T03:00:00-05:00'],
    [5.75 * 3_600_000, '2026-03-29T03:00:00+05:45'],
    [-(3_600_000 + 15 * 60_000 + 8_000), '2026-03-29T03:00:00-01:15:08'],
  ])('writes the offset %i ms as in %s', (offset, expected) => {
    expect(formatLocal({ year: 2026, month: 3, day: 29, hour: 3, minute: 0, second: 0 }, offset)).toBe(
      expected,
    );
  });
});

describe('Class: WallClock', () => {
  const berlin = new WallClock('Europe/Berlin');
  const at = (wall: string) => {
    const [date = '', time = ''] = wall.split('T');
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    const [hour, minute] = time.split(':').map(Number) as [number, number];
    return localEpoch({ year, month, day, hour, minute });
  };
  const iso = (instants: number[]) => instants.map((t) => new Date(t).toISOString());

  it.each<[string, string, string[]]>([
    ['an ordinary wall time occurs once', '2026-03-28T02:30', ['2026-03-28T01:30:00.000Z']],
    ['a wall time in the spring-forward gap never occurs', '2026-03-29T02:30', []],
    ['the first minute after the gap occurs once', '2026-03-29T03:00', ['2026-03-29T01:00:00.000Z']],
    ['the last minute before the gap occurs once', '2026-03-29T01:59', ['2026-03-29T00:59:00.000Z']],
    [
      'a wall time in the fall-back overlap occurs twice, earliest first',
      '2026-10-25T02:30',
      ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'],
    ],
    ['the end of the overlap occurs once', '2026-10-25T03:00', ['2026-10-25T02:00:00.000Z']],
    ['a wall time just before the overlap occurs once', '2026-10-25T01:59', ['2026-10-24T23:59:00.000Z']],
  ])('in Europe/Berlin %s (%s)', (_, wall, expected) => {
    expect(iso(berlin.instantsOf(at(wall)).instants)).toEqual(expected);
  });

  it('reports the offset before a gap so a caller can shift past it', () => {
    expect(berlin.instantsOf(at('2026-03-29T02:30')).offsetBefore).toBe(3_600_000);
  });

  it('reads the wall time and offset at an instant', () => {
    expect(berlin.wallAt(Date.UTC(2026, 9, 25, 0, 30, 15))).toEqual({
      year: 2026,
      month: 10,
      day: 25,
      hour: 2,
      minute: 30,
      second: 15,
    });
    expect(berlin.offsetAt(Date.UTC(2026, 9, 25, 0, 30))).toBe(2 * 3_600_000);
    expect(berlin.offsetAt(Date.UTC(2026, 9, 25, 1, 30))).toBe(3_600_000);
    expect(berlin.format(Date.UTC(2026, 9, 25, 1, 30))).toBe('2026-10-25T02:30:00+01:00');
  });

  it('reads midnight as hour 0, not 24', () => {
    expect(new WallClock('UTC').wallAt(Date.UTC(2026, 0, 1)).hour).toBe(0);
  });
});
