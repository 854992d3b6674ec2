import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coldStarts } from '../../helpers/cold-start';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConflictException,
  ECSClient,
  ECSServiceException,
  ListTasksCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { fakeContext, s3ObjectCreatedEvent, sqsEvent, sqsRecord } from '../../helpers/events.js';
import { useFakeIdempotencyTable } from '../../helpers/idempotency.js';
import { fakeClaimTable } from '../../helpers/batching.js';
import fc from 'fast-check';
import { fuzz, mutatedEvent } from '../../helpers/fuzz.js';
import { parseObjectCreated } from '../../../shared/uploads/event.js';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/ecs-pilot-test-uploads';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/ecs-pilot-test-uploads-dlq';
const TASK_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/media/0123456789abcdef0123456789abcdef';
const TASK = {
  cluster: 'media',
  taskDefinition: 'thumbnailer',
  container: 'app',
  subnets: ['subnet-0a1b2c3d4e5f60001'],
  securityGroups: ['sg-0a1b2c3d4e5f60001'],
  environment: { INPUT_BUCKET: '{bucket}', INPUT_KEY: '{key}', INPUT_VERSION: '{versionId}' },
};

/** The deployed config: one uncapped trigger, one capped at 2 running tasks; 3 attempts, 1 s base backoff. */
const CONFIG = {
  region: 'us-east-1',
  delivery: { maxAttempts: 3, retryBaseSeconds: 1 },
  uploads: [
    { name: 'thumbnails', bucket: 'media-ingest', prefix: 'incoming/', suffix: '.jpg', task: TASK },
    { name: 'capped', bucket: 'media-ingest', prefix: 'capped/', task: { ...TASK, maxRunning: 2 } },
  ],
};

const ENV = {
  IDEMPOTENCY_TABLE: 'ecs-pilot-test-idempotency',
  UPLOADS_QUEUE_URL: QUEUE_URL,
  UPLOADS_DLQ_URL: DLQ_URL,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_LAMBDA_FUNCTION_NAME: 'ecs-pilot-test-uploadToTask',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

const ecsMock = mockClient(ECSClient);
const sqsMock = mockClient(SQSClient);
const dynamoMock = mockClient(DynamoDBClient);
const s3Mock = mockClient(S3Client);
/** The objects HeadObject finds; every other key is a 404. */
const storeObjects = (...keys: string[]) => {
  s3Mock
    .on(HeadObjectCommand)
    .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
  for (const key of keys) s3Mock.on(HeadObjectCommand, { Key: key }).resolves({});
};

const started = { tasks: [{ taskArn: TASK_ARN }], failures: [] };
const throttled = () =>
  new ECSServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });

