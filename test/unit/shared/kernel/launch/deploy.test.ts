import { describe, expect, it } from 'vitest';
import { uploadTrigger, type RawTask } from '../../fixtures';

const spec = (task: Partial<RawTask> = {}) => uploadTrigger({}, task).task;
import {
  clusterArn,
  launchStatements,
  secretGrantResources,
  taskDefinitionArn,
} from '../../../../../shared/kernel/launch/deploy';
import { policySize, type Statement } from '../../../../../shared/kernel/deploy/iam';
import { deriveRegistration } from '../../../../../shared/kernel/launch/derive';
import { ConfigError } from '../../../../../shared/kernel/errors';

describe('Function: taskDefinitionArn', () => {
  it('allows every revision of a family', () => {
    expect(taskDefinitionArn('thumbnailer')).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/thumbnailer:*',
    });
  });

  it('allows exactly the given revision of family:revision', () => {
    expect(taskDefinitionArn('thumbnailer:12')).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/thumbnailer:12',
    });
  });

  it('keeps a task definition ARN with a revision as it is', () => {
    const arn = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/thumbnailer:3';

    expect(taskDefinitionArn(arn)).toBe(arn);
  });

  it('allows every revision for a task definition ARN without a revision', () => {
    expect(taskDefinitionArn('arn:aws:ecs:eu-west-1:123456789012:task-definition/thumbnailer')).toBe(
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/thumbnailer:*',
    );
  });
});

describe('Function: clusterArn', () => {
  it('builds the ARN of a cluster name in the stack account and region', () => {
    expect(clusterArn('media')).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/media',
    });
  });

  it('keeps a cluster ARN as it is', () => {
    expect(clusterArn('arn:aws:ecs:eu-west-1:123456789012:cluster/media')).toBe(
      'arn:aws:ecs:eu-west-1:123456789012:cluster/media',
    );
  });
});

