import {
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { ScaleState } from '../decide.js';
import type { StoredScaleState } from '../service.js';
import { classifyDynamoDbError } from '../../kernel/aws/errors.js';

export type { StoredScaleState };

/** What the winning evaluation records beside the state, for people reading the table. */
export interface ScaleRecord {
  desired: number;
  change: string;
  reason: string;
  at: string;
}

const keyOf = (scaler: string): Record<string, AttributeValue> => ({ id: { S: `scaler#${scaler}` } });

/**
 * One DynamoDB item per scaler: the scale-in timer (`lowSince`), the last backlog seen and when
 * (`backlog`, `backlogAt`, for the surge estimate) and a version number. An
 * evaluation reads it consistently, decides, and saves with a condition on the version it read,
 * before it calls UpdateService: of two overlapping evaluations of one scaler only the first to save
 * acts; the other's save fails and it changes nothing.
 */
export class ScalerStateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** A strongly consistent read, so a save made by another invocation a moment ago is seen. */
  async read(scaler: string): Promise<StoredScaleState> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: keyOf(scaler), ConsistentRead: true }),
      );
      const lowSince = Item?.lowSince?.S;
      const change = Item?.change?.S;
      const desired = Number(Item?.desired?.N);
      const at = Item?.evaluatedAt?.S;
      // The last saved decision, when it changed the count: evaluations wait until ECS shows it.
      const lastChange =
        (change === 'out' || change === 'in') && Number.isInteger(desired) && at
          ? { desired, at }
          : undefined;
      // The last backlog seen (for the surge estimate): absent in items written before it was kept.
      const backlog = Number(Item?.backlog?.N);
      const backlogAt = Item?.backlogAt?.S;
      const seen = Number.isInteger(backlog) && backlog > 0 && backlogAt ? { backlog, backlogAt } : {};
      return {
        state: { ...(lowSince ? { lowSince } : {}), ...seen },
        version: Number(Item?.version?.N ?? 0),
        ...(lastChange ? { lastChange } : {}),
      };
    } catch (error) {
      throw classifyDynamoDbError(error, `scaler state (DynamoDB GetItem ${scaler})`);
    }
  }

  /**
   * Saves the state as version `expected + 1` if the item is still at `expected`. Returns false,
   * without throwing, when another evaluation saved first.
   */
  async save(scaler: string, expected: number, state: ScaleState, record: ScaleRecord): Promise<boolean> {
    const values: Record<string, AttributeValue> = {
      ':next': { N: String(expected + 1) },
      ':desired': { N: String(record.desired) },
      ':change': { S: record.change },
      // DynamoDB items are capped at 400 KB; a reason is a line, but keep the item small regardless.
      ':reason': { S: record.reason.slice(0, 1000) },
      ':at': { S: record.at },
    };
    let update = 'SET #version = :next, #desired = :desired, #change = :change, #reason = :reason, #at = :at';
    const removed: string[] = [];
    if (state.lowSince) {
      values[':lowSince'] = { S: state.lowSince };
      update += ', #lowSince = :lowSince';
    } else {
      removed.push('#lowSince');
    }
    if (state.backlog !== undefined && state.backlog > 0 && state.backlogAt) {
      values[':backlog'] = { N: String(state.backlog) };
      values[':backlogAt'] = { S: state.backlogAt };
      update += ', #backlog = :backlog, #backlogAt = :backlogAt';
    } else {
      removed.push('#backlog', '#backlogAt');
    }
    if (removed.length > 0) update += ` REMOVE ${removed.join(', ')}`;
    if (expected > 0) values[':expected'] = { N: String(expected) };
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(scaler),
          UpdateExpression: update,
          ConditionExpression: expected > 0 ? '#version = :expected' : 'attribute_not_exists(#version)',
          ExpressionAttributeNames: {
            '#version': 'version',
            '#desired': 'desired',
            '#change': 'change',
            '#reason': 'reason',
            '#at': 'evaluatedAt',
            '#lowSince': 'lowSince',
            '#backlog': 'backlog',
            '#backlogAt': 'backlogAt',
          },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error)?.name === 'ConditionalCheckFailedException') return false;
      throw classifyDynamoDbError(error, `scaler state (DynamoDB UpdateItem ${scaler})`);
    }
  }

  /**
   * Claims slot `slot` of the chain of `intervalSeconds`: one conditional UpdateItem on the item
   * `tick#<interval>s`, which succeeds only when no newer or equal slot was claimed before. Returns
   * whether this call won, and the slot claimed before (when there was one).
   */
  async claimSlot(
    intervalSeconds: number,
    slot: number,
    at: string,
  ): Promise<{ claimed: boolean; previous?: number }> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { id: { S: `tick#${intervalSeconds}s` } },
          UpdateExpression: 'SET #slot = :slot, #at = :at',
          ConditionExpression: 'attribute_not_exists(#slot) OR #slot < :slot',
          ExpressionAttributeNames: { '#slot': 'slot', '#at': 'claimedAt' },
          ExpressionAttributeValues: { ':slot': { N: String(slot) }, ':at': { S: at } },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      const previous = Number(Attributes?.slot?.N);
      return { claimed: true, ...(Number.isSafeInteger(previous) ? { previous } : {}) };
    } catch (error) {
      if ((error as Error)?.name === 'ConditionalCheckFailedException') return { claimed: false };
      throw classifyDynamoDbError(error, `tick slot (DynamoDB UpdateItem tick#${intervalSeconds}s)`);
    }
  }
}
