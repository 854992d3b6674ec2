import { describe, expect, it } from 'vitest';
import { uploadTrigger, type RawTask } from '../../fixtures';

const spec = (task: Partial<RawTask> = {}) => uploadTrigger({}, task).task;
import { clusterArn, launchStatements, taskDefinitionArn } from '../../../../../shared/kernel/launch/deploy';

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
    expect(launchStatements(spec())).toEqual([
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
    const [runTask] = launchStatements(spec({ taskDefinition: 'thumbnailer:7' }));

    expect(runTask?.Resource).toEqual([
      {
        'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/thumbnailer:7',
      },
    ]);
  });

  it('uses a cluster ARN in the condition and its name in the task resource', () => {
    const [runTask, tag] = launchStatements(
      spec({ cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/media' }),
    );

    expect(runTask?.Condition).toEqual({
      ArnEquals: { 'ecs:cluster': 'arn:aws:ecs:eu-west-1:123456789012:cluster/media' },
    });
    expect(tag?.Resource).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/media/*' },
    ]);
  });

  it('grants no PassRole when the task has no roles', () => {
    expect(launchStatements(spec()).flatMap((s) => s.Action)).not.toContain('iam:PassRole');
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
    const passRole = launchStatements(spec({ roles })).filter((s) => s.Action.includes('iam:PassRole'));

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
    const uncapped = launchStatements(spec());
    const capped = launchStatements(spec({ maxRunning: 5 }));

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
