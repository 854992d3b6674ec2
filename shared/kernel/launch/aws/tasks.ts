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
import { TAG_PREFIX } from '../launch.js';
import type { ActiveTask } from '../../../schedules/slot.js';
import { chunks } from '../../chunks.js';
import { classifyEcsError } from './launcher.js';

/** DescribeTasks takes at most 100 tasks per call. */
export const DESCRIBE_TASKS_BATCH = 100;

/**
 * The tasks ListTasks finds in `cluster` for `filter` (every page), described by DescribeTasks 100 at
 * a time, with the `failures` DescribeTasks reported for tasks it could not describe. Throws the SDK's
 * errors as they are: callers classify them for what they were doing.
 */
export async function describeListedTasks(
  ecs: ECSClient,
  cluster: string,
  filter: { desiredStatus: DesiredStatus; startedBy?: string },
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

/**
 * Tasks started by `startedBy` in a cluster that ECS does not report as stopped (PENDING or
 * RUNNING, desired RUNNING), with the slot each was started for (its ecs-pilot:slot tag).
 */
export async function listActiveTasks(
  ecs: ECSClient,
  cluster: string,
  startedBy: string,
): Promise<ActiveTask[]> {
  try {
    const { tasks } = await describeListedTasks(ecs, cluster, { startedBy, desiredStatus: 'RUNNING' }, [
      'TAGS',
    ]);
    const active: ActiveTask[] = [];
    for (const task of tasks) {
      if (!task.taskArn || task.lastStatus === 'STOPPED' || task.lastStatus === 'DEPROVISIONING') continue;
      active.push({
        taskArn: task.taskArn,
        lastStatus: task.lastStatus ?? 'UNKNOWN',
        slot: task.tags?.find((t) => t.key === `${TAG_PREFIX}slot`)?.value,
      });
    }
    return active;
  } catch (error) {
    throw classifyEcsError(error, 'ListTasks/DescribeTasks');
  }
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
