import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../shared/kernel/errors';
import { parseTrace, TraceError } from '../../../../bin/simulator/trace';

describe('Function: parseTrace', () => {
  it('reads ISO times relative to the first row, skipping the header, comments and blank lines', () => {
    // Prepare
    const text = [
      '# a comment',
      'timestamp,messages',
      '2026-01-05T09:00:00Z,3',
      '',
      '2026-01-05T09:00:10Z,0',
      '2026-01-05T10:01:30+01:00,2',
      '2026-01-05T09:01:30.900Z, 4 ',
    ].join('\r\n');

    // Act
    const trace = parseTrace(text);

    // Assess
    expect(trace).toEqual({
      start: new Date('2026-01-05T09:00:00Z'),
      rows: [
        { at: 0, messages: 3 },
        { at: 90, messages: 6 },
      ],
      totalMessages: 9,
      lastArrival: 90,
    });
  });

  it('reads plain seconds from the start, adding rows of the same second and dropping fractions', () => {
    const trace = parseTrace('0,1\n2.5,2\n2.9,3\n10,4\n');

    expect(trace.start).toEqual(new Date(0));
    expect(trace.rows).toEqual([
      { at: 0, messages: 1 },
      { at: 2, messages: 5 },
      { at: 10, messages: 4 },
    ]);
    expect(trace.lastArrival).toBe(10);
  });

  it.each([
    ['a row with three fields', '0,1,2', 'trace:1: expected "timestamp,messages", got 3 fields'],
    ['a negative count', '0,-1', 'trace:1: messages must be a whole number from 0 (got "-1")'],
    ['a fractional count', '0,1.5', 'trace:1: messages must be a whole number from 0 (got "1.5")'],
    [
      'a time without a zone',
      '2026-01-05T09:00:00,1',
      'trace:1: timestamp must be an ISO-8601 time with a zone (2026-01-05T09:00:00Z) or seconds from the start (got "2026-01-05T09:00:00")',
    ],
    ['an impossible date', '2026-13-45T09:00:00Z,1', 'trace:1: "2026-13-45T09:00:00Z" is not a valid time'],
    [
      'mixed kinds',
      '0,1\n2026-01-05T09:00:00Z,1',
      'trace:2: mixes ISO times and plain seconds; use one kind per file',
    ],
    ['time going backwards', '10,1\n5,1', 'trace:2: time goes backwards (rows must be in time order)'],
    [
      'no messages at all',
      'timestamp,messages\n0,0\n',
      'trace: no messages (expected lines of "timestamp,messages")',
    ],
    ['an empty file', '', 'trace: no messages (expected lines of "timestamp,messages")'],
    ['a trace longer than 7 days', '0,1\n700000,1', 'trace:2: the trace is longer than 7 days'],
    ['too many messages', '0,2000000\n1,1', 'trace:2: more than 2000000 messages in the trace'],
  ])('refuses %s with the line', (_label, text, message) => {
    expect(() => parseTrace(text)).toThrow(TraceError);
    expect(() => parseTrace(text)).toThrow(message);
  });

  it('names the source in errors', () => {
    expect(() => parseTrace('0,x', 'bench/traces/x.csv')).toThrow(/^bench\/traces\/x\.csv:1: /);
  });

  it('is a permanent error', () => {
    expect(() => parseTrace('')).toThrow(PermanentError);
  });

  it.each([
    ['steady', '2026-01-05T09:00:00.000Z'],
    ['bursty', '2026-01-05T09:00:00.000Z'],
    ['idle-spikes', '2026-01-05T09:00:00.000Z'],
    ['diurnal-ramp', '2026-01-05T00:00:00.000Z'],
    ['heavy-tailed-gaps', '2026-01-05T00:00:00.000Z'],
    ['spike-after-idle', '2026-01-05T00:00:00.000Z'],
  ])('reads the shipped %s trace', (name, start) => {
    const text = readFileSync(`bench/traces/${name}.csv`, 'utf8');
    const declared = Number(/# (\d+) messages/.exec(text)?.[1]);

    const trace = parseTrace(text, name);

    expect(trace.totalMessages).toBe(declared);
    expect(trace.start.toISOString()).toBe(start);
  });

  it('ships a spike after three idle hours: 400 messages within one minute and nothing before', () => {
    const trace = parseTrace(readFileSync('bench/traces/spike-after-idle.csv', 'utf8'));

    expect(trace.rows[0]!.at).toBe(3 * 3600);
    expect(trace.lastArrival - trace.rows[0]!.at).toBeLessThan(60);
    expect(trace.totalMessages).toBe(400);
  });

  it('either reads a line-based text or refuses it with a TraceError, never anything else', () => {
    const line = fc.oneof(
      fc.string(),
      fc
        .tuple(fc.integer({ min: -5, max: 100 }), fc.integer({ min: -5, max: 100 }))
        .map(([a, b]) => `${a},${b}`),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), (lines) => {
        try {
          const trace = parseTrace(lines.join('\n'));
          expect(trace.totalMessages).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(TraceError);
        }
      }),
    );
  });
});
