import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccessDeniedException,
  ClusterNotFoundException,
  ECSClient,
  ECSServiceException,
  DescribeTasksCommand,
  InvalidParameterException,
  ListTasksCommand,
  type ListTasksCommandInput,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { describeListedTasks, stopTask } from '../../../../../../shared/kernel/launch/aws/tasks';
import { PermanentError, RetryableError } from '../../../../../../shared/kernel/errors';

const CLUSTER = 'reports';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

const ecsMock = mockClient(ECSClient);
/** One attempt only: a retry strategy must not hide how an error is classified. */
const newEcs = () => new ECSClient({ region: 'us-east-1', credentials, maxAttempts: 1 });

const taskArn = (n: number) =>
  `arn:aws:ecs:us-east-1:123456789012:task/${CLUSTER}/${n.toString(16).padStart(32, '0')}`;

const throttled = () =>
  new ECSServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });

const sdkError = <T>(
  Exception: new (options: { message: string; $metadata: { httpStatusCode?: number } }) => T,
  message: string,
) => new Exception({ message, $metadata: { httpStatusCode: 400 } });

afterEach(() => {
  ecsMock.reset();
});

describe('Function: stopTask', () => {
  it('stops the task in its cluster with the reason', async () => {
    // Prepare
    ecsMock.on(StopTaskCommand).resolves({ task: { taskArn: taskArn(1), desiredStatus: 'STOPPED' } });

    // Act
    await stopTask(
      newEcs(),
      CLUSTER,
      taskArn(1),
      'ecs-pilot: replaced by slot 2026-11-21T09:00:00Z of schedule nightly',
    );

    // Assess
    expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(StopTaskCommand)[0]?.args[0].input).toEqual({
      cluster: CLUSTER,
      task: taskArn(1),
      reason: 'ecs-pilot: replaced by slot 2026-11-21T09:00:00Z of schedule nightly',
    });
  });

  it.each([
    [255, 255],
    [256, 255],
    [1000, 255],
    [10, 10],
  ])('sends a reason of %i characters as %i characters', async (length, sent) => {
    // Prepare
    ecsMock.on(StopTaskCommand).resolves({});
    const reason = 'r'.repeat(length - 1) + 'X';

    // Act
    await stopTask(newEcs(), CLUSTER, taskArn(1), reason);

    // Assess
    const input = ecsMock.commandCalls(StopTaskCommand)[0]?.args[0].input;
    expect(input?.reason).toHaveLength(sent);
    expect(input?.reason).toBe(reason.slice(0, 255));
  });

  it.each([
    ['ClusterNotFoundException', sdkError(ClusterNotFoundException, 'Cluster not found.'), PermanentError],
    ['InvalidParameterException', sdkError(InvalidParameterException, 'bad task id'), PermanentError],
    ['AccessDeniedException', sdkError(AccessDeniedException, 'not authorized'), PermanentError],
    ['ThrottlingException', throttled(), RetryableError],
    ['a network error', Object.assign(new Error('socket hang up'), { name: 'ECONNRESET' }), RetryableError],
  ])('classifies %s from StopTask', async (_name, error, expected) => {
    // Prepare
    ecsMock.on(StopTaskCommand).rejects(error);

    // Act
    const result = stopTask(newEcs(), CLUSTER, taskArn(1), 'replaced');

    // Assess
    await expect(result).rejects.toBeInstanceOf(expected);
    await expect(result).rejects.toThrow(/^StopTask: /);
    await expect(result).rejects.toHaveProperty('cause', error);
  });
});

describe('Function: describeListedTasks', () => {
  /** Records each ListTasks request as sent (the paginator reuses one input object). */
  const recordListTasks = (pages: { taskArns: string[]; nextToken?: string }[]) => {
    const requests: ListTasksCommandInput[] = [];
    ecsMock.on(ListTasksCommand).callsFake(async (input: ListTasksCommandInput) => {
      requests.push({ ...input });
      return pages.shift();
    });
    ecsMock.on(DescribeTasksCommand).callsFake(async (input: { tasks: string[] }) => ({
      tasks: input.tasks.map((arn) => ({ taskArn: arn })),
      failures: [],
    }));
    return requests;
  };

  it('sends startedBy as the only filter, on every page', async () => {
    // Prepare
    const requests = recordListTasks([
      { taskArns: [taskArn(1)], nextToken: 'p2' },
      { taskArns: [taskArn(2)] },
    ]);

    // Act
    const { tasks } = await describeListedTasks(newEcs(), CLUSTER, { startedBy: 'ecs-pilot/nightly' });

    // Assess
    expect(tasks.map((t) => t.taskArn)).toEqual([taskArn(1), taskArn(2)]);
    expect(requests).toEqual([
      { cluster: CLUSTER, startedBy: 'ecs-pilot/nightly', maxResults: 100 },
      { cluster: CLUSTER, startedBy: 'ecs-pilot/nightly', maxResults: 100, nextToken: 'p2' },
    ]);
  });

  it.each(['RUNNING', 'STOPPED'] as const)('lists by desiredStatus %s alone', async (desiredStatus) => {
    // Prepare
    const requests = recordListTasks([{ taskArns: [] }]);

    // Act
    await describeListedTasks(newEcs(), CLUSTER, { desiredStatus });

    // Assess
    expect(requests).toEqual([{ cluster: CLUSTER, desiredStatus, maxResults: 100 }]);
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });
});
