import { createHash } from 'node:crypto';
import type { AlarmsConfig } from '../config/operations.js';
import { sub } from '../kernel/deploy/cfn.js';

/**
 * The stage's alarms: what must reach a human. One per dead-letter queue (any visible message),
 * per function on Errors and on Throttles, and per scaler on its ScalingErrors metric. Pure: it
 * reads the resources and functions the automations built, so a new queue or function is covered
 * without anyone remembering to add its alarm.
 */

/** Where the alarms' notifications go: a topic of this stack (by logical id), an ARN, or nowhere. */
export type AlarmRoute =
  { kind: 'stack-topic'; logicalId: string } | { kind: 'topic-arn'; arn: string } | { kind: 'none' };

/** Chooses the route: an explicit topic, else the stop-alerts topic, else a topic for the emails. */
export function alarmRoute(alarms: AlarmsConfig, alertsTopicId: string | undefined): AlarmRoute {
  if (alarms.topicArn) return { kind: 'topic-arn', arn: alarms.topicArn };
  if (alarms.emails.length > 0) return { kind: 'stack-topic', logicalId: ALARMS_TOPIC_ID };
  if (alertsTopicId) return { kind: 'stack-topic', logicalId: alertsTopicId };
  return { kind: 'none' };
}

export const ALARMS_TOPIC_ID = 'AlarmsTopic';

/** CloudWatch allows alarm names of up to 255 characters. */
export const MAX_ALARM_NAME = 255;

export interface AlarmInputs {
  prefix: string;
  /** This stack's resources, as the automations built them. */
  resources: Record<string, unknown>;
  /** The functions serverless deploys, by name (`uploadToTask`); named `<prefix>-<name>`. */
  functions: readonly string[];
  /** The scalers, whose ScalingErrors metric is watched. */
  scalers: readonly string[];
  /** The namespace the functions' EMF metrics go to. */
  metricsNamespace: string;
}

type Alarm = Record<string, unknown>;

const queueName = (resource: unknown): string | undefined => {
  const r = resource as { Type?: string; Properties?: { QueueName?: unknown } };
  return r?.Type === 'AWS::SQS::Queue' && typeof r.Properties?.QueueName === 'string'
    ? r.Properties.QueueName
    : undefined;
};

/** A logical id that stays within CloudFormation's 255 characters and alphanumerics. */
const alarmId = (kind: string, name: string) =>
  `${kind}Alarm${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;

function alarm(name: string, description: string, metric: Record<string, unknown>, route: AlarmRoute): Alarm {
  const actions =
    route.kind === 'none' ? [] : [route.kind === 'topic-arn' ? route.arn : { Ref: route.logicalId }];
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: name.slice(0, MAX_ALARM_NAME),
      AlarmDescription: description.slice(0, 1024),
      ...metric,
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      // No data means nothing failed (an idle function publishes no Errors datapoint).
      TreatMissingData: 'notBreaching',
      ActionsEnabled: true,
      AlarmActions: actions,
      OKActions: actions,
    },
  };
}

/** The alarm resources, by logical id. */
export function alarmResources(inputs: AlarmInputs, route: AlarmRoute): Record<string, Alarm> {
  const { prefix } = inputs;
  const alarms: Record<string, Alarm> = {};
  for (const [id, resource] of Object.entries(inputs.resources)) {
    const name = queueName(resource);
    if (!name || !id.endsWith('DeadLetterQueue')) continue;
    alarms[alarmId('DeadLetter', id)] = alarm(
      `${prefix} dead letters in ${name}`,
      `ecs-pilot ${prefix}: messages are waiting in the dead-letter queue ${name}. Each carries ` +
        'its reason in the ecs-pilot-reason attribute; fix the cause, then redrive the queue (README, "Alarms and dashboard").',
      {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: name }],
        Statistic: 'Maximum',
      },
      route,
    );
  }
  for (const fn of inputs.functions) {
    const functionName = `${prefix}-${fn}`;
    for (const metricName of ['Errors', 'Throttles'] as const) {
      alarms[alarmId(`Function${metricName}`, fn)] = alarm(
        `${prefix} ${fn} ${metricName.toLowerCase()}`,
        metricName === 'Errors'
          ? `ecs-pilot ${prefix}: the ${fn} function failed (an error or a timeout). Its log group ` +
              `/aws/lambda/${functionName} says why.`
          : `ecs-pilot ${prefix}: Lambda throttled the ${fn} function (account concurrency). Events wait in ` +
              'their queue; lasting throttles can push them to the dead-letter queue.',
        {
          Namespace: 'AWS/Lambda',
          MetricName: metricName,
          Dimensions: [{ Name: 'FunctionName', Value: functionName }],
          Statistic: 'Sum',
        },
        route,
      );
    }
  }
  for (const scaler of inputs.scalers) {
    alarms[alarmId('ScalingErrors', scaler)] = alarm(
      `${prefix} scaler ${scaler} errors`,
      `ecs-pilot ${prefix}: the scaler ${scaler} could not read its queue or set its service's desired count. ` +
        'The scaleQueues log says why; the service keeps its last desired count meanwhile.',
      {
        Namespace: inputs.metricsNamespace,
        MetricName: 'ScalingErrors',
        Dimensions: [
          { Name: 'service', Value: 'scaling' },
          { Name: 'scaler', Value: scaler },
        ],
        Statistic: 'Sum',
      },
      route,
    );
  }
  return alarms;
}

/** The topic the stack creates for alarm emails when alerts are not the destination. */
export function alarmsTopicResources(prefix: string, emails: readonly string[]): Record<string, unknown> {
  const resources: Record<string, unknown> = {
    [ALARMS_TOPIC_ID]: {
      Type: 'AWS::SNS::Topic',
      // Not KMS-encrypted by default: CloudWatch cannot publish to a topic under the AWS-managed SNS
      // key, and alarm messages carry names and counts only. With config `encryption` it uses that
      // key (the stack's key policy lets CloudWatch use it).
      Properties: { TopicName: `${prefix}-alarms`, DisplayName: 'ecs-pilot alarms' },
    },
    AlarmsTopicPolicy: {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: {
        Topics: [{ Ref: ALARMS_TOPIC_ID }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'CloudWatchAlarmsOfThisAccount',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: { Ref: ALARMS_TOPIC_ID },
              Condition: { StringEquals: { 'aws:SourceAccount': sub('${AWS::AccountId}') } },
            },
          ],
        },
      },
    },
  };
  for (const email of emails) {
    resources[`AlarmsEmail${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 12)}`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: ALARMS_TOPIC_ID }, Protocol: 'email', Endpoint: email },
    };
  }
  return resources;
}

/**
 * The key-policy statement CloudWatch needs to publish alarms to a KMS-encrypted topic of this
 * stack (the stop-alerts topic): use of the key for this account's alarms only.
 */
export const CLOUDWATCH_KEY_STATEMENT = {
  Sid: 'CloudWatchAlarmsPublishToTheTopic',
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
  Resource: '*',
  Condition: { StringEquals: { 'aws:SourceAccount': sub('${AWS::AccountId}') } },
};
