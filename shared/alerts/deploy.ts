import { createHash } from 'node:crypto';
import type { AlertsConfig, Config } from '../config/schema.js';
import {
  arn,
  lambdaRole,
  RETAIN,
  sub,
  type AutomationStack,
  type FunctionDefinition,
  type Statement,
} from '../kernel/deploy/cfn.js';
import { alertPublishStatements } from '../kernel/notify/deploy.js';
import { ACCOUNT_IAM_POLICIES_DECIDE, encryptionKey } from '../kernel/deploy/encryption.js';
import { MAX_PATTERN_CHARS, patternSize } from '../kernel/deploy/patterns.js';
import {
  bufferedFunction,
  bufferQueues,
  bufferStatements,
  ruleDeliveryPolicy,
} from '../kernel/deploy/queues.js';

export const ALERTS_FUNCTION = 'stopAlert';

/** Every cluster of the stack's account and region, as an ARN prefix. */
export const ACCOUNT_CLUSTER_ARN_PREFIX = sub(
  'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/',
);

/**
 * The EventBridge pattern of the stop-alerts rule: stopped ECS tasks, in the configured clusters
 * only (a name matches `…:cluster/<name>` in the stack's account and region's bus; an ARN matches
 * exactly). The function decides everything else, with a reason per event, and checks the cluster
 * again (`watchesCluster`): so when the clusters do not fit in EventBridge's 2,048 characters, the
 * pattern widens to the account's cluster ARN prefix (plus the configured ARNs, or no cluster
 * filter at all if even those do not fit) rather than splitting into many rules.
 */
export function alertsEventPattern(alerts: Pick<AlertsConfig, 'clusters'>): Record<string, unknown> {
  const pattern = (clusterArn?: unknown[]) => ({
    source: ['aws.ecs'],
    'detail-type': ['ECS Task State Change'],
    detail: { lastStatus: ['STOPPED'], ...(clusterArn ? { clusterArn } : {}) },
  });
  if (!alerts.clusters) return pattern();
  const clusters = [...new Set(alerts.clusters)];
  const exact = pattern(clusters.map((c) => (c.startsWith('arn:') ? c : { suffix: `:cluster/${c}` })));
  if (patternSize(exact) <= MAX_PATTERN_CHARS) return exact;
  const wide = pattern([
    { prefix: ACCOUNT_CLUSTER_ARN_PREFIX },
    ...clusters.filter((c) => c.startsWith('arn:')),
  ]);
  return patternSize(wide) <= MAX_PATTERN_CHARS ? wide : pattern();
}

/** A logical id per address that survives reordering the list (a replaced subscription needs re-confirming). */
export const emailSubscriptionId = (email: string) =>
  `AlertsEmail${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 12)}`;

/**
 * Resources of the stop-alerts automation: rule → buffer queue (+ DLQ) → function → SNS topic
 * (KMS-encrypted, email subscriptions from the config), with a DynamoDB table for the per-task
 * idempotency records and the noise-control counters.
 */
export function alertsStack(config: Config, names: { prefix: string; configFile: string }): AutomationStack {
  const alerts = config.alerts;
  if (!alerts) return { functions: {}, resources: {} };
  const { prefix } = names;
  const queueArn = arn('AlertsQueue');
  const dlqArn = arn('AlertsDeadLetterQueue');
  const ruleArn = arn('AlertsRule');
  const functionName = `${prefix}-${ALERTS_FUNCTION}`;
  const key = encryptionKey(config.encryption);

  // With config `encryption`, the topic uses that key (applied with the rest of the stack's data).
  const topicKey: Record<string, unknown> = {
    AlertsKey: {
      Type: 'AWS::KMS::Key',
      ...RETAIN,
      Properties: {
        Description: `ecs-pilot ${prefix}: encrypts the stop-alerts topic`,
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [ACCOUNT_IAM_POLICIES_DECIDE],
        },
      },
    },
    AlertsKeyAlias: {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: `alias/${prefix}-alerts`, TargetKeyId: { Ref: 'AlertsKey' } },
    },
  };
  const resources: Record<string, unknown> = {
    ...(key === undefined ? topicKey : {}),
    AlertsTopic: {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: `${prefix}-alerts`,
        DisplayName: 'ecs-pilot alerts',
        ...(key === undefined ? { KmsMasterKeyId: { Ref: 'AlertsKey' } } : {}),
      },
    },
    ...bufferQueues('Alerts', `${prefix}-alerts`, config.delivery),
    AlertsQueuePolicy: ruleDeliveryPolicy('Alerts', 'StopAlertsRuleDelivers', ruleArn),
    AlertsRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: `${prefix}-stop-alerts`,
        Description: `ecs-pilot: stopped ECS tasks in ${alerts.clusters ? alerts.clusters.join(', ').slice(0, 400) : 'every cluster'} → stop alerts`,
        State: 'ENABLED',
        EventPattern: alertsEventPattern(alerts),
        Targets: [
          {
            Id: 'alerts-queue',
            Arn: queueArn,
            // Explicit: EventBridge's default is 24 h / 185 attempts with no DLQ.
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: dlqArn },
          },
        ],
      },
    },
    AlertsStateTable: {
      // Its own table (not the uploads' IdempotencyTable): automations deploy independently.
      Type: 'AWS::DynamoDB::Table',
      ...RETAIN,
      Properties: {
        TableName: `${prefix}-alerts-state`,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    },
  };
  for (const email of alerts.emails) {
    resources[emailSubscriptionId(email)] = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: 'AlertsTopic' }, Protocol: 'email', Endpoint: email },
    };
  }

  const statements: Statement[] = [
    ...bufferStatements('Alerts'),
    {
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Resource: [arn('AlertsStateTable')],
    },
    ...alertPublishStatements(key !== undefined),
    // Read-only, and without resource-level permissions: it must be "*".
    { Effect: 'Allow', Action: ['ecs:DescribeTaskDefinition'], Resource: ['*'] },
  ];
  Object.assign(resources, lambdaRole('StopAlertRole', functionName, statements, key));

  const functions: Record<string, FunctionDefinition> = {
    [ALERTS_FUNCTION]: bufferedFunction({
      id: 'Alerts',
      handler: 'functions/stop-alert.handler',
      description: 'ecs-pilot: an actionable email when an ECS task stops for a reason that matters',
      role: 'StopAlertRole',
      configFile: names.configFile,
      delivery: config.delivery,
      environment: {
        ALERTS_TABLE: { Ref: 'AlertsStateTable' },
        ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' },
      },
    }),
  };
  const outputs = {
    AlertsTopicArn: {
      Description: 'The stop-alerts topic (subscribe more endpoints here; filter on message attributes)',
      Value: { Ref: 'AlertsTopic' },
    },
    AlertsDeadLetterQueueUrl: {
      Description: 'Stop events that could not be alerted, with the reason in message attributes',
      Value: { Ref: 'AlertsDeadLetterQueue' },
    },
  };
  return { functions, resources, outputs };
}
