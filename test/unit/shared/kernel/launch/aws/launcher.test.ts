import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccessDeniedException,
  BlockedException,
  ClientException,
  ClusterNotFoundException,
  ConflictException,
  ECSClient,
  ECSServiceException,
  InvalidParameterException,
  LimitExceededException,
  ListTasksCommand,
  PlatformTaskDefinitionIncompatibilityException,
  PlatformUnknownException,
  RunTaskCommand,
  ServerException,
  UnsupportedFeatureException,
  type RunTaskCommandOutput,
} from '@aws-sdk/client-ecs';
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CapReachedError,
  LaunchThrottledError,
  THROTTLE_RETRY_BASE_SECONDS,
  TaskLauncher,
  countActiveTasks,
  runTask,
} from '../../../../../../shared/kernel/launch/aws/launcher.js';
import { DeferError } from '../../../../../../shared/kernel/delivery/batch.js';
import { LaunchPacer } from '../../../../../../shared/kernel/launch/pace.js';
import { PermanentError, RetryableError } from '../../../../../../shared/kernel/errors.js';
import { parseObjectCreated } from '../../../../../../shared/uploads/event.js';
import { planUploadTask } from '../../../../../../shared/uploads/plan.js';
import type { RunTaskRequest } from '../../../../../../shared/kernel/launch/launch.js';
import { fakeContext, s3ObjectCreatedEvent } from '../../../../../helpers/events.js';
import {
  IDEMPOTENCY_ATTR,
  conditionalCheckFailed,
  idempotencyItem,
  useFakeIdempotencyTable,
} from '../../../../../helpers/idempotency.js';
import { uploadTrigger } from '../../../../../helpers/triggers.js';
import { classifyEcsError } from '../../../../../../shared/kernel/aws/errors.js';

const TASK_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/media/0123456789abcdef0123456789abcdef';
const TABLE = 'ecs-pilot-idempotency';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

/** A planned request, built the way the upload automation builds it. */
function plannedRequest(key = 'incoming/photo.jpg'): RunTaskRequest {
  return planUploadTask(
    uploadTrigger({ name: 'thumbnails' }),
    parseObjectCreated(s3ObjectCreatedEvent({ key })),
  ).request;
}

/** An SDK service exception as the ECS client deserializes it (for errors ECS does not model as classes). */
const ecsServiceError = (name: string, httpStatusCode: number, fault: 'client' | 'server' = 'client') =>
  new ECSServiceException({ name, $fault: fault, $metadata: { httpStatusCode }, message: `${name} raised` });

const sdkError = <T>(
  Exception: new (options: { message: string; $metadata: { httpStatusCode?: number } }) => T,
  message: string,
) => new Exception({ message, $metadata: { httpStatusCode: 400 } });

const started = (taskArn = TASK_ARN): RunTaskCommandOutput => ({
  tasks: [{ taskArn, lastStatus: 'PROVISIONING' }],
  failures: [],
  $metadata: { httpStatusCode: 200 },
});

let ecsMock = mockClient(ECSClient);
const dynamoMock = mockClient(DynamoDBClient);
const newEcs = (maxAttempts = 1) => new ECSClient({ region: 'us-east-1', credentials, maxAttempts });
const newDynamo = () => new DynamoDBClient({ region: 'us-east-1', credentials, maxAttempts: 1 });

afterEach(() => {
  ecsMock.reset();
  dynamoMock.reset();
  vi.restoreAllMocks();
});

