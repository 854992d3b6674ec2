import { describe, expect, it } from 'vitest';
import {
  ALARMS_TOPIC_ID,
  alarmResources,
  alarmRoute,
  alarmsTopicResources,
  MAX_ALARM_NAME,
} from '../../../../shared/deploy/alarms.js';

const queue = (name: string) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name } });
const RESOURCES = {
  UploadsQueue: queue('ecs-pilot-prod-uploads'),
  UploadsDeadLetterQueue: queue('ecs-pilot-prod-uploads-dlq'),
  SchedulesDeadLetterQueue: queue('ecs-pilot-prod-schedules-dlq'),
  IdempotencyTable: { Type: 'AWS::DynamoDB::Table', Properties: {} },
};
const INPUTS = {
  prefix: 'ecs-pilot-prod',
  resources: RESOURCES,
  functions: ['uploadToTask', 'runSchedule'],
  scalers: ['video-workers'],
  metricsNamespace: 'ecs-pilot/prod',
};
type Props = {
  AlarmName: string;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  AlarmActions: unknown[];
  OKActions: unknown[];
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
};
const propsOf = (alarms: Record<string, unknown>) =>
  Object.values(alarms).map((a) => (a as { Properties: Props }).Properties);

describe('Function: alarmRoute', () => {
  it.each([
    [
      'an explicit topic ARN first',
      { topicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall', emails: ['a@b.co'] },
      'AlertsTopic',
      { kind: 'topic-arn', arn: 'arn:aws:sns:eu-west-1:123456789012:oncall' },
    ],
    [
      'alarm emails, on a topic of their own',
      { emails: ['a@b.co'] },
      'AlertsTopic',
      { kind: 'stack-topic', logicalId: ALARMS_TOPIC_ID },
    ],
    [
      'the stop-alerts topic when alerts are configured',
      { emails: [] },
      'AlertsTopic',
      { kind: 'stack-topic', logicalId: 'AlertsTopic' },
    ],
    ['nowhere when nothing is configured', { emails: [] }, undefined, { kind: 'none' }],
  ])('sends alarms to %s', (_case, alarms, alertsTopic, expected) => {
    expect(alarmRoute({ enabled: true, ...alarms }, alertsTopic)).toEqual(expected);
  });
});

describe('Function: alarmResources', () => {
  it('gives every dead-letter queue an alarm on any visible message, and no other queue one', () => {
    const alarms = propsOf(alarmResources(INPUTS, { kind: 'none' })).filter((p) => p.Namespace === 'AWS/SQS');

    expect(alarms.map((p) => p.Dimensions)).toEqual([
      [{ Name: 'QueueName', Value: 'ecs-pilot-prod-uploads-dlq' }],
      [{ Name: 'QueueName', Value: 'ecs-pilot-prod-schedules-dlq' }],
    ]);
    for (const p of alarms) {
      expect(p).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('watches every function on Errors and Throttles, by its deployed name', () => {
    const alarms = propsOf(alarmResources(INPUTS, { kind: 'none' })).filter(
      (p) => p.Namespace === 'AWS/Lambda',
    );

    expect(alarms.map((p) => [p.MetricName, p.Dimensions[0]!.Value])).toEqual([
      ['Errors', 'ecs-pilot-prod-uploadToTask'],
      ['Throttles', 'ecs-pilot-prod-uploadToTask'],
      ['Errors', 'ecs-pilot-prod-runSchedule'],
      ['Throttles', 'ecs-pilot-prod-runSchedule'],
    ]);
  });

  it("watches each scaler's ScalingErrors in the stage's own namespace", () => {
    const [alarm] = propsOf(alarmResources(INPUTS, { kind: 'none' })).filter(
      (p) => p.MetricName === 'ScalingErrors',
    );

    expect(alarm).toMatchObject({
      Namespace: 'ecs-pilot/prod',
      Dimensions: [
        { Name: 'service', Value: 'scaling' },
        { Name: 'scaler', Value: 'video-workers' },
      ],
    });
  });

  it('points alarm and OK actions at the route, and at nothing without one', () => {
    const routed = propsOf(alarmResources(INPUTS, { kind: 'stack-topic', logicalId: 'AlertsTopic' }));
    const arn = 'arn:aws:sns:eu-west-1:123456789012:oncall';
    const external = propsOf(alarmResources(INPUTS, { kind: 'topic-arn', arn }));
    const silent = propsOf(alarmResources(INPUTS, { kind: 'none' }));

    for (const p of routed)
      expect([p.AlarmActions, p.OKActions]).toEqual([[{ Ref: 'AlertsTopic' }], [{ Ref: 'AlertsTopic' }]]);
    for (const p of external) expect(p.AlarmActions).toEqual([arn]);
    for (const p of silent) expect(p.AlarmActions).toEqual([]);
  });

  it('keeps logical ids alphanumeric and unique, and names within 255 characters', () => {
    const long = { ...INPUTS, prefix: 'x'.repeat(300), scalers: ['a', 'b'] };

    const alarms = alarmResources(long, { kind: 'none' });

    for (const id of Object.keys(alarms)) expect(id).toMatch(/^[A-Za-z0-9]{1,255}$/);
    expect(Object.keys(alarms)).toHaveLength(2 + 4 + 2);
    for (const p of propsOf(alarms)) expect(p.AlarmName.length).toBeLessThanOrEqual(MAX_ALARM_NAME);
  });
});

describe('Function: alarmsTopicResources', () => {
  it("creates the alarms topic, lets only this account's CloudWatch publish, and subscribes each email", () => {
    const resources = alarmsTopicResources('ecs-pilot-prod', ['ops@example.com', 'Oncall@Example.com']);

    expect(resources[ALARMS_TOPIC_ID]).toMatchObject({ Properties: { TopicName: 'ecs-pilot-prod-alarms' } });
    const policy = resources.AlarmsTopicPolicy as {
      Properties: { PolicyDocument: { Statement: unknown[] } };
    };
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': { 'Fn::Sub': '${AWS::AccountId}' } } },
      }),
    ]);
    const subscriptions = Object.values(resources).filter(
      (r) => (r as { Type: string }).Type === 'AWS::SNS::Subscription',
    );
    expect(subscriptions.map((s) => (s as { Properties: { Endpoint: string } }).Properties.Endpoint)).toEqual(
      ['ops@example.com', 'Oncall@Example.com'],
    );
  });
});
