import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import {
  automationName,
  clusterRef,
  nonEmpty,
  taskSpecSchema,
  templateString,
  whole,
} from '../../../../shared/kernel/config';
import { formatPath } from '../../../../shared/kernel/issues';
import { rawTask } from '../fixtures';

/**
 * Every issue of a parse as "path: message", or [] when the value is valid. A record key that fails
 * its own schema carries its message in nested issues (parseConfig reads them the same way).
 */
function issuesOf(schema: z.ZodMiniType, value: unknown): string[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.flatMap((issue) =>
    issue.code === 'invalid_key'
      ? issue.issues.map((inner) => `${formatPath(issue.path)}: key ${inner.message}`)
      : [`${formatPath(issue.path)}: ${issue.message}`],
  );
}

const NAME_MESSAGE =
  '(root): a name of 1-24 lower-case letters, digits and inner hyphens (it becomes part of resource names)';

describe('Schema: automationName', () => {
  it.each(['a', '7', 'video-4k', 'a'.repeat(24), 'x-y-z'])('accepts %j', (name) => {
    expect(issuesOf(automationName, name)).toStrictEqual([]);
  });

  it.each([
    ['empty', ''],
    ['25 characters', 'a'.repeat(25)],
    ['upper case', 'Video'],
    ['a leading hyphen', '-video'],
    ['a trailing hyphen', 'video-'],
    ['an underscore', 'video_4k'],
    ['a dot', 'video.4k'],
  ])('refuses a name with %s, saying what a name is', (_label, name) => {
    expect(issuesOf(automationName, name)).toStrictEqual([NAME_MESSAGE]);
  });
});

describe('Schema: nonEmpty', () => {
  it('refuses an empty string', () => {
    expect(issuesOf(nonEmpty, '')).toStrictEqual(['(root): a non-empty string']);
    expect(issuesOf(nonEmpty, 'x')).toStrictEqual([]);
  });
});

describe('Schema: clusterRef', () => {
  it.each([
    'media',
    'Media_Cluster-2',
    'c'.repeat(255),
    'arn:aws:ecs:eu-west-1:123456789012:cluster/media',
    'arn:aws-cn:ecs:cn-north-1:123456789012:cluster/media',
    'arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/media_2',
  ])('accepts %j', (cluster) => {
    expect(issuesOf(clusterRef, cluster)).toStrictEqual([]);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'c'.repeat(256)],
    ['a slash', 'team/media'],
    // Would end up inside an EventBridge pattern and an IAM ARN.
    ['a wildcard', 'media*'],
    ['a space', 'media cluster'],
    ['an ARN of another service', 'arn:aws:sqs:eu-west-1:123456789012:media'],
    ['an ARN with a short account', 'arn:aws:ecs:eu-west-1:12345:cluster/media'],
    ['an ARN without a cluster name', 'arn:aws:ecs:eu-west-1:123456789012:cluster/'],
  ])('refuses a cluster with %s', (_label, cluster) => {
    expect(issuesOf(clusterRef, cluster)).toStrictEqual([
      '(root): a cluster name (letters, digits, - and _) or cluster ARN',
    ]);
  });
});

describe('Function: whole', () => {
  it.each([
    [0, 10, 0, true],
    [0, 10, 10, true],
    [0, 10, 11, false],
    [1, 10, 0, false],
    [0, 10, 2.5, false],
    [0, undefined, Number.MAX_SAFE_INTEGER, true],
    [0, undefined, -1, false],
  ])('with bounds [%s, %s] accepts %s: %s', (min, max, value, ok) => {
    expect(whole(min, max).safeParse(value).success).toBe(ok);
  });

  it('names the bound that was crossed', () => {
    expect(issuesOf(whole(1, 50), 51)).toStrictEqual(['(root): Too big: expected number to be <=50']);
    expect(issuesOf(whole(1, 50), 0)).toStrictEqual(['(root): Too small: expected number to be >=1']);
  });

  it('refuses a numeric string: YAML values are not coerced', () => {
    expect(whole(0, 10).safeParse('5').success).toBe(false);
  });
});

