import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCfnLint } from '../../../local/emulator';
import { packageStage, projectRoot, readTemplate, type PackagedTemplate } from '../../../local/package';
import { parseConfig } from '../../../shared/config/load';
import type { Config } from '../../../shared/config/schema';
import {
  allPolicyStatements,
  getAttTarget,
  grants,
  props,
  refTarget,
  resolveSub,
  resourcesOfType,
  roleStatements,
  toArray,
  type IamStatement,
  type Pseudo,
  wildcardGrantViolations,
} from '../../helpers/template';

/**
 * The packaged CloudFormation template (`sls package`, offline) of a config with schedules: the
 * Scheduler schedules, their queue and DLQ, the runSchedule function and its role, next to an upload
 * trigger. Expectations are derived here from the config, independently of shared/deploy.
 */

const ACCOUNT = '123456789012';
const FIXTURE = 'test/integration/fixtures/schedules-template.yml';
const CONFIG_DIR = '.build/schedules-template-test';

/** A config with schedules only: no uploads, no alerts. */
const SCHEDULES_ONLY = {
  schedules: [
    {
      name: 'hourly',
      schedule: 'rate(1 hour)',
      task: {
        cluster: 'default',
        taskDefinition: 'worker',
        container: 'app',
        subnets: ['subnet-0123456789abcdef0'],
        securityGroups: ['sg-0123456789abcdef0'],
      },
    },
  ],
};

interface Case {
  stage: string;
  outDir: string;
  configFile: string;
  /** Written before packaging when given. */
  content?: unknown;
}

const MIXED: Case = { stage: 'schedtest', outDir: '.serverless-schedtest', configFile: FIXTURE };
const ONLY: Case = {
  stage: 'schedonlytest',
  outDir: '.serverless-schedonlytest',
  configFile: `${CONFIG_DIR}/schedules-only.yml`,
  content: SCHEDULES_ONLY,
};

interface Packaged {
  templatePath: string;
  template: PackagedTemplate;
  config: Config;
  pseudo: Pseudo;
}

const packaged = new Map<string, Packaged>();
const get = (stage: string): Packaged => {
  const found = packaged.get(stage);
  if (!found) throw new Error(`stage ${stage} was not packaged (see beforeAll)`);
  return found;
};

interface FunctionProps {
  FunctionName: string;
  Role: unknown;
  Handler: string;
  Environment: { Variables: Record<string, unknown> };
}

interface ScheduleProps {
  Name: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  State?: string;
  Target: {
    Arn: unknown;
    RoleArn: unknown;
    Input: string;
    RetryPolicy?: { MaximumEventAgeInSeconds: number; MaximumRetryAttempts: number };
    DeadLetterConfig?: { Arn: unknown };
  };
}

const sorted = <T>(values: Iterable<T>): T[] => [...new Set(values)].sort();
const json = (value: unknown) => JSON.stringify(value);

const functions = (template: PackagedTemplate) =>
  resourcesOfType(template, 'AWS::Lambda::Function').map(
    ([id, fn]) => [id, props<FunctionProps>(fn)] as [string, FunctionProps],
  );

/** The function with this handler, its role id and the role's statements. */
function functionByHandler(template: PackagedTemplate, handler: string) {
  const found = functions(template).find(([, fn]) => fn.Handler === handler);
  if (!found) throw new Error(`no function with handler ${handler}`);
  const [id, fn] = found;
  const roleId = getAttTarget(fn.Role) ?? '';
  return { id, fn, roleId, statements: roleStatements(template).get(roleId) ?? [] };
}

/** The Scheduler schedules of the configured schedules (the maximum-runtime sweep is not one). */
const schedules = (template: PackagedTemplate) =>
  resourcesOfType(template, 'AWS::Scheduler::Schedule')
    .filter(([id]) => id !== 'MaxRuntimeSweep')
    .map(([id, s]) => [id, props<ScheduleProps>(s)] as [string, ScheduleProps]);

/** The first schedule's properties (every schedule shares one target queue, DLQ and role). */
function firstSchedule(template: PackagedTemplate): ScheduleProps {
  const [first] = schedules(template);
  if (!first) throw new Error('no AWS::Scheduler::Schedule in the template');
  return first[1];
}

const clusterArn = (cluster: string, p: Pseudo) =>
  cluster.startsWith('arn:')
    ? cluster
    : `arn:${p.Partition}:ecs:${p.Region}:${p.AccountId}:cluster/${cluster}`;

