import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { taskSpecSchema, UPLOAD_PLACEHOLDERS, type TaskSpec } from '../../../../../shared/config/schema';
import { PermanentError } from '../../../../../shared/kernel/errors';
import {
  buildRunTaskRequest,
  digest,
  RUN_TASK_LIMITS,
  sha256Hex,
  startedByFor,
  TAG_PREFIX,
  type LaunchInput,
} from '../../../../../shared/kernel/launch/launch';
import { rawTask, type RawTask } from '../../fixtures';

const spec = (fields: Partial<RawTask> = {}): TaskSpec =>
  taskSpecSchema(UPLOAD_PLACEHOLDERS).parse({ ...rawTask, ...fields });

const input = (fields: Partial<LaunchInput> = {}): LaunchInput => ({
  clientToken: 'a'.repeat(64),
  startedBy: 'ecs-pilot/thumbnails',
  environment: { INPUT_KEY: 'incoming/cat.jpg' },
  command: undefined,
  tags: { [`${TAG_PREFIX}trigger`]: 'thumbnails' },
  ...fields,
});

/** JSON length of the overrides for one environment variable DATA=value in container "app". */
const overridesLength = (value: string) =>
  JSON.stringify({ containerOverrides: [{ name: 'app', environment: [{ name: 'DATA', value }] }] }).length;

