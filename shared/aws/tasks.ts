import {
  DescribeTasksCommand,
  paginateListTasks,
  StopTaskCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { TAG_PREFIX } from '../tasks/launch.js';
import type { ActiveTask } from '../schedules/slot.js';
import { classifyEcsError } from './launcher.js';

/** DescribeTasks takes at most 100 tasks per call. */
const DESCRIBE_BATCH = 100;

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
    const arns: string[] = [];
    for await (const page of paginateListTasks(
      { client: ecs, pageSize: 100 },
      { cluster, startedBy, desiredStatus: 'RUNNING' },
    )) {
      arns.push(...(page.taskArns ?? []));
    }
    const active: ActiveTask[] = [];
    for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
      const { tasks = [] } = await ecs.send(
        new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + DESCRIBE_BATCH), include: ['TAGS'] }),
      );
      for (const task of tasks) {
        if (!task.taskArn || task.lastStatus === 'STOPPED' || task.lastStatus === 'DEPROVISIONING') continue;
        active.push({
          taskArn: task.taskArn,
          lastStatus: task.lastStatus ?? 'UNKNOWN',
          slot: task.tags?.find((t) => t.key === `${TAG_PREFIX}slot`)?.value,
        });
      }
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
