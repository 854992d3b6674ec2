import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import type { Statement } from '../../../../shared/kernel/deploy/cfn';
import { MAX_PATTERN_CHARS, patternSize } from '../../../../shared/kernel/deploy/patterns';
import {
  ACCOUNT_CLUSTER_ARN_PREFIX,
  ALERTS_FUNCTION,
  alertsEventPattern,
  alertsStack,
  emailSubscriptionId,
} from '../../../../shared/alerts/deploy';
import { buildStack } from '../../../../shared/deploy/stack';

const NAMES = { prefix: 'ecs-pilot-dev', configFile: '.build/config/dev.json' };
const ALERTS = { emails: ['oncall@example.com', 'Ops@Example.org'] };
const UPLOAD = {
  name: 'thumbnails',
  bucket: 'media-ingest',
  task: {
    cluster: 'media',
    taskDefinition: 'thumbnailer',
    container: 'app',
    subnets: ['subnet-0123abcd'],
    securityGroups: ['sg-0123abcd'],
  },
};

const stackOf = (alerts: Record<string, unknown> = ALERTS, delivery: Record<string, number> = {}) =>
  alertsStack(parseConfig({ delivery, alerts }), NAMES);

interface RoleResource {
  Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
}
const statementsOf = (resources: Record<string, unknown>) =>
  (resources.StopAlertRole as RoleResource).Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
const isReadOnly = (action: string) => /^[a-z0-9-]+:(List|Describe|Get)[A-Za-z]*$/.test(action);

describe('Function: alertsEventPattern', () => {
  const envelope = { source: ['aws.ecs'], 'detail-type': ['ECS Task State Change'] };

  it('matches every stopped task when no cluster is configured', () => {
    expect(alertsEventPattern({})).toEqual({ ...envelope, detail: { lastStatus: ['STOPPED'] } });
  });

  it('narrows to cluster names by ARN suffix and to cluster ARNs exactly, each once', () => {
    const arn = 'arn:aws:ecs:eu-west-1:111122223333:cluster/api';

    expect(alertsEventPattern({ clusters: ['media', arn, 'media'] })).toEqual({
      ...envelope,
      detail: { lastStatus: ['STOPPED'], clusterArn: [{ suffix: ':cluster/media' }, arn] },
    });
  });
});

describe('Function: alertsEventPattern (pattern limit)', () => {
  const clusters = Array.from({ length: 50 }, (_, i) => `cluster-name-${String(i).padStart(7, '0')}`);

  it('stays within 2,048 characters for 50 watched clusters of 20 characters, matching the account prefix', () => {
    const pattern = alertsEventPattern({ clusters });

    expect(patternSize(pattern)).toBeLessThanOrEqual(MAX_PATTERN_CHARS);
    expect(pattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: { lastStatus: ['STOPPED'], clusterArn: [{ prefix: ACCOUNT_CLUSTER_ARN_PREFIX }] },
    });
  });

  it('keeps configured ARNs beside the account prefix when they fit', () => {
    const arn = 'arn:aws:ecs:eu-west-1:111122223333:cluster/api';

    const pattern = alertsEventPattern({ clusters: [...clusters, arn] }) as {
      detail: { clusterArn: unknown };
    };

    expect(pattern.detail.clusterArn).toEqual([{ prefix: ACCOUNT_CLUSTER_ARN_PREFIX }, arn]);
  });

  it('drops the cluster filter when even the ARNs do not fit (the function still checks every cluster)', () => {
    const arns = Array.from({ length: 50 }, (_, i) => `arn:aws:ecs:eu-west-1:111122223333:cluster/c${i}`);

    const pattern = alertsEventPattern({ clusters: arns });

    expect(pattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: { lastStatus: ['STOPPED'] },
    });
  });
});

