import { describe, expect, it } from 'vitest';
import { deliverySchema, type Delivery } from '../../../../../shared/config/schema';
import {
  bufferQueues,
  bufferStatements,
  FUNCTION_TIMEOUT_SECONDS,
  idempotencyStatement,
  idempotencyTable,
  sqsEvent,
} from '../../../../../shared/kernel/deploy/queues';

const delivery = (fields: Partial<Delivery> = {}): Delivery => deliverySchema.parse(fields);
const FOURTEEN_DAYS = 14 * 24 * 3600;

describe('Function: bufferQueues', () => {
  it('creates <id>Queue and <id>DeadLetterQueue, encrypted, keeping messages 14 days', () => {
    expect(bufferQueues('Schedules', 'ecs-pilot-dev-schedules', delivery({ maxAttempts: 8 }))).toEqual({
      SchedulesDeadLetterQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: 'ecs-pilot-dev-schedules-dlq',
          MessageRetentionPeriod: FOURTEEN_DAYS,
          SqsManagedSseEnabled: true,
        },
      },
      SchedulesQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: 'ecs-pilot-dev-schedules',
          VisibilityTimeout: 360,
          MessageRetentionPeriod: FOURTEEN_DAYS,
          SqsManagedSseEnabled: true,
          RedrivePolicy: {
            deadLetterTargetArn: { 'Fn::GetAtt': ['SchedulesDeadLetterQueue', 'Arn'] },
            maxReceiveCount: 10,
          },
        },
      },
    });
  });

  it('hides a message in flight for six function timeouts, as Lambda recommends for SQS sources', () => {
    const { UploadsQueue } = bufferQueues('Uploads', 'q', delivery()) as {
      UploadsQueue: { Properties: { VisibilityTimeout: number } };
    };

    expect(UploadsQueue.Properties.VisibilityTimeout).toBe(6 * FUNCTION_TIMEOUT_SECONDS);
  });

  it.each([1, 3, 8, 50])(
    'redrives after maxAttempts + 2 receives when maxAttempts is %i, so the handler dead-letters first',
    (maxAttempts) => {
      const { XQueue } = bufferQueues('X', 'q', delivery({ maxAttempts })) as {
        XQueue: { Properties: { RedrivePolicy: { maxReceiveCount: number } } };
      };

      expect(XQueue.Properties.RedrivePolicy.maxReceiveCount).toBe(maxAttempts + 2);
    },
  );
});

describe('Function: sqsEvent', () => {
  it('maps the queue to the function with the batch size and concurrency, reporting batch item failures', () => {
    expect(sqsEvent('Schedules', delivery({ batchSize: 7, maxConcurrency: 4 }))).toEqual({
      sqs: {
        arn: { 'Fn::GetAtt': ['SchedulesQueue', 'Arn'] },
        batchSize: 7,
        maximumBatchingWindow: 1,
        functionResponseType: 'ReportBatchItemFailures',
        maximumConcurrency: 4,
      },
    });
  });

  it('uses the delivery defaults: 10 messages, 2 concurrent invocations', () => {
    expect(sqsEvent('Uploads', delivery())).toMatchObject({ sqs: { batchSize: 10, maximumConcurrency: 2 } });
  });
});

describe('Function: bufferStatements', () => {
  it('lets the function consume, delay and re-queue on its queue and only send to its DLQ', () => {
    expect(bufferStatements('Schedules')).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ChangeMessageVisibility',
          'sqs:SendMessage',
        ],
        Resource: [{ 'Fn::GetAtt': ['SchedulesQueue', 'Arn'] }],
      },
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [{ 'Fn::GetAtt': ['SchedulesDeadLetterQueue', 'Arn'] }],
      },
    ]);
  });

  it('names no other queue and no "*"', () => {
    const resources = bufferStatements('Uploads').flatMap((s) => s.Resource);

    expect(resources).toEqual([
      { 'Fn::GetAtt': ['UploadsQueue', 'Arn'] },
      { 'Fn::GetAtt': ['UploadsDeadLetterQueue', 'Arn'] },
    ]);
  });
});

describe('Function: idempotencyTable', () => {
  it('is an encrypted on-demand table keyed by id, expiring records on `expiration`, kept on stack deletion', () => {
    expect(idempotencyTable('ecs-pilot-dev')).toEqual({
      IdempotencyTable: {
        Type: 'AWS::DynamoDB::Table',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          TableName: 'ecs-pilot-dev-idempotency',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
          SSESpecification: { SSEEnabled: true },
        },
      },
    });
  });

  it('is the same resource for every automation, so merging stacks keeps one table', () => {
    expect(idempotencyTable('p')).toStrictEqual(idempotencyTable('p'));
  });
});

describe('Constant: idempotencyStatement', () => {
  it('allows only item reads and writes, only on the idempotency table', () => {
    expect(idempotencyStatement).toEqual({
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Resource: [{ 'Fn::GetAtt': ['IdempotencyTable', 'Arn'] }],
    });
  });
});

describe('Constant: FUNCTION_TIMEOUT_SECONDS', () => {
  it('is 60 seconds', () => {
    expect(FUNCTION_TIMEOUT_SECONDS).toBe(60);
  });
});
