import type { Delivery } from '../delivery/config.js';
import { arn, deadLetterQueue, RETAIN, type FunctionDefinition, type Statement } from './cfn.js';

/** Lambda's recommendation for SQS sources: visibility timeout six times the function timeout. */
export const FUNCTION_TIMEOUT_SECONDS = 60;

/**
 * How the event source gathers messages for one invocation, when it differs from `delivery`
 * (upload batching). Lambda: up to 10,000 records from a standard queue, but more than 10 need a
 * batching window of at least 1 s; the window is 0-300 s.
 */
export interface Gathering {
  batchSize: number;
  windowSeconds: number;
}

/** The default window: 1 s, which lets `delivery.batchSize` go past 10. */
export const DEFAULT_BATCHING_WINDOW_SECONDS = 1;

/**
 * An SQS buffer in front of a function and its dead-letter queue (`<id>Queue`, `<id>DeadLetterQueue`).
 * The handler dead-letters with a reason after `maxAttempts`; the redrive policy catches crashes.
 * With a longer gathering window, the visibility timeout grows by it: Lambda holds the messages it
 * gathers in flight during the window, before the function's timeout even starts.
 */
export function bufferQueues(
  id: string,
  queueName: string,
  delivery: Delivery,
  gathering?: Gathering,
): Record<string, unknown> {
  return {
    [`${id}DeadLetterQueue`]: deadLetterQueue(`${queueName}-dlq`),
    [`${id}Queue`]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: queueName,
        VisibilityTimeout: FUNCTION_TIMEOUT_SECONDS * 6 + (gathering?.windowSeconds ?? 0),
        MessageRetentionPeriod: 1_209_600,
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: arn(`${id}DeadLetterQueue`),
          maxReceiveCount: delivery.maxAttempts + 2,
        },
      },
    },
  };
}

/**
 * The queue policy of `<id>Queue` and `<id>DeadLetterQueue`: EventBridge may send to them only for
 * the given rules (their target and its dead-letter queue), and nothing else may.
 */
export function ruleDeliveryPolicy(id: string, sid: string, ruleArns: unknown): Record<string, unknown> {
  return {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [{ Ref: `${id}Queue` }, { Ref: `${id}DeadLetterQueue` }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: sid,
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: [arn(`${id}Queue`), arn(`${id}DeadLetterQueue`)],
            Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
          },
        ],
      },
    },
  };
}

/** The SQS event source of a function draining `<id>Queue`, reporting partial batch failures. */
export function sqsEvent(id: string, delivery: Delivery, gathering?: Gathering): Record<string, unknown> {
  return {
    sqs: {
      arn: arn(`${id}Queue`),
      batchSize: gathering?.batchSize ?? delivery.batchSize,
      maximumBatchingWindow: gathering?.windowSeconds ?? DEFAULT_BATCHING_WINDOW_SECONDS,
      functionResponseType: 'ReportBatchItemFailures',
      maximumConcurrency: delivery.maxConcurrency,
    },
  };
}

/** What a function needs on its buffer: consume it, re-queue to it (deferrals), dead-letter to its DLQ. */
export function bufferStatements(id: string): Statement[] {
  return [
    {
      Effect: 'Allow',
      Action: [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ChangeMessageVisibility',
        'sqs:SendMessage',
      ],
      Resource: [arn(`${id}Queue`)],
    },
    { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [arn(`${id}DeadLetterQueue`)] },
  ];
}

/** The table of Powertools idempotency records, shared by every function that starts tasks. */
export function idempotencyTable(prefix: string): Record<string, unknown> {
  return {
    IdempotencyTable: {
      Type: 'AWS::DynamoDB::Table',
      ...RETAIN,
      Properties: {
        TableName: `${prefix}-idempotency`,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    },
  };
}

/** Reading and writing idempotency records. */
export const idempotencyStatement: Statement = {
  Effect: 'Allow',
  Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  Resource: [arn('IdempotencyTable')],
};

/**
 * A function fed by the buffer `<id>Queue`: the shared timeout and memory, the packaged config, its
 * queue and dead-letter queue as `<ID>_QUEUE_URL` / `<ID>_DLQ_URL`, and the SQS event source.
 */
export function bufferedFunction(options: {
  id: string;
  handler: string;
  description: string;
  role: string;
  configFile: string;
  delivery: Delivery;
  gathering?: Gathering;
  environment: Record<string, unknown>;
}): FunctionDefinition {
  const prefix = options.id.toUpperCase();
  return {
    handler: options.handler,
    description: options.description,
    role: options.role,
    timeout: FUNCTION_TIMEOUT_SECONDS,
    memorySize: 512,
    package: { patterns: [options.configFile] },
    environment: {
      ECS_PILOT_CONFIG_FILE: options.configFile,
      [`${prefix}_QUEUE_URL`]: { Ref: `${options.id}Queue` },
      [`${prefix}_DLQ_URL`]: { Ref: `${options.id}DeadLetterQueue` },
      ...options.environment,
    },
    events: [sqsEvent(options.id, options.delivery, options.gathering)],
  };
}
