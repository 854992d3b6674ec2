import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { classifyDynamoDbError } from '../../kernel/aws/errors.js';
import { actionFromState, type NoiseSettings, type NoiseState, type NoiseWindow } from '../noise.js';
import type { NoiseVerdict } from '../service.js';

const NAMES = {
  '#alerted': 'alerted',
  '#summary': 'summaryTask',
  '#suppressed': 'suppressed',
  '#expiration': 'expiration',
};

function stateOf(item: Record<string, AttributeValue> | undefined): NoiseState {
  return {
    alerted: item?.alerted?.SS ?? [],
    summaryTask: item?.summaryTask?.S,
    suppressed: Number(item?.suppressed?.N ?? 0),
  };
}

/**
 * The noise gate over DynamoDB: one item per (subject, window), updated atomically, so counts hold
 * across concurrent invocations and cold starts. Each task's action is recorded (its ARN in
 * `alerted`, or as `summaryTask`), so a retry after a failed publish gets the same action again;
 * the item stays small (at most maxPerWindow + 1 ARNs plus a counter) and expires a day after its
 * window.
 *
 * 1. Take an alert slot: ADD the task to `alerted` if it has fewer than maxPerWindow and the task is
 *    not in it. Success → alert.
 * 2. Otherwise read the old item (returned with the failed condition): a task seen before repeats
 *    its action; if nobody sent the summary, claim it (SET summaryTask if absent) → summary.
 * 3. Otherwise count it: ADD 1 to `suppressed` → suppress.
 */
export class DynamoNoiseGate {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async admit(window: NoiseWindow, taskArn: string, settings: NoiseSettings): Promise<NoiseVerdict> {
    const key = { id: { S: window.key } };
    const expiration = { ':expiration': { N: String(window.expiresAt) } };
    const slot = await this.update(
      {
        UpdateExpression: 'ADD #alerted :task SET #expiration = if_not_exists(#expiration, :expiration)',
        ConditionExpression:
          '(attribute_not_exists(#alerted) OR size(#alerted) < :max) AND NOT contains(#alerted, :taskArn)',
        ExpressionAttributeNames: { '#alerted': NAMES['#alerted'], '#expiration': NAMES['#expiration'] },
        ExpressionAttributeValues: {
          ':task': { SS: [taskArn] },
          ':taskArn': { S: taskArn },
          ':max': { N: String(settings.maxPerWindow) },
          ...expiration,
        },
        ReturnValues: 'UPDATED_NEW',
      },
      key,
    );
    if (slot.ok) return { action: 'alert', failures: slot.state.alerted.length };
    const seen = actionFromState(slot.state, taskArn);
    if (seen === 'alert') return { action: 'alert', failures: slot.state.alerted.length };
    if (seen === 'summary') return { action: 'summary', failures: slot.state.alerted.length + 1 };
    if (seen === 'claim-summary') {
      const claim = await this.update(
        {
          UpdateExpression: 'SET #summary = :taskArn, #expiration = if_not_exists(#expiration, :expiration)',
          ConditionExpression: 'attribute_not_exists(#summary)',
          ExpressionAttributeNames: { '#summary': NAMES['#summary'], '#expiration': NAMES['#expiration'] },
          ExpressionAttributeValues: { ':taskArn': { S: taskArn }, ...expiration },
          ReturnValues: 'ALL_NEW',
        },
        key,
      );
      if (claim.ok || claim.state.summaryTask === taskArn) {
        return { action: 'summary', failures: claim.state.alerted.length + 1 + claim.state.suppressed };
      }
    }
    const counted = await this.update(
      {
        UpdateExpression: 'ADD #suppressed :one SET #expiration = if_not_exists(#expiration, :expiration)',
        ExpressionAttributeNames: {
          '#suppressed': NAMES['#suppressed'],
          '#expiration': NAMES['#expiration'],
        },
        ExpressionAttributeValues: { ':one': { N: '1' }, ...expiration },
        ReturnValues: 'ALL_NEW',
      },
      key,
    );
    const state = counted.state;
    return {
      action: 'suppress',
      failures: state.alerted.length + (state.summaryTask ? 1 : 0) + state.suppressed,
    };
  }

  /** One conditional update; a failed condition is an answer (with the item as it was), not an error. */
  private async update(
    input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>,
    key: Record<string, AttributeValue>,
  ): Promise<{ ok: boolean; state: NoiseState }> {
    try {
      const response = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key,
          ...input,
          ...(input.ConditionExpression ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
        }),
      );
      return { ok: true, state: stateOf(response.Attributes) };
    } catch (error) {
      if (
        !(error instanceof ConditionalCheckFailedException) &&
        (error as Error)?.name !== 'ConditionalCheckFailedException'
      ) {
        throw classifyDynamoDbError(error, 'noise control (DynamoDB UpdateItem)');
      }
      const item = (error as ConditionalCheckFailedException).Item;
      return { ok: false, state: stateOf(item ?? (await this.read(key))) };
    }
  }

  /** A consistent read, for stores that do not return the item with a failed condition. */
  private async read(
    key: Record<string, AttributeValue>,
  ): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return Item;
    } catch (error) {
      throw classifyDynamoDbError(error, 'noise control (DynamoDB GetItem)');
    }
  }
}
