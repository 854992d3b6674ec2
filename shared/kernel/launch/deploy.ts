import type { TaskSpec } from '../config.js';
import { sub, type Cfn, type Statement } from '../deploy/cfn.js';

const clusterName = (cluster: string) => cluster.split('/').pop()!;
export const clusterArn = (cluster: string): Cfn =>
  cluster.startsWith('arn:')
    ? cluster
    : sub(`arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:cluster/${cluster}`);

/** Task definitions RunTask may use: a family means any of its revisions. */
export function taskDefinitionArn(taskDefinition: string): Cfn {
  if (taskDefinition.startsWith('arn:'))
    return /:\d+$/.test(taskDefinition) ? taskDefinition : `${taskDefinition}:*`;
  const revisioned = /:\d+$/.test(taskDefinition) ? taskDefinition : `${taskDefinition}:*`;
  return sub(`arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task-definition/${revisioned}`);
}

/** A role's ARN from its name (path `/`) or ARN. */
export const roleArn = (role: string): Cfn =>
  role.startsWith('arn:') ? role : sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${role}`);

/**
 * What starting tasks from a launch spec needs: RunTask on its task definition in its cluster,
 * tagging the tasks it creates, PassRole for the task's roles only (to ECS tasks only), and
 * ListTasks in that cluster when a cap must be counted.
 */
export function launchStatements(spec: TaskSpec): Statement[] {
  const cluster = clusterArn(spec.cluster);
  const statements: Statement[] = [
    {
      Effect: 'Allow',
      Action: ['ecs:RunTask'],
      Resource: [taskDefinitionArn(spec.taskDefinition)],
      Condition: { ArnEquals: { 'ecs:cluster': cluster } },
    },
    {
      Effect: 'Allow',
      Action: ['ecs:TagResource'],
      Resource: [
        sub(
          `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task/${clusterName(spec.cluster)}/*`,
        ),
      ],
      Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    },
  ];
  const roles = [spec.roles.task, spec.roles.execution].filter((r): r is string => Boolean(r));
  if (roles.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: roles.map(roleArn),
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
  }
  if (spec.maxRunning !== undefined) {
    statements.push({
      Effect: 'Allow',
      Action: ['ecs:ListTasks'],
      Resource: ['*'],
      Condition: { ArnEquals: { 'ecs:cluster': cluster } },
    });
  }
  return statements;
}
