import { expect } from 'vitest';
import type { PackagedTemplate } from '../../local/package';
import { allPolicyStatements, grants, props, resourcesOfType } from './template';

/**
 * The Checkov checks a customer managed key satisfies (SQS, DynamoDB, log groups, Lambda
 * environments, SNS): skipped without the config's `encryption`, passing with it.
 */
export const CMK_CHECKS = ['CKV_AWS_27', 'CKV_AWS_119', 'CKV_AWS_158', 'CKV_AWS_173', 'CKV_AWS_26'];

/** ECS list calls that take the `ecs:cluster` condition key (Service Authorization Reference). */
const CLUSTER_SCOPED_LISTS = ['ecs:ListTasks', 'ecs:ListServices', 'ecs:ListContainerInstances'];

/**
 * The gaps a security review found, closed on any packaged template: the deployment bucket blocks
 * public access and is versioned, every table has point-in-time recovery, and every grant of an ECS
 * list call that supports it is scoped by an `ecs:cluster` condition.
 */
export function expectSecureDefaults(template: PackagedTemplate): void {
  const bucket = props<{
    PublicAccessBlockConfiguration?: Record<string, boolean>;
    VersioningConfiguration?: { Status: string };
  }>(template.Resources.ServerlessDeploymentBucket);
  expect(bucket.PublicAccessBlockConfiguration).toEqual({
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });

  const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');
  expect(tables.length).toBeGreaterThan(0);
  for (const [id, table] of tables)
    expect(
      props<{ PointInTimeRecoverySpecification?: unknown }>(table).PointInTimeRecoverySpecification,
      id,
    ).toEqual({ PointInTimeRecoveryEnabled: true });

  const lists = allPolicyStatements(template).filter((s) => CLUSTER_SCOPED_LISTS.some((a) => grants(s, a)));
  expect(lists.length).toBeGreaterThan(0);
  for (const statement of lists) {
    const keys = Object.values(statement.Condition ?? {}).flatMap((body) => Object.keys(body));
    expect(keys, `${statement.source} ${JSON.stringify(statement.Action)}`).toContain('ecs:cluster');
  }
}
