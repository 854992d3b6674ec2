import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { ScalerStateStore } from '../../../../shared/aws/scaling-state.js';
import { emulatorClients } from '../../../../local/harness.js';

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

  it('starts a scaler at version 0 with no timer', async () => {
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
    });
  });

  it('refuses a save from a stale version and accepts one from the current version, clearing the timer', async () => {
    await store.save('moving', 0, { lowSince: '2026-03-02T09:59:00.000Z' }, RECORD);

    await expect(store.save('moving', 0, {}, RECORD)).resolves.toBe(false);
    await expect(store.save('moving', 1, {}, RECORD)).resolves.toBe(true);
    await expect(store.read('moving')).resolves.toEqual({ state: {}, version: 2 });
  });
});
