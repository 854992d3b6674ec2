import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { scalingAdapters } from '../../../../../shared/scaling/aws/adapters';
import { RetryableError } from '../../../../../shared/kernel/errors';

const TABLE = 'ecs-pilot-test-scaler-state';
const HOME_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/video-jobs';
const REMOTE_QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/video-jobs';
const REF = { cluster: 'media', service: 'video-worker' };
const depthAnswer = {
  Attributes: {
    ApproximateNumberOfMessages: '12',
    ApproximateNumberOfMessagesNotVisible: '4',
    ApproximateNumberOfMessagesDelayed: '0',
  },
};

// One mock per client instance, so each test can tell which client a command went through.
const TICKS_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/ecs-pilot-test-scaling-ticks';

const clients = {
  sqs: new SQSClient({ region: 'eu-west-1' }),
  remoteSqs: new SQSClient({ region: 'us-east-1' }),
  ecs: new ECSClient({ region: 'eu-west-1' }),
  applicationAutoScaling: new ApplicationAutoScalingClient({ region: 'eu-west-1' }),
  dynamodb: new DynamoDBClient({ region: 'eu-west-1' }),
};
const sqsMock = mockClient(clients.sqs);
const remoteSqsMock = mockClient(clients.remoteSqs);
const ecsMock = mockClient(clients.ecs);
const autoScalingMock = mockClient(clients.applicationAutoScaling);
const dynamoMock = mockClient(clients.dynamodb);
const sqsIn = vi.fn((_region: string) => clients.remoteSqs);

const adapters = () =>
  scalingAdapters({
    sqs: clients.sqs,
    sqsIn,
    region: 'eu-west-1',
    ecs: clients.ecs,
    applicationAutoScaling: clients.applicationAutoScaling,
    dynamodb: clients.dynamodb,
    stateTable: TABLE,
    tickQueueUrl: TICKS_URL,
  });

beforeEach(() => {
  sqsMock.on(GetQueueAttributesCommand).resolves(depthAnswer);
  remoteSqsMock.on(GetQueueAttributesCommand).resolves(depthAnswer);
});

afterEach(() => {
  for (const mock of [sqsMock, remoteSqsMock, ecsMock, autoScalingMock, dynamoMock]) mock.reset();
  sqsIn.mockClear();
});

