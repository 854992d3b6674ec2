import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SQSRecord } from 'aws-lambda';
import { ECSServiceException } from '@aws-sdk/client-ecs';
import { TaskLauncher } from '../../../../shared/kernel/launch/aws/launcher.js';
import { attemptOf, processBatch, type QueueActions } from '../../../../shared/kernel/delivery/batch.js';
import type { UploadTrigger } from '../../../../shared/config/schema.js';
import { prepareUploadBatch } from '../../../../shared/uploads/batch.js';
import { batchMember, type Manifest } from '../../../../shared/uploads/batching.js';
import { DynamoDbClaimStore } from '../../../../shared/uploads/aws/claims.js';
import { S3ManifestStore } from '../../../../shared/uploads/aws/manifests.js';
import { parseObjectCreated } from '../../../../shared/uploads/event.js';
import { s3ObjectCreatedEvent, sqsRecord } from '../../../helpers/events.js';
import { recordingLogger } from '../../../helpers/log.js';
import { uploadTrigger } from '../../../helpers/triggers.js';
import { fakeClaimTable, fakeEcs, fakeManifestBucket, type FakeTask } from '../../../helpers/batching.js';

const MANIFEST_BUCKET = 'ecs-pilot-test-manifests';
const MAX_ATTEMPTS = 3;

const batched = (maxObjects = 5, task: Record<string, unknown> = {}) =>
  uploadTrigger({
    name: 'thumbs',
    prefix: 'incoming/',
    suffix: '.jpg',
    batch: { maxObjects, maxWaitSeconds: 10 },
    task: { environment: { INPUT_BUCKET: '{bucket}' }, roles: { task: 'thumbs-task' }, ...task },
  });

/** Object n's event: its own key, version and sequencer; the same n is the same object version. */
const event = (n: number) =>
  s3ObjectCreatedEvent({
    id: `event-${n}`,
    key: `incoming/p${n}.jpg`,
    versionId: `version-${n}`,
    sequencer: `0061${String(n).padStart(14, '0')}`,
  });
const keyOf = (n: number) => `incoming/p${n}.jpg`;

/** The emulated account: claims table, ECS with clientToken semantics, the manifest bucket, the queue. */
function account(triggers: UploadTrigger[]) {
  const table = fakeClaimTable();
  const ecs = fakeEcs();
  const bucket = fakeManifestBucket();
  const queue = {
    delay: vi.fn<QueueActions['delay']>(async () => undefined),
    requeue: vi.fn<QueueActions['requeue']>(async () => undefined),
    deadLetter: vi.fn<QueueActions['deadLetter']>(async () => undefined),
  };
  // No idempotency record here: RunTask's clientToken is the launch guard these tests rely on, so
  // every second task would be visible in ECS.
  const launcher = new TaskLauncher({ ecs: ecs.client });
  const claims = new DynamoDbClaimStore(table.client, 'ecs-pilot-test-idempotency');
  const manifests = new S3ManifestStore(bucket.client, MANIFEST_BUCKET);
  let config = triggers;

  /** One invocation of the function for these records, as the event source mapping delivers them. */
  async function deliver(records: SQSRecord[]) {
    const logger = recordingLogger();
    const process = await prepareUploadBatch(
      records.map((r) => ({ messageId: r.messageId, body: r.body, attempt: attemptOf(r) })),
      {
        triggers: config,
        launcher,
        objects: { lookup: async () => 'exists' },
        logger,
        claims,
        manifests,
        maxAttempts: MAX_ATTEMPTS,
      },
    );
    const response = await processBatch(records, (_body, context, record) => process(record, context), {
      queue,
      settings: { maxAttempts: MAX_ATTEMPTS, retryBaseSeconds: 1 },
      logger,
      random: () => 0,
    });
    return { failed: response.batchItemFailures.map((f) => f.itemIdentifier), logger };
  }

  /** The manifest a task received (read back from the bucket through the URI in its environment). */
  function manifestOf(task: FakeTask): Manifest {
    const uri = task.environment.ECS_PILOT_MANIFEST_URI!;
    const key = uri.slice(`s3://${MANIFEST_BUCKET}/`.length);
    return JSON.parse(bucket.objects.get(key)!) as Manifest;
  }

  /** Object key → how many started tasks list it in their manifest. */
  function placements(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const task of ecs.tasks) {
      for (const object of manifestOf(task).objects)
        counts.set(object.key, (counts.get(object.key) ?? 0) + 1);
    }
    return counts;
  }

  return {
    table,
    ecs,
    bucket,
    queue,
    deliver,
    manifestOf,
    placements,
    reconfigure: (next: UploadTrigger[]) => {
      config = next;
    },
  };
}

