import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { packageStage, projectRoot, readTemplate, type PackagedTemplate } from '../../../local/package';
import {
  grants,
  props,
  refTarget,
  getAttTarget,
  resourcesOfType,
  roleStatements,
  toArray,
} from '../../helpers/template';
import { MAX_SCALE, maxScaleConfig } from '../../helpers/scale-config';
import { CMK_CHECKS, expectSecureDefaults } from '../../helpers/security';
import { runCheckov, type CheckovReport } from '../../../local/checkov';

/**
 * The stack at the largest scale the README promises, packaged with `sls package`, against the
 * limits real AWS enforces and the emulator does not (GUIDE §3). Sizes are measured as AWS measures
 * them, after CloudFormation substitutes: with the longest partition and Region names, and with each
 * reference to another resource replaced by the ARN or name it will have. Independent of shared/deploy.
 */

const STAGE = 'scaletest';
const CONFIG_FILE = '.build/scale-test-config/scale.yml';
const OUT_DIR = '.serverless-scale-test';
const WORST = { Partition: 'aws-us-gov', Region: 'ap-southeast-7', AccountId: '123456789012' };

let template: PackagedTemplate;
let templateText: string;
let templatePath: string;
let checkov: CheckovReport;

/** What a resource's ARN (GetAtt Arn) or Ref will be at deploy time; 256 characters when unknown. */
function deployedValue(id: string, attribute: 'Arn' | 'Ref'): string {
  const resource = template.Resources[id];
  const p = props<Record<string, string>>(resource);
  const { Partition, Region, AccountId } = WORST;
  switch (resource?.Type) {
    case 'AWS::SQS::Queue':
      return attribute === 'Arn'
        ? `arn:${Partition}:sqs:${Region}:${AccountId}:${p.QueueName}`
        : `https://sqs.${Region}.amazonaws.com/${AccountId}/${p.QueueName}`;
    case 'AWS::DynamoDB::Table':
      return attribute === 'Arn'
        ? `arn:${Partition}:dynamodb:${Region}:${AccountId}:table/${p.TableName}`
        : p.TableName!;
    case 'AWS::SNS::Topic':
      return `arn:${Partition}:sns:${Region}:${AccountId}:${p.TopicName}`;
    case 'AWS::Lambda::Function':
      return `arn:${Partition}:lambda:${Region}:${AccountId}:function:${p.FunctionName}`;
    default:
      return 'x'.repeat(256);
  }
}

/** A template value as AWS will see it. */
function deployed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deployed);
  if (value && typeof value === 'object') {
    const sub = (value as { 'Fn::Sub'?: unknown })['Fn::Sub'];
    if (typeof sub === 'string') {
      return sub.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (name.startsWith('AWS::')) return WORST[name.slice(5) as keyof typeof WORST] ?? 'x'.repeat(64);
        const [id, attribute] = name.split('.');
        return deployedValue(id!, attribute === 'Arn' ? 'Arn' : 'Ref');
      });
    }
    const ref = refTarget(value);
    if (ref !== undefined)
      return ref.startsWith('AWS::')
        ? (WORST as Record<string, string>)[ref.slice(5)]
        : deployedValue(ref, 'Ref');
    const att = getAttTarget(value);
    if (att !== undefined) return deployedValue(att, 'Arn');
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deployed(v)]));
  }
  return value;
}

/** IAM counts policy characters without whitespace; JSON.stringify writes none outside strings. */
const policyChars = (document: unknown) => JSON.stringify(deployed(document)).length;

