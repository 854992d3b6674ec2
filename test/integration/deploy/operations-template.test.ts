import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCfnLint } from '../../../local/emulator';
import { packageStage, projectRoot, readTemplate, type PackagedTemplate } from '../../../local/package';
import { props, resourcesOfType } from '../../helpers/template';

/**
 * The operational safety net on a template packaged with osls from the demo config (all five
 * automations) plus tags and a log retention: every dead-letter queue and every function has its
 * alarms, the dashboard is there, the log groups keep logs as configured and the tags are on the
 * functions and the stack. The emulator cannot evaluate alarms, so this is where they are
 * checked. Expectations are read from the template, not from shared/deploy.
 */
const STAGE = 'opstest';
const CONFIG_FILE = '.build/test-configs/operations.yml';
const OUT_DIR = `.serverless-${STAGE}`;
const TAGS = { team: 'platform', 'cost-centre': 'media 42' };

let template: PackagedTemplate;
let templatePath: string;

type AlarmProps = {
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: unknown }[];
  AlarmActions: unknown[];
};
const alarms = () => resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, r]) => props<AlarmProps>(r));

describe('Packaged template: alarms, dashboard, retention and tags (sls package)', () => {
  beforeAll(async () => {
    const local = parse(await readFile(join(projectRoot, 'config/local.yml'), 'utf8')) as Record<
      string,
      unknown
    >;
    await mkdir(join(projectRoot, '.build/test-configs'), { recursive: true });
    await writeFile(
      join(projectRoot, CONFIG_FILE),
      stringify({ ...local, logRetentionDays: 90, tags: TAGS }),
    );
    templatePath = await packageStage(STAGE, { configFile: CONFIG_FILE, outDir: OUT_DIR });
    template = await readTemplate(templatePath);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([
      rm(join(projectRoot, OUT_DIR), { recursive: true, force: true }),
      rm(join(projectRoot, CONFIG_FILE), { force: true }),
      rm(join(projectRoot, `.build/config/${STAGE}.json`), { force: true }),
    ]);
  });

  it('gives every dead-letter queue an alarm on any visible message', () => {
    const deadLetterQueues = resourcesOfType(template, 'AWS::SQS::Queue')
      .map(([, r]) => props<{ QueueName: string }>(r).QueueName)
      .filter((name) => name.endsWith('-dlq'));
    const watched = alarms()
      .filter((a) => a.Namespace === 'AWS/SQS' && a.MetricName === 'ApproximateNumberOfMessagesVisible')
      .map((a) => a.Dimensions[0]!.Value);

    expect(deadLetterQueues.length).toBeGreaterThanOrEqual(5);
    expect(watched.sort()).toEqual(deadLetterQueues.sort());
  });

  it('watches every function on Errors and on Throttles', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(
      ([, r]) => props<{ FunctionName: string }>(r).FunctionName,
    );
    for (const metric of ['Errors', 'Throttles']) {
      const watched = alarms()
        .filter((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === metric)
        .map((a) => a.Dimensions[0]!.Value);
      expect(watched.sort(), metric).toEqual([...functions].sort());
    }
  });

  it("watches each scaler's ScalingErrors in the namespace the functions are told to publish to", () => {
    const namespaces = resourcesOfType(template, 'AWS::Lambda::Function').map(
      ([, r]) =>
        props<{ Environment: { Variables: Record<string, string> } }>(r).Environment.Variables
          .POWERTOOLS_METRICS_NAMESPACE,
    );
    const scaling = alarms().filter((a) => a.MetricName === 'ScalingErrors');

    expect(new Set(namespaces)).toEqual(new Set([`ecs-pilot/${STAGE}`]));
    expect(scaling.length).toBeGreaterThan(0);
    for (const alarm of scaling) expect(alarm.Namespace).toBe(`ecs-pilot/${STAGE}`);
  });

  it('sends every alarm to the stop-alerts topic, whose key lets CloudWatch publish', () => {
    for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlertsTopic' }]);
    const key = props<{ KeyPolicy: { Statement: { Principal?: unknown; Action: unknown }[] } }>(
      template.Resources.AlertsKey,
    );
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });

  it('has a dashboard whose body is JSON naming every dead-letter queue and function', () => {
    const [[, dashboard] = []] = resourcesOfType(template, 'AWS::CloudWatch::Dashboard');
    const body = props<{ DashboardBody: string }>(dashboard).DashboardBody;
    const text = JSON.stringify(JSON.parse(body));

    for (const [, queue] of resourcesOfType(template, 'AWS::SQS::Queue')) {
      const name = props<{ QueueName: string }>(queue).QueueName;
      if (name.endsWith('-dlq')) expect(text).toContain(`"${name}"`);
    }
    for (const [, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      expect(text).toContain(`"${props<{ FunctionName: string }>(fn).FunctionName}"`);
    }
  });

  it('keeps every function log group for the configured days', () => {
    const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');

    expect(groups.length).toBe(resourcesOfType(template, 'AWS::Lambda::Function').length);
    for (const [, group] of groups)
      expect(props<{ RetentionInDays: number }>(group).RetentionInDays).toBe(90);
  });

  it('puts the tags on every function, and on the stack, which CloudFormation copies to every resource', async () => {
    const expected = Object.entries(TAGS).map(([Key, Value]) => ({ Key, Value }));
    for (const [id, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      expect(props<{ Tags?: unknown[] }>(fn).Tags, id).toEqual(expect.arrayContaining(expected));
    }
    const state = JSON.parse(await readFile(join(projectRoot, OUT_DIR, 'serverless-state.json'), 'utf8')) as {
      service: { provider: { stackTags?: Record<string, string> } };
    };
    expect(state.service.provider.stackTags).toEqual(TAGS);
  });

  it('passes cfn-lint', async () => {
    const { ok, output } = await runCfnLint(templatePath);

    expect(ok, `cfn-lint ${templatePath}:\n${output}`).toBe(true);
  });
});