const records = (numbers: number[], options: { receiveCount?: number } = {}) =>
  numbers.map((n) => sqsRecord(event(n), { messageId: `message-${n}`, ...options }));

const serverError = () =>
  new ECSServiceException({
    name: 'ServerException',
    $fault: 'server',
    $metadata: { httpStatusCode: 500 },
    message: 'internal error',
  });

/** Every object of `numbers` is in exactly one started task. */
const expectPlacedOnce = (placements: Map<string, number>, numbers: number[]) => {
  expect(new Map([...placements].sort())).toEqual(new Map(numbers.map((n) => [keyOf(n), 1] as const).sort()));
};

afterEach(() => vi.restoreAllMocks());

describe('Uploads batching: exactly-once placement', () => {
  it('starts one task for five objects delivered together, with their identities in the manifest', async () => {
    // Prepare
    const world = account([batched()]);

    // Act
    const { failed } = await world.deliver(records([1, 2, 3, 4, 5]));

    // Assess
    expect(failed).toEqual([]);
    expect(world.ecs.tasks).toHaveLength(1);
    const [task] = world.ecs.tasks;
    const manifest = world.manifestOf(task!);
    expect(manifest).toMatchObject({ version: 1, trigger: 'thumbs', batch: task!.request.clientToken });
    expect(manifest.objects.map((o) => o.key).sort()).toEqual([1, 2, 3, 4, 5].map(keyOf));
    expect(manifest.objects).toContainEqual({
      bucket: 'media-ingest',
      key: keyOf(3),
      versionId: 'version-3',
      size: 1024,
      etag: 'b1946ac92492d2347c6235b4d2611184',
    });
    // Small: the manifest rides inline too, byte-for-byte the object's content.
    expect(JSON.parse(task!.environment.ECS_PILOT_MANIFEST!)).toEqual(manifest);
    expect(task!.environment.INPUT_BUCKET).toBe('media-ingest');
    expect(task!.request.tags).toContainEqual({ key: 'ecs-pilot:batch', value: manifest.batch });
  });

  it('starts no second task when the same five objects come back in other groupings', async () => {
    // Prepare
    const world = account([batched()]);
    await world.deliver(records([1, 2, 3, 4, 5]));

    // Act: SQS regroups on redelivery; a sixth object joins one of the groups.
    const first = await world.deliver(records([3, 4, 5, 6]));
    const second = await world.deliver(records([2, 1]));

    // Assess: a per-batch token would have started {3,4,5,6} and {1,2} as new tasks.
    expect(first.failed).toEqual([]);
    expect(second.failed).toEqual([]);
    expect(world.ecs.tasks).toHaveLength(2);
    expectPlacedOnce(world.placements(), [1, 2, 3, 4, 5, 6]);
    expect(world.manifestOf(world.ecs.tasks[1]!).objects.map((o) => o.key)).toEqual([keyOf(6)]);
  });

  it('finishes a batch claimed before a crash when its objects return in another grouping', async () => {
    // Prepare: the objects are claimed, then RunTask fails (as a crash before RunTask leaves them).
    const world = account([batched()]);
    world.ecs.failNext(serverError());
    const crashed = await world.deliver(records([1, 2, 3, 4, 5]));
    expect(crashed.failed).toHaveLength(5);
    expect(world.ecs.tasks).toHaveLength(0);

    // Act: they come back split, one group with a new object.
    await world.deliver(records([1, 2]));
    await world.deliver(records([3, 4, 5, 6]));

    // Assess: the claimed batch starts whole, once; the new object gets a batch of its own.
    expect(world.ecs.tasks).toHaveLength(2);
    expect(world.manifestOf(world.ecs.tasks[0]!).objects).toHaveLength(5);
    expectPlacedOnce(world.placements(), [1, 2, 3, 4, 5, 6]);
  });

  it('gets the same task back after a crash between RunTask and its answer', async () => {
    // Prepare
    const world = account([batched()]);
    world.ecs.loseNextResponse();
    const lost = await world.deliver(records([1, 2, 3, 4, 5]));
    expect(lost.failed).toHaveLength(5);

    // Act
    const retried = await world.deliver(records([5, 4, 3, 2, 1]));

    // Assess
    expect(retried.failed).toEqual([]);
    expect(world.ecs.tasks).toHaveLength(1);
    expectPlacedOnce(world.placements(), [1, 2, 3, 4, 5]);
  });

  it('dead-letters with the reason, and starts no second task, when the config changed between attempts (ConflictException)', async () => {
    // Prepare: the task started but the answer was lost; then the trigger's environment changes.
    const world = account([batched()]);
    world.ecs.loseNextResponse();
    await world.deliver(records([1, 2, 3]));
    world.reconfigure([batched(5, { environment: { INPUT_BUCKET: '{bucket}', MODE: 'fast' } })]);

    // Act
    const { failed } = await world.deliver(records([1, 2, 3]));

    // Assess
    expect(failed).toEqual([]);
    expect(world.ecs.tasks).toHaveLength(1);
    expect(world.queue.deadLetter).toHaveBeenCalledTimes(3);
    for (const [, attributes] of world.queue.deadLetter.mock.calls) {
      expect(attributes['ecs-pilot-reason']).toMatch(/different parameters/);
    }
  });

  it('returns for retry exactly the messages of the batch that failed to start', async () => {
    // Prepare: two batches (at most 3 objects each); the one holding p1.jpg fails.
    const world = account([batched(3)]);
    const holdsP1 = (input: {
      overrides?: { containerOverrides?: { environment?: { value?: string }[] }[] };
    }) =>
      (input.overrides?.containerOverrides?.[0]?.environment ?? []).some((e) => e.value?.includes(keyOf(1)));
    world.ecs.failWhen(holdsP1, serverError());

    // Act
    const { failed } = await world.deliver(records([1, 2, 3, 4, 5]));

    // Assess
    const claims = world.table.claims();
    const batchOf = (n: number) => claims.get(batchMember('thumbs', parseObjectCreated(event(n))).token);
    const failedBatch = batchOf(1);
    const expected = [1, 2, 3, 4, 5].filter((n) => batchOf(n) === failedBatch).map((n) => `message-${n}`);
    expect(failed.sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(5);
    expect(world.ecs.tasks).toHaveLength(1);
    expect(world.queue.delay).toHaveBeenCalledTimes(expected.length);
  });

  it('sends the whole batch to the dead-letter queue, each message with its object, once one of them is on its last attempt', async () => {
    // Prepare
    const world = account([batched()]);
    world.ecs.failNext(serverError());
    const batch = [...records([1, 2, 3, 4]), ...records([5], { receiveCount: MAX_ATTEMPTS })];

    // Act
    const { failed } = await world.deliver(batch);

    // Assess: all five together, so no retry restarts the batch with a dead-lettered member in it.
    expect(failed).toEqual([]);
    expect(world.queue.deadLetter).toHaveBeenCalledTimes(5);
    const attributes = world.queue.deadLetter.mock.calls.map(([, a]) => a);
    expect(attributes.map((a) => a['ecs-pilot-key']).sort()).toEqual([1, 2, 3, 4, 5].map(keyOf));
    for (const a of attributes) {
      expect(a).toMatchObject({ 'ecs-pilot-bucket': 'media-ingest', 'ecs-pilot-trigger': 'thumbs' });
      expect(a['ecs-pilot-version-id']).toMatch(/^version-\d$/);
      expect(a['ecs-pilot-batch']).toMatch(/^[0-9a-f]{64}$/);
      expect(a['ecs-pilot-reason']).toMatch(/gave up after 3 attempts/);
    }

    // Act: a DLQ redrive, regrouped.
    await world.deliver(records([4, 5]));
    await world.deliver(records([1, 2, 3]));

    // Assess: the batch starts once, whole.
    expect(world.ecs.tasks).toHaveLength(1);
    expectPlacedOnce(world.placements(), [1, 2, 3, 4, 5]);
  });

  it('counts a batch as one task against maxRunning, and defers all its messages while the cap is reached', async () => {
    // Prepare
    const world = account([batched(5, { maxRunning: 2 })]);
    world.ecs.setRunning(2);

    // Act
    const capped = await world.deliver(records([1, 2, 3, 4, 5]));

    // Assess
    expect(capped.failed).toEqual([]);
    expect(world.queue.requeue).toHaveBeenCalledTimes(5);
    expect(world.ecs.tasks).toHaveLength(0);

    // Act: one slot frees; the deferred messages return.
    world.ecs.setRunning(1);
    await world.deliver(records([1, 2, 3, 4, 5]));

    // Assess
    expect(world.ecs.tasks).toHaveLength(1);
    expectPlacedOnce(world.placements(), [1, 2, 3, 4, 5]);
  });

  it('treats the same event twice in one delivery as one object', async () => {
    // Prepare
    const world = account([batched()]);
    const twice = [
      sqsRecord(event(1), { messageId: 'first' }),
      sqsRecord(event(1), { messageId: 'again' }),
      ...records([2]),
    ];

    // Act
    const { failed } = await world.deliver(twice);

    // Assess
    expect(failed).toEqual([]);
    expect(world.ecs.tasks).toHaveLength(1);
    expect(world.manifestOf(world.ecs.tasks[0]!).objects).toHaveLength(2);
  });

  it('splits a delivery into batches of at most maxObjects, every object in exactly one', async () => {
    // Prepare
    const world = account([batched(4)]);
    const numbers = Array.from({ length: 10 }, (_, i) => i + 1);

    // Act
    await world.deliver(records(numbers));

    // Assess
    expect(world.ecs.tasks.map((t) => world.manifestOf(t).objects.length).sort()).toEqual([2, 4, 4]);
    expectPlacedOnce(world.placements(), numbers);
  });

  it('returns the messages for retry when another invocation claims the same objects at the same moment', async () => {
    // Prepare
    const world = account([batched()]);
    world.table.conflictNext();

    // Act
    const contended = await world.deliver(records([1, 2, 3]));
    const retried = await world.deliver(records([1, 2, 3]));

    // Assess
    expect(contended.failed.sort()).toEqual(['message-1', 'message-2', 'message-3']);
    expect(retried.failed).toEqual([]);
    expect(world.ecs.tasks).toHaveLength(1);
  });

  it('acks an object whose claim outlived its batch record as a duplicate, starting nothing', async () => {
    // Prepare: a claim from a batch whose record has expired.
    const world = account([batched()]);
    const token = batchMember('thumbs', parseObjectCreated(event(1))).token;
    world.table.items.set(`uploads/claim/${token}`, {
      id: { S: `uploads/claim/${token}` },
      batch: { S: 'f'.repeat(64) },
    });

    // Act
    const { failed, logger } = await world.deliver(records([1]));

    // Assess
    expect(failed).toEqual([]);
    expect(world.ecs.tasks).toHaveLength(0);
    expect(logger.at('info', 'upload duplicate')).toHaveLength(1);
  });

  it('still starts one task per object for a trigger without batch in the same delivery', async () => {
    // Prepare
    const single = uploadTrigger({ name: 'previews', prefix: 'incoming/' });
    const world = account([batched(), single]);

    // Act
    await world.deliver(records([1, 2, 3]));

    // Assess: one batch task, three single ones.
    const byTrigger = (name: string) =>
      world.ecs.tasks.filter((t) => t.request.startedBy === `ecs-pilot/${name}`);
    expect(byTrigger('thumbs')).toHaveLength(1);
    expect(byTrigger('previews')).toHaveLength(3);
  });
});
