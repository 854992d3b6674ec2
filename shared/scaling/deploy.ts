import type { Config } from '../config/schema.js';
import type { ScalerConfig } from './config.js';
import { parseQueueReference, serviceIdentity } from './resources.js';
import { encryptionKey } from '../kernel/deploy/encryption.js';
import {
  arn,
  lambdaRole,
  deadLetterQueue,
  schedulerRole,
  sub,
  type AutomationStack,
  type Cfn,
  type FunctionDefinition,
  type Statement,
} from '../kernel/deploy/cfn.js';

export const SCALING_FUNCTION = 'scaleQueues';
/** The logical id serverless gives the function (for Fn::GetAtt in the schedule and its role). */
export const SCALING_FUNCTION_ID = 'ScaleQueuesLambdaFunction';

/**
 * One scheduled invocation evaluates for a minute (EVALUATION_WINDOW_MS), and its last evaluation
 * may take a few seconds more; the handler starts none with less than 12 s left.
 */
export const SCALING_TIMEOUT_SECONDS = 75;

// No reserved concurrency by default (it is opt-in: `reservedConcurrency` in the config). Lambda
// refuses any reservation that leaves under 100 unreserved in the account, and new accounts often
// have 10 in total. Overlap safety does not rest on it: when the next minute's invocation starts
// while a slow one finishes, the state table's version check keeps them from both acting.

/** The Input Scheduler sends every minute: evaluate for the whole minute it fired for. */
export const SCALING_SCHEDULE_INPUT = JSON.stringify({
  mode: 'minute',
  scheduledTime: '<aws.scheduler.scheduled-time>',
});

/** The ARN of a configured queue (name, URL or ARN), for IAM. */
export function queueArn(queue: string): Cfn {
  const ref = parseQueueReference(queue);
  if (ref.kind === 'arn') return queue;
  // A local emulator's URL names no region; a real queue URL always does.
  const region = ref.region ?? '${AWS::Region}';
  const account = ref.account ?? '${AWS::AccountId}';
  return sub(`arn:\${AWS::Partition}:sqs:${region}:${account}:${ref.name}`);
}

/**
 * The ARN of a configured service, for IAM: a service ARN as given; a name in the current ARN
 * format (`service/<cluster>/<service>`), in the cluster ARN's region and account when the cluster
 * is given as an ARN.
 */
export function serviceArn(scaler: Pick<ScalerConfig, 'cluster' | 'service'>): Cfn {
  if (scaler.service.startsWith('arn:')) {
    const { clusterInArn, cluster, service } = serviceIdentity(scaler);
    if (clusterInArn !== undefined) return scaler.service;
    // An ARN in the old format (…:service/<service>) names no cluster; once the account uses the
    // current format, ECS authorizes requests against …:service/<cluster>/<service>.
    return scaler.service.replace(/:service\/.*$/, `:service/${cluster}/${service}`);
  }
  const { cluster, service } = serviceIdentity(scaler);
  const clusterArn = /^arn:(aws[a-z-]*):ecs:([a-z0-9-]+):(\d{12}):/.exec(scaler.cluster);
  if (clusterArn)
    return `arn:${clusterArn[1]}:ecs:${clusterArn[2]}:${clusterArn[3]}:service/${cluster}/${service}`;
  return sub(`arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/${cluster}/${service}`);
}

/** A service ARN given in the old format, as given (it authorizes until the account switches format). */
const oldFormatArn = (scaler: Pick<ScalerConfig, 'cluster' | 'service'>): Cfn[] =>
  scaler.service.startsWith('arn:') && serviceIdentity(scaler).clusterInArn === undefined
    ? [scaler.service]
    : [];

const uniqueCfn = (values: Cfn[]): Cfn[] => {
  const seen = new Set<string>();
  return values.filter((v) => !seen.has(JSON.stringify(v)) && Boolean(seen.add(JSON.stringify(v))));
};

/**
 * What scaleQueues may do: read the configured queues' depth (and resolve the URL of those given
 * by name), describe and update the configured services only, read Application Auto Scaling
 * targets, and use its state table.
 */