const conditionValues = (statement: IamStatement, operator: string, key: string, p: Pseudo) =>
  toArray(statement.Condition?.[operator]?.[key]).map((v) => resolveSub(v, p));

const MUTATION_FREE = /^[a-z0-9-]+:(Describe|List|Get|Receive)/i;

describe('Packaged template with schedules (sls package)', () => {
  beforeAll(async () => {
    await mkdir(join(projectRoot, CONFIG_DIR), { recursive: true });
    // One after another: each packaging run bundles every function and uses both cores.
    for (const { stage, outDir, configFile, content } of [MIXED, ONLY]) {
      if (content) await writeFile(join(projectRoot, configFile), stringify(content));
      await rm(join(projectRoot, outDir), { recursive: true, force: true });
      const templatePath = await packageStage(stage, { configFile, outDir });
      const config = parseConfig(parse(await readFile(join(projectRoot, configFile), 'utf8')));
      packaged.set(stage, {
        templatePath,
        template: await readTemplate(templatePath),
        config,
        pseudo: { Partition: 'aws', Region: config.region, AccountId: ACCOUNT },
      });
    }
  }, 600_000);

  afterAll(async () => {
    await Promise.all([
      ...[MIXED, ONLY].flatMap(({ stage, outDir }) => [
        rm(join(projectRoot, outDir), { recursive: true, force: true }),
        rm(join(projectRoot, `.build/config/${stage}.json`), { force: true }),
      ]),
      rm(join(projectRoot, CONFIG_DIR), { recursive: true, force: true }),
    ]);
  });

  describe('a config with two schedules and an upload trigger', () => {
    it('has one Scheduler schedule per configured schedule, with its expression, time zone and flexible window', () => {
      const { template, config } = get(MIXED.stage);

      const actual = schedules(template).map(([, s]) => ({
        Name: s.Name,
        ScheduleExpression: s.ScheduleExpression,
        ScheduleExpressionTimezone: s.ScheduleExpressionTimezone,
        FlexibleTimeWindow: s.FlexibleTimeWindow,
        State: s.State,
      }));

      expect(config.schedules.map((s) => s.timezone)).toEqual(['UTC', 'Europe/Berlin']);
      expect(actual).toEqual([
        {
          Name: 'ecs-pilot-schedtest-cache-refresh',
          ScheduleExpression: 'rate(10 minutes)',
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          State: 'ENABLED',
        },
        {
          Name: 'ecs-pilot-schedtest-nightly-report',
          ScheduleExpression: 'cron(30 1 * * ? *)',
          ScheduleExpressionTimezone: 'Europe/Berlin',
          FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 20 },
          State: 'ENABLED',
        },
      ]);
    });

    it('retries each slot’s delivery within its flexible plus retry window, then sends it to the schedules DLQ', () => {
      const { template, config } = get(MIXED.stage);

      for (const [id, s] of schedules(template)) {
        const schedule = config.schedules.find((c) => s.Name.endsWith(`-${c.name}`));
        const queueId = getAttTarget(s.Target.Arn) ?? '';
        const queue = props<{ RedrivePolicy?: { deadLetterTargetArn: unknown } }>(
          template.Resources[queueId],
        );
        const dlqId = getAttTarget(s.Target.DeadLetterConfig?.Arn) ?? '';

        expect(schedule, id).toBeDefined();
        expect(s.Target.RetryPolicy, id).toEqual({
          MaximumEventAgeInSeconds: Math.min(
            86_400,
            ((schedule?.flexibleWindowMinutes ?? 0) + (schedule?.retryWindowMinutes ?? 0)) * 60,
          ),
          MaximumRetryAttempts: expect.any(Number),
        });
        expect(s.Target.RetryPolicy?.MaximumRetryAttempts, id).toBeLessThanOrEqual(185);
        expect(template.Resources[queueId]?.Type, id).toBe('AWS::SQS::Queue');
        expect(template.Resources[dlqId]?.Type, id).toBe('AWS::SQS::Queue');
        expect(getAttTarget(queue.RedrivePolicy?.deadLetterTargetArn), id).toBe(dlqId);
      }
    });

    it('sends each slot with Scheduler’s scheduled time as the idempotency key', () => {
      const { template } = get(MIXED.stage);

      const inputs = schedules(template).map(([, s]) => JSON.parse(s.Target.Input) as unknown);

      expect(inputs).toEqual([
        {
          schedule: 'cache-refresh',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          executionId: '<aws.scheduler.execution-id>',
        },
        {
          schedule: 'nightly-report',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          executionId: '<aws.scheduler.execution-id>',
        },
      ]);
    });

    it('lets Scheduler assume its role only from this account, to send only to the schedules queue and DLQ', () => {
      const { template } = get(MIXED.stage);
      const first = firstSchedule(template);
      const roleIds = sorted(schedules(template).map(([, s]) => getAttTarget(s.Target.RoleArn) ?? ''));
      const roleId = roleIds[0] ?? '';
      const trust = toArray(
        props<{ AssumeRolePolicyDocument: { Statement: unknown } }>(template.Resources[roleId])
          .AssumeRolePolicyDocument.Statement,
      );
      const statements = roleStatements(template).get(roleId) ?? [];

      expect(roleIds).toHaveLength(1);
      expect(trust).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ]);
      expect(statements.map((s) => s.Action)).toEqual([['sqs:SendMessage']]);
      expect(sorted(statements.flatMap((s) => s.Resource.map(json)))).toEqual(
        sorted([first.Target.Arn, first.Target.DeadLetterConfig?.Arn].map(json)),
      );
    });

    it('drains the schedules queue with runSchedule, which knows its queue, DLQ and table', () => {
      const { template, config } = get(MIXED.stage);
      const schedule = firstSchedule(template);
      const queueId = getAttTarget(schedule.Target.Arn);
      const dlqId = getAttTarget(schedule.Target.DeadLetterConfig?.Arn);
      const { id, fn } = functionByHandler(template, 'functions/run-schedule.handler');
      const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
        .map(([, m]) => props<Record<string, unknown>>(m))
        .filter((m) => getAttTarget(m.EventSourceArn) === queueId);

      expect(mappings).toHaveLength(1);
      expect(getAttTarget(mappings[0]?.FunctionName) ?? refTarget(mappings[0]?.FunctionName)).toBe(id);
      expect(mappings[0]).toMatchObject({
        BatchSize: config.delivery.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: config.delivery.maxConcurrency },
      });
      expect(fn.Environment.Variables).toMatchObject({
        SCHEDULES_QUEUE_URL: { Ref: queueId },
        SCHEDULES_DLQ_URL: { Ref: dlqId },
        IDEMPOTENCY_TABLE: { Ref: 'IdempotencyTable' },
        ECS_PILOT_CONFIG_FILE: `.build/config/${MIXED.stage}.json`,
      });
    });

    it('ships the handler bundle and the config JSON in the runSchedule zip', () => {
      const zip = join(projectRoot, MIXED.outDir, 'runSchedule.zip');

      const entries = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n');

      expect(entries).toContain('functions/run-schedule.js');
      expect(entries).toContain('functions/package.json');
      expect(entries).toContain(`.build/config/${MIXED.stage}.json`);
    });

    it('gives every function its own role, trusted only by Lambda', () => {
      const { template } = get(MIXED.stage);
      const fns = functions(template);
      const roleIds = fns.map(([, fn]) => getAttTarget(fn.Role) ?? '');

      expect(sorted(fns.map(([, fn]) => fn.Handler))).toEqual([
        'functions/run-schedule.handler',
        'functions/upload-to-task.handler',
      ]);
      expect(new Set(roleIds).size).toBe(fns.length);
      expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
      for (const roleId of roleIds) {
        const trust = toArray(
          props<{ AssumeRolePolicyDocument: { Statement: unknown } }>(template.Resources[roleId])
            .AssumeRolePolicyDocument.Statement,
        );
        expect(trust, roleId).toEqual([
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ]);
      }
    });

    it('allows ecs:StopTask only to runSchedule, only on the tasks of clusters whose schedules replace or have a maximum runtime', () => {
      const { template, config, pseudo } = get(MIXED.stage);
      const { roleId } = functionByHandler(template, 'functions/run-schedule.handler');
      const stopTask = allPolicyStatements(template).filter((s) => grants(s, 'ecs:StopTask'));
      const stopping = config.schedules
        .filter((s) => s.overlap === 'replace' || s.maxRuntimeMinutes !== undefined)
        .map((s) => s.task.cluster);

      expect(stopping).toEqual(['cache', 'reports']);
      const granted = stopTask.flatMap((statement) => {
        expect(statement.source).toBe(roleId);
        const clusters = conditionValues(statement, 'ArnEquals', 'ecs:cluster', pseudo);
        expect(clusters).toHaveLength(1);
        // Each statement's tasks lie in the one cluster its condition names.
        return statement.Resource.map((r) => {
          const name = String(clusters[0]).split('/').pop();
          expect(resolveSub(r, pseudo)).toBe(`arn:aws:ecs:eu-west-1:${ACCOUNT}:task/${name}/*`);
          return name;
        });
      });
      expect(sorted(granted)).toEqual(stopping);
    });

    it('adds one sweep schedule every minute onto the schedules queue, as Scheduler’s role, with its DLQ', () => {
      const { template } = get(MIXED.stage);
      const sweep = props<ScheduleProps>(template.Resources.MaxRuntimeSweep);
      const slot = firstSchedule(template);

      expect(sweep.Name).toBe('ecs-pilot-schedtest_max-runtime');
      expect(sweep.ScheduleExpression).toBe('rate(1 minute)');
      expect(sweep.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      expect(sweep.Target.Arn).toEqual(slot.Target.Arn);
      expect(sweep.Target.RoleArn).toEqual(slot.Target.RoleArn);
      expect(sweep.Target.DeadLetterConfig).toEqual(slot.Target.DeadLetterConfig);
      expect(JSON.parse(sweep.Target.Input)).toEqual({ sweep: 'max-runtime' });
    });

    it('lets runSchedule list and describe tasks only in the schedules’ clusters', () => {
      const { template, config, pseudo } = get(MIXED.stage);
      const { statements } = functionByHandler(template, 'functions/run-schedule.handler');
      const reads = statements.filter((s) => grants(s, 'ecs:ListTasks') || grants(s, 'ecs:DescribeTasks'));

      const clusters = reads.flatMap((s) => conditionValues(s, 'ArnEquals', 'ecs:cluster', pseudo));

      expect(reads.length).toBeGreaterThan(0);
      for (const statement of reads) expect(statement.Condition?.ArnEquals?.['ecs:cluster']).toBeDefined();
      expect(sorted(clusters)).toEqual(
        sorted(config.schedules.map((s) => clusterArn(s.task.cluster, pseudo))),
      );
    });

    it('keeps one IdempotencyTable that both functions may read and write', () => {
      const { template } = get(MIXED.stage);
      const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');

      expect(tables.map(([id]) => id)).toEqual(['IdempotencyTable']);
      for (const handler of ['functions/run-schedule.handler', 'functions/upload-to-task.handler']) {
        const { fn, statements } = functionByHandler(template, handler);
        const onTable = statements.filter((s) =>
          s.Resource.some((r) => getAttTarget(r) === 'IdempotencyTable'),
        );
        expect(refTarget(fn.Environment.Variables.IDEMPOTENCY_TABLE), handler).toBe('IdempotencyTable');
        for (const action of [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
        ])
          expect(
            onTable.some((s) => grants(s, action)),
            `${handler} ${action}`,
          ).toBe(true);
      }
    });

    it('grants no mutating action on Resource "*" and no wildcard actions', () => {
      const { template } = get(MIXED.stage);
      expect(wildcardGrantViolations(template, MUTATION_FREE)).toEqual([]);
    });

    it('passes cfn-lint', async () => {
      const { templatePath } = get(MIXED.stage);

      const { ok, output } = await runCfnLint(templatePath);

      expect(ok, `cfn-lint ${templatePath}:\n${output}`).toBe(true);
    });
  });

  describe('a config with schedules only', () => {
    it('packages runSchedule with its schedule, queues and table, and no upload function', () => {
      const { template } = get(ONLY.stage);

      expect(functions(template).map(([, fn]) => fn.Handler)).toEqual(['functions/run-schedule.handler']);
      expect(schedules(template).map(([, s]) => s.Name)).toEqual(['ecs-pilot-schedonlytest-hourly']);
      expect(resourcesOfType(template, 'AWS::Events::Rule')).toEqual([]);
      expect(resourcesOfType(template, 'AWS::DynamoDB::Table').map(([id]) => id)).toEqual([
        'IdempotencyTable',
      ]);
      expect(sorted(resourcesOfType(template, 'AWS::SQS::Queue').map(([id]) => id))).toEqual([
        'SchedulesDeadLetterQueue',
        'SchedulesQueue',
      ]);
    });

    it('grants no ecs:StopTask and adds no sweep when no schedule replaces or has a maximum runtime', () => {
      const { template } = get(ONLY.stage);

      expect(allPolicyStatements(template).filter((s) => grants(s, 'ecs:StopTask'))).toEqual([]);
      expect(template.Resources.MaxRuntimeSweep).toBeUndefined();
    });

    it('passes cfn-lint', async () => {
      const { templatePath } = get(ONLY.stage);

      const { ok, output } = await runCfnLint(templatePath);

      expect(ok, `cfn-lint ${templatePath}:\n${output}`).toBe(true);
    });
  });
});
