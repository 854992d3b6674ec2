import {
  DescribeTasksCommand,
  paginateListTasks,
  StopTaskCommand,
  type DesiredStatus,
  type ECSClient,
  type Failure,
  type Task,
  type TaskField,
} from '@aws-sdk/client-ecs';
import { chunks } from '../../chunks.js';
import { classifyEcsError } from '../../aws/errors.js';

/** DescribeTasks takes at most 100 tasks per call. */
export const DESCRIBE_TASKS_BATCH = 100;

/**
 * One ListTasks filter. AWS requires `startedBy`, when given, to be the only filter, so the two are
 * exclusive; with `startedBy` alone ListTasks applies its default `desiredStatus` RUNNING, which
 * also lists PENDING tasks (ECS never sets desiredStatus PENDING, only lastStatus).
 */
export type ListTasksFilter = { startedBy: string } | { desiredStatus: DesiredStatus };

/**
 * The tasks ListTasks finds in `cluster` for `filter` (every page), described by DescribeTasks 100 at
 * a time, with the `failures` DescribeTasks reported for tasks it could not describe. Throws the SDK's
 * errors as they are: callers classify them for what they were doing.
 */
export async function describeListedTasks(
  ecs: ECSClient,
  cluster: string,
  filter: ListTasksFilter,
  include?: TaskField[],
): Promise<{ tasks: Task[]; failures: Failure[] }> {
  const arns: string[] = [];
  for await (const page of paginateListTasks({ client: ecs, pageSize: 100 }, { cluster, ...filter })) {
    arns.push(...(page.taskArns ?? []));
  }
  const tasks: Task[] = [];
  const failures: Failure[] = [];
  for (const batch of chunks(arns, DESCRIBE_TASKS_BATCH)) {
    const response = await ecs.send(
      new DescribeTasksCommand({ cluster, tasks: batch, ...(include ? { include } : {}) }),
    );
    tasks.push(...(response.tasks ?? []));
    failures.push(...(response.failures ?? []));
  }
  return { tasks, failures };
}

/** Stops a task with a reason a human will read in the console (ECS keeps 255 characters). */
export async function stopTask(
  ecs: ECSClient,
  cluster: string,
  taskArn: string,
  reason: string,
): Promise<void> {
  try {
    await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason: reason.slice(0, 255) }));
  } catch (error) {
    throw classifyEcsError(error, 'StopTask');
  }
}
