/** The parts of a built stack that carry names (structural, so this file needs nothing from stack.ts). */
interface Stack {
  functions: Record<string, unknown>;
  resources: { Resources: Record<string, unknown> };
}

/**
 * Every name the stack generates from the service and stage, with the limit AWS sets on it. A name
 * over its limit fails late, halfway through a CloudFormation change set, so the stage is checked
 * against them before packaging. Lambda, IAM, EventBridge and Scheduler allow 64 characters; SQS 80;
 * DynamoDB 255; SNS and KMS aliases 256; CloudWatch log groups 512.
 */
const NAMED_PROPERTIES: Record<string, { property: string; limit: number; kind: string }> = {
  'AWS::SQS::Queue': { property: 'QueueName', limit: 80, kind: 'SQS queue' },
  'AWS::Events::Rule': { property: 'Name', limit: 64, kind: 'EventBridge rule' },
  'AWS::Scheduler::Schedule': { property: 'Name', limit: 64, kind: 'Scheduler schedule' },
  'AWS::Scheduler::ScheduleGroup': { property: 'Name', limit: 64, kind: 'Scheduler schedule group' },
  'AWS::DynamoDB::Table': { property: 'TableName', limit: 255, kind: 'DynamoDB table' },
  'AWS::SNS::Topic': { property: 'TopicName', limit: 256, kind: 'SNS topic' },
  'AWS::KMS::Alias': { property: 'AliasName', limit: 256, kind: 'KMS alias' },
  'AWS::IAM::Role': { property: 'RoleName', limit: 64, kind: 'IAM role' },
};

export interface GeneratedName {
  kind: string;
  name: string;
  limit: number;
}

/** The names `stack` generates: functions as serverless names them (`service-stage-key`), their log groups, and named resources. */
export function generatedNames(stack: Stack, service: string, stage: string): GeneratedName[] {
  const names: GeneratedName[] = [];
  for (const key of Object.keys(stack.functions)) {
    const name = `${service}-${stage}-${key}`;
    names.push({ kind: 'Lambda function', name, limit: 64 });
    names.push({ kind: 'log group', name: `/aws/lambda/${name}`, limit: 512 });
  }
  for (const resource of Object.values(stack.resources.Resources) as {
    Type?: string;
    Properties?: Record<string, unknown>;
  }[]) {
    const named = resource.Type ? NAMED_PROPERTIES[resource.Type] : undefined;
    const value = named ? resource.Properties?.[named.property] : undefined;
    if (named && typeof value === 'string') names.push({ kind: named.kind, name: value, limit: named.limit });
  }
  return names;
}

/** Characters every generated name (and the CloudFormation stack name) can hold. */
const STAGE_PATTERN = /^[A-Za-z0-9-]+$/;

/**
 * Problems with `stage` for this stack: characters a name cannot hold, or a length that pushes a
 * generated name past its limit. Names the longest stage that fits every name, and the first
 * resource that would break.
 */
export function stageProblems(stack: Stack, service: string, stage: string): string[] {
  if (!STAGE_PATTERN.test(stage)) return ['stage: only letters, digits and hyphens fit every generated name'];
  const names = generatedNames(stack, service, stage);
  // The part of each name that is not the stage is fixed by the naming code: what is left is the stage's room.
  const longest = Math.min(...names.map((n) => n.limit - (n.name.length - stage.length)));
  const broken = names.find((n) => n.name.length > n.limit);
  if (!broken) return [];
  return [
    `stage: "${stage}" is ${stage.length} characters; at most ${longest} fit every generated name ` +
      `(the ${broken.kind} ${broken.name} would be ${broken.name.length} characters, over its limit of ${broken.limit})`,
  ];
}
