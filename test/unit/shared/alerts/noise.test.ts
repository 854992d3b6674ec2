import { describe, expect, it } from 'vitest';
import { actionFromState, noiseSubject, noiseWindow, windowTime } from '../../../../shared/alerts/noise';
import { stopped } from './fixtures';

const NOW = new Date('2026-11-21T12:00:00Z');

describe('Function: noiseSubject', () => {
  it('groups by service within its cluster, else by task family, else by group or task', () => {
    expect(noiseSubject(stopped({ cluster: 'prod', service: 'web' }))).toBe('prod/service:web');
    expect(noiseSubject(stopped({ cluster: 'batch', group: 'family:report', family: 'report' }))).toBe(
      'batch/family:report',
    );
    const bare = stopped({ group: null });
    expect(noiseSubject({ ...bare, family: undefined })).toBe(`prod/group:${bare.taskId}`);
  });

  it('keeps the same service in two clusters apart', () => {
    expect(noiseSubject(stopped({ cluster: 'a' }))).not.toBe(noiseSubject(stopped({ cluster: 'b' })));
  });
});

describe('Function: noiseWindow', () => {
  it('puts a failure in the fixed window of its stop time, aligned on the epoch', () => {
    const window = noiseWindow(
      stopped({ stoppedAt: '2026-11-21T09:42:16.861Z' }),
      { windowMinutes: 15 },
      NOW,
    );

    expect(window.start.toISOString()).toBe('2026-11-21T09:30:00.000Z');
    expect(window.end.toISOString()).toBe('2026-11-21T09:45:00.000Z');
    expect(window.key).toBe('noise#prod/service:web#2026-11-21T09:30:00.000Z');
    expect(window.expiresAt).toBe(Date.parse('2026-11-22T09:45:00Z') / 1000);
  });

  it('gives a redelivery the same window whenever it is processed', () => {
    const event = stopped();

    expect(noiseWindow(event, { windowMinutes: 15 }, NOW)).toEqual(
      noiseWindow(event, { windowMinutes: 15 }, new Date('2026-12-01T00:00:00Z')),
    );
  });

  it('splits failures on both sides of a window boundary', () => {
    const before = noiseWindow(
      stopped({ stoppedAt: '2026-11-21T09:44:59.999Z' }),
      { windowMinutes: 15 },
      NOW,
    );
    const after = noiseWindow(stopped({ stoppedAt: '2026-11-21T09:45:00.000Z' }), { windowMinutes: 15 }, NOW);

    expect(before.key).not.toBe(after.key);
  });

  it('falls back to the event time, then to now, when the stop time is unreadable', () => {
    const event = { ...stopped(), stoppedAt: 'garbage' };

    expect(noiseWindow(event, { windowMinutes: 60 }, NOW).start.toISOString()).toBe(
      '2026-11-21T09:00:00.000Z',
    );
    expect(noiseWindow({ ...event, time: undefined }, { windowMinutes: 60 }, NOW).start.toISOString()).toBe(
      '2026-11-21T12:00:00.000Z',
    );
  });

  it('hashes very long subjects into a short key', () => {
    const window = noiseWindow(stopped({ service: 's'.repeat(2000) }), { windowMinutes: 15 }, NOW);

    expect(window.key).toMatch(/^noise#sha256:[0-9a-f]{64}#/);
  });
});

describe('Function: actionFromState', () => {
  it.each([
    [{ alerted: ['a', 'b'], suppressed: 0 }, 'a', 'alert'],
    [{ alerted: ['a', 'b'], summaryTask: 'c', suppressed: 0 }, 'c', 'summary'],
    [{ alerted: ['a', 'b'], suppressed: 0 }, 'c', 'claim-summary'],
    [{ alerted: ['a', 'b'], summaryTask: 'c', suppressed: 4 }, 'd', 'suppress'],
  ])('reads %j for task %s as %s', (state, task, action) => {
    expect(actionFromState(state, task)).toBe(action);
  });
});

describe('Function: windowTime (issue 18)', () => {
  const now = new Date('2026-11-21T10:00:00.000Z');

  it('chooses the window by stoppedAt when it can be read and is not ahead of the clock', () => {
    expect(windowTime({ stoppedAt: '2026-11-21T09:42:16.861Z', time: '2026-11-21T09:42:17Z' }, now)).toEqual({
      at: new Date('2026-11-21T09:42:16.861Z'),
      source: 'detail.stoppedAt',
      problems: [],
    });
  });

  it('skips a stoppedAt a day ahead and says so, falling back to the event time', () => {
    const result = windowTime({ stoppedAt: '2026-11-22T10:00:00Z', time: '2026-11-21T09:59:00Z' }, now);

    expect(result.source).toBe('time');
    expect(result.problems).toEqual([
      { field: 'detail.stoppedAt', value: '2026-11-22T10:00:00Z', problem: 'ahead', minutesAhead: 1440 },
    ]);
  });

  it('falls back to the function clock when neither time can be used, naming both', () => {
    const result = windowTime({ stoppedAt: 'soon', time: '2027-01-01T00:00:00Z' }, now);

    expect(result).toMatchObject({ at: now, source: 'clock' });
    expect(result.problems.map((p) => [p.field, p.problem])).toEqual([
      ['detail.stoppedAt', 'unreadable'],
      ['time', 'ahead'],
    ]);
  });

  it('allows 5 minutes of clock skew', () => {
    expect(windowTime({ stoppedAt: '2026-11-21T10:05:00Z', time: undefined }, now).source).toBe(
      'detail.stoppedAt',
    );
    expect(windowTime({ stoppedAt: '2026-11-21T10:05:01Z', time: undefined }, now).source).toBe('clock');
  });

  it('keeps a crash loop dated ahead in the current window instead of opening a fresh one', () => {
    const ahead = { ...stopped({ stoppedAt: '2026-11-22T10:00:00Z' }), time: '2026-11-22T10:00:01Z' };

    expect(noiseWindow(ahead, { windowMinutes: 15 }, now).start.toISOString()).toBe(
      '2026-11-21T10:00:00.000Z',
    );
  });
});
