import type { Context } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { errorMessage, PermanentError, RetryableError } from '../../kernel/errors.js';
import type { AlertOutcome } from '../service.js';

export interface AlertOnceOptions {
  client: DynamoDBClient;
  tableName: string;
  /** How long a task's record is kept; must outlive redeliveries and DLQ redrives (14 days of retention). */
  expiresAfterSeconds: number;
}

type Send = () => Promise<AlertOutcome>;

/**
 * One alert per task: a Powertools idempotency record in DynamoDB keyed by the task ARN. A repeated
 * or older event for the same task (any detail.version) returns the stored outcome, marked
 * `duplicate`; it never publishes again. When publishing fails the record is deleted, so the retry
 * publishes. Two events for one task at the same moment: the second waits (retryable) and then
 * finds the record.
 */
export class AlertOnce {
  private readonly config: IdempotencyConfig;
  private readonly guarded: (key: { taskArn: string }, send: Send) => Promise<AlertOutcome>;

  constructor(options: AlertOnceOptions) {
    this.config = new IdempotencyConfig({
      eventKeyJmesPath: 'taskArn',
      expiresAfterSeconds: options.expiresAfterSeconds,
      responseHook: (response) => ({ ...(response as unknown as AlertOutcome), duplicate: true }),
    });
    this.guarded = makeIdempotent((_key: { taskArn: string }, send: Send) => send(), {
      persistenceStore: new DynamoDBPersistenceLayer({
        tableName: options.tableName,
        awsSdkV3Client: options.client,
      }),
      config: this.config,
      // A stable prefix rather than the function name: renaming the function keeps the records valid.
      keyPrefix: 'ecs-pilot-stop-alert',
      dataIndexArgument: 0,
    });
  }

  /** Lets in-progress records expire with the invocation that wrote them. */
  registerContext(context: Context): void {
    this.config.registerLambdaContext(context);
  }

  async run(key: { taskArn: string }, send: Send): Promise<AlertOutcome> {
    try {
      return await this.guarded({ taskArn: key.taskArn }, send);
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new RetryableError('another invocation is alerting on this task right now', { cause: error });
      }
      if (error instanceof RetryableError || error instanceof PermanentError) throw error;
      // Idempotency store failures (DynamoDB throttling, outages) are worth retrying.
      throw new RetryableError(errorMessage(error), { cause: error });
    }
  }
}
