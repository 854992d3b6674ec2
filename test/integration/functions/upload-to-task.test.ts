import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  paginateListTasks,
  type Task,
} from '@aws-sdk/client-ecs';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { takeMessages } from '../../helpers/queues.js';
import { resetEmulator, setEmulatorTransition } from '../../../local/emulator.js';
import { setUpLocalUploads, type LocalUploads } from '../../../local/harness.js';
import { packageStage, projectRoot } from '../../../local/package.js';

/**
 * The upload automation end to end against the emulator, as in AWS: PutObject → S3's EventBridge
 * event → the rule from the packaged template → SQS → the real handler in-process → RunTask.
 */
describe('Function: uploadToTask (against the emulator)', () => {
  let local: LocalUploads;
  const bucket = 'media-ingest';

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    // Keep emulated tasks RUNNING however often they are described, so caps see them.
    await setEmulatorTransition(endpoint, 'ecs::task', { progression: 'manual', times: 1_000_000 });
    const templatePath = await packageStage('itest', {
      configFile: 'test/integration/fixtures/uploads.yml',
    });
    local = await setUpLocalUploads({
      endpoint,
      templatePath,
      configPath: join(projectRoot, 'test/integration/fixtures/uploads.yml'),
      versionedBuckets: [bucket],
      skipFamilies: ['not-registered'],
    });
  });

  afterAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await setEmulatorTransition(endpoint, 'ecs::task', { progression: 'immediate' });
  });

  const put = async (key: string, body = 'content') => {
    const { VersionId } = await local.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }),
    );
    return VersionId!;
  };

  /** Every task ecs-pilot started for a trigger, with its overrides. */
  const tasksOf = async (trigger: string): Promise<Task[]> => {
    const arns: string[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      for await (const page of paginateListTasks(
        { client: local.clients.ecs },
        { cluster: 'media', startedBy: `ecs-pilot/${trigger}`, desiredStatus },
      )) {
        arns.push(...(page.taskArns ?? []));
      }
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
  const tasksForKey = async (trigger: string, key: string) =>
    (await tasksOf(trigger)).filter(
      (t) => envOf(t).INPUT_KEY === key || t.tags?.some((g) => g.value === sha256(key)),
    );
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

  /** Takes (receives and deletes) what is in the dead-letter queue, so each test sees only its own. */
  const takeDeadLetters = () => takeMessages(local.clients.sqs, local.deadLetterQueueUrl);
  const attr = (message: Message, name: string) => message.MessageAttributes?.[name]?.StringValue;

  it('starts one task per uploaded object with the object identity in its environment and tags', async () => {
    const key = 'incoming/cat.jpg';
    const versionId = await put(key, 'a cat');

    await local.drain();

    const tasks = await tasksForKey('thumbnails', key);
    expect(tasks).toHaveLength(1);
    const task = tasks[0]!;
    expect(envOf(task)).toEqual({
      INPUT_BUCKET: bucket,
      INPUT_KEY: key,
      INPUT_SIZE: '5',
      INPUT_ETAG: createHash('md5').update('a cat').digest('hex'),
      INPUT_VERSION: versionId,
    });
    expect(task.startedBy).toBe('ecs-pilot/thumbnails');
    const tags = Object.fromEntries((task.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      'ecs-pilot:automation': 'uploads',
      'ecs-pilot:trigger': 'thumbnails',
      'ecs-pilot:bucket': bucket,
      'ecs-pilot:key-sha256': sha256(key),
    });
  });

  it('runs a trigger with secrets on one derived task definition carrying them, and starts no second task on redelivery', async () => {
    // Prepare
    await put('secret/one.jpg');
    await put('secret/two.jpg');

    // Act: every event delivered, then each delivered again
    const bodies: string[] = [];
    await local.drain({ onInvoke: (event) => bodies.push(...event.Records.map((r) => r.body)) });
    for (const body of bodies.filter((b) => b.includes('secret/'))) {
      await local.clients.sqs.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: body }));
    }
    await local.drain();

    // Assess
    const tasks = await tasksOf('with-secrets');
    expect(tasks.map((t) => envOf(t).INPUT_KEY).sort()).toEqual(['secret/one.jpg', 'secret/two.jpg']);
    const definitions = new Set(tasks.map((t) => t.taskDefinitionArn));
    expect(definitions.size).toBe(1);
    const [arn] = [...definitions];
    expect(arn).toMatch(/:task-definition\/thumbnailer-ecs-pilot-[0-9a-f]{16}:1$/);
    const { taskDefinition } = await local.clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: arn }),
    );
    expect(taskDefinition?.executionRoleArn).toMatch(/:role\/ecsTaskExecutionRole$/);
    expect(taskDefinition?.containerDefinitions?.find((c) => c.name === 'app')?.secrets).toEqual([
      {
        name: 'API_TOKEN',
        valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:itest/api:token::',
      },
      { name: 'DB_PASSWORD', valueFrom: '/itest/db-password' },
    ]);
    const family = taskDefinition!.family!;
    const { taskDefinitionArns } = await local.clients.ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: family }),
    );
    expect(taskDefinitionArns).toEqual([arn]);
    // Tasks of the trigger without secrets still run the task definition as configured.
    const plain = await tasksOf('thumbnails');
    for (const task of plain) expect(task.taskDefinitionArn).toMatch(/:task-definition\/thumbnailer:\d+$/);
  });

  it.each([
    ['a space', 'incoming/holiday photo.jpg'],
    ['a plus', 'incoming/a+b.jpg'],
    ['a percent sequence', 'incoming/100%25 done.jpg'],
    ['a colon', 'incoming/12:30:00.jpg'],
    ['non-ASCII letters', 'incoming/été/Ünïcödé 日本.jpg'],
    ['an emoji', 'incoming/😀.jpg'],
  ])('passes a key with %s to the container exactly as stored', async (_, key) => {
    await put(key, key);

    await local.drain();

    const tasks = await tasksForKey('thumbnails', key);
    expect(tasks).toHaveLength(1);
    const passedKey = envOf(tasks[0]!).INPUT_KEY!;
    expect(passedKey).toBe(key);
    // The proof that matters: the container can fetch the object with the key it was given.
    const object = await local.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: passedKey }));
    expect(await object.Body!.transformToString()).toBe(key);
  });

  describe('whichever way the event encodes the key', () => {
    const key = 'incoming/a+b c.jpg';
    const encoded = 'incoming/a%2Bb+c.jpg';
    let raw: { detail: { object: { key: string; sequencer?: string } }; id: string };

    it('starts a task with the stored key when the event carries it raw (as the emulator sends it)', async () => {
      await put(key, key);
      const bodies: string[] = [];

      await local.drain({ onInvoke: (event) => bodies.push(...event.Records.map((r) => r.body)) });

      raw = JSON.parse(bodies.find((b) => b.includes('a+b c.jpg'))!) as typeof raw;
      const tasks = await tasksForKey('thumbnails', key);
      expect(tasks.map((t) => envOf(t).INPUT_KEY)).toEqual([key]);
    });

    it('starts a task with the stored key when the event carries it form-encoded', async () => {
      // Prepare: another event for the object (its own id and sequencer), with the key form-encoded.
      const event = {
        ...raw,
        id: `${raw.id}-encoded`,
        detail: {
          ...raw.detail,
          object: { ...raw.detail.object, key: encoded, sequencer: 'FF00000000000000E1' },
        },
      };

      // Act
      await local.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: JSON.stringify(event) }),
      );
      await local.drain();

      // Assess
      const tasks = await tasksForKey('thumbnails', key);
      expect(tasks.map((t) => envOf(t).INPUT_KEY)).toEqual([key, key]);
      expect(await tasksForKey('thumbnails', encoded)).toHaveLength(0);
      expect(await takeDeadLetters()).toHaveLength(0);
    });

    it('starts no second task when the same event arrives again form-encoded', async () => {
      const again = { ...raw, detail: { ...raw.detail, object: { ...raw.detail.object, key: encoded } } };

      await local.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: JSON.stringify(again) }),
      );
      await local.drain();

      expect(await tasksForKey('thumbnails', key)).toHaveLength(2);
      expect(await takeDeadLetters()).toHaveLength(0);
    });

    it('dead-letters an event whose key has no object in either reading, naming both', async () => {
      const missing = {
        ...raw,
        id: `${raw.id}-missing`,
        detail: { ...raw.detail, object: { ...raw.detail.object, key: 'incoming/no%2Bsuch+file.jpg' } },
      };

      await local.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: JSON.stringify(missing) }),
      );
      await local.drain();

      const dead = await takeDeadLetters();
      expect(dead).toHaveLength(1);
      expect(attr(dead[0]!, 'ecs-pilot-reason')).toContain(
        'neither reading of the key exists (raw "incoming/no%2Bsuch+file.jpg", form-decoded "incoming/no+such file.jpg")',
      );
    });
  });

  it('starts no second task when the same upload is delivered twice', async () => {
    const key = 'incoming/twice.jpg';
    await put(key);
    const bodies: string[] = [];
    await local.drain({ onInvoke: (event) => bodies.push(...event.Records.map((r) => r.body)) });
    const original = bodies.find((b) => b.includes('twice.jpg'))!;

    await local.clients.sqs.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: original }));
    await local.clients.sqs.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: original }));
    await local.drain();

    expect(await tasksForKey('thumbnails', key)).toHaveLength(1);
    expect(await takeDeadLetters()).toHaveLength(0);
  });

  it('starts a new task for a new version of the same key', async () => {
    const key = 'incoming/versioned.jpg';
    const first = await put(key, 'v1');
    const second = await put(key, 'v2');

    await local.drain();

    const versions = (await tasksForKey('thumbnails', key)).map((t) => envOf(t).INPUT_VERSION).sort();
    expect(versions).toEqual([first, second].sort());
  });

  const queueDepth = async () => {
    const { Attributes } = await local.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: local.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Attributes?.ApproximateNumberOfMessages;
  };

  it('never delivers an object outside every trigger prefix', async () => {
    await put('elsewhere/photo.jpg');

    const depth = await queueDepth();
    await local.drain();

    expect(depth).toBe('0');
    expect(await tasksForKey('thumbnails', 'elsewhere/photo.jpg')).toHaveLength(0);
  });

  it('starts no task for an object inside a prefix whose suffix matches no trigger, and acks it', async () => {
    // The rule matches prefixes only (no wildcard rules, see "Rule layout"): the function checks the suffix.
    await put('incoming/notes.txt');

    const depth = await queueDepth();
    const result = await local.drain();

    expect(depth).toBe('1');
    expect(result.failedRecords).toBe(0);
    expect(await queueDepth()).toBe('0');
    expect(await tasksForKey('thumbnails', 'incoming/notes.txt')).toHaveLength(0);
    expect(await takeDeadLetters()).toHaveLength(0);
  });

  it('dead-letters malformed events at once with the reason, without retrying them', async () => {
    await local.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: 'not json' }),
    );
    await local.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: JSON.stringify({ source: 'aws.s3' }) }),
    );

    const result = await local.drain();

    expect(result.failedRecords).toBe(0);
    const dead = await takeDeadLetters();
    expect(dead.map((m) => m.Body).sort()).toEqual([JSON.stringify({ source: 'aws.s3' }), 'not json'].sort());
    for (const message of dead) {
      expect(attr(message, 'ecs-pilot-reason')).toMatch(/^permanent failure: /);
      expect(attr(message, 'ecs-pilot-attempts')).toBe('1');
    }
  });

  it('dead-letters an upload whose task cannot start, naming bucket, key, version and reason', async () => {
    const key = 'broken/input.bin';
    const versionId = await put(key);

    await local.drain({ timeoutMs: 30_000 });

    const dead = await takeDeadLetters();
    expect(dead).toHaveLength(1);
    const message = dead[0]!;
    expect(attr(message, 'ecs-pilot-bucket')).toBe(bucket);
    expect(attr(message, 'ecs-pilot-key')).toBe(key);
    expect(attr(message, 'ecs-pilot-version-id')).toBe(versionId);
    expect(attr(message, 'ecs-pilot-trigger')).toBe('broken');
    expect(attr(message, 'ecs-pilot-reason')).toContain('RunTask');
    // The body is the original event, so the DLQ can be redriven once the cause is fixed.
    expect(JSON.parse(message.Body!)).toMatchObject({ source: 'aws.s3', detail: { object: { key } } });
    expect(await tasksOf('broken')).toHaveLength(0);
  });

  it('defers an upload while maxRunning is reached instead of dropping it', async () => {
    await put('capped/first.bin');
    await local.drain();
    expect(await tasksOf('capped')).toHaveLength(1);

    await put('capped/second.bin');
    // The deferred message is re-queued with a delay of about a minute; stop looking after a few seconds.
    await local.drain({ timeoutMs: 4_000 });

    expect(await tasksOf('capped')).toHaveLength(1);
    const { Attributes } = await local.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: local.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(await takeDeadLetters()).toHaveLength(0);
    await local.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: local.queueUrl }));
  });
});
