import type { Config } from '../config/schema.js';
import type { ImagesConfig } from './config.js';
import {
  arn,
  lambdaRole,
  deadLetterQueue,
  schedulerRole,
  sub,
  type AutomationStack,
  type FunctionDefinition,
  type Statement,
} from '../kernel/deploy/cfn.js';
import { alertPublishStatements } from '../kernel/notify/deploy.js';
import { encryptionKey } from '../kernel/deploy/encryption.js';
import { clusterArn } from '../kernel/launch/deploy.js';
import { clusterName, isClusterPattern } from './clusters.js';
import { parseS3Uri } from './scan-file.js';

export const IMAGES_FUNCTION = 'enforceImages';
/** serverless' logical id of the function resource. */
export const IMAGES_FUNCTION_ID = 'EnforceImagesLambdaFunction';

/**
 * A run lists every repository, every protected cluster's tasks and services and the latest revisions
 * of every family before it deletes: in a large account that is thousands of reads, so it gets
 * Lambda's longest timeout. A run cut short is harmless: the next one re-plans from the registry.
 */
export const IMAGES_TIMEOUT_SECONDS = 900;

/**
 * No async retries: a failed run failed for a reason another try a minute later rarely fixes
 * (permissions, a bad config, a scan error it already reported), the next scheduled run comes anyway,
 * and a failed invocation lands in the dead-letter queue with its payload and error for a human.
 */
export const IMAGES_ASYNC_RETRIES = 0;

/**
 * Repository ARNs for the configured globs. IAM's `*` (any run, `/` included) and `?` (one character)
 * are the config's glob wildcards, so the role reaches exactly the repositories the function matches.
 */
export const repositoryArns = (globs: readonly string[]) =>
  [...new Set(globs)].map((glob) =>
    sub(`arn:\${AWS::Partition}:ecr:\${AWS::Region}:\${AWS::AccountId}:repository/${glob}`),
  );

/**
 * What a run needs, and no more: reads on the matched repositories (listing repositories needs the
 * account's repository/*), ECS reads scoped to the protected clusters where ECS allows it, and —
 * only in enforce mode — BatchDeleteImage on the matched repositories and PutLifecyclePolicy on those
 * whose entry syncs its policy. A preview deployment cannot delete even by mistake.
 */
export function imagesStatements(images: ImagesConfig): Statement[] {
  const all = images.repositories.flatMap((r) => r.match);
  const synced = images.repositories.filter((r) => r.syncPolicy).flatMap((r) => r.match);
  const statements: Statement[] = [
    {
      Effect: 'Allow',
      Action: ['ecr:DescribeRepositories'],
      Resource: [sub('arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*')],
    },
    {
      Effect: 'Allow',
      Action: ['ecr:DescribeImages', 'ecr:BatchGetImage', 'ecr:GetLifecyclePolicy'],
      Resource: repositoryArns(all),
    },
    // Task definitions have no resource-level permissions for these reads: they must be "*".
    {
      Effect: 'Allow',
      Action: ['ecs:ListTaskDefinitionFamilies', 'ecs:ListTaskDefinitions', 'ecs:DescribeTaskDefinition'],
      Resource: ['*'],
    },
  ];
  // Listing clusters has no resource-level permission. Named clusters scope the reads exactly;
  // patterns and "every cluster" (the default) are IAM wildcards on the same ARNs, read-only.
  const named = images.protect.clusters;
  const scopes = named ? named.map(clusterName) : ['*'];
  const exact = named !== undefined && !named.some(isClusterPattern);
  const inClusters = (kind: string) =>
    scopes.map((c) => sub(`arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:${kind}/${c}/*`));
  statements.push(
    { Effect: 'Allow', Action: ['ecs:ListClusters'], Resource: ['*'] },
    {
      Effect: 'Allow',
      Action: ['ecs:ListTasks', 'ecs:ListServices'],
      Resource: ['*'],
      Condition: exact
        ? { ArnEquals: { 'ecs:cluster': named.map(clusterArn) } }
        : { ArnLike: { 'ecs:cluster': scopes.map((c) => clusterArn(c)) } },
    },
    { Effect: 'Allow', Action: ['ecs:DescribeTasks'], Resource: inClusters('task') },
    { Effect: 'Allow', Action: ['ecs:DescribeServices'], Resource: inClusters('service') },
  );
  if (images.protect.lambda.scan) statements.push(...lambdaScanStatements());
  if (images.protect.eventRules.scan)
    statements.push(...eventRuleScanStatements(images.protect.eventRules.buses));
  if (images.protect.scheduler.scan) statements.push(...schedulerScanStatements());
  statements.push(...scanFileStatements(images));
  if (images.mode === 'enforce') {
    statements.push({ Effect: 'Allow', Action: ['ecr:BatchDeleteImage'], Resource: repositoryArns(all) });
    if (synced.length > 0) {
      statements.push({
        Effect: 'Allow',
        Action: ['ecr:PutLifecyclePolicy'],
        Resource: repositoryArns(synced),
      });
    }
  }
  return statements;
}

