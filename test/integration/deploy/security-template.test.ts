import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCheckov, type CheckovReport } from '../../../local/checkov';
import { resetEmulator, runCfnLint } from '../../../local/emulator';
import { emulatorClients, REGION } from '../../../local/harness';
import { packageStage, projectRoot, readTemplate, type PackagedTemplate } from '../../../local/package';
import { deployLocalStack } from '../../../local/stack';
import { grants, props, resourcesOfType, roleStatements, toArray } from '../../helpers/template';
import { expectSecureDefaults, CMK_CHECKS } from '../../helpers/security';

/**
 * What a platform team's security review sees on the template packaged from config/example.yml:
 * Checkov passes (every failure it reports is skipped in .checkov.yaml with a reason), and the gaps
 * it found are closed. Then the same config with `encryption: kms`: every queue, table, log group
 * and function environment on the stack's key, the CMK checks passing rather than skipped, and the
 * key policy as the emulator holds it. Expectations are read from the template, not shared/deploy.
 */

const CONFIG_DIR = '.build/security-test-configs';
const STACK_KEY = { 'Fn::GetAtt': ['StackKey', 'Arn'] };

interface Case {
  stage: string;
  configFile: string;
  outDir: string;
  template: PackagedTemplate;
  templatePath: string;
  checkov: CheckovReport;
}
const cases = new Map<string, Case>();
const get = (stage: string) => cases.get(stage)!;