describe('Function: classifyEcsError', () => {
  it.each([
    ['AccessDeniedException', sdkError(AccessDeniedException, 'not authorized to perform ecs:RunTask')],
    ['ClientException', sdkError(ClientException, 'bad request')],
    ['InvalidParameterException', sdkError(InvalidParameterException, 'subnet not found')],
    ['ClusterNotFoundException', sdkError(ClusterNotFoundException, 'Cluster not found.')],
    ['PlatformUnknownException', sdkError(PlatformUnknownException, 'unknown platform')],
    [
      'PlatformTaskDefinitionIncompatibilityException',
      sdkError(PlatformTaskDefinitionIncompatibilityException, 'incompatible'),
    ],
    ['UnsupportedFeatureException', sdkError(UnsupportedFeatureException, 'unsupported')],
    ['BlockedException', sdkError(BlockedException, 'account blocked')],
  ])('classifies %s as permanent', (name, error) => {
    // Act
    const classified = classifyEcsError(error, 'RunTask');

    // Assess
    expect(classified).toBeInstanceOf(PermanentError);
    expect(classified.message).toBe(`RunTask: ${name}: ${error.message}`);
    expect(classified.cause).toBe(error);
  });

  it.each([
    ['ThrottlingException', ecsServiceError('ThrottlingException', 400)],
    [
      'ServerException',
      new ServerException({ message: 'internal error', $metadata: { httpStatusCode: 500 } }),
    ],
    ['a 503 from the service', ecsServiceError('ServiceUnavailable', 503, 'server')],
    ['LimitExceededException', sdkError(LimitExceededException, 'too many requests')],
    ['a network error', Object.assign(new Error('socket hang up'), { name: 'ECONNRESET' })],
    ['a request timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['an unknown error', new Error('something odd')],
    ['a thrown string', 'boom'],
  ])('classifies %s as retryable', (_name, error) => {
    // Act
    const classified = classifyEcsError(error, 'ListTasks');

    // Assess
    expect(classified).toBeInstanceOf(RetryableError);
    expect(classified.message).toMatch(/^ListTasks: /);
    expect(classified.cause).toBe(error);
  });

  it('classifies ConflictException as permanent and explains the clientToken clash', () => {
    // Prepare
    const error = sdkError(ConflictException, 'The specified client token has already been used.');

    // Act
    const classified = classifyEcsError(error, 'RunTask');

    // Assess
    expect(classified).toBeInstanceOf(PermanentError);
    expect(classified.message).toMatch(/^RunTask: .*different parameters/);
    expect(classified.message).toContain('no second task was started');
    expect(classified.cause).toBe(error);
  });

  it.each([
    ['RetryableError', new RetryableError('already classified')],
    ['PermanentError', new PermanentError('already classified')],
    ['CapReachedError', new CapReachedError('cap')],
  ])('returns an already classified %s unchanged', (_name, error) => {
    expect(classifyEcsError(error, 'RunTask')).toBe(error);
  });
});

describe('Function: runTask', () => {
  it('returns the ARN of the task ECS started', async () => {
    // Prepare
    ecsMock.on(RunTaskCommand).resolves(started());

    // Act & Assess
    await expect(runTask(newEcs(), plannedRequest())).resolves.toBe(TASK_ARN);
  });

  it('treats a response with neither tasks nor failures as a retryable failure', async () => {
    // Prepare
    ecsMock.on(RunTaskCommand).resolves({ $metadata: { httpStatusCode: 200 } });

    // Act & Assess
    await expect(runTask(newEcs(), plannedRequest())).rejects.toThrow(
      new RetryableError('RunTask started no task: no failure reported'),
    );
  });

  it('joins every failure reason and detail into the error message', async () => {
    // Prepare
    ecsMock.on(RunTaskCommand).resolves({
      tasks: [],
      failures: [
        { arn: 'arn:aws:ecs:us-east-1:123456789012:container-instance/a', reason: 'RESOURCE:MEMORY' },
        { reason: 'AGENT', detail: 'agent disconnected' },
      ],
      $metadata: { httpStatusCode: 200 },
    });

    // Act & Assess
    await expect(runTask(newEcs(), plannedRequest())).rejects.toThrow(
      'RunTask started no task: RESOURCE:MEMORY; AGENT: agent disconnected',
    );
  });
});

describe('Function: countActiveTasks', () => {
  it('asks ListTasks for this startedBy in the cluster, with startedBy as the only filter', async () => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [TASK_ARN] });

    // Act
    const count = await countActiveTasks(newEcs(), 'media', 'ecs-pilot/thumbnails', 10);

    // Assess
    expect(count).toBe(1);
    expect(ecsMock.commandCalls(ListTasksCommand)[0]?.args[0].input).toEqual({
      cluster: 'media',
      startedBy: 'ecs-pilot/thumbnails',
      maxResults: 100,
    });
  });

  it('counts zero when ListTasks returns no taskArns', async () => {
    ecsMock.on(ListTasksCommand).resolves({});

    await expect(countActiveTasks(newEcs(), 'media', 'ecs-pilot/thumbnails', 10)).resolves.toBe(0);
  });
});

