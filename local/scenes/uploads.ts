import { DescribeTasksCommand, paginateListTasks, type Task } from '@aws-sdk/client-ecs';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Manifest } from '../../shared/uploads/batching.js';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SqsHandler } from '../lambda.js';
import { loadSqsFunction, type LocalAccount } from '../harness.js';
import { captureDecisions, short } from './capture.js';

/**
 * Uploads → tasks: uploads a few objects (one with an awkward key, one matching no rule), redelivers
 * one event, and reads back from ECS what the tasks received.
 */
export async function uploadsScene(account: LocalAccount, verbose: boolean): Promise<{ ok: boolean }> {
  const local = await loadSqsFunction(
    account,
    'UploadToTaskLambdaFunction',
    () => import('../../functions/upload-to-task.js') as Promise<{ handler: SqsHandler }>,
  );
  const clients = account.clients;
  const deadLetterQueueUrl = account.stack.refs.get('UploadsDeadLetterQueue')!;
  console.log('\n── Uploads → tasks ──');
  const objects = [
    { key: 'incoming/cat.jpg', body: 'a cat' },
    { key: 'incoming/été 2026/a+b%20c:d 😀.jpg', body: 'an awkward key' },
    { key: 'videos/clip.mp4', body: 'a video' },
    { key: 'incoming/notes.txt', body: 'matches no rule' },
  ];
  console.log(`• uploading ${objects.length} objects to s3://media-ingest/…`);
  for (const object of objects) {
    await clients.s3.send(
      new PutObjectCommand({ Bucket: 'media-ingest', Key: object.key, Body: object.body }),
    );
  }

  let redelivered = '';
  const [, firstDecisions] = await captureDecisions(verbose, () =>
    local.drain({
      onInvoke: (event) => {
        redelivered ||= event.Records.find((r) => r.body.includes('cat.jpg'))?.body ?? '';
      },
    }),
  );
  console.log('• redelivering the event of incoming/cat.jpg, as at-least-once delivery may…');
  await clients.sqs.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: redelivered }));
  const [, secondDecisions] = await captureDecisions(verbose, () => local.drain());

  // What actually reached ECS, read back from the emulator: the tasks the upload triggers started.
  const tasks: Task[] = [];
  for (const trigger of account.config.uploads) {
    const cluster = trigger.task.cluster;
    const arns: string[] = [];
    for await (const page of paginateListTasks(
      { client: clients.ecs },
      { cluster, startedBy: `ecs-pilot/${trigger.name}` },
    )) {
      arns.push(...(page.taskArns ?? []));
    }
    if (arns.length === 0) continue;
    const { tasks: described = [] } = await clients.ecs.send(
      new DescribeTasksCommand({ cluster, tasks: arns, include: ['TAGS'] }),
    );
    tasks.push(...described);
  }
  const dead = await clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, MaxNumberOfMessages: 10 }),
  );

  console.log('\nObject → task');
  for (const d of firstDecisions) {
    const task = tasks.find((t) => t.taskArn === d.taskArn);
    console.log(`  ${JSON.stringify(d.key)}  [${d.trigger}] ${d.decision} → ${short(d.taskArn)}`);
    const env = task?.overrides?.containerOverrides?.[0]?.environment ?? [];
    console.log(`      environment: ${env.map((e) => `${e.name}=${JSON.stringify(e.value)}`).join(' ')}`);
    const tags = (task?.tags ?? []).filter((t) => t.key?.startsWith('ecs-pilot:'));
    console.log(
      `      startedBy ${task?.startedBy}; tags ${tags.map((t) => `${t.key}=${t.value?.slice(0, 16)}`).join(' ')}`,
    );
  }
  // The bucket's rule matches prefixes only (no wildcard rules); the function checks the suffix.
  console.log(`  "incoming/notes.txt"  no trigger matches its suffix: no task`);
  console.log('\nRedelivered event');
  for (const d of secondDecisions) {
    console.log(
      `  ${JSON.stringify(d.key)}  [${d.trigger}] ${d.decision} → ${short(d.taskArn)} (no second task)`,
    );
  }

  const startedCount = firstDecisions.filter((d) => d.decision === 'started').length;
  const duplicates = secondDecisions.filter((d) => d.decision === 'duplicate').length;
  const keyIntact = tasks.some((t) =>
    t.overrides?.containerOverrides?.[0]?.environment?.some((e) => e.value === objects[1]!.key),
  );
  console.log(
    `\nUploads: ${objects.length} uploads, ${startedCount} tasks started, ${duplicates} duplicate suppressed, ` +
      `${tasks.length} tasks in ECS, ${dead.Messages?.length ?? 0} dead-lettered; awkward key passed ` +
      `${keyIntact ? 'byte-for-byte' : 'ALTERED'}.`,
  );
  const ok =
    startedCount === 3 && duplicates === 1 && tasks.length === 3 && keyIntact && !dead.Messages?.length;
  const batched = await batchScene(account, local, verbose);
  return { ok: ok && batched };
}