describe('Packaged template for a security review (sls package, Checkov)', () => {
  beforeAll(async () => {
    const example = parse(await readFile(join(projectRoot, 'config/example.yml'), 'utf8')) as Record<
      string,
      unknown
    >;
    await mkdir(join(projectRoot, CONFIG_DIR), { recursive: true });
    const kmsConfig = `${CONFIG_DIR}/example-kms.yml`;
    await writeFile(join(projectRoot, kmsConfig), stringify({ ...example, encryption: 'kms' }));
    // One after another: each packaging run bundles every function and uses both cores.
    for (const [stage, configFile] of [
      ['securitytest', 'config/example.yml'],
      ['securitykmstest', kmsConfig],
    ] as const) {
      const outDir = `.serverless-${stage}`;
      await rm(join(projectRoot, outDir), { recursive: true, force: true });
      const templatePath = await packageStage(stage, { outDir, configFile });
      cases.set(stage, {
        stage,
        configFile,
        outDir,
        templatePath,
        template: await readTemplate(templatePath),
        checkov: await runCheckov(templatePath),
      });
    }
  }, 600_000);

  afterAll(async () => {
    await Promise.all([
      ...['securitytest', 'securitykmstest'].flatMap((stage) => [
        rm(join(projectRoot, `.serverless-${stage}`), { recursive: true, force: true }),
        rm(join(projectRoot, `.build/config/${stage}.json`), { force: true }),
      ]),
      rm(join(projectRoot, CONFIG_DIR), { recursive: true, force: true }),
    ]);
  });

  describe('config/example.yml as it is', () => {
    it('passes Checkov: no failure that .checkov.yaml does not skip with a reason', () => {
      const { checkov } = get('securitytest');

      expect(checkov.parsingErrors).toBe(0);
      expect(checkov.failed, JSON.stringify(checkov.failed, null, 2)).toEqual([]);
      expect(checkov.passed.length).toBeGreaterThan(0);
      for (const skip of checkov.skipped) expect(skip.reason, skip.id).not.toBe('');
    });

    it('closes the gaps Checkov found: deployment bucket, point-in-time recovery, ListTasks scoped by cluster', () => {
      expectSecureDefaults(get('securitytest').template);
    });

    it('keeps the services’ own encryption: no stack key, SSE-SQS, DynamoDB’s key', () => {
      const { template } = get('securitytest');

      // Only the stop-alerts topic's own key, as before `encryption` existed (SNS has no managed SSE that CloudWatch can use).
      expect(resourcesOfType(template, 'AWS::KMS::Key').map(([id]) => id)).toEqual(['AlertsKey']);
      for (const [id, queue] of resourcesOfType(template, 'AWS::SQS::Queue'))
        expect(props<{ SqsManagedSseEnabled?: boolean }>(queue).SqsManagedSseEnabled, id).toBe(true);
      for (const [id, fn] of resourcesOfType(template, 'AWS::Lambda::Function'))
        expect(props<{ KmsKeyArn?: unknown }>(fn).KmsKeyArn, id).toBeUndefined();
    });
  });

  describe('config/example.yml with encryption: kms', () => {
    it('passes Checkov with the customer-managed-key checks passing, none of them skipped', () => {
      const { checkov } = get('securitykmstest');

      expect(checkov.encrypted).toBe(true);
      expect(checkov.failed, JSON.stringify(checkov.failed, null, 2)).toEqual([]);
      expect(checkov.skipped.filter((s) => CMK_CHECKS.includes(s.id))).toEqual([]);
      const passed = new Set(checkov.passed.map((p) => p.id));
      // Queues, tables, log groups and the functions' environments.
      for (const id of ['CKV_AWS_27', 'CKV_AWS_119', 'CKV_AWS_158', 'CKV_AWS_173'])
        expect(passed, id).toContain(id);
    });

    it('puts every queue, table, log group and function environment on the stack’s key', () => {
      const { template } = get('securitykmstest');

      const queues = resourcesOfType(template, 'AWS::SQS::Queue');
      expect(queues.length).toBeGreaterThan(0);
      for (const [id, queue] of queues) {
        const p = props<{ KmsMasterKeyId?: unknown; SqsManagedSseEnabled?: unknown }>(queue);
        expect(p.KmsMasterKeyId, id).toEqual(STACK_KEY);
        expect(p.SqsManagedSseEnabled, id).toBeUndefined();
      }
      for (const [id, table] of resourcesOfType(template, 'AWS::DynamoDB::Table'))
        expect(props<{ SSESpecification: unknown }>(table).SSESpecification, id).toEqual({
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: STACK_KEY,
        });
      const functions = resourcesOfType(template, 'AWS::Lambda::Function');
      const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup');
      expect(logGroups.length).toBe(functions.length);
      for (const [id, group] of logGroups)
        expect(props<{ KmsKeyId?: unknown }>(group).KmsKeyId, id).toEqual(STACK_KEY);
      for (const [id, fn] of functions)
        expect(props<{ KmsKeyArn?: unknown }>(fn).KmsKeyArn, id).toEqual(STACK_KEY);
      expectSecureDefaults(template);
    });

    it('grants the function’s role kms actions on the key only, and only those its work needs', () => {
      const { template } = get('securitykmstest');

      for (const [roleId, statements] of roleStatements(template)) {
        const kms = statements.filter((s) => s.Action.some((a) => a.startsWith('kms:')));
        for (const s of kms) expect(s.Resource, roleId).toEqual([STACK_KEY]);
        const actions = [...new Set(kms.flatMap((s) => s.Action))].sort();
        // A function that reads and writes a table (DynamoDB's set) needs all of these; one that
        // only sends to queues or topics needs Decrypt and GenerateDataKey.
        const TABLE_USER = [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey*',
          'kms:ReEncrypt*',
        ];
        const SENDER = ['kms:Decrypt', 'kms:GenerateDataKey'];
        if (roleId === 'UploadToTaskRole') expect(actions, roleId).toEqual(TABLE_USER);
        else if (roleId === 'SchedulerRole') expect(actions, roleId).toEqual(SENDER);
        else
          expect(
            actions.every((a) => TABLE_USER.includes(a) || SENDER.includes(a)),
            roleId,
          ).toBe(true);
        expect(actions, roleId).toContain('kms:Decrypt');
        expect(
          statements.some((s) => grants(s, 'kms:CreateGrant') || grants(s, 'kms:PutKeyPolicy')),
          roleId,
        ).toBe(false);
      }
    });

    it('passes cfn-lint', async () => {
      const { templatePath } = get('securitykmstest');

      const { ok, output } = await runCfnLint(templatePath);

      expect(ok, `cfn-lint ${templatePath}:\n${output}`).toBe(true);
    });

    it('deploys the key with its policy, and the queues on it, to the emulator', async () => {
      const endpoint = inject('emulatorEndpoint');
      await resetEmulator(endpoint);
      const clients = emulatorClients(endpoint);
      const { template } = get('securitykmstest');

      const stack = await deployLocalStack(template, clients, 'ecs-pilot-securitykmstest');

      const keyId = stack.refs.get('StackKey')!;
      // Real KMS returns the policy as a JSON string; moto returns the object CloudFormation gave it.
      const held = (
        JSON.parse(await kms(endpoint, 'GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' })) as {
          Policy: unknown;
        }
      ).Policy;
      const policy = (typeof held === 'string' ? JSON.parse(held) : held) as { Statement: unknown };
      const statements = toArray(policy.Statement) as Record<string, unknown>[];
      const bySid = new Map(statements.map((s) => [s.Sid as string, s]));
      expect([...bySid.keys()].sort()).toEqual([
        'AccountIamPoliciesDecide',
        // The alarms publish to the alerts topic, which is on the stack key.
        'CloudWatchAlarmsPublishToTheTopic',
        'CloudWatchLogsForThisStage',
        'EventBridgeDeliversToTheQueues',
      ]);
      expect(bySid.get('AccountIamPoliciesDecide')!.Principal).toEqual({
        AWS: 'arn:aws:iam::123456789012:root',
      });
      expect(bySid.get('CloudWatchLogsForThisStage')!.Principal).toEqual({
        Service: `logs.${REGION}.amazonaws.com`,
      });
      expect(bySid.get('CloudWatchLogsForThisStage')!.Condition).toEqual({
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${REGION}:123456789012:log-group:/aws/lambda/ecs-pilot-securitykmstest-*`,
        },
      });
      expect(bySid.get('EventBridgeDeliversToTheQueues')!).toMatchObject({
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      });
      // moto's DescribeKey fails (HTTP 500) on a key whose policy came through CloudFormation.
      const keyArn = `arn:aws:kms:${REGION}:123456789012:key/${keyId}`;
      // moto returns KmsMasterKeyId only when asked for All attributes.
      for (const [id] of resourcesOfType(template, 'AWS::SQS::Queue')) {
        const { Attributes } = await clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: stack.refs.get(id)!,
            AttributeNames: ['All'],
          }),
        );
        expect(Attributes?.KmsMasterKeyId, id).toBe(keyArn);
      }
      // Not checked here: moto keeps the table's SSESpecification but reports it only when it says
      // `Enabled`, and CloudFormation's property is `SSEEnabled` (the template test above covers it).
    });
  });
});

/** One KMS API call to the emulator (the SDK's KMS client is not a dependency of this project). */
async function kms(endpoint: string, action: string, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `TrentService.${action}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/kms/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`KMS ${action} on the emulator: HTTP ${response.status} ${text}`);
  return text;
}