describe('Function: launchStatements', () => {
  const cluster = { 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/media' };

  it('allows RunTask on the family in the configured cluster only, and tagging of the tasks it creates', () => {
    expect(launchStatements(spec(), 'ecs-pilot-test')).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecs:RunTask'],
        Resource: [
          {
            'Fn::Sub':
              'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/thumbnailer:*',
          },
        ],
        Condition: { ArnEquals: { 'ecs:cluster': cluster } },
      },
      {
        Effect: 'Allow',
        Action: ['ecs:TagResource'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/media/*' }],
        Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      },
    ]);
  });

  it('scopes RunTask to the exact revision for family:revision', () => {
    const [runTask] = launchStatements(spec({ taskDefinition: 'thumbnailer:7' }), 'ecs-pilot-test');

    expect(runTask?.Resource).toEqual([
      {
        'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/thumbnailer:7',
      },
    ]);
  });

  it('uses a cluster ARN in the condition and its name in the task resource', () => {
    const [runTask, tag] = launchStatements(
      spec({ cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/media' }),
      'ecs-pilot-test',
    );

    expect(runTask?.Condition).toEqual({
      ArnEquals: { 'ecs:cluster': 'arn:aws:ecs:eu-west-1:123456789012:cluster/media' },
    });
    expect(tag?.Resource).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/media/*' },
    ]);
  });

  it('grants no PassRole when the task has no roles', () => {
    expect(launchStatements(spec(), 'ecs-pilot-test').flatMap((s) => s.Action)).not.toContain('iam:PassRole');
  });

  it.each<[string, { task?: string; execution?: string }, unknown[]]>([
    [
      'the task role only',
      { task: 'thumbnailer-task' },
      [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/thumbnailer-task' }],
    ],
    [
      'the execution role only',
      { execution: 'ecsTaskExecutionRole' },
      [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/ecsTaskExecutionRole' }],
    ],
    [
      'both roles, one given as an ARN',
      { task: 'arn:aws:iam::123456789012:role/service/thumbnailer', execution: 'ecsTaskExecutionRole' },
      [
        'arn:aws:iam::123456789012:role/service/thumbnailer',
        { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/ecsTaskExecutionRole' },
      ],
    ],
  ])('allows PassRole on %s, to ECS tasks only', (_label, roles, resources) => {
    // Act
    const passRole = launchStatements(spec({ roles }), 'ecs-pilot-test').filter((s) =>
      s.Action.includes('iam:PassRole'),
    );

    // Assess
    expect(passRole).toEqual([
      {
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: resources,
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    ]);
  });

  it('allows ListTasks in the cluster only when maxRunning is set', () => {
    const uncapped = launchStatements(spec(), 'ecs-pilot-test');
    const capped = launchStatements(spec({ maxRunning: 5 }), 'ecs-pilot-test');

    expect(uncapped.flatMap((s) => s.Action)).not.toContain('ecs:ListTasks');
    expect(capped.filter((s) => s.Action.includes('ecs:ListTasks'))).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecs:ListTasks'],
        Resource: ['*'],
        Condition: { ArnEquals: { 'ecs:cluster': cluster } },
      },
    ]);
  });
});

describe('Function: launchStatements with secrets', () => {
  const secrets = { DB_PASSWORD: '/prod/db/password' };
  const withSecrets = () =>
    launchStatements(spec({ secrets, roles: { execution: 'thumbnailer-execution' } }), 'ecs-pilot-prod');

  it('grants nothing for task definitions when the spec has no secrets', () => {
    const actions = launchStatements(spec(), 'ecs-pilot-prod').flatMap((s) => s.Action);

    expect(actions).not.toContain('ecs:RegisterTaskDefinition');
    expect(actions).not.toContain('ecs:DescribeTaskDefinition');
  });

  it('allows RegisterTaskDefinition on "*" only for a request tagged with this stack and no other tag', () => {
    const register = withSecrets().filter((s) => s.Action.includes('ecs:RegisterTaskDefinition'));

    expect(register).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecs:RegisterTaskDefinition'],
        Resource: ['*'],
        Condition: {
          StringEquals: { 'aws:RequestTag/ecs-pilot:stack': 'ecs-pilot-prod' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': ['ecs-pilot:stack', 'ecs-pilot:derived-from'] },
        },
      },
    ]);
  });

  it('allows RunTask on the derived families only, in the configured cluster', () => {
    const runTask = withSecrets().filter((s) => s.Action.includes('ecs:RunTask'));

    expect(runTask).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecs:RunTask'],
        Resource: [
          {
            'Fn::Sub':
              'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/thumbnailer-ecs-pilot-*:*',
          },
        ],
        Condition: {
          ArnEquals: {
            'ecs:cluster': {
              'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/media',
            },
          },
        },
      },
    ]);
  });

  it('grants RunTask on the families derived from a base family at ECS’s 255 characters, cut as they are cut', () => {
    const family = 'f'.repeat(255);
    const statements = launchStatements(
      spec({ taskDefinition: family, secrets, roles: { execution: 'thumbnailer-execution' } }),
      'ecs-pilot-prod',
    );
    const derived = deriveRegistration(
      {
        taskDefinitionArn: `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:1`,
        family,
        executionRoleArn: 'arn:aws:iam::123456789012:role/thumbnailer-execution',
        containerDefinitions: [{ name: 'app', image: 'app:1' }],
      },
      { container: 'app', secrets: [], executionRole: 'thumbnailer-execution' },
    ).family;

    const [resource] = statements.find((s) => s.Action.includes('ecs:RunTask'))!.Resource as {
      'Fn::Sub': string;
    }[];
    const granted = resource!['Fn::Sub'].split('task-definition/')[1]!;
    expect(granted).toMatch(/-ecs-pilot-\*:\*$/);
    expect(derived.startsWith(granted.slice(0, -'*:*'.length))).toBe(true);
  });

  it('allows tagging only the derived families of the spec, and only while registering them', () => {
    const tagging = withSecrets().filter(
      (s) =>
        s.Action.includes('ecs:TagResource') && s.Condition?.StringEquals?.['ecs:CreateAction'] !== 'RunTask',
    );

    expect(tagging).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecs:TagResource'],
        Resource: [
          {
            'Fn::Sub':
              'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/thumbnailer-ecs-pilot-*',
          },
        ],
        Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
      },
    ]);
  });
});

describe('Function: secretGrantResources', () => {
  const task = (secrets: Record<string, unknown>, execution = 'app-execution') =>
    spec({ secrets: secrets as never, roles: { execution } });
  const statementsOf = (resources: Record<string, unknown>) =>
    Object.values(resources).flatMap(
      (r) =>
        (r as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
          .Statement,
    );

  it('creates nothing when no spec has secrets', () => {
    expect(secretGrantResources([spec()], 'ecs-pilot-prod')).toEqual({});
  });

  it('attaches one managed policy to the execution role, reading exactly the configured parameters and secrets', () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db';
    const resources = secretGrantResources(
      [
        task({ DB_PASSWORD: '/prod/db/password', API: { from: secretArn, jsonKey: 'token' } }),
        task({ OTHER: 'arn:aws:ssm:eu-west-1:123456789012:parameter/shared/other' }),
      ],
      'ecs-pilot-prod',
    );

    expect(Object.keys(resources)).toEqual(['SecretsReadPolicyappexecution']);
    const policy = resources.SecretsReadPolicyappexecution as {
      Type: string;
      Properties: { Roles: string[] };
    };
    expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
    expect(policy.Properties.Roles).toEqual(['app-execution']);
    expect(statementsOf(resources)).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: [secretArn, `${secretArn}-??????`],
        },
      ]),
    );
    const ssm = statementsOf(resources).filter((s) =>
      (s as { Action: string[] }).Action.includes('ssm:GetParameters'),
    );
    expect(ssm).toEqual([
      {
        Effect: 'Allow',
        Action: ['ssm:GetParameters'],
        Resource: [
          {
            'Fn::Sub':
              'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/prod/db/password',
          },
          'arn:aws:ssm:eu-west-1:123456789012:parameter/shared/other',
        ],
      },
    ]);
  });

  it("allows kms:Decrypt on a secret's customer managed key, through SSM or Secrets Manager only", () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const resources = secretGrantResources([task({ DB: { from: '/prod/db', kmsKeyArn: key } })], 'p');

    expect(statementsOf(resources)).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [key],
      Condition: { StringLike: { 'kms:ViaService': ['ssm.*', 'secretsmanager.*'] } },
    });
  });

  it('gives each execution role its own policy with only its own secrets', () => {
    const resources = secretGrantResources(
      [task({ A: '/a' }, 'role-a'), task({ B: '/b' }, 'arn:aws:iam::123456789012:role/team/role-b')],
      'p',
    );

    expect(Object.keys(resources).sort()).toEqual(['SecretsReadPolicyrolea', 'SecretsReadPolicyroleb']);
    expect(JSON.stringify(resources.SecretsReadPolicyrolea)).not.toContain('parameter/b');
    expect(
      (resources.SecretsReadPolicyroleb as { Properties: { Roles: string[] } }).Properties.Roles,
    ).toEqual(['role-b']);
  });

  it('splits a role whose secrets exceed one managed policy into several, each within 6,144 characters', () => {
    const many = Object.fromEntries(
      Array.from({ length: 80 }, (_, i) => [
        `SECRET_${i}`,
        `/prod/service-with-a-long-name/secret-number-${i}`,
      ]),
    );

    const resources = secretGrantResources([task(many)], 'p');

    const policies = Object.entries(resources);
    expect(policies.map(([id]) => id)).toEqual([
      'SecretsReadPolicyappexecution',
      'SecretsReadPolicyappexecution2',
    ]);
    for (const [, policy] of policies) {
      const { Statement } = (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } })
        .Properties.PolicyDocument;
      expect(policySize(Statement)).toBeLessThanOrEqual(6144);
    }
    expect(JSON.stringify(resources).match(/secret-number-\d+/g)?.length).toBe(80);
  });

  it('refuses at packaging a role whose secrets need more than 4 managed policies, naming the role', () => {
    const many = Object.fromEntries(
      Array.from({ length: 400 }, (_, i) => [
        `SECRET_${i}`,
        `/prod/service-with-a-long-name/secret-number-${i}`,
      ]),
    );

    expect(() => secretGrantResources([task(many)], 'p')).toThrow(ConfigError);
    expect(() => secretGrantResources([task(many)], 'p')).toThrow(
      /execution role app-execution would need \d+ characters .* more than 4 managed policies of 6144/,
    );
  });

  it('treats a role given by name and by ARN as one role', () => {
    const resources = secretGrantResources(
      [task({ A: '/a' }, 'app-execution'), task({ B: '/b' }, 'arn:aws:iam::123456789012:role/app-execution')],
      'p',
    );

    expect(Object.keys(resources)).toEqual(['SecretsReadPolicyappexecution']);
  });
});
