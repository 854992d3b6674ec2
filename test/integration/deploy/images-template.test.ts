import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCfnLint } from '../../../local/emulator';
import { packageStage, projectRoot, readTemplate, type PackagedTemplate } from '../../../local/package';
import { parseConfig } from '../../../shared/config/load';
import type { Config } from '../../../shared/config/schema';
import {
  allPolicyStatements,
  getAttTarget,
  grants,
  props,
  resolveSub,
  resourcesOfType,
  roleStatements,
  toArray,
  type Pseudo,
  wildcardGrantViolations,
} from '../../helpers/template';

/**
 * The packaged template (`sls package`, offline) of a config with image hygiene in enforce mode:
 * the Scheduler schedule invoking enforceImages directly, its role, the DLQ, and the function's own
 * role. Expected ARNs are derived here from the config, independently of shared/deploy.
 */
const STAGE = 'imgtest';
const OUT_DIR = '.serverless-imgtest';
const FIXTURE = 'test/integration/fixtures/images-template.yml';
const pseudo: Pseudo = { Partition: 'aws', Region: 'eu-west-1', AccountId: '123456789012' };
const MUTATION_FREE = /^[a-z0-9-]+:(Describe|List|Get|BatchGet)/i;

let template: PackagedTemplate;
let templatePath: string;
let config: Config;

const repoArn = (glob: string) => `arn:aws:ecr:eu-west-1:123456789012:repository/${glob}`;
const resolved = (values: unknown[]) => values.map((v) => resolveSub(v, pseudo)).sort();

function imagesFunction() {
  const [id, fn] = resourcesOfType(template, 'AWS::Lambda::Function').find(
    ([, f]) => props<{ Handler: string }>(f).Handler === 'functions/enforce-images.handler',
  )!;
  const p = props<{ Role: unknown; Timeout: number; Environment: { Variables: Record<string, unknown> } }>(
    fn,
  );
  const roleId = getAttTarget(p.Role)!;
  return { id, props: p, roleId, statements: roleStatements(template).get(roleId) ?? [] };
}

