import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import type { Config } from '../../../../shared/config/schema';
import { scheduleSchema, type ScheduleConfig } from '../../../../shared/schedules/config';
import type { Statement } from '../../../../shared/kernel/deploy/cfn';
import { bufferQueues, idempotencyTable } from '../../../../shared/kernel/deploy/queues';
import {
  overlapStatements,
  scheduleId,
  scheduleResource,
  SCHEDULES_FUNCTION,
  schedulesStack,
  slotInput,
  SWEEP_ID,
} from '../../../../shared/schedules/deploy';
import { isSweepMessage } from '../../../../shared/schedules/runtime';
import { parseSlot } from '../../../../shared/schedules/slot';
import { rawTrigger } from '../fixtures';

const NAMES = { prefix: 'ecs-pilot-dev', configFile: '.build/config/dev.json' };
const QUEUE_ARN = { 'Fn::GetAtt': ['SchedulesQueue', 'Arn'] };
const DLQ_ARN = { 'Fn::GetAtt': ['SchedulesDeadLetterQueue', 'Arn'] };
const REGION_ACCOUNT = '${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}';

const rawTask = (task: Record<string, unknown> = {}) => ({
  cluster: 'reports',
  taskDefinition: 'reporter',
  container: 'app',
  subnets: ['subnet-0123abcd'],
  securityGroups: ['sg-0123abcd'],
  ...task,
});

const rawSchedule = (fields: Record<string, unknown> = {}, task: Record<string, unknown> = {}) => ({
  name: 'nightly',
  schedule: 'cron(30 1 * * ? *)',
  ...fields,
  task: rawTask(task),
});

const schedule = (fields: Record<string, unknown> = {}, task: Record<string, unknown> = {}): ScheduleConfig =>
  scheduleSchema.parse(rawSchedule(fields, task));

const configWith = (schedules: unknown[], rest: Record<string, unknown> = {}): Config =>
  parseConfig({ ...rest, schedules });

interface Role {
  Type: string;
  Properties: {
    AssumeRolePolicyDocument: { Statement: Record<string, unknown>[] };
    Policies: { PolicyName: string; PolicyDocument: { Statement: Statement[] } }[];
  };
}

const statementsOf = (role: unknown): Statement[] =>
  (role as Role).Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);

const isReadOnly = (action: string) => /^[a-z0-9-]+:(List|Describe|Get)[A-Za-z]*$/.test(action);

const clusterArnSub = (cluster: string) => ({ 'Fn::Sub': `arn:${REGION_ACCOUNT}:cluster/${cluster}` });
const tasksSub = (cluster: string) => ({ 'Fn::Sub': `arn:${REGION_ACCOUNT}:task/${cluster}/*` });

describe('Function: scheduleId', () => {
  it.each([
    ['nightly', 'ScheduleNightly'],
    ['nightly-report', 'ScheduleNightlyReport'],
    ['v2-hourly-9am', 'ScheduleV2Hourly9am'],
  ])('gives %s the logical id %s', (name, id) => {
    expect(scheduleId({ name })).toBe(id);
    expect(id).toMatch(/^[A-Za-z0-9]+$/);
  });
});

describe('Function: slotInput', () => {
  it('is JSON naming the schedule and using Scheduler’s context attributes for time and execution', () => {
    expect(JSON.parse(slotInput({ name: 'nightly' }))).toEqual({
      schedule: 'nightly',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      executionId: '<aws.scheduler.execution-id>',
    });
  });

  it('becomes a slot the handler accepts once Scheduler fills in the attributes', () => {
    // Prepare: what Scheduler sends, with the context attributes replaced.
    const body = slotInput({ name: 'nightly' })
      .replace('<aws.scheduler.scheduled-time>', '2026-11-21T09:00:00Z')
      .replace('<aws.scheduler.execution-id>', 'd7b8f0b2-2c35-4b0e-9d1f-0c1e6a9b1a11');

    // Act & Assess
    expect(parseSlot(JSON.parse(body))).toEqual({
      schedule: 'nightly',
      scheduledTime: new Date('2026-11-21T09:00:00Z'),
      executionId: 'd7b8f0b2-2c35-4b0e-9d1f-0c1e6a9b1a11',
    });
  });
});