describe('Function: templateString', () => {
  const template = templateString(['bucket', 'key']);

  it.each(['plain text', 's3://{bucket}/{key}', '{key}{key}', 'no {placeholder'])('accepts %j', (value) => {
    expect(issuesOf(template, value)).toStrictEqual([]);
  });

  it('names each unknown placeholder and the ones expected', () => {
    expect(issuesOf(template, '{bucket}/{size}/{Key}')).toStrictEqual([
      '(root): unknown placeholder {size}; expected one of {bucket}, {key}',
      '(root): unknown placeholder {Key}; expected one of {bucket}, {key}',
    ]);
  });

  it('refuses an empty placeholder', () => {
    expect(issuesOf(template, 'x{}')).toStrictEqual([
      '(root): unknown placeholder {}; expected one of {bucket}, {key}',
    ]);
  });

  it('says so when the automation has no placeholders at all', () => {
    expect(issuesOf(templateString([]), '{key}')).toStrictEqual([
      '(root): unknown placeholder {key}; this automation has no placeholders',
    ]);
  });

  it('accepts 4096 characters and refuses 4097', () => {
    expect(issuesOf(template, 'x'.repeat(4096))).toStrictEqual([]);
    expect(issuesOf(template, 'x'.repeat(4097))).toStrictEqual(['(root): at most 4096 characters']);
  });
});

describe('Function: taskSpecSchema', () => {
  const schema = taskSpecSchema(['key']);

  it('fills every default of the smallest task spec and invents nothing else', () => {
    // Act
    const spec = schema.parse(rawTask);

    // Assess
    expect(spec).toStrictEqual({
      ...rawTask,
      assignPublicIp: 'DISABLED',
      platformVersion: 'LATEST',
      environment: {},
      roles: {},
      tags: {},
    });
  });

  it('gives a capacity provider weight 1 and base 0', () => {
    const spec = schema.parse({
      ...rawTask,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }],
    });

    expect(spec.capacityProviderStrategy).toStrictEqual([
      { capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 },
    ]);
  });

  it.each([
    ['web'],
    ['web:12'],
    ['arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3'],
    ['arn:aws:ecs:eu-west-1:123456789012:task-definition/web'],
  ])('accepts the task definition %j', (taskDefinition) => {
    expect(issuesOf(schema, { ...rawTask, taskDefinition })).toStrictEqual([]);
  });

  it.each([['web:latest'], ['web:'], ['arn:aws:ecs:eu-west-1:123456789012:cluster/web']])(
    'refuses the task definition %j',
    (taskDefinition) => {
      expect(issuesOf(schema, { ...rawTask, taskDefinition })).toStrictEqual([
        'taskDefinition: a task definition family, family:revision or task definition ARN',
      ]);
    },
  );

  it.each([
    [{ subnets: [] }, 'subnets: at least one subnet'],
    [
      { subnets: Array.from({ length: 17 }, (_, i) => `subnet-${String(i).padStart(8, '0')}`) },
      'subnets: at most 16 subnets',
    ],
    [{ subnets: ['subnet-xyz'] }, 'subnets[0]: a subnet id like subnet-0123abcd'],
    [{ securityGroups: [] }, 'securityGroups: at least one security group'],
    [
      { securityGroups: Array.from({ length: 6 }, (_, i) => `sg-${String(i).padStart(8, '0')}`) },
      'securityGroups: at most 5 security groups',
    ],
    [{ securityGroups: ['sg-1'] }, 'securityGroups[0]: a security group id like sg-0123abcd'],
    [{ cluster: '' }, 'cluster: a non-empty string'],
    [{ container: '' }, 'container: a non-empty string'],
    [
      { environment: { '1ST': 'x' } },
      'environment.1ST: key a variable name of letters, digits and _ (not starting with a digit)',
    ],
    [
      { environment: { KEY: '{bucket}' } },
      'environment.KEY: unknown placeholder {bucket}; expected one of {key}',
    ],
    [{ command: [] }, 'command: Too small: expected array to have >=1 items'],
    [{ command: ['run', '{size}'] }, 'command[1]: unknown placeholder {size}; expected one of {key}'],
    [{ roles: { task: 'not a role!' } }, 'roles.task: an IAM role name or role ARN'],
    [{ roles: { admin: 'x' } }, 'roles: Unrecognized key: "admin"'],
    [
      { tags: { 'aws:owner': 'x' } },
      'tags.aws:owner: key a tag key not starting with aws: or ecs-pilot: (reserved)',
    ],
    [
      { tags: { 'ECS-PILOT:automation': 'x' } },
      'tags.ECS-PILOT:automation: key a tag key not starting with aws: or ecs-pilot: (reserved)',
    ],
    [
      { tags: { owner: 'x'.repeat(257) } },
      'tags.owner: a tag value of at most 256 letters, digits, spaces and + - = . _ : / @',
    ],
    [{ maxRunning: 0 }, 'maxRunning: Too small: expected number to be >=1'],
    [{ launchType: 'EC2' }, 'launchType: Invalid input: expected "FARGATE"'],
    [{ assignPublicIp: 'YES' }, 'assignPublicIp: Invalid option: expected one of "ENABLED"|"DISABLED"'],
    [{ memoryReservation: 512 }, '(root): Unrecognized key: "memoryReservation"'],
  ])('refuses %j, naming the field and the rule', (fields, issue) => {
    expect(issuesOf(schema, { ...rawTask, ...fields })).toStrictEqual([issue]);
  });

  it('refuses launchType together with a capacity provider strategy', () => {
    expect(
      issuesOf(schema, {
        ...rawTask,
        launchType: 'FARGATE',
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }],
      }),
    ).toStrictEqual([
      'capacityProviderStrategy: give either launchType or capacityProviderStrategy, not both',
    ]);
  });

  it('accepts role names and role ARNs, including a path', () => {
    expect(
      issuesOf(schema, {
        ...rawTask,
        roles: { task: 'thumbnailer-task', execution: 'arn:aws:iam::123456789012:role/service/ecs-exec' },
      }),
    ).toStrictEqual([]);
  });
});

