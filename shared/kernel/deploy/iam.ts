import { ConfigError } from '../errors.js';

/** One Allow statement of an identity policy. */
export interface Statement {
  Effect: 'Allow';
  Action: string[];
  Resource: unknown[];
  Condition?: Record<string, Record<string, unknown>>;
}

/**
 * IAM's size limits, in characters of policy JSON without whitespace (IAM quotas page): all inline
 * policies of one role together, one customer-managed policy, and managed policies per role (the
 * default quota; it can be raised, but a first deploy must not depend on that).
 */
export const IAM_LIMITS = { inlinePerRole: 10_240, managedPolicy: 6_144, managedPerRole: 10 } as const;

/**
 * Worst-case values for what CloudFormation substitutes before IAM measures a policy: the longest
 * partition, a 14-character Region, a 12-digit account, and, for a reference to another resource of
 * the stack (a queue's or table's ARN), 256 characters. Sizes computed with these never undercount.
 */
const WORST_CASE: Record<string, string> = {
  'AWS::Partition': 'aws-us-gov',
  'AWS::Region': 'ap-southeast-7',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com.cn',
};
const REFERENCE_SIZE = 256;

function resolvedString(template: string): string {
  return template.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
    Object.hasOwn(WORST_CASE, name) ? WORST_CASE[name]! : 'x'.repeat(REFERENCE_SIZE),
  );
}

/** The value as IAM will see it, with intrinsics replaced by worst-case stand-ins. */
function resolved(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolved);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [key, inner] = entries[0]!;
      if (key === 'Fn::Sub' && typeof inner === 'string') return resolvedString(inner);
      if (key === 'Ref' || key === 'Fn::GetAtt' || key === 'Fn::ImportValue')
        return 'x'.repeat(REFERENCE_SIZE);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolved(v)]));
  }
  return value;
}

/** Characters IAM counts for a policy document holding `statements`, never fewer. */
export function policySize(statements: readonly Statement[]): number {
  return documentSize(policyDocument(statements));
}

/** Characters of any policy document (a resource policy too), intrinsics at their worst case. */
export function documentSize(document: unknown): number {
  return JSON.stringify(resolved(document)).length;
}

export const policyDocument = (statements: readonly Statement[]) => ({
  Version: '2012-10-17',
  Statement: statements,
});

const key = (value: unknown) => JSON.stringify(value);
const unique = <T>(values: readonly T[]) => [...new Map(values.map((v) => [key(v), v])).values()];

/** The one condition operator and key of a statement, when it has exactly one; else undefined. */
function singleCondition(
  statement: Statement,
): { operator: string; name: string; values: unknown[] } | undefined {
  const operators = Object.entries(statement.Condition ?? {});
  if (operators.length !== 1) return undefined;
  const [operator, body] = operators[0]!;
  const names = Object.entries(body);
  if (names.length !== 1) return undefined;
  const [name, value] = names[0]!;
  return { operator, name, values: Array.isArray(value) ? value : [value] };
}

type Merge = {
  group: (s: Statement) => string | undefined;
  combine: (a: Statement, b: Statement) => Statement;
};

/**
 * Rewrites that grant exactly what the statements grant, no more: the same actions and condition
 * over a union of resources; the same resources and condition for a union of actions; and the same
 * actions and resources under one condition key whose values are united (a condition with a list of
 * values matches any of them, IAM's "OR within a key").
 */
const MERGES: Merge[] = [
  {
    group: (s) => key([s.Effect, [...s.Action].sort(), s.Condition ?? null]),
    combine: (a, b) => ({ ...a, Resource: unique([...a.Resource, ...b.Resource]) }),
  },
  {
    group: (s) => key([s.Effect, unique(s.Resource).map(key).sort(), s.Condition ?? null]),
    combine: (a, b) => ({ ...a, Action: unique([...a.Action, ...b.Action]) }),
  },
  {
    group: (s) => {
      const condition = singleCondition(s);
      if (!condition) return undefined;
      return key([
        s.Effect,
        [...s.Action].sort(),
        unique(s.Resource).map(key).sort(),
        condition.operator,
        condition.name,
      ]);
    },
    combine: (a, b) => {
      const first = singleCondition(a)!;
      const values = unique([...first.values, ...singleCondition(b)!.values]);
      return {
        ...a,
        Condition: { [first.operator]: { [first.name]: values.length === 1 ? values[0] : values } },
      };
    },
  },
];