describe('Function: scheduleResource', () => {
  it('is an AWS::Scheduler::Schedule sending the slot to the schedules queue as SchedulerRole', () => {
    expect(scheduleResource(schedule(), 'ecs-pilot-dev')).toEqual({
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: 'ecs-pilot-dev-nightly',
        Description: 'ecs-pilot: cron(30 1 * * ? *) (UTC) starts reporter',
        ScheduleExpression: 'cron(30 1 * * ? *)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: QUEUE_ARN,
          RoleArn: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
          Input: slotInput({ name: 'nightly' }),
          RetryPolicy: { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 185 },
          DeadLetterConfig: { Arn: DLQ_ARN },
        },
      },
    });
  });

  it.each(['rate(5 minutes)', 'cron(0 9 ? * MON-FRI *)', 'at(2027-01-01T00:00:00)'])(
    'passes the expression %s through unchanged',
    (expression) => {
      const { Properties } = scheduleResource(schedule({ schedule: expression }), 'p') as {
        Properties: Record<string, unknown>;
      };

      expect(Properties.ScheduleExpression).toBe(expression);
    },
  );

  it('reads the expression in the configured time zone', () => {
    const { Properties } = scheduleResource(schedule({ timezone: 'America/New_York' }), 'p') as {
      Properties: Record<string, unknown>;
    };

    expect(Properties.ScheduleExpressionTimezone).toBe('America/New_York');
  });

  it.each([
    [undefined, { Mode: 'OFF' }],
    [1, { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1 }],
    [15, { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 }],
    [1440, { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1440 }],
  ])('sets a flexible window of %s minutes as %o', (flexibleWindowMinutes, window) => {
    const { Properties } = scheduleResource(
      schedule(flexibleWindowMinutes === undefined ? {} : { flexibleWindowMinutes }),
      'p',
    ) as { Properties: Record<string, unknown> };

    expect(Properties.FlexibleTimeWindow).toEqual(window);
  });

  it.each([
    [1, 60],
    [15, 900],
    [90, 5400],
    [1440, 86_400],
  ])(
    'keeps delivery retries of a %i-minute retry window within %i seconds',
    (retryWindowMinutes, seconds) => {
      const { Properties } = scheduleResource(schedule({ retryWindowMinutes }), 'p') as {
        Properties: { Target: { RetryPolicy: Record<string, number> } };
      };

      expect(Properties.Target.RetryPolicy).toEqual({
        MaximumEventAgeInSeconds: seconds,
        MaximumRetryAttempts: 185,
      });
    },
  );

  it.each<[number | undefined, number, number]>([
    [undefined, 15, 900],
    [60, 15, 4500],
    [1, 1, 120],
    [15, 30, 2700],
    [1440, 1, 86_400],
    [1440, 1440, 86_400],
  ])(
    'gives a flexible window of %s min and a retry window of %i min %i seconds of delivery retries (60-86,400)',
    (flexibleWindowMinutes, retryWindowMinutes, seconds) => {
      const { Properties } = scheduleResource(
        schedule({
          retryWindowMinutes,
          ...(flexibleWindowMinutes === undefined ? {} : { flexibleWindowMinutes }),
        }),
        'p',
      ) as { Properties: { Target: { RetryPolicy: Record<string, number> } } };

      expect(Properties.Target.RetryPolicy.MaximumEventAgeInSeconds).toBe(seconds);
    },
  );

  it('stays within the limits Scheduler accepts for the name and retry policy', () => {
    // Prepare: the longest allowed name.
    const { Properties } = scheduleResource(
      schedule({ name: 'a'.repeat(24), retryWindowMinutes: 1440 }),
      'ecs-pilot-production',
    ) as { Properties: { Name: string; Target: { RetryPolicy: Record<string, number> } } };

    // Assess
    expect(Properties.Name).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
    expect(Properties.Target.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(Properties.Target.RetryPolicy.MaximumEventAgeInSeconds).toBeLessThanOrEqual(86_400);
    expect(Properties.Target.RetryPolicy.MaximumRetryAttempts).toBeLessThanOrEqual(185);
  });
});

