import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DescribeTasksCommand, paginateListTasks, type Task } from '@aws-sdk/client-ecs';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { takeMessages } from '../../../helpers/queues.js';
import { resetEmulator, setEmulatorTransition } from '../../../../local/emulator.js';
import { setUpLocalUploads, type LocalUploads } from '../../../../local/harness.js';
import { packageStage, projectRoot } from '../../../../local/package.js';
import type { Manifest } from '../../../../shared/uploads/batching.js';

const CONFIG = 'test/integration/fixtures/uploads-batch.yml';

/**
 * Batching end to end against the emulator: PutObject → EventBridge → the packaged rule → SQS →
 * the real handler (gathering as its event source mapping says) → claims in the emulated
 * idempotency table → the manifest in the stack's bucket → RunTask. The emulator ignores
 * clientToken, so a second task here could only be stopped by the claims and idempotency records.
 */
describe('Uploads batching (against the emulator)', () => {
  let local: LocalUploads;
  const bucket = 'media-ingest';

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    await setEmulatorTransition(endpoint, 'ecs::task', { progression: 'manual', times: 1_000_000 });
    const templatePath = await packageStage('itestbatch', { configFile: CONFIG });
    local = await setUpLocalUploads({
      endpoint,
      templatePath,
      configPath: join(projectRoot, CONFIG),
      skipFamilies: ['not-registered'],
      logLevel: 'ERROR',
    });
  });

  afterAll(async () => {
    await setEmulatorTransition(inject('emulatorEndpoint'), 'ecs::task', { progression: 'immediate' });
  });

  const tasksOf = async (trigger: string): Promise<Task[]> => {
    const arns: string[] = [];
    for await (const page of paginateListTasks(
      { client: local.clients.ecs },
      { cluster: 'media', startedBy: `ecs-pilot/${trigger}` },
    )) {
      arns.push(...(page.taskArns ?? []));
    }
    if (arns.length === 0) return [];
    const { tasks = [] } = await local.clients.ecs.send(
      new DescribeTasksCommand({ cluster: 'media', tasks: arns, include: ['TAGS'] }),
    );
    return tasks;
  };
  const envOf = (task: Task) =>
    Object.fromEntries(
      (task.overrides?.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name, e.value]),
    );
  const manifestOf = async (task: Task): Promise<Manifest> => {
    const uri = new URL(envOf(task).ECS_PILOT_MANIFEST_URI!);
    const object = await local.clients.s3.send(
      new GetObjectCommand({ Bucket: uri.host, Key: uri.pathname.slice(1) }),
    );
    return JSON.parse(await object.Body!.transformToString()) as Manifest;
  };

  const keys = Array.from({ length: 7 }, (_, i) => `small/thumb-${i}.png`);
  const bodies: string[] = [];

  it('starts one task per batch of at most maxObjects, each object in exactly one manifest', async () => {
    // Prepare
    for (const key of keys) {
      await local.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `image ${key}` }));
    }
    await local.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'large/video.mp4', Body: 'v' }));

    // Act
    await local.drain({ onInvoke: (event) => bodies.push(...event.Records.map((r) => r.body)) });

    // Assess
    const tasks = await tasksOf('thumbs');
    const manifests = await Promise.all(tasks.map(manifestOf));
    expect(tasks.length).toBeGreaterThanOrEqual(2);
    expect(tasks.length).toBeLessThan(keys.length);
    expect(manifests.every((m) => m.objects.length <= 5)).toBe(true);
    expect(manifests.flatMap((m) => m.objects.map((o) => o.key)).sort()).toEqual([...keys].sort());
    for (const [i, task] of tasks.entries()) {
      expect(manifests[i]).toMatchObject({ version: 1, trigger: 'thumbs' });
      expect(JSON.parse(envOf(task).ECS_PILOT_MANIFEST!)).toEqual(manifests[i]);
      expect(envOf(task).INPUT_BUCKET).toBe(bucket);
      expect(task.tags).toContainEqual({ key: 'ecs-pilot:batch', value: manifests[i]!.batch });
    }
    // The trigger without batch still starts one task per object.
    expect(await tasksOf('single')).toHaveLength(1);
  });

  it('starts no second task when the same events come back in other groupings', async () => {
    // Prepare: the same small-object events, split differently: three, then the other four.
    const small = bodies.filter((b) => b.includes('small/')).reverse();
    expect(small).toHaveLength(keys.length);
    const before = await tasksOf('thumbs');
    expect(before.length).toBeGreaterThanOrEqual(2);

    // Act
    let failed = 0;
    for (const group of [small.slice(0, 3), small.slice(3)]) {
      await local.clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: local.queueUrl,
          Entries: group.map((body, j) => ({ Id: String(j), MessageBody: body })),
        }),
      );
      failed += (await local.drain()).failedRecords;
    }

    // Assess
    expect(failed).toBe(0);
    expect((await tasksOf('thumbs')).map((t) => t.taskArn).sort()).toEqual(
      before.map((t) => t.taskArn).sort(),
    );
  });

  it('dead-letters every object of a batch that cannot start, each with its identity and batch', async () => {
    // Prepare: the trigger's task definition does not exist (a permanent failure).
    const broken = ['broken/a.png', 'broken/b.png', 'broken/c.png'];
    for (const key of broken) {
      await local.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    }

    // Act
    await local.drain();

    // Assess
    const dead = await takeMessages(local.clients.sqs, local.deadLetterQueueUrl);
    const attributes = dead.map((m) =>
      Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])),
    );
    expect(attributes.map((a) => a['ecs-pilot-key']).sort()).toEqual(broken);
    const batches = new Set(attributes.map((a) => a['ecs-pilot-batch']));
    expect(batches.size).toBe(1);
    for (const a of attributes) {
      expect(a).toMatchObject({ 'ecs-pilot-bucket': bucket, 'ecs-pilot-trigger': 'broken-batch' });
      expect(a['ecs-pilot-reason']).toMatch(/permanent failure/);
    }
    expect(await tasksOf('broken-batch')).toHaveLength(0);
  });
});
