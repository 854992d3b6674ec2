import { keyStatement, packPolicies, policyDocument, type Statement } from './iam.js';

/** A CloudFormation value: a literal or an intrinsic function. */
export type Cfn = string | { 'Fn::Sub': string } | { Ref: string } | { 'Fn::GetAtt': [string, string] };

/** Fn::Sub, for ARNs built from the stack's partition, region and account. */
export const sub = (template: string): { 'Fn::Sub': string } => ({ 'Fn::Sub': template });

export type { Statement } from './iam.js';

/** A function as serverless.yml declares it. */
export interface FunctionDefinition {
  handler: string;
  description: string;
  role: string;
  timeout: number;
  memorySize: number;
  package: { patterns: string[] };
  environment: Record<string, unknown>;
  events: Record<string, unknown>[];
  /** The key that encrypts the environment (config `encryption`); default Lambda's own. */
  kmsKeyArn?: unknown;
}

/** What one automation adds to the service: its functions and CloudFormation resources and outputs. */
export interface AutomationStack {
  functions: Record<string, FunctionDefinition>;
  resources: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** `Fn::GetAtt [id, Arn]`: the ARN of a resource of this stack. */
export const arn = (id: string): { 'Fn::GetAtt': [string, string] } => ({ 'Fn::GetAtt': [id, 'Arn'] });

/**
 * Kept when the stack is deleted or the resource replaced: for state whose loss makes redelivered
 * events act twice (idempotency records, sent-alert records) or the key that state is encrypted
 * with. A retained table keeps its name, so re-creating a removed stage needs it deleted or imported
 * first (README, "Removing a stage").
 */
export const RETAIN = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' } as const;

/** A dead-letter queue: encrypted, messages kept 14 days (SQS's longest) for a human to inspect or redrive. */
export function deadLetterQueue(queueName: string): Record<string, unknown> {
  return {
    Type: 'AWS::SQS::Queue',
    Properties: { QueueName: queueName, MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true },
  };
}

/** An IAM role `trust` may assume, with one inline policy and the managed policies given by logical id. */
function role(
  trust: Record<string, unknown>,
  policyName: string,
  statements: unknown[],
  managedPolicyIds: string[] = [],
): Record<string, unknown> {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [trust] },
      Policies: [
        { PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } },
      ],
      ...(managedPolicyIds.length > 0
        ? { ManagedPolicyArns: managedPolicyIds.map((id) => ({ Ref: id })) }
        : {}),
    },
  };
}

/**
 * One role per function, trusted by Lambda only, writing only to its own log group: the resources
 * to add to the stack under `id`. Its statements are merged (same permissions, fewer characters) and
 * packed into its inline policy and, past IAM's 10,240 characters, customer-managed policies
 * (`<id>Policy2`, …) that the role references, so the role is never created without them. With
 * `key` (config `encryption`), it also gets what its statements need on that key (`keyStatement`).
 */
export function lambdaRole(
  id: string,
  functionName: string,
  statements: Statement[],
  key?: Cfn,
): Record<string, unknown> {
  const logs: Statement = {
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [
      sub(
        `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*`,
      ),
    ],
  };
  const onKey = keyStatement(statements, key, { functionRole: true });
  const { inline, managed } = packPolicies(id, [logs, ...statements, ...(onKey ? [onKey] : [])]);
  const policyIds = managed.map((_, index) => `${id}Policy${index + 2}`);
  const resources: Record<string, unknown> = {
    [id]: role(
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      'least-privilege',
      inline,
      policyIds,
    ),
  };
  managed.forEach((policy, index) => {
    resources[policyIds[index]!] = {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        Description: `ecs-pilot: part ${index + 2} of the ${functionName} function's permissions`,
        PolicyDocument: policyDocument(policy),
      },
    };
  });
  return resources;
}

/**
 * The role an EventBridge Scheduler schedule acts with: only Scheduler in this account may assume it,
 * and it may do only what `statements` allow (deliver to its one target and dead-letter queue), plus
 * what that needs on `key` when the queues are encrypted with it.
 */
export function schedulerRole(
  policyName: string,
  statements: Statement[],
  key?: Cfn,
): Record<string, unknown> {
  const onKey = keyStatement(statements, key, { functionRole: false });
  return role(
    {
      Effect: 'Allow',
      Principal: { Service: 'scheduler.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    },
    policyName,
    onKey ? [...statements, onKey] : statements,
  );
}
