import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DescribeTasksCommand, paginateListTasks, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { takeMessages } from '../../helpers/queues.js';
import { resetEmulator, setEmulatorTransition } from '../../../local/emulator.js';
import {
  loadSqsFunction,
  setUpLocal,
  type LocalAccount,
  type LocalSqsFunction,
} from '../../../local/harness.js';
import type { SqsHandler } from '../../../local/lambda.js';
import { packageStage, projectRoot, readTemplate } from '../../../local/package.js';

const CONFIG = 'test/integration/fixtures/schedules.yml';
const CLUSTER = 'ops';

/**
 * Scheduled tasks end to end against the emulator: the slot message Scheduler would send →
 * the schedules queue from the packaged template → the real handler in-process → ECS.
 */
describe('Function: runSchedule (against the emulator)', () => {
  let account: LocalAccount;
  let runSchedule: LocalSqsFunction;
  let sweepInput: string;

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    // Keep emulated tasks RUNNING however often they are described, so overlap policies see them.
    await setEmulatorTransition(endpoint, 'ecs::task', { progression: 'manual', times: 1_000_000 });
    const templatePath = await packageStage('schedtestint', { configFile: CONFIG });
    // The message the packaged sweep schedule sends: the emulator's Scheduler never fires it.
    const sweep = (await readTemplate(templatePath)).Resources.MaxRuntimeSweep?.Properties?.Target as {
      Input: string;
    };
    sweepInput = sweep.Input;
    account = await setUpLocal({
      endpoint,
      templatePath,
      configPath: join(projectRoot, CONFIG),
      skipFamilies: ['not-registered'],
    });
    runSchedule = await loadSqsFunction(
      account,
      'RunScheduleLambdaFunction',
      () => import('../../../functions/run-schedule.js') as Promise<{ handler: SqsHandler }>,
      { logLevel: 'ERROR' },
    );
  });

  afterAll(async () => {
    await setEmulatorTransition(inject('emulatorEndpoint'), 'ecs::task', { progression: 'immediate' });
  });

  /** A slot `minutes` from now (negative: ago), at second precision, as Scheduler sends it. */
  const slotAt = (minutes: number) =>
    new Date(Date.now() + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const fire = async (schedule: string, scheduledTime: string, timeoutMs?: number) => {
    await account.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: runSchedule.queueUrl,
        MessageBody: JSON.stringify({
          schedule,
          scheduledTime,
          executionId: `test-${schedule}-${scheduledTime}`,
        }),
      }),
    );
    return runSchedule.drain(timeoutMs ? { timeoutMs } : {});
  };

  /** Every task of a schedule, with its tags; `running` only those not stopped. */
  const tasksOf = async (schedule: string, running = false): Promise<Task[]> => {
    const arns: string[] = [];
    for (const desiredStatus of running ? (['RUNNING'] as const) : (['RUNNING', 'STOPPED'] as const)) {
      for await (const page of paginateListTasks(
        { client: account.clients.ecs },
        { cluster: CLUSTER, startedBy: `ecs-pilot/${schedule}`, desiredStatus },
      )) {
        arns.push(...(page.taskArns ?? []));
      }
    }
    if (arns.length === 0) return [];
    const { tasks = [] } = await account.clients.ecs.send(
      new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns, include: ['TAGS'] }),
    );
    return tasks;
  };
  const tag = (task: Task, key: string) => task.tags?.find((t) => t.key === key)?.value;
  const envOf = (task: Task) =>
    Object.fromEntries(
      (task.overrides?.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name, e.value]),
    );

  /** Takes (receives and deletes) what is in the schedules dead-letter queue. */
  const takeDeadLetters = () =>
    takeMessages(account.clients.sqs, account.stack.refs.get('SchedulesDeadLetterQueue')!);
  const attr = (message: Message, name: string) => message.MessageAttributes?.[name]?.StringValue;

  describe('overlap: skip', () => {
    // Slots a minute apart, in the past and inside the 15-minute window: the function refuses
    // slots dated more than a few minutes ahead of its clock.
    const first = slotAt(-12);
    const second = slotAt(-11);
    const third = slotAt(-10);

    it('starts one task for a slot, with the slot in its environment and tags', async () => {
      await fire('report-skip', first);

      const tasks = await tasksOf('report-skip');
      expect(tasks).toHaveLength(1);
      expect(envOf(tasks[0]!)).toEqual({ SLOT: first, SCHEDULE: 'report-skip' });
      expect(tag(tasks[0]!, 'ecs-pilot:slot')).toBe(first);
      expect(tag(tasks[0]!, 'ecs-pilot:automation')).toBe('schedules');
      expect(tasks[0]!.startedBy).toBe('ecs-pilot/report-skip');
    });

    it('starts nothing for a slot while the previous run is still going', async () => {
      await fire('report-skip', second);

      const tasks = await tasksOf('report-skip');
      expect(tasks.map((t) => tag(t, 'ecs-pilot:slot'))).toEqual([first]);
    });

    it('starts the next slot once the previous run has finished', async () => {
      const [previous] = await tasksOf('report-skip', true);
      await account.clients.ecs.send(
        new StopTaskCommand({ cluster: CLUSTER, task: previous!.taskArn!, reason: 'done' }),
      );

      await fire('report-skip', third);

      const running = await tasksOf('report-skip', true);
      expect(running.map((t) => tag(t, 'ecs-pilot:slot'))).toEqual([third]);
    });

    it('starts no second task when the same slot is delivered twice', async () => {
      await fire('report-skip', third);
      // Even after that run has finished, a late redelivery of its slot starts nothing.
      const [current] = await tasksOf('report-skip', true);
      await account.clients.ecs.send(
        new StopTaskCommand({ cluster: CLUSTER, task: current!.taskArn!, reason: 'done' }),
      );
      await fire('report-skip', third);

      const tasks = await tasksOf('report-skip');
      expect(tasks.filter((t) => tag(t, 'ecs-pilot:slot') === third)).toHaveLength(1);
      expect(await takeDeadLetters()).toHaveLength(0);
    });
  });

  it('lets runs overlap with overlap allow', async () => {
    await fire('report-allow', slotAt(-9));
    await fire('report-allow', slotAt(-8));

    expect(await tasksOf('report-allow', true)).toHaveLength(2);
  });

  it('stops the previous run, with a reason naming the schedule, and starts the new one with overlap replace', async () => {
    const first = slotAt(-7);
    const second = slotAt(-6);
    await fire('report-replace', first);

    await fire('report-replace', second);

    const tasks = await tasksOf('report-replace');
    const old = tasks.find((t) => tag(t, 'ecs-pilot:slot') === first)!;
    const current = tasks.find((t) => tag(t, 'ecs-pilot:slot') === second)!;
    expect(old.desiredStatus).toBe('STOPPED');
    expect(old.stoppedReason).toBe(`ecs-pilot: replaced by slot ${second} of schedule report-replace`);
    expect(current.desiredStatus).toBe('RUNNING');
  });

  it('does not start a slot past its retry window, and dead-letters it with the reason', async () => {
    const slot = slotAt(-60);
    await fire('report-allow', slot);

    const late = (await tasksOf('report-allow')).filter((t) => tag(t, 'ecs-pilot:slot') === slot);
    expect(late).toHaveLength(0);
    const dead = await takeDeadLetters();
    expect(dead).toHaveLength(1);
    expect(attr(dead[0]!, 'ecs-pilot-reason')).toMatch(/past its 15 min window$/);
  });

  it('starts no task for a slot dated an hour ahead of its clock, and dead-letters it with the reason', async () => {
    const slot = slotAt(60);

    await fire('report-allow', slot);

    const early = (await tasksOf('report-allow')).filter((t) => tag(t, 'ecs-pilot:slot') === slot);
    expect(early).toHaveLength(0);
    const dead = await takeDeadLetters();
    expect(dead).toHaveLength(1);
    expect(attr(dead[0]!, 'ecs-pilot-reason')).toMatch(/min ahead of the function clock .* allowed skew\)$/);
  });

  it('starts a slot Scheduler delivers 40 minutes late inside a 60-minute flexible window', async () => {
    // Scheduler's flexible window delays delivery; the slot still names its nominal time.
    const slot = slotAt(-40);

    await fire('report-flexible', slot);

    const started = (await tasksOf('report-flexible')).filter((t) => tag(t, 'ecs-pilot:slot') === slot);
    expect(started).toHaveLength(1);
    expect(envOf(started[0]!)).toEqual({ SLOT: slot, SCHEDULE: 'report-flexible' });
    expect(await takeDeadLetters()).toHaveLength(0);
  });

  it('dead-letters a slot whose task cannot start, naming the schedule, the slot and the reason', async () => {
    const slot = slotAt(4);

    await fire('broken', slot, 30_000);

    const dead = await takeDeadLetters();
    expect(dead).toHaveLength(1);
    expect(attr(dead[0]!, 'ecs-pilot-schedule')).toBe('broken');
    expect(attr(dead[0]!, 'ecs-pilot-slot')).toBe(slot);
    expect(attr(dead[0]!, 'ecs-pilot-reason')).toContain('RunTask');
    expect(JSON.parse(dead[0]!.Body!)).toMatchObject({ schedule: 'broken', scheduledTime: slot });
  });

  it('dead-letters a malformed slot at once, without retrying it', async () => {
    await account.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: runSchedule.queueUrl,
        MessageBody: JSON.stringify({ schedule: 7 }),
      }),
    );

    const result = await runSchedule.drain();

    expect(result.failedRecords).toBe(0);
    const dead = await takeDeadLetters();
    expect(dead).toHaveLength(1);
    expect(attr(dead[0]!, 'ecs-pilot-reason')).toMatch(/^permanent failure: not a schedule slot event/);
  });

  describe('maxRuntimeMinutes', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** Sends the packaged sweep schedule's message, with the function's clock `minutes` ahead. */
    const sweepAt = async (minutes: number) => {
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
      vi.setSystemTime(Date.now() + minutes * 60_000);
      try {
        await account.clients.sqs.send(
          new SendMessageCommand({ QueueUrl: runSchedule.queueUrl, MessageBody: sweepInput }),
        );
        return await runSchedule.drain();
      } finally {
        vi.useRealTimers();
      }
    };

    // moto records no createdAt or startedAt on a task, so the sweep cannot time its runs here: it
    // must fail closed and keep them. Stopping with the reason is proved with aws-sdk-client-mock
    // (test/unit/functions/run-schedule.test.ts) and on the pure judgement (runtime.test.ts).
    it('routes the packaged sweep message to the sweep, which keeps a run it cannot time and dead-letters nothing', async () => {
      await fire('report-limited', slotAt(-2));
      const [run] = await tasksOf('report-limited', true);
      expect(run).toBeDefined();
      expect(run!.createdAt ?? run!.startedAt).toBeUndefined();

      const result = await sweepAt(120);

      expect(result).toMatchObject({ records: 1, failedRecords: 0, errors: 0 });
      const [after] = await tasksOf('report-limited');
      expect(after!.desiredStatus).toBe('RUNNING');
      expect(await takeDeadLetters()).toHaveLength(0);
    });
  });
});