const attributesOf = (input: { MessageAttributes?: Record<string, { StringValue?: string }> } | undefined) =>
  Object.fromEntries(
    Object.entries(input?.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
  );

const { coldStart, writeConfig } = coldStarts({
  config: CONFIG,
  env: ENV,
  load: async () => ((await import('../../../functions/upload-to-task.js')) as { handler: Handler }).handler,
});

afterEach(() => {
  ecsMock.reset();
  sqsMock.reset();
  dynamoMock.reset();
  s3Mock.reset();
});

describe('Handler: upload-to-task', () => {
  let handler: Handler;

  beforeAll(async () => {
    handler = await coldStart();
  });

  beforeEach(() => {
    useFakeIdempotencyTable(dynamoMock);
    sqsMock.resolves({});
  });

  it('starts one task for the match, skips the non-match, dead-letters the malformed record', async () => {
    // Prepare
    ecsMock.on(RunTaskCommand).resolves(started);
    const event = sqsEvent(
      sqsRecord(s3ObjectCreatedEvent({ key: 'incoming/cat.jpg' }), { messageId: 'match' }),
      sqsRecord(s3ObjectCreatedEvent({ key: 'docs/readme.txt' }), { messageId: 'non-match' }),
      sqsRecord('{"detail-type": "Object Created", ', { messageId: 'malformed' }),
    );

    // Act
    const response = await handler(event, fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(
      ecsMock.commandCalls(RunTaskCommand)[0]?.args[0].input.overrides?.containerOverrides?.[0],
    ).toMatchObject({
      environment: expect.arrayContaining([{ name: 'INPUT_KEY', value: 'incoming/cat.jpg' }]),
    });
    const sent = sqsMock.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input).toMatchObject({
      QueueUrl: DLQ_URL,
      MessageBody: '{"detail-type": "Object Created", ',
    });
    expect(attributesOf(sent[0]?.args[0].input)).toMatchObject({
      'ecs-pilot-reason': expect.stringMatching(/^permanent failure: message body is not JSON/),
      'ecs-pilot-attempts': '1',
    });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('starts no second task when the same upload is delivered twice', async () => {
    // Prepare
    ecsMock.on(RunTaskCommand).resolves(started);
    const body = s3ObjectCreatedEvent({ key: 'incoming/cat.jpg' });

    // Act
    const first = await handler(sqsEvent(sqsRecord(body, { messageId: 'first' })), fakeContext());
    const second = await handler(
      sqsEvent(sqsRecord(body, { messageId: 'redelivered' })),
      fakeContext({ awsRequestId: 'second-invocation' }),
    );

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(dynamoMock.commandCalls(PutItemCommand)).toHaveLength(2);
    await expect(dynamoMock.commandCalls(PutItemCommand)[1]?.returnValue).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
      Item: { status: { S: 'COMPLETED' } },
    });
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('starts no second task when the same upload appears twice in one batch', async () => {
    // Prepare
    ecsMock.on(RunTaskCommand).resolves(started);
    const body = s3ObjectCreatedEvent({ key: 'incoming/cat.jpg' });

    // Act
    const response = await handler(
      sqsEvent(sqsRecord(body, { messageId: 'a' }), sqsRecord(body, { messageId: 'b' })),
      fakeContext(),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it('returns the record for a retry with a visibility backoff when RunTask reports failures[] on attempt 1', async () => {
    // Prepare
    ecsMock
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY' }], $metadata: { httpStatusCode: 200 } });
    const record = sqsRecord(s3ObjectCreatedEvent(), { messageId: 'capacity', receiveCount: 1 });

    // Act
    const response = await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'capacity' }] });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: 1,
    });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('starts the task on the redelivery after a failures[] response', async () => {
    // Prepare
    ecsMock
      .on(RunTaskCommand)
      .resolvesOnce({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY' }] })
      .resolves(started);
    const body = s3ObjectCreatedEvent();

    // Act
    const first = await handler(
      sqsEvent(sqsRecord(body, { messageId: 'm', receiveCount: 1 })),
      fakeContext(),
    );
    const retry = await handler(
      sqsEvent(sqsRecord(body, { messageId: 'm', receiveCount: 2 })),
      fakeContext(),
    );

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm' }]);
    expect(retry.batchItemFailures).toEqual([]);
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(2);
    const [firstToken, retryToken] = ecsMock
      .commandCalls(RunTaskCommand)
      .map((call) => call.args[0].input.clientToken);
    expect(retryToken).toBe(firstToken);
  });

  it('defers a throttled upload within seconds, even at its last attempt: throttling never dead-letters it', async () => {
    // Prepare
    ecsMock.on(RunTaskCommand).rejects(throttled());
    storeObjects('incoming/holiday photo+1.jpg');
    const record = sqsRecord(
      s3ObjectCreatedEvent({ key: 'incoming/holiday photo+1.jpg', versionId: 'v-42' }),
      { messageId: 'throttled', receiveCount: 3 },
    );

    // Act
    const response = await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const sent = sqsMock.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input).toMatchObject({ QueueUrl: QUEUE_URL, MessageBody: record.body });
    expect(sent[0]?.args[0].input.DelaySeconds).toBeGreaterThanOrEqual(1);
    expect(sent[0]?.args[0].input.DelaySeconds).toBeLessThanOrEqual(2);
    expect(attributesOf(sent[0]?.args[0].input)).toMatchObject({
      'ecs-pilot-key': 'incoming/holiday photo+1.jpg',
      'ecs-pilot-deferrals': '1',
    });
  });

  it('dead-letters with bucket, key, version id and reason once a server error outlasts the last attempt', async () => {
    // Prepare
    ecsMock.on(RunTaskCommand).rejects(
      new ECSServiceException({
        name: 'ServerException',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
        message: 'internal',
      }),
    );
    storeObjects('incoming/holiday photo+1.jpg');
    const record = sqsRecord(
      s3ObjectCreatedEvent({ key: 'incoming/holiday photo+1.jpg', versionId: 'v-42' }),
      { messageId: 'failing', receiveCount: 3 },
    );

    // Act
    const response = await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    const sent = sqsMock.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input).toMatchObject({ QueueUrl: DLQ_URL, MessageBody: record.body });
    expect(attributesOf(sent[0]?.args[0].input)).toMatchObject({
      'ecs-pilot-bucket': 'media-ingest',
      'ecs-pilot-key': 'incoming/holiday photo+1.jpg',
      'ecs-pilot-version-id': 'v-42',
      'ecs-pilot-trigger': 'thumbnails',
      'ecs-pilot-attempts': '3',
      'ecs-pilot-reason': expect.stringMatching(/^gave up after 3 attempts; last error: .*ServerException/),
      'ecs-pilot-failed-at': expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it('starts the task with the key S3 has when the event form-encodes it', async () => {
    // Prepare
    ecsMock.on(RunTaskCommand).resolves(started);
    storeObjects('incoming/a+b c.jpg');
    const record = sqsRecord(s3ObjectCreatedEvent({ key: 'incoming/a%2Bb+c.jpg', versionId: 'v-9' }));

    // Act
    const response = await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const environment =
      ecsMock.commandCalls(RunTaskCommand)[0]?.args[0].input.overrides?.containerOverrides?.[0]?.environment;
    expect(environment).toContainEqual({ name: 'INPUT_KEY', value: 'incoming/a+b c.jpg' });
    expect(s3Mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'media-ingest', Key: 'incoming/a%2Bb+c.jpg', VersionId: 'v-9' },
      { Bucket: 'media-ingest', Key: 'incoming/a+b c.jpg', VersionId: 'v-9' },
    ]);
  });

  it('dead-letters at once, naming both readings, when neither object exists', async () => {
    // Prepare
    storeObjects();
    const record = sqsRecord(s3ObjectCreatedEvent({ key: 'incoming/a%2Bb+c.jpg' }));

    // Act
    await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
    const sent = sqsMock.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input).toMatchObject({ QueueUrl: DLQ_URL, MessageBody: record.body });
    expect(attributesOf(sent[0]?.args[0].input)['ecs-pilot-reason']).toBe(
      'permanent failure: neither reading of the key exists (raw "incoming/a%2Bb+c.jpg", form-decoded "incoming/a+b c.jpg")',
    );
  });

  it('re-queues the event with a delay and ecs-pilot-deferrals=1 when maxRunning is reached', async () => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: ['t1', 't2'] });
    const record = sqsRecord(s3ObjectCreatedEvent({ key: 'capped/job.bin' }), { messageId: 'capped' });

    // Act
    const response = await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
    const sent = sqsMock.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    const input = sent[0]?.args[0].input;
    expect(input).toMatchObject({ QueueUrl: QUEUE_URL, MessageBody: record.body });
    expect(input?.DelaySeconds).toBeGreaterThanOrEqual(30);
    expect(input?.DelaySeconds).toBeLessThanOrEqual(60);
    expect(attributesOf(input)).toMatchObject({
      'ecs-pilot-deferrals': '1',
      'ecs-pilot-bucket': 'media-ingest',
      'ecs-pilot-key': 'capped/job.bin',
      'ecs-pilot-trigger': 'capped',
    });
  });

  it('dead-letters at once when RunTask raises ConflictException', async () => {
    // Prepare
    ecsMock
      .on(RunTaskCommand)
      .rejects(new ConflictException({ message: 'client token already used', $metadata: {} }));
    const record = sqsRecord(s3ObjectCreatedEvent(), { messageId: 'conflict', receiveCount: 1 });

    // Act
    const response = await handler(sqsEvent(record), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const sent = sqsMock.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input.QueueUrl).toBe(DLQ_URL);
    expect(attributesOf(sent[0]?.args[0].input)['ecs-pilot-reason']).toMatch(
      /^permanent failure: .*different parameters/,
    );
  });

  it('keeps the message when the dead-letter send fails', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).rejects(new Error('Service Unavailable'));

    // Act
    const response = await handler(sqsEvent(sqsRecord('not json', { messageId: 'keep-me' })), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'keep-me' }] });
  });

  it('handles an event without records', async () => {
    const response = await handler({} as SQSEvent, fakeContext());

    expect(response).toEqual({ batchItemFailures: [] });
  });
});