describe('Function: buildRunTaskRequest', () => {
  it('builds a one-task FARGATE request in awsvpc mode with managed tags', () => {
    // Act
    const request = buildRunTaskRequest(spec({ tags: { team: 'media' } }), input());

    // Assess
    expect(request).toEqual({
      cluster: 'media',
      taskDefinition: 'thumbnailer',
      count: 1,
      clientToken: 'a'.repeat(64),
      startedBy: 'ecs-pilot/thumbnails',
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0123abcd'],
          securityGroups: ['sg-0123abcd'],
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: {
        containerOverrides: [
          { name: 'app', environment: [{ name: 'INPUT_KEY', value: 'incoming/cat.jpg' }] },
        ],
      },
      tags: [
        { key: 'ecs-pilot:trigger', value: 'thumbnails' },
        { key: 'team', value: 'media' },
      ],
      enableECSManagedTags: true,
    });
  });

  it('uses the capacity provider strategy and no launchType when the spec has one', () => {
    const request = buildRunTaskRequest(
      spec({ capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2, base: 1 }] }),
      input(),
    );

    expect(request).not.toHaveProperty('launchType');
    expect(request.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE_SPOT', weight: 2, base: 1 },
    ]);
  });

  it('passes the network settings and platform version through', () => {
    const request = buildRunTaskRequest(
      spec({
        subnets: ['subnet-0123abcd', 'subnet-4567ef01'],
        securityGroups: ['sg-0123abcd', 'sg-4567ef01'],
        assignPublicIp: 'ENABLED',
        platformVersion: '1.4.0',
      }),
      input(),
    );

    expect(request.platformVersion).toBe('1.4.0');
    expect(request.networkConfiguration.awsvpcConfiguration).toEqual({
      subnets: ['subnet-0123abcd', 'subnet-4567ef01'],
      securityGroups: ['sg-0123abcd', 'sg-4567ef01'],
      assignPublicIp: 'ENABLED',
    });
  });

  it('copies the subnet and security group lists, so changing the request cannot change the config', () => {
    const taskSpec = spec();

    const request = buildRunTaskRequest(taskSpec, input());
    request.networkConfiguration.awsvpcConfiguration.subnets.push('subnet-ffffffff');
    request.networkConfiguration.awsvpcConfiguration.securityGroups.push('sg-ffffffff');

    expect(taskSpec.subnets).toEqual(['subnet-0123abcd']);
    expect(taskSpec.securityGroups).toEqual(['sg-0123abcd']);
  });

  it('overrides the command only when one is given', () => {
    const withCommand = buildRunTaskRequest(spec(), input({ command: ['run', 'x'] }));
    const without = buildRunTaskRequest(spec(), input({ command: undefined }));

    expect(withCommand.overrides.containerOverrides[0]?.command).toEqual(['run', 'x']);
    expect(without.overrides.containerOverrides[0]).not.toHaveProperty('command');
  });

  it('sends an empty environment list when there is nothing to set', () => {
    const request = buildRunTaskRequest(spec(), input({ environment: {} }));

    expect(request.overrides.containerOverrides).toEqual([{ name: 'app', environment: [] }]);
  });

  it('sorts environment variables by name and tags by key', () => {
    const request = buildRunTaskRequest(
      spec({ tags: { zeta: '1', alpha: '2' } }),
      input({ environment: { B: '1', A: '2', C: '3' }, tags: { 'ecs-pilot:z': '1', 'ecs-pilot:a': '2' } }),
    );

    expect(request.overrides.containerOverrides[0]?.environment.map((e) => e.name)).toEqual(['A', 'B', 'C']);
    expect(request.tags.map((t) => t.key)).toEqual(['alpha', 'ecs-pilot:a', 'ecs-pilot:z', 'zeta']);
  });

  it('lets no spec tag replace an ecs-pilot tag', () => {
    // Prepare: a spec that bypassed validation and carries reserved tag keys.
    const sneaky: TaskSpec = {
      ...spec(),
      tags: { 'ecs-pilot:trigger': 'evil', 'ecs-pilot:bucket': 'evil', team: 'media' },
    };

    // Act
    const request = buildRunTaskRequest(
      sneaky,
      input({ tags: { 'ecs-pilot:trigger': 'thumbnails', 'ecs-pilot:bucket': 'media-ingest' } }),
    );

    // Assess
    expect(request.tags).toEqual([
      { key: 'ecs-pilot:bucket', value: 'media-ingest' },
      { key: 'ecs-pilot:trigger', value: 'thumbnails' },
      { key: 'team', value: 'media' },
    ]);
  });

  it('builds the same request for the same inputs, whatever the key order', () => {
    // Prepare
    const a = input({ environment: { A: '1', B: '2' }, tags: { 'ecs-pilot:x': '1', 'ecs-pilot:y': '2' } });
    const b = input({ environment: { B: '2', A: '1' }, tags: { 'ecs-pilot:y': '2', 'ecs-pilot:x': '1' } });

    // Act
    const first = buildRunTaskRequest(spec({ tags: { p: '1', q: '2' } }), a);
    const second = buildRunTaskRequest(spec({ tags: { q: '2', p: '1' } }), b);

    // Assess
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  describe('clientToken', () => {
    it.each([
      ['1 character', 'x'],
      ['64 characters', 'x'.repeat(64)],
      ['a hex digest', digest(['a'])],
      ['printable punctuation', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
    ])('accepts a token of %s', (_label, clientToken) => {
      expect(buildRunTaskRequest(spec(), input({ clientToken })).clientToken).toBe(clientToken);
    });

    it.each([
      ['65 characters', 'x'.repeat(65)],
      ['no characters', ''],
      ['a non-ASCII character', `${'x'.repeat(10)}é`],
      ['an emoji', '🐱'],
      ['a space', 'has space'],
      ['a newline', 'line\nbreak'],
      ['a tab', 'tab\there'],
      ['a NUL character', 'nul\u0000'],
    ])('rejects a token of %s with a PermanentError', (_label, clientToken) => {
      expect(() => buildRunTaskRequest(spec(), input({ clientToken }))).toThrow(PermanentError);
      expect(() => buildRunTaskRequest(spec(), input({ clientToken }))).toThrow(
        'clientToken must be 1-64 printable ASCII characters',
      );
    });
  });

  it('passes cpu and memory as task-level overrides, as the strings RunTask takes', () => {
    const request = buildRunTaskRequest(spec({ cpu: 2048, memory: 4096 }), input());

    expect(request.overrides).toEqual({
      containerOverrides: [{ name: 'app', environment: [{ name: 'INPUT_KEY', value: 'incoming/cat.jpg' }] }],
      cpu: '2048',
      memory: '4096',
    });
  });

  describe('overrides size', () => {
    it('counts the task-level cpu and memory towards the limit', () => {
      const value = 'x'.repeat(RUN_TASK_LIMITS.overridesBytes - overridesLength(''));
      const sized = spec({ cpu: 256, memory: 512 });

      expect(() => buildRunTaskRequest(sized, input({ environment: { DATA: value } }))).toThrow(
        'overrides are 8219 bytes of JSON; ECS accepts at most 8192',
      );
    });

    it(`accepts overrides of exactly ${RUN_TASK_LIMITS.overridesBytes} bytes of JSON`, () => {
      // Prepare
      const value = 'x'.repeat(RUN_TASK_LIMITS.overridesBytes - overridesLength(''));

      // Act
      const request = buildRunTaskRequest(spec(), input({ environment: { DATA: value } }));

      // Assess
      expect(JSON.stringify(request.overrides)).toHaveLength(8192);
    });

    it('rejects overrides one character over the limit with a PermanentError giving both sizes', () => {
      const value = 'x'.repeat(RUN_TASK_LIMITS.overridesBytes - overridesLength('') + 1);

      expect(() => buildRunTaskRequest(spec(), input({ environment: { DATA: value } }))).toThrow(
        PermanentError,
      );
      expect(() => buildRunTaskRequest(spec(), input({ environment: { DATA: value } }))).toThrow(
        'overrides are 8193 bytes of JSON; ECS accepts at most 8192',
      );
    });

    it('counts JSON escapes towards the limit', () => {
      // 3000 quotes are 3000 characters of value but 6000 characters of JSON.
      const quotes = '"'.repeat(3000);
      const value = quotes + 'x'.repeat(RUN_TASK_LIMITS.overridesBytes - overridesLength('') - 3000);

      expect(value.length).toBeLessThan(RUN_TASK_LIMITS.overridesBytes);
      expect(() => buildRunTaskRequest(spec(), input({ environment: { DATA: value } }))).toThrow(
        PermanentError,
      );
    });

    it('measures bytes, not UTF-16 units: 3,000 CJK characters are 9,000 bytes', () => {
      // Under 8,192 UTF-16 units (what String.length counts), over 8,192 bytes of UTF-8.
      const value = '漢'.repeat(3000);

      expect(JSON.stringify({ DATA: value }).length).toBeLessThan(RUN_TASK_LIMITS.overridesBytes);
      expect(() => buildRunTaskRequest(spec(), input({ environment: { DATA: value } }))).toThrow(
        /overrides are 9\d{3} bytes of JSON; ECS accepts at most 8192/,
      );
    });

    it('counts the command towards the limit', () => {
      const command = Array.from({ length: 9 }, () => 'c'.repeat(1000));

      expect(() => buildRunTaskRequest(spec(), input({ environment: {}, command }))).toThrow(
        /overrides are \d+ bytes of JSON/,
      );
    });
  });
});

describe('Function: digest', () => {
  it('is the hex SHA-256 of the JSON of the parts', () => {
    const parts = ['upload/v1', 'thumbnails', 1, null];

    expect(digest(parts)).toBe(createHash('sha256').update(JSON.stringify(parts)).digest('hex'));
  });

  it('is 64 lower-case hex characters and deterministic', () => {
    expect(digest(['a', 'b'])).toMatch(/^[0-9a-f]{64}$/);
    expect(digest(['a', 'b'])).toBe(digest(['a', 'b']));
  });

  it.each<[unknown[], unknown[]]>([
    [['a', 'b'], ['ab']],
    [['a,b'], ['a', 'b']],
    [['a', ''], ['a']],
    [['1'], [1]],
    [
      ['b', 'a'],
      ['a', 'b'],
    ],
  ])('tells %j from %j', (a, b) => {
    expect(digest(a)).not.toBe(digest(b));
  });
});

describe('Function: sha256Hex', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('hashes %j like sha256sum', (text, expected) => {
    expect(sha256Hex(text)).toBe(expected);
  });

  it('hashes the UTF-8 bytes of non-ASCII text', () => {
    const key = 'incoming/été 2026/🐱.jpg';

    expect(sha256Hex(key)).toBe(createHash('sha256').update(Buffer.from(key, 'utf8')).digest('hex'));
  });
});

