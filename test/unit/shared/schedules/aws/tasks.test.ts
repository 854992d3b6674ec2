import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccessDeniedException,
  ClusterNotFoundException,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  ListTasksCommand,
  type ListTasksCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { listActiveTasks } from '../../../../../shared/schedules/aws/tasks';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors';

const CLUSTER = 'reports';
const STARTED_BY = 'ecs-pilot/nightly';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

const ecsMock = mockClient(ECSClient);
/** One attempt only: a retry strategy must not hide how an error is classified. */
const newEcs = () => new ECSClient({ region: 'us-east-1', credentials, maxAttempts: 1 });

const taskArn = (n: number) =>
  `arn:aws:ecs:us-east-1:123456789012:task/${CLUSTER}/${n.toString(16).padStart(32, '0')}`;

/** A task as DescribeTasks returns it with include: ['TAGS']. */
const describedTask = (
  n: number,
  lastStatus = 'RUNNING',
  slot: string | null = '2026-11-20T09:00:00Z',
): Task => ({
  taskArn: taskArn(n),
  lastStatus,
  desiredStatus: 'RUNNING',
  startedBy: STARTED_BY,
  tags: [
    { key: 'ecs-pilot:automation', value: 'schedules' },
    { key: 'ecs-pilot:schedule', value: 'nightly' },
    ...(slot === null ? [] : [{ key: 'ecs-pilot:slot', value: slot }]),
  ],
});

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

/** DescribeTasks answering for whichever ARNs it is asked about, each RUNNING with a slot tag. */
const describeEveryTaskAsRunning = () =>
  ecsMock.on(DescribeTasksCommand).callsFake(async (input: { tasks: string[] }) => ({
    tasks: input.tasks.map((arn) => ({ ...describedTask(0), taskArn: arn })),
    failures: [],
  }));

afterEach(() => {
  ecsMock.reset();
});

