import { describe, expect, it } from 'vitest';
import { isSweepMessage, judgeRuntimes, SWEEP_MESSAGE } from '../../../../shared/schedules/runtime';
import type { ActiveTask } from '../../../../shared/schedules/slot';

const NOW = new Date('2026-11-21T10:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const task = (fields: Partial<ActiveTask> = {}): ActiveTask => ({
  taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/reports/1111',
  lastStatus: 'RUNNING',
  slot: '2026-11-21T09:00:00Z',
  schedule: 'nightly',
  ...fields,
});
const nightly = { name: 'nightly', maxRuntimeMinutes: 60 };

describe('Function: judgeRuntimes', () => {
  it('stops a run at its limit, with a reason naming the schedule, the runtime and the limit', () => {
    expect(judgeRuntimes(nightly, [task({ startedAt: ago(60), createdAt: ago(62) })], NOW)).toStrictEqual([
      {
        action: 'stop',
        taskArn: task().taskArn,
        reason: 'ecs-pilot: maximum runtime exceeded: schedule nightly ran 60 min, limit 60 min',
      },
    ]);
  });

  it('keeps a run under its limit, counting from when it started, not when it was created', () => {
    expect(judgeRuntimes(nightly, [task({ startedAt: ago(59.9), createdAt: ago(90) })], NOW)).toStrictEqual([
      { action: 'keep', taskArn: task().taskArn, reason: 'ran 59 min of its 60 min limit' },
    ]);
  });

  it('counts a run still provisioning from when ECS created it, so a stuck PENDING run overruns too', () => {
    const [verdict] = judgeRuntimes(nightly, [task({ lastStatus: 'PENDING', createdAt: ago(75) })], NOW);

    expect(verdict).toMatchObject({ action: 'stop', reason: expect.stringContaining('ran 75 min') });
  });

  it.each([
    ['another schedule’s tag', { schedule: 'other' }, 'not tagged ecs-pilot:schedule=nightly'],
    ['no schedule tag', { schedule: undefined }, 'not tagged ecs-pilot:schedule=nightly'],
    ['no time at all', { startedAt: undefined, createdAt: undefined }, 'runtime is unknown'],
  ])('fails closed and keeps a task with %s', (_label, fields, reason) => {
    const [verdict] = judgeRuntimes(nightly, [task({ createdAt: ago(600), ...fields })], NOW);

    expect(verdict).toMatchObject({ action: 'keep', reason: expect.stringContaining(reason) });
  });

  it('judges nothing for a schedule without a limit', () => {
    expect(judgeRuntimes({ name: 'nightly' }, [task({ createdAt: ago(10_000) })], NOW)).toStrictEqual([]);
  });
});

describe('Function: isSweepMessage', () => {
  it('recognises the sweep schedule’s message and nothing else', () => {
    expect(isSweepMessage(JSON.parse(JSON.stringify(SWEEP_MESSAGE)))).toBe(true);
    expect(isSweepMessage({ schedule: 'nightly', scheduledTime: '2026-11-21T09:00:00Z' })).toBe(false);
    expect(isSweepMessage({ sweep: 'other' })).toBe(false);
    expect(isSweepMessage(null)).toBe(false);
  });
});
