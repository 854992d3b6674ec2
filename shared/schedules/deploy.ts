import type { Config } from '../config/schema.js';
import type { ScheduleConfig } from './config.js';
import { pascal } from '../kernel/naming.js';
import {
  arn,
  lambdaRole,
  schedulerRole,
  sub,
  type AutomationStack,
  type Statement,
} from '../kernel/deploy/cfn.js';
import {
  bufferedFunction,
  bufferQueues,
  bufferStatements,
  idempotencyStatement,
  idempotencyTable,
} from '../kernel/deploy/queues.js';
import { alertPublishStatements } from '../kernel/notify/deploy.js';
import { encryptionKey } from '../kernel/deploy/encryption.js';
import { clusterArn } from '../kernel/launch/deploy.js';
import { hasSecrets, launchStatements } from '../kernel/launch/deploy.js';
import { slotWindowMinutes } from './slot.js';
import { SWEEP_MESSAGE } from './runtime.js';

export const SCHEDULES_FUNCTION = 'runSchedule';
export const scheduleId = (schedule: Pick<ScheduleConfig, 'name'>) => `Schedule${pascal(schedule.name)}`;

const clusterName = (cluster: string) => cluster.split('/').pop()!;

/**
 * The message Scheduler sends for each slot. Scheduler fills the context attributes when it fires,
 * so every retry of one slot carries the same scheduled time (and so the same idempotency key).
 */
export const slotInput = (schedule: Pick<ScheduleConfig, 'name'>) =>
  JSON.stringify({
    schedule: schedule.name,
    scheduledTime: '<aws.scheduler.scheduled-time>',
    executionId: '<aws.scheduler.execution-id>',
  });

/** One EventBridge Scheduler schedule: its expression in its time zone, targeting the schedules queue. */
export function scheduleResource(schedule: ScheduleConfig, prefix: string): Record<string, unknown> {
  return {
    Type: 'AWS::Scheduler::Schedule',
    Properties: {
      Name: `${prefix}-${schedule.name}`,
      Description: `ecs-pilot: ${schedule.schedule} (${schedule.timezone}) starts ${schedule.task.taskDefinition}`,
      ScheduleExpression: schedule.schedule,
      ScheduleExpressionTimezone: schedule.timezone,
      FlexibleTimeWindow:
        schedule.flexibleWindowMinutes === undefined
          ? { Mode: 'OFF' }
          : { Mode: 'FLEXIBLE', MaximumWindowInMinutes: schedule.flexibleWindowMinutes },
      State: 'ENABLED',
      Target: {
        Arn: arn('SchedulesQueue'),
        RoleArn: arn('SchedulerRole'),
        Input: slotInput(schedule),
        // Delivery retries stay inside the slot's window (flexible + retry, as the function judges
        // it), within the 60-86,400 s Scheduler accepts; then the slot lands in the DLQ.
        RetryPolicy: {
          MaximumEventAgeInSeconds: Math.min(86_400, Math.max(60, slotWindowMinutes(schedule) * 60)),
          MaximumRetryAttempts: 185,
        },
        DeadLetterConfig: { Arn: arn('SchedulesDeadLetterQueue') },
      },
    },
  };
}

/** Logical id of the sweep schedule; no schedule's id (`Schedule…`) can take it. */
export const SWEEP_ID = 'MaxRuntimeSweep';

/**
 * The per-stage sweep that stops runs past their `maxRuntimeMinutes`: one Scheduler schedule every
 * minute onto the schedules queue. Named with an underscore, which no schedule name may contain, so
 * it cannot collide with a schedule's `<prefix>-<name>`. A missed sweep is made up by the next one,
 * so its delivery retries only briefly.
 */
export function sweepResource(prefix: string): Record<string, unknown> {
  return {
    Type: 'AWS::Scheduler::Schedule',
    Properties: {
      Name: `${prefix}_max-runtime`,
      Description: 'ecs-pilot: every minute, stops scheduled runs past their maxRuntimeMinutes',
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: arn('SchedulesQueue'),
        RoleArn: arn('SchedulerRole'),
        Input: JSON.stringify(SWEEP_MESSAGE),
        RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 },
        DeadLetterConfig: { Arn: arn('SchedulesDeadLetterQueue') },
      },
    },
  };
}