describe('Handler: upload-to-task cold start', () => {
  it.each(['IDEMPOTENCY_TABLE', 'UPLOADS_QUEUE_URL', 'UPLOADS_DLQ_URL'])(
    'refuses to start without %s',
    async (name) => {
      await expect(coldStart({ [name]: undefined })).rejects.toThrow(`${name}: required`);
    },
  );

  it('refuses to start with an invalid config, naming the field', async () => {
    // Prepare
    const file = writeConfig('broken.json', {
      uploads: [{ name: 'Bad Name', bucket: 'media-ingest', task: TASK }],
    });

    // Act & Assess
    await expect(coldStart({ ECS_PILOT_CONFIG_FILE: file })).rejects.toThrow('uploads[0].name');
  });
});

describe('Handler: upload-to-task, fed hostile events (issue 18 fuzz)', () => {
  let handler: Handler;

  beforeAll(async () => {
    handler = await coldStart();
  });

  it(
    'starts no task from an event that fails to parse, and dead-letters it with its reason',
    { timeout: 20_000 },
    async () => {
      const sample = s3ObjectCreatedEvent({ key: 'incoming/cat.jpg' });
      await fc.assert(
        fc.asyncProperty(mutatedEvent(sample), async (event) => {
          ecsMock.reset();
          sqsMock.reset();
          dynamoMock.reset();
          s3Mock.reset();
          useFakeIdempotencyTable(dynamoMock);
          sqsMock.resolves({});
          ecsMock.on(RunTaskCommand).resolves(started);
          storeObjects('incoming/cat.jpg');
          const body = JSON.stringify(event) ?? 'undefined';
          let parses = true;
          try {
            parseObjectCreated(JSON.parse(body));
          } catch {
            parses = false;
          }

          const response = await handler(sqsEvent(sqsRecord(body, { messageId: 'fuzz' })), fakeContext());

          if (parses) return;
          expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
          expect(response.batchItemFailures).toEqual([]);
          const sent = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
          expect(sent).toHaveLength(1);
          expect(sent[0]).toMatchObject({ QueueUrl: DLQ_URL, MessageBody: body });
          expect(attributesOf(sent[0])['ecs-pilot-reason']).toMatch(/^permanent failure: /);
        }),
        fuzz(100),
      );
    },
  );
});