describe('Function: startedByFor', () => {
  it('prefixes the automation name with ecs-pilot/', () => {
    expect(startedByFor('thumbnails')).toBe('ecs-pilot/thumbnails');
  });

  it('accepts the longest trigger name the config allows (24 characters)', () => {
    expect(startedByFor('n'.repeat(24))).toHaveLength(34);
  });

  it('accepts a value of exactly 36 characters', () => {
    expect(startedByFor('n'.repeat(26))).toHaveLength(RUN_TASK_LIMITS.startedBy);
  });

  it('rejects a value over 36 characters with a PermanentError', () => {
    expect(() => startedByFor('n'.repeat(27))).toThrow(PermanentError);
    expect(() => startedByFor('n'.repeat(27))).toThrow(`startedBy too long: ecs-pilot/${'n'.repeat(27)}`);
  });

  describe('tags', () => {
    it('refuses a task with more than the 50 tags ECS allows, counting its own', () => {
      // 45 tags from the config (its most) and 6 of ecs-pilot's own: one over.
      const tags = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`t${i}`, 'v']));
      const own = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`ecs-pilot:o${i}`, 'v']));

      expect(() => buildRunTaskRequest(spec({ tags }), input({ tags: own }))).toThrow(
        'the task would have 51 tags; ECS allows 50',
      );
    });
  });
});
