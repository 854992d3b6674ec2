import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCfnLint } from '../../../local/emulator';
import { packageStage, projectRoot, readTemplate, type PackagedTemplate } from '../../../local/package';
import { parseConfig } from '../../../shared/config/load';
import type { Config, TaskSpec } from '../../../shared/config/schema';
import {
  getAttTarget,
  grants,
  normaliseStatements,
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
 * The packaged CloudFormation template (`sls package`, offline) against the config it was built from:
 * per-function least-privilege roles and the upload pipeline's wiring. Expectations are derived here
 * from the config, independently of shared/deploy.
 */

/** The account every `Fn::Sub` is resolved against; the ARNs in the test configs use it too. */
const ACCOUNT = '123456789012';
const CONFIG_DIR = '.build/test-configs';
const SUBNET = 'subnet-0123456789abcdef0';
const SECURITY_GROUP = 'sg-0123456789abcdef0';

/** Every form of task launch the IAM statements must scope: ARNs, family:rev, roles or none, caps or none. */
const IAM_CONFIG = {
  region: 'eu-west-1',
  logLevel: 'DEBUG',
  delivery: { maxConcurrency: 7, batchSize: 4, maxAttempts: 5, retryBaseSeconds: 2 },
  uploads: [
    {
      name: 'reports',
      bucket: 'reports-inbox',
      prefix: 'daily/',
      minSize: 10,
      maxSize: 1000,
      task: {
        cluster: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/batch`,
        taskDefinition: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/report-builder:12`,
        container: 'builder',
        subnets: [SUBNET],
        securityGroups: [SECURITY_GROUP],
        roles: {
          task: `arn:aws:iam::${ACCOUNT}:role/report-builder-task`,
          execution: `arn:aws:iam::${ACCOUNT}:role/service/report-exec`,
        },
        maxRunning: 5,
      },
    },
    {
      name: 'pinned',
      bucket: 'pinned-bucket',
      suffix: '.csv',
      task: {
        cluster: 'etl',
        taskDefinition: 'csv-loader:3',
        container: 'loader',
        subnets: [SUBNET],
        securityGroups: [SECURITY_GROUP],
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 1 },
          { capacityProvider: 'FARGATE', weight: 1 },
        ],
      },
    },
    {
      name: 'vaulted',
      bucket: 'reports-inbox',
      prefix: 'vaulted/',
      task: {
        cluster: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/batch`,
        taskDefinition: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/vault-reader:4`,
        container: 'reader',
        subnets: [SUBNET],
        securityGroups: [SECURITY_GROUP],
        roles: { execution: `arn:aws:iam::${ACCOUNT}:role/service/report-exec` },
        secrets: {
          DB_PASSWORD: '/reports/db-password',
          API_TOKEN: {
            from: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:reports/api`,
            jsonKey: 'token',
            kmsKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
          },
        },
      },
    },
    {
      name: 'archives',
      bucket: 'pinned-bucket',
      prefix: 'raw*/',
      suffix: '.gz',
      task: {
        cluster: 'etl',
        taskDefinition: 'unpacker',
        container: 'unpack',
        subnets: [SUBNET],
        securityGroups: [SECURITY_GROUP],
        roles: { task: 'unpacker-task' },
      },
    },
  ],
};

/** The least a trigger can say: no key or size filter, no roles, no cap, default delivery and region. */
const MINIMAL_CONFIG = {
  uploads: [
    {
      name: 'everything',
      bucket: 'drop-zone',
      task: {
        cluster: 'default',
        taskDefinition: 'worker',
        container: 'app',
        subnets: [SUBNET],
        securityGroups: [SECURITY_GROUP],
      },
    },
  ],
};

/** A bad subnet id and a misspelt key: both must be named when packaging. */
const INVALID_CONFIG = {
  uploads: [
    {
      name: 'broken',
      bucket: 'media-ingest',
      task: {
        cluster: 'media',
        taskDefinition: 'thumbnailer',
        container: 'app',
        subnets: ['subnet-XYZ'],
        securityGroups: [SECURITY_GROUP],
        memroy: 512,
      },
    },
  ],
};

interface Case {
  stage: string;
  /** Relative to the project root; undefined means config/<stage>.yml. */
  configFile?: string;
  /** Written before packaging when given. */
  content?: unknown;
}

const CASES: Case[] = [
  { stage: 'local' },
  { stage: 'iamtest', configFile: `${CONFIG_DIR}/iam.yml`, content: IAM_CONFIG },
  { stage: 'minimaltest', configFile: `${CONFIG_DIR}/minimal.yml`, content: MINIMAL_CONFIG },
];

const outDirFor = (stage: string) => `.serverless-template-test-${stage}`;

interface Packaged {
  stage: string;
  outDir: string;
  templatePath: string;
  template: PackagedTemplate;
  /** The config as written (what gets shipped as JSON). */
  raw: unknown;
  config: Config;
  pseudo: Pseudo;
}

const packaged = new Map<string, Packaged>();
const get = (stage: string): Packaged => {
  const found = packaged.get(stage);
  if (!found) throw new Error(`stage ${stage} was not packaged (see beforeAll)`);
  return found;
};

// ---- Expectations, derived from the config -------------------------------------------------------

const clusterArn = (cluster: string, p: Pseudo) =>
  cluster.startsWith('arn:')
    ? cluster
    : `arn:${p.Partition}:ecs:${p.Region}:${p.AccountId}:cluster/${cluster}`;

/** A family means any of its revisions; family:rev and ARNs with a revision are exact. */
function taskDefinitionArn(taskDefinition: string, p: Pseudo): string {
  const revisioned = /:\d+$/.test(taskDefinition) ? taskDefinition : `${taskDefinition}:*`;
  return taskDefinition.startsWith('arn:')
    ? revisioned
    : `arn:${p.Partition}:ecs:${p.Region}:${p.AccountId}:task-definition/${revisioned}`;
}

/** Tasks RunTask creates in the cluster (the ARN's partition, region and account when one is given). */
const taskArnPattern = (cluster: string, p: Pseudo) =>
  `${clusterArn(cluster, p).replace(':cluster/', ':task/')}/*`;

const roleArn = (role: string, p: Pseudo) =>
  role.startsWith('arn:') ? role : `arn:${p.Partition}:iam::${p.AccountId}:role/${role}`;

const passableRoles = (task: TaskSpec, p: Pseudo) =>
  [task.roles.task, task.roles.execution].filter((r): r is string => Boolean(r)).map((r) => roleArn(r, p));

/** Whether an upload rule's pattern selects the trigger's objects (bucket and raw key prefix; suffix and size are the function's). */
function selectsTrigger(pattern: unknown, trigger: Config['uploads'][number]): boolean {
  const detail = (
    pattern as { detail: { bucket: { name: string[] }; object?: { key: { prefix: string }[] } } }
  ).detail;
  if (json(detail.bucket.name) !== json([trigger.bucket])) return false;
  return !detail.object || detail.object.key.some((k) => trigger.prefix.startsWith(k.prefix));
}

const sorted = <T>(values: Iterable<T>): T[] => [...new Set(values)].sort();
const json = (value: unknown) => JSON.stringify(value);

// ---- Reading the template ------------------------------------------------------------------------

interface FunctionProps {
  FunctionName: string;
  Role: unknown;
  Runtime: string;
  Timeout: number;
  Handler: string;
  Environment: { Variables: Record<string, unknown> };
}

/** The EventBridge rules that deliver to the uploads queue (other automations have rules too). */
function uploadRules(template: PackagedTemplate, queueId: string) {
  return resourcesOfType(template, 'AWS::Events::Rule').filter(
    ([, rule]) =>
      getAttTarget(props<{ Targets: Record<string, unknown>[] }>(rule).Targets[0]?.Arn) === queueId,
  );
}

/** The upload pipeline as wired in the template, found through references rather than names. */
function pipeline(template: PackagedTemplate) {
  // Other automations have mappings too: take the one that feeds the upload function.
  const mapping = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').find(
    ([, m]) => getAttTarget(props<Record<string, unknown>>(m).FunctionName) === 'UploadToTaskLambdaFunction',
  );
  if (!mapping) throw new Error('no AWS::Lambda::EventSourceMapping for UploadToTaskLambdaFunction');
  const [mappingId, mappingResource] = mapping;
  const mappingProps = props<Record<string, unknown>>(mappingResource);
  const queueId = getAttTarget(mappingProps.EventSourceArn);
  const functionId = getAttTarget(mappingProps.FunctionName) ?? refTarget(mappingProps.FunctionName);
  if (!queueId || !functionId) throw new Error(`${mappingId} does not reference its queue and function`);
  const queue = props<Record<string, unknown>>(template.Resources[queueId]);
  const dlqId = getAttTarget(
    (queue.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn,
  );
  if (!dlqId) throw new Error(`${queueId} has no RedrivePolicy to a queue of this template`);
  const fn = props<FunctionProps>(template.Resources[functionId]);
  return { mappingProps, queueId, queue, dlqId, functionId, fn };
}

/** Statements of the role of the function reading the uploads queue. */
function functionStatements(template: PackagedTemplate): IamStatement[] {
  const roleId = getAttTarget(pipeline(template).fn.Role);
  return roleStatements(template).get(roleId ?? '') ?? [];
}

function conditionValues(statement: IamStatement, operator: string, key: string, p: Pseudo): unknown[] {
  return toArray(statement.Condition?.[operator]?.[key]).map((v) => resolveSub(v, p));
}

const MUTATION_FREE = /^[a-z0-9-]+:(Describe|List|Get|Receive)/i;

// ---- Tests ----------------------------------------------------------------------------------------

describe('Packaged template (sls package)', () => {
  beforeAll(async () => {
    await mkdir(join(projectRoot, CONFIG_DIR), { recursive: true });
    // One after another: each packaging run bundles every function and uses both cores.
    for (const { stage, configFile, content } of CASES) {
      if (configFile && content) await writeFile(join(projectRoot, configFile), stringify(content));
      const outDir = outDirFor(stage);
      await rm(join(projectRoot, outDir), { recursive: true, force: true });
      const templatePath = await packageStage(stage, { outDir, ...(configFile ? { configFile } : {}) });
      const raw: unknown = parse(
        await readFile(join(projectRoot, configFile ?? `config/${stage}.yml`), 'utf8'),
      );
      const config = parseConfig(raw);
      packaged.set(stage, {
        stage,
        outDir,
        templatePath,
        template: await readTemplate(templatePath),
        raw,
        config,
        pseudo: { Partition: 'aws', Region: config.region, AccountId: ACCOUNT },
      });
    }
  }, 600_000);

  afterAll(async () => {
    const stages = [...CASES.map((c) => c.stage), 'invalidtest'];
    await Promise.all([
      ...stages.map((stage) => rm(join(projectRoot, outDirFor(stage)), { recursive: true, force: true })),
      ...stages
        .filter((stage) => stage !== 'local')
        .map((stage) => rm(join(projectRoot, `.build/config/${stage}.json`), { force: true })),
      rm(join(projectRoot, CONFIG_DIR), { recursive: true, force: true }),
    ]);
  });

  describe.each(CASES.map((c) => c.stage))('stage %s', (stage) => {
    describe('IAM', () => {
      it('gives every function its own role trusted only by Lambda, on nodejs22.x, with no shared IamRoleLambdaExecution', () => {
        const { template } = get(stage);
        const functions = resourcesOfType(template, 'AWS::Lambda::Function');
        const roles = new Map(resourcesOfType(template, 'AWS::IAM::Role'));

        const roleIds = functions.map(([, fn]) => getAttTarget(props<FunctionProps>(fn).Role));

        expect(functions.length).toBeGreaterThan(0);
        expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
        for (const [id, fn] of functions) {
          expect(props<FunctionProps>(fn).Runtime, id).toBe('nodejs22.x');
        }
        for (const roleId of roleIds) expect(roles.has(roleId ?? ''), `role ${roleId}`).toBe(true);
        expect(new Set(roleIds).size).toBe(functions.length);
        // Function roles trust Lambda only (SchedulerRole, trusted by Scheduler, is tested with schedules).
        for (const [id, role] of [...roles].filter(([roleId]) => roleIds.includes(roleId))) {
          const trust = props<{ AssumeRolePolicyDocument: unknown }>(role).AssumeRolePolicyDocument;
          const statements = toArray((trust as { Statement?: unknown }).Statement) as Record<
            string,
            unknown
          >[];
          expect(statements.length, id).toBeGreaterThan(0);
          for (const statement of statements) {
            expect(statement.Effect, id).toBe('Allow');
            expect(Object.keys(statement.Principal ?? {}), id).toEqual(['Service']);
            expect(toArray((statement.Principal as { Service: string | string[] }).Service), id).toEqual([
              'lambda.amazonaws.com',
            ]);
            expect(toArray(statement.Action as string | string[]), id).toEqual(['sts:AssumeRole']);
          }
        }
      });

      it('grants no mutating action on Resource "*", no Action "*" or "service:*", and no managed policies', () => {
        const { template } = get(stage);
        const violations: string[] = [];

        for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
          const managed = props<{ ManagedPolicyArns?: unknown[] }>(role).ManagedPolicyArns ?? [];
          if (managed.length > 0)
            violations.push(`${id}: managed policies ${json(managed)} hide their grants`);
        }
        violations.push(...wildcardGrantViolations(template, MUTATION_FREE));

        expect(violations).toEqual([]);
      });

      it('counts RegisterTaskDefinition on "*" as a violation unless the request must carry the stack tag', () => {
        const role = (statement: Record<string, unknown>) =>
          ({
            Resources: {
              Role: {
                Type: 'AWS::IAM::Role',
                Properties: {
                  Policies: [
                    { PolicyDocument: { Statement: [{ Effect: 'Allow', Resource: '*', ...statement }] } },
                  ],
                },
              },
            },
          }) as unknown as PackagedTemplate;
        const tagged = {
          StringEquals: { 'aws:RequestTag/ecs-pilot:stack': `ecs-pilot-${stage}` },
          'ForAllValues:StringEquals': { 'aws:TagKeys': ['ecs-pilot:stack', 'ecs-pilot:derived-from'] },
        };

        expect(
          wildcardGrantViolations(
            role({ Action: 'ecs:RegisterTaskDefinition', Condition: tagged }),
            MUTATION_FREE,
          ),
        ).toEqual([]);
        expect(
          wildcardGrantViolations(role({ Action: 'ecs:RegisterTaskDefinition' }), MUTATION_FREE),
        ).toHaveLength(1);
        expect(
          wildcardGrantViolations(
            role({ Action: 'ecs:RegisterTaskDefinition', Condition: { StringEquals: tagged.StringEquals } }),
            MUTATION_FREE,
          ),
        ).toHaveLength(1);
        expect(
          wildcardGrantViolations(
            role({ Action: ['ecs:RegisterTaskDefinition', 'ecs:RunTask'], Condition: tagged }),
            MUTATION_FREE,
          ),
        ).toHaveLength(2);
      });

      it('allows ecs:RunTask only on the configured task definitions, each conditioned on its cluster', () => {
        const { template, config, pseudo } = get(stage);
        const runTask = functionStatements(template).filter((s) => grants(s, 'ecs:RunTask'));

        const actual = runTask.flatMap((s) => {
          const clusters = conditionValues(s, 'ArnEquals', 'ecs:cluster', pseudo);
          return s.Resource.map((r) => `${json(resolveSub(r, pseudo))} in ${json(clusters)}`);
        });
        // A trigger with secrets runs its derived task definitions (`<family>-ecs-pilot-*`) only.
        const runs = (task: TaskSpec) =>
          Object.keys(task.secrets ?? {}).length > 0
            ? `arn:aws:ecs:${pseudo.Region}:${ACCOUNT}:task-definition/${task.taskDefinition.split('/').pop()!.replace(/:\d+$/, '')}-ecs-pilot-*:*`
            : taskDefinitionArn(task.taskDefinition, pseudo);
        const expected = config.uploads.map(
          ({ task }) => `${json(runs(task))} in ${json([clusterArn(task.cluster, pseudo)])}`,
        );

        expect(runTask.length).toBeGreaterThan(0);
        expect(sorted(actual)).toEqual(sorted(expected));
      });

      it('allows iam:PassRole only on the configured task and execution roles, only to ecs-tasks.amazonaws.com', () => {
        const { template, config, pseudo } = get(stage);
        const passRole = functionStatements(template).filter((s) => grants(s, 'iam:PassRole'));

        const resources = passRole.flatMap((s) => s.Resource.map((r) => resolveSub(r, pseudo)));
        const expected = config.uploads.flatMap(({ task }) => passableRoles(task, pseudo));

        for (const statement of passRole) {
          expect(statement.Condition?.StringEquals?.['iam:PassedToService']).toBe('ecs-tasks.amazonaws.com');
        }
        expect(sorted(resources)).toEqual(sorted(expected));
        if (expected.length === 0) expect(passRole).toEqual([]);
      });

      it('allows ecs:TagResource only on task/<cluster>/* and only while RunTask creates them', () => {
        const { template, config, pseudo } = get(stage);
        const tag = functionStatements(template).filter(
          (s) =>
            grants(s, 'ecs:TagResource') &&
            s.Condition?.StringEquals?.['ecs:CreateAction'] !== 'RegisterTaskDefinition',
        );

        const resources = tag.flatMap((s) => s.Resource.map((r) => resolveSub(r, pseudo)));
        const expected = config.uploads.map(({ task }) => taskArnPattern(task.cluster, pseudo));

        expect(tag.length).toBeGreaterThan(0);
        for (const statement of tag) {
          expect(statement.Condition?.StringEquals?.['ecs:CreateAction']).toBe('RunTask');
        }
        expect(sorted(resources)).toEqual(sorted(expected));
      });

      it('registers task definitions only for triggers with secrets, tagged with this stack, tagging only their derived families', () => {
        const { template, config, pseudo } = get(stage);
        const statements = functionStatements(template);
        const register = statements.filter((s) => grants(s, 'ecs:RegisterTaskDefinition'));
        const tagDerived = statements.filter(
          (s) =>
            grants(s, 'ecs:TagResource') &&
            s.Condition?.StringEquals?.['ecs:CreateAction'] === 'RegisterTaskDefinition',
        );
        const withSecrets = config.uploads.filter(({ task }) => Object.keys(task.secrets ?? {}).length > 0);

        if (withSecrets.length === 0) {
          expect(register).toEqual([]);
          expect(tagDerived).toEqual([]);
          return;
        }
        for (const statement of register) {
          expect(statement.Action).toEqual(['ecs:RegisterTaskDefinition']);
          expect(statement.Condition?.StringEquals?.['aws:RequestTag/ecs-pilot:stack']).toBe(
            `ecs-pilot-${stage}`,
          );
          expect(statement.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys']).toEqual([
            'ecs-pilot:stack',
            'ecs-pilot:derived-from',
          ]);
        }
        const families = withSecrets.map(({ task }) =>
          task.taskDefinition.split('/').pop()!.replace(/:\d+$/, ''),
        );
        expect(sorted(tagDerived.flatMap((s) => s.Resource.map((r) => resolveSub(r, pseudo))))).toEqual(
          sorted(
            families.map(
              (family) => `arn:aws:ecs:${pseudo.Region}:${ACCOUNT}:task-definition/${family}-ecs-pilot-*`,
            ),
          ),
        );
        expect(register.length).toBeGreaterThan(0);
      });

      it("grants each execution role read access to exactly its triggers' secrets, in a managed policy attached to it", () => {
        const { template, config } = get(stage);
        const grantsByRole = resourcesOfType(template, 'AWS::IAM::ManagedPolicy')
          .map(([, policy]) =>
            props<{ Roles: unknown[]; PolicyDocument: { Statement: IamStatement[] } }>(policy),
          )
          .filter((policy) => policy.Roles.every((role) => typeof role === 'string'));
        const withSecrets = config.uploads.filter(({ task }) => Object.keys(task.secrets ?? {}).length > 0);

        expect(grantsByRole.map((p) => p.Roles).flat()).toEqual([
          ...new Set(withSecrets.map(({ task }) => task.roles.execution!.split('/').pop()!)),
        ]);
        for (const policy of grantsByRole) {
          const actions = policy.PolicyDocument.Statement.flatMap((s) => toArray(s.Action));
          expect(sorted(actions)).toEqual(
            sorted(['kms:Decrypt', 'secretsmanager:GetSecretValue', 'ssm:GetParameters']),
          );
          for (const statement of policy.PolicyDocument.Statement)
            expect(toArray(statement.Resource)).not.toContain('*');
        }
      });

      it('allows ecs:ListTasks only in clusters of triggers with maxRunning, conditioned on ecs:cluster', () => {
        const { template, config, pseudo } = get(stage);
        const listTasks = functionStatements(template).filter((s) => grants(s, 'ecs:ListTasks'));

        const clusters = listTasks.map((s) => conditionValues(s, 'ArnEquals', 'ecs:cluster', pseudo));
        const expected = config.uploads
          .filter(({ task }) => task.maxRunning !== undefined)
          .map(({ task }) => clusterArn(task.cluster, pseudo));

        for (const values of clusters) expect(values).toHaveLength(1);
        expect(sorted(clusters.flat())).toEqual(sorted(expected));
        if (expected.length === 0) expect(listTasks).toEqual([]);
      });

      it("allows logs actions only on the function's own log group", () => {
        const { template, pseudo } = get(stage);
        const { fn } = pipeline(template);
        const logGroup = `/aws/lambda/${fn.FunctionName}`;
        const logs = functionStatements(template).filter((s) => s.Action.some((a) => /^logs:/i.test(a)));

        const resources = logs.flatMap((s) => s.Resource.map((r) => resolveSub(r, pseudo)));
        const groupArn = `arn:aws:logs:${pseudo.Region}:${ACCOUNT}:log-group:${logGroup}`;

        expect(logs.length).toBeGreaterThan(0);
        for (const resource of resources) {
          expect([groupArn, `${groupArn}:*`]).toContain(resource);
        }
        expect(
          resourcesOfType(template, 'AWS::Logs::LogGroup').map(([, g]) => props<{ LogGroupName: string }>(g)),
        ).toContainEqual(expect.objectContaining({ LogGroupName: logGroup }));
      });
    });

    describe('upload pipeline', () => {
      it('buffers in an encrypted queue redriving to a 14-day DLQ after maxAttempts + 2 receives, visible 6x the timeout', () => {
        const { template, config } = get(stage);
        const { queue, dlqId, fn } = pipeline(template);
        const dlq = props<Record<string, unknown>>(template.Resources[dlqId]);

        expect(template.Resources[dlqId]?.Type).toBe('AWS::SQS::Queue');
        expect(queue.RedrivePolicy).toEqual({
          deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          maxReceiveCount: config.delivery.maxAttempts + 2,
        });
        expect(queue.SqsManagedSseEnabled === true || queue.KmsMasterKeyId !== undefined).toBe(true);
        expect(dlq.SqsManagedSseEnabled === true || dlq.KmsMasterKeyId !== undefined).toBe(true);
        expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Timeout);
        expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      });

      it('has one EventBridge rule per bucket selecting each trigger by bucket and prefix only, targeting the queue with retries and a DLQ', () => {
        const { template, config } = get(stage);
        const { queueId, dlqId } = pipeline(template);
        const rules = uploadRules(template, queueId).map(([, rule]) =>
          props<{ EventPattern: unknown; Targets: Record<string, unknown>[] }>(rule),
        );

        for (const trigger of config.uploads) {
          expect(rules.some((r) => selectsTrigger(r.EventPattern, trigger))).toBe(true);
        }
        expect(rules).toHaveLength(new Set(config.uploads.map((t) => t.bucket)).size);
        for (const rule of rules) expect(json(rule.EventPattern)).not.toMatch(/"(wildcard|numeric|suffix)"/);
        for (const rule of rules) {
          expect(rule.Targets).toHaveLength(1);
          const [target] = rule.Targets;
          const retry = target?.RetryPolicy as {
            MaximumRetryAttempts: number;
            MaximumEventAgeInSeconds: number;
          };
          expect(target?.Arn).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
          expect(retry.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
          expect(retry.MaximumRetryAttempts).toBeLessThanOrEqual(185);
          expect(retry.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
          expect(retry.MaximumEventAgeInSeconds).toBeLessThanOrEqual(86_400);
          expect(target?.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } });
        }
      });

      it("lets only events.amazonaws.com send to the queues, and only from the upload rules' ARNs", () => {
        const { template } = get(stage);
        const { queueId, dlqId } = pipeline(template);
        const ruleArns = uploadRules(template, queueId).map(([id]) => json({ 'Fn::GetAtt': [id, 'Arn'] }));
        const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy').filter(([, p]) =>
          toArray(props<{ Queues: unknown[] }>(p).Queues).some((q) => refTarget(q) === queueId),
        );
        const statements = policies.flatMap(([id, p]) =>
          normaliseStatements(props<{ PolicyDocument: unknown }>(p).PolicyDocument, id),
        );

        expect(policies).toHaveLength(1);
        expect(statements.length).toBeGreaterThan(0);
        for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
          const sourceArns = Object.entries(statement.Condition ?? {})
            .filter(([operator]) => /^Arn(Equals|Like)$/.test(operator))
            .flatMap(([, c]) => toArray(c['aws:SourceArn']));
          expect(statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
          expect(statement.Action).toEqual(['sqs:SendMessage']);
          expect(sorted(statement.Resource.map(json))).toEqual(
            sorted([queueId, dlqId].map((id) => json({ 'Fn::GetAtt': [id, 'Arn'] }))),
          );
          expect(sorted(sourceArns.map(json))).toEqual(sorted(ruleArns));
        }
      });

      it('maps the queue to the function reporting batch item failures, with batch size and max concurrency from the config', () => {
        const { template, config } = get(stage);
        const { mappingProps, functionId } = pipeline(template);

        expect(template.Resources[functionId]?.Type).toBe('AWS::Lambda::Function');
        expect(mappingProps.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
        expect(mappingProps.BatchSize).toBe(config.delivery.batchSize);
        expect(mappingProps.ScalingConfig).toEqual({ MaximumConcurrency: config.delivery.maxConcurrency });
      });

      it('keeps idempotency records in an encrypted on-demand table expiring on `expiration`', () => {
        const { template } = get(stage);
        const tableId = refTarget(pipeline(template).fn.Environment.Variables.IDEMPOTENCY_TABLE);
        const table = template.Resources[tableId ?? ''];

        expect(table?.Type).toBe('AWS::DynamoDB::Table');
        expect(props<Record<string, unknown>>(table)).toMatchObject({
          BillingMode: 'PAY_PER_REQUEST',
          TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
          SSESpecification: { SSEEnabled: true },
        });
      });

      it('points the function at the queue, DLQ and table by Ref and ships the packaged config JSON and bundle in its zip', () => {
        const { template, outDir, raw } = get(stage);
        const { fn, queueId, dlqId } = pipeline(template);
        const env = fn.Environment.Variables;
        const configFile = `.build/config/${stage}.json`;
        const zip = join(projectRoot, outDir, 'uploadToTask.zip');

        const entries = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n');
        const shipped: unknown = JSON.parse(
          execFileSync('unzip', ['-p', zip, configFile], { encoding: 'utf8' }),
        );

        expect(env.UPLOADS_QUEUE_URL).toEqual({ Ref: queueId });
        expect(env.UPLOADS_DLQ_URL).toEqual({ Ref: dlqId });
        expect(template.Resources[refTarget(env.IDEMPOTENCY_TABLE) ?? '']?.Type).toBe('AWS::DynamoDB::Table');
        expect(env.ECS_PILOT_CONFIG_FILE).toBe(configFile);
        expect(fn.Handler).toBe('functions/upload-to-task.handler');
        expect(entries).toContain(configFile);
        expect(entries).toContain('functions/upload-to-task.js');
        expect(entries).toContain('functions/package.json');
        expect(shipped).toEqual(raw);
      });
    });

    it('passes cfn-lint', async () => {
      const { templatePath } = get(stage);

      const { ok, output } = await runCfnLint(templatePath);

      expect(ok, `cfn-lint ${templatePath}:\n${output}`).toBe(true);
    });
  });

  describe('stage iamtest specifics', () => {
    it('scopes RunTask to the ARN with revision as given, family:3 exactly, a bare family to all its revisions and a trigger with secrets to its derived families', () => {
      const { template, pseudo } = get('iamtest');
      const resources = functionStatements(template)
        .filter((s) => grants(s, 'ecs:RunTask'))
        .flatMap((s) => s.Resource.map((r) => resolveSub(r, pseudo)));

      expect(sorted(resources)).toEqual(
        sorted([
          `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/report-builder:12`,
          `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/csv-loader:3`,
          `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/unpacker:*`,
          // The trigger with secrets: its derived revisions only.
          `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/vault-reader-ecs-pilot-*:*`,
        ]),
      );
    });

    it('passes only the role ARNs given and the named task role; the trigger without roles adds none', () => {
      const { template, pseudo } = get('iamtest');
      const resources = functionStatements(template)
        .filter((s) => grants(s, 'iam:PassRole'))
        .flatMap((s) => s.Resource.map((r) => resolveSub(r, pseudo)));

      expect(sorted(resources)).toEqual(
        sorted([
          `arn:aws:iam::${ACCOUNT}:role/report-builder-task`,
          `arn:aws:iam::${ACCOUNT}:role/service/report-exec`,
          `arn:aws:iam::${ACCOUNT}:role/unpacker-task`,
        ]),
      );
    });

    it('selects pinned-bucket by bucket only (a trigger there has no prefix), with no wildcard pattern', () => {
      const { template } = get('iamtest');
      const patterns = resourcesOfType(template, 'AWS::Events::Rule').map(([, r]) =>
        json(props<{ EventPattern: unknown }>(r).EventPattern),
      );

      expect(patterns).toContain(
        json({
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { bucket: { name: ['pinned-bucket'] } },
        }),
      );
      expect(patterns.some((p) => p.includes('"wildcard"'))).toBe(false);
    });
  });

  it('fails packaging on an invalid config, naming uploads[0].task.subnets and the unknown key', async () => {
    const configFile = `${CONFIG_DIR}/invalid.yml`;
    const outDir = outDirFor('invalidtest');
    await writeFile(join(projectRoot, configFile), stringify(INVALID_CONFIG));

    const error = await packageStage('invalidtest', { outDir, configFile }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('uploads[0].task.subnets');
    expect((error as Error).message).toContain('uploads[0].task.memroy: unknown key');
    expect(existsSync(join(projectRoot, outDir, 'cloudformation-template-update-stack.json'))).toBe(false);
  });
});