describe('Function: alertsStack', () => {
  it('adds nothing when alerts are not configured', () => {
    expect(alertsStack(parseConfig({}), NAMES)).toEqual({ functions: {}, resources: {} });
  });

  it('creates the rule, buffer queue and DLQ, encrypted topic, key, state table, subscriptions and role', () => {
    const { resources } = stackOf();

    expect(
      Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, (r as { Type: string }).Type])),
    ).toEqual({
      AlertsKey: 'AWS::KMS::Key',
      AlertsKeyAlias: 'AWS::KMS::Alias',
      AlertsTopic: 'AWS::SNS::Topic',
      AlertsDeadLetterQueue: 'AWS::SQS::Queue',
      AlertsQueue: 'AWS::SQS::Queue',
      AlertsQueuePolicy: 'AWS::SQS::QueuePolicy',
      AlertsRule: 'AWS::Events::Rule',
      AlertsStateTable: 'AWS::DynamoDB::Table',
      [emailSubscriptionId('oncall@example.com')]: 'AWS::SNS::Subscription',
      [emailSubscriptionId('Ops@Example.org')]: 'AWS::SNS::Subscription',
      StopAlertRole: 'AWS::IAM::Role',
    });
    expect(resources.AlertsTopic).toMatchObject({
      Properties: { TopicName: 'ecs-pilot-dev-alerts', KmsMasterKeyId: { Ref: 'AlertsKey' } },
    });
    expect(resources.AlertsKey).toMatchObject({ Properties: { EnableKeyRotation: true } });
    expect(resources[emailSubscriptionId('Ops@Example.org')]).toEqual({
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: 'AlertsTopic' }, Protocol: 'email', Endpoint: 'Ops@Example.org' },
    });
  });

  it('names subscriptions by address, so reordering the list replaces none of them', () => {
    const ids = (emails: string[]) =>
      Object.keys(stackOf({ emails }).resources)
        .filter((id) => id.startsWith('AlertsEmail'))
        .sort();

    expect(ids(['a@example.com', 'b@example.com'])).toEqual(ids(['b@example.com', 'a@example.com']));
    expect(emailSubscriptionId('A@Example.com')).toBe(emailSubscriptionId('a@example.com'));
    expect(emailSubscriptionId('a@example.com')).toMatch(/^AlertsEmail[0-9a-f]{12}$/);
  });

  it('buffers in a queue that redrives after maxAttempts + 2 receives, fed by the rule with retries and a DLQ', () => {
    const { resources } = stackOf(ALERTS, { maxAttempts: 5 });

    expect(resources.AlertsQueue).toMatchObject({
      Properties: {
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 360,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': ['AlertsDeadLetterQueue', 'Arn'] },
          maxReceiveCount: 7,
        },
      },
    });
    expect(resources.AlertsRule).toMatchObject({
      Properties: {
        EventPattern: alertsEventPattern({}),
        Targets: [
          {
            Arn: { 'Fn::GetAtt': ['AlertsQueue', 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['AlertsDeadLetterQueue', 'Arn'] } },
          },
        ],
      },
    });
    expect(resources.AlertsQueuePolicy).toMatchObject({
      Properties: {
        PolicyDocument: {
          Statement: [
            {
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['AlertsRule', 'Arn'] } } },
            },
          ],
        },
      },
    });
  });

  it('grants sns:Publish on the topic only, the key for publishing only, and nothing mutating on "*"', () => {
    const statements = statementsOf(stackOf().resources);

    const publish = statements.filter((s) => s.Action.some((a) => a.startsWith('sns:')));
    expect(publish).toEqual([
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: [{ Ref: 'AlertsTopic' }] },
    ]);
    const kms = statements.filter((s) => s.Action.some((a) => a.startsWith('kms:')));
    expect(kms).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: [{ 'Fn::GetAtt': ['AlertsKey', 'Arn'] }],
      },
    ]);
    for (const statement of statements.filter((s) => s.Resource.includes('*'))) {
      expect(statement.Action.every(isReadOnly), JSON.stringify(statement)).toBe(true);
    }
    expect(statements.flatMap((s) => s.Action)).not.toContain('ecs:RunTask');
  });

  it('declares the function on its own role, fed by the queue, with its resources by Ref', () => {
    const { functions, outputs } = stackOf(ALERTS, { batchSize: 4, maxConcurrency: 3 });

    expect(functions[ALERTS_FUNCTION]).toMatchObject({
      handler: 'functions/stop-alert.handler',
      role: 'StopAlertRole',
      package: { patterns: ['.build/config/dev.json'] },
      environment: {
        ECS_PILOT_CONFIG_FILE: '.build/config/dev.json',
        ALERTS_QUEUE_URL: { Ref: 'AlertsQueue' },
        ALERTS_DLQ_URL: { Ref: 'AlertsDeadLetterQueue' },
        ALERTS_TABLE: { Ref: 'AlertsStateTable' },
        ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' },
      },
      events: [
        {
          sqs: {
            arn: { 'Fn::GetAtt': ['AlertsQueue', 'Arn'] },
            batchSize: 4,
            maximumConcurrency: 3,
            functionResponseType: 'ReportBatchItemFailures',
          },
        },
      ],
    });
    expect(Object.keys(outputs ?? {})).toEqual(['AlertsTopicArn', 'AlertsDeadLetterQueueUrl']);
  });
});

describe('Function: buildStack with alerts', () => {
  const build = (raw: unknown) =>
    buildStack(parseConfig(raw), { service: 'ecs-pilot', stage: 'dev', configFile: 'c.json' });

  it('deploys alerts alone', () => {
    const stack = build({ alerts: ALERTS });

    expect(Object.keys(stack.functions)).toEqual(['stopAlert']);
    expect(stack.resources.Resources.IdempotencyTable).toBeUndefined();
  });

  it('deploys alerts beside uploads with no logical id shared between them', () => {
    // The automations' own resources: the stage's alarms and dashboard cover both and are tested apart.
    const own = (resources: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(resources).filter(
          ([, r]) => !(r as { Type: string }).Type.startsWith('AWS::CloudWatch::'),
        ),
      );
    const uploadsOnly = own(build({ uploads: [UPLOAD] }).resources.Resources);
    const alertsOnly = own(build({ alerts: ALERTS }).resources.Resources);
    const both = build({ uploads: [UPLOAD], alerts: ALERTS });

    expect(Object.keys(uploadsOnly).filter((id) => id in alertsOnly)).toEqual([]);
    expect(Object.keys(own(both.resources.Resources)).sort()).toEqual(
      [...Object.keys(uploadsOnly), ...Object.keys(alertsOnly)].sort(),
    );
    expect(Object.keys(both.functions).sort()).toEqual(['stopAlert', 'uploadToTask']);
  });
});
