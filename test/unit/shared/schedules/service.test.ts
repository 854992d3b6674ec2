import { describe, expect, it, vi } from 'vitest';
import type { LaunchResult } from '../../../../shared/kernel/launch/aws/launcher';
import { scheduleSchema, type ScheduleConfig } from '../../../../shared/schedules/config';
import { PermanentError, RetryableError } from '../../../../shared/kernel/errors';
import { processSlotMessage, type ScheduleServiceDeps } from '../../../../shared/schedules/service';
import { planScheduledTask, type ActiveTask } from '../../../../shared/schedules/slot';
import { recordingLogger } from '../../../helpers/log';

const SLOT_TIME = '2026-11-21T09:00:00Z';
/** Five minutes after the slot: well inside the default 15-minute retry window. */
const NOW = new Date('2026-11-21T09:05:00Z');
const TASK_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/reports/11111111111111111111111111111111';
const PREVIOUS_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/reports/22222222222222222222222222222222';
const OLDER_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/reports/33333333333333333333333333333333';

function schedule(fields: Record<string, unknown>, task: Record<string, unknown> = {}): ScheduleConfig {
  return scheduleSchema.parse({
    schedule: 'cron(0 9 * * ? *)',
    ...fields,
    task: {
      cluster: 'reports',
      taskDefinition: 'reporter',
      container: 'app',
      subnets: ['subnet-0123abcd'],
      securityGroups: ['sg-0123abcd'],
      environment: { SLOT: '{scheduledTime}' },
      ...task,
    },
  });
}

const nightly = schedule({ name: 'nightly', overlap: 'skip' });
const parallel = schedule({ name: 'parallel', overlap: 'allow' }, { cluster: 'batch', maxRunning: 4 });
const refresh = schedule({ name: 'refresh', overlap: 'replace' });

const previousRun: ActiveTask = {
  taskArn: PREVIOUS_ARN,
  lastStatus: 'RUNNING',
  slot: '2026-11-20T09:00:00Z',
};
const olderRun: ActiveTask = { taskArn: OLDER_ARN, lastStatus: 'PENDING', slot: undefined };

type Deps = ScheduleServiceDeps;
type Start = Deps['launcher']['start'];
type ListActive = Deps['tasks']['listActive'];
type Stop = Deps['tasks']['stop'];

/** A slot message as Scheduler puts it on the queue. */
const slotBody = (name: string, scheduledTime = SLOT_TIME) =>
  JSON.stringify({ schedule: name, scheduledTime, executionId: 'e-0001' });

/** Runs one message through the service with fake adapters and a recording logger. */
function run(
  body: string,
  options: {
    active?: ActiveTask[];
    listActive?: ListActive;
    stop?: Stop;
    start?: Start;
    now?: (() => Date) | null;
  } = {},
) {
  const launcher = {
    start: vi.fn<Start>(options.start ?? (async () => ({ status: 'started', taskArn: TASK_ARN }))),
  };
  const tasks = {
    listActive: vi.fn<ListActive>(options.listActive ?? (async () => options.active ?? [])),
    stop: vi.fn<Stop>(options.stop ?? (async () => undefined)),
  };
  const logger = recordingLogger();
  const onDecision = vi.fn();
  const context: Record<string, string> = {};
  const deps: Deps = {
    schedules: [nightly, parallel, refresh],
    launcher,
    tasks,
    logger,
    onDecision,
    ...(options.now === null ? {} : { now: options.now ?? (() => NOW) }),
  };
  const outcome = processSlotMessage(body, context, deps);
  return { outcome, launcher, tasks, logger, onDecision, context };
}

const slotOf = (name: string, scheduledTime = SLOT_TIME) => ({
  schedule: name,
  scheduledTime: new Date(scheduledTime),
  executionId: 'e-0001',
});

