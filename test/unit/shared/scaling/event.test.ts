import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PermanentError } from '../../../../shared/kernel/errors';
import { parseScaleEvent } from '../../../../shared/scaling/event';
import scheduled from '../../../../events/scale-queues-scheduled.json';

describe('Function: parseScaleEvent', () => {
  it.each([
    ['{}', {}, { mode: 'once' }],
    ['null', null, { mode: 'once' }],
    [
      'a minute with its scheduled time',
      { mode: 'minute', scheduledTime: '2026-03-02T10:00:00Z' },
      { mode: 'minute', anchor: Date.parse('2026-03-02T10:00:00Z') },
    ],
    [
      'an unreadable scheduled time, naming it and the fallback',
      { mode: 'minute', scheduledTime: 'soon' },
      {
        mode: 'minute',
        unreadable: { field: 'scheduledTime', value: 'soon', fallback: "the function's clock" },
      },
    ],
    ['unknown keys', { mode: 'once', 'detail-type': 'Scheduled Event' }, { mode: 'once' }],
  ])('reads %s', (_case, event, expected) => {
    expect(parseScaleEvent(event)).toEqual(expected);
  });

  it('reads the sample event as Scheduler sends it', () => {
    expect(parseScaleEvent(scheduled)).toEqual({
      mode: 'minute',
      anchor: Date.parse(scheduled.scheduledTime),
    });
  });

  it.each([
    ['a string', 'go'],
    ['an array', []],
    ['an unknown mode', { mode: 'hourly' }],
    ['a scheduled time that is not a string', { scheduledTime: 42 }],
    ['a huge scheduled time', { scheduledTime: 'x'.repeat(100_000) }],
  ])('rejects %s as a permanent error', (_case, event) => {
    expect(() => parseScaleEvent(event)).toThrow(PermanentError);
  });

  it('reads JSON with `__proto__` keys as plain data, polluting nothing', () => {
    const event: unknown = JSON.parse('{"__proto__": {"mode": "minute", "polluted": true}, "mode": "once"}');

    expect(parseScaleEvent(event)).toEqual({ mode: 'once' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers any JSON payload with an invocation or a PermanentError, nothing else (fuzz)', () => {
    const payload = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          mode: fc.oneof(fc.constantFrom('minute', 'once'), fc.jsonValue()),
          scheduledTime: fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.string(),
            fc.jsonValue(),
          ),
          __proto__: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
      fc.string().map((key) => JSON.parse(JSON.stringify({ [key]: 'x'.repeat(1000) })) as unknown),
    );
    fc.assert(
      fc.property(payload, (event) => {
        let invocation;
        try {
          invocation = parseScaleEvent(event);
        } catch (error) {
          expect(error).toBeInstanceOf(PermanentError);
          return;
        }
        expect(['minute', 'once']).toContain(invocation.mode);
        expect(Object.keys(invocation).every((k) => ['mode', 'anchor', 'unreadable'].includes(k))).toBe(true);
        if (invocation.unreadable) expect(invocation.anchor).toBeUndefined();
        if (invocation.anchor !== undefined) expect(Number.isFinite(invocation.anchor)).toBe(true);
        expect(({} as Record<string, unknown>).mode).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });
});
