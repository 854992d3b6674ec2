import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { setEmulatorTransition } from '../emulator.js';
import type { SqsHandler } from '../lambda.js';
import { loadSqsFunction, type LocalAccount } from '../harness.js';
import { parseScheduleExpression } from '../../shared/kernel/scheduler/expression.js';
import { nextRuns } from '../../shared/schedules/next.js';
import { atSimulatedTime } from '../clock.js';
import { captureDecisions, short, type Decision } from './capture.js';

/**
 * Scheduled tasks on a simulated clock: the emulator's Scheduler stores schedules but never fires
 * them, so the scene fires the next slots of a schedule itself, with the message Scheduler would
 * put on the schedules queue, instead of waiting hours. Emulated tasks stay RUNNING until stopped,
 * so the overlap policy has something to see.
 */
export async function schedulesScene(account: LocalAccount, verbose: boolean): Promise<{ ok: boolean }> {
  const schedule = account.config.schedules.find((s) => s.overlap === 'skip');
  if (!schedule) {
    console.log('\n(no schedule with overlap "skip" in the config: schedules scene skipped)');
    return { ok: true };
  }
  const runSchedule = await loadSqsFunction(
    account,
    'RunScheduleLambdaFunction',
    () => import('../../functions/run-schedule.js') as Promise<{ handler: SqsHandler }>,
  );
  console.log('\n── Scheduled tasks ──');
  const slots = nextRuns(parseScheduleExpression(schedule.schedule), {
    from: new Date(),
    count: 3,
    timeZone: schedule.timezone,
  });
  console.log(
    `• ${schedule.name}: ${schedule.schedule} in ${schedule.timezone}, overlap ${schedule.overlap}; ` +
      `firing its next ${slots.length} slots, each at its own time (simulated clock):`,
  );
  await setEmulatorTransition(account.endpoint, 'ecs::task', { progression: 'manual', times: 1_000_000 });
  try {
    const fire = async (index: number) => {
      const slot = slots[index]!;
      const body = JSON.stringify({
        schedule: schedule.name,
        scheduledTime: slot.utc.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        executionId: `local-${index}`,
      });
      await account.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: runSchedule.queueUrl, MessageBody: body }),
      );
      // The function runs at the slot's own time, a few seconds after it, as when Scheduler fires it:
      // it refuses a slot dated more than a few minutes ahead of its clock.
      const [, decisions] = await atSimulatedTime(new Date(slot.utc.getTime() + 5_000), () =>
        captureDecisions(verbose, () => runSchedule.drain()),
      );
      const d: Decision | undefined = decisions.find((x) => x.schedule === schedule.name);
      console.log(
        `  slot ${slot.local} (${slot.utc.toISOString()}): ${d?.decision ?? 'no decision'}` +
          `${d?.taskArn ? ` → ${short(d.taskArn)}` : ''}${d?.reason ? ` (${d.reason})` : ''}`,
      );
      return d;
    };
    const first = await fire(0);
    const second = await fire(1);
    if (first?.taskArn) {
      console.log(`  … the first run finishes (StopTask ${short(first.taskArn)})`);
      await account.clients.ecs.send(
        new StopTaskCommand({ cluster: schedule.task.cluster, task: first.taskArn, reason: 'report done' }),
      );
    }
    const third = await fire(2);
    console.log('  … and Scheduler retries the third slot, as at-least-once delivery may:');
    const again = await fire(2);
    const ok =
      first?.decision === 'started' &&
      second?.decision === 'skipped' &&
      third?.decision === 'started' &&
      again?.decision === 'duplicate' &&
      again.taskArn === third.taskArn;
    console.log(
      `\nSchedules: started, skipped while the previous run was going, started after it finished; ` +
        `the retried slot started no second task${ok ? '.' : ' — UNEXPECTED, see above.'}`,
    );
    return { ok };
  } finally {
    await setEmulatorTransition(account.endpoint, 'ecs::task', { progression: 'immediate' });
  }
}
