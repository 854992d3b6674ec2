import type { Config } from '../config/schema.js';
import { TICK_MAX_CONCURRENCY, type ScalerConfig } from './config.js';
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
 * One invocation is one tick: an evaluation per scaler of the chain (up to five calls each, retried
 * by the SDK within its 10 s request timeout) and one SendMessage. SETTLE_MS (service.ts) is this.
 */
export const SCALING_TIMEOUT_SECONDS = 30;

/**
 * The tick queue's visibility timeout: at least the function's timeout (Lambda refuses less); a
 * tick whose invocation failed or was throttled comes back after it, and is late by then (it takes
 * the slot it runs in, or loses to the chain the heartbeat restarted).
 */
export const TICK_VISIBILITY_SECONDS = 2 * SCALING_TIMEOUT_SECONDS;

/** Receives of one tick before its queue's redrive policy moves it to the dead-letter queue. */
export const TICK_MAX_RECEIVES = 3;

// No reserved concurrency by default (it is opt-in: `reservedConcurrency` in the config). Lambda
// refuses any reservation that leaves under 100 unreserved in the account, and new accounts often
// have 10 in total. Overlap safety does not rest on it: when the next minute's invocation starts
// while a slow one finishes, the state table's version check keeps them from both acting.

/** The Input Scheduler sends every minute: the heartbeat, one tick of every chain. */
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
 * targets, use its state table, and send to and consume its tick queue (the event source mapping
 * receives and deletes with the function's role).
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
    {
      Effect: 'Allow',
      Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      Resource: [arn('ScalingTickQueue')],
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
 * Resources of queue scaling: scaleQueues evaluates tick by tick, each tick sending the next to
 * ScalingTickQueue (delayed to the next slot) and its event source mapping invoking the function;
 * a Scheduler schedule invokes it every minute (directly, not through an EventBridge rule) as the
 * heartbeat that restarts a broken chain. Scale-in timers and the chains' slots are in ScalerStateTable.
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
    // Ticks whose invocation failed TICK_MAX_RECEIVES times (throttled, timed out, state table down).
    ScalingTickDeadLetterQueue: deadLetterQueue(`${prefix}-scaling-ticks-dlq`),
    ScalingTickQueue: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: `${prefix}-scaling-ticks`,
        VisibilityTimeout: TICK_VISIBILITY_SECONDS,
        // A tick older than a few minutes is worth nothing: the heartbeat has restarted the chain.
        MessageRetentionPeriod: 600,
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: arn('ScalingTickDeadLetterQueue'),
          maxReceiveCount: TICK_MAX_RECEIVES,
        },
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
        Description: `ecs-pilot: heartbeat of the evaluation chains of ${config.scalers.length} queue scaler(s)`,
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
      SCALING_TICK_QUEUE_URL: { Ref: 'ScalingTickQueue' },
    },
    // Scheduler invokes it directly (ScalingSchedule); the tick queue through its event source mapping.
    events: [
      {
        sqs: {
          arn: arn('ScalingTickQueue'),
          batchSize: 10,
          // No batching window: a tick is due when its delay ends.
          maximumBatchingWindow: 0,
          functionResponseType: 'ReportBatchItemFailures',
          maximumConcurrency: TICK_MAX_CONCURRENCY,
        },
      },
    ],
    // Lambda's async retries (the heartbeat) would re-run a minute the next heartbeat covers.
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
      ScalingTickQueueUrl: {
        Description: 'The evaluation chains’ ticks (delayed messages to scaleQueues)',
        Value: { Ref: 'ScalingTickQueue' },
      },
      ScalingTickDeadLetterQueueUrl: {
        Description: 'Ticks whose scaleQueues invocation failed three times',
        Value: { Ref: 'ScalingTickDeadLetterQueue' },
      },
      ScalingScheduleDeadLetterQueueUrl: {
        Description: 'scaleQueues invocations Scheduler could not deliver',
        Value: { Ref: 'ScalingScheduleDeadLetterQueue' },
      },
    },
  };
}