/** Statements merged until no rewrite applies: the same permissions in as few characters as these rules allow. */
export function mergeStatements(statements: readonly Statement[]): Statement[] {
  let current = statements.map((s) => ({ ...s, Resource: unique(s.Resource), Action: unique(s.Action) }));
  for (let changed = true; changed;) {
    changed = false;
    for (const merge of MERGES) {
      const groups = new Map<string, Statement>();
      const next: Statement[] = [];
      for (const statement of current) {
        const group = merge.group(statement);
        const first = group === undefined ? undefined : groups.get(group);
        if (group === undefined) next.push(statement);
        else if (!first) {
          groups.set(group, statement);
          next.push(statement);
        } else {
          const combined = merge.combine(first, statement);
          next[next.indexOf(first)] = combined;
          groups.set(group, combined);
          changed = true;
        }
      }
      current = next;
    }
  }
  return current;
}

/** Splits a statement whose resource list alone is over `budget` into statements that each fit. */
function splitToFit(statement: Statement, budget: number): Statement[] {
  if (policySize([statement]) <= budget || statement.Resource.length < 2) return [statement];
  const half = Math.ceil(statement.Resource.length / 2);
  return [
    ...splitToFit({ ...statement, Resource: statement.Resource.slice(0, half) }, budget),
    ...splitToFit({ ...statement, Resource: statement.Resource.slice(half) }, budget),
  ];
}

/**
 * Splits a statement whose resource list is over `budget` into statements filled up to it in turn
 * (halving, as splitToFit does, can leave every part half empty).
 */
function fillToFit(statement: Statement, budget: number): Statement[] {
  if (policySize([statement]) <= budget) return [statement];
  const parts: Statement[] = [];
  let current: unknown[] = [];
  for (const resource of statement.Resource) {
    const next = [...current, resource];
    if (current.length > 0 && policySize([{ ...statement, Resource: next }]) > budget) {
      parts.push({ ...statement, Resource: current });
      current = [resource];
    } else current = next;
  }
  parts.push({ ...statement, Resource: current });
  return parts;
}

/**
 * Statements (merged first) packed into as few customer-managed policies as fit, each within IAM's
 * 6,144 characters; undefined when that takes more than `max`.
 */
export function packManagedPolicies(
  statements: readonly Statement[],
  max: number,
): Statement[][] | undefined {
  const merged = mergeStatements(statements).flatMap((s) => fillToFit(s, IAM_LIMITS.managedPolicy));
  const bins = firstFit(merged, IAM_LIMITS.managedPolicy).filter((b) => b.statements.length > 0);
  if (bins.length > max || bins.some(oversized)) return undefined;
  return bins.map((b) => b.statements);
}

interface Bin {
  statements: Statement[];
  size: number;
  limit: number;
}

/**
 * First-fit packing into policy documents: the first may hold `firstLimit` characters (a role's
 * inline policy, or a managed one), every other one a managed policy's. A document's size is its
 * envelope plus its statements and the commas between them.
 */
function firstFit(statements: readonly Statement[], firstLimit: number): Bin[] {
  const envelope = policySize([]);
  const bins: Bin[] = [{ statements: [], size: envelope, limit: firstLimit }];
  for (const statement of statements) {
    const added = policySize([statement]) - envelope + 1;
    let bin = bins.find((b) => b.size + added <= b.limit);
    if (!bin) {
      bin = { statements: [], size: envelope, limit: IAM_LIMITS.managedPolicy };
      bins.push(bin);
    }
    bin.statements.push(statement);
    bin.size += added;
  }
  return bins;
}

