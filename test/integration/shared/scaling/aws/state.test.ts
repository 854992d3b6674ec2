import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { QueueDepthReader } from '../../../../../shared/scaling/aws/queue.js';
import { ServiceScaler } from '../../../../../shared/scaling/aws/service.js';
import { ScalerStateStore } from '../../../../../shared/scaling/aws/state.js';
import { scalerSchema } from '../../../../../shared/scaling/config.js';
import { RetryableError } from '../../../../../shared/kernel/errors.js';
import {
  evaluateScaler,
  type EvaluationResult,
  type ScalingAdapters,
} from '../../../../../shared/scaling/service.js';
import { emulatorClients, type EmulatorClients } from '../../../../../local/harness.js';
import { recordingLogger } from '../../../../helpers/log.js';

const TABLE = 'ecs-pilot-scaltestint-state-store';
const RECORD = { desired: 2, change: 'out', reason: 'test', at: '2026-03-02T10:00:00.000Z' };

/** The conditional writes that keep overlapping evaluations from both acting, against the emulator's DynamoDB. */
describe('Class: ScalerStateStore (against the emulator)', () => {
  let store: ScalerStateStore;

  beforeAll(async () => {
    const { dynamodb } = emulatorClients(inject('emulatorEndpoint'));
    await dynamodb.send(new DeleteTableCommand({ TableName: TABLE })).catch(() => undefined);
    await dynamodb.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    store = new ScalerStateStore(dynamodb, TABLE);
  });

  it('starts a scaler at version 0 with no timer or change', async () => {
    await expect(store.read('fresh')).resolves.toEqual({ state: {}, version: 0 });
  });

  it('lets only the first of two evaluations that read the same version save', async () => {
    const [a, b] = await Promise.all([store.read('raced'), store.read('raced')]);

    const saves = [
      await store.save('raced', a.version, { lowSince: '2026-03-02T09:59:00.000Z' }, RECORD),
      await store.save('raced', b.version, {}, RECORD),
    ];

    expect(saves).toEqual([true, false]);
    await expect(store.read('raced')).resolves.toEqual({
      state: { lowSince: '2026-03-02T09:59:00.000Z' },
      version: 1,
      lastChange: { desired: 2, at: RECORD.at },
    });
  });

  it('refuses a save from a stale version and accepts one from the current version, clearing the timer', async () => {
    await store.save('moving', 0, { lowSince: '2026-03-02T09:59:00.000Z' }, RECORD);

    await expect(store.save('moving', 0, {}, RECORD)).resolves.toBe(false);
    await expect(store.save('moving', 1, {}, { ...RECORD, change: 'none' })).resolves.toBe(true);
    await expect(store.read('moving')).resolves.toEqual({ state: {}, version: 2 });
  });
});

/** A promise with its resolve, to hold one evaluation at a step until another reaches its own. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/**
 * Two evaluations of one scaler interleaved step by step — the one-minute overlap, an on-demand
 * invocation, a duplicate delivery — over real adapters against the emulator (DynamoDB state, SQS
 * depth, ECS service). Whatever the interleaving, one UpdateService at most.
 */
