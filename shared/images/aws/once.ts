import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { classifyByName } from '../../kernel/errors.js';

/**
 * Keys claimed once in a DynamoDB table with an `id` key and a TTL attribute `expiration` (the
 * alerts state table: broken references are alerted to the same people as stop alerts, deduped the
 * same way). A claim is a conditional PutItem: the first run that sees a reference publishes; later
 * runs, and a concurrent duplicate, do not.
 */
export class DynamoOnce {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** How long a claim lasts; after it a reference still broken is alerted again. Default 30 days. */
    private readonly expiresAfterSeconds = 30 * 86_400,
  ) {}

  async claim(key: string): Promise<boolean> {
    const now = Math.floor(Date.now() / 1000);
    const expiration = now + this.expiresAfterSeconds;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { id: { S: key }, expiration: { N: String(expiration) } },
          // TTL deletes lazily (up to days late): an expired claim counts as gone.
          ConditionExpression: 'attribute_not_exists(id) OR expiration < :now',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw classifyByName(error, `PutItem ${this.tableName}`, new Set(['AccessDeniedException']));
    }
  }

  async release(key: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { id: { S: key } } }));
  }
}