describe('Function: taskSpecSchema against ECS limits', () => {
  const schema = taskSpecSchema(['key']);
  const tagsOf = (count: number) =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`t${i}`, 'v']));

  it('accepts 45 tags and refuses 46, leaving room for ecs-pilot’s own within ECS’s 50', () => {
    expect(issuesOf(schema, { ...rawTask, tags: tagsOf(45) })).toStrictEqual([]);
    expect(issuesOf(schema, { ...rawTask, tags: tagsOf(46) })).toStrictEqual([
      'tags: at most 45 tags (ECS allows 50 per task, and ecs-pilot adds up to 5 of its own)',
    ]);
  });

  it('measures the overrides in bytes: 3,000 CJK characters are refused, 3,000 ASCII ones are not', () => {
    expect(issuesOf(schema, { ...rawTask, environment: { DATA: 'x'.repeat(3000) } })).toStrictEqual([]);
    expect(issuesOf(schema, { ...rawTask, environment: { DATA: '漢'.repeat(3000) } })).toStrictEqual([
      expect.stringMatching(
        /^environment: environment, command, cpu and memory are 9\d{3} bytes of overrides JSON before any placeholder is filled; ECS accepts at most 8192$/,
      ),
    ]);
  });

  it('counts a placeholder as empty, since its value is only known at launch', () => {
    // 12,150 characters as written, 6,900 once the placeholders are empty.
    const value = `${'x'.repeat(2300)}${'{key}'.repeat(350)}`;

    expect(issuesOf(schema, { ...rawTask, environment: { A: value, B: value, C: value } })).toStrictEqual([]);
  });
});

describe('Function: taskSpecSchema cpu and memory', () => {
  const schema = taskSpecSchema([]);

  // One pair from each row of the ECS Developer Guide's "Task CPU and memory" table, at its edges.
  it.each([
    [256, 512],
    [256, 2048],
    [512, 4096],
    [1024, 2048],
    [2048, 16_384],
    [4096, 30_720],
    [8192, 16_384],
    [8192, 61_440],
    [16_384, 32_768],
    [16_384, 122_880],
  ])('accepts cpu %i with memory %i, a pair Fargate offers', (cpu, memory) => {
    expect(issuesOf(schema, { ...rawTask, cpu, memory })).toStrictEqual([]);
  });

  it('refuses memory the cpu does not take, listing the memory values it does', () => {
    expect(issuesOf(schema, { ...rawTask, cpu: 1024, memory: 1024 })).toStrictEqual([
      'memory: cpu 1024 takes memory (MiB) 2048, 3072, 4096, 5120, 6144, 7168, 8192 on Fargate; got 1024',
    ]);
  });

  it('describes long lists of memory values as a range with its step (8 vCPU: 4 GB steps)', () => {
    expect(issuesOf(schema, { ...rawTask, cpu: 8192, memory: 17_408 })).toStrictEqual([
      'memory: cpu 8192 takes memory (MiB) 16384 to 61440 in steps of 4096 on Fargate; got 17408',
    ]);
  });

  it('refuses a cpu Fargate does not offer, listing those it does', () => {
    expect(issuesOf(schema, { ...rawTask, cpu: 3072, memory: 8192 })).toStrictEqual([
      'cpu: a Fargate task cpu of 256, 512, 1024, 2048, 4096, 8192, 16384 CPU units (1024 = 1 vCPU); got 3072',
    ]);
  });

  it.each([
    [{ cpu: 1024 }, 'memory: required with cpu (give both, or neither)'],
    [{ memory: 2048 }, 'cpu: required with memory (give both, or neither)'],
  ])('refuses one without the other (%j)', (fields, message) => {
    expect(issuesOf(schema, { ...rawTask, ...fields })).toStrictEqual([message]);
  });

  it('refuses 8 vCPU on a platform version older than 1.4.0, and accepts it on 1.4.0', () => {
    const large = { ...rawTask, cpu: 8192, memory: 16_384 };
    expect(issuesOf(schema, { ...large, platformVersion: '1.3.0' })).toStrictEqual([
      'platformVersion: cpu 8192 needs Fargate platform version 1.4.0 or later (or LATEST); got 1.3.0',
    ]);
    expect(issuesOf(schema, { ...large, platformVersion: '1.4.0' })).toStrictEqual([]);
  });

  it('counts cpu and memory in the overrides size', () => {
    // Exactly at the limit without a size, over it with one (each value stays under 4,096 characters).
    const fixed = JSON.stringify({
      containerOverrides: [
        {
          name: rawTask.container,
          environment: [
            { name: 'A', value: '' },
            { name: 'B', value: '' },
          ],
        },
      ],
    }).length;
    const half = (8192 - fixed) / 2;
    const environment = { A: 'x'.repeat(Math.floor(half)), B: 'x'.repeat(Math.ceil(half)) };
    expect(issuesOf(schema, { ...rawTask, environment })).toStrictEqual([]);
    expect(issuesOf(schema, { ...rawTask, environment, cpu: 256, memory: 512 })).toStrictEqual([
      expect.stringMatching(/^environment: .* are 8219 bytes of overrides JSON/),
    ]);
  });
});

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db';