const oversized = (bin: Bin) => bin.statements.length > 0 && policySize(bin.statements) > bin.limit;

export interface PackedPolicies {
  /** The role's one inline policy. */
  inline: Statement[];
  /** Customer-managed policies the role also needs, each within IAM's managed-policy size. */
  managed: Statement[][];
}

/**
 * Packs a role's statements (merged first) into one inline policy and as few managed policies as
 * fit, each within IAM's size limit. Past what one role can hold, packaging fails with the limit and
 * the way out, rather than a deploy failing halfway.
 */
export function packPolicies(role: string, statements: readonly Statement[]): PackedPolicies {
  const merged = mergeStatements(statements).flatMap((s) => splitToFit(s, IAM_LIMITS.managedPolicy));
  const bins = firstFit(merged, IAM_LIMITS.inlinePerRole);
  const [inline, ...managed] = bins.map((b) => b.statements);
  if (managed.length > IAM_LIMITS.managedPerRole || bins.some(oversized)) {
    const total = policySize(merged);
    throw new ConfigError('config', [
      `the ${role} role would need ${total} characters of IAM policy, more than one role can hold ` +
        `(${IAM_LIMITS.inlinePerRole} inline + ${IAM_LIMITS.managedPerRole} managed policies of ` +
        `${IAM_LIMITS.managedPolicy}): split the config into two stages, or share task definitions, clusters and roles`,
    ]);
  }
  return { inline: inline!, managed };
}

const isStackResource = (resource: unknown) =>
  typeof resource === 'object' && resource !== null && ('Fn::GetAtt' in resource || 'Ref' in resource);

/**
 * What a role needs on the key for what its statements already do to this stack's queues, tables
 * and topics (all encrypted with it), and for its function's environment:
 * - SQS: a producer needs kms:GenerateDataKey and kms:Decrypt, a consumer kms:Decrypt (SQS
 *   developer guide, "Key management");
 * - SNS: a publisher needs kms:GenerateDataKey* and kms:Decrypt (SNS developer guide);
 * - DynamoDB item reads and writes: what the AWS CDK grants for read/write on a CMK table
 *   (kms:Decrypt, kms:DescribeKey, kms:Encrypt, kms:ReEncrypt*, kms:GenerateDataKey*);
 * - a Lambda environment encrypted with the key: kms:Decrypt by the function's role.
 * Undefined when there is no key or nothing needs it.
 */
export function keyStatement(
  statements: readonly Statement[],
  key: unknown,
  options: { functionRole: boolean },
): Statement | undefined {
  if (key === undefined) return undefined;
  const actions = new Set<string>(options.functionRole ? ['kms:Decrypt'] : []);
  for (const statement of statements) {
    if (!statement.Resource.some(isStackResource)) continue;
    for (const action of statement.Action) {
      if (action === 'sqs:SendMessage') ['kms:GenerateDataKey', 'kms:Decrypt'].forEach((a) => actions.add(a));
      if (action === 'sqs:ReceiveMessage') actions.add('kms:Decrypt');
      if (action === 'sns:Publish') ['kms:GenerateDataKey*', 'kms:Decrypt'].forEach((a) => actions.add(a));
      if (
        /^dynamodb:(GetItem|PutItem|UpdateItem|DeleteItem|Query|Scan|BatchGetItem|BatchWriteItem)$/.test(
          action,
        )
      )
        ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'].forEach(
          (a) => actions.add(a),
        );
    }
  }
  if (actions.size === 0) return undefined;
  // kms:GenerateDataKey* already grants kms:GenerateDataKey.
  const wildcards = [...actions].filter((a) => a.endsWith('*')).map((a) => a.slice(0, -1));
  const needed = [...actions].filter((a) => a.endsWith('*') || !wildcards.some((w) => a.startsWith(w)));
  return { Effect: 'Allow', Action: needed.sort(), Resource: [key] };
}
