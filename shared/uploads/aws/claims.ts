import {
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { classifyDynamoDbError } from '../../kernel/aws/errors.js';
import { PermanentError } from '../../kernel/errors.js';
import type { BatchMember, BatchRecord } from '../batching.js';
import type { ClaimResult, ClaimStore } from '../place.js';

/** Claims and batch records live as long as the launcher's idempotency records (7 days). */
export const CLAIM_TTL_SECONDS = 7 * 24 * 3600;

const claimId = (token: string) => `uploads/claim/${token}`;
const recordId = (batch: string) => `uploads/batch/${batch}`;

/**
 * ClaimStore over the idempotency table (key `id`, TTL `expiration`; ids under `uploads/` never meet
 * Powertools' own, which start with the function name). One TransactWriteItems per batch: every
 * object's claim, on condition that it is absent or already this batch's, and the batch record.
 * A transaction holds at most 100 items, hence at most 99 objects per batch.
 */
export class DynamoDbClaimStore implements ClaimStore {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async claim(record: BatchRecord): Promise<ClaimResult> {
    const expiration = { N: String(Math.floor(this.now().getTime() / 1000) + CLAIM_TTL_SECONDS) };
    const claims = record.members.map((m) => ({
      Put: {
        TableName: this.tableName,
        Item: { id: { S: claimId(m.token) }, batch: { S: record.id }, expiration },
        ConditionExpression: 'attribute_not_exists(id) OR #batch = :batch',
        ExpressionAttributeNames: { '#batch': 'batch' },
        ExpressionAttributeValues: { ':batch': { S: record.id } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    }));
    const batch = {
      Put: {
        TableName: this.tableName,
        Item: {
          id: { S: recordId(record.id) },
          trigger: { S: record.trigger },
          members: { S: JSON.stringify(record.members) },
          expiration,
        },
      },
    };
    try {
      await this.dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [...claims, batch] }));
      return { outcome: 'claimed' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) {
        throw classifyDynamoDbError(error, 'TransactWriteItems (claiming a batch)');
      }
      const reasons = error.CancellationReasons ?? [];
      const heldBy = new Map<string, string>();
      for (const [index, member] of record.members.entries()) {
        const reason = reasons[index];
        if (reason?.Code !== 'ConditionalCheckFailed') continue;
        const holder = reason.Item?.batch?.S ?? (await this.holderOf(member));
        if (holder && holder !== record.id) heldBy.set(member.token, holder);
      }
      if (heldBy.size > 0) return { outcome: 'held', heldBy };
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return { outcome: 'contended' };
      throw classifyDynamoDbError(error, 'TransactWriteItems (claiming a batch)');
    }
  }

  async read(id: string): Promise<BatchRecord | undefined> {
    const item = await this.get(recordId(id));
    if (!item) return undefined;
    const trigger = item.trigger?.S;
    const members = item.members?.S;
    if (trigger === undefined || members === undefined) {
      throw new PermanentError(`batch record ${id} is malformed (no trigger or members)`);
    }
    return { id, trigger, members: JSON.parse(members) as BatchMember[] };
  }

  /** Who holds a claim, when the cancellation did not return the item (older emulators). */
  private async holderOf(member: BatchMember): Promise<string | undefined> {
    return (await this.get(claimId(member.token)))?.batch?.S;
  }

  private async get(id: string): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const { Item } = await this.dynamodb.send(
        new GetItemCommand({ TableName: this.tableName, Key: { id: { S: id } }, ConsistentRead: true }),
      );
      return Item;
    } catch (error) {
      throw classifyDynamoDbError(error, 'GetItem (a batch claim)');
    }
  }
}