export function scalingStatements(scalers: readonly ScalerConfig[]): Statement[] {
  const statements: Statement[] = [
    {
      Effect: 'Allow',
      Action: ['sqs:GetQueueAttributes'],
      Resource: uniqueCfn(scalers.map((s) => queueArn(s.queue))),
    },
  ];
  // URLs are used as given and ARNs turned into URLs: only names are looked up.
  const byName = scalers.filter((s) => parseQueueReference(s.queue).kind === 'name');
  if (byName.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['sqs:GetQueueUrl'],
      Resource: uniqueCfn(byName.map((s) => queueArn(s.queue))),
    });
  }
  statements.push(
    {
      Effect: 'Allow',
      Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
      Resource: uniqueCfn(scalers.flatMap((s) => [serviceArn(s), ...oldFormatArn(s)])),
    },
    // Read-only; Application Auto Scaling's Describe* actions support no resource-level permissions.
    { Effect: 'Allow', Action: ['application-autoscaling:DescribeScalableTargets'], Resource: ['*'] },
    {
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Resource: [arn('ScalerStateTable')],
    },
  );
  return statements;
}

/** serverless.yml's function keys beyond FunctionDefinition's: async retries and event age. */
type ScheduledFunction = FunctionDefinition & {
  maximumRetryAttempts: number;
  maximumEventAge: number;
};

/**
 * Resources of queue scaling: a Scheduler schedule invokes scaleQueues every minute (directly, not
 * through an EventBridge rule), which keeps its scale-in timers in ScalerStateTable.
 */
export function scalersStack(config: Config, names: { prefix: string; configFile: string }): AutomationStack {
  if (config.scalers.length === 0) return { functions: {}, resources: {} };
  const { prefix } = names;
  const functionName = `${prefix}-${SCALING_FUNCTION}`;
  const key = encryptionKey(config.encryption);
  const resources: Record<string, unknown> = {
    ScalerStateTable: {
      // One item per scaler (its scale-in timer and version): tiny, read and written a few times a minute.
      // Not retained: losing it only restarts scale-in timers (scale-in comes later, never earlier).
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: `${prefix}-scaler-state`,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        SSESpecification: { SSEEnabled: true },
      },
    },
    // Invocations Scheduler could not deliver (function missing, throttled past the event age…).
    ScalingScheduleDeadLetterQueue: deadLetterQueue(`${prefix}-scaling-schedule-dlq`),
    ScalingSchedulerRole: schedulerRole(
      'invoke-scale-queues',
      [
        { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [arn(SCALING_FUNCTION_ID)] },
        // Scheduler writes undeliverable invocations to the DLQ with this role.
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [arn('ScalingScheduleDeadLetterQueue')] },
      ],
      key,
    ),
    ScalingSchedule: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: `${prefix}-scale-queues`,
        Description: `ecs-pilot: evaluates ${config.scalers.length} queue scaler(s) every minute`,
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: arn(SCALING_FUNCTION_ID),
          RoleArn: arn('ScalingSchedulerRole'),
          Input: SCALING_SCHEDULE_INPUT,
          // No retries: the next minute evaluates again, and a late retry would only overlap it.
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: arn('ScalingScheduleDeadLetterQueue') },
        },
      },
    },
    ...lambdaRole('ScaleQueuesRole', functionName, scalingStatements(config.scalers), key),
  };
  const fn: ScheduledFunction = {
    handler: 'functions/scale-queues.handler',
    description: 'ecs-pilot: ECS services follow the depth of their SQS queues',
    role: 'ScaleQueuesRole',
    timeout: SCALING_TIMEOUT_SECONDS,
    memorySize: 256,
    package: { patterns: [names.configFile] },
    environment: {
      ECS_PILOT_CONFIG_FILE: names.configFile,
      SCALER_STATE_TABLE: { Ref: 'ScalerStateTable' },
    },
    // Scheduler invokes it (ScalingSchedule); no serverless events.
    events: [],
    // Lambda's async retries would re-run a minute the next invocation already covers.
    maximumRetryAttempts: 0,
    maximumEventAge: 60,
  };
  return {
    functions: { [SCALING_FUNCTION]: fn },
    resources,
    outputs: {
      ScalerStateTableName: {
        Description: 'Queue scalers’ scale-in timers and last decisions (one item per scaler)',
        Value: { Ref: 'ScalerStateTable' },
      },
      ScalingScheduleDeadLetterQueueUrl: {
        Description: 'scaleQueues invocations Scheduler could not deliver',
        Value: { Ref: 'ScalingScheduleDeadLetterQueue' },
      },
    },
  };
}
