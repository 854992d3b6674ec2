import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import {
  queueArn,
  SCALING_TIMEOUT_SECONDS,
  scalersStack,
  scalingStatements,
  serviceArn,
} from '../../../../shared/scaling/deploy';
import { SETTLE_MS } from '../../../../shared/scaling/service';
import { buildStack } from '../../../../shared/deploy/stack';
import { rawScaler } from './fixtures';

const scaler = rawScaler;
const names = { prefix: 'ecs-pilot-test', configFile: '.build/config/test.json' };

describe('Function: queueArn', () => {
  it.each([
    ['video-jobs', { 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:video-jobs' }],
    [
      'https://sqs.eu-west-1.amazonaws.com/210987654321/jobs',
      { 'Fn::Sub': 'arn:${AWS::Partition}:sqs:eu-west-1:210987654321:jobs' },
    ],
    [
      'http://127.0.0.1:5000/123456789012/jobs',
      { 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:123456789012:jobs' },
    ],
    ['arn:aws:sqs:eu-west-1:210987654321:jobs.fifo', 'arn:aws:sqs:eu-west-1:210987654321:jobs.fifo'],
  ])('turns %s into its ARN', (queue, expected) => {
    expect(queueArn(queue)).toEqual(expected);
  });
});

describe('Function: serviceArn', () => {
  it.each([
    [
      { cluster: 'media', service: 'w' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/media/w' },
    ],
    [
      { cluster: 'arn:aws-cn:ecs:cn-north-1:123456789012:cluster/media', service: 'w' },
      'arn:aws-cn:ecs:cn-north-1:123456789012:service/media/w',
    ],
    [
      { cluster: 'media', service: 'arn:aws:ecs:eu-west-1:123456789012:service/media/w' },
      'arn:aws:ecs:eu-west-1:123456789012:service/media/w',
    ],
    [
      { cluster: 'media', service: 'arn:aws:ecs:eu-west-1:123456789012:service/w' },
      'arn:aws:ecs:eu-west-1:123456789012:service/media/w',
    ],
  ])('names %j in the current ARN format', (ref, expected) => {
    expect(serviceArn(ref)).toEqual(expected);
  });
});

describe('Function: scalingStatements', () => {
  it('lists each queue and service once, even when two scalers share a queue', () => {
    const config = parseConfig({ scalers: [scaler(), scaler({ name: 'b', service: 'other' })] });

    const statements = scalingStatements(config.scalers);

    expect(statements.find((s) => s.Action.includes('sqs:GetQueueAttributes'))?.Resource).toHaveLength(1);
    expect(statements.find((s) => s.Action.includes('ecs:UpdateService'))?.Resource).toHaveLength(2);
  });

  it('asks for sqs:GetQueueUrl only for queues given by name (a URL is used as is, an ARN names its URL)', () => {
    const config = parseConfig({
      scalers: [
        scaler({ queue: 'https://sqs.us-east-1.amazonaws.com/123456789012/video-jobs' }),
        scaler({ name: 'b', service: 'b', queue: 'arn:aws:sqs:eu-west-1:123456789012:b-jobs' }),
      ],
    });

    expect(scalingStatements(config.scalers).flatMap((s) => s.Action)).not.toContain('sqs:GetQueueUrl');
  });

  it('lets a service given by an old-format ARN be updated under both its ARN formats', () => {
    const old = 'arn:aws:ecs:eu-west-1:123456789012:service/video-worker';
    const config = parseConfig({ scalers: [scaler({ service: old })] });

    expect(
      scalingStatements(config.scalers).find((s) => s.Action.includes('ecs:UpdateService'))?.Resource,
    ).toEqual(['arn:aws:ecs:eu-west-1:123456789012:service/media/video-worker', old]);
  });
});

describe('Function: scalersStack', () => {
  it('adds nothing without scalers', () => {
    expect(scalersStack(parseConfig({}), names)).toEqual({ functions: {}, resources: {} });
  });

  it('adds scaleQueues, its heartbeat schedule, tick queue, roles, state table and dead-letter queues to the stage’s stack', () => {
    const stack = buildStack(parseConfig({ scalers: [scaler()] }), {
      service: 'ecs-pilot',
      stage: 'test',
      configFile: names.configFile,
    });

    expect(Object.keys(stack.functions)).toEqual(['scaleQueues']);
    // The stage's alarms and dashboard are tested in the stack's own tests.
    const own = Object.entries(stack.resources.Resources).filter(
      ([, r]) => !(r as { Type: string }).Type.startsWith('AWS::CloudWatch::'),
    );
    expect(own.map(([id]) => id).sort()).toEqual([
      'ScaleQueuesRole',
      'ScalerStateTable',
      'ScalingSchedule',
      'ScalingScheduleDeadLetterQueue',
      'ScalingSchedulerRole',
      'ScalingTickDeadLetterQueue',
      'ScalingTickQueue',
    ]);
    expect(stack.functions.scaleQueues).toMatchObject({
      handler: 'functions/scale-queues.handler',
      timeout: SCALING_TIMEOUT_SECONDS,
      events: [
        {
          sqs: {
            arn: { 'Fn::GetAtt': ['ScalingTickQueue', 'Arn'] },
            maximumBatchingWindow: 0,
            functionResponseType: 'ReportBatchItemFailures',
          },
        },
      ],
      maximumRetryAttempts: 0,
      environment: {
        SCALER_STATE_TABLE: { Ref: 'ScalerStateTable' },
        SCALING_TICK_QUEUE_URL: { Ref: 'ScalingTickQueue' },
      },
    });
  });

  it('gives the tick queue a visibility timeout Lambda accepts and a redrive to its dead-letter queue, which gets an alarm', () => {
    const stack = buildStack(parseConfig({ scalers: [scaler()] }), {
      service: 'ecs-pilot',
      stage: 'test',
      configFile: names.configFile,
    });
    const resources = stack.resources.Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;

    const ticks = resources.ScalingTickQueue!.Properties;
    expect(ticks.VisibilityTimeout).toBeGreaterThanOrEqual(SCALING_TIMEOUT_SECONDS);
    expect(ticks.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['ScalingTickDeadLetterQueue', 'Arn'] },
      maxReceiveCount: 3,
    });
    const alarmed = Object.values(resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => JSON.stringify(r.Properties.Dimensions));
    expect(alarmed.some((d) => d.includes('ecs-pilot-test-scaling-ticks-dlq'))).toBe(true);
  });

  it('waits for an unsettled change exactly as long as an invocation may still apply it (the function’s timeout)', () => {
    expect(SETTLE_MS).toBe(SCALING_TIMEOUT_SECONDS * 1000);
  });

  it('lets the function send to and consume only its own tick queue', () => {
    const config = parseConfig({ scalers: [scaler()] });

    const statement = scalingStatements(config.scalers).find((s) => s.Action.includes('sqs:SendMessage'));

    expect(statement).toEqual({
      Effect: 'Allow',
      Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      Resource: [{ 'Fn::GetAtt': ['ScalingTickQueue', 'Arn'] }],
    });
  });
});
