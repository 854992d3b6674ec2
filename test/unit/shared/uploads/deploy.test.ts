import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import type { Config } from '../../../../shared/config/schema';
import type { Statement } from '../../../../shared/kernel/deploy/cfn';
import {
  manifestBucket,
  objectLookupStatements,
  UPLOADS_FUNCTION,
  uploadsStack,
} from '../../../../shared/uploads/deploy';
import { bucketId } from '../../../../shared/uploads/rules';
import { rawTrigger, uploadTrigger, type RawTrigger } from '../fixtures';
import { clusterArn } from '../../../../shared/kernel/launch/deploy';

const NAMES = { prefix: 'ecs-pilot-dev', configFile: '.build/config/dev.json' };
const QUEUE_ARN = { 'Fn::GetAtt': ['UploadsQueue', 'Arn'] };
const DLQ_ARN = { 'Fn::GetAtt': ['UploadsDeadLetterQueue', 'Arn'] };

const configWith = (triggers: RawTrigger[], delivery: Record<string, number> = {}): Config =>
  parseConfig({ delivery, uploads: triggers });

interface RoleResource {
  Type: string;
  Properties: {
    AssumeRolePolicyDocument: { Statement: { Principal: unknown; Action: string }[] };
    Policies: { PolicyDocument: { Statement: Statement[] } }[];
  };
}

/** Every statement in the upload function's role. */
function roleStatements(resources: Record<string, unknown>): Statement[] {
  const role = resources.UploadToTaskRole as RoleResource;
  return role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
}

const isReadOnly = (action: string) => /^[a-z0-9-]+:(List|Describe|Get)[A-Za-z]*$/.test(action);

const RULE = `UploadRule${bucketId('media-ingest')}`;

