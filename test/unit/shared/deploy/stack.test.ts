import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import { loadConfigFile } from '../../../../shared/config/yaml';
import { buildStack, configFileFor, packagedConfigFile } from '../../../../shared/deploy/stack';
import { UPLOADS_FUNCTION } from '../../../../shared/uploads/deploy';
import { bucketId } from '../../../../shared/uploads/rules';
import { rawTrigger } from '../fixtures';
import { IAM_LIMITS, policySize, type Statement } from '../../../../shared/kernel/deploy/iam';
import { maxScaleConfig } from '../../../helpers/scale-config';

const repoFile = (path: string) => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));
const OPTIONS = { service: 'ecs-pilot', stage: 'dev', configFile: '.build/config/dev.json' };

describe('Function: buildStack', () => {
  it('builds an empty stack for a config without automations', () => {
    // Act
    const stack = buildStack(parseConfig({ region: 'eu-west-1', logLevel: 'WARN' }), OPTIONS);

    // Assess
    expect(stack).toEqual({
      region: 'eu-west-1',
      logLevel: 'WARN',
      configFile: '.build/config/dev.json',
      logRetentionDays: 30,
      tags: {},
      metricsNamespace: 'ecs-pilot/dev',
      functions: {},
      resources: { Resources: {}, Outputs: {} },
    });
  });

  describe('operations', () => {
    const types = (resources: Record<string, unknown>) =>
      Object.values(resources).map((r) => (r as { Type: string }).Type);
    const alarmsOf = (resources: Record<string, unknown>) =>
      Object.values(resources)
        .filter((r) => (r as { Type: string }).Type === 'AWS::CloudWatch::Alarm')
        .map((r) => (r as { Properties: { AlarmActions: unknown[] } }).Properties);

    it('adds alarms, a dashboard and, for alarm emails without alerts, a topic of their own', () => {
      // Act
      const stack = buildStack(
        parseConfig({ uploads: [rawTrigger()], alarms: { emails: ['ops@example.com'] } }),
        OPTIONS,
      );

      // Assess
      const resources = stack.resources.Resources;
      expect(types(resources)).toContain('AWS::CloudWatch::Dashboard');
      expect(resources).toHaveProperty('AlarmsTopic');
      const alarms = alarmsOf(resources);
      // The uploads dead-letter queue, and the function's Errors and Throttles.
      expect(alarms).toHaveLength(3);
      for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmsTopic' }]);
    });

    it('sends alarms to the stop-alerts topic and lets CloudWatch use its key', () => {
      // Act
      const stack = buildStack(
        parseConfig({ uploads: [rawTrigger()], alerts: { emails: ['ops@example.com'] } }),
        OPTIONS,
      );

      // Assess
      const resources = stack.resources.Resources as Record<string, { Properties: Record<string, unknown> }>;
      expect(resources).not.toHaveProperty('AlarmsTopic');
      for (const alarm of alarmsOf(resources)) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlertsTopic' }]);
      const keyPolicy = resources.AlertsKey!.Properties.KeyPolicy as { Statement: { Principal?: unknown }[] };
      expect(keyPolicy.Statement.map((s) => s.Principal)).toContainEqual({
        Service: 'cloudwatch.amazonaws.com',
      });
    });

    it('creates no alarm when alarms are turned off, and keeps the dashboard', () => {
      // Act
      const stack = buildStack(parseConfig({ uploads: [rawTrigger()], alarms: { enabled: false } }), OPTIONS);

      // Assess
      expect(types(stack.resources.Resources)).not.toContain('AWS::CloudWatch::Alarm');
      expect(types(stack.resources.Resources)).toContain('AWS::CloudWatch::Dashboard');
    });

    it('carries the retention, the tags (for the stack, not written on each resource) and a metrics namespace per stage', () => {
      // Act
      const stack = buildStack(
        parseConfig({ uploads: [rawTrigger()], logRetentionDays: 90, tags: { team: 'platform' } }),
        { ...OPTIONS, stage: 'prod' },
      );

      // Assess
      expect(stack).toMatchObject({
        logRetentionDays: 90,
        tags: { team: 'platform' },
        metricsNamespace: 'ecs-pilot/prod',
      });
      const queue = stack.resources.Resources.UploadsQueue as { Properties: Record<string, unknown> };
      expect(queue.Properties).not.toHaveProperty('Tags');
    });
  });

  it('adds the upload function, its resources and the dead-letter queue output when uploads are configured', () => {
    // Act
    const stack = buildStack(parseConfig({ uploads: [rawTrigger()] }), OPTIONS);

    // Assess
    expect(Object.keys(stack.functions)).toEqual([UPLOADS_FUNCTION]);
    expect(stack.resources.Resources).toHaveProperty('UploadsQueue');
    expect(stack.resources.Resources).toHaveProperty(`UploadRule${bucketId('media-ingest')}`);
    expect(stack.resources.Outputs).toEqual({
      UploadsDeadLetterQueueUrl: {
        Description: 'Uploads that could not start a task, with the reason in message attributes',
        Value: { Ref: 'UploadsDeadLetterQueue' },
      },
    });
  });

  it('prefixes resource names with <service>-<stage>', () => {
    const stack = buildStack(parseConfig({ uploads: [rawTrigger()] }), {
      ...OPTIONS,
      service: 'svc',
      stage: 'prod',
    });

    expect(stack.resources.Resources).toMatchObject({
      UploadsQueue: { Properties: { QueueName: 'svc-prod-uploads' } },
      [`UploadRule${bucketId('media-ingest')}`]: {
        Properties: { Name: `svc-prod-upload-${bucketId('media-ingest')}` },
      },
    });
  });

  it('builds the same stack twice from the same config', () => {
    const config = loadConfigFile(repoFile('config/local.yml'));

    expect(JSON.stringify(buildStack(config, OPTIONS))).toBe(JSON.stringify(buildStack(config, OPTIONS)));
  });

  it('builds one rule for the one bucket of config/local.yml, with the delivery settings from the config', () => {
    // Prepare
    const config = loadConfigFile(repoFile('config/local.yml'));

    // Act
    const stack = buildStack(config, OPTIONS);

    // Assess
    expect(stack.region).toBe('us-east-1');
    expect(Object.keys(stack.resources.Resources).filter((id) => id.startsWith('UploadRule'))).toEqual([
      `UploadRule${bucketId('media-ingest')}`,
    ]);
    expect(stack.resources.Resources.UploadsQueue).toMatchObject({
      Properties: { RedrivePolicy: { maxReceiveCount: 5 } },
    });
    expect(stack.functions[UPLOADS_FUNCTION]?.events[0]).toMatchObject({
      sqs: { batchSize: 10, maximumConcurrency: 2, functionResponseType: 'ReportBatchItemFailures' },
    });
  });
});

