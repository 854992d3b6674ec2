import type { Config, UploadTrigger } from '../config/schema.js';
import { pascal } from '../kernel/naming.js';
import { launchStatements } from '../kernel/launch/deploy.js';
import {
  arn,
  lambdaRole,
  sub,
  type AutomationStack,
  type FunctionDefinition,
  type Statement,
} from '../kernel/deploy/cfn.js';
import {
  bufferedFunction,
  bufferQueues,
  bufferStatements,
  idempotencyStatement,
  idempotencyTable,
  ruleDeliveryPolicy,
} from '../kernel/deploy/queues.js';

/** EventBridge wildcard patterns treat `*` and `\` specially; everything else is literal. */
export const escapeWildcard = (text: string) => text.replace(/[\\*]/g, (c) => `\\${c}`);

/**
 * EventBridge numeric matching is documented for values up to 1.0e9 (older pages say 5.0e9). A
 * bound beyond it is left out of the pattern; the handler enforces every bound anyway.
 */
export const MAX_PATTERN_NUMBER = 1e9;

/** The EventBridge pattern for one trigger: the first, cheap filter (the handler checks again). */
export function uploadEventPattern(trigger: UploadTrigger): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  if (trigger.prefix && trigger.suffix) {
    object.key = [{ wildcard: `${escapeWildcard(trigger.prefix)}*${escapeWildcard(trigger.suffix)}` }];
  } else if (trigger.prefix) {
    object.key = [{ prefix: trigger.prefix }];
  } else if (trigger.suffix) {
    object.key = [{ suffix: trigger.suffix }];
  }
  const bounds: (string | number)[] = [];
  if (trigger.minSize !== undefined && trigger.minSize <= MAX_PATTERN_NUMBER)
    bounds.push('>=', trigger.minSize);
  if (trigger.maxSize !== undefined && trigger.maxSize <= MAX_PATTERN_NUMBER)
    bounds.push('<=', trigger.maxSize);
  if (bounds.length > 0) object.size = [{ numeric: bounds }];
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: { bucket: { name: [trigger.bucket] }, ...(Object.keys(object).length ? { object } : {}) },
  };
}

/**
 * What the key lookup needs (see key.ts): HeadObject is s3:GetObject, or s3:GetObjectVersion with a
 * version id, allowed only under each trigger's bucket and prefix (one statement per bucket, its
 * prefixes as a resource list). s3:ListBucket on those buckets makes S3 answer 404 for a missing
 * object instead of 403, which is how the lookup tells "absent" from "refused"; it lists names only.
 */
export function objectLookupStatements(triggers: readonly UploadTrigger[]): Statement[] {
  const prefixes = new Map<string, Set<string>>();
  for (const trigger of triggers) {
    const set = prefixes.get(trigger.bucket) ?? new Set<string>();
    set.add(trigger.prefix);
    prefixes.set(trigger.bucket, set);
  }
  const statements: Statement[] = [];
  for (const [bucket, set] of prefixes) {
    statements.push({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: [...set].map((prefix) => sub(`arn:\${AWS::Partition}:s3:::${bucket}/${prefix}*`)),
    });
  }
  if (prefixes.size > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [...prefixes.keys()].map((bucket) => sub(`arn:\${AWS::Partition}:s3:::${bucket}`)),
    });
  }
  return statements;
}

export const uploadRuleId = (trigger: UploadTrigger) => `UploadRule${pascal(trigger.name)}`;

export const UPLOADS_FUNCTION = 'uploadToTask';

/** Resources of the upload automation: rules → buffer queue → function, with DLQ and idempotency table. */
export function uploadsStack(config: Config, names: { prefix: string; configFile: string }): AutomationStack {
  if (config.uploads.length === 0) return { functions: {}, resources: {} };
  const { prefix } = names;
  const queueArn = arn('UploadsQueue');
  const dlqArn = arn('UploadsDeadLetterQueue');
  const ruleArns = config.uploads.map((t) => arn(uploadRuleId(t)));
  const resources: Record<string, unknown> = {
    ...bufferQueues('Uploads', `${prefix}-uploads`, config.delivery),
    ...idempotencyTable(prefix),
    UploadsQueuePolicy: ruleDeliveryPolicy('Uploads', 'UploadRulesDeliver', ruleArns),
  };
  for (const trigger of config.uploads) {
    resources[uploadRuleId(trigger)] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: `${prefix}-upload-${trigger.name}`,
        Description: `ecs-pilot: objects in s3://${trigger.bucket}/${trigger.prefix} start ${trigger.task.taskDefinition}`,
        State: 'ENABLED',
        EventPattern: uploadEventPattern(trigger),
        Targets: [
          {
            Id: 'uploads-queue',
            Arn: queueArn,
            // Explicit: EventBridge's default is 24 h / 185 attempts with no DLQ.
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: dlqArn },
          },
        ],
      },
    };
  }
  const functionName = `${prefix}-${UPLOADS_FUNCTION}`;
  resources.UploadToTaskRole = lambdaRole(functionName, [
    ...bufferStatements('Uploads'),
    idempotencyStatement,
    ...config.uploads.flatMap((t) => launchStatements(t.task)),
    ...objectLookupStatements(config.uploads),
  ]);
  const functions: Record<string, FunctionDefinition> = {
    [UPLOADS_FUNCTION]: bufferedFunction({
      id: 'Uploads',
      handler: 'functions/upload-to-task.handler',
      description: 'ecs-pilot: S3 uploads start Fargate tasks',
      role: 'UploadToTaskRole',
      configFile: names.configFile,
      delivery: config.delivery,
      environment: {
        IDEMPOTENCY_TABLE: { Ref: 'IdempotencyTable' },
      },
    }),
  };
  const outputs = {
    UploadsDeadLetterQueueUrl: {
      Description: 'Uploads that could not start a task, with the reason in message attributes',
      Value: { Ref: 'UploadsDeadLetterQueue' },
    },
  };
  return { functions, resources, outputs };
}
