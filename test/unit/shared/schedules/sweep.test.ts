import { describe, expect, it, vi } from 'vitest';
import { scheduleSchema, type ScheduleConfig } from '../../../../shared/schedules/config';
import { RetryableError } from '../../../../shared/kernel/errors';
import { processSlotMessage, type ScheduleServiceDeps } from '../../../../shared/schedules/service';
import { MAX_STOPS_PER_SWEEP, SWEEP_MESSAGE } from '../../../../shared/schedules/runtime';
import type { ActiveTask } from '../../../../shared/schedules/slot';
import { recordingLogger } from '../../../helpers/log';

const NOW = new Date('2026-11-21T10:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const arnOf = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task/reports/${String(n).padStart(32, '0')}`;

function schedule(name: string, fields: Record<string, unknown> = {}): ScheduleConfig {
  return scheduleSchema.parse({
    name,
    schedule: 'rate(1 hour)',
    ...fields,
    task: {
      cluster: 'reports',
      taskDefinition: 'reporter',
      container: 'app',
      subnets: ['subnet-0123abcd'],
      securityGroups: ['sg-0123abcd'],
    },
  });
}

const limited = schedule('limited', { maxRuntimeMinutes: 30 });
const alsoLimited = schedule('also-limited', { maxRuntimeMinutes: 60 });
const unlimited = schedule('unlimited');
const run = (n: number, name: string, minutes: number): ActiveTask => ({
  taskArn: arnOf(n),
  lastStatus: 'RUNNING',
  slot: '2026-11-21T09:00:00Z',
  schedule: name,
  startedAt: ago(minutes),
});

type Deps = ScheduleServiceDeps;

function sweep(
  active: Record<string, ActiveTask[] | Error>,
  stop?: Deps['tasks']['stop'],
  schedules: ScheduleConfig[] = [limited, unlimited],
) {
  const tasks = {
    listActive: vi.fn<Deps['tasks']['listActive']>(async (_cluster, startedBy) => {
      const found = active[startedBy.replace('ecs-pilot/', '')] ?? [];
      if (found instanceof Error) throw found;
      return found;
    }),
    stop: vi.fn<Deps['tasks']['stop']>(stop ?? (async () => undefined)),
  };
  const launcher = { start: vi.fn<Deps['launcher']['start']>() };
  const context: Record<string, string> = {};
  const outcome = processSlotMessage(JSON.stringify(SWEEP_MESSAGE), context, {
    schedules,
    launcher,
    tasks,
    logger: recordingLogger(),
    now: () => NOW,
  });
  return { outcome, tasks, launcher, context };
}

describe('Function: processSlotMessage (maximum-runtime sweep)', () => {
  it('stops only the runs past their schedule’s limit, with the reason, and starts nothing', async () => {
    const { outcome, tasks, launcher } = sweep({
      limited: [run(1, 'limited', 31), run(2, 'limited', 5)],
      unlimited: [run(3, 'unlimited', 600)],
    });

    await expect(outcome).resolves.toEqual({
      decision: 'swept',
      stopped: [
        {
          schedule: 'limited',
          taskArn: arnOf(1),
          reason: 'ecs-pilot: maximum runtime exceeded: schedule limited ran 31 min, limit 30 min',
        },
      ],
      deferred: 0,
    });
    expect(tasks.stop).toHaveBeenCalledExactlyOnceWith(
      'reports',
      arnOf(1),
      'ecs-pilot: maximum runtime exceeded: schedule limited ran 31 min, limit 30 min',
    );
    // A schedule without a limit is not even read.
    expect(tasks.listActive).toHaveBeenCalledExactlyOnceWith('reports', 'ecs-pilot/limited');
    expect(launcher.start).not.toHaveBeenCalled();
  });

  it(`stops at most ${MAX_STOPS_PER_SWEEP} runs per sweep and counts the rest as deferred`, async () => {
    const many = Array.from({ length: MAX_STOPS_PER_SWEEP + 3 }, (_, i) => run(i, 'limited', 45));

    const { outcome, tasks } = sweep({ limited: many });

    await expect(outcome).resolves.toMatchObject({ deferred: 3 });
    expect(tasks.stop).toHaveBeenCalledTimes(MAX_STOPS_PER_SWEEP);
  });

  it('marks its dead-letter context as a sweep, so no slot alert is mailed for it', async () => {
    const { outcome, context } = sweep({});

    await outcome;
    expect(context).toEqual({ 'ecs-pilot-sweep': 'max-runtime' });
  });

  it('lets a StopTask failure propagate, so the queue retries the sweep', async () => {
    const { outcome } = sweep({ limited: [run(1, 'limited', 31)] }, async () => {
      throw new RetryableError('StopTask throttled');
    });

    await expect(outcome).rejects.toThrow(RetryableError);
  });

  it('still sweeps the other schedules when one schedule’s tasks cannot be read, then fails the sweep for a retry', async () => {
    const { outcome, tasks } = sweep(
      { limited: new RetryableError('ListTasks throttled'), 'also-limited': [run(2, 'also-limited', 61)] },
      undefined,
      [limited, alsoLimited],
    );

    const error: unknown = await outcome.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toBe(
      'maximum-runtime sweep failed for limited (RetryableError: ListTasks throttled)',
    );
    expect(tasks.stop).toHaveBeenCalledExactlyOnceWith(
      'reports',
      arnOf(2),
      expect.stringContaining('also-limited'),
    );
  });

  it('is idempotent: a redelivered sweep finds the stopped run gone and stops nothing more', async () => {
    const first = sweep({ limited: [run(1, 'limited', 31)] });
    await first.outcome;
    // ECS no longer lists a task told to stop (ListTasks' default desiredStatus is RUNNING).
    const again = sweep({ limited: [] });

    await expect(again.outcome).resolves.toMatchObject({ stopped: [] });
    expect(again.tasks.stop).not.toHaveBeenCalled();
  });
});