describe('Function: configFileFor', () => {
  it('uses config/<stage>.yml by default', () => {
    expect(configFileFor('prod', {})).toBe('config/prod.yml');
  });

  it('uses ECS_PILOT_CONFIG when set', () => {
    expect(configFileFor('prod', { ECS_PILOT_CONFIG: 'elsewhere/prod.yml' })).toBe('elsewhere/prod.yml');
  });

  it('ignores an empty ECS_PILOT_CONFIG', () => {
    expect(configFileFor('dev', { ECS_PILOT_CONFIG: '' })).toBe('config/dev.yml');
  });
});

describe('Function: packagedConfigFile', () => {
  it('places the JSON form of the stage config under .build/config', () => {
    expect(packagedConfigFile('dev')).toBe('.build/config/dev.json');
  });
});

describe('Function: stackForStage', () => {
  it('refuses to package a config with no automation, naming why', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { stackForStage } = await import('../../../../shared/deploy/stack');
    const file = join(mkdtempSync(join(tmpdir(), 'ecs-pilot-stack-')), 'empty.yml');
    writeFileSync(file, 'uploads: []\n');

    expect(() => stackForStage('ecs-pilot', 'empty', { ECS_PILOT_CONFIG: file })).toThrow(
      /no automation is configured \(uploads, schedules, alerts, scalers and images are all empty\): nothing to deploy/,
    );
  });
});

describe('Function: buildStack reserved concurrency', () => {
  it('reserves no concurrency for any function by default', () => {
    const stack = buildStack(parseConfig({ uploads: [rawTrigger()] }), OPTIONS);

    expect(stack.functions[UPLOADS_FUNCTION]).not.toHaveProperty('reservedConcurrency');
  });

  it('reserves what the config opts into, for that function only', () => {
    const stack = buildStack(
      parseConfig({ uploads: [rawTrigger()], reservedConcurrency: { uploadToTask: 5 } }),
      OPTIONS,
    );

    expect(stack.functions[UPLOADS_FUNCTION]).toMatchObject({ reservedConcurrency: 5 });
  });
});