describe('Packaged template at the maximum scale (sls package)', () => {
  beforeAll(async () => {
    await mkdir(join(projectRoot, '.build/scale-test-config'), { recursive: true });
    await writeFile(join(projectRoot, CONFIG_FILE), stringify(maxScaleConfig()));
    await rm(join(projectRoot, OUT_DIR), { recursive: true, force: true });
    templatePath = await packageStage(STAGE, { outDir: OUT_DIR, configFile: CONFIG_FILE });
    templateText = await readFile(templatePath, 'utf8');
    template = await readTemplate(templatePath);
    // Here, not in its test: the first run installs Checkov (about a minute).
    checkov = await runCheckov(templatePath);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([
      rm(join(projectRoot, OUT_DIR), { recursive: true, force: true }),
      rm(join(projectRoot, '.build/scale-test-config'), { recursive: true, force: true }),
      rm(join(projectRoot, `.build/config/${STAGE}.json`), { force: true }),
    ]);
  });

  it('keeps every role within IAM limits: 10,240 inline, 6,144 per managed policy, 10 managed', () => {
    const sizes: string[] = [];
    for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      const { Policies, ManagedPolicyArns, RoleName } = props<{
        Policies?: { PolicyDocument: unknown }[];
        ManagedPolicyArns?: unknown[];
        RoleName?: string;
      }>(role);
      const inline = toArray(Policies).reduce((sum, p) => sum + policyChars(p.PolicyDocument), 0);
      const managed = toArray(ManagedPolicyArns).map((ref) => {
        const policy = template.Resources[refTarget(ref)!];
        expect(policy?.Type).toBe('AWS::IAM::ManagedPolicy');
        return policyChars(props<{ PolicyDocument: unknown }>(policy).PolicyDocument);
      });
      sizes.push(`${id} inline ${inline} managed [${managed.join(', ')}]`);
      expect(inline, `${id} inline`).toBeLessThanOrEqual(10_240);
      for (const size of managed) expect(size, `${id} managed`).toBeLessThanOrEqual(6_144);
      expect(managed.length, `${id} managed policies`).toBeLessThanOrEqual(10);
      if (RoleName) expect(RoleName.length).toBeLessThanOrEqual(64);
    }
    console.log(`IAM policy characters at ${JSON.stringify(MAX_SCALE)}:\n  ${sizes.join('\n  ')}`);
  });

  it('still grants every schedule and trigger RunTask on its task definition in its cluster', () => {
    type Task = { cluster: string; taskDefinition: string; secrets?: Record<string, unknown> };
    const config = maxScaleConfig() as { uploads: { task: Task }[]; schedules: { task: Task }[] };
    const roles = roleStatements(template);
    const check = (roleId: string, tasks: Task[]) => {
      const statements = roles.get(roleId)!.filter((s) => grants(s, 'ecs:RunTask'));
      for (const { cluster, taskDefinition, secrets } of tasks) {
        // A launch with secrets runs only its derived families (`<family>-ecs-pilot-<hash>`).
        const family = secrets ? `${taskDefinition}-ecs-pilot-*` : taskDefinition;
        const granted = statements.some((s) => {
          const resources = (deployed(s.Resource) as string[]).map(String);
          const clusters = JSON.stringify(deployed(s.Condition ?? {}));
          return (
            resources.some((r) => r.endsWith(`:task-definition/${family}:*`)) &&
            clusters.includes(`:cluster/${cluster}"`)
          );
        });
        expect(granted, `${roleId}: ${family} in ${cluster}`).toBe(true);
      }
    };
    check(
      'UploadToTaskRole',
      config.uploads.map((u) => u.task),
    );
    check(
      'RunScheduleRole',
      config.schedules.map((s) => s.task),
    );
  });

  it('stays within CloudFormation limits: 500 resources, 200 outputs, 1 MB', () => {
    expect(Object.keys(template.Resources).length).toBeLessThanOrEqual(500);
    expect(Object.keys(template.Outputs ?? {}).length).toBeLessThanOrEqual(200);
    expect(Buffer.byteLength(templateText)).toBeLessThanOrEqual(1_000_000);
  });

  it('keeps rule descriptions within 512 characters and event patterns within 2,048', () => {
    for (const [id, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
      const { Description, EventPattern, Name } = props<{
        Description?: string;
        EventPattern?: unknown;
        Name?: string;
      }>(rule);
      expect((Description ?? '').length, `${id} description`).toBeLessThanOrEqual(512);
      if (EventPattern !== undefined)
        expect(JSON.stringify(EventPattern).length, `${id} pattern`).toBeLessThanOrEqual(2_048);
      expect((Name ?? '').length, `${id} name`).toBeLessThanOrEqual(64);
    }
    for (const [id, schedule] of resourcesOfType(template, 'AWS::Scheduler::Schedule')) {
      const { Description, Name } = props<{ Description?: string; Name: string }>(schedule);
      expect((Description ?? '').length, `${id} description`).toBeLessThanOrEqual(512);
      expect(Name.length, `${id} name`).toBeLessThanOrEqual(64);
    }
  });

  it('keeps every name within its limit and every function environment within 4 KB', () => {
    const limits: Record<string, [string, number]> = {
      'AWS::Lambda::Function': ['FunctionName', 64],
      'AWS::SQS::Queue': ['QueueName', 80],
      'AWS::DynamoDB::Table': ['TableName', 255],
      'AWS::Logs::LogGroup': ['LogGroupName', 512],
      'AWS::SNS::Topic': ['TopicName', 256],
    };
    for (const [id, resource] of Object.entries(template.Resources)) {
      const limit = limits[resource.Type];
      if (limit) {
        const name = String(deployed(props<Record<string, unknown>>(resource)[limit[0]]) ?? '');
        expect(name.length, `${id} ${limit[0]}`).toBeLessThanOrEqual(limit[1]);
      }
      if (resource.Type === 'AWS::Lambda::Function') {
        const variables =
          props<{ Environment?: { Variables?: Record<string, unknown> } }>(resource).Environment?.Variables ??
          {};
        const size = Object.entries(variables).reduce(
          (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(String(deployed(v))),
          0,
        );
        expect(size, `${id} environment`).toBeLessThanOrEqual(4_096);
        expect(
          props<Record<string, unknown>>(resource).ReservedConcurrentExecutions,
          `${id} reserved`,
        ).toBeUndefined();
      }
    }
  });

  it('retains the tables whose loss makes redeliveries act twice, the key they are encrypted with and the manifest bucket', () => {
    const retained = Object.entries(template.Resources)
      .filter(
        ([, r]) =>
          (r as { DeletionPolicy?: string; UpdateReplacePolicy?: string }).DeletionPolicy === 'Retain',
      )
      .filter(([, r]) => (r as { UpdateReplacePolicy?: string }).UpdateReplacePolicy === 'Retain')
      .map(([id]) => id)
      .sort();

    expect(retained).toEqual(['AlertsStateTable', 'IdempotencyTable', 'StackKey', 'UploadsManifestBucket']);
  });

  it('passes Checkov with encryption on: no unskipped failure, the customer-managed-key checks passing', () => {
    expect(checkov.encrypted).toBe(true);
    expect(checkov.parsingErrors).toBe(0);
    expect(checkov.failed, JSON.stringify(checkov.failed, null, 2)).toEqual([]);
    expect(checkov.skipped.filter((s) => CMK_CHECKS.includes(s.id))).toEqual([]);
    console.log(
      `Checkov at ${JSON.stringify(MAX_SCALE)}: ${checkov.passed.length} passed, ${checkov.failed.length} failed, ${checkov.skipped.length} skipped`,
    );
  });

  it('closes the gaps Checkov found: deployment bucket, point-in-time recovery, ListTasks scoped by cluster', () => {
    expectSecureDefaults(template);
  });
});
