import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  deployedConfig,
  loadConfigJson,
  NOTHING_TO_DEPLOY,
  parseConfig,
  resetDeployedConfig,
} from '../../../../shared/config/load';
import { UPLOAD_PLACEHOLDERS } from '../../../../shared/config/schema';
import { ConfigError, PermanentError } from '../../../../shared/kernel/errors';
import { rawTrigger, type RawTask, type RawTrigger } from '../fixtures';

const DEFAULT_DELIVERY = {
  maxConcurrency: 2,
  batchSize: 10,
  maxAttempts: 8,
  retryBaseSeconds: 10,
  maxLaunchesPerSecond: 20,
};
const PLACEHOLDER_LIST = UPLOAD_PLACEHOLDERS.map((p) => `{${p}}`).join(', ');

/** A config with one upload trigger built from {@link rawTrigger}. */
const withUpload = (
  fields: Partial<Omit<RawTrigger, 'task'>> & Record<string, unknown> = {},
  task: Partial<RawTask> & Record<string, unknown> = {},
) => ({ uploads: [rawTrigger(fields, task)] });

/** The issues of the ConfigError parseConfig throws; fails the test when it does not throw one. */
function issuesOf(raw: unknown): readonly string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected parseConfig to throw a ConfigError');
}

describe('Function: parseConfig', () => {
  describe('defaults', () => {
    it.each([
      ['an empty object', {}],
      ['null (an empty YAML file)', null],
      ['undefined', undefined],
    ])('fills every default for %s', (_label, raw) => {
      // Act
      const config = parseConfig(raw);

      // Assess
      expect(config).toEqual({
        region: 'us-east-1',
        logLevel: 'INFO',
        delivery: DEFAULT_DELIVERY,
        uploads: [],
        schedules: [],
        scalers: [],
        alarms: { enabled: true, emails: [] },
        logRetentionDays: 30,
        pointInTimeRecovery: true,
        tags: {},
      });
    });

    it('fills the delivery defaults that a partial delivery block leaves out', () => {
      const config = parseConfig({ delivery: { maxAttempts: 3 } });

      expect(config.delivery).toEqual({ ...DEFAULT_DELIVERY, maxAttempts: 3 });
    });

    it('fills the trigger and task defaults: prefix, assignPublicIp, platformVersion, environment, roles, tags', () => {
      // Act
      const [trigger] = parseConfig(withUpload()).uploads;

      // Assess
      expect(trigger).toEqual({
        name: 'thumbnails',
        bucket: 'media-ingest',
        prefix: '',
        task: {
          cluster: 'media',
          taskDefinition: 'thumbnailer',
          container: 'app',
          subnets: ['subnet-0123abcd'],
          securityGroups: ['sg-0123abcd'],
          assignPublicIp: 'DISABLED',
          platformVersion: 'LATEST',
          environment: {},
          roles: {},
          tags: {},
        },
      });
    });

    it('leaves optional settings absent rather than inventing values', () => {
      const [trigger] = parseConfig(withUpload()).uploads;

      expect(trigger).not.toHaveProperty('suffix');
      expect(trigger).not.toHaveProperty('minSize');
      expect(trigger).not.toHaveProperty('maxSize');
      expect(trigger?.task).not.toHaveProperty('launchType');
      expect(trigger?.task).not.toHaveProperty('capacityProviderStrategy');
      expect(trigger?.task).not.toHaveProperty('command');
      expect(trigger?.task).not.toHaveProperty('maxRunning');
    });

    it('gives a capacity provider weight 1 and base 0 by default', () => {
      const [trigger] = parseConfig(
        withUpload({}, { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }] }),
      ).uploads;

      expect(trigger?.task.capacityProviderStrategy).toEqual([
        { capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 },
      ]);
    });

    it('keeps values that are given instead of replacing them with defaults', () => {
      // Prepare
      const raw = {
        region: 'eu-west-1',
        logLevel: 'DEBUG',
        delivery: {
          maxConcurrency: 5,
          batchSize: 1,
          maxAttempts: 50,
          retryBaseSeconds: 900,
          maxLaunchesPerSecond: 7,
        },
        ...withUpload(
          { prefix: 'incoming/', suffix: '.jpg', minSize: 0, maxSize: 10 },
          {
            assignPublicIp: 'ENABLED',
            platformVersion: '1.4.0',
            launchType: 'FARGATE',
            environment: { INPUT_KEY: '{key}' },
            command: ['run', '{key}'],
            roles: { task: 'thumbnailer-task' },
            tags: { team: 'media' },
            maxRunning: 10,
          },
        ),
      };

      // Act
      const config = parseConfig(raw);

      // Assess
      expect(config.region).toBe('eu-west-1');
      expect(config.logLevel).toBe('DEBUG');
      expect(config.delivery).toEqual(raw.delivery);
      expect(config.uploads[0]).toMatchObject({
        prefix: 'incoming/',
        suffix: '.jpg',
        minSize: 0,
        maxSize: 10,
      });
      expect(config.uploads[0]?.task).toMatchObject({
        assignPublicIp: 'ENABLED',
        platformVersion: '1.4.0',
        launchType: 'FARGATE',
        environment: { INPUT_KEY: '{key}' },
        command: ['run', '{key}'],
        roles: { task: 'thumbnailer-task' },
        tags: { team: 'media' },
        maxRunning: 10,
      });
    });

    it('does not write the defaults into the object it was given', () => {
      // Prepare
      const raw = withUpload();
      const before = structuredClone(raw);

      // Act
      parseConfig(raw);

      // Assess
      expect(raw).toEqual(before);
    });
  });

  describe('accepted values', () => {
    it.each(['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-gov-west-1', 'eu-central-2'])(
      'accepts region %s',
      (region) => {
        expect(parseConfig({ region }).region).toBe(region);
      },
    );

    it.each([
      'thumbnailer',
      'thumbnailer:12',
      'Thumb_nailer-2',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/thumbnailer',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/thumbnailer:3',
      'arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/thumbnailer:3',
    ])('accepts task definition %s', (taskDefinition) => {
      expect(parseConfig(withUpload({}, { taskDefinition })).uploads[0]?.task.taskDefinition).toBe(
        taskDefinition,
      );
    });

    it.each([
      'ecsTaskExecutionRole',
      'thumbnailer-task',
      'role+=,.@_-name',
      'a'.repeat(64),
      'arn:aws:iam::123456789012:role/thumbnailer-task',
      'arn:aws:iam::123456789012:role/service-role/thumbnailer-task',
      'arn:aws-us-gov:iam::123456789012:role/thumbnailer-task',
    ])('accepts role %s (a role name or a role ARN)', (role) => {
      const config = parseConfig(withUpload({}, { roles: { task: role, execution: role } }));

      expect(config.uploads[0]?.task.roles).toEqual({ task: role, execution: role });
    });

    it.each([
      ['launchType only', { launchType: 'FARGATE' as const }],
      ['capacityProviderStrategy only', { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }] }],
      ['neither', {}],
    ])('accepts %s', (_label, task) => {
      expect(() => parseConfig(withUpload({}, task))).not.toThrow();
    });

    it('accepts minSize equal to maxSize', () => {
      expect(parseConfig(withUpload({ minSize: 5, maxSize: 5 })).uploads[0]).toMatchObject({
        minSize: 5,
        maxSize: 5,
      });
    });

    it('accepts every documented placeholder in environment values and commands', () => {
      const template = UPLOAD_PLACEHOLDERS.map((p) => `{${p}}`).join('/');

      const [trigger] = parseConfig(
        withUpload({}, { environment: { ALL: template }, command: ['run', template] }),
      ).uploads;

      expect(trigger?.task.environment).toEqual({ ALL: template });
      expect(trigger?.task.command).toEqual(['run', template]);
    });

    it.each([
      ['prefix of 1024 characters', withUpload({ prefix: 'p'.repeat(1024) })],
      ['suffix of 1024 characters', withUpload({ suffix: 's'.repeat(1024) })],
      ['environment value of 4096 characters', withUpload({}, { environment: { V: 'v'.repeat(4096) } })],
      ['command part of 4096 characters', withUpload({}, { command: ['c'.repeat(4096)] })],
      ['tag value of 256 characters', withUpload({}, { tags: { team: 't'.repeat(256) } })],
      ['tag key of 128 characters', withUpload({}, { tags: { ['k'.repeat(128)]: 'v' } })],
      [
        '16 subnets',
        withUpload({}, { subnets: Array.from({ length: 16 }, (_, i) => `subnet-0000000${i.toString(16)}`) }),
      ],
      [
        '5 security groups',
        withUpload({}, { securityGroups: Array.from({ length: 5 }, (_, i) => `sg-0000000${i}`) }),
      ],
    ])('accepts a %s (the upper bound)', (_label, raw) => {
      expect(() => parseConfig(raw)).not.toThrow();
    });

    it('accepts tag keys that merely contain aws or ecs-pilot', () => {
      const tags = { 'team:aws:owner': 'x', 'ecs-pilot-team': 'y', awsome: 'z' };

      expect(parseConfig(withUpload({}, { tags })).uploads[0]?.task.tags).toEqual(tags);
    });
  });

  describe('errors name the field path and what was expected', () => {
    it.each<[string, unknown, string]>([
      [
        'a malformed subnet id',
        withUpload({}, { subnets: ['subnet-0123abcd', 'subnet-XYZ'] }),
        'uploads[0].task.subnets[1]: a subnet id like subnet-0123abcd',
      ],
      [
        'missing subnets',
        withUpload({}, { subnets: undefined }),
        'uploads[0].task.subnets: required (array)',
      ],
      ['empty subnets', withUpload({}, { subnets: [] }), 'uploads[0].task.subnets: at least one subnet'],
      [
        '17 subnets',
        withUpload(
          {},
          {
            subnets: Array.from({ length: 17 }, (_, i) => `subnet-000000${i.toString(16).padStart(2, '0')}`),
          },
        ),
        'uploads[0].task.subnets: at most 16 subnets',
      ],
      [
        'empty security groups',
        withUpload({}, { securityGroups: [] }),
        'uploads[0].task.securityGroups: at least one security group',
      ],
      [
        'a malformed security group id',
        withUpload({}, { securityGroups: ['sg-nothex!'] }),
        'uploads[0].task.securityGroups[0]: a security group id like sg-0123abcd',
      ],
      [
        '6 security groups',
        withUpload({}, { securityGroups: Array.from({ length: 6 }, (_, i) => `sg-0000000${i}`) }),
        'uploads[0].task.securityGroups: at most 5 security groups',
      ],
      [
        'an unknown placeholder in an environment value',
        withUpload({}, { environment: { INPUT: 's3://{bucket}/{nope}' } }),
        `uploads[0].task.environment.INPUT: unknown placeholder {nope}; expected one of ${PLACEHOLDER_LIST}`,
      ],
      [
        'an unknown placeholder in a command',
        withUpload({}, { command: ['run', '{file}'] }),
        `uploads[0].task.command[1]: unknown placeholder {file}; expected one of ${PLACEHOLDER_LIST}`,
      ],
      [
        'a placeholder in the wrong case',
        withUpload({}, { environment: { V: '{versionid}' } }),
        `uploads[0].task.environment.V: unknown placeholder {versionid}; expected one of ${PLACEHOLDER_LIST}`,
      ],
      [
        'launchType together with capacityProviderStrategy',
        withUpload(
          {},
          { launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }] },
        ),
        'uploads[0].task.capacityProviderStrategy: give either launchType or capacityProviderStrategy, not both',
      ],
      [
        'minSize greater than maxSize',
        withUpload({ minSize: 11, maxSize: 10 }),
        'uploads[0].maxSize: minSize must not be greater than maxSize',
      ],
      [
        'an invalid bucket name',
        withUpload({ bucket: 'media ingest' }),
        'uploads[0].bucket: an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens): S3 bucket names hold only lower-case letters, digits, dots and hyphens (legacy us-east-1 buckets also upper case and underscores)',
      ],
      ['an invalid region', { region: 'Europe' }, 'region: an AWS region like eu-west-1'],
      ['a region of the wrong type', { region: 5 }, 'region: expected string, got number'],
      [
        'an unknown log level',
        { logLevel: 'TRACE' },
        'logLevel: expected one of "DEBUG"|"INFO"|"WARN"|"ERROR"',
      ],
      [
        'an unknown assignPublicIp value',
        withUpload({}, { assignPublicIp: 'YES' as 'ENABLED' }),
        'uploads[0].task.assignPublicIp: expected one of "ENABLED"|"DISABLED"',
      ],
      ['uploads that are not a list', { uploads: {} }, 'uploads: expected array, got object'],
      [
        'a missing cluster',
        withUpload({}, { cluster: undefined }),
        'uploads[0].task.cluster: required (string)',
      ],
      [
        'an empty container',
        withUpload({}, { container: '' }),
        'uploads[0].task.container: a non-empty string',
      ],
      [
        'an invalid task definition',
        withUpload({}, { taskDefinition: 'thumb nailer' }),
        'uploads[0].task.taskDefinition: a task definition family, family:revision or task definition ARN',
      ],
      [
        'an invalid role',
        withUpload({}, { roles: { execution: 'arn:aws:iam::123:role/x' } }),
        'uploads[0].task.roles.execution: an IAM role name or role ARN',
      ],
      [
        'a tag value with a forbidden character',
        withUpload({}, { tags: { team: 'media\n' } }),
        'uploads[0].task.tags.team: a tag value of at most 256 letters, digits, spaces and + - = . _ : / @',
      ],
    ])('reports %s', (_label, raw, expected) => {
      expect(issuesOf(raw)).toEqual([expected]);
    });

    it.each([['THUMBS'], ['thumbs_1'], ['-thumbs'], ['thumbs-'], ['t'.repeat(25)], [''], ['thümbs']])(
      'rejects the trigger name %j, naming uploads[0].name',
      (name) => {
        expect(issuesOf(withUpload({ name }))).toEqual([
          'uploads[0].name: a name of 1-24 lower-case letters, digits and inner hyphens (it becomes part of resource names)',
        ]);
      },
    );

    it.each(['us-east', 'US-EAST-1', 'us-east-1a', 'useast1', 'eu-west-12', ''])(
      'rejects region %j',
      (region) => {
        expect(issuesOf({ region })).toEqual(['region: an AWS region like eu-west-1']);
      },
    );

    it.each([
      'thumbnailer:latest',
      'thumbnailer:',
      'family/with/slash',
      'arn:aws:ecs:eu-west-1:123:task-definition/thumbnailer',
      'arn:aws:ecs:eu-west-1:123456789012:service/thumbnailer',
      'x'.repeat(256),
    ])('rejects task definition %j', (taskDefinition) => {
      expect(issuesOf(withUpload({}, { taskDefinition }))).toEqual([
        'uploads[0].task.taskDefinition: a task definition family, family:revision or task definition ARN',
      ]);
    });

    it.each([
      ['a role name with a path (only valid in ARN form)', 'service-role/thumbnailer'],
      ['a role name of 65 characters', 'r'.repeat(65)],
      ['a user ARN', 'arn:aws:iam::123456789012:user/bob'],
      ['an ARN with a short account id', 'arn:aws:iam::1234:role/thumbnailer'],
      ['an empty name', ''],
      ['a name with a space', 'my role'],
    ])('rejects %s as task role', (_label, role) => {
      expect(issuesOf(withUpload({}, { roles: { task: role } }))).toEqual([
        'uploads[0].task.roles.task: an IAM role name or role ARN',
      ]);
    });

    it.each([['aws:owner'], ['AWS:owner'], ['ecs-pilot:trigger'], ['ECS-Pilot:key-sha256']])(
      'rejects the reserved tag key %j, naming its path',
      (key) => {
        const issues = issuesOf(withUpload({}, { tags: { [key]: 'x' } }));

        expect(issues).toHaveLength(1);
        expect(issues[0]?.startsWith(`uploads[0].task.tags.${key}: `)).toBe(true);
      },
    );

    it.each([['1START'], ['WITH-DASH'], ['WITH SPACE'], ['']])(
      'rejects the environment variable name %j, naming its path',
      (name) => {
        const issues = issuesOf(withUpload({}, { environment: { [name]: 'x' } }));

        expect(issues).toHaveLength(1);
        expect(issues[0]?.startsWith(`uploads[0].task.environment.${name}: `)).toBe(true);
      },
    );

    it.each<[string, unknown, RegExp]>([
      ['maxConcurrency 1', { delivery: { maxConcurrency: 1 } }, /^delivery\.maxConcurrency: .*>=2/],
      ['maxConcurrency 1001', { delivery: { maxConcurrency: 1001 } }, /^delivery\.maxConcurrency: .*<=1000/],
      ['batchSize 0', { delivery: { batchSize: 0 } }, /^delivery\.batchSize: .*>=1/],
      ['batchSize 101', { delivery: { batchSize: 101 } }, /^delivery\.batchSize: .*<=100/],
      ['maxAttempts 0', { delivery: { maxAttempts: 0 } }, /^delivery\.maxAttempts: .*>=1/],
      ['maxAttempts 51', { delivery: { maxAttempts: 51 } }, /^delivery\.maxAttempts: .*<=50/],
      [
        'retryBaseSeconds 901',
        { delivery: { retryBaseSeconds: 901 } },
        /^delivery\.retryBaseSeconds: .*<=900/,
      ],
      [
        'retryBaseSeconds 1.5',
        { delivery: { retryBaseSeconds: 1.5 } },
        /^delivery\.retryBaseSeconds: expected int/,
      ],
      ['maxRunning 0', withUpload({}, { maxRunning: 0 }), /^uploads\[0\]\.task\.maxRunning: .*>=1/],
      [
        'maxRunning 10001',
        withUpload({}, { maxRunning: 10001 }),
        /^uploads\[0\]\.task\.maxRunning: .*<=10000/,
      ],
      ['minSize -1', withUpload({ minSize: -1 }), /^uploads\[0\]\.minSize: .*>=0/],
      ['maxSize 1.5', withUpload({ maxSize: 1.5 }), /^uploads\[0\]\.maxSize: expected int/],
      ['an empty suffix', withUpload({ suffix: '' }), /^uploads\[0\]\.suffix: .*>=1/],
      [
        'an empty capacityProviderStrategy',
        withUpload({}, { capacityProviderStrategy: [] }),
        /^uploads\[0\]\.task\.capacityProviderStrategy: .*>=1/,
      ],
      [
        'seven capacity providers',
        withUpload(
          {},
          { capacityProviderStrategy: Array.from({ length: 7 }, () => ({ capacityProvider: 'FARGATE' })) },
        ),
        /^uploads\[0\]\.task\.capacityProviderStrategy: .*<=6/,
      ],
      [
        'a capacity provider weight of 1001',
        withUpload({}, { capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1001 }] }),
        /^uploads\[0\]\.task\.capacityProviderStrategy\[0\]\.weight: .*<=1000/,
      ],
      ['an empty command', withUpload({}, { command: [] }), /^uploads\[0\]\.task\.command: .*>=1/],
    ])('reports %s with its path and bound', (_label, raw, expected) => {
      const issues = issuesOf(raw);

      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(expected);
    });

    it.each<[string, unknown, string[]]>([
      [
        'unknown keys at the root',
        { regoin: 'eu-west-1', upload: [] },
        ['regoin: unknown key (did you mean "region"?)', 'upload: unknown key (did you mean "uploads"?)'],
      ],
      ['an unknown key in delivery', { delivery: { retries: 3 } }, ['delivery.retries: unknown key']],
      [
        'an unknown key in a trigger',
        withUpload({ sufix: '.jpg' }),
        ['uploads[0].sufix: unknown key (did you mean "suffix"?)'],
      ],
      [
        'an unknown key in a task',
        withUpload({}, { memoryReservation: 512 }),
        ['uploads[0].task.memoryReservation: unknown key'],
      ],
      [
        'an unknown key in roles',
        withUpload({}, { roles: { admin: 'root' } as RawTask['roles'] }),
        ['uploads[0].task.roles.admin: unknown key'],
      ],
      [
        'an unknown key in a capacity provider item',
        withUpload(
          {},
          {
            capacityProviderStrategy: [
              { capacityProvider: 'FARGATE', priority: 1 } as { capacityProvider: string },
            ],
          },
        ),
        ['uploads[0].task.capacityProviderStrategy[0].priority: unknown key'],
      ],
    ])('reports %s', (_label, raw, expected) => {
      expect(issuesOf(raw)).toEqual(expected);
    });

    it('reports a duplicate trigger name at the later trigger, pointing at the first', () => {
      const raw = {
        uploads: [rawTrigger(), rawTrigger({ prefix: 'other/' }), rawTrigger({ prefix: 'third/' })],
      };

      expect(issuesOf(raw)).toEqual([
        'uploads[1].name: duplicate name "thumbnails" (also uploads[0].name); names must be unique across uploads, schedules and scalers',
        'uploads[2].name: duplicate name "thumbnails" (also uploads[0].name); names must be unique across uploads, schedules and scalers',
      ]);
    });

    it.each<[string, unknown, string]>([
      ['prefix', withUpload({ prefix: 'p'.repeat(1025) }), 'uploads[0].prefix: '],
      ['suffix', withUpload({ suffix: 's'.repeat(1025) }), 'uploads[0].suffix: '],
      [
        'environment value',
        withUpload({}, { environment: { V: 'v'.repeat(4097) } }),
        'uploads[0].task.environment.V: at most 4096 characters',
      ],
      [
        'command part',
        withUpload({}, { command: ['c'.repeat(4097)] }),
        'uploads[0].task.command[0]: at most 4096 characters',
      ],
      [
        'tag value',
        withUpload({}, { tags: { team: 't'.repeat(257) } }),
        'uploads[0].task.tags.team: a tag value of at most 256',
      ],
      ['trigger name', withUpload({ name: 'n'.repeat(10_000) }), 'uploads[0].name: '],
      ['bucket name', withUpload({ bucket: 'b'.repeat(256) }), 'uploads[0].bucket: '],
    ])('rejects a huge %s', (_label, raw, expectedStart) => {
      const issues = issuesOf(raw);

      expect(issues).toHaveLength(1);
      expect(issues[0]?.startsWith(expectedStart)).toBe(true);
    });

    it('reports several problems at once, each with its own path', () => {
      // Prepare
      const raw = {
        region: 'mars-1',
        colour: 'blue',
        uploads: [
          rawTrigger({ minSize: 10, maxSize: 1 }, { subnets: ['subnet-bad'], securityGroups: [] }),
          rawTrigger({}, { environment: { X: '{nope}' } }),
        ],
      };

      // Act
      const issues = issuesOf(raw);

      // Assess
      expect(issues).toEqual(
        expect.arrayContaining([
          'colour: unknown key',
          'region: an AWS region like eu-west-1',
          'uploads[0].task.subnets[0]: a subnet id like subnet-0123abcd',
          'uploads[0].task.securityGroups: at least one security group',
          'uploads[0].maxSize: minSize must not be greater than maxSize',
          `uploads[1].task.environment.X: unknown placeholder {nope}; expected one of ${PLACEHOLDER_LIST}`,
          'uploads[1].name: duplicate name "thumbnails" (also uploads[0].name); names must be unique across uploads, schedules and scalers',
        ]),
      );
      expect(issues).toHaveLength(7);
    });

    it('rejects a __proto__ key as not allowed without polluting Object.prototype', () => {
      // Prepare: JSON.parse makes __proto__ an own key, as a parsed config file would.
      const raw: unknown = JSON.parse('{"__proto__": {"polluted": true}, "region": "eu-west-1"}');

      // Act
      const issues = issuesOf(raw);

      // Assess
      expect(issues).toEqual(['__proto__: key "__proto__" is not allowed']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });

    it('rejects a nested __proto__ key as not allowed at its path', () => {
      const raw: unknown = JSON.parse(
        JSON.stringify(withUpload()).replace('"cluster"', '"__proto__":{"polluted":true},"cluster"'),
      );

      expect(issuesOf(raw)).toEqual(['uploads[0].task.__proto__: key "__proto__" is not allowed']);
      expect(Object.prototype).not.toHaveProperty('polluted');
    });
  });

  describe('the error', () => {
    it('is a permanent ConfigError naming its source and listing every issue', () => {
      // Act
      let caught: unknown;
      try {
        parseConfig({ region: 'nowhere', extra: 1 }, 'config/prod.yml');
      } catch (error) {
        caught = error;
      }

      // Assess
      expect(caught).toBeInstanceOf(ConfigError);
      expect(caught).toBeInstanceOf(PermanentError);
      const error = caught as ConfigError;
      expect(error.name).toBe('ConfigError');
      expect(error.retryable).toBe(false);
      expect(error.source).toBe('config/prod.yml');
      expect(error.message).toBe(
        'Invalid ecs-pilot config config/prod.yml:\n  - region: an AWS region like eu-west-1\n  - extra: unknown key',
      );
    });

    it('names the source "config" when none is given', () => {
      expect(() => parseConfig({ region: 'x' })).toThrow(/^Invalid ecs-pilot config config:/);
    });
  });
});