describe('Class: TaskLauncher', () => {
  describe('without an idempotency table', () => {
    it('starts the planned task and reports it started', async () => {
      // Prepare
      const request = plannedRequest();
      ecsMock.on(RunTaskCommand).resolves(started());
      const launcher = new TaskLauncher({ ecs: newEcs() });

      // Act
      const result = await launcher.start(request, undefined);

      // Assess
      expect(result).toEqual({ status: 'started', taskArn: TASK_ARN });
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
      expect(ecsMock.commandCalls(ListTasksCommand)).toHaveLength(0);
    });

    it('sends exactly the planned request: clientToken, startedBy, tags and overrides', async () => {
      // Prepare
      const request = plannedRequest();
      ecsMock.on(RunTaskCommand).resolves(started());

      // Act
      await new TaskLauncher({ ecs: newEcs() }).start(request, undefined);

      // Assess
      const input = ecsMock.commandCalls(RunTaskCommand)[0]?.args[0].input;
      expect(input).toStrictEqual(request);
      expect(input).toMatchObject({
        clientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
        startedBy: 'ecs-pilot/thumbnails',
        tags: expect.arrayContaining([
          { key: 'ecs-pilot:automation', value: 'uploads' },
          { key: 'ecs-pilot:trigger', value: 'thumbnails' },
        ]),
        overrides: {
          containerOverrides: [
            {
              name: 'app',
              environment: expect.arrayContaining([{ name: 'INPUT_KEY', value: 'incoming/photo.jpg' }]),
            },
          ],
        },
      });
    });

    it.each([
      ['RESOURCE:MEMORY', [{ reason: 'RESOURCE:MEMORY' }]],
      [
        'Capacity is unavailable at this time',
        [
          {
            reason:
              'Capacity is unavailable at this time. Please try again later or in a different availability zone',
          },
        ],
      ],
    ])('treats HTTP 200 with failures [%s] and no task as retryable', async (reason, failures) => {
      // Prepare
      ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures, $metadata: { httpStatusCode: 200 } });

      // Act
      const outcome = new TaskLauncher({ ecs: newEcs() }).start(plannedRequest(), undefined);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(RetryableError);
      await expect(outcome).rejects.toThrow(reason);
    });

    it.each([
      [
        'ServerException',
        new ServerException({ message: 'internal error', $metadata: { httpStatusCode: 500 } }),
      ],
      ['a 503 response', ecsServiceError('ServiceUnavailable', 503, 'server')],
      ['an unknown error', new Error('something odd')],
    ])('turns %s from RunTask into a RetryableError', async (_name, error) => {
      // Prepare
      ecsMock.on(RunTaskCommand).rejects(error);

      // Act
      const outcome = new TaskLauncher({ ecs: newEcs() }).start(plannedRequest(), undefined);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(RetryableError);
      await expect(outcome).rejects.not.toBeInstanceOf(DeferError);
      await expect(outcome).rejects.toThrow(/^RunTask: /);
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
    });

    it('turns ConflictException into a PermanentError about different parameters', async () => {
      // Prepare
      ecsMock.on(RunTaskCommand).rejects(sdkError(ConflictException, 'client token already used'));

      // Act
      const outcome = new TaskLauncher({ ecs: newEcs() }).start(plannedRequest(), undefined);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(PermanentError);
      await expect(outcome).rejects.toThrow('different parameters');
    });

    it.each([
      ['AccessDeniedException', sdkError(AccessDeniedException, 'not authorized')],
      ['ClusterNotFoundException', sdkError(ClusterNotFoundException, 'Cluster not found.')],
      ['InvalidParameterException', sdkError(InvalidParameterException, 'No Container Instances')],
    ])('turns %s from RunTask into a PermanentError', async (name, error) => {
      // Prepare
      ecsMock.on(RunTaskCommand).rejects(error);

      // Act
      const outcome = new TaskLauncher({ ecs: newEcs() }).start(plannedRequest(), undefined);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(PermanentError);
      await expect(outcome).rejects.toThrow(`RunTask: ${name}`);
    });

    describe('with maxRunning', () => {
      const request = plannedRequest();

      it('counts tasks across ListTasks pages and starts a task while below the cap', async () => {
        // Prepare
        ecsMock
          .on(ListTasksCommand)
          .resolvesOnce({ taskArns: ['t1', 't2'], nextToken: 'page-2' })
          .resolvesOnce({ taskArns: ['t3'] });
        ecsMock.on(RunTaskCommand).resolves(started());

        // Act
        const result = await new TaskLauncher({ ecs: newEcs() }).start(request, 4);

        // Assess
        expect(result).toEqual({ status: 'started', taskArn: TASK_ARN });
        const listCalls = ecsMock.commandCalls(ListTasksCommand);
        expect(listCalls).toHaveLength(2);
        expect(listCalls[1]?.args[0].input).toEqual({
          cluster: 'media',
          startedBy: 'ecs-pilot/thumbnails',
          maxResults: 100,
          nextToken: 'page-2',
        });
        expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
      });

      it('lists the tasks of this automation in the request cluster by startedBy alone (desired RUNNING is the default)', async () => {
        // Prepare
        ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
        ecsMock.on(RunTaskCommand).resolves(started());

        // Act
        await new TaskLauncher({ ecs: newEcs() }).start(request, 1);

        // Assess
        // AWS refuses startedBy with any other filter; its default desiredStatus RUNNING covers
        // PENDING tasks too (ECS never sets desiredStatus PENDING).
        expect(ecsMock.commandCalls(ListTasksCommand)[0]?.args[0].input).toEqual({
          cluster: 'media',
          startedBy: 'ecs-pilot/thumbnails',
          maxResults: 100,
        });
      });

      it('defers with CapReachedError and starts no task when the count across pages reaches the cap', async () => {
        // Prepare
        ecsMock
          .on(ListTasksCommand)
          .resolvesOnce({ taskArns: ['t1', 't2'], nextToken: 'page-2' })
          .resolvesOnce({ taskArns: ['t3', 't4'] });

        // Act
        const outcome = new TaskLauncher({ ecs: newEcs() }).start(request, 4);

        // Assess
        await expect(outcome).rejects.toBeInstanceOf(CapReachedError);
        await expect(outcome).rejects.toBeInstanceOf(DeferError);
        await expect(outcome).rejects.toThrow(
          'maxRunning 4 reached (4 tasks active for ecs-pilot/thumbnails)',
        );
        expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
      });

      it('stops paging once the cap is reached', async () => {
        // Prepare
        ecsMock
          .on(ListTasksCommand)
          .resolvesOnce({ taskArns: ['t1', 't2', 't3'], nextToken: 'page-2' })
          .resolvesOnce({ taskArns: ['t4'], nextToken: 'page-3' })
          .resolves({ taskArns: ['t5'] });

        // Act
        const outcome = new TaskLauncher({ ecs: newEcs() }).start(request, 2);

        // Assess
        await expect(outcome).rejects.toThrow(CapReachedError);
        expect(ecsMock.commandCalls(ListTasksCommand)).toHaveLength(1);
        expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
      });

      it.each([
        ['ThrottlingException', ecsServiceError('ThrottlingException', 400), RetryableError],
        [
          'ClusterNotFoundException',
          sdkError(ClusterNotFoundException, 'Cluster not found.'),
          PermanentError,
        ],
      ])('classifies %s from ListTasks and starts no task', async (_name, error, expected) => {
        // Prepare
        ecsMock.on(ListTasksCommand).rejects(error);

        // Act
        const outcome = new TaskLauncher({ ecs: newEcs() }).start(request, 5);

        // Assess
        await expect(outcome).rejects.toBeInstanceOf(expected);
        await expect(outcome).rejects.toThrow(/^ListTasks: /);
        expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
      });
    });
  });

  describe('with an idempotency table', () => {
    const newLauncher = () => {
      const launcher = new TaskLauncher({
        ecs: newEcs(),
        idempotency: { client: newDynamo(), tableName: TABLE, expiresAfterSeconds: 7 * 24 * 3600 },
      });
      launcher.registerContext(fakeContext());
      return launcher;
    };

    it('writes an in-progress record with a conditional put, starts the task and saves the result', async () => {
      // Prepare
      const request = plannedRequest();
      dynamoMock.on(PutItemCommand).resolves({});
      dynamoMock.on(UpdateItemCommand).resolves({});
      ecsMock.on(RunTaskCommand).resolves(started());
      const before = Date.now();

      // Act
      const result = await newLauncher().start(request, undefined);

      // Assess
      expect(result).toEqual({ status: 'started', taskArn: TASK_ARN });
      const put = dynamoMock.commandCalls(PutItemCommand)[0]?.args[0].input;
      expect(put).toMatchObject({
        TableName: TABLE,
        ConditionExpression: expect.stringContaining('attribute_not_exists(#id)'),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        Item: { [IDEMPOTENCY_ATTR.status]: { S: 'INPROGRESS' } },
      });
      const inProgressUntil = Number(put?.Item?.[IDEMPOTENCY_ATTR.inProgressExpiration]?.N);
      expect(inProgressUntil).toBeGreaterThanOrEqual(before + 60_000);
      expect(inProgressUntil).toBeLessThanOrEqual(Date.now() + 60_000);
      const expiresAt = Number(put?.Item?.[IDEMPOTENCY_ATTR.expiration]?.N);
      expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 7 * 24 * 3600 - 1);
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
      const update = dynamoMock.commandCalls(UpdateItemCommand)[0]?.args[0].input;
      expect(update?.Key).toEqual({ [IDEMPOTENCY_ATTR.key]: put?.Item?.[IDEMPOTENCY_ATTR.key] });
      expect(Object.values(update?.ExpressionAttributeValues ?? {})).toEqual(
        expect.arrayContaining([
          { S: 'COMPLETED' },
          { M: { status: { S: 'started' }, taskArn: { S: TASK_ARN } } },
        ]),
      );
    });

    it('keys the record on the clientToken alone', async () => {
      // Prepare
      dynamoMock.on(PutItemCommand).resolves({});
      dynamoMock.on(UpdateItemCommand).resolves({});
      ecsMock.on(RunTaskCommand).resolves(started());
      const launcher = newLauncher();
      const first = plannedRequest('incoming/a.jpg');
      const sameToken = { ...first, overrides: { containerOverrides: [] } };
      const other = plannedRequest('incoming/b.jpg');

      ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });

      // Act
      await launcher.start(first, undefined);
      await launcher.start(sameToken, 3);
      await launcher.start(other, undefined);

      // Assess
      const ids = dynamoMock
        .commandCalls(PutItemCommand)
        .map((call) => call.args[0].input.Item?.[IDEMPOTENCY_ATTR.key]?.S);
      expect(ids[0]).toBe(ids[1]);
      expect(ids[2]).not.toBe(ids[0]);
    });

    it('returns the stored task as a duplicate and starts no second task when the record is COMPLETED', async () => {
      // Prepare
      const completed = idempotencyItem({
        id: 'ecs-pilot-dev-uploadToTask#stored',
        status: 'COMPLETED',
        data: { status: 'started', taskArn: TASK_ARN },
      });
      dynamoMock.on(PutItemCommand).rejects(conditionalCheckFailed(completed));

      // Act
      const result = await newLauncher().start(plannedRequest(), undefined);

      // Assess
      expect(result).toEqual({ status: 'duplicate', taskArn: TASK_ARN });
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
      expect(ecsMock.commandCalls(ListTasksCommand)).toHaveLength(0);
      expect(dynamoMock.commandCalls(UpdateItemCommand)).toHaveLength(0);
    });

    it('starts no second task when the same clientToken is launched twice', async () => {
      // Prepare
      const table = useFakeIdempotencyTable(dynamoMock);
      ecsMock.on(RunTaskCommand).resolves(started());
      const launcher = newLauncher();

      // Act
      const first = await launcher.start(plannedRequest(), undefined);
      const second = await newLauncher().start(plannedRequest(), undefined);

      // Assess
      expect(first).toEqual({ status: 'started', taskArn: TASK_ARN });
      expect(second).toEqual({ status: 'duplicate', taskArn: TASK_ARN });
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
      expect([...table.values()][0]?.[IDEMPOTENCY_ATTR.status]).toEqual({ S: 'COMPLETED' });
    });

    it('fetches the record when the failed conditional put does not return it', async () => {
      // Prepare
      const table = useFakeIdempotencyTable(dynamoMock);
      ecsMock.on(RunTaskCommand).resolves(started());
      await newLauncher().start(plannedRequest(), undefined);
      dynamoMock.on(PutItemCommand).rejects(conditionalCheckFailed());

      // Act
      const result = await newLauncher().start(plannedRequest(), undefined);

      // Assess
      expect(table.size).toBe(1);
      expect(result).toEqual({ status: 'duplicate', taskArn: TASK_ARN });
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
    });

    it('asks for a retry while another invocation holds an in-progress record', async () => {
      // Prepare
      dynamoMock
        .on(PutItemCommand)
        .rejects(conditionalCheckFailed(idempotencyItem({ id: 'x#y', status: 'INPROGRESS' })));

      // Act
      const outcome = newLauncher().start(plannedRequest(), undefined);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(RetryableError);
      await expect(outcome).rejects.toThrow(
        'another invocation is starting the task for this object right now',
      );
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
    });

    it('deletes the record when RunTask fails, so a retry can start the task', async () => {
      // Prepare
      const table = useFakeIdempotencyTable(dynamoMock);
      ecsMock
        .on(RunTaskCommand)
        .resolvesOnce({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY' }], $metadata: {} })
        .resolves(started());
      const launcher = newLauncher();

      // Act
      const first = launcher.start(plannedRequest(), undefined);
      await expect(first).rejects.toBeInstanceOf(RetryableError);
      const putKey = dynamoMock.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.[IDEMPOTENCY_ATTR.key];
      const sizeAfterFailure = table.size;
      const retry = await launcher.start(plannedRequest(), undefined);

      // Assess
      expect(dynamoMock.commandCalls(DeleteItemCommand)[0]?.args[0].input).toEqual({
        TableName: TABLE,
        Key: { [IDEMPOTENCY_ATTR.key]: putKey },
      });
      expect(sizeAfterFailure).toBe(0);
      expect(retry).toEqual({ status: 'started', taskArn: TASK_ARN });
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(2);
    });

    it.each([
      ['ConflictException', sdkError(ConflictException, 'token used'), PermanentError],
      ['ThrottlingException', ecsServiceError('ThrottlingException', 400), RetryableError],
    ])(
      'keeps the classification of %s from RunTask behind the idempotency guard',
      async (_n, error, expected) => {
        // Prepare
        useFakeIdempotencyTable(dynamoMock);
        ecsMock.on(RunTaskCommand).rejects(error);

        // Act
        const outcome = newLauncher().start(plannedRequest(), undefined);

        // Assess
        await expect(outcome).rejects.toBeInstanceOf(expected);
        expect(dynamoMock.commandCalls(DeleteItemCommand)).toHaveLength(1);
      },
    );

    it('deletes the record and defers when the cap is reached, so the task starts once there is room', async () => {
      // Prepare
      useFakeIdempotencyTable(dynamoMock);
      ecsMock
        .on(ListTasksCommand)
        .resolvesOnce({ taskArns: ['t1', 't2'] })
        .resolves({ taskArns: ['t1'] });
      ecsMock.on(RunTaskCommand).resolves(started());
      const launcher = newLauncher();

      // Act
      const first = launcher.start(plannedRequest(), 2);
      await expect(first).rejects.toBeInstanceOf(CapReachedError);
      const later = await launcher.start(plannedRequest(), 2);

      // Assess
      expect(dynamoMock.commandCalls(DeleteItemCommand)).toHaveLength(1);
      expect(later).toEqual({ status: 'started', taskArn: TASK_ARN });
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
    });

    it.each([
      [
        'ProvisionedThroughputExceededException',
        new ProvisionedThroughputExceededException({ message: 'throughput exceeded', $metadata: {} }),
      ],
      ['a throttled request', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })],
      ['a network error', Object.assign(new Error('socket hang up'), { name: 'ECONNRESET' })],
    ])('turns %s from the idempotency table into a RetryableError and starts no task', async (_n, error) => {
      // Prepare
      dynamoMock.on(PutItemCommand).rejects(error);

      // Act
      const outcome = newLauncher().start(plannedRequest(), undefined);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(RetryableError);
      await expect(outcome).rejects.toThrow('Failed to save in progress record to idempotency store');
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
    });

    it('asks for a retry when saving the result fails after the task started', async () => {
      // Prepare
      dynamoMock.on(PutItemCommand).resolves({});
      dynamoMock.on(UpdateItemCommand).rejects(new Error('Service Unavailable'));
      ecsMock.on(RunTaskCommand).resolves(started());

      // Act
      const outcome = newLauncher().start(plannedRequest(), undefined);

      // Assess: the retry reuses the clientToken, so ECS returns the same task instead of a second one.
      await expect(outcome).rejects.toBeInstanceOf(RetryableError);
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
    });
  });

  describe('with the SDK retry strategy (real middleware, stubbed HTTP)', () => {
    const jsonResponse = (statusCode: number, body: unknown, errorType?: string) => ({
      statusCode,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      },
      body: new TextEncoder().encode(JSON.stringify(body)),
    });
    const throttled = () =>
      jsonResponse(400, { __type: 'ThrottlingException', message: 'Rate exceeded' }, 'ThrottlingException');

    /** An ECSClient whose HTTP layer answers from `responses` and records the RunTask bodies it was sent. */
    function stubbedHttpEcs(maxAttempts: number, responses: ReturnType<typeof jsonResponse>[]) {
      const sent: Record<string, unknown>[] = [];
      const requestHandler = {
        handle: async (request: { body?: unknown }) => {
          const body =
            request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : request.body;
          sent.push(JSON.parse(String(body)) as Record<string, unknown>);
          const response = responses.shift();
          if (!response) throw new Error('no stubbed response left');
          return { response };
        },
      };
      const ecs = new ECSClient({ region: 'us-east-1', credentials, maxAttempts, requestHandler });
      return { ecs, sent };
    }

    beforeEach(() => {
      // aws-sdk-client-mock replaces send() and with it the retry middleware; these tests need the real one.
      ecsMock.restore();
      // Zero jitter: the retry happens without waiting for the backoff.
      vi.spyOn(Math, 'random').mockReturnValue(0);
    });

    afterEach(() => {
      ecsMock = mockClient(ECSClient);
    });

    it('starts the task when a throttled RunTask succeeds on the SDK retry, resending the same clientToken', async () => {
      // Prepare
      const request = plannedRequest();
      const { ecs, sent } = stubbedHttpEcs(3, [
        throttled(),
        jsonResponse(200, { tasks: [{ taskArn: TASK_ARN }], failures: [] }),
      ]);

      // Act
      const result = await new TaskLauncher({ ecs }).start(request, undefined);

      // Assess
      expect(result).toEqual({ status: 'started', taskArn: TASK_ARN });
      expect(sent).toHaveLength(2);
      expect(sent.map((body) => body.clientToken)).toEqual([request.clientToken, request.clientToken]);
    });

    it('defers with LaunchThrottledError once the SDK attempts are spent on throttling', async () => {
      // Prepare
      const { ecs, sent } = stubbedHttpEcs(2, [throttled(), throttled(), throttled()]);

      // Act
      const outcome = new TaskLauncher({ ecs }).start(plannedRequest(), undefined);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(LaunchThrottledError);
      await expect(outcome).rejects.toThrow('RunTask throttled: ThrottlingException: Rate exceeded');
      expect(sent).toHaveLength(2);
    });
  });
});

