import { describe, expect, it } from 'vitest';
import { renderSlotFailure, type SlotFailure } from '../../../../shared/schedules/alert';

const failure = (fields: Partial<SlotFailure> = {}): SlotFailure => ({
  schedule: 'nightly',
  slot: '2026-11-21T02:00:00Z',
  reason:
    'gave up after 8 attempts; last error: RunTask started no task: Capacity is unavailable at this time',
  attempts: '8',
  cluster: 'reports',
  taskDefinition: 'reporter',
  ...fields,
});

describe('Function: renderSlotFailure', () => {
  it('names the schedule and the slot in the subject, and the reason and the way out in the body', () => {
    const alert = renderSlotFailure(failure());

    expect(alert.subject).toBe('ecs-pilot schedule nightly: slot 2026-11-21T02:00:00Z did not start');
    expect(alert.body).toContain('Capacity is unavailable at this time');
    expect(alert.body).toContain('Cluster          reports');
    expect(alert.body).toContain('Task definition  reporter');
    expect(alert.body).toContain('Attempts         8');
    expect(alert.body).toContain('SchedulesDeadLetterQueueUrl');
    expect(alert.attributes).toEqual({
      kind: 'schedule-failed',
      alert: 'schedule',
      schedule: 'nightly',
      cluster: 'reports',
    });
  });

  it('keeps the subject under 100 ASCII characters for a long schedule name and non-ASCII text', () => {
    const alert = renderSlotFailure(failure({ schedule: `rapport-${'é'.repeat(120)}` }));

    expect(alert.subject.length).toBeLessThanOrEqual(99);
    expect(alert.subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('clips a huge reason and strips control characters', () => {
    const alert = renderSlotFailure(failure({ reason: `boom\u0000\u0007 ${'x'.repeat(100_000)}` }));

    expect(alert.body.length).toBeLessThan(10_000);
    expect(alert.body).not.toContain('\u0000');
    expect(alert.body).not.toContain('\u0007');
  });

  it('leaves out what is unknown', () => {
    const alert = renderSlotFailure(
      failure({ attempts: undefined, cluster: undefined, taskDefinition: undefined }),
    );

    expect(alert.body).not.toContain('Cluster');
    expect(alert.body).not.toContain('Attempts');
    expect(alert.attributes).not.toHaveProperty('cluster');
  });
});
