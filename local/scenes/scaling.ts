import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { loadFunction, type LocalAccount } from '../harness.js';
import { lambdaContext } from '../lambda.js';
import { localTickQueue } from '../scaling-ticks.js';
import type { ScaleSummary } from '../../shared/scaling/function.js';
import { parseQueueReference, serviceIdentity } from '../../shared/scaling/resources.js';
import type { Clock } from '../../shared/scaling/service.js';
import { scaleInWaitSeconds } from '../../shared/scaling/decide.js';
import { captureDecisions } from './capture.js';

type Handler = (event: unknown, context: Context) => Promise<ScaleSummary>;

/** The fields of a scaleQueues decision line the scene prints. */
interface ScalingLine {
  decision: string;
  scaler?: string;
  backlog?: number;
  desired?: number;
  newDesired?: number;
  reason?: string;
}

const BURST = 35;

/**
 * Queue scaling on a simulated clock: Scheduler never fires in the emulator, so the scene invokes
 * the heartbeat minute by minute itself, with the payload Scheduler sends, and delivers the ticks
 * the function chains through its tick queue, on a clock that jumps to each evaluation. A burst arrives; the service's desired count rises from 0; the
 * workers drain the queue (receive + delete); once the backlog has been low for the scale-in wait,
 * the count falls back to min.
 */
export async function scalingScene(account: LocalAccount, verbose: boolean): Promise<{ ok: boolean }> {
  const scaler = account.config.scalers[0];
  const queueUrl = scaler && account.world.queues?.get(parseQueueReference(scaler.queue).name);
  if (!scaler || !queueUrl) {
    console.log('\n(no scaler with an emulated queue in the config: scaling scene skipped)');
    return { ok: true };
  }
  const { createHandler } = await loadFunction(
    account,
    'ScaleQueuesLambdaFunction',
    () => import('../../functions/scale-queues.js') as Promise<{ createHandler: (clock?: Clock) => Handler }>,
  );
  // One handler for the scene, as one warm function (it remembers idle services between ticks).
  let minuteStart = Math.ceil(Date.now() / 60_000) * 60_000;
  const clock = { t: minuteStart, now: () => clock.t };
  const handler = createHandler(clock);
  const ticks = localTickQueue(account);
  const start = minuteStart;
  const { cluster, service } = serviceIdentity(scaler);
  const desiredNow = async () => {
    const { services = [] } = await account.clients.ecs.send(
      new DescribeServicesCommand({ cluster, services: [service] }),
    );
    return services[0]?.desiredCount ?? -1;
  };
  const print = (at: number, d: ScalingLine) => {
    const since = at - start;
    const when = `+${Math.floor(since / 60_000)}:${String(Math.floor(since / 1000) % 60).padStart(2, '0')}`;
    const change =
      d.newDesired !== undefined && d.newDesired !== d.desired
        ? `${d.desired} → ${d.newDesired}`
        : `${d.desired ?? '?'}`;
    console.log(
      `  ${when}  backlog ${String(d.backlog ?? '?').padStart(3)}  desired ${change.padEnd(7)} ${d.decision}`,
    );
  };

  /**
   * One minute: Scheduler's heartbeat, then the chain's ticks (each sent by the function to the tick
   * queue, delivered here as its event source mapping would). The emulator holds a tick for its
   * DelaySeconds in real time, so the simulated clock stands a second before each slot and every
   * tick waits 1 s. Prints each evaluation as `+m:ss backlog → desired (decision)`.
   */
  const minute = async () => {
    const decisions: ScalingLine[] = [];
    const steps = Math.max(1, Math.ceil(60 / scaler.intervalSeconds));
    for (let k = 0; k < steps; k += 1) {
      clock.t = minuteStart + k * scaler.intervalSeconds * 1000 - 1000;
      const [, lines] = await captureDecisions<unknown>(verbose, () =>
        k === 0
          ? handler(
              { mode: 'minute', scheduledTime: new Date(minuteStart).toISOString() },
              lambdaContext('scaleQueues', 30),
            )
          : ticks.deliver(handler),
      );
      for (const line of (lines as unknown as ScalingLine[]).filter((l) => l.scaler === scaler.name)) {
        print(clock.t + 1000, line);
        decisions.push(line);
      }
    }
    minuteStart += 60_000;
    return decisions;
  };

  console.log('\n── Queue scaling ──');
  console.log(
    `• ${scaler.name}: ${scaler.queue} → ${cluster}/${service}, ${scaler.messagesPerTask} messages per task, ` +
      `min ${scaler.min}, max ${scaler.max}, evaluated every ${scaler.intervalSeconds} s, ` +
      `scale-in after ${scaleInWaitSeconds(scaler)} s low (simulated clock)`,
  );
  for (let sent = 0; sent < BURST; sent += 10) {
    const entries = Array.from({ length: Math.min(10, BURST - sent) }, (_, i) => ({
      Id: String(i),
      MessageBody: `job ${sent + i}`,
    }));
    await account.clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
  console.log(`  a burst of ${BURST} messages arrives; the service is at ${await desiredNow()}`);
  const first = await minute();
  const peak = await desiredNow();

  let drained = 0;
  for (;;) {
    const { Messages = [] } = await account.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) break;
    await account.clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    drained += Messages.length;
  }
  console.log(`  … the workers process and delete all ${drained} messages`);
  let last: ScalingLine[] = [];
  for (let m = 0; m <= scaler.scaleInAfterMinutes && !last.some((d) => d.decision === 'scale-in'); m += 1)
    last = await minute();
  const final = await desiredNow();

  const ok =
    first[0]?.decision === 'scale-out' &&
    first[0].desired === scaler.min &&
    peak > scaler.min &&
    final === scaler.min;
  console.log(
    `\nScaling: desired rose from ${scaler.min} to ${peak} at the first evaluation after the burst, held while the ` +
      `queue drained, and fell back to ${final} after ${scaleInWaitSeconds(scaler)} s low${ok ? '.' : ' — UNEXPECTED, see above.'}`,
  );
  return { ok };
}
