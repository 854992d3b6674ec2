import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../shared/errors';
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
    ['an unreadable scheduled time', { mode: 'minute', scheduledTime: 'soon' }, { mode: 'minute' }],
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
});
