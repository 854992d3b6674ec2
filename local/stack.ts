import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutRuleCommand, PutTargetsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PackagedTemplate } from './package.js';

/**
 * Deploys the parts of the packaged template that carry events — SQS queues, the DynamoDB
 * idempotency table and the EventBridge rules — into the emulator, exactly as the template declares
 * them (patterns, redrive, targets). Lambda itself runs in-process (see lambda.ts), so functions,
 * roles and log groups are read, not created.
 */
export interface LocalStack {
  /** Logical id → what `Ref` returns (queue URL, table name, rule name). */
  refs: Map<string, string>;
  /** Logical id → ARN (`Fn::GetAtt [id, Arn]`). */
  arns: Map<string, string>;
  template: PackagedTemplate;
}

export interface StackClients {
  sqs: SQSClient;
  events: EventBridgeClient;
  dynamodb: DynamoDBClient;
}

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

/** Deploys queues (dead-letter queues first), tables and rules of the template into the emulator. */
export async function deployLocalStack(
  template: PackagedTemplate,
  clients: StackClients,
): Promise<LocalStack> {
  const stack: LocalStack = { refs: new Map(), arns: new Map(), template };
  // Queues without a redrive policy first: the others point at them.
  const queues = resourcesOfType(template, 'AWS::SQS::Queue').sort(
    ([, a], [, b]) =>
      Number(Boolean(a.Properties?.RedrivePolicy)) - Number(Boolean(b.Properties?.RedrivePolicy)),
  );
  for (const [id, resource] of queues) {
    const props = resource.Properties ?? {};
    const attributes: Record<string, string> = {};
    if (props.VisibilityTimeout !== undefined) attributes.VisibilityTimeout = String(props.VisibilityTimeout);
    if (props.MessageRetentionPeriod !== undefined) {
      attributes.MessageRetentionPeriod = String(props.MessageRetentionPeriod);
    }
    if (props.RedrivePolicy)
      attributes.RedrivePolicy = JSON.stringify(resolveValue(props.RedrivePolicy, stack));
    const { QueueUrl } = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: String(props.QueueName ?? id), Attributes: attributes }),
    );
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    stack.refs.set(id, QueueUrl!);
    stack.arns.set(id, Attributes!.QueueArn!);
  }
  for (const [id, resource] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
    const props = resource.Properties ?? {};
    const { TableDescription } = await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: String(props.TableName ?? id),
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: props.AttributeDefinitions as never,
        KeySchema: props.KeySchema as never,
      }),
    );
    stack.refs.set(id, TableDescription!.TableName!);
    stack.arns.set(id, TableDescription!.TableArn!);
  }
  for (const [id, resource] of resourcesOfType(template, 'AWS::Events::Rule')) {
    const props = resource.Properties ?? {};
    const name = String(props.Name ?? id);
    const { RuleArn } = await clients.events.send(
      new PutRuleCommand({
        Name: name,
        Description: props.Description as string | undefined,
        EventPattern: JSON.stringify(props.EventPattern),
        State: 'ENABLED',
      }),
    );
    const targets = resolveValue(props.Targets ?? [], stack) as { Id: string; Arn: string }[];
    await clients.events.send(new PutTargetsCommand({ Rule: name, Targets: targets as never }));
    stack.refs.set(id, name);
    stack.arns.set(id, RuleArn!);
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
    reportBatchItemFailures: ((props.FunctionResponseTypes as string[] | undefined) ?? []).includes(
      'ReportBatchItemFailures',
    ),
    maximumConcurrency: Number(
      (props.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 1000,
    ),
  };
}