describe('Class: TaskLauncher, under AWS rate limits', () => {
  beforeEach(() => {
    ecsMock = mockClient(ECSClient);
  });
  afterEach(() => {
    ecsMock.reset();
  });

  const startedTask = (arn = TASK_ARN): RunTaskCommandOutput => ({
    tasks: [{ taskArn: arn }],
    failures: [],
    $metadata: {},
  });

  it.each([
    ['ThrottlingException', ecsServiceError('ThrottlingException', 400)],
    ['TooManyRequestsException', ecsServiceError('TooManyRequestsException', 400)],
  ])('defers a launch throttled with %s, asking for a redelivery within seconds', async (_name, error) => {
    // Prepare
    ecsMock.on(RunTaskCommand).rejects(error);

    // Act
    const outcome = new TaskLauncher({ ecs: newEcs() }).start(plannedRequest(), undefined);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(LaunchThrottledError);
    await expect(outcome).rejects.toBeInstanceOf(DeferError);
    await expect(outcome).rejects.toMatchObject({ baseSeconds: THROTTLE_RETRY_BASE_SECONDS });
  });

  it.each([
    'Capacity is unavailable at this time. Please try again later or in a different availability zone',
    'Rate exceeded',
  ])('defers a launch whose failures[] says "%s"', async (reason) => {
    // Prepare
    ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason }], $metadata: {} });

    // Act
    const outcome = new TaskLauncher({ ecs: newEcs() }).start(plannedRequest(), undefined);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(LaunchThrottledError);
  });

  it.each(['RESOURCE:MEMORY', "You've reached the limit on the number of tasks you can run concurrently"])(
    'keeps spending attempts (no deferral) on failures[] "%s", which may need a person',
    async (reason) => {
      // Prepare
      ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason }], $metadata: {} });

      // Act
      const outcome = new TaskLauncher({ ecs: newEcs() }).start(plannedRequest(), undefined);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(RetryableError);
      await expect(outcome).rejects.not.toBeInstanceOf(DeferError);
    },
  );

  it('waits for its paced slot, halves the pace on a throttle and regains it on success', async () => {
    // Prepare
    let clock = 0;
    const waits: number[] = [];
    const pacer = new LaunchPacer(
      { ceilingPerSecond: 4, floorPerSecond: 0.5, increasePerSecond: 1, decreaseFactor: 0.5, burst: 1 },
      () => clock,
    );
    const sleep = async (ms: number) => {
      waits.push(ms);
      clock += ms;
    };
    ecsMock
      .on(RunTaskCommand)
      .rejectsOnce(ecsServiceError('ThrottlingException', 400))
      .resolves(startedTask());
    const launcher = new TaskLauncher({ ecs: newEcs(), pacing: { pacer, maxWaitMs: 5_000, sleep } });

    // Act
    await expect(launcher.start(plannedRequest('a.jpg'), undefined)).rejects.toBeInstanceOf(
      LaunchThrottledError,
    );
    const afterThrottle = pacer.ratePerSecond;
    await launcher.start(plannedRequest('b.jpg'), undefined);

    // Assess
    expect(afterThrottle).toBe(2);
    expect(waits).toEqual([500]);
    expect(pacer.ratePerSecond).toBeCloseTo(2.5);
  });

  it('defers instead of waiting when its slot is further away than maxWaitMs, and sends nothing', async () => {
    // Prepare
    const pacer = new LaunchPacer(
      { ceilingPerSecond: 0.1, floorPerSecond: 0.1, increasePerSecond: 0.1, decreaseFactor: 0.5, burst: 1 },
      () => 0,
    );
    ecsMock.on(RunTaskCommand).resolves(startedTask());
    const launcher = new TaskLauncher({
      ecs: newEcs(),
      pacing: { pacer, maxWaitMs: 1_000, sleep: async () => undefined },
    });
    await launcher.start(plannedRequest('first.jpg'), undefined);

    // Act
    const outcome = launcher.start(plannedRequest('second.jpg'), undefined);

    // Assess
    await expect(outcome).rejects.toThrow(/^paced: next launch slot is more than 1000 ms away/);
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it('starts one task when the same event is launched twice at once, and reports the second a duplicate', async () => {
    // Prepare
    ecsMock.on(RunTaskCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return startedTask();
    });
    const launcher = new TaskLauncher({ ecs: newEcs() });

    // Act
    const [first, second] = await Promise.all([
      launcher.start(plannedRequest(), undefined),
      launcher.start(plannedRequest(), undefined),
    ]);

    // Assess
    expect(first).toEqual({ status: 'started', taskArn: TASK_ARN });
    expect(second).toEqual({ status: 'duplicate', taskArn: TASK_ARN });
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it('never exceeds maxRunning from concurrent launches in one instance: counting and launching take turns', async () => {
    // Prepare: ECS lists whatever this test has started so far, after a delay, as ListTasks would.
    const running: string[] = [];
    ecsMock.on(ListTasksCommand).callsFake(async () => {
      const snapshot = [...running];
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { taskArns: snapshot };
    });
    ecsMock.on(RunTaskCommand).callsFake(async (input: { clientToken: string }) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const arn = `${TASK_ARN}-${input.clientToken.slice(0, 8)}`;
      running.push(arn);
      return startedTask(arn);
    });
    const launcher = new TaskLauncher({ ecs: newEcs() });
    const requests = ['1', '2', '3', '4', '5', '6'].map((n) => plannedRequest(`capped/${n}.bin`));

    // Act
    const outcomes = await Promise.allSettled(requests.map((r) => launcher.start(r, 3)));

    // Assess
    expect(running).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(CapReachedError);
    }
  });
});