describe('Function: loadConfigJson', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecs-pilot-load-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads and validates a JSON config file, applying defaults', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify(withUpload()));

    const config = loadConfigJson(file);

    expect(config.delivery).toEqual(DEFAULT_DELIVERY);
    expect(config.uploads.map((t) => t.name)).toEqual(['thumbnails']);
  });

  it('reports a file that is not JSON as a ConfigError naming the file', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ region: ');

    expect(() => loadConfigJson(file)).toThrow(ConfigError);
    expect(() => loadConfigJson(file)).toThrow(
      /broken\.json:\n {2}- cannot read the file as JSON \(SyntaxError: /,
    );
  });

  it('reports a missing file as a ConfigError', () => {
    expect(() => loadConfigJson(join(dir, 'missing.json'))).toThrow(
      /cannot read the file as JSON \(Error: ENOENT/,
    );
  });

  it('reports validation problems with the file as source', () => {
    const file = join(dir, 'invalid.json');
    writeFileSync(file, JSON.stringify({ region: 'x' }));

    expect(() => loadConfigJson(file)).toThrow(
      `Invalid ecs-pilot config ${file}:\n  - region: an AWS region like eu-west-1`,
    );
  });
});

describe('Function: deployedConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecs-pilot-deployed-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    resetDeployedConfig();
  });

  it('refuses to start without ECS_PILOT_CONFIG_FILE', () => {
    expect(() => deployedConfig({})).toThrow(ConfigError);
    expect(() => deployedConfig({})).toThrow('ECS_PILOT_CONFIG_FILE: required (path of the config file)');
  });

  it('reads the file once per cold start and serves the cached config afterwards', () => {
    // Prepare
    const first = join(dir, 'first.json');
    const second = join(dir, 'second.json');
    writeFileSync(first, JSON.stringify({ ...withUpload(), region: 'eu-west-1' }));
    writeFileSync(second, JSON.stringify({ ...withUpload(), region: 'eu-north-1' }));

    // Act
    const a = deployedConfig({ ECS_PILOT_CONFIG_FILE: first });
    const b = deployedConfig({ ECS_PILOT_CONFIG_FILE: second });
    resetDeployedConfig();
    const c = deployedConfig({ ECS_PILOT_CONFIG_FILE: second });

    // Assess
    expect(a.region).toBe('eu-west-1');
    expect(b).toBe(a);
    expect(c.region).toBe('eu-north-1');
  });

  it('fails the cold start loudly on an invalid config and does not cache the failure', () => {
    const bad = join(dir, 'bad.json');
    const good = join(dir, 'good.json');
    writeFileSync(bad, JSON.stringify({ logLevel: 'LOUD' }));
    writeFileSync(good, JSON.stringify(withUpload()));

    expect(() => deployedConfig({ ECS_PILOT_CONFIG_FILE: bad })).toThrow(ConfigError);
    expect(deployedConfig({ ECS_PILOT_CONFIG_FILE: good }).logLevel).toBe('INFO');
  });

  it('refuses a config with no automation, as validate and packaging do (issue 18)', () => {
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, 'null');

    expect(() => deployedConfig({ ECS_PILOT_CONFIG_FILE: empty })).toThrow(NOTHING_TO_DEPLOY);
  });
});

