import type { TaskSpec } from '../config.js';
import { sub, type Cfn, type Statement } from '../deploy/cfn.js';
import { ConfigError } from '../errors.js';
import { IAM_LIMITS, mergeStatements, packManagedPolicies, policySize } from '../deploy/iam.js';
import { secretResources, sourceOf } from '../secrets.js';
import { DERIVED_TAGS, derivedFamilyPrefix, roleName } from './derive.js';

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
export function launchStatements(spec: TaskSpec, stack: string): Statement[] {
  const cluster = clusterArn(spec.cluster);
  const statements: Statement[] = [
    {
      Effect: 'Allow',
      Action: ['ecs:RunTask'],
      // A spec with secrets runs its derived revisions (launch/derive.ts), never the base itself.
      Resource: [hasSecrets(spec) ? derivedFamiliesArn(spec, ':*') : taskDefinitionArn(spec.taskDefinition)],
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
  if (hasSecrets(spec)) statements.push(...derivedDefinitionStatements(spec, stack));
  return statements;
}

export const hasSecrets = (spec: TaskSpec) => Object.keys(spec.secrets ?? {}).length > 0;

/**
 * Every revision of a spec's derived families (`<family>-ecs-pilot-*`, the family cut as
 * deriveRegistration cuts it), with `revisions` appended.
 */
const derivedFamiliesArn = (spec: TaskSpec, revisions: string): Cfn =>
  sub(
    `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task-definition/${derivedFamilyPrefix(familyOf(spec.taskDefinition))}*${revisions}`,
  );

/** The family part of a task definition reference (family, family:revision or ARN). */
const familyOf = (taskDefinition: string) => taskDefinition.split('/').pop()!.replace(/:\d+$/, '');

/**
 * What registering a spec's derived task definition needs (launch/derive.ts). RegisterTaskDefinition
 * has no resource type in IAM (Service Authorization Reference: Resource "*"), so it is the one
 * mutating action granted on "*", and only for a request that tags the revision with this stack
 * and nothing else (aws:RequestTag, aws:TagKeys); the tags themselves may be written only on the
 * spec's derived families, and only while registering (ecs:CreateAction). Describing task
 * definitions and listing them are read-only and have no resource type either.
 */
function derivedDefinitionStatements(spec: TaskSpec, stack: string): Statement[] {
  return [
    {
      Effect: 'Allow',
      Action: ['ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions'],
      Resource: ['*'],
    },
    {
      Effect: 'Allow',
      Action: ['ecs:RegisterTaskDefinition'],
      Resource: ['*'],
      Condition: {
        StringEquals: { [`aws:RequestTag/${DERIVED_TAGS.stack}`]: stack },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [DERIVED_TAGS.stack, DERIVED_TAGS.base] },
      },
    },
    {
      Effect: 'Allow',
      Action: ['ecs:TagResource'],
      Resource: [derivedFamiliesArn(spec, '')],
      Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    },
  ];
}

/** Logical id of a policy granting one execution role its secrets (index 0, 1, …). */
const grantId = (role: string, index: number) =>
  `SecretsReadPolicy${role.replace(/[^A-Za-z0-9]/g, '')}${index === 0 ? '' : index + 1}`;

/**
 * At most this many policies are attached to one execution role. IAM allows 10 managed policies per
 * role by default, and the role is not the stack's: it usually has AmazonECSTaskExecutionRolePolicy
 * and may have more, so the stack takes fewer than half.
 */
export const MAX_SECRET_POLICIES_PER_ROLE = 4;

/**
 * Read access for each execution role to exactly the secrets of the specs that run with it:
 * customer-managed policies attached to that role (which the stack does not own; the attachment
 * goes with the stack), as few as fit. Managed rather than inline: their size is known here (IAM
 * allows 6,144 characters each), while an inline one would share the role's 10,240 with policies
 * this stack cannot see. Secrets encrypted with a customer managed key also need kms:Decrypt on it,
 * through SSM or Secrets Manager only.
 */
export function secretGrantResources(specs: readonly TaskSpec[], prefix: string): Record<string, unknown> {
  const byRole = new Map<string, Statement[]>();
  for (const spec of specs.filter(hasSecrets)) {
    // By name: a role given by name in one spec and by ARN in another is one role.
    const role = roleName(spec.roles.execution!);
    const statements = byRole.get(role) ?? [];
    for (const value of Object.values(spec.secrets ?? {})) {
      const source = sourceOf(value);
      const { action, resources } = secretResources(source);
      statements.push({ Effect: 'Allow', Action: [action], Resource: resources.map(cfnString) });
      if (source.kmsKeyArn) {
        statements.push({
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: [source.kmsKeyArn],
          Condition: { StringLike: { 'kms:ViaService': ['ssm.*', 'secretsmanager.*'] } },
        });
      }
    }
    byRole.set(role, statements);
  }
  const resources: Record<string, unknown> = {};
  for (const [role, statements] of byRole) {
    const policies = packManagedPolicies(statements, MAX_SECRET_POLICIES_PER_ROLE);
    if (!policies) {
      throw new ConfigError('config', [
        `secrets: execution role ${role} would need ${policySize(mergeStatements(statements))} characters of IAM policy to read its secrets, more than ${MAX_SECRET_POLICIES_PER_ROLE} managed policies of ${IAM_LIMITS.managedPolicy} hold: give some tasks another execution role, or split the config into two stages`,
      ]);
    }
    policies.forEach((statement, index) => {
      const id = grantId(role, index);
      if (resources[id]) {
        throw new ConfigError('config', [
          `secrets: execution roles ${role} and another one differ only in characters a CloudFormation logical id cannot hold; rename one`,
        ]);
      }
      resources[id] = {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          Description: `${prefix}: lets ECS read the task secrets of the ecs-pilot tasks that run with this execution role`,
          Roles: [role],
          PolicyDocument: { Version: '2012-10-17', Statement: statement },
        },
      };
    });
  }
  return resources;
}

const cfnString = (value: string): Cfn => (value.includes('${AWS::') ? sub(value) : value);
