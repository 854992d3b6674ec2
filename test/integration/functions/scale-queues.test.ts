import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ApplicationAutoScalingClient,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import {
  DeleteQueueCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { takeMessages } from '../../helpers/queues.js';
import { resetEmulator } from '../../../local/emulator.js';
import { loadFunction, REGION, setUpLocal, type LocalAccount } from '../../../local/harness.js';
import { lambdaContext, queueCounts } from '../../../local/lambda.js';
import { localTickQueue, type LocalTickQueue } from '../../../local/scaling-ticks.js';
import { captureDecisions } from '../../../local/scenes/capture.js';
import { packageStage, projectRoot } from '../../../local/package.js';
import type { ScaleSummary } from '../../../shared/scaling/function.js';
import type { Clock } from '../../../shared/scaling/service.js';

const CONFIG = 'test/integration/fixtures/scaling.yml';

type Handler = (event: unknown, context: Context) => Promise<ScaleSummary>;

/** The decision lines' fields the tests read. */
interface DecisionLine {
  decision: string;
  scaler: string;
}

/**
 * Queue scaling end to end against the emulator: the queues, cluster and services the config names,
 * the state table and tick queue from the packaged template, and the real handler in-process on a
 * simulated clock. Scheduler does not fire in the emulator, so the tests invoke the heartbeat; the
 * emulator runs no event source mapping, so the tests receive the ticks the function sent and
 * deliver them. The emulator holds each tick for its DelaySeconds in real time: the clock is placed
 * a second before each slot, so each tick is sent with DelaySeconds 1. The emulator's UpdateService
 * sets runningCount to the desired count, so "running" follows each change.
 */
describe('Function: scaleQueues (against the emulator)', () => {
  let account: LocalAccount;
  let handler: Handler;
  let ticks: LocalTickQueue;
  /** The minute the next heartbeat stands for. */
  let minute = Math.floor(Date.now() / 60_000) * 60_000;
  const clock = { t: minute, now: () => clock.t };

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    const templatePath = await packageStage('scaltestint', {
      configFile: CONFIG,
      outDir: '.serverless-scaltestint',
    });
    account = await setUpLocal({ endpoint, templatePath, configPath: join(projectRoot, CONFIG) });
    const { createHandler } = await loadFunction(
      account,
      'ScaleQueuesLambdaFunction',
      () =>
        import('../../../functions/scale-queues.js') as Promise<{
          createHandler: (clock?: Clock) => Handler;
        }>,
      { logLevel: 'INFO' },
    );
    // One handler for the whole run, as one warm function: what it remembers between ticks is kept.
    handler = createHandler(clock);
    ticks = localTickQueue(account);
  });

  /**
   * One minute: the heartbeat a second before the minute, then the 20 s chain's ticks a second
   * before each of its next two slots. Returns each scaler's decisions in order.
   */
  const invokeMinute = async () => {
    const [, lines] = await captureDecisions(false, async () => {
      clock.t = minute - 1000;
      await handler(
        { mode: 'minute', scheduledTime: new Date(minute).toISOString() },
        lambdaContext('ecs-pilot-scaltestint-scaleQueues', 30),
      );
      for (const at of [19_000, 39_000]) {
        clock.t = minute + at;
        await ticks.deliver(handler);
      }
    });
    minute += 60_000;
    const scalers: Record<string, string[]> = {};
    for (const line of lines as unknown as DecisionLine[]) (scalers[line.scaler] ??= []).push(line.decision);
    return { scalers, evaluations: lines.length };
  };
  const serviceCounts = async (cluster: string, service: string) => {
    const { services = [] } = await account.clients.ecs.send(
      new DescribeServicesCommand({ cluster, services: [service] }),
    );
    return { desired: services[0]?.desiredCount, running: services[0]?.runningCount };
  };
  const send = async (queue: string, count: number) => {
    const url = account.world.queues!.get(queue)!;
    for (let sent = 0; sent < count; sent += 10) {
      const batch = Array.from({ length: Math.min(10, count - sent) }, (_, i) => ({
        Id: String(i),
        MessageBody: `job ${sent + i}`,
      }));
      await account.clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: batch }));
    }
  };

  it('creates the scaled services at their min', async () => {
    expect(account.world.services).toEqual([
      'media/video-worker',
      'media/capped-worker',
      'batch/orphan-worker',
    ]);
    expect(await serviceCounts('media', 'video-worker')).toEqual({ desired: 0, running: 0 });
  });

  it('raises the desired count from 0 at the first evaluation after messages arrive', async () => {
    await send('video-jobs', 25);

    const summary = await invokeMinute();

    // Every 20 s (the heartbeat, then two ticks): the first scales out, the next two find the count matching.
    expect(summary.scalers['video-workers']).toEqual(['scale-out', 'unchanged', 'unchanged']);
    expect(summary.evaluations).toBe(3 + 1 + 1);
    expect(await serviceCounts('media', 'video-worker')).toEqual({ desired: 3, running: 3 });
  });

  it('keeps the tasks while the queue drains, until the backlog has been low for scaleInAfterMinutes', async () => {
    await takeMessages(account.clients.sqs, account.world.queues!.get('video-jobs')!);

    const first = await invokeMinute();
    const second = await invokeMinute();
    const third = await invokeMinute();

    expect([first, second, third].flatMap((s) => s.scalers['video-workers'])).toEqual(
      Array.from({ length: 9 }, () => 'unchanged'),
    );
    expect(await serviceCounts('media', 'video-worker')).toEqual({ desired: 3, running: 3 });
    const { Item } = await account.clients.dynamodb.send(
      new GetItemCommand({
        TableName: account.stack.refs.get('ScalerStateTable')!,
        Key: { id: { S: 'scaler#video-workers' } },
        ConsistentRead: true,
      }),
    );
    expect(Item?.lowSince?.S).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('falls back to min once the delay has passed', async () => {
    const summary = await invokeMinute();

    expect(summary.scalers['video-workers']).toEqual(['scale-in', 'unchanged', 'unchanged']);
    expect(await serviceCounts('media', 'video-worker')).toEqual({ desired: 0, running: 0 });
  });

  it('stays inside an Application Auto Scaling target’s MaxCapacity', async () => {
    const autoScaling = new ApplicationAutoScalingClient({
      endpoint: account.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await autoScaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ResourceId: 'service/media/capped-worker',
        ScalableDimension: 'ecs:service:DesiredCount',
        MinCapacity: 0,
        MaxCapacity: 2,
      }),
    );
    await send('capped-jobs', 7);

    await invokeMinute();

    expect(await serviceCounts('media', 'capped-worker')).toEqual({ desired: 2, running: 2 });
    await takeMessages(account.clients.sqs, account.world.queues!.get('capped-jobs')!);
  });

  it('reports a scaler whose queue was deleted as failed and still scales the others', async () => {
    await account.clients.sqs.send(
      new DeleteQueueCommand({ QueueUrl: account.world.queues!.get('orphan-jobs')! }),
    );
    await send('video-jobs', 5);

    const summary = await invokeMinute();

    expect(summary.scalers).toMatchObject({
      orphan: ['failed'],
      'video-workers': ['scale-out', 'unchanged', 'unchanged'],
    });
    expect(await serviceCounts('batch', 'orphan-worker')).toEqual({ desired: 0, running: 0 });
    expect(await serviceCounts('media', 'video-worker')).toEqual({ desired: 1, running: 1 });
  });

  it('sends the heartbeat’s next tick delayed to the next slot, and evaluates a duplicate of it not at all', async () => {
    // Prepare: no tick left from the tests before; the heartbeat a second before a slot, whose
    // tick for that slot waits for 1 s.
    await account.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: ticks.queueUrl }));
    clock.t = minute - 1000;
    await captureDecisions(false, () =>
      handler({ mode: 'minute' }, lambdaContext('ecs-pilot-scaltestint-scaleQueues', 30)),
    );
    const waiting = await queueCounts(account.clients.sqs, ticks.queueUrl);
    const early = await account.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: ticks.queueUrl, WaitTimeSeconds: 0 }),
    );

    // Act: deliver it once its delay is over, then a copy of it (SQS delivers at least once).
    clock.t = minute + 19_000;
    const [first, firstLines] = await captureDecisions(false, () => ticks.deliver(handler));
    await account.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: ticks.queueUrl, MessageBody: first.bodies[0]! }),
    );
    const [duplicate, duplicateLines] = await captureDecisions(false, () => ticks.deliver(handler));
    minute += 60_000;

    // Assess
    expect(waiting).toMatchObject({ visible: 0, delayed: 1 });
    expect(early.Messages ?? []).toEqual([]);
    expect(first.bodies.map((b) => JSON.parse(b) as unknown)).toEqual([
      { intervalSeconds: 20, slot: (minute - 60_000) / 20_000 },
    ]);
    expect(firstLines.map((l) => (l as unknown as DecisionLine).scaler)).toEqual(['video-workers']);
    expect(duplicate).toEqual({ bodies: first.bodies, failed: [] });
    expect(duplicateLines).toEqual([]);
    // Only the first sent a tick: one chain, however often a tick is delivered.
    expect(await queueCounts(account.clients.sqs, ticks.queueUrl)).toMatchObject({ visible: 0, delayed: 1 });
    const { Item } = await account.clients.dynamodb.send(
      new GetItemCommand({
        TableName: account.stack.refs.get('ScalerStateTable')!,
        Key: { id: { S: 'tick#20s' } },
        ConsistentRead: true,
      }),
    );
    expect(Item?.slot?.N).toBe(String((minute - 60_000) / 20_000));
  });
});