describe('Function: uploadsStack', () => {
  it('creates no functions and no resources when there are no uploads', () => {
    expect(uploadsStack(parseConfig({}), NAMES)).toEqual({ functions: {}, resources: {} });
  });

  it('creates a queue, a dead-letter queue, a queue policy, an idempotency table, a role and one rule per bucket', () => {
    // Prepare
    const config = configWith([
      rawTrigger({ name: 'images' }),
      rawTrigger({ name: 'videos', prefix: 'videos/' }),
    ]);

    // Act
    const { resources, functions } = uploadsStack(config, NAMES);

    // Assess
    expect(Object.keys(resources).sort()).toEqual(
      [
        'IdempotencyTable',
        RULE,
        'UploadToTaskRole',
        'UploadsDeadLetterQueue',
        'UploadsQueue',
        'UploadsQueuePolicy',
      ].sort(),
    );
    expect(Object.keys(functions)).toEqual([UPLOADS_FUNCTION]);
  });

  it('names resources after the stack prefix', () => {
    const { resources } = uploadsStack(configWith([rawTrigger()]), NAMES);

    expect(resources).toMatchObject({
      UploadsQueue: { Properties: { QueueName: 'ecs-pilot-dev-uploads' } },
      UploadsDeadLetterQueue: { Properties: { QueueName: 'ecs-pilot-dev-uploads-dlq' } },
      IdempotencyTable: { Properties: { TableName: 'ecs-pilot-dev-idempotency' } },
      [RULE]: { Properties: { Name: `ecs-pilot-dev-upload-${bucketId('media-ingest')}` } },
    });
  });

  it.each([1, 3, 8, 50])(
    'redrives to the dead-letter queue after maxAttempts + 2 receives (maxAttempts %i)',
    (maxAttempts) => {
      const { resources } = uploadsStack(configWith([rawTrigger()], { maxAttempts }), NAMES);

      expect(resources.UploadsQueue).toMatchObject({
        Properties: { RedrivePolicy: { deadLetterTargetArn: DLQ_ARN, maxReceiveCount: maxAttempts + 2 } },
      });
    },
  );

  it('keeps the queue visibility timeout at six times the function timeout', () => {
    const { resources, functions } = uploadsStack(configWith([rawTrigger()]), NAMES);

    const timeout = functions[UPLOADS_FUNCTION]?.timeout ?? 0;
    expect(resources.UploadsQueue).toMatchObject({ Properties: { VisibilityTimeout: timeout * 6 } });
  });

  it('encrypts both queues and the table', () => {
    const { resources } = uploadsStack(configWith([rawTrigger()]), NAMES);

    expect(resources).toMatchObject({
      UploadsQueue: { Properties: { SqsManagedSseEnabled: true } },
      UploadsDeadLetterQueue: { Properties: { SqsManagedSseEnabled: true } },
      IdempotencyTable: { Properties: { SSESpecification: { SSEEnabled: true } } },
    });
  });

  it('routes each rule to the queue with an explicit retry policy and the dead-letter queue', () => {
    // Prepare
    const trigger = rawTrigger({ prefix: 'incoming/', suffix: '.jpg', maxSize: 100 });

    // Act
    const { resources } = uploadsStack(configWith([trigger]), NAMES);

    // Assess
    expect(resources[RULE]).toEqual({
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: `ecs-pilot-dev-upload-${bucketId('media-ingest')}`,
        Description:
          'ecs-pilot uploads: s3://media-ingest, keys starting with "incoming%2F", "incoming/"; suffix and size are checked by the function',
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: {
            bucket: { name: ['media-ingest'] },
            object: { key: [{ prefix: 'incoming%2F' }, { prefix: 'incoming/' }] },
          },
        },
        Targets: [
          {
            Id: 'uploads-queue',
            Arn: QUEUE_ARN,
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: DLQ_ARN },
          },
        ],
      },
    });
  });

  it('lets only the upload rules send to the queues', () => {
    const { resources } = uploadsStack(
      configWith([rawTrigger({ name: 'a' }), rawTrigger({ name: 'b', bucket: 'other-bucket' })]),
      NAMES,
    );

    expect(resources.UploadsQueuePolicy).toMatchObject({
      Properties: {
        Queues: [{ Ref: 'UploadsQueue' }, { Ref: 'UploadsDeadLetterQueue' }],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: [QUEUE_ARN, DLQ_ARN],
              Condition: {
                ArnEquals: {
                  'aws:SourceArn': [
                    { 'Fn::GetAtt': [RULE, 'Arn'] },
                    { 'Fn::GetAtt': [`UploadRule${bucketId('other-bucket')}`, 'Arn'] },
                  ],
                },
              },
            },
          ],
        },
      },
    });
  });

  it('drains the queue with partial batch responses, batch size and maximum concurrency from the config', () => {
    // Act
    const { functions } = uploadsStack(
      configWith([rawTrigger()], { batchSize: 25, maxConcurrency: 7 }),
      NAMES,
    );

    // Assess
    expect(functions[UPLOADS_FUNCTION]?.events).toEqual([
      {
        sqs: {
          arn: QUEUE_ARN,
          batchSize: 25,
          maximumBatchingWindow: 1,
          functionResponseType: 'ReportBatchItemFailures',
          maximumConcurrency: 7,
        },
      },
    ]);
  });

  it('gives the function its handler, own role, config file and resource names', () => {
    const { functions } = uploadsStack(configWith([rawTrigger()]), NAMES);

    expect(functions[UPLOADS_FUNCTION]).toMatchObject({
      handler: 'functions/upload-to-task.handler',
      role: 'UploadToTaskRole',
      package: { patterns: ['.build/config/dev.json'] },
      environment: {
        ECS_PILOT_CONFIG_FILE: '.build/config/dev.json',
        UPLOADS_QUEUE_URL: { Ref: 'UploadsQueue' },
        UPLOADS_DLQ_URL: { Ref: 'UploadsDeadLetterQueue' },
        IDEMPOTENCY_TABLE: { Ref: 'IdempotencyTable' },
      },
    });
  });

  describe('IAM of the upload function', () => {
    const triggers = [
      rawTrigger(
        { name: 'thumbnails' },
        { roles: { task: 'thumbnailer-task', execution: 'ecsTaskExecutionRole' }, maxRunning: 50 },
      ),
      rawTrigger({ name: 'transcode' }, { taskDefinition: 'transcoder:4', cluster: 'video' }),
    ];
    const statements = roleStatements(uploadsStack(configWith(triggers), NAMES).resources);

    it('allows RunTask on each trigger task definition, each conditioned on its cluster', () => {
      const runTask = statements.filter((s) => s.Action.includes('ecs:RunTask'));

      expect(runTask.map((s) => [s.Resource, s.Condition])).toEqual([
        [
          [
            {
              'Fn::Sub':
                'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/thumbnailer:*',
            },
          ],
          { ArnEquals: { 'ecs:cluster': clusterArn('media') } },
        ],
        [
          [
            {
              'Fn::Sub':
                'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/transcoder:4',
            },
          ],
          { ArnEquals: { 'ecs:cluster': clusterArn('video') } },
        ],
      ]);
    });

    it('gives no mutating action a * resource', () => {
      for (const statement of statements) {
        if (!statement.Resource.includes('*')) continue;
        expect(statement.Action.filter((action) => !isReadOnly(action))).toEqual([]);
      }
    });

    it('uses no wildcard actions', () => {
      for (const statement of statements) {
        for (const action of statement.Action) expect(action).not.toContain('*');
      }
    });

    it('conditions every PassRole on ecs-tasks.amazonaws.com and never passes "*"', () => {
      const passRole = statements.filter((s) => s.Action.includes('iam:PassRole'));

      expect(passRole).toHaveLength(1);
      for (const statement of passRole) {
        expect(statement.Resource).not.toContain('*');
        expect(statement.Condition).toEqual({
          StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
        });
      }
    });

    it('reads, deletes and re-delays messages only on its own queue and writes only to its dead-letter queue', () => {
      const sqs = statements.filter((s) => s.Action.some((a) => a.startsWith('sqs:')));

      expect(sqs).toEqual([
        {
          Effect: 'Allow',
          Action: [
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:ChangeMessageVisibility',
            'sqs:SendMessage',
          ],
          Resource: [QUEUE_ARN],
        },
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [DLQ_ARN] },
      ]);
    });

    it('uses only its own idempotency table', () => {
      const dynamo = statements.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')));

      expect(dynamo.map((s) => s.Resource)).toEqual([[{ 'Fn::GetAtt': ['IdempotencyTable', 'Arn'] }]]);
    });

    it('allows ListTasks only for the capped trigger', () => {
      const listTasks = statements.filter((s) => s.Action.includes('ecs:ListTasks'));

      expect(listTasks.map((s) => s.Condition)).toEqual([
        { ArnEquals: { 'ecs:cluster': clusterArn('media') } },
      ]);
    });
  });
});

