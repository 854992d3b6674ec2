import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ChangeMessageVisibilityCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SqsQueueActions } from '../../../../../../shared/kernel/delivery/aws/queue.js';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/ecs-pilot-uploads';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/ecs-pilot-uploads-dlq';
const BODY = JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created' });

describe('Class: SqsQueueActions', () => {
  const sqsMock = mockClient(SQSClient);
  const newQueue = () =>
    new SqsQueueActions(
      new SQSClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      }),
      QUEUE_URL,
      DLQ_URL,
    );

  afterEach(() => {
    sqsMock.reset();
  });

  it('delays a message by changing its visibility on the source queue', async () => {
    // Prepare
    sqsMock.on(ChangeMessageVisibilityCommand).resolves({});

    // Act
    await newQueue().delay('receipt-1', 40);

    // Assess
    expect(sqsMock.calls()).toHaveLength(1);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toStrictEqual({
      QueueUrl: QUEUE_URL,
      ReceiptHandle: 'receipt-1',
      VisibilityTimeout: 40,
    });
  });

  it('requeues the body on the source queue, delayed, with string attributes', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-2' });

    // Act
    await newQueue().requeue(BODY, 45, { 'ecs-pilot-deferrals': '1', 'ecs-pilot-bucket': 'media-ingest' });

    // Assess
    expect(sqsMock.calls()).toHaveLength(1);
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input).toStrictEqual({
      QueueUrl: QUEUE_URL,
      MessageBody: BODY,
      DelaySeconds: 45,
      MessageAttributes: {
        'ecs-pilot-deferrals': { DataType: 'String', StringValue: '1' },
        'ecs-pilot-bucket': { DataType: 'String', StringValue: 'media-ingest' },
      },
    });
  });

  it('drops empty attribute values, which SQS rejects', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-3' });

    // Act
    await newQueue().requeue(BODY, 30, { 'ecs-pilot-version-id': '', 'ecs-pilot-deferrals': '2' });

    // Assess
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes).toStrictEqual({
      'ecs-pilot-deferrals': { DataType: 'String', StringValue: '2' },
    });
  });

  it('dead-letters the body on the dead-letter queue with its attributes and no delay', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-4' });

    // Act
    await newQueue().deadLetter(BODY, {
      'ecs-pilot-reason': 'permanent failure: PermanentError: bad event',
      'ecs-pilot-attempts': '1',
      'ecs-pilot-version-id': '',
    });

    // Assess
    expect(sqsMock.calls()).toHaveLength(1);
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input).toStrictEqual({
      QueueUrl: DLQ_URL,
      MessageBody: BODY,
      MessageAttributes: {
        'ecs-pilot-reason': {
          DataType: 'String',
          StringValue: 'permanent failure: PermanentError: bad event',
        },
        'ecs-pilot-attempts': { DataType: 'String', StringValue: '1' },
      },
    });
  });

  it.each([
    ['delay', (queue: SqsQueueActions) => queue.delay('receipt-1', 10)],
    ['requeue', (queue: SqsQueueActions) => queue.requeue(BODY, 10, {})],
    ['deadLetter', (queue: SqsQueueActions) => queue.deadLetter(BODY, {})],
  ])('lets a failed %s call reject, so the batch runner keeps the message', async (_name, act) => {
    // Prepare
    sqsMock.rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));

    // Act & Assess
    await expect(act(newQueue())).rejects.toThrow('Service Unavailable');
  });

  it('dead-letters a key holding control characters and a lone surrogate with sanitised attributes, the body unchanged', async () => {
    // Prepare: the key exactly as the event's JSON body carries it (escaped there, so lossless).
    sqsMock.on(SendMessageCommand).resolves({});
    const key = 'incoming/a\u0000b\u001bc\ud800d\ud83d\ude00.jpg';
    const body = JSON.stringify({ detail: { object: { key } } });

    // Act
    await newQueue().deadLetter(body, { 'ecs-pilot-key': key, 'ecs-pilot-reason': `bad key ${key}` });

    // Assess
    const input = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(input?.MessageBody).toBe(body);
    expect(
      (JSON.parse(input!.MessageBody!) as { detail: { object: { key: string } } }).detail.object.key,
    ).toBe(key);
    expect(input?.MessageAttributes).toStrictEqual({
      'ecs-pilot-reason': {
        DataType: 'String',
        StringValue: 'bad key incoming/a\ufffdb\ufffdc\ufffdd\ud83d\ude00.jpg',
      },
      'ecs-pilot-key': { DataType: 'String', StringValue: 'incoming/a\ufffdb\ufffdc\ufffdd\ud83d\ude00.jpg' },
    });
  });

  it('sends at most 10 attributes, the reason and attempts among them', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).resolves({});
    const context = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`ctx-${i}`, `v${i}`]));

    // Act
    await newQueue().deadLetter(BODY, { ...context, 'ecs-pilot-reason': 'why', 'ecs-pilot-attempts': '3' });

    // Assess
    const attributes = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes ?? {};
    expect(Object.keys(attributes)).toEqual([
      'ecs-pilot-reason',
      'ecs-pilot-attempts',
      ...Array.from({ length: 8 }, (_, i) => `ctx-${i}`),
    ]);
  });
});
