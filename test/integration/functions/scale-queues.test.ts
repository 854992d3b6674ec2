import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ApplicationAutoScalingClient,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DeleteQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { takeMessages } from '../../helpers/queues.js';
import { resetEmulator } from '../../../local/emulator.js';
import { loadFunction, REGION, setUpLocal, type LocalAccount } from '../../../local/harness.js';
import { lambdaContext } from '../../../local/lambda.js';
import { packageStage, projectRoot } from '../../../local/package.js';
import type { ScaleSummary } from '../../../shared/scaling/function.js';
import type { Clock } from '../../../shared/scaling/service.js';

const CONFIG = 'test/integration/fixtures/scaling.yml';

type Handler = (event: unknown, context: Context) => Promise<ScaleSummary>;

/**
 * Queue scaling end to end against the emulator: the queues, cluster and services the config names,
 * the state table from the packaged template, and the real handler in-process on a simulated clock
 * (Scheduler does not fire in the emulator). The emulator's UpdateService sets runningCount to the
 * desired count, so "running" follows each change.
 */
describe('Function: scaleQueues (against the emulator)', () => {
  let account: LocalAccount;
  let createHandler: (clock?: Clock) => Handler;
  const clock = {
    t: Math.floor(Date.now() / 60_000) * 60_000,
    now: () => clock.t,
    sleep: async (ms: number) => void (clock.t += ms),
  };

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    const templatePath = await packageStage('scaltestint', {
      configFile: CONFIG,
      outDir: '.serverless-scaltestint',
    });
    account = await setUpLocal({ endpoint, templatePath, configPath: join(projectRoot, CONFIG) });
    ({ createHandler } = await loadFunction(
      account,
      'ScaleQueuesLambdaFunction',
      () =>
        import('../../../functions/scale-queues.js') as Promise<{
          createHandler: (clock?: Clock) => Handler;
        }>,
      { logLevel: 'ERROR' },
    ));
  });

  /** One scheduled invocation for the clock's current minute; the clock ends where the last evaluation was. */
  const invokeMinute = async () => {
    const summary = await createHandler(clock)(
      { mode: 'minute', scheduledTime: new Date(clock.t).toISOString() },
      lambdaContext('ecs-pilot-scaltestint-scaleQueues', 75),
    );
    // The next invocation is Scheduler's next minute.
    clock.t = Math.floor(clock.t / 60_000) * 60_000 + 60_000;
    return summary;
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

    // Every 20 s: the first evaluation scales out, the next two find the count matching.
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
});