describe('Function: overlapStatements', () => {
  it.each(['skip', 'allow'])(
    'lets a %s schedule list and describe its cluster’s tasks, and stop none',
    (overlap) => {
      expect(overlapStatements(schedule({ overlap }))).toEqual([
        {
          Effect: 'Allow',
          Action: ['ecs:ListTasks'],
          Resource: ['*'],
          Condition: { ArnEquals: { 'ecs:cluster': clusterArnSub('reports') } },
        },
        {
          Effect: 'Allow',
          Action: ['ecs:DescribeTasks'],
          Resource: [tasksSub('reports')],
          Condition: { ArnEquals: { 'ecs:cluster': clusterArnSub('reports') } },
        },
      ]);
    },
  );

  it('lets a replace schedule stop tasks, only in its cluster', () => {
    // Act
    const statements = overlapStatements(schedule({ overlap: 'replace' }));

    // Assess
    expect(statements.filter((s) => s.Action.includes('ecs:StopTask'))).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecs:StopTask'],
        Resource: [tasksSub('reports')],
        Condition: { ArnEquals: { 'ecs:cluster': clusterArnSub('reports') } },
      },
    ]);
  });

  it('uses a cluster ARN as given in the condition and its name in the task resource', () => {
    // Prepare
    const cluster = 'arn:aws:ecs:eu-west-1:123456789012:cluster/batch';

    // Act
    const statements = overlapStatements(schedule({ overlap: 'replace' }, { cluster }));

    // Assess
    for (const statement of statements)
      expect(statement.Condition).toEqual({ ArnEquals: { 'ecs:cluster': cluster } });
    expect(statements.find((s) => s.Action.includes('ecs:StopTask'))?.Resource).toEqual([tasksSub('batch')]);
  });

  it('lets a schedule with maxRuntimeMinutes stop tasks, only in its cluster, whatever its overlap', () => {
    const statements = overlapStatements(schedule({ overlap: 'skip', maxRuntimeMinutes: 60 }));

    expect(statements.filter((s) => s.Action.includes('ecs:StopTask'))).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecs:StopTask'],
        Resource: [tasksSub('reports')],
        Condition: { ArnEquals: { 'ecs:cluster': clusterArnSub('reports') } },
      },
    ]);
  });

  it.each(['skip', 'allow', 'replace'])('grants no mutating action on "*" for overlap %s', (overlap) => {
    for (const statement of overlapStatements(schedule({ overlap }))) {
      if (statement.Resource.includes('*')) expect(statement.Action.every(isReadOnly)).toBe(true);
      expect(statement.Condition).toBeDefined();
    }
  });
});

