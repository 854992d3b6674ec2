import {
  CreateStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PackagedTemplate } from './package.js';

/**
 * Deploys the parts of the packaged template that carry events — SQS queues and their policy, the
 * DynamoDB idempotency table and the EventBridge rules — into the emulator through its
 * CloudFormation, as stack `<service>-<stage>` like `sls deploy` would. Lambda itself runs in-process
 * (see lambda.ts), so functions, roles and log groups are read from the template, not created.
 * Because the stack exists, `sls invoke local` can resolve the functions' `Ref` variables too.
 */
export interface LocalStack {
  stackName: string;
  /** Logical id → what `Ref` returns (queue URL, table name, rule name). */
  refs: Map<string, string>;
  /** Logical id → ARN (`Fn::GetAtt [id, Arn]`). */
  arns: Map<string, string>;
  template: PackagedTemplate;
}

export interface StackClients {
  cloudformation: CloudFormationClient;
  sqs: SQSClient;
  events: EventBridgeClient;
  dynamodb: DynamoDBClient;
}

/** Resource types the emulator deploys; the rest of the template runs in-process or does not apply locally. */
export const LOCAL_RESOURCE_TYPES = [
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::DynamoDB::Table',
  'AWS::Events::Rule',
  // The stop-alerts topic and the key that encrypts it (moto's CloudFormation creates both; it does
  // not support AWS::SNS::Subscription, and email subscriptions deliver nothing locally anyway).
  'AWS::KMS::Key',
  'AWS::SNS::Topic',
  // Batch manifests (uploads with `batch`); its policy is IAM, which the emulator does not enforce.
  'AWS::S3::Bucket',
];

/** Resolves Ref, Fn::GetAtt [x, Arn] and plain values against what was deployed so far. */
export function resolveValue(value: unknown, stack: Pick<LocalStack, 'refs' | 'arns'>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, stack));
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.Ref === 'string') {
      const ref = stack.refs.get(obj.Ref);
      if (ref === undefined) throw new Error(`Ref ${obj.Ref} is not deployed locally`);
      return ref;
    }
    if (Array.isArray(obj['Fn::GetAtt'])) {
      const [id, attribute] = obj['Fn::GetAtt'] as [string, string];
      const arn = attribute === 'Arn' ? stack.arns.get(id) : undefined;
      if (arn === undefined) throw new Error(`Fn::GetAtt ${id}.${attribute} is not deployed locally`);
      return arn;
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolveValue(v, stack)]));
  }
  return value;
}

const resourcesOfType = (template: PackagedTemplate, type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** Creates the event-carrying subset of the template as a CloudFormation stack in the emulator. */
export async function deployLocalStack(
  template: PackagedTemplate,
  clients: StackClients,
  stackName: string,
): Promise<LocalStack> {
  const resources = Object.fromEntries(
    Object.entries(template.Resources).filter(([, r]) => LOCAL_RESOURCE_TYPES.includes(r.Type)),
  );
  await clients.cloudformation.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources }),
    }),
  );
  const { Stacks = [] } = await clients.cloudformation.send(
    new DescribeStacksCommand({ StackName: stackName }),
  );
  if (Stacks[0]?.StackStatus !== 'CREATE_COMPLETE') {
    throw new Error(
      `local stack ${stackName}: ${Stacks[0]?.StackStatus} ${Stacks[0]?.StackStatusReason ?? ''}`,
    );
  }
  const stack: LocalStack = { stackName, refs: new Map(), arns: new Map(), template };
  const { StackResources = [] } = await clients.cloudformation.send(
    new DescribeStackResourcesCommand({ StackName: stackName }),
  );
  for (const resource of StackResources) {
    const id = resource.LogicalResourceId;
    const physical = resource.PhysicalResourceId;
    if (!id || !physical) continue;
    stack.refs.set(id, physical);
    if (resource.ResourceType === 'AWS::SQS::Queue') {
      const { Attributes } = await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: physical, AttributeNames: ['QueueArn'] }),
      );
      stack.arns.set(id, Attributes!.QueueArn!);
    } else if (resource.ResourceType === 'AWS::DynamoDB::Table') {
      const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: physical }));
      stack.arns.set(id, Table!.TableArn!);
    } else if (resource.ResourceType === 'AWS::Events::Rule') {
      const { Arn } = await clients.events.send(new DescribeRuleCommand({ Name: physical }));
      stack.arns.set(id, Arn!);
    }
  }
  return stack;
}

/** The function's environment as the template sets it (provider-wide and its own), with Refs resolved. */
export function functionEnvironment(stack: LocalStack, functionLogicalId: string): Record<string, string> {
  const fn = stack.template.Resources[functionLogicalId];
  if (!fn) throw new Error(`${functionLogicalId} is not in the template`);
  const env =
    (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(resolveValue(v, stack))]));
}

/** The SQS event source mapping of a function, as the template configures it. */
export function eventSourceMapping(stack: LocalStack, functionLogicalId: string) {
  const mapping = resourcesOfType(stack.template, 'AWS::Lambda::EventSourceMapping').find(([, r]) => {
    const fn = r.Properties?.FunctionName as { 'Fn::GetAtt'?: [string, string] } | undefined;
    return fn?.['Fn::GetAtt']?.[0] === functionLogicalId;
  });
  if (!mapping) throw new Error(`no event source mapping for ${functionLogicalId}`);
  const props = mapping[1].Properties ?? {};
  const queueArn = String(resolveValue(props.EventSourceArn, stack));
  const queueUrl = [...stack.arns].find(([, arn]) => arn === queueArn)?.[0];
  return {
    queueArn,
    queueUrl: queueUrl ? stack.refs.get(queueUrl)! : '',
    batchSize: Number(props.BatchSize ?? 10),
    maximumBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
    reportBatchItemFailures: ((props.FunctionResponseTypes as string[] | undefined) ?? []).includes(
      'ReportBatchItemFailures',
    ),
    maximumConcurrency: Number(
      (props.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 1000,
    ),
  };
}