/** Batching: small objects of one trigger that arrive together start one task with a manifest. */
async function batchScene(
  account: LocalAccount,
  local: { drain(): Promise<unknown> },
  verbose: boolean,
): Promise<boolean> {
  const trigger = account.config.uploads.find((t) => t.batch);
  if (!trigger) return true;
  const clients = account.clients;
  const keys = ['a', 'b', 'c', 'd', 'e'].map((name) => `${trigger.prefix}${name}.png`);
  console.log(
    `\n• uploading ${keys.length} small images to s3://${trigger.bucket}/${trigger.prefix} ` +
      `(trigger ${trigger.name}: batch of up to ${trigger.batch!.maxObjects}, gathered for ${trigger.batch!.maxWaitSeconds} s)…`,
  );
  for (const key of keys) {
    await clients.s3.send(new PutObjectCommand({ Bucket: trigger.bucket, Key: key, Body: `image ${key}` }));
  }
  await captureDecisions(verbose, () => local.drain());
  const arns: string[] = [];
  for await (const page of paginateListTasks(
    { client: clients.ecs },
    { cluster: trigger.task.cluster, startedBy: `ecs-pilot/${trigger.name}` },
  )) {
    arns.push(...(page.taskArns ?? []));
  }
  const { tasks = [] } = arns.length
    ? await clients.ecs.send(new DescribeTasksCommand({ cluster: trigger.task.cluster, tasks: arns }))
    : {};
  const placed: string[] = [];
  console.log('\nObjects → batch task');
  for (const task of tasks) {
    const env = Object.fromEntries(
      (task.overrides?.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name, e.value]),
    );
    const uri = new URL(env.ECS_PILOT_MANIFEST_URI ?? 's3://missing/');
    const object = await clients.s3.send(
      new GetObjectCommand({ Bucket: uri.host, Key: uri.pathname.slice(1) }),
    );
    const manifest = JSON.parse(await object.Body!.transformToString()) as Manifest;
    placed.push(...manifest.objects.map((o) => o.key));
    console.log(`  ${manifest.objects.length} objects → ${short(task.taskArn)}`);
    console.log(`      ECS_PILOT_MANIFEST_URI=${uri.href}`);
    console.log(
      `      manifest v${manifest.version}: ${manifest.objects.map((o) => `${o.key} (${o.size} B)`).join(', ')}` +
        (env.ECS_PILOT_MANIFEST ? '; also inline in ECS_PILOT_MANIFEST' : ''),
    );
  }
  const once = placed.length === keys.length && keys.every((k) => placed.includes(k));
  console.log(
    `\nBatch: ${keys.length} uploads, ${tasks.length} task${tasks.length === 1 ? '' : 's'} started, ` +
      `every object in ${once ? 'exactly one' : 'NOT exactly one'} manifest.`,
  );
  return once && tasks.length >= 1 && tasks.length < keys.length;
}