describe('Function: schedulesStack', () => {
  it('adds nothing when no schedule is configured', () => {
    expect(schedulesStack(configWith([], { uploads: [rawTrigger()] }), NAMES)).toEqual({
      functions: {},
      resources: {},
    });
  });

  it('adds one AWS::Scheduler::Schedule per schedule, with its own expression and zone', () => {
    // Prepare
    const config = configWith([
      rawSchedule({ name: 'nightly', timezone: 'Europe/Berlin' }),
      rawSchedule({
        name: 'every-5',
        schedule: 'rate(5 minutes)',
        overlap: 'allow',
        flexibleWindowMinutes: 3,
      }),
    ]);

    // Act
    const { resources } = schedulesStack(config, NAMES);

    // Assess
    const schedules = Object.entries(resources).filter(
      ([, r]) => (r as { Type: string }).Type === 'AWS::Scheduler::Schedule',
    );
    expect(schedules.map(([id]) => id)).toEqual(['ScheduleNightly', 'ScheduleEvery5']);
    expect(resources.ScheduleNightly).toEqual(scheduleResource(config.schedules[0]!, 'ecs-pilot-dev'));
    expect(resources.ScheduleEvery5).toEqual(scheduleResource(config.schedules[1]!, 'ecs-pilot-dev'));
  });

  it('adds one sweep schedule per stage, every minute onto the schedules queue, when a schedule has maxRuntimeMinutes', () => {
    const config = configWith([
      rawSchedule({ name: 'nightly', maxRuntimeMinutes: 60 }),
      rawSchedule({ name: 'hourly', maxRuntimeMinutes: 30 }),
      rawSchedule({ name: 'free' }),
    ]);

    const { resources } = schedulesStack(config, NAMES);

    const sweeps = Object.values(resources).filter(
      (r) =>
        (r as { Properties?: { ScheduleExpression?: string } }).Properties?.ScheduleExpression ===
        'rate(1 minute)',
    );
    expect(sweeps).toHaveLength(1);
    const sweep = resources[SWEEP_ID] as { Properties: { Target: { Input: string } } };
    expect(sweep.Properties).toMatchObject({
      Name: 'ecs-pilot-dev_max-runtime',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: QUEUE_ARN,
        RoleArn: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
        DeadLetterConfig: { Arn: DLQ_ARN },
      },
    });
    expect(isSweepMessage(JSON.parse(sweep.Properties.Target.Input) as unknown)).toBe(true);
  });

  it('adds no sweep and grants no StopTask when no schedule has maxRuntimeMinutes (and none replaces)', () => {
    const { resources } = schedulesStack(configWith([rawSchedule()]), NAMES);

    expect(resources[SWEEP_ID]).toBeUndefined();
    expect(statementsOf(resources.RunScheduleRole).flatMap((s) => s.Action)).not.toContain('ecs:StopTask');
  });

  it('adds the schedules queue with its DLQ and the idempotency table', () => {
    // Prepare
    const config = configWith([rawSchedule()], { delivery: { maxAttempts: 4 } });

    // Act
    const { resources } = schedulesStack(config, NAMES);

    // Assess
    expect(resources).toMatchObject({
      ...bufferQueues('Schedules', 'ecs-pilot-dev-schedules', config.delivery),
      ...idempotencyTable('ecs-pilot-dev'),
    });
    expect(resources.SchedulesQueue).toMatchObject({
      Properties: { RedrivePolicy: { deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 6 } },
    });
  });

  describe('SchedulerRole', () => {
    const role = () => schedulesStack(configWith([rawSchedule()]), NAMES).resources.SchedulerRole as Role;

    it('is trusted only by scheduler.amazonaws.com, on behalf of this account', () => {
      expect(role().Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ]);
    });

    it('may only send messages to the schedules queue and its DLQ', () => {
      expect(statementsOf(role())).toEqual([
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [QUEUE_ARN, DLQ_ARN] },
      ]);
    });
  });

  describe('runSchedule function', () => {
    it('is told the stack name its derived task definitions are tagged with only when a schedule has secrets', () => {
      const plain = schedulesStack(configWith([rawSchedule()]), NAMES).functions.runSchedule!;
      const withSecrets = schedulesStack(
        configWith([
          rawSchedule(
            {},
            { roles: { execution: 'report-execution' }, secrets: { DB_PASSWORD: '/reports/db' } },
          ),
        ]),
        NAMES,
      );

      expect(plain.environment).not.toHaveProperty('ECS_PILOT_STACK');
      expect(withSecrets.functions.runSchedule!.environment.ECS_PILOT_STACK).toBe('ecs-pilot-dev');
      const register = statementsOf(withSecrets.resources.RunScheduleRole).filter((s) =>
        s.Action.includes('ecs:RegisterTaskDefinition'),
      );
      expect(register.map((s) => s.Condition)).toEqual([
        {
          StringEquals: { 'aws:RequestTag/ecs-pilot:stack': 'ecs-pilot-dev' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': ['ecs-pilot:stack', 'ecs-pilot:derived-from'] },
        },
      ]);
    });

    it('drains the schedules queue with the delivery settings, reporting batch item failures', () => {
      // Prepare
      const config = configWith([rawSchedule()], { delivery: { batchSize: 5, maxConcurrency: 3 } });

      // Act
      const { functions } = schedulesStack(config, NAMES);

      // Assess
      expect(Object.keys(functions)).toEqual([SCHEDULES_FUNCTION]);
      expect(functions.runSchedule).toEqual({
        handler: 'functions/run-schedule.handler',
        description: 'ecs-pilot: scheduled Fargate tasks, with overlap policies',
        role: 'RunScheduleRole',
        timeout: 60,
        memorySize: 512,
        package: { patterns: ['.build/config/dev.json'] },
        environment: {
          ECS_PILOT_CONFIG_FILE: '.build/config/dev.json',
          SCHEDULES_QUEUE_URL: { Ref: 'SchedulesQueue' },
          SCHEDULES_DLQ_URL: { Ref: 'SchedulesDeadLetterQueue' },
          IDEMPOTENCY_TABLE: { Ref: 'IdempotencyTable' },
        },
        events: [
          {
            sqs: {
              arn: QUEUE_ARN,
              batchSize: 5,
              maximumBatchingWindow: 1,
              functionResponseType: 'ReportBatchItemFailures',
              maximumConcurrency: 3,
            },
          },
        ],
      });
    });

    it('outputs the schedules DLQ URL', () => {
      expect(schedulesStack(configWith([rawSchedule()]), NAMES).outputs).toEqual({
        SchedulesDeadLetterQueueUrl: {
          Description: expect.any(String),
          Value: { Ref: 'SchedulesDeadLetterQueue' },
        },
      });
    });

    it('has its own role, trusted only by Lambda', () => {
      // Act
      const role = schedulesStack(configWith([rawSchedule()]), NAMES).resources.RunScheduleRole as Role;

      // Assess
      expect(role.Type).toBe('AWS::IAM::Role');
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    });

    it('may use its queue, DLQ, the idempotency table and its own log group', () => {
      // Act
      const statements = statementsOf(
        schedulesStack(configWith([rawSchedule()]), NAMES).resources.RunScheduleRole,
      );

      // Assess
      expect(statements).toEqual(
        expect.arrayContaining([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: [
              {
                'Fn::Sub':
                  'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/ecs-pilot-dev-runSchedule:*',
              },
            ],
          },
          expect.objectContaining({
            Action: expect.arrayContaining(['sqs:ReceiveMessage']),
            Resource: [QUEUE_ARN],
          }),
          { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [DLQ_ARN] },
          expect.objectContaining({
            Action: expect.arrayContaining(['dynamodb:PutItem']),
            Resource: [{ 'Fn::GetAtt': ['IdempotencyTable', 'Arn'] }],
          }),
        ]),
      );
    });

    it('may run each schedule’s task definition in its cluster and pass only its roles', () => {
      // Prepare
      const config = configWith([
        rawSchedule({ name: 'nightly' }, { roles: { execution: 'ecsTaskExecutionRole' } }),
        rawSchedule(
          { name: 'hourly', schedule: 'rate(1 hour)' },
          { cluster: 'batch', taskDefinition: 'etl:4' },
        ),
      ]);

      // Act
      const statements = statementsOf(schedulesStack(config, NAMES).resources.RunScheduleRole);

      // Assess
      expect(statements.filter((s) => s.Action.includes('ecs:RunTask'))).toEqual([
        {
          Effect: 'Allow',
          Action: ['ecs:RunTask'],
          Resource: [{ 'Fn::Sub': `arn:${REGION_ACCOUNT}:task-definition/reporter:*` }],
          Condition: { ArnEquals: { 'ecs:cluster': clusterArnSub('reports') } },
        },
        {
          Effect: 'Allow',
          Action: ['ecs:RunTask'],
          Resource: [{ 'Fn::Sub': `arn:${REGION_ACCOUNT}:task-definition/etl:4` }],
          Condition: { ArnEquals: { 'ecs:cluster': clusterArnSub('batch') } },
        },
      ]);
      expect(statements.filter((s) => s.Action.includes('iam:PassRole'))).toEqual([
        {
          Effect: 'Allow',
          Action: ['iam:PassRole'],
          Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/ecsTaskExecutionRole' }],
          Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        },
      ]);
    });

    it.each([
      ['skip', ['skip']],
      ['allow', ['allow']],
      ['skip and allow', ['skip', 'allow']],
    ])('may stop no task when the schedules use %s only', (_name, policies) => {
      // Prepare
      const config = configWith(policies.map((overlap, i) => rawSchedule({ name: `s${i}`, overlap })));

      // Act
      const statements = statementsOf(schedulesStack(config, NAMES).resources.RunScheduleRole);

      // Assess
      expect(statements.some((s) => s.Action.includes('ecs:StopTask'))).toBe(false);
      expect(statements.some((s) => s.Action.includes('ecs:DescribeTasks'))).toBe(true);
    });

    it('may stop tasks only in the clusters of replace schedules, each conditioned on its cluster', () => {
      // Prepare
      const config = configWith([
        rawSchedule({ name: 'refresh', overlap: 'replace' }, { cluster: 'cache' }),
        rawSchedule({ name: 'nightly', overlap: 'skip' }, { cluster: 'reports' }),
        rawSchedule({ name: 'fanout', overlap: 'allow' }, { cluster: 'batch' }),
      ]);

      // Act
      const statements = statementsOf(schedulesStack(config, NAMES).resources.RunScheduleRole);

      // Assess
      // (Merged with DescribeTasks, which has the same resource and condition.)
      const stops = statements.filter((s) => s.Action.includes('ecs:StopTask'));
      expect(stops).toHaveLength(1);
      expect(stops[0]).toMatchObject({
        Effect: 'Allow',
        Resource: [tasksSub('cache')],
        Condition: { ArnEquals: { 'ecs:cluster': clusterArnSub('cache') } },
      });
    });

    it('grants no mutating action on "*", and conditions every ECS statement', () => {
      // Prepare
      const config = configWith([
        rawSchedule({ name: 'refresh', overlap: 'replace' }, { maxRunning: 2 }),
        rawSchedule({ name: 'nightly' }, { roles: { task: 'reporter-task' } }),
      ]);

      // Act
      const statements = statementsOf(schedulesStack(config, NAMES).resources.RunScheduleRole);

      // Assess
      for (const statement of statements) {
        for (const action of statement.Action) expect(action).not.toMatch(/\*/);
        if (statement.Resource.includes('*')) {
          expect(statement.Action.filter((a) => !isReadOnly(a))).toEqual([]);
        }
        if (statement.Action.some((a) => a.startsWith('ecs:'))) expect(statement.Condition).toBeDefined();
      }
    });
  });
});