describe('Function: listActiveTasks', () => {
  it('reads each task’s schedule tag and its start and creation times, for the maximum-runtime sweep', async () => {
    const startedAt = new Date('2026-11-21T09:00:05Z');
    const createdAt = new Date('2026-11-21T09:00:00Z');
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1)] });
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [{ ...describedTask(1), startedAt, createdAt }],
      failures: [],
    });

    const active = await listActiveTasks(newEcs(), CLUSTER, STARTED_BY);

    expect(active).toStrictEqual([
      {
        taskArn: taskArn(1),
        lastStatus: 'RUNNING',
        slot: '2026-11-20T09:00:00Z',
        schedule: 'nightly',
        startedAt,
        createdAt,
      },
    ]);
  });

  it('lists the schedule’s tasks by startedBy alone and reads each one’s slot tag', async () => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1), taskArn(2)] });
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [
        describedTask(1, 'RUNNING', '2026-11-20T09:00:00Z'),
        describedTask(2, 'PENDING', '2026-11-21T09:00:00Z'),
      ],
      failures: [],
    });

    // Act
    const active = await listActiveTasks(newEcs(), CLUSTER, STARTED_BY);

    // Assess
    expect(active).toEqual([
      { taskArn: taskArn(1), lastStatus: 'RUNNING', slot: '2026-11-20T09:00:00Z', schedule: 'nightly' },
      { taskArn: taskArn(2), lastStatus: 'PENDING', slot: '2026-11-21T09:00:00Z', schedule: 'nightly' },
    ]);
    expect(ecsMock.commandCalls(ListTasksCommand)[0]?.args[0].input).toEqual({
      cluster: CLUSTER,
      startedBy: STARTED_BY,
      maxResults: 100,
    });
    expect(ecsMock.commandCalls(DescribeTasksCommand)[0]?.args[0].input).toEqual({
      cluster: CLUSTER,
      tasks: [taskArn(1), taskArn(2)],
      include: ['TAGS'],
    });
  });

  it('follows ListTasks pages until there is no nextToken, with startedBy as the only filter', async () => {
    // Prepare: the paginator reuses one input object, so each request is copied as it is sent.
    const pages = [
      { taskArns: [taskArn(1), taskArn(2)], nextToken: 'page-2' },
      { taskArns: [taskArn(3)], nextToken: 'page-3' },
      { taskArns: [taskArn(4)] },
    ];
    const requests: ListTasksCommandInput[] = [];
    ecsMock.on(ListTasksCommand).callsFake(async (input: ListTasksCommandInput) => {
      requests.push({ ...input });
      return pages.shift();
    });
    describeEveryTaskAsRunning();

    // Act
    const active = await listActiveTasks(newEcs(), CLUSTER, STARTED_BY);

    // Assess
    expect(active.map((t) => t.taskArn)).toEqual([taskArn(1), taskArn(2), taskArn(3), taskArn(4)]);
    expect(requests).toEqual([
      { cluster: CLUSTER, startedBy: STARTED_BY, maxResults: 100 },
      {
        cluster: CLUSTER,
        startedBy: STARTED_BY,
        maxResults: 100,
        nextToken: 'page-2',
      },
      {
        cluster: CLUSTER,
        startedBy: STARTED_BY,
        maxResults: 100,
        nextToken: 'page-3',
      },
    ]);
  });

  it('describes at most 100 tasks per DescribeTasks call', async () => {
    // Prepare
    const arns = Array.from({ length: 250 }, (_, i) => taskArn(i + 1));
    ecsMock
      .on(ListTasksCommand)
      .resolvesOnce({ taskArns: arns.slice(0, 100), nextToken: 'p2' })
      .resolvesOnce({ taskArns: arns.slice(100, 200), nextToken: 'p3' })
      .resolvesOnce({ taskArns: arns.slice(200) });
    describeEveryTaskAsRunning();

    // Act
    const active = await listActiveTasks(newEcs(), CLUSTER, STARTED_BY);

    // Assess
    const describeCalls = ecsMock.commandCalls(DescribeTasksCommand).map((call) => call.args[0].input);
    expect(describeCalls.map((input) => input.tasks?.length)).toEqual([100, 100, 50]);
    expect(describeCalls.flatMap((input) => input.tasks)).toEqual(arns);
    for (const input of describeCalls) expect(input).toMatchObject({ cluster: CLUSTER, include: ['TAGS'] });
    expect(active).toHaveLength(250);
  });

  it('sends no DescribeTasks when no task is listed', async () => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });

    // Act
    const active = await listActiveTasks(newEcs(), CLUSTER, STARTED_BY);

    // Assess
    expect(active).toEqual([]);
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });

  it.each(['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING'])('keeps a %s task', async (lastStatus) => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1)] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [describedTask(1, lastStatus)] });

    // Act & Assess
    await expect(listActiveTasks(newEcs(), CLUSTER, STARTED_BY)).resolves.toEqual([
      { taskArn: taskArn(1), lastStatus, slot: '2026-11-20T09:00:00Z', schedule: 'nightly' },
    ]);
  });

  it.each(['STOPPED', 'DEPROVISIONING'])('drops a %s task', async (lastStatus) => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1), taskArn(2)] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [describedTask(1, lastStatus), describedTask(2)] });

    // Act
    const active = await listActiveTasks(newEcs(), CLUSTER, STARTED_BY);

    // Assess
    expect(active.map((t) => t.taskArn)).toEqual([taskArn(2)]);
  });

  it('leaves the slot unknown for a task without an ecs-pilot:slot tag', async () => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1), taskArn(2)] });
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [describedTask(1, 'RUNNING', null), { taskArn: taskArn(2), lastStatus: 'RUNNING' }],
    });

    // Act
    const active = await listActiveTasks(newEcs(), CLUSTER, STARTED_BY);

    // Assess
    expect(active).toEqual([
      { taskArn: taskArn(1), lastStatus: 'RUNNING', slot: undefined, schedule: 'nightly' },
      { taskArn: taskArn(2), lastStatus: 'RUNNING', slot: undefined },
    ]);
  });

  it('does not mistake another tag for the slot tag', async () => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1)] });
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: taskArn(1),
          lastStatus: 'RUNNING',
          tags: [
            { key: 'slot', value: 'user-tag' },
            { key: 'ecs-pilot:slots', value: 'near miss' },
          ],
        },
      ],
    });

    // Act & Assess
    await expect(listActiveTasks(newEcs(), CLUSTER, STARTED_BY)).resolves.toEqual([
      { taskArn: taskArn(1), lastStatus: 'RUNNING', slot: undefined },
    ]);
  });

  it('reports a task without a status as UNKNOWN and skips entries without an ARN', async () => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1), taskArn(2)] });
    ecsMock
      .on(DescribeTasksCommand)
      .resolves({ tasks: [{ taskArn: taskArn(1) }, { lastStatus: 'RUNNING' }] });

    // Act & Assess
    await expect(listActiveTasks(newEcs(), CLUSTER, STARTED_BY)).resolves.toEqual([
      { taskArn: taskArn(1), lastStatus: 'UNKNOWN', slot: undefined },
    ]);
  });

  it('ignores tasks DescribeTasks reports as failures (gone since ListTasks)', async () => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1), taskArn(2)] });
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [describedTask(1)],
      failures: [{ arn: taskArn(2), reason: 'MISSING' }],
    });

    // Act & Assess
    await expect(listActiveTasks(newEcs(), CLUSTER, STARTED_BY)).resolves.toEqual([
      { taskArn: taskArn(1), lastStatus: 'RUNNING', slot: '2026-11-20T09:00:00Z', schedule: 'nightly' },
    ]);
  });

  it('fails permanently when the cluster does not exist', async () => {
    // Prepare
    const error = sdkError(ClusterNotFoundException, 'Cluster not found.');
    ecsMock.on(ListTasksCommand).rejects(error);

    // Act
    const result = listActiveTasks(newEcs(), CLUSTER, STARTED_BY);

    // Assess
    await expect(result).rejects.toBeInstanceOf(PermanentError);
    await expect(result).rejects.toThrow(
      'ListTasks/DescribeTasks: ClusterNotFoundException: Cluster not found.',
    );
    await expect(result).rejects.toHaveProperty('cause', error);
  });

  it('fails permanently when access is denied', async () => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1)] });
    ecsMock.on(DescribeTasksCommand).rejects(sdkError(AccessDeniedException, 'not authorized'));

    // Act & Assess
    await expect(listActiveTasks(newEcs(), CLUSTER, STARTED_BY)).rejects.toBeInstanceOf(PermanentError);
  });

  it.each([
    ['ListTasks', () => ecsMock.on(ListTasksCommand).rejects(throttled())],
    [
      'DescribeTasks',
      () => {
        ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1)] });
        ecsMock.on(DescribeTasksCommand).rejects(throttled());
      },
    ],
  ])('fails retryably when %s is throttled', async (_name, prepare) => {
    // Prepare
    prepare();

    // Act
    const result = listActiveTasks(newEcs(), CLUSTER, STARTED_BY);

    // Assess
    await expect(result).rejects.toBeInstanceOf(RetryableError);
    await expect(result).rejects.toThrow('ListTasks/DescribeTasks: ThrottlingException: Rate exceeded');
  });

  it('fails retryably on a throttled second page, without a partial answer', async () => {
    // Prepare
    ecsMock
      .on(ListTasksCommand)
      .resolvesOnce({ taskArns: [taskArn(1)], nextToken: 'p2' })
      .rejectsOnce(throttled());

    // Act & Assess
    await expect(listActiveTasks(newEcs(), CLUSTER, STARTED_BY)).rejects.toBeInstanceOf(RetryableError);
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });
});