/**
 * The Lambda scan's reads: ListFunctions has no resource-level permission; the per-function reads are
 * scoped to the account's functions in this Region (qualified ARNs included).
 */
export const lambdaScanStatements = (): Statement[] => [
  { Effect: 'Allow', Action: ['lambda:ListFunctions'], Resource: ['*'] },
  {
    Effect: 'Allow',
    Action: ['lambda:ListVersionsByFunction', 'lambda:ListAliases', 'lambda:GetFunction'],
    Resource: [sub('arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*')],
  },
];

/**
 * The EventBridge rule scan's reads: ListRules has no resource-level permission; ListTargetsByRule is
 * scoped to the rules of the configured buses (a default-bus rule's ARN has no bus segment).
 * DescribeTaskDefinition is already granted above.
 */
export const eventRuleScanStatements = (buses: readonly string[]): Statement[] => [
  { Effect: 'Allow', Action: ['events:ListRules'], Resource: ['*'] },
  {
    Effect: 'Allow',
    Action: ['events:ListTargetsByRule'],
    Resource: [...new Set(buses)].map((bus) =>
      sub(
        `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${bus === 'default' ? '' : `${bus}/`}*`,
      ),
    ),
  },
];

/**
 * The Scheduler scan's reads: ListSchedules has no resource-level permission; GetSchedule is scoped to
 * the account's schedules in this Region (every group: `schedule/<group>/<name>`). Read-only.
 * DescribeTaskDefinition is already granted above.
 */
export const schedulerScanStatements = (): Statement[] => [
  { Effect: 'Allow', Action: ['scheduler:ListSchedules'], Resource: ['*'] },
  {
    Effect: 'Allow',
    Action: ['scheduler:GetSchedule'],
    Resource: [sub('arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/*/*')],
  },
];

const s3ObjectArn = (uri: string) => {
  const { bucket, key } = parseS3Uri(uri)!;
  return sub(`arn:\${AWS::Partition}:s3:::${bucket}/${key}`);
};

/**
 * Scan files: `s3:GetObject` on each `protect.fromScans` object and `s3:PutObject` on the
 * `scanOutput` object, those objects only (their buckets' policies must also let this role in when
 * they belong to another account). The scan is written in preview mode too: it changes no image.
 */
export function scanFileStatements(images: ImagesConfig): Statement[] {
  const statements: Statement[] = [];
  const from = [...new Set(images.protect.fromScans)];
  if (from.length > 0)
    statements.push({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: from.map(s3ObjectArn) });
  if (images.scanOutput)
    statements.push({
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: [s3ObjectArn(images.scanOutput)],
    });
  return statements;
}

/** The function as serverless.yml declares it, with its async invocation settings. */
export interface ImagesFunctionDefinition extends FunctionDefinition {
  maximumRetryAttempts: number;
  destinations: { onFailure: { type: 'sqs'; arn: unknown } };
}

