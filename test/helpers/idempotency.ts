import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DeleteItemCommandInput,
  type DynamoDBClient,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/**
 * Attribute names Powertools' DynamoDBPersistenceLayer writes with its defaults
 * (key `id`, `status`, `data`, `expiration` in seconds, `in_progress_expiration` in milliseconds).
 */
export const IDEMPOTENCY_ATTR = {
  key: 'id',
  status: 'status',
  data: 'data',
  expiration: 'expiration',
  inProgressExpiration: 'in_progress_expiration',
} as const;

export type IdempotencyItem = Record<string, AttributeValue>;

export interface IdempotencyItemOptions {
  id: string;
  status: 'COMPLETED' | 'INPROGRESS';
  /** The saved function result (string fields only, as LaunchResult has). */
  data?: Record<string, string>;
  /** Seconds since the epoch; default an hour from now. */
  expiration?: number;
  /** Milliseconds since the epoch; default a minute from now for INPROGRESS records. */
  inProgressExpiration?: number;
}

/** An idempotency record in DynamoDB's wire format, as `ReturnValuesOnConditionCheckFailure: ALL_OLD` returns it. */
export function idempotencyItem(options: IdempotencyItemOptions): IdempotencyItem {
  const item: IdempotencyItem = {
    [IDEMPOTENCY_ATTR.key]: { S: options.id },
    [IDEMPOTENCY_ATTR.status]: { S: options.status },
    [IDEMPOTENCY_ATTR.expiration]: {
      N: String(options.expiration ?? Math.round(Date.now() / 1000) + 3600),
    },
  };
  const inProgressExpiration =
    options.inProgressExpiration ?? (options.status === 'INPROGRESS' ? Date.now() + 60_000 : undefined);
  if (inProgressExpiration !== undefined) {
    item[IDEMPOTENCY_ATTR.inProgressExpiration] = { N: String(inProgressExpiration) };
  }
  if (options.data) {
    item[IDEMPOTENCY_ATTR.data] = {
      M: Object.fromEntries(Object.entries(options.data).map(([name, value]) => [name, { S: value }])),
    };
  }
  return item;
}

/** The ConditionalCheckFailedException DynamoDB raises when a conditional put meets an existing record. */
export function conditionalCheckFailed(item?: IdempotencyItem): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    ...(item ? { Item: item } : {}),
  });
}

const keyOf = (key: Record<string, AttributeValue> | undefined): string =>
  key?.[IDEMPOTENCY_ATTR.key]?.S ?? '';

/** true when the conditional put Powertools sends would succeed over `existing`. */
function canOverwrite(existing: IdempotencyItem, now: number): boolean {
  const expiration = Number(existing[IDEMPOTENCY_ATTR.expiration]?.N ?? Infinity);
  if (expiration < now / 1000) return true;
  const inProgressExpiration = existing[IDEMPOTENCY_ATTR.inProgressExpiration]?.N;
  return (
    existing[IDEMPOTENCY_ATTR.status]?.S === 'INPROGRESS' &&
    inProgressExpiration !== undefined &&
    Number(inProgressExpiration) < now
  );
}

/**
 * Makes a mocked DynamoDBClient behave like an idempotency table: conditional PutItem,
 * `SET` UpdateItem, DeleteItem and GetItem over an in-memory map, which is returned for assertions.
 * Call it after each `reset()` of the mock.
 */
export function useFakeIdempotencyTable(mock: AwsClientStub<DynamoDBClient>): Map<string, IdempotencyItem> {
  const items = new Map<string, IdempotencyItem>();
  mock.on(PutItemCommand).callsFake(async (input: PutItemCommandInput) => {
    const item = input.Item ?? {};
    const existing = items.get(keyOf(item));
    if (existing && !canOverwrite(existing, Date.now())) throw conditionalCheckFailed(existing);
    items.set(keyOf(item), { ...item });
    return {};
  });
  mock.on(UpdateItemCommand).callsFake(async (input: UpdateItemCommandInput) => {
    const id = keyOf(input.Key);
    const item: IdempotencyItem = { ...(items.get(id) ?? input.Key ?? {}) };
    const assignments = (input.UpdateExpression ?? '').replace(/^SET\s+/, '').split(/\s*,\s*/);
    for (const assignment of assignments) {
      const [name, value] = assignment.split(/\s*=\s*/);
      const attribute = input.ExpressionAttributeNames?.[name ?? ''];
      const attributeValue = input.ExpressionAttributeValues?.[value ?? ''];
      if (attribute && attributeValue) item[attribute] = attributeValue;
    }
    items.set(id, item);
    return {};
  });
  mock.on(DeleteItemCommand).callsFake(async (input: DeleteItemCommandInput) => {
    items.delete(keyOf(input.Key));
    return {};
  });
  mock.on(GetItemCommand).callsFake(async (input: GetItemCommandInput) => {
    const item = items.get(keyOf(input.Key));
    return item ? { Item: item } : {};
  });
  return items;
}
