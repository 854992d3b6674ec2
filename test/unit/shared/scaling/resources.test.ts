import { describe, expect, it } from 'vitest';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  clusterNameOf,
  PARTITION_DNS_SUFFIX,
  parseQueueReference,
  queueUrlOf,
  serviceIdentity,
} from '../../../../shared/scaling/resources';

describe('Function: queueUrlOf', () => {
  it.each([
    ['arn:aws:sqs:eu-west-1:123456789012:jobs', 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs'],
    [
      'arn:aws-cn:sqs:cn-northwest-1:123456789012:jobs.fifo',
      'https://sqs.cn-northwest-1.amazonaws.com.cn/123456789012/jobs.fifo',
    ],
    [
      'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:jobs',
      'https://sqs.us-gov-west-1.amazonaws.com/123456789012/jobs',
    ],
    ['http://127.0.0.1:5000/123456789012/jobs', 'http://127.0.0.1:5000/123456789012/jobs'],
    ['jobs', undefined],
  ])('turns %s into %s', (queue, url) => {
    expect(queueUrlOf(parseQueueReference(queue))).toBe(url);
  });

  // The SDK's endpoint rules are the reference for each partition's SQS host.
  it.each([
    ['aws', 'eu-west-1'],
    ['aws-cn', 'cn-north-1'],
    ['aws-us-gov', 'us-gov-west-1'],
    ['aws-eusc', 'eusc-de-east-1'],
    ['aws-iso', 'us-iso-east-1'],
    ['aws-iso-b', 'us-isob-east-1'],
    ['aws-iso-e', 'eu-isoe-west-1'],
    ['aws-iso-f', 'us-isof-south-1'],
  ])('builds the URL of a queue in %s on the host the SDK uses for %s', (partition, region) => {
    const sdk = new SQSClient({ region }).config.endpointProvider({ Region: region });
    const url = queueUrlOf(parseQueueReference(`arn:${partition}:sqs:${region}:123456789012:jobs`));

    expect(new URL(url!).origin).toBe(sdk.url.origin);
  });

  it('names every partition it knows in that test', () => {
    expect(Object.keys(PARTITION_DNS_SUFFIX)).toHaveLength(8);
  });
});

describe('Function: parseQueueReference', () => {
  it.each([
    ['video-jobs', { kind: 'name', name: 'video-jobs' }],
    ['orders.fifo', { kind: 'name', name: 'orders.fifo' }],
    [
      'https://sqs.eu-west-1.amazonaws.com/123456789012/video-jobs',
      { kind: 'url', name: 'video-jobs', account: '123456789012', region: 'eu-west-1' },
    ],
    [
      'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/jobs.fifo',
      { kind: 'url', name: 'jobs.fifo', account: '123456789012', region: 'cn-north-1' },
    ],
    [
      'https://ap-south-1.queue.amazonaws.com/123456789012/jobs',
      { kind: 'url', name: 'jobs', account: '123456789012', region: 'ap-south-1' },
    ],
    [
      'https://queue.amazonaws.com/123456789012/jobs',
      { kind: 'url', name: 'jobs', account: '123456789012', region: 'us-east-1' },
    ],
    ['http://127.0.0.1:5000/123456789012/jobs', { kind: 'url', name: 'jobs', account: '123456789012' }],
    [
      'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:jobs',
      {
        kind: 'arn',
        name: 'jobs',
        account: '123456789012',
        region: 'us-gov-west-1',
        partition: 'aws-us-gov',
      },
    ],
  ])('reads %s', (queue, expected) => {
    const { url, ...rest } = parseQueueReference(queue);

    expect(rest).toEqual(expected);
    expect(url).toBe(expected.kind === 'url' ? queue : undefined);
  });
});

describe('Function: serviceIdentity', () => {
  it.each([
    [{ cluster: 'media', service: 'video-worker' }, 'media', 'video-worker', undefined],
    [
      { cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/media', service: 'video-worker' },
      'media',
      'video-worker',
      undefined,
    ],
    [
      { cluster: 'media', service: 'arn:aws:ecs:eu-west-1:123456789012:service/media/video-worker' },
      'media',
      'video-worker',
      'media',
    ],
    // The old ARN format carries no cluster: the configured one is used.
    [
      { cluster: 'media', service: 'arn:aws:ecs:eu-west-1:123456789012:service/video-worker' },
      'media',
      'video-worker',
      undefined,
    ],
  ])('names %j as service/%s/%s', (scaler, cluster, service, clusterInArn) => {
    const identity = serviceIdentity(scaler);

    expect(identity).toEqual({
      cluster,
      service,
      resourceId: `service/${cluster}/${service}`,
      ...(clusterInArn ? { clusterInArn } : {}),
    });
  });

  it('takes the name of a cluster ARN', () => {
    expect(clusterNameOf('arn:aws:ecs:eu-west-1:123456789012:cluster/media')).toBe('media');
    expect(clusterNameOf('media')).toBe('media');
  });
});
