import { describe, expect, it } from 'vitest';
import { clusterNameOf, parseQueueReference, serviceIdentity } from '../../../../shared/scaling/resources';

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
