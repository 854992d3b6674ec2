import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { CLAIM_TTL_SECONDS, DynamoDbClaimStore } from '../../../../../shared/uploads/aws/claims.js';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors.js';
import type { BatchRecord } from '../../../../../shared/uploads/batching.js';
import { fakeClaimTable } from '../../../../helpers/batching.js';

const TABLE = 'ecs-pilot-test-idempotency';
const NOW = new Date('2026-01-15T10:00:00Z');
const member = (n: number) => ({
  token: `${n}`.repeat(64).slice(0, 64),
  object: { bucket: 'media-ingest', key: `incoming/p${n}.jpg`, versionId: `v${n}`, size: n, etag: `e${n}` },
});
const record = (id: string, numbers: number[]): BatchRecord => ({
  id: id.repeat(64).slice(0, 64),
  trigger: 'thumbs',
  members: numbers.map(member),
});

const dynamoMock = mockClient(DynamoDBClient);
afterEach(() => dynamoMock.reset());

describe('Class: DynamoDbClaimStore', () => {
  it('claims every object and writes the batch record in one transaction, each claim conditional', async () => {
    // Prepare
    dynamoMock.on(TransactWriteItemsCommand).resolves({});
    const store = new DynamoDbClaimStore(new DynamoDBClient({}), TABLE, () => NOW);

    // Act
    const result = await store.claim(record('a', [1, 2]));

    // Assess
    expect(result).toEqual({ outcome: 'claimed' });
    const [call] = dynamoMock.commandCalls(TransactWriteItemsCommand);
    const items = call!.args[0].input.TransactItems!;
    expect(items).toHaveLength(3);
    const expiration = String(NOW.getTime() / 1000 + CLAIM_TTL_SECONDS);
    expect(items[0]!.Put).toMatchObject({
      TableName: TABLE,
      Item: {
        id: { S: `uploads/claim/${member(1).token}` },
        batch: { S: record('a', []).id },
        expiration: { N: expiration },
      },
      ConditionExpression: 'attribute_not_exists(id) OR #batch = :batch',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(items[2]!.Put!.ConditionExpression).toBeUndefined();
    expect(JSON.parse(items[2]!.Put!.Item!.members!.S!)).toEqual([member(1), member(2)]);
  });

  it('names the batches that already hold some of the objects, claiming none of them', async () => {
    // Prepare
    const table = fakeClaimTable();
    const store = new DynamoDbClaimStore(table.client, TABLE);
    await store.claim(record('a', [1, 2]));

    // Act
    const result = await store.claim(record('b', [2, 3]));

    // Assess
    expect(result).toEqual({ outcome: 'held', heldBy: new Map([[member(2).token, record('a', []).id]]) });
    expect(table.claims().get(member(3).token)).toBeUndefined();
  });

  it('reads the holder back when the cancellation carries no item', async () => {
    // Prepare
    const table = fakeClaimTable({ returnOldItems: false });
    const store = new DynamoDbClaimStore(table.client, TABLE);
    await store.claim(record('a', [1]));

    // Act
    const result = await store.claim(record('b', [1, 4]));

    // Assess
    expect(result).toEqual({ outcome: 'held', heldBy: new Map([[member(1).token, record('a', []).id]]) });
    expect(table.mock.commandCalls(GetItemCommand)).toHaveLength(1);
  });

  it('claims again for the same batch (a retry of it)', async () => {
    const table = fakeClaimTable();
    const store = new DynamoDbClaimStore(table.client, TABLE);
    await store.claim(record('a', [1, 2]));
    await expect(store.claim(record('a', [1, 2]))).resolves.toEqual({ outcome: 'claimed' });
  });

  it('says contended when another transaction holds the items', async () => {
    const table = fakeClaimTable();
    table.conflictNext();
    const store = new DynamoDbClaimStore(table.client, TABLE);
    await expect(store.claim(record('a', [1]))).resolves.toEqual({ outcome: 'contended' });
  });

  it.each([
    ['ThrottlingException', 400, RetryableError],
    ['InternalServerError', 500, RetryableError],
    ['ResourceNotFoundException', 400, PermanentError],
    ['AccessDeniedException', 400, PermanentError],
  ])('classifies %s as %s', async (name, status, kind) => {
    dynamoMock.on(TransactWriteItemsCommand).rejects(
      new DynamoDBServiceException({
        name,
        $fault: 'client',
        $metadata: { httpStatusCode: status },
        message: name,
      }),
    );
    const store = new DynamoDbClaimStore(new DynamoDBClient({}), TABLE);
    await expect(store.claim(record('a', [1]))).rejects.toBeInstanceOf(kind);
  });

  it('retries a cancellation for throughput (no condition failed, no conflict)', async () => {
    dynamoMock.on(TransactWriteItemsCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ProvisionedThroughputExceeded' }, { Code: 'None' }],
      }),
    );
    const store = new DynamoDbClaimStore(new DynamoDBClient({}), TABLE);
    await expect(store.claim(record('a', [1]))).rejects.toBeInstanceOf(RetryableError);
  });

  it('reads a batch record back, and undefined once it has expired', async () => {
    const table = fakeClaimTable();
    const store = new DynamoDbClaimStore(table.client, TABLE);
    await store.claim(record('a', [1, 2]));
    await expect(store.read(record('a', []).id)).resolves.toEqual(record('a', [1, 2]));
    await expect(store.read('f'.repeat(64))).resolves.toBeUndefined();
    expect(table.mock.commandCalls(GetItemCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
  });

  it('refuses a malformed batch record', async () => {
    dynamoMock.on(GetItemCommand).resolves({ Item: { id: { S: 'uploads/batch/x' } } });
    const store = new DynamoDbClaimStore(new DynamoDBClient({}), TABLE);
    await expect(store.read('x')).rejects.toThrow(/malformed/);
  });
});