describe('Function: objectLookupStatements', () => {
  it('allows HeadObject (GetObject, GetObjectVersion) under each trigger prefix, one statement per bucket, and ListBucket on the buckets', () => {
    // Prepare
    const triggers = [
      uploadTrigger({ name: 'a', bucket: 'media-ingest', prefix: 'incoming/' }),
      uploadTrigger({ name: 'b', bucket: 'media-ingest', prefix: 'videos/' }),
      uploadTrigger({ name: 'c', bucket: 'media-ingest', prefix: 'incoming/' }),
      uploadTrigger({ name: 'd', bucket: 'other-bucket' }),
    ];

    // Act & Assess
    expect(objectLookupStatements(triggers)).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: [
          { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::media-ingest/incoming/*' },
          { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::media-ingest/videos/*' },
        ],
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::other-bucket/*' }],
      },
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [
          { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::media-ingest' },
          { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::other-bucket' },
        ],
      },
    ]);
  });

  it('is part of the UploadToTaskRole policy', () => {
    const raw = [rawTrigger({ name: 'a', prefix: 'incoming/' })];

    const statements = roleStatements(uploadsStack(configWith(raw), NAMES).resources);

    for (const statement of objectLookupStatements([uploadTrigger({ name: 'a', prefix: 'incoming/' })]))
      expect(statements).toContainEqual(statement);
  });
});

describe('Function: uploadsStack with batching', () => {
  const batchedTrigger = (name: string, batch: { maxObjects: number; maxWaitSeconds?: number }, task = {}) =>
    rawTrigger({ name, batch } as never, { environment: { IN: '{bucket}' }, ...task });
  const config = configWith([
    batchedTrigger('thumbs', { maxObjects: 50, maxWaitSeconds: 30 }, { roles: { task: 'thumbs-task' } }),
    batchedTrigger('small', { maxObjects: 5, maxWaitSeconds: 120 }),
    rawTrigger({ name: 'single' }),
  ]);
  const stack = uploadsStack(config, NAMES);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation properties, read by path
  const resources = stack.resources as Record<string, { Type: string; Properties: Record<string, any> }>;

  it('changes nothing without a batching trigger: no bucket, the usual event source and visibility', () => {
    const plain = uploadsStack(configWith([rawTrigger()]), NAMES);
    expect(plain.resources.UploadsManifestBucket).toBeUndefined();
    expect(JSON.stringify(plain.functions)).not.toContain('UPLOADS_MANIFEST_BUCKET');
  });

  it('gathers for the trigger that asks most: largest maxObjects, longest window', () => {
    const [event] = stack.functions[UPLOADS_FUNCTION]!.events as { sqs: Record<string, unknown> }[];
    expect(event!.sqs).toMatchObject({ batchSize: 50, maximumBatchingWindow: 120 });
  });

  it('keeps the visibility timeout at six function timeouts plus the window (messages wait in flight during it)', () => {
    const timeout = stack.functions[UPLOADS_FUNCTION]!.timeout as number;
    expect(resources.UploadsQueue!.Properties.VisibilityTimeout).toBe(6 * timeout + 120);
    expect(resources.UploadsQueue!.Properties.VisibilityTimeout).toBeLessThanOrEqual(43_200);
  });

  it('keeps the configured batch size when it is larger than every maxObjects', () => {
    const big = uploadsStack(
      configWith([batchedTrigger('thumbs', { maxObjects: 5 })], { batchSize: 80 }),
      NAMES,
    );
    const [event] = big.functions[UPLOADS_FUNCTION]!.events as { sqs: Record<string, unknown> }[];
    expect(event!.sqs).toMatchObject({ batchSize: 80, maximumBatchingWindow: 10 });
  });

  it('creates a private, encrypted manifest bucket whose objects expire, kept on removal', () => {
    const bucket = resources.UploadsManifestBucket!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect((bucket as unknown as { DeletionPolicy: string }).DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'AES256',
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({
        Status: 'Enabled',
        Prefix: 'manifests/',
        ExpirationInDays: 14,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      }),
      expect.objectContaining({ Status: 'Enabled', ExpiredObjectDeleteMarker: true }),
    ]);
  });

  it('denies every request without TLS, and lets each task role read only its own trigger manifests', () => {
    const statements = resources.UploadsManifestBucketPolicy!.Properties.PolicyDocument
      .Statement as Statement[];
    expect(statements[0]).toMatchObject({
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    const reads = statements.filter((s) => s.Effect === 'Allow');
    expect(reads).toEqual([
      expect.objectContaining({
        Action: 's3:GetObject',
        Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/thumbs-task' } },
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${UploadsManifestBucket}/manifests/thumbs/*' }],
      }),
    ]);
  });

  it('lets the function put manifests and nothing else in the bucket, and names the bucket in its environment', () => {
    const onBucket = roleStatements(stack.resources).filter((s) =>
      JSON.stringify(s.Resource).includes('UploadsManifestBucket'),
    );
    expect(onBucket).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${UploadsManifestBucket}/manifests/*' }],
      },
    ]);
    expect(stack.functions[UPLOADS_FUNCTION]!.environment).toMatchObject({
      UPLOADS_MANIFEST_BUCKET: { Ref: 'UploadsManifestBucket' },
    });
  });
});

describe('Function: manifestBucket', () => {
  const trigger = (name: string, role: string) =>
    uploadTrigger({ name, batch: { maxObjects: 5 } } as never, {
      environment: { IN: '{bucket}' },
      roles: { task: role },
    });
  const reads = (resources: Record<string, unknown>) =>
    (
      resources.UploadsManifestBucketPolicy as {
        Properties: {
          PolicyDocument: { Statement: { Effect: string; Principal: unknown; Resource: unknown[] }[] };
        };
      }
    ).Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow');

  it('grants a role shared by two triggers once, with both prefixes', () => {
    const statements = reads(
      manifestBucket([trigger('a', 'shared-role'), trigger('b', 'shared-role'), trigger('c', 'own')]),
    );
    expect(statements).toHaveLength(2);
    expect(statements[0]!.Resource).toHaveLength(2);
  });

  it('fits 50 batching triggers with 50 roles of the longest name', () => {
    const triggers = Array.from({ length: 50 }, (_, i) =>
      trigger(`t${String(i).padStart(23, 'x')}`, `r${i}`.padEnd(64, 'r')),
    );
    expect(reads(manifestBucket(triggers))).toHaveLength(50);
  });

  it('refuses a policy past S3’s 20 KB, saying what to do', () => {
    const path = `/${'p'.repeat(400)}/`;
    const triggers = Array.from({ length: 50 }, (_, i) =>
      trigger(`t${i}`, `arn:aws:iam::123456789012:role${path}r${i}`),
    );
    expect(() => manifestBucket(triggers)).toThrow(
      /manifest bucket's policy would be \d+ characters.*share task roles/,
    );
  });
});