describe('Function: taskSpecSchema secrets', () => {
  const schema = taskSpecSchema([]);
  const withSecrets = (secrets: unknown, extra: Record<string, unknown> = {}) => ({
    ...rawTask,
    roles: { execution: 'app-execution' },
    secrets,
    ...extra,
  });

  it('accepts parameters by name and ARN and secrets with a JSON key and a customer managed key', () => {
    expect(
      issuesOf(
        schema,
        withSecrets({
          DB_PASSWORD: '/prod/db/password',
          API_TOKEN: 'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/api',
          DB_URL: {
            from: SECRET,
            jsonKey: 'url',
            kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          },
        }),
      ),
    ).toStrictEqual([]);
  });

  it('refuses a reference that is neither form, naming both', () => {
    expect(issuesOf(schema, withSecrets({ A: 'arn:aws:s3:::bucket/key' }))).toStrictEqual([
      'secrets.A: an SSM parameter name (/app/db-password) or ARN, or a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
    ]);
    expect(issuesOf(schema, withSecrets({ A: { from: 'a b' } }))).toStrictEqual([
      'secrets.A.from: an SSM parameter name (/app/db-password) or ARN, or a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
    ]);
  });

  it('refuses a JSON key or version on an SSM parameter, and a version stage with a version id', () => {
    expect(issuesOf(schema, withSecrets({ A: { from: '/p', jsonKey: 'k' } }))).toStrictEqual([
      'secrets.A.jsonKey: jsonKey applies to Secrets Manager secrets only; an SSM parameter is read whole',
    ]);
    expect(
      issuesOf(schema, withSecrets({ A: { from: SECRET, versionStage: 'AWSCURRENT', versionId: 'v' } })),
    ).toStrictEqual(['secrets.A.versionId: give versionStage or versionId, not both (ECS takes one)']);
  });

  it('refuses a JSON key with a colon, which would shift the parts of valueFrom', () => {
    expect(issuesOf(schema, withSecrets({ A: { from: SECRET, jsonKey: 'a:b' } }))).toStrictEqual([
      'secrets.A.jsonKey: letters, digits and _ . + = @ / - (no colon)',
    ]);
  });

  it('requires roles.execution, which reads them', () => {
    expect(issuesOf(schema, { ...rawTask, secrets: { A: '/p' } })).toStrictEqual([
      'roles.execution: required with secrets: ECS reads them with the task execution role, and the stack grants that role access to them',
    ]);
  });

  it('refuses a variable given both in environment and in secrets', () => {
    expect(issuesOf(schema, withSecrets({ A: '/p' }, { environment: { A: 'x' } }))).toStrictEqual([
      'secrets.A: A is in environment too; give each variable one source',
    ]);
  });

  it('refuses a variable name ECS would not take', () => {
    expect(issuesOf(schema, withSecrets({ '1A': '/p' }))).toStrictEqual([
      'secrets.1A: key a variable name of letters, digits and _ (not starting with a digit)',
    ]);
  });
});