describe('Packaged template with image hygiene (sls package)', () => {
  beforeAll(async () => {
    await rm(join(projectRoot, OUT_DIR), { recursive: true, force: true });
    templatePath = await packageStage(STAGE, { configFile: FIXTURE, outDir: OUT_DIR });
    template = await readTemplate(templatePath);
    config = parseConfig(parse(await readFile(join(projectRoot, FIXTURE), 'utf8')));
  }, 600_000);

  afterAll(async () => {
    await rm(join(projectRoot, OUT_DIR), { recursive: true, force: true });
    await rm(join(projectRoot, `.build/config/${STAGE}.json`), { force: true });
  });

  it('runs enforceImages on images.schedule through a Scheduler schedule that targets the function', () => {
    const [[, schedule]] = resourcesOfType(template, 'AWS::Scheduler::Schedule') as [[string, unknown]];
    const s = props<{
      ScheduleExpression: string;
      Target: {
        Arn: unknown;
        RoleArn: unknown;
        Input: string;
        RetryPolicy: Record<string, number>;
        DeadLetterConfig: { Arn: unknown };
      };
    }>(schedule as never);
    const { id } = imagesFunction();

    expect(s.ScheduleExpression).toBe(config.images!.schedule);
    expect(getAttTarget(s.Target.Arn)).toBe(id);
    expect(JSON.parse(s.Target.Input)).toEqual({
      source: 'schedule',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    expect(s.Target.RetryPolicy.MaximumRetryAttempts).toBeLessThanOrEqual(185);
    expect(template.Resources[getAttTarget(s.Target.DeadLetterConfig.Arn)!]?.Type).toBe('AWS::SQS::Queue');
    // No EventBridge rule targets the function (the emulator cannot deliver to Lambda targets).
    expect(
      resourcesOfType(template, 'AWS::Events::Rule')
        .flatMap(([, r]) => toArray(props<{ Targets?: { Arn: unknown }[] }>(r).Targets))
        .map((t) => getAttTarget(t.Arn)),
    ).not.toContain(id);
  });

  it('lets Scheduler’s role invoke only enforceImages (and dead-letter to its queue)', () => {
    const s = props<{ Target: { RoleArn: unknown } }>(
      resourcesOfType(template, 'AWS::Scheduler::Schedule')[0]![1],
    );
    const statements = roleStatements(template).get(getAttTarget(s.Target.RoleArn)!)!;

    expect(statements.map((st) => [st.Action, st.Resource.map((r) => getAttTarget(r))])).toEqual([
      [['lambda:InvokeFunction'], [imagesFunction().id]],
      [['sqs:SendMessage'], ['ImagesDeadLetterQueue']],
    ]);
  });

  it('gives enforceImages a 900 s timeout, no async retries and a failure destination', () => {
    const [[, config]] = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig') as [[string, unknown]];
    const c = props<{
      MaximumRetryAttempts: number;
      DestinationConfig: { OnFailure: { Destination: unknown } };
    }>(config as never);

    expect(imagesFunction().props.Timeout).toBe(900);
    expect(c.MaximumRetryAttempts).toBe(0);
    expect(getAttTarget(c.DestinationConfig.OnFailure.Destination)).toBe('ImagesDeadLetterQueue');
    expect(imagesFunction().props.Environment.Variables.ALERTS_TOPIC_ARN).toEqual({ Ref: 'AlertsTopic' });
  });

  it('allows ecr:BatchDeleteImage only on the matched repositories and PutLifecyclePolicy only where syncPolicy is on', () => {
    const { roleId } = imagesFunction();
    const deletes = allPolicyStatements(template).filter((s) => grants(s, 'ecr:BatchDeleteImage'));
    const puts = allPolicyStatements(template).filter((s) => grants(s, 'ecr:PutLifecyclePolicy'));

    expect(deletes.map((s) => s.source)).toEqual([roleId]);
    expect(resolved(deletes.flatMap((s) => s.Resource))).toEqual([
      repoArn('app-*'),
      repoArn('team/worker?'),
      repoArn('tools'),
    ]);
    expect(puts.map((s) => s.source)).toEqual([roleId]);
    expect(resolved(puts.flatMap((s) => s.Resource))).toEqual([repoArn('app-*'), repoArn('team/worker?')]);
  });

  it('scopes ECS task and service reads to the protected clusters, and SNS to the alerts topic', () => {
    const { statements } = imagesFunction();
    const describeTasks = statements.filter((s) => grants(s, 'ecs:DescribeTasks'));
    const listTasks = statements.filter((s) => grants(s, 'ecs:ListTasks'));
    const publish = statements.filter((s) => grants(s, 'sns:Publish'));

    expect(resolved(describeTasks.flatMap((s) => s.Resource))).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task/api/*',
      'arn:aws:ecs:eu-west-1:123456789012:task/media/*',
    ]);
    expect(resolved(toArray(listTasks[0]!.Condition?.ArnEquals?.['ecs:cluster']))).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:cluster/api',
      'arn:aws:ecs:eu-west-1:123456789012:cluster/media',
    ]);
    expect(publish.flatMap((s) => s.Resource)).toEqual([{ Ref: 'AlertsTopic' }]);
  });

  it('reads exactly the configured scan files and writes only its own, and knows its account id', () => {
    const { statements, props: p } = imagesFunction();
    const on = (action: string) =>
      resolved(statements.filter((s) => grants(s, action)).flatMap((s) => toArray(s.Resource)));

    expect(on('s3:GetObject')).toEqual([
      'arn:aws:s3:::other-scans/c/scan.json',
      'arn:aws:s3:::shared-scans/account-b.json',
    ]);
    expect(on('s3:PutObject')).toEqual(['arn:aws:s3:::shared-scans/imgtest.json']);
    expect(p.Environment.Variables.ECS_PILOT_ACCOUNT).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('lets the Scheduler scan list schedules and read them, nothing more', () => {
    const { statements } = imagesFunction();
    const on = (action: string) =>
      resolved(statements.filter((s) => grants(s, action)).flatMap((s) => toArray(s.Resource)));
    const actions = statements
      .flatMap((s) => toArray(s.Action))
      .filter((a) => String(a).startsWith('scheduler:'));

    expect([...new Set(actions)].sort()).toEqual(['scheduler:GetSchedule', 'scheduler:ListSchedules']);
    expect(on('scheduler:ListSchedules')).toEqual(['*']);
    expect(on('scheduler:GetSchedule')).toEqual(['arn:aws:scheduler:eu-west-1:123456789012:schedule/*/*']);
  });

  it('grants no mutating action on Resource "*" and no wildcard actions', () => {
    expect(wildcardGrantViolations(template, MUTATION_FREE)).toEqual([]);
  });

  it('passes cfn-lint', async () => {
    const { ok, output } = await runCfnLint(templatePath);

    expect(ok, `cfn-lint ${templatePath}:\n${output}`).toBe(true);
  });
});
