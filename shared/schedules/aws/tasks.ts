import type { ECSClient } from '@aws-sdk/client-ecs';
import { classifyEcsError } from '../../kernel/aws/errors.js';
import { describeListedTasks } from '../../kernel/launch/aws/tasks.js';
import { TAG_PREFIX } from '../../kernel/launch/launch.js';
import type { ActiveTask } from '../slot.js';

/**
 * Tasks started by `startedBy` in a cluster that ECS does not report as stopped (PENDING or
 * RUNNING, desired RUNNING), with the slot each was started for (its ecs-pilot:slot tag).
 * `startedBy` is ListTasks' only filter (AWS refuses it with others); ListTasks' default
 * `desiredStatus` RUNNING then lists PENDING and RUNNING tasks alike.
 */
export async function listActiveTasks(
  ecs: ECSClient,
  cluster: string,
  startedBy: string,
): Promise<ActiveTask[]> {
  try {
    const { tasks } = await describeListedTasks(ecs, cluster, { startedBy }, ['TAGS']);
    const active: ActiveTask[] = [];
    for (const task of tasks) {
      if (!task.taskArn || task.lastStatus === 'STOPPED' || task.lastStatus === 'DEPROVISIONING') continue;
      const tag = (key: string) => task.tags?.find((t) => t.key === `${TAG_PREFIX}${key}`)?.value;
      active.push({
        taskArn: task.taskArn,
        lastStatus: task.lastStatus ?? 'UNKNOWN',
        slot: tag('slot'),
        ...(tag('schedule') === undefined ? {} : { schedule: tag('schedule') }),
        ...(task.startedAt ? { startedAt: task.startedAt } : {}),
        ...(task.createdAt ? { createdAt: task.createdAt } : {}),
      });
    }
    return active;
  } catch (error) {
    throw classifyEcsError(error, 'ListTasks/DescribeTasks');
  }
}