describe('Function: processSlotMessage', () => {
  describe('when no previous run is active', () => {
    it('starts the planned task and logs one "slot started" line', async () => {
      // Act
      const { outcome, launcher, tasks, logger, onDecision } = run(slotBody('nightly'));

      // Assess
      await expect(outcome).resolves.toEqual({
        decision: 'started',
        schedule: 'nightly',
        slot: SLOT_TIME,
        overlap: 'skip',
        taskArn: TASK_ARN,
        reason: 'no previous run active',
      });
      expect(tasks.listActive).toHaveBeenCalledExactlyOnceWith('reports', 'ecs-pilot/nightly');
      expect(launcher.start).toHaveBeenCalledExactlyOnceWith(
        planScheduledTask(nightly, slotOf('nightly')),
        undefined,
      );
      expect(tasks.stop).not.toHaveBeenCalled();
      expect(onDecision).toHaveBeenCalledExactlyOnceWith('started');
      expect(logger.entries).toEqual([
        {
          level: 'info',
          message: 'slot started',
          extra: {
            decision: 'started',
            schedule: 'nightly',
            slot: SLOT_TIME,
            overlap: 'skip',
            taskArn: TASK_ARN,
            reason: 'no previous run active',
          },
        },
      ]);
    });

    it('passes the schedule’s maxRunning to the launcher and lists tasks in its cluster', async () => {
      // Act
      const { outcome, launcher, tasks } = run(slotBody('parallel'));

      // Assess
      await outcome;
      expect(tasks.listActive).toHaveBeenCalledExactlyOnceWith('batch', 'ecs-pilot/parallel');
      expect(launcher.start).toHaveBeenCalledExactlyOnceWith(
        expect.objectContaining({ cluster: 'batch', startedBy: 'ecs-pilot/parallel' }),
        4,
      );
    });

    it('plans the same request for every delivery of the slot', async () => {
      // Act
      const first = run(slotBody('nightly'));
      const second = run(
        JSON.stringify({ schedule: 'nightly', scheduledTime: SLOT_TIME, executionId: 'e-2' }),
      );
      await Promise.all([first.outcome, second.outcome]);

      // Assess
      expect(second.launcher.start.mock.calls[0]?.[0]).toStrictEqual(first.launcher.start.mock.calls[0]?.[0]);
    });
  });

  describe('overlap skip', () => {
    it('logs "slot skipped" with the reason and starts nothing while a previous run is active', async () => {
      // Act
      const { outcome, launcher, tasks, logger, onDecision } = run(slotBody('nightly'), {
        active: [previousRun],
      });

      // Assess
      await expect(outcome).resolves.toEqual({
        decision: 'skipped',
        schedule: 'nightly',
        slot: SLOT_TIME,
        overlap: 'skip',
        reason: `previous run still RUNNING: ${PREVIOUS_ARN}`,
      });
      expect(launcher.start).not.toHaveBeenCalled();
      expect(tasks.stop).not.toHaveBeenCalled();
      expect(onDecision).toHaveBeenCalledExactlyOnceWith('skipped');
      expect(logger.entries).toHaveLength(1);
      expect(logger.at('info', 'slot skipped')[0]?.extra).toEqual({
        decision: 'skipped',
        schedule: 'nightly',
        slot: SLOT_TIME,
        overlap: 'skip',
        reason: `previous run still RUNNING: ${PREVIOUS_ARN}`,
      });
    });
  });

  describe('overlap allow', () => {
    it('starts a task while another run is active and stops nothing', async () => {
      // Act
      const { outcome, launcher, tasks } = run(slotBody('parallel'), { active: [previousRun] });

      // Assess
      await expect(outcome).resolves.toMatchObject({
        decision: 'started',
        taskArn: TASK_ARN,
        reason: 'overlap allowed (1 previous run(s) active)',
      });
      await expect(outcome).resolves.not.toHaveProperty('stopped');
      expect(launcher.start).toHaveBeenCalledOnce();
      expect(tasks.stop).not.toHaveBeenCalled();
    });
  });

  describe('overlap replace', () => {
    it('stops the previous task with a reason naming the schedule and the slot, then starts', async () => {
      // Act
      const { outcome, launcher, tasks, logger } = run(slotBody('refresh'), { active: [previousRun] });

      // Assess
      await expect(outcome).resolves.toEqual({
        decision: 'started',
        schedule: 'refresh',
        slot: SLOT_TIME,
        overlap: 'replace',
        taskArn: TASK_ARN,
        stopped: [PREVIOUS_ARN],
        reason: 'replacing 1 previous run(s)',
      });
      expect(tasks.stop).toHaveBeenCalledExactlyOnceWith(
        'reports',
        PREVIOUS_ARN,
        `ecs-pilot: replaced by slot ${SLOT_TIME} of schedule refresh`,
      );
      expect(tasks.stop.mock.invocationCallOrder[0]).toBeLessThan(
        launcher.start.mock.invocationCallOrder[0] ?? 0,
      );
      expect(logger.at('info', 'slot started')[0]?.extra.stopped).toEqual([PREVIOUS_ARN]);
    });

    it('stops every previous run before starting', async () => {
      // Act
      const { outcome, tasks, launcher } = run(slotBody('refresh'), { active: [previousRun, olderRun] });

      // Assess
      await expect(outcome).resolves.toMatchObject({ stopped: [PREVIOUS_ARN, OLDER_ARN] });
      expect(tasks.stop.mock.calls.map((call) => call[1])).toEqual([PREVIOUS_ARN, OLDER_ARN]);
      expect(launcher.start).toHaveBeenCalledOnce();
    });

    it('propagates a StopTask failure and starts nothing', async () => {
      // Prepare
      const failure = new RetryableError('StopTask: ThrottlingException: Rate exceeded');

      // Act
      const { outcome, launcher, logger, onDecision } = run(slotBody('refresh'), {
        active: [previousRun],
        stop: async () => {
          throw failure;
        },
      });

      // Assess
      await expect(outcome).rejects.toBe(failure);
      expect(launcher.start).not.toHaveBeenCalled();
      expect(onDecision).not.toHaveBeenCalled();
      expect(logger.entries).toEqual([]);
    });

    it('stops nothing and starts nothing when its own task is already running', async () => {
      // Prepare
      const own: ActiveTask = { taskArn: TASK_ARN, lastStatus: 'RUNNING', slot: SLOT_TIME };

      // Act
      const { outcome, launcher, tasks, logger } = run(slotBody('refresh'), { active: [previousRun, own] });

      // Assess
      await expect(outcome).resolves.toEqual({
        decision: 'duplicate',
        schedule: 'refresh',
        slot: SLOT_TIME,
        overlap: 'replace',
        taskArn: TASK_ARN,
        reason: `slot ${SLOT_TIME} already has ${TASK_ARN}`,
      });
      expect(tasks.stop).not.toHaveBeenCalled();
      expect(launcher.start).not.toHaveBeenCalled();
      expect(logger.at('info', 'slot duplicate')).toHaveLength(1);
    });
  });

  describe('duplicates and late slots', () => {
    it('logs "slot duplicate" when the launcher finds the slot’s task already started', async () => {
      // Act
      const { outcome, logger, onDecision } = run(slotBody('nightly'), {
        start: async (): Promise<LaunchResult> => ({ status: 'duplicate', taskArn: TASK_ARN }),
      });

      // Assess
      await expect(outcome).resolves.toEqual({
        decision: 'duplicate',
        schedule: 'nightly',
        slot: SLOT_TIME,
        overlap: 'skip',
        taskArn: TASK_ARN,
        reason: 'this slot already started its task',
      });
      expect(onDecision).toHaveBeenCalledExactlyOnceWith('duplicate');
      expect(logger.at('info', 'slot duplicate')[0]?.extra).toMatchObject({
        decision: 'duplicate',
        taskArn: TASK_ARN,
      });
    });

    it('warns "slot expired", starts nothing and fails permanently (so the slot is dead-lettered) once past its retry window', async () => {
      // Act
      const { outcome, launcher, logger, onDecision } = run(slotBody('nightly'), {
        now: () => new Date('2026-11-21T09:16:00Z'),
      });

      // Assess
      await expect(outcome).rejects.toThrow(
        new PermanentError(`slot ${SLOT_TIME} is 16 min old, past its 15 min window`),
      );
      expect(launcher.start).not.toHaveBeenCalled();
      expect(onDecision).toHaveBeenCalledExactlyOnceWith('expired');
      expect(logger.at('warn', 'slot expired')).toHaveLength(1);
    });

    it('measures the window against the injected clock', async () => {
      // Act
      const early = run(slotBody('nightly'), { now: () => new Date('2026-11-21T09:14:59Z') });
      const late = run(slotBody('nightly'), { now: () => new Date('2026-11-21T09:15:01Z') });

      // Assess
      await expect(early.outcome).resolves.toMatchObject({ decision: 'started' });
      await expect(late.outcome).rejects.toThrow(/past its 15 min window/);
    });

    it('uses the real clock when none is injected', async () => {
      // Act: a slot from 2020 is long past any window today.
      const { outcome, launcher } = run(slotBody('nightly', '2020-01-01T00:00:00Z'), { now: null });

      // Assess
      await expect(outcome).rejects.toThrow(/past its 15 min window/);
      expect(launcher.start).not.toHaveBeenCalled();
    });
  });

  describe('slots dated in the future (issue 18)', () => {
    it('starts nothing and fails permanently, naming both times, for a slot a day ahead', async () => {
      // Act: a replay, a test invoke or a wrong clock; Scheduler never delivers early.
      const { outcome, launcher, tasks, logger } = run(slotBody('nightly', '2026-11-22T09:00:00Z'), {
        now: () => new Date('2026-11-21T09:00:00Z'),
      });

      // Assess
      await expect(outcome).rejects.toThrow(PermanentError);
      await expect(outcome).rejects.toThrow(
        'slot 2026-11-22T09:00:00Z is 1440 min ahead of the function clock 2026-11-21T09:00:00Z (more than the 5 min allowed skew)',
      );
      expect(launcher.start).not.toHaveBeenCalled();
      expect(tasks.stop).not.toHaveBeenCalled();
      expect(logger.at('warn', 'slot from the future')).toHaveLength(1);
    });

    it('still starts a slot within the allowed skew ahead of the clock', async () => {
      const { outcome } = run(slotBody('nightly', '2026-11-21T09:05:00Z'), {
        now: () => new Date('2026-11-21T09:00:00Z'),
      });

      await expect(outcome).resolves.toMatchObject({ decision: 'started' });
    });
  });

  describe('with a message that is not a slot', () => {
    it.each(['{"schedule": "nightly", ', '', 'nightly@2026-11-21T09:00:00Z'])(
      'rejects the non-JSON body %j as permanent and touches nothing',
      async (body) => {
        // Act
        const { outcome, launcher, tasks, context } = run(body);

        // Assess
        await expect(outcome).rejects.toThrow(
          new PermanentError(`message body is not JSON (${body.length} characters)`),
        );
        expect(tasks.listActive).not.toHaveBeenCalled();
        expect(launcher.start).not.toHaveBeenCalled();
        expect(context).toEqual({});
      },
    );

    it.each([
      ['without a scheduled time', { schedule: 'nightly' }],
      ['with a local scheduled time', { schedule: 'nightly', scheduledTime: '2026-11-21T09:00:00' }],
      ['that is null', null],
      ['that is an array', [{ schedule: 'nightly', scheduledTime: SLOT_TIME }]],
    ])('rejects a slot %s as permanent and touches nothing', async (_name, event) => {
      // Act
      const { outcome, launcher, tasks, context } = run(JSON.stringify(event));

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(PermanentError);
      await expect(outcome).rejects.toThrow(/^not a schedule slot event: /);
      expect(tasks.listActive).not.toHaveBeenCalled();
      expect(launcher.start).not.toHaveBeenCalled();
      expect(context).toEqual({});
    });

    it('rejects a slot of a schedule that is not in the deployed config as permanent', async () => {
      // Act
      const { outcome, launcher, tasks, context } = run(slotBody('weekly'));

      // Assess
      await expect(outcome).rejects.toThrow(
        new PermanentError('no schedule named "weekly" in the deployed config'),
      );
      expect(tasks.listActive).not.toHaveBeenCalled();
      expect(launcher.start).not.toHaveBeenCalled();
      expect(context).toEqual({ 'ecs-pilot-schedule': 'weekly', 'ecs-pilot-slot': SLOT_TIME });
    });
  });

  describe('failures', () => {
    it('propagates a retryable ListTasks failure and starts nothing', async () => {
      // Prepare
      const failure = new RetryableError('ListTasks/DescribeTasks: ThrottlingException: Rate exceeded');

      // Act
      const { outcome, launcher, tasks, onDecision } = run(slotBody('refresh'), {
        listActive: async () => {
          throw failure;
        },
      });

      // Assess
      await expect(outcome).rejects.toBe(failure);
      await expect(outcome).rejects.toBeInstanceOf(RetryableError);
      expect(tasks.stop).not.toHaveBeenCalled();
      expect(launcher.start).not.toHaveBeenCalled();
      expect(onDecision).not.toHaveBeenCalled();
    });

    it('propagates a launcher failure after recording the schedule and slot', async () => {
      // Prepare
      const failure = new RetryableError('RunTask started no task: RESOURCE:MEMORY');

      // Act
      const { outcome, context, onDecision } = run(slotBody('nightly'), {
        start: async () => {
          throw failure;
        },
      });

      // Assess
      await expect(outcome).rejects.toBe(failure);
      expect(context).toEqual({ 'ecs-pilot-schedule': 'nightly', 'ecs-pilot-slot': SLOT_TIME });
      expect(onDecision).not.toHaveBeenCalled();
    });
  });

  describe('context for the dead-letter entry', () => {
    it('records ecs-pilot-schedule and ecs-pilot-slot', async () => {
      // Act
      const { outcome, context } = run(slotBody('nightly'));

      // Assess
      await outcome;
      expect(context).toEqual({ 'ecs-pilot-schedule': 'nightly', 'ecs-pilot-slot': SLOT_TIME });
    });

    it('writes the slot with second precision', async () => {
      // Act
      const { outcome, context } = run(slotBody('nightly', '2026-11-21T09:00:00.000Z'));

      // Assess
      await outcome;
      expect(context['ecs-pilot-slot']).toBe(SLOT_TIME);
    });
  });
});
