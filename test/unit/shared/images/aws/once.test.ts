import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoOnce } from '../../../../../shared/images/aws/once';

const ddb = mockClient(DynamoDBClient);
const once = new DynamoOnce(new DynamoDBClient({ region: 'eu-west-1' }), 'alerts-state', 60);

afterEach(() => ddb.reset());

describe('Adapter: DynamoOnce', () => {
  it('claims a key with a conditional put that also lets an expired claim go', async () => {
    ddb.on(PutItemCommand).resolves({});

    expect(await once.claim('k')).toBe(true);

    const input = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toBe('attribute_not_exists(id) OR expiration < :now');
    expect(Number(input.Item!.expiration!.N) - Number(input.ExpressionAttributeValues![':now']!.N)).toBe(60);
  });

  it('answers false for a key claimed before, and gives a key back with DeleteItem', async () => {
    ddb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'taken', $metadata: {} }));
    ddb.on(DeleteItemCommand).resolves({});

    expect(await once.claim('k')).toBe(false);
    await once.release('k');
    expect(ddb.commandCalls(DeleteItemCommand)[0]!.args[0].input.Key).toEqual({ id: { S: 'k' } });
  });
});
