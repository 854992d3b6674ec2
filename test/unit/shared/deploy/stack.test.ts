import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import { loadConfigFile } from '../../../../shared/config/yaml';
import { buildStack, configFileFor, packagedConfigFile } from '../../../../shared/deploy/stack';
import { UPLOADS_FUNCTION } from '../../../../shared/uploads/deploy';
import { bucketId } from '../../../../shared/uploads/rules';
import { rawTrigger } from '../fixtures';

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