/**
 * Resources of image hygiene: an EventBridge Scheduler schedule invoking enforceImages directly (not
 * a serverless `schedule:` event: that is an EventBridge rule, and the local emulator fails every
 * PutEvents once a rule targets a Lambda), the Scheduler's role, a dead-letter queue for invocations
 * Scheduler cannot deliver and runs that fail, and the function with its own role.
 */
export function imagesStack(config: Config, names: { prefix: string; configFile: string }): AutomationStack {
  const images = config.images;
  if (!images) return { functions: {}, resources: {} };
  const { prefix } = names;
  const functionName = `${prefix}-${IMAGES_FUNCTION}`;
  const key = encryptionKey(config.encryption);
  const resources: Record<string, unknown> = {
    ImagesDeadLetterQueue: deadLetterQueue(`${prefix}-images-dlq`),
    // Scheduler's own role: invoke this one function, and dead-letter what it cannot deliver.
    ImagesSchedulerRole: schedulerRole(
      'invoke-enforce-images',
      [
        { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [arn(IMAGES_FUNCTION_ID)] },
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [arn('ImagesDeadLetterQueue')] },
      ],
      key,
    ),
    ImagesSchedule: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: `${prefix}-images`,
        Description: `ecs-pilot: image hygiene (${images.mode}) on ${images.schedule}`,
        ScheduleExpression: images.schedule,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: arn(IMAGES_FUNCTION_ID),
          RoleArn: arn('ImagesSchedulerRole'),
          Input: JSON.stringify({ source: 'schedule', scheduledTime: '<aws.scheduler.scheduled-time>' }),
          // Delivery retries (throttled invocations) for up to an hour; a daily run that late is still useful.
          RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 5 },
          DeadLetterConfig: { Arn: arn('ImagesDeadLetterQueue') },
        },
      },
    },
    ...lambdaRole(
      'EnforceImagesRole',
      functionName,
      [
        ...imagesStatements(images),
        // Failed async invocations go to the dead-letter queue through the function's own role.
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [arn('ImagesDeadLetterQueue')] },
        ...(config.alerts
          ? [
              ...alertPublishStatements(key !== undefined),
              // Broken references are alerted once, claimed in the alerts' state table.
              {
                Effect: 'Allow' as const,
                Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
                Resource: [arn('AlertsStateTable')],
              },
            ]
          : []),
      ],
      key,
    ),
  };
  const fn: ImagesFunctionDefinition = {
    handler: 'functions/enforce-images.handler',
    description: `ecs-pilot: ECR lifecycle policies (${images.mode}), never deleting images in use`,
    role: 'EnforceImagesRole',
    timeout: IMAGES_TIMEOUT_SECONDS,
    // 100,000 images plan in a fraction of a second, but their descriptions take memory.
    memorySize: 1024,
    package: { patterns: [names.configFile] },
    environment: {
      ECS_PILOT_CONFIG_FILE: names.configFile,
      // The account a written scan names (Lambda's environment gives the Region, not the account).
      ...(images.scanOutput ? { ECS_PILOT_ACCOUNT: { Ref: 'AWS::AccountId' } } : {}),
      ...(config.alerts
        ? { ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' }, ALERTS_TABLE: { Ref: 'AlertsStateTable' } }
        : {}),
    },
    events: [],
    maximumRetryAttempts: IMAGES_ASYNC_RETRIES,
    destinations: { onFailure: { type: 'sqs', arn: arn('ImagesDeadLetterQueue') } },
  };
  return {
    functions: { [IMAGES_FUNCTION]: fn },
    resources,
    outputs: {
      ImagesDeadLetterQueueUrl: {
        Description: 'Image hygiene runs that could not be delivered or failed, with their payload and error',
        Value: { Ref: 'ImagesDeadLetterQueue' },
      },
    },
  };
}
