import type { Config } from '../config/schema.js';
import { planUploadRules, uploadRuleDescription } from './rules.js';
import { launchStatements } from '../kernel/launch/deploy.js';
import { arn, lambdaRole, type AutomationStack, type FunctionDefinition } from '../kernel/deploy/cfn.js';
import {
  bufferedFunction,
  bufferQueues,
  bufferStatements,
  idempotencyStatement,
  idempotencyTable,
  ruleDeliveryPolicy,
} from '../kernel/deploy/queues.js';

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
    lambdaRole('UploadToTaskRole', functionName, [
      ...bufferStatements('Uploads'),
      idempotencyStatement,
      ...config.uploads.flatMap((t) => launchStatements(t.task)),
    ]),
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
