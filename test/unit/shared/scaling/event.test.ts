import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PermanentError } from '../../../../shared/kernel/errors';
import { isSqsEvent, parseScaleEvent, parseTickEvent, tickBody } from '../../../../shared/scaling/event';
import scheduled from '../../../../events/scale-queues-scheduled.json';
import tick from '../../../../events/scale-queues-tick.json';

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

const record = (messageId: string, body: string) => ({
  messageId,
  receiptHandle: 'r',
  body,
  attributes: {},
  messageAttributes: {},
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:ecs-pilot-test-scaling-ticks',
});

describe('Function: isSqsEvent', () => {
  it.each([
    ['an event source mapping batch', { Records: [record('m1', '{}')] }, true],
    ['a heartbeat', { mode: 'minute' }, false],
    ['records of another source', { Records: [{ eventSource: 'aws:s3' }] }, false],
    ['no records', { Records: [] }, false],
    ['null', null, false],
  ])('tells %s', (_case, event, expected) => {
    expect(isSqsEvent(event)).toBe(expected);
  });
});

describe('Function: parseTickEvent', () => {
  it('reads the sample tick as the event source mapping delivers it', () => {
    expect(isSqsEvent(tick)).toBe(true);
    expect(parseTickEvent(tick)).toEqual({
      ticks: [
        {
          messageId: tick.Records[0]!.messageId,
          intervalSeconds: 10,
          slot: Date.parse('2026-03-02T10:00:10Z') / 10_000,
        },
      ],
      malformed: [],
    });
  });

  it('reads the ticks the function sends, and lists every other record as malformed with its reason', () => {
    const event = {
      Records: [
        record('m1', tickBody({ intervalSeconds: 10, slot: 177_000_000 })),
        record('m2', 'not json'),
        record('m3', JSON.stringify({ intervalSeconds: 10, slot: 1.5 })),
        record('m4', JSON.stringify({ intervalSeconds: 5, slot: 1 })),
        record('m5', JSON.stringify({ slot: 1, intervalSeconds: 20, extra: true })),
      ],
    };

    expect(parseTickEvent(event)).toEqual({
      ticks: [
        { messageId: 'm1', intervalSeconds: 10, slot: 177_000_000 },
        { messageId: 'm5', intervalSeconds: 20, slot: 1 },
      ],
      malformed: [
        { messageId: 'm2', reason: 'the body is not JSON' },
        { messageId: 'm3', reason: expect.stringContaining('slot') },
        { messageId: 'm4', reason: expect.stringContaining('intervalSeconds') },
      ],
    });
  });

  it('answers any body with a tick or a reason, never a throw (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (body) => {
          const { ticks, malformed } = parseTickEvent({ Records: [record('m', body)] });
          expect(ticks.length + malformed.length).toBe(1);
          for (const tick of ticks) expect(Number.isSafeInteger(tick.slot)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