describe('Class: TaskLauncher with secrets', () => {
  const withSecrets = (): RunTaskRequest =>
    planUploadTask(
      uploadTrigger({
        name: 'thumbnails',
        task: { secrets: { DB_PASSWORD: '/prod/db' }, roles: { execution: 'app-execution' } },
      }),
      parseObjectCreated(s3ObjectCreatedEvent({ key: 'incoming/photo.jpg' })),
    ).request;
  const DERIVED =
    'arn:aws:ecs:us-east-1:123456789012:task-definition/thumbnailer-ecs-pilot-0123456789abcdef:1';

  it('runs the derived task definition and sends RunTask no field of its own', async () => {
    // Prepare
    const request = withSecrets();
    ecsMock.on(RunTaskCommand).resolves(started());
    const resolve = vi.fn().mockResolvedValue(DERIVED);
    const launcher = new TaskLauncher({ ecs: newEcs(), taskDefinitions: { resolve } as never });

    // Act
    await launcher.start(request, undefined);

    // Assess
    expect(resolve).toHaveBeenCalledWith(request.taskDefinition, {
      container: request.overrides.containerOverrides[0]!.name,
      secrets: [{ name: 'DB_PASSWORD', valueFrom: '/prod/db' }],
      executionRole: 'app-execution',
    });
    const input = ecsMock.commandCalls(RunTaskCommand)[0]!.args[0].input;
    expect(input.taskDefinition).toBe(DERIVED);
    expect(input).not.toHaveProperty('secrets');
    expect(input.clientToken).toBe(request.clientToken);
  });

  it('sends RunTask no secrets field for a request without secrets either', async () => {
    ecsMock.on(RunTaskCommand).resolves(started());

    await runTask(newEcs(), {
      ...plannedRequest(),
      secrets: { container: 'app', secrets: [], executionRole: 'r' },
    });

    expect(ecsMock.commandCalls(RunTaskCommand)[0]!.args[0].input).not.toHaveProperty('secrets');
  });

  it('starts nothing and fails permanently when it has no way to derive the task definition', async () => {
    ecsMock.on(RunTaskCommand).resolves(started());

    await expect(new TaskLauncher({ ecs: newEcs() }).start(withSecrets(), undefined)).rejects.toBeInstanceOf(
      PermanentError,
    );
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
  });
});
