import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DescribeServicesCommand,
  ECSClient,
  ECSServiceException,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors';
import { ScalableTargetReader, ServiceScaler } from '../../../../../shared/scaling/aws/service';

const ecsMock = mockClient(ECSClient);
const autoScalingMock = mockClient(ApplicationAutoScalingClient);
const REF = { cluster: 'media', service: 'video-worker' };
const ecsError = (name: string) =>
  new ECSServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `${name} raised`,
  });

afterEach(() => {
  ecsMock.reset();
  autoScalingMock.reset();
});

describe('Class: ServiceScaler', () => {
  it('reads the desired, running and pending counts of an ACTIVE service', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [{ status: 'ACTIVE', desiredCount: 4, runningCount: 3, pendingCount: 1 }],
      failures: [],
    });

    const counts = await new ServiceScaler(new ECSClient({})).describe(REF);

    expect(counts).toEqual({ desired: 4, running: 3, pending: 1 });
    expect(ecsMock.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({
      cluster: 'media',
      services: ['video-worker'],
    });
  });

  it.each([
    [
      'failures[] MISSING',
      {
        services: [],
        failures: [{ reason: 'MISSING', arn: 'arn:aws:ecs:us-east-1:123456789012:service/video-worker' }],
      },
      /MISSING \(no such service\)/,
    ],
    [
      'a DRAINING service',
      { services: [{ status: 'DRAINING' }], failures: [] },
      /the service is DRAINING, not ACTIVE/,
    ],
    [
      'an INACTIVE (deleted) service',
      { services: [{ status: 'INACTIVE' }], failures: [] },
      /INACTIVE, not ACTIVE/,
    ],
  ])('refuses %s with a permanent error naming the service', async (_case, answer, message) => {
    ecsMock.on(DescribeServicesCommand).resolves(answer);

    const failure = new ServiceScaler(new ECSClient({})).describe(REF);

    await expect(failure).rejects.toThrow(PermanentError);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.toThrow(/video-worker in cluster media/);
  });

  it.each([
    ['ClusterNotFoundException', PermanentError],
    ['AccessDeniedException', PermanentError],
    ['ServiceNotFoundException', PermanentError],
    ['ServiceNotActiveException', PermanentError],
    ['ThrottlingException', RetryableError],
    ['ServerException', RetryableError],
  ])('classifies %s from ECS', async (name, Expected) => {
    ecsMock.on(DescribeServicesCommand).rejects(ecsError(name));
    ecsMock.on(UpdateServiceCommand).rejects(ecsError(name));
    const scaler = new ServiceScaler(new ECSClient({}));

    await expect(scaler.describe(REF)).rejects.toThrow(Expected);
    await expect(scaler.setDesired(REF, 2)).rejects.toThrow(Expected);
  });

  it('sets only the desired count', async () => {
    ecsMock.on(UpdateServiceCommand).resolves({});

    await new ServiceScaler(new ECSClient({})).setDesired(REF, 6);

    expect(ecsMock.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
      cluster: 'media',
      service: 'video-worker',
      desiredCount: 6,
    });
  });
});

describe('Class: ScalableTargetReader', () => {
  it('returns the target’s MinCapacity and MaxCapacity', async () => {
    autoScalingMock.on(DescribeScalableTargetsCommand).resolves({
      ScalableTargets: [
        {
          ServiceNamespace: 'ecs',
          ResourceId: 'service/media/video-worker',
          ScalableDimension: 'ecs:service:DesiredCount',
          MinCapacity: 2,
          MaxCapacity: 8,
          RoleARN: 'arn:aws:iam::123456789012:role/x',
          CreationTime: new Date(),
        },
      ],
    });

    const bounds = await new ScalableTargetReader(new ApplicationAutoScalingClient({})).bounds({
      cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/media',
      service: 'video-worker',
    });

    expect(bounds).toEqual({ min: 2, max: 8 });
    expect(autoScalingMock.commandCalls(DescribeScalableTargetsCommand)[0]?.args[0].input).toEqual({
      ServiceNamespace: 'ecs',
      ResourceIds: ['service/media/video-worker'],
      ScalableDimension: 'ecs:service:DesiredCount',
    });
  });

  it('returns undefined when the service has no scalable target', async () => {
    autoScalingMock.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });

    await expect(
      new ScalableTargetReader(new ApplicationAutoScalingClient({})).bounds(REF),
    ).resolves.toBeUndefined();
  });

  it.each([
    ['AccessDeniedException', PermanentError],
    ['ConcurrentUpdateException', RetryableError],
  ])('classifies %s', async (name, Expected) => {
    autoScalingMock.on(DescribeScalableTargetsCommand).rejects(Object.assign(new Error(name), { name }));

    await expect(new ScalableTargetReader(new ApplicationAutoScalingClient({})).bounds(REF)).rejects.toThrow(
      Expected,
    );
  });
});