describe('Function: scalingAdapters', () => {
  describe('depth', () => {
    it('reads a queue in the function region through the default SQS client', async () => {
      // Act
      const depth = await adapters().depth(HOME_QUEUE);

      // Assess
      expect(depth).toStrictEqual({ visible: 12, inFlight: 4, delayed: 0 });
      expect(sqsMock.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input.QueueUrl).toBe(HOME_QUEUE);
      expect(sqsIn).not.toHaveBeenCalled();
      expect(remoteSqsMock.calls()).toHaveLength(0);
    });

    it.each([
      ['URL', REMOTE_QUEUE],
      ['ARN', 'arn:aws:sqs:us-east-1:123456789012:video-jobs'],
    ])(
      'reads a queue in another region, given by %s, through sqsIn for that region',
      async (_kind, queue) => {
        // Act
        const depth = await adapters().depth(queue);

        // Assess
        expect(depth).toStrictEqual({ visible: 12, inFlight: 4, delayed: 0 });
        expect(sqsIn).toHaveBeenCalledExactlyOnceWith('us-east-1');
        expect(remoteSqsMock.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input.QueueUrl).toBe(
          REMOTE_QUEUE,
        );
        expect(sqsMock.calls()).toHaveLength(0);
      },
    );

    it('creates one client per other region, however often its queues are read', async () => {
      const port = adapters();

      await port.depth(REMOTE_QUEUE);
      await port.depth(REMOTE_QUEUE);

      expect(sqsIn).toHaveBeenCalledOnce();
      expect(remoteSqsMock.commandCalls(GetQueueAttributesCommand)).toHaveLength(2);
    });

    it('looks a queue name up in the function region, then reads it there', async () => {
      sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: HOME_QUEUE });

      await adapters().depth('video-jobs');

      expect(sqsMock.commandCalls(GetQueueUrlCommand)[0]?.args[0].input).toStrictEqual({
        QueueName: 'video-jobs',
      });
      expect(sqsMock.commandCalls(GetQueueAttributesCommand)).toHaveLength(1);
      expect(sqsIn).not.toHaveBeenCalled();
    });
  });

  it('describes the service through ECS DescribeServices', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        { serviceName: 'video-worker', status: 'ACTIVE', desiredCount: 3, runningCount: 2, pendingCount: 1 },
      ],
      failures: [],
    });

    const counts = await adapters().describe(REF);

    expect(counts).toStrictEqual({ desired: 3, running: 2, pending: 1 });
    expect(ecsMock.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toStrictEqual({
      cluster: 'media',
      services: ['video-worker'],
    });
  });

  it('sets the desired count through ECS UpdateService, and nothing else', async () => {
    ecsMock.on(UpdateServiceCommand).resolves({});

    await adapters().setDesired(REF, 7);

    expect(ecsMock.calls()).toHaveLength(1);
    expect(ecsMock.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toStrictEqual({
      cluster: 'media',
      service: 'video-worker',
      desiredCount: 7,
    });
  });

  it("reads the service's bounds from Application Auto Scaling", async () => {
    autoScalingMock.on(DescribeScalableTargetsCommand).resolves({
      ScalableTargets: [
        {
          ServiceNamespace: 'ecs',
          ResourceId: 'service/media/video-worker',
          ScalableDimension: 'ecs:service:DesiredCount',
          MinCapacity: 1,
          MaxCapacity: 20,
          RoleARN: 'arn:aws:iam::123456789012:role/aas',
          CreationTime: new Date(0),
        },
      ],
    });

    const bounds = await adapters().bounds(REF);

    expect(bounds).toStrictEqual({ min: 1, max: 20 });
    expect(autoScalingMock.commandCalls(DescribeScalableTargetsCommand)[0]?.args[0].input).toStrictEqual({
      ServiceNamespace: 'ecs',
      ResourceIds: ['service/media/video-worker'],
      ScalableDimension: 'ecs:service:DesiredCount',
    });
  });

  it('reads the scaler state from the configured table', async () => {
    dynamoMock.on(GetItemCommand).resolves({ Item: { id: { S: 'scaler#video' }, version: { N: '2' } } });

    const stored = await adapters().readState('video');

    expect(stored).toStrictEqual({ state: {}, version: 2 });
    expect(dynamoMock.commandCalls(GetItemCommand)[0]?.args[0].input).toStrictEqual({
      TableName: TABLE,
      Key: { id: { S: 'scaler#video' } },
      ConsistentRead: true,
    });
  });

  it('saves the scaler state in the configured table, conditioned on the version read', async () => {
    // Prepare
    dynamoMock
      .on(UpdateItemCommand)
      .resolvesOnce({})
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'moved', $metadata: {} }));
    const record = { desired: 4, change: 'out', reason: 'backlog 40', at: '2026-03-02T10:00:00.000Z' };
    const port = adapters();

    // Act
    const first = await port.saveState('video', 2, {}, record);
    const second = await port.saveState('video', 2, {}, record);

    // Assess
    expect([first, second]).toStrictEqual([true, false]);
    expect(dynamoMock.commandCalls(UpdateItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      Key: { id: { S: 'scaler#video' } },
      ConditionExpression: '#version = :expected',
      ExpressionAttributeValues: expect.objectContaining({ ':expected': { N: '2' }, ':next': { N: '3' } }),
    });
  });

  it('claims a chain’s slot in the configured table with a condition on the newest slot claimed', async () => {
    dynamoMock
      .on(UpdateItemCommand)
      .resolvesOnce({ Attributes: { slot: { N: '41' } } })
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'newer slot', $metadata: {} }));
    const port = adapters();

    const won = await port.claimSlot(10, 42, '2026-03-02T10:00:00.000Z');
    const lost = await port.claimSlot(10, 42, '2026-03-02T10:00:00.500Z');

    expect([won, lost]).toStrictEqual([{ claimed: true, previous: 41 }, { claimed: false }]);
    expect(dynamoMock.commandCalls(UpdateItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      Key: { id: { S: 'tick#10s' } },
      ConditionExpression: 'attribute_not_exists(#slot) OR #slot < :slot',
      ExpressionAttributeValues: { ':slot': { N: '42' }, ':at': { S: '2026-03-02T10:00:00.000Z' } },
    });
  });

  it('sends a tick to the tick queue with its delay, and classifies a failure', async () => {
    sqsMock
      .on(SendMessageCommand)
      .resolvesOnce({ MessageId: 'm1' })
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'RequestThrottled' }));
    const port = adapters();

    await port.sendTick({ intervalSeconds: 10, slot: 43 }, 7);
    const failure = await port.sendTick({ intervalSeconds: 10, slot: 44 }, 7).catch((e: unknown) => e);

    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: TICKS_URL,
      MessageBody: '{"intervalSeconds":10,"slot":43}',
      DelaySeconds: 7,
    });
    expect(failure).toBeInstanceOf(RetryableError);
    expect(String((failure as Error).message)).toContain('SendMessage');
  });
});
