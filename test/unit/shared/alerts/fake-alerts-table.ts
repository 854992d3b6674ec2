import {
  UpdateItemCommand,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import {
  conditionalCheckFailed,
  useFakeIdempotencyTable,
  type IdempotencyItem,
} from '../../../helpers/idempotency';

/**
 * Makes a mocked DynamoDBClient behave like the alerts state table: Powertools idempotency records
 * (conditional PutItem, SET UpdateItem, DeleteItem, GetItem, from test/helpers/idempotency) and the
 * noise gate's three conditional updates on `noise#…` items, with DynamoDB's semantics for the
 * expressions the gate sends. Returns the items for assertions. Call after each `reset()`.
 */
export function useFakeAlertsTable(mock: AwsClientStub<DynamoDBClient>): Map<string, IdempotencyItem> {
  const items = useFakeIdempotencyTable(mock);
  mock.on(UpdateItemCommand).callsFake(async (input: UpdateItemCommandInput) => {
    const id = input.Key?.id?.S ?? '';
    const old = items.get(id);
    const values = input.ExpressionAttributeValues ?? {};
    const expression = input.UpdateExpression ?? '';
    const fail = () => {
      throw conditionalCheckFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? old : undefined);
    };
    const next: IdempotencyItem = { ...(old ?? { id: { S: id } }) };
    if (expression.startsWith('ADD #alerted')) {
      const alerted = old?.alerted?.SS ?? [];
      const task = values[':taskArn']?.S ?? '';
      if (alerted.length >= Number(values[':max']?.N) || alerted.includes(task)) fail();
      next.alerted = { SS: [...alerted, task] };
    } else if (expression.startsWith('SET #summary')) {
      if (old?.summaryTask) fail();
      next.summaryTask = { S: values[':taskArn']?.S ?? '' };
    } else if (expression.startsWith('ADD #suppressed')) {
      next.suppressed = { N: String(Number(old?.suppressed?.N ?? 0) + 1) };
    } else {
      // A Powertools record update: `SET #a = :a, #b = :b`.
      for (const assignment of expression.replace(/^SET\s+/, '').split(/\s*,\s*/)) {
        const [name, value] = assignment.split(/\s*=\s*/);
        const attribute = input.ExpressionAttributeNames?.[name ?? ''];
        const attributeValue = values[value ?? ''];
        if (attribute && attributeValue) next[attribute] = attributeValue;
      }
      items.set(id, next);
      return {};
    }
    if (values[':expiration'] && !next.expiration) next.expiration = values[':expiration'];
    items.set(id, next);
    return { Attributes: next };
  });
  return items;
}
