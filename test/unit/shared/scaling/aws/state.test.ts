import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors';
import { ScalerStateStore } from '../../../../../shared/scaling/aws/state';

const dynamoMock = mockClient(DynamoDBClient);
const TABLE = 'ecs-pilot-test-scaler-state';
const RECORD = { desired: 3, change: 'out', reason: 'backlog 25 needs 3', at: '2026-03-02T10:00:00.000Z' };

afterEach(() => dynamoMock.reset());

describe('Class: ScalerStateStore', () => {
  it('reads the state consistently, version 0 when the scaler has none yet', async () => {
    dynamoMock
      .on(GetItemCommand)
      .resolvesOnce({})
      .resolves({
        Item: { id: { S: 'scaler#a' }, version: { N: '4' }, lowSince: { S: '2026-03-02T09:58:00.000Z' } },
      });
    const store = new ScalerStateStore(new DynamoDBClient({}), TABLE);

    await expect(store.read('a')).resolves.toEqual({ state: {}, version: 0 });
    await expect(store.read('a')).resolves.toEqual({
      state: { lowSince: '2026-03-02T09:58:00.000Z' },
      version: 4,
    });
    expect(dynamoMock.commandCalls(GetItemCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { id: { S: 'scaler#a' } },
      ConsistentRead: true,
    });
  });

  it('creates the item only if nobody did (version 0), and moves a version only from the one read', async () => {
    dynamoMock.on(UpdateItemCommand).resolves({});
    const store = new ScalerStateStore(new DynamoDBClient({}), TABLE);

    await store.save('a', 0, {}, RECORD);
    await store.save('a', 4, { lowSince: '2026-03-02T09:58:00.000Z' }, RECORD);

    const [first, second] = dynamoMock.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    expect(first).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#version)',
      UpdateExpression: expect.stringContaining('REMOVE #lowSince'),
      ExpressionAttributeValues: expect.objectContaining({ ':next': { N: '1' } }),
    });
    expect(first?.ExpressionAttributeValues).not.toHaveProperty(':expected');
    expect(second).toMatchObject({
      ConditionExpression: '#version = :expected',
      UpdateExpression: expect.stringContaining('#lowSince = :lowSince'),
      ExpressionAttributeValues: expect.objectContaining({
        ':expected': { N: '4' },
        ':next': { N: '5' },
        ':lowSince': { S: '2026-03-02T09:58:00.000Z' },
      }),
    });
  });

  it('reads and saves the last backlog seen, and removes it when the state has none', async () => {
    dynamoMock.on(GetItemCommand).resolves({
      Item: {
        id: { S: 'scaler#a' },
        version: { N: '2' },
        backlog: { N: '51' },
        backlogAt: { S: '2026-03-02T09:59:50.000Z' },
      },
    });
    dynamoMock.on(UpdateItemCommand).resolves({});
    const store = new ScalerStateStore(new DynamoDBClient({}), TABLE);

    await expect(store.read('a')).resolves.toEqual({
      state: { backlog: 51, backlogAt: '2026-03-02T09:59:50.000Z' },
      version: 2,
    });
    await store.save('a', 2, { backlog: 51, backlogAt: '2026-03-02T10:00:00.000Z' }, RECORD);
    await store.save('a', 3, {}, RECORD);

    const [kept, emptied] = dynamoMock.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    expect(kept).toMatchObject({
      UpdateExpression: expect.stringContaining(
        '#backlog = :backlog, #backlogAt = :backlogAt REMOVE #lowSince',
      ),
      ExpressionAttributeValues: expect.objectContaining({
        ':backlog': { N: '51' },
        ':backlogAt': { S: '2026-03-02T10:00:00.000Z' },
      }),
    });
    expect(emptied?.UpdateExpression).toContain('REMOVE #lowSince, #backlog, #backlogAt');
  });

  it('ignores a backlog that is no whole number above 0 or has no time (an item written by hand)', async () => {
    dynamoMock.on(GetItemCommand).resolves({
      Item: { id: { S: 'scaler#a' }, version: { N: '2' }, backlog: { N: 'x' }, backlogAt: { S: 'now' } },
    });

    await expect(new ScalerStateStore(new DynamoDBClient({}), TABLE).read('a')).resolves.toEqual({
      state: {},
      version: 2,
    });
  });

  it('answers false, without throwing, when another evaluation saved first', async () => {
    dynamoMock
      .on(UpdateItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    await expect(new ScalerStateStore(new DynamoDBClient({}), TABLE).save('a', 4, {}, RECORD)).resolves.toBe(
      false,
    );
  });

  it.each([
    ['ResourceNotFoundException', PermanentError],
    ['AccessDeniedException', PermanentError],
    ['ProvisionedThroughputExceededException', RetryableError],
    ['InternalServerError', RetryableError],
  ])('classifies %s', async (name, Expected) => {
    const error = Object.assign(new Error(name), { name });
    dynamoMock.on(GetItemCommand).rejects(error);
    dynamoMock.on(UpdateItemCommand).rejects(error);
    const store = new ScalerStateStore(new DynamoDBClient({}), TABLE);

    await expect(store.read('a')).rejects.toThrow(Expected);
    await expect(store.save('a', 1, {}, RECORD)).rejects.toThrow(Expected);
  });
});