/**
 * Reading a schedule's previous runs (ListTasks, DescribeTasks) in its cluster, and — only for the
 * `replace` policy or a `maxRuntimeMinutes` — stopping them.
 */
export function overlapStatements(schedule: ScheduleConfig): Statement[] {
  const cluster = clusterArn(schedule.task.cluster);
  const tasks = sub(
    `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task/${clusterName(schedule.task.cluster)}/*`,
  );
  const statements: Statement[] = [
    {
      Effect: 'Allow',
      Action: ['ecs:ListTasks'],
      Resource: ['*'],
      Condition: { ArnEquals: { 'ecs:cluster': cluster } },
    },
    {
      Effect: 'Allow',
      Action: ['ecs:DescribeTasks'],
      Resource: [tasks],
      Condition: { ArnEquals: { 'ecs:cluster': cluster } },
    },
  ];
  if (schedule.overlap === 'replace' || schedule.maxRuntimeMinutes !== undefined) {
    statements.push({
      Effect: 'Allow',
      Action: ['ecs:StopTask'],
      Resource: [tasks],
      Condition: { ArnEquals: { 'ecs:cluster': cluster } },
    });
  }
  return statements;
}

/** Resources of the schedules automation: Scheduler schedules → queue → function, with DLQ. */
export function schedulesStack(
  config: Config,
  names: { prefix: string; configFile: string },
): AutomationStack {
  if (config.schedules.length === 0) return { functions: {}, resources: {} };
  const { prefix } = names;
  const key = encryptionKey(config.encryption);
  const resources: Record<string, unknown> = {
    ...bufferQueues('Schedules', `${prefix}-schedules`, config.delivery),
    ...idempotencyTable(prefix),
    // Scheduler's own role: it may only put slots on the schedules queue (and its DLQ).
    SchedulerRole: schedulerRole(
      'send-slots',
      [
        {
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: [arn('SchedulesQueue'), arn('SchedulesDeadLetterQueue')],
        },
      ],
      key,
    ),
  };
  for (const schedule of config.schedules)
    resources[scheduleId(schedule)] = scheduleResource(schedule, prefix);
  if (config.schedules.some((s) => s.maxRuntimeMinutes !== undefined))
    resources[SWEEP_ID] = sweepResource(prefix);
  const functionName = `${prefix}-${SCHEDULES_FUNCTION}`;
  Object.assign(
    resources,
    lambdaRole(
      'RunScheduleRole',
      functionName,
      [
        ...bufferStatements('Schedules'),
        idempotencyStatement,
        ...config.schedules.flatMap((s) => [...launchStatements(s.task, prefix), ...overlapStatements(s)]),
        // A slot that finally cannot start is also mailed, when stop alerts are configured.
        ...(config.alerts ? alertPublishStatements(key !== undefined) : []),
      ],
      key,
    ),
  );
  return {
    functions: {
      [SCHEDULES_FUNCTION]: bufferedFunction({
        id: 'Schedules',
        handler: 'functions/run-schedule.handler',
        description: 'ecs-pilot: scheduled Fargate tasks, with overlap policies',
        role: 'RunScheduleRole',
        configFile: names.configFile,
        delivery: config.delivery,
        environment: {
          IDEMPOTENCY_TABLE: { Ref: 'IdempotencyTable' },
          ...(config.alerts ? { ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' } } : {}),
          // The tag its derived task definitions carry (launch/derive.ts), when any schedule has secrets.
          ...(config.schedules.some((s) => hasSecrets(s.task)) ? { ECS_PILOT_STACK: prefix } : {}),
        },
      }),
    },
    resources,
    outputs: {
      SchedulesDeadLetterQueueUrl: {
        Description: 'Schedule slots that could not start a task, with the reason in message attributes',
        Value: { Ref: 'SchedulesDeadLetterQueue' },
      },
    },
  };
}