describe('Handler: upload-to-task with a batching trigger', () => {
  const BATCH_CONFIG = {
    region: 'us-east-1',
    delivery: { maxAttempts: 3, retryBaseSeconds: 1 },
    uploads: [
      {
        name: 'sheets',
        bucket: 'media-ingest',
        prefix: 'sheets/',
        batch: { maxObjects: 10 },
        task: { ...TASK, environment: { INPUT_BUCKET: '{bucket}' } },
      },
    ],
  };
  const record = (n: number) =>
    sqsRecord(s3ObjectCreatedEvent({ key: `sheets/${n}.png`, versionId: `v${n}`, sequencer: `00${n}` }), {
      messageId: `m${n}-${Math.random()}`,
    });
  let handler: Handler;

  beforeAll(async () => {
    handler = await coldStart({
      ECS_PILOT_CONFIG_FILE: writeConfig('batch.json', BATCH_CONFIG),
      UPLOADS_MANIFEST_BUCKET: 'ecs-pilot-test-manifests',
    });
  });

  beforeEach(() => {
    // One table: the launcher's idempotency records and the batch claims, as deployed.
    const items = useFakeIdempotencyTable(dynamoMock);
    fakeClaimTable({ on: { mock: dynamoMock, items } });
    sqsMock.resolves({});
    s3Mock.on(PutObjectCommand).resolves({});
  });

  it('refuses to start without UPLOADS_MANIFEST_BUCKET', async () => {
    await expect(
      coldStart({
        ECS_PILOT_CONFIG_FILE: writeConfig('batch-no-bucket.json', BATCH_CONFIG),
        UPLOADS_MANIFEST_BUCKET: undefined,
      }),
    ).rejects.toThrow('UPLOADS_MANIFEST_BUCKET: required');
  });

  it('starts one task for the delivered objects with its manifest, and none when they come back regrouped', async () => {
    // Prepare
    ecsMock.on(RunTaskCommand).resolves(started);

    // Act
    const first = await handler(sqsEvent(record(1), record(2), record(3), record(4)), fakeContext());
    const again = await handler(sqsEvent(record(3), record(1)), fakeContext());
    const rest = await handler(sqsEvent(record(4), record(2)), fakeContext());

    // Assess: the regrouped deliveries find the claims and the batch's idempotency record: no RunTask.
    expect([first, again, rest]).toEqual([
      { batchItemFailures: [] },
      { batchItemFailures: [] },
      { batchItemFailures: [] },
    ]);
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
    const [put] = s3Mock.commandCalls(PutObjectCommand);
    expect(put!.args[0].input).toMatchObject({
      Bucket: 'ecs-pilot-test-manifests',
      ContentType: 'application/json',
    });
    const manifest = JSON.parse(String(put!.args[0].input.Body)) as { objects: { key: string }[] };
    expect(manifest.objects.map((o) => o.key).sort()).toEqual([1, 2, 3, 4].map((n) => `sheets/${n}.png`));
    const env =
      ecsMock.commandCalls(RunTaskCommand)[0]!.args[0].input.overrides!.containerOverrides![0]!.environment!;
    expect(env).toContainEqual({
      name: 'ECS_PILOT_MANIFEST_URI',
      value: `s3://ecs-pilot-test-manifests/${put!.args[0].input.Key}`,
    });
  });
});