describe('Function: schedulesStack (stop alerts configured)', () => {
  const base = {
    schedules: [
      {
        name: 'nightly',
        schedule: 'cron(0 2 * * ? *)',
        task: {
          cluster: 'reports',
          taskDefinition: 'reporter',
          container: 'app',
          subnets: ['subnet-0123abcd'],
          securityGroups: ['sg-0123abcd'],
        },
      },
    ],
  };
  const roleStatements = (raw: unknown) => {
    const stack = schedulesStack(parseConfig(raw), { prefix: 'ecs-pilot-test', configFile: 'c.json' });
    const role = stack.resources.RunScheduleRole as {
      Properties: {
        Policies: { PolicyDocument: { Statement: { Action: string[]; Resource: unknown[] }[] } }[];
      };
    };
    return { stack, statements: role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement) };
  };

  it('lets runSchedule publish to the alerts topic and use its key, and tells it the topic', () => {
    const { stack, statements } = roleStatements({ ...base, alerts: { emails: ['oncall@example.com'] } });

    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['sns:Publish'],
      Resource: [{ Ref: 'AlertsTopic' }],
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: [{ 'Fn::GetAtt': ['AlertsKey', 'Arn'] }],
    });
    expect(stack.functions.runSchedule!.environment.ALERTS_TOPIC_ARN).toEqual({ Ref: 'AlertsTopic' });
  });

  it('grants no SNS or KMS action and sets no topic without stop alerts', () => {
    const { stack, statements } = roleStatements(base);

    expect(statements.flatMap((s) => s.Action).filter((a) => /^(sns|kms):/.test(a))).toEqual([]);
    expect(stack.functions.runSchedule!.environment).not.toHaveProperty('ALERTS_TOPIC_ARN');
  });
});
