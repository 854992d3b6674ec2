import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCfnLint } from '../../../local/emulator';
import { packageStage, projectRoot, readTemplate, type PackagedTemplate } from '../../../local/package';
import { parseConfig } from '../../../shared/config/load';
import type { Config } from '../../../shared/config/schema';
import { bucketId } from '../../../shared/uploads/rules';
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
  type Pseudo,
  wildcardGrantViolations,
} from '../../helpers/template';

/**
 * The packaged CloudFormation template (`sls package`, offline) of a config with three scalers — queues
 * as a name, a URL and an ARN; services as names and an ARN — beside an upload trigger. Expected ARNs
 * are written out here from the fixture, independently of shared/deploy.
 */

const ACCOUNT = '123456789012';
const STAGE = 'scaltest';
const OUT_DIR = '.serverless-scaltest';
const FIXTURE = 'test/integration/fixtures/scaling-template.yml';
const HANDLER = 'functions/scale-queues.handler';

const SERVICE_ARNS = [
  `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/media/video-worker`,
  `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/media/thumbnailer`,
  `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/finance/invoicer`,
];
const QUEUE_ARNS = [
  `arn:aws:sqs:eu-west-1:${ACCOUNT}:video-jobs`,
  `arn:aws:sqs:eu-west-1:${ACCOUNT}:thumbnail-jobs`,
  'arn:aws:sqs:eu-west-1:210987654321:invoices.fifo',
];

interface FunctionProps {
  FunctionName: string;
  Role: unknown;
  Handler: string;
  Timeout: number;
  ReservedConcurrentExecutions?: number;
  Environment: { Variables: Record<string, unknown> };
}

interface ScheduleProps {
  ScheduleExpression: string;
  FlexibleTimeWindow: { Mode: string };
  State: string;
  Target: {
    Arn: unknown;
    RoleArn: unknown;
    Input: string;
    RetryPolicy: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
    DeadLetterConfig: { Arn: unknown };
  };
}

const sorted = <T>(values: Iterable<T>): T[] => [...new Set(values)].sort();
const MUTATION_FREE = /^[a-z0-9-]+:(Describe|List|Get|Receive)/i;

