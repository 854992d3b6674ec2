import type { Config, UploadTrigger } from '../config/schema.js';
import { planUploadRules, uploadRuleDescription } from './rules.js';
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
import { encryptionKey } from '../kernel/deploy/encryption.js';

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

export const UPLOADS_FUNCTION = 'uploadToTask';

/** Resources of the upload automation: rules → buffer queue → function, with DLQ and idempotency table. */
export function uploadsStack(config: Config, names: { prefix: string; configFile: string }): AutomationStack {
  if (config.uploads.length === 0) return { functions: {}, resources: {} };
  const { prefix } = names;
  const queueArn = arn('UploadsQueue');
  const dlqArn = arn('UploadsDeadLetterQueue');
  const rules = planUploadRules(config.uploads);
  const resources: Record<string, unknown> = {
    ...bufferQueues('Uploads', `${prefix}-uploads`, config.delivery),
    ...idempotencyTable(prefix),
    // In step with the rules: only they may send to the queues.
    UploadsQueuePolicy: ruleDeliveryPolicy(
      'Uploads',
      'UploadRulesDeliver',
      rules.map((rule) => arn(rule.id)),
    ),
  };
  // One rule per bucket (see rules.ts): suffix and size are the function's to check.
  for (const rule of rules) {
    resources[rule.id] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: `${prefix}-upload-${rule.nameSuffix}`,
        Description: uploadRuleDescription(rule),
        State: 'ENABLED',
        EventPattern: rule.pattern,
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
  Object.assign(
    resources,
    lambdaRole(
      'UploadToTaskRole',
      functionName,
      [
        ...bufferStatements('Uploads'),
        idempotencyStatement,
        ...config.uploads.flatMap((t) => launchStatements(t.task)),
        ...objectLookupStatements(config.uploads),
      ],
      encryptionKey(config.encryption),
    ),
  );
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