describe('Overlapping evaluations (against the emulator)', () => {
  const TABLE_NAME = 'ecs-pilot-scaltestint-overlap';
  const CLUSTER = 'scaloverlap';
  const T0 = Date.parse('2026-03-02T10:00:00Z');
  let clients: EmulatorClients;
  let store: ScalerStateStore;

  beforeAll(async () => {
    clients = emulatorClients(inject('emulatorEndpoint'));
    await clients.dynamodb.send(new DeleteTableCommand({ TableName: TABLE_NAME })).catch(() => undefined);
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: TABLE_NAME,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    store = new ScalerStateStore(clients.dynamodb, TABLE_NAME);
    await clients.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'scaloverlap-worker',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'worker', image: 'example.com/worker:latest', memory: 512 }],
      }),
    );
  });

  /** A queue holding `messages` and a service at `desired`, both named after the scaler. */
  async function world(name: string, messages: number, desired: number) {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: `${name}-jobs` }));
    for (let sent = 0; sent < messages; sent += 10) {
      const entries = Array.from({ length: Math.min(10, messages - sent) }, (_, i) => ({
        Id: String(i),
        MessageBody: `job ${sent + i}`,
      }));
      await clients.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
    }
    await clients.ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: name,
        taskDefinition: 'scaloverlap-worker',
        desiredCount: desired,
        launchType: 'FARGATE',
      }),
    );
    const scaler = scalerSchema.parse({
      name,
      queue: `${name}-jobs`,
      cluster: CLUSTER,
      service: name,
      messagesPerTask: 10,
      min: 0,
      max: 10,
      scaleInAfterMinutes: 5,
    });
    const queues = new QueueDepthReader(clients.sqs);
    const services = new ServiceScaler(clients.ecs);
    const updates: number[] = [];
    const adapters: ScalingAdapters = {
      depth: (queue) => queues.depth(queue),
      describe: (ref) => services.describe(ref),
      setDesired: async (ref, count) => {
        updates.push(count);
        await services.setDesired(ref, count);
      },
      bounds: async () => undefined,
      readState: (scaler) => store.read(scaler),
      saveState: (scaler, expected, state, record) => store.save(scaler, expected, state, record),
    };
    const desiredNow = async () => {
      const { services: found = [] } = await clients.ecs.send(
        new DescribeServicesCommand({ cluster: CLUSTER, services: [name] }),
      );
      return found[0]?.desiredCount;
    };
    return { scaler, adapters, updates, desiredNow };
  }

  const evaluate = (w: Awaited<ReturnType<typeof world>>, adapters: ScalingAdapters, now = T0) =>
    evaluateScaler(w.scaler, { adapters, now, bounds: new Map(), logger: recordingLogger() });
  const outcomes = (results: EvaluationResult[]) => results.map((r) => r.outcome).sort();

  it('lets only one of two evaluations that both read the state before either saved update the service', async () => {
    const w = await world('scal-both-read', 25, 0);
    let reads = 0;
    const bothRead = gate();
    // The emulator's conditional writes are not atomic when two arrive at once (DynamoDB's are):
    // the second save is sent once the first has been answered.
    let saves = Promise.resolve();
    const adapters: ScalingAdapters = {
      ...w.adapters,
      readState: async (scaler) => {
        const stored = await w.adapters.readState(scaler);
        if (++reads === 2) bothRead.open();
        await bothRead.opened;
        return stored;
      },
      saveState: (...args) => {
        const saved = saves.then(() => w.adapters.saveState(...args));
        saves = saved.then(() => undefined);
        return saved;
      },
    };

    const results = await Promise.all([evaluate(w, adapters), evaluate(w, adapters)]);

    expect(outcomes(results)).toEqual(['conflict', 'scale-out']);
    expect(w.updates).toEqual([3]);
    expect(await w.desiredNow()).toBe(3);
  });

  it('keeps an evaluation that reads the state after another saved, but sees the service before its UpdateService, from acting', async () => {
    const w = await world('scal-read-after-save', 25, 0);
    const firstSaved = gate();
    const secondObserved = gate();
    const first: ScalingAdapters = {
      ...w.adapters,
      saveState: async (...args) => {
        const saved = await w.adapters.saveState(...args);
        firstSaved.open();
        return saved;
      },
      // UpdateService is slow (throttled, retried): the second evaluation observes the service first.
      setDesired: async (ref, count) => {
        await secondObserved.opened;
        await w.adapters.setDesired(ref, count);
      },
    };
    const second: ScalingAdapters = {
      ...w.adapters,
      readState: async (scaler) => {
        await firstSaved.opened;
        return w.adapters.readState(scaler);
      },
      describe: async (ref) => {
        const counts = await w.adapters.describe(ref);
        secondObserved.open();
        return counts;
      },
    };

    const results = await Promise.all([evaluate(w, first), evaluate(w, second, T0 + 1_000)]);

    expect(results.map((r) => r.outcome)).toEqual(['scale-out', 'conflict']);
    expect(w.updates).toEqual([3]);
    expect(await w.desiredNow()).toBe(3);
    // Once ECS shows the change, the next evaluation decides from it as usual.
    await expect(evaluate(w, w.adapters, T0 + 10_000)).resolves.toMatchObject({ outcome: 'unchanged' });
  });

  it('puts the state back when UpdateService fails after the save, so the next evaluation scales in without a new wait', async () => {
    const w = await world('scal-update-fails', 0, 3);
    const lowSince = new Date(T0 - 10 * 60_000).toISOString();
    await store.save(
      w.scaler.name,
      0,
      { lowSince },
      { desired: 3, change: 'none', reason: 'seed', at: lowSince },
    );
    const failing: ScalingAdapters = {
      ...w.adapters,
      setDesired: async () => {
        throw new RetryableError('UpdateService: ThrottlingException');
      },
    };

    const failed = await evaluate(w, failing);
    const stored = await store.read(w.scaler.name);
    const retried = await evaluate(w, w.adapters, T0 + 60_000);

    expect(failed.outcome).toBe('failed');
    expect(stored).toEqual({ state: { lowSince }, version: 3 });
    expect(retried).toMatchObject({ outcome: 'scale-in', desired: 0 });
    expect(w.updates).toEqual([0]);
    expect(await w.desiredNow()).toBe(0);
  });
});