describe('Function: parseConfig (regressions)', () => {
  it('rejects trigger names that differ only by hyphens, since they would share resource names', () => {
    const raw = { uploads: [rawTrigger({ name: 'video4k' }), rawTrigger({ name: 'video-4k' })] };

    expect(issuesOf(raw)).toEqual([
      'uploads[1].name: name "video-4k" differs from "video4k" (uploads[0].name) only by hyphens, so both would get the same resource names; rename one',
    ]);
  });

  it('reports duplicate names together with unrelated field errors in one pass', () => {
    const raw = {
      uploads: [rawTrigger({ name: 'a' }), rawTrigger({ name: 'a' }, { subnets: ['nope'] })],
    };

    const issues = issuesOf(raw);

    expect(issues).toContain('uploads[1].task.subnets[0]: a subnet id like subnet-0123abcd');
    expect(issues.some((i) => i.startsWith('uploads[1].name: duplicate name "a"'))).toBe(true);
  });

  it('says what a bad environment variable name or tag key should be', () => {
    expect(issuesOf(withUpload({}, { environment: { '1A': 'x' } }))).toEqual([
      'uploads[0].task.environment.1A: invalid key "1A": expected a variable name of letters, digits and _ (not starting with a digit)',
    ]);
    expect(issuesOf(withUpload({}, { tags: { 'aws:x': 'v' } }))).toEqual([
      'uploads[0].task.tags.aws:x: invalid key "aws:x": expected a tag key not starting with aws: or ecs-pilot: (reserved)',
    ]);
  });

  it.each(['environment', 'tags'])('rejects a __proto__ key in %s instead of dropping it', (field) => {
    const raw = withUpload(
      {},
      { [field]: JSON.parse('{"__proto__": "x", "B": "y"}') as Record<string, string> },
    );

    expect(issuesOf(raw)).toEqual([`uploads[0].task.${field}.__proto__: key "__proto__" is not allowed`]);
  });
});