describe('Packaged template with queue scalers (sls package)', () => {
  let templatePath: string;
  let template: PackagedTemplate;
  let config: Config;
  let pseudo: Pseudo;

  beforeAll(async () => {
    await rm(join(projectRoot, OUT_DIR), { recursive: true, force: true });
    templatePath = await packageStage(STAGE, { configFile: FIXTURE, outDir: OUT_DIR });
    template = await readTemplate(templatePath);
    config = parseConfig(parse(await readFile(join(projectRoot, FIXTURE), 'utf8')));
    pseudo = { Partition: 'aws', Region: config.region, AccountId: ACCOUNT };
  }, 600_000);

  afterAll(async () => {
    await rm(join(projectRoot, OUT_DIR), { recursive: true, force: true });
    await rm(join(projectRoot, `.build/config/${STAGE}.json`), { force: true });
  });

  const scaleQueues = () => {
    const found = resourcesOfType(template, 'AWS::Lambda::Function').find(
      ([, fn]) => props<FunctionProps>(fn).Handler === HANDLER,
    );
    if (!found) throw new Error(`no function with handler ${HANDLER}`);
    const fn = props<FunctionProps>(found[1]);
    const roleId = getAttTarget(fn.Role) ?? '';
    return { id: found[0], fn, roleId, statements: roleStatements(template).get(roleId) ?? [] };
  };
  const schedule = () => {
    const all = resourcesOfType(template, 'AWS::Scheduler::Schedule');
    expect(all).toHaveLength(1);
    return props<ScheduleProps>(all[0]![1]);
  };
  const resolved = (values: unknown[]) => sorted(values.map((v) => JSON.stringify(resolveSub(v, pseudo))));

  it('gives scaleQueues its own role, trusted only by Lambda, separate from uploadToTask’s', () => {
    const { roleId } = scaleQueues();
    const roles = resourcesOfType(template, 'AWS::Lambda::Function').map(([, fn]) =>
      getAttTarget(props<FunctionProps>(fn).Role),
    );
    const trust = toArray(
      props<{ AssumeRolePolicyDocument: { Statement: unknown } }>(template.Resources[roleId])
        .AssumeRolePolicyDocument.Statement,
    );

    expect(roles).toHaveLength(2);
    expect(new Set(roles).size).toBe(2);
    expect(trust).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });

  it('allows ecs:UpdateService only to scaleQueues, only on the configured services', () => {
    const { roleId } = scaleQueues();
    const update = allPolicyStatements(template).filter((s) => grants(s, 'ecs:UpdateService'));

    expect(update.length).toBeGreaterThan(0);
    for (const statement of update) expect(statement.source).toBe(roleId);
    expect(resolved(update.flatMap((s) => s.Resource))).toEqual(
      sorted(SERVICE_ARNS.map((a) => JSON.stringify(a))),
    );
  });

  it('lets scaleQueues describe the same services, read only the configured queues and use only its state table', () => {
    const { statements } = scaleQueues();
    const on = (action: string) =>
      resolved(statements.filter((s) => grants(s, action)).flatMap((s) => s.Resource));

    expect(on('ecs:DescribeServices')).toEqual(sorted(SERVICE_ARNS.map((a) => JSON.stringify(a))));
    // The configured queues, and the tick queue (its event source mapping reads its attributes).
    expect(on('sqs:GetQueueAttributes')).toEqual(
      sorted([...QUEUE_ARNS, { 'Fn::GetAtt': ['ScalingTickQueue', 'Arn'] }].map((a) => JSON.stringify(a))),
    );
    // Only the queue given by name is looked up: a URL is used as is and an ARN names its URL.
    expect(on('sqs:GetQueueUrl')).toEqual([JSON.stringify(QUEUE_ARNS[0])]);
    expect(on('dynamodb:UpdateItem')).toEqual([
      JSON.stringify({ 'Fn::GetAtt': ['ScalerStateTable', 'Arn'] }),
    ]);
    expect(on('dynamodb:GetItem')).toEqual([JSON.stringify({ 'Fn::GetAtt': ['ScalerStateTable', 'Arn'] })]);
    expect(on('application-autoscaling:DescribeScalableTargets')).toEqual([JSON.stringify('*')]);
    expect(statements.some((s) => grants(s, 'application-autoscaling:RegisterScalableTarget'))).toBe(false);
    // The tick queue only: the function sends its ticks, its event source mapping consumes them.
    const ticks = [JSON.stringify({ 'Fn::GetAtt': ['ScalingTickQueue', 'Arn'] })];
    for (const action of ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']) {
      expect(on(action)).toEqual(ticks);
    }
    expect(
      statements.some((s) => grants(s, 'sqs:PurgeQueue') || grants(s, 'sqs:ChangeMessageVisibility')),
    ).toBe(false);
  });

  it('grants no mutating action on Resource "*" and no wildcard actions', () => {
    expect(wildcardGrantViolations(template, MUTATION_FREE)).toEqual([]);
  });

  it('invokes scaleQueues every minute (the heartbeat) from one Scheduler schedule, without retries, with a dead-letter queue', () => {
    const { id } = scaleQueues();
    const s = schedule();
    const dlqId = getAttTarget(s.Target.DeadLetterConfig.Arn) ?? '';

    expect(s.ScheduleExpression).toBe('rate(1 minute)');
    expect(s.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    expect(s.State).toBe('ENABLED');
    expect(getAttTarget(s.Target.Arn)).toBe(id);
    expect(JSON.parse(s.Target.Input)).toEqual({
      mode: 'minute',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    expect(s.Target.RetryPolicy.MaximumRetryAttempts).toBe(0);
    expect(template.Resources[dlqId]?.Type).toBe('AWS::SQS::Queue');
    expect(resourcesOfType(template, 'AWS::Events::Rule').map(([ruleId]) => ruleId)).toEqual([
      `UploadRule${bucketId('media-ingest')}`,
    ]);
  });

  it('lets Scheduler’s role, assumed only from this account, invoke only scaleQueues and write only to its DLQ', () => {
    const { id } = scaleQueues();
    const s = schedule();
    const roleId = getAttTarget(s.Target.RoleArn) ?? '';
    const trust = toArray(
      props<{ AssumeRolePolicyDocument: { Statement: unknown } }>(template.Resources[roleId])
        .AssumeRolePolicyDocument.Statement,
    );
    const statements = roleStatements(template).get(roleId) ?? [];

    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    expect(statements.map((st) => [st.Action, st.Resource.map((r) => getAttTarget(r))])).toEqual([
      [['lambda:InvokeFunction'], [id]],
      [['sqs:SendMessage'], [getAttTarget(s.Target.DeadLetterConfig.Arn)]],
    ]);
  });

  it('runs scaleQueues one tick per invocation, with no async retries, the reserved concurrency the config opts into, and its state table', () => {
    const { id, fn } = scaleQueues();
    const invokeConfigs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')
      .map(([, c]) =>
        props<{ FunctionName: unknown; MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number }>(c),
      )
      .filter((c) => refTarget(c.FunctionName) === id);
    const table = props<{ BillingMode: string }>(template.Resources.ScalerStateTable);

    expect(fn.Timeout).toBe(30);
    expect(fn.ReservedConcurrentExecutions).toBe(2);
    expect(invokeConfigs).toEqual([
      expect.objectContaining({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 }),
    ]);
    expect(refTarget(fn.Environment.Variables.SCALER_STATE_TABLE)).toBe('ScalerStateTable');
    expect(refTarget(fn.Environment.Variables.SCALING_TICK_QUEUE_URL)).toBe('ScalingTickQueue');
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('feeds scaleQueues its ticks from one queue: no batching window, partial batch failures, within the reserved concurrency', () => {
    const { id, fn } = scaleQueues();
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
      .map(([, mapping]) =>
        props<{
          FunctionName: unknown;
          EventSourceArn: unknown;
          MaximumBatchingWindowInSeconds?: number;
          FunctionResponseTypes?: string[];
          ScalingConfig?: { MaximumConcurrency: number };
        }>(mapping),
      )
      .filter((mapping) => getAttTarget(mapping.FunctionName) === id);
    const queue = props<{
      VisibilityTimeout: number;
      RedrivePolicy: { deadLetterTargetArn: unknown; maxReceiveCount: number };
    }>(template.Resources.ScalingTickQueue);

    expect(mappings).toHaveLength(1);
    expect(getAttTarget(mappings[0]!.EventSourceArn)).toBe('ScalingTickQueue');
    expect(mappings[0]!.MaximumBatchingWindowInSeconds ?? 0).toBe(0);
    expect(mappings[0]!.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mappings[0]!.ScalingConfig?.MaximumConcurrency).toBeLessThanOrEqual(
      fn.ReservedConcurrentExecutions!,
    );
    // Lambda refuses a mapping whose queue hides a message for less than the function's timeout.
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(fn.Timeout);
    expect(getAttTarget(queue.RedrivePolicy.deadLetterTargetArn)).toBe('ScalingTickDeadLetterQueue');
  });

  it('alarms on every scaling dead-letter queue: undelivered heartbeats and failed ticks', () => {
    const alarmedQueues = resourcesOfType(template, 'AWS::CloudWatch::Alarm').flatMap(([, alarm]) =>
      (props<{ Dimensions?: { Name: string; Value: unknown }[] }>(alarm).Dimensions ?? [])
        .filter((d) => d.Name === 'QueueName')
        .map((d) => d.Value),
    );

    expect(alarmedQueues).toEqual(
      expect.arrayContaining([
        `ecs-pilot-${STAGE}-scaling-ticks-dlq`,
        `ecs-pilot-${STAGE}-scaling-schedule-dlq`,
      ]),
    );
  });

  it('passes cfn-lint', async () => {
    const { ok, output } = await runCfnLint(templatePath);

    expect(ok, `cfn-lint ${templatePath}:\n${output}`).toBe(true);
    // Only osls's own W3005 (an explicit DependsOn on the role it also references) may remain.
    expect(output.split('\n').filter((l) => /^[EW]\d{4}/.test(l) && !l.startsWith('W3005'))).toEqual([]);
  });
});
