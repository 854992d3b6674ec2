import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Statement } from '../../../../../shared/kernel/deploy/cfn';
import { mergeStatements, packPolicies, policySize } from '../../../../../shared/kernel/deploy/iam';

/**
 * What a set of Allow statements grants, as (action, resource, condition) triples. A condition with
 * one operator and one key matches any of its values (IAM: values of one key are ORed), so it is
 * expanded to one triple per value; other conditions are compared whole.
 */
function grantsOf(statements: readonly Statement[]): Set<string> {
  const out = new Set<string>();
  for (const s of statements) {
    const operators = Object.entries(s.Condition ?? {});
    const keys = operators.length === 1 ? Object.entries(operators[0]![1]) : [];
    const conditions =
      operators.length === 1 && keys.length === 1
        ? [keys[0]![1]].flat().map((v) => JSON.stringify([operators[0]![0], keys[0]![0], v]))
        : [JSON.stringify(s.Condition ?? null)];
    for (const action of s.Action)
      for (const resource of s.Resource)
        for (const condition of conditions) out.add(JSON.stringify([action, resource, condition]));
  }
  return out;
}

const statementArb: fc.Arbitrary<Statement> = fc.record(
  {
    Effect: fc.constant('Allow' as const),
    Action: fc.uniqueArray(
      fc.constantFrom('ecs:RunTask', 'ecs:StopTask', 'ecs:DescribeTasks', 'iam:PassRole'),
      {
        minLength: 1,
        maxLength: 2,
      },
    ),
    Resource: fc.uniqueArray(fc.constantFrom('td/a', 'td/b', 'task/c1/*', 'task/c2/*', '*'), {
      minLength: 1,
      maxLength: 3,
    }),
    Condition: fc.option(
      fc.oneof(
        fc.record({ ArnEquals: fc.record({ 'ecs:cluster': fc.constantFrom('c1', 'c2', 'c3') }) }),
        fc.record({
          ArnEquals: fc.record({ 'ecs:cluster': fc.constantFrom('c1', 'c2') }),
          StringEquals: fc.record({ 'ecs:CreateAction': fc.constant('RunTask') }),
        }),
      ),
      { nil: undefined },
    ),
  },
  { requiredKeys: ['Effect', 'Action', 'Resource'] },
);

describe('Function: mergeStatements', () => {
  it('grants exactly what the statements grant, for any statements', () => {
    fc.assert(
      fc.property(fc.array(statementArb, { maxLength: 12 }), (statements) => {
        const merged = mergeStatements(statements);

        expect(grantsOf(merged)).toEqual(grantsOf(statements));
        expect(merged.length).toBeLessThanOrEqual(statements.length);
      }),
      { numRuns: 300 },
    );
  });

  it('merges one RunTask statement per schedule into one per cluster', () => {
    const runTask = (family: string, cluster: string): Statement => ({
      Effect: 'Allow',
      Action: ['ecs:RunTask'],
      Resource: [`td/${family}:*`],
      Condition: { ArnEquals: { 'ecs:cluster': cluster } },
    });

    const merged = mergeStatements([runTask('a', 'c1'), runTask('b', 'c2'), runTask('c', 'c1')]);

    expect(merged).toEqual([{ ...runTask('a', 'c1'), Resource: ['td/a:*', 'td/c:*'] }, runTask('b', 'c2')]);
  });

  it('unites the clusters of a ListTasks grant, which has one resource', () => {
    const listTasks = (cluster: string): Statement => ({
      Effect: 'Allow',
      Action: ['ecs:ListTasks'],
      Resource: ['*'],
      Condition: { ArnEquals: { 'ecs:cluster': cluster } },
    });

    expect(mergeStatements([listTasks('c1'), listTasks('c2'), listTasks('c1')])).toEqual([
      { ...listTasks('c1'), Condition: { ArnEquals: { 'ecs:cluster': ['c1', 'c2'] } } },
    ]);
  });
});

describe('Function: policySize', () => {
  it('counts Fn::Sub pseudo parameters at their longest values, never fewer characters', () => {
    const statement: Statement = {
      Effect: 'Allow',
      Action: ['ecs:RunTask'],
      Resource: [
        { 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/a:*' },
      ],
    };
    const resolved = {
      ...statement,
      Resource: ['arn:aws-us-gov:ecs:ap-southeast-7:123456789012:task-definition/a:*'],
    };

    expect(policySize([statement])).toBe(
      JSON.stringify({ Version: '2012-10-17', Statement: [resolved] }).length,
    );
  });
});

describe('Function: packPolicies', () => {
  it('keeps a small role in one inline policy', () => {
    const statement: Statement = { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: ['q'] };

    expect(packPolicies('R', [statement])).toEqual({ inline: [statement], managed: [] });
  });

  it('splits a statement whose resources alone exceed a managed policy, losing none', () => {
    const resources = Array.from({ length: 400 }, (_, i) => `arn:aws:iam::123456789012:role/task-role-${i}`);
    const statement: Statement = { Effect: 'Allow', Action: ['iam:PassRole'], Resource: resources };

    const { inline, managed } = packPolicies('R', [statement]);

    expect(policySize(inline)).toBeLessThanOrEqual(10_240);
    for (const policy of managed) expect(policySize(policy)).toBeLessThanOrEqual(6_144);
    expect([...inline, ...managed.flat()].flatMap((s) => s.Resource).sort()).toEqual([...resources].sort());
  });
});
