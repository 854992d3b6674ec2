import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors';
import { classifySqsError, QueueDepthReader } from '../../../../../shared/scaling/aws/queue';

const sqsMock = mockClient(SQSClient);
const URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/video-jobs';
const depthAnswer = {
  Attributes: {
    ApproximateNumberOfMessages: '7',
    ApproximateNumberOfMessagesNotVisible: '3',
    ApproximateNumberOfMessagesDelayed: '1',
  },
};

afterEach(() => sqsMock.reset());

describe('Class: QueueDepthReader', () => {
  it('reads visible, in-flight and delayed messages in one GetQueueAttributes call', async () => {
    sqsMock.on(GetQueueAttributesCommand).resolves(depthAnswer);

    const depth = await new QueueDepthReader(new SQSClient({})).depth(URL);

    expect(depth).toEqual({ visible: 7, inFlight: 3, delayed: 1 });
    expect(sqsMock.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueueUrl: URL,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      },
    ]);
    expect(sqsMock.commandCalls(GetQueueUrlCommand)).toEqual([]);
  });

  it('resolves a name to its URL once, however often it is read', async () => {
    sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: URL });
    sqsMock.on(GetQueueAttributesCommand).resolves(depthAnswer);
    const reader = new QueueDepthReader(new SQSClient({}));

    await reader.depth('video-jobs');
    await reader.depth('video-jobs');

    expect(sqsMock.commandCalls(GetQueueUrlCommand).map((c) => c.args[0].input)).toEqual([
      { QueueName: 'video-jobs' },
    ]);
    expect(sqsMock.commandCalls(GetQueueAttributesCommand)).toHaveLength(2);
  });

  it.each([
    [
      'of another account',
      'arn:aws:sqs:us-east-1:210987654321:video-jobs',
      'https://sqs.us-east-1.amazonaws.com/210987654321/video-jobs',
      undefined,
    ],
    [
      'in another region (GetQueueUrl in the function’s region could not find it)',
      'arn:aws:sqs:eu-west-1:123456789012:video-jobs',
      'https://sqs.eu-west-1.amazonaws.com/123456789012/video-jobs',
      'eu-west-1',
    ],
    [
      'in China',
      'arn:aws-cn:sqs:cn-north-1:123456789012:video-jobs.fifo',
      'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/video-jobs.fifo',
      'cn-north-1',
    ],
  ])(
    'reads a queue given by an ARN %s at the URL the ARN names, through a client of its region',
    async (_case, arn, url, region) => {
      sqsMock.on(GetQueueAttributesCommand).resolves(depthAnswer);
      const regions: string[] = [];
      const reader = new QueueDepthReader(new SQSClient({ region: 'us-east-1' }), {
        region: 'us-east-1',
        clientFor: (r) => (regions.push(r), new SQSClient({ region: r })),
      });

      await reader.depth(arn);
      await reader.depth(arn);

      expect(sqsMock.commandCalls(GetQueueUrlCommand)).toEqual([]);
      expect(sqsMock.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input.QueueUrl)).toEqual([
        url,
        url,
      ]);
      expect(regions).toEqual(region ? [region] : []);
    },
  );

  it('reads a queue URL of another region through a client of that region', async () => {
    sqsMock.on(GetQueueAttributesCommand).resolves(depthAnswer);
    const home = new SQSClient({ region: 'us-east-1' });
    const away = new SQSClient({ region: 'ap-southeast-2' });
    const reader = new QueueDepthReader(home, { region: 'us-east-1', clientFor: () => away });

    await reader.depth('https://sqs.ap-southeast-2.amazonaws.com/123456789012/video-jobs');
    await reader.depth(URL);

    expect(
      await Promise.all(
        sqsMock.commandCalls(GetQueueAttributesCommand).map((c) => c.thisValue.config.region()),
      ),
    ).toEqual(['ap-southeast-2', 'us-east-1']);
  });

  it('looks a missing queue up again at the next read (it may have been created since)', async () => {
    sqsMock
      .on(GetQueueUrlCommand)
      .rejectsOnce(new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} }))
      .resolves({ QueueUrl: URL });
    sqsMock.on(GetQueueAttributesCommand).resolves(depthAnswer);
    const reader = new QueueDepthReader(new SQSClient({}));

    await expect(reader.depth('video-jobs')).rejects.toThrow(
      /GetQueueUrl video-jobs: the queue does not exist/,
    );
    await expect(reader.depth('video-jobs')).resolves.toEqual({ visible: 7, inFlight: 3, delayed: 1 });
  });

  it('treats a missing figure as 0 and a malformed one as a retryable error', async () => {
    const reader = new QueueDepthReader(new SQSClient({}));
    sqsMock
      .on(GetQueueAttributesCommand)
      .resolvesOnce({ Attributes: { ApproximateNumberOfMessages: '2' } })
      .resolves({ Attributes: { ApproximateNumberOfMessages: 'lots' } });

    await expect(reader.depth(URL)).resolves.toEqual({ visible: 2, inFlight: 0, delayed: 0 });
    await expect(reader.depth(URL)).rejects.toThrow(RetryableError);
  });
});

describe('Function: classifySqsError', () => {
  it.each([
    ['QueueDoesNotExist', new QueueDoesNotExist({ message: 'gone', $metadata: {} })],
    [
      'the query protocol’s NonExistentQueue',
      Object.assign(new Error('gone'), { name: 'AWS.SimpleQueueService.NonExistentQueue' }),
    ],
    ['AccessDenied', Object.assign(new Error('no'), { name: 'AccessDenied' })],
    ['KmsAccessDenied', Object.assign(new Error('no'), { name: 'KmsAccessDenied' })],
  ])('classifies %s as permanent', (_case, error) => {
    expect(classifySqsError(error, 'GetQueueAttributes')).toBeInstanceOf(PermanentError);
  });

  it.each([
    ['throttling', Object.assign(new Error('slow'), { name: 'RequestThrottled' })],
    ['a network error', Object.assign(new Error('reset'), { name: 'ECONNRESET' })],
    ['a thrown string', 'boom'],
  ])('classifies %s as retryable', (_case, error) => {
    expect(classifySqsError(error, 'GetQueueAttributes')).toBeInstanceOf(RetryableError);
  });
});