describe('Function: buildStack (data at rest)', () => {
  type Resource = { Type: string; Properties: Record<string, unknown> };
  const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const STACK_KEY = { 'Fn::GetAtt': ['StackKey', 'Arn'] };
  /** Every automation at the maximum scale, without encryption unless asked, with alarms to a topic of the stack's own. */
  const everything = (extra: Record<string, unknown> = {}) =>
    parseConfig({
      ...maxScaleConfig(),
      encryption: undefined,
      alarms: { emails: ['ops@example.com'] },
      ...extra,
    });
  const ofType = (resources: Record<string, unknown>, type: string) =>
    Object.entries(resources as Record<string, Resource>).filter(([, r]) => r.Type === type);

  it('keeps the services’ own encryption by default, with point-in-time recovery on every table', () => {
    // Act
    const stack = buildStack(everything(), OPTIONS);

    // Assess
    const resources = stack.resources.Resources;
    expect(resources).not.toHaveProperty('StackKey');
    expect(stack.resources.extensions).toBeUndefined();
    for (const [id, queue] of ofType(resources, 'AWS::SQS::Queue')) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      expect(queue.Properties.KmsMasterKeyId, id).toBeUndefined();
    }
    const tables = ofType(resources, 'AWS::DynamoDB::Table');
    expect(tables.map(([id]) => id).sort()).toEqual([
      'AlertsStateTable',
      'IdempotencyTable',
      'ScalerStateTable',
    ]);
    for (const [id, table] of tables) {
      expect(table.Properties.SSESpecification, id).toEqual({ SSEEnabled: true });
      expect(table.Properties.PointInTimeRecoverySpecification, id).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
    }
    expect(props(resources.AlertsTopic).KmsMasterKeyId).toEqual({ Ref: 'AlertsKey' });
    expect(props(resources.AlarmsTopic).KmsMasterKeyId).toBeUndefined();
    for (const fn of Object.values(stack.functions)) expect(fn.kmsKeyArn).toBeUndefined();
  });

  it('turns point-in-time recovery off when the config says so', () => {
    // Act
    const stack = buildStack(everything({ pointInTimeRecovery: false }), OPTIONS);

    // Assess
    for (const [id, table] of ofType(stack.resources.Resources, 'AWS::DynamoDB::Table'))
      expect(table.Properties.PointInTimeRecoverySpecification, id).toEqual({
        PointInTimeRecoveryEnabled: false,
      });
  });

  it.each([
    ['kms', 'kms' as const, STACK_KEY],
    ['kmsKeyArn', { kmsKeyArn: KEY_ARN }, KEY_ARN],
  ])(
    'puts every queue, table, topic, log group and environment on the key (encryption: %s)',
    (_, encryption, key) => {
      // Act
      const stack = buildStack(everything({ encryption }), OPTIONS);

      // Assess
      const resources = stack.resources.Resources;
      const queues = ofType(resources, 'AWS::SQS::Queue');
      expect(queues.length).toBeGreaterThan(3);
      for (const [id, queue] of queues) {
        expect(queue.Properties.KmsMasterKeyId, id).toEqual(key);
        expect(queue.Properties.SqsManagedSseEnabled, id).toBeUndefined();
      }
      for (const [id, table] of ofType(resources, 'AWS::DynamoDB::Table'))
        expect(table.Properties.SSESpecification, id).toEqual({
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: key,
        });
      const topics = ofType(resources, 'AWS::SNS::Topic');
      expect(topics.map(([id]) => id).sort()).toEqual(['AlarmsTopic', 'AlertsTopic']);
      for (const [id, topic] of topics) expect(topic.Properties.KmsMasterKeyId, id).toEqual(key);
      // The stop-alerts topic's own key is replaced by the one key.
      expect(resources).not.toHaveProperty('AlertsKey');
      const names = Object.keys(stack.functions);
      expect(names.length).toBe(5);
      for (const name of names) expect(stack.functions[name]!.kmsKeyArn, name).toEqual(key);
      expect(Object.keys(stack.resources.extensions ?? {}).sort()).toEqual(
        names.map((n) => `${n[0]!.toUpperCase()}${n.slice(1)}LogGroup`).sort(),
      );
      for (const extension of Object.values(stack.resources.extensions ?? {}))
        expect(extension).toEqual({ Properties: { KmsKeyId: key } });
      expect(resources.StackKey !== undefined).toBe(encryption === 'kms');
    },
  );

  it('lets CloudWatch Logs, EventBridge and CloudWatch alarms use the key it creates, from this account only', () => {
    // Act
    const stack = buildStack(everything({ encryption: 'kms' }), OPTIONS);

    // Assess
    const key = stack.resources.Resources.StackKey as Resource & { DeletionPolicy: string };
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const statements = (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const byPrincipal = new Map(statements.map((s) => [JSON.stringify(s.Principal), s]));
    expect([...byPrincipal.keys()].sort()).toEqual(
      [
        { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
        { Service: 'cloudwatch.amazonaws.com' },
        { Service: 'events.amazonaws.com' },
        { Service: { 'Fn::Sub': 'logs.${AWS::Region}.amazonaws.com' } },
      ]
        .map((p) => JSON.stringify(p))
        .sort(),
    );
    const logs = byPrincipal.get(
      JSON.stringify({ Service: { 'Fn::Sub': 'logs.${AWS::Region}.amazonaws.com' } }),
    )!;
    expect(logs.Condition).toEqual({
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': {
          'Fn::Sub':
            'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/ecs-pilot-dev-*',
        },
      },
    });
    for (const principal of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      const statement = byPrincipal.get(JSON.stringify({ Service: principal }))!;
      expect(statement.Action, principal).toEqual(expect.arrayContaining(['kms:Decrypt']));
      expect(statement.Condition, principal).toEqual({
        StringEquals: { 'aws:SourceAccount': { 'Fn::Sub': '${AWS::AccountId}' } },
      });
    }
  });

  it('gives each role exactly the kms actions its work needs, on the key only', () => {
    // Act
    const stack = buildStack(everything({ encryption: 'kms' }), OPTIONS);

    // Assess
    const kmsOf = (roleId: string) => {
      const role = stack.resources.Resources[roleId] as Resource;
      const inline = (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])[0]!;
      const managed = ((role.Properties.ManagedPolicyArns as { Ref: string }[] | undefined) ?? []).flatMap(
        (ref) =>
          (
            stack.resources.Resources[ref.Ref] as {
              Properties: { PolicyDocument: { Statement: Statement[] } };
            }
          ).Properties.PolicyDocument.Statement,
      );
      const kms = [...inline.PolicyDocument.Statement, ...managed].filter((s) =>
        s.Action.some((a) => a.startsWith('kms:')),
      );
      for (const s of kms) expect(s.Resource, roleId).toEqual([STACK_KEY]);
      return kms.flatMap((s) => s.Action).sort();
    };
    const dynamodb = [
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
    ];
    // Queue consumers and producers, table readers and writers, publishers to the alerts topic.
    expect(kmsOf('UploadToTaskRole')).toEqual(dynamodb);
    expect(kmsOf('RunScheduleRole')).toEqual(dynamodb);
    expect(kmsOf('StopAlertRole')).toEqual(dynamodb);
    expect(kmsOf('EnforceImagesRole')).toEqual(dynamodb);
    expect(kmsOf('ScaleQueuesRole')).toEqual(dynamodb);
    // Scheduler only sends to queues: a producer's two actions.
    for (const role of ['SchedulerRole', 'ImagesSchedulerRole', 'ScalingSchedulerRole'])
      expect(kmsOf(role), role).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('keeps every role within IAM’s size limits at the maximum scale with encryption on', () => {
    // Act
    const stack = buildStack(everything({ encryption: 'kms' }), OPTIONS);

    // Assess
    for (const [id, role] of ofType(stack.resources.Resources, 'AWS::IAM::Role')) {
      const inline = (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])[0]!;
      expect(policySize(inline.PolicyDocument.Statement), id).toBeLessThanOrEqual(IAM_LIMITS.inlinePerRole);
    }
    for (const [id, policy] of ofType(stack.resources.Resources, 'AWS::IAM::ManagedPolicy'))
      expect(
        policySize((policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement),
        id,
      ).toBeLessThanOrEqual(IAM_LIMITS.managedPolicy);
  });
});

const props = (resource: unknown) => (resource as { Properties: Record<string, unknown> }).Properties;
