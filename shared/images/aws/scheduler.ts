import { GetScheduleCommand, paginateListSchedules, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { PermanentError } from '../../kernel/errors.js';
import type { ImageUse } from '../protect.js';
import {
  ecsTargetKind,
  scheduleTarget,
  universalTaskDefinition,
  type EcsTarget,
} from '../sources/scheduled.js';
import type { InUseSource } from '../sources/port.js';
import { targetUses } from './scheduled.js';

/**
 * EventBridge Scheduler schedules of every group whose target starts ECS tasks (the templated ECS
 * target, or the universal `aws-sdk:ecs:runTask`/`startTask`): the images of the task definition each
 * starts. ListSchedules without a group lists every group's schedules, and names each target's ARN:
 * only ECS targets cost a GetSchedule (for EcsParameters or Input). Enabled and disabled schedules
 * count, as rules do. The stack's own schedules target its SQS queue or a function, so they cost no
 * GetSchedule; the task definitions they start are kept as the toolkit's. A schedule deleted between
 * the listing and its GetSchedule starts nothing and is skipped; any other error rejects the scan.
 */
export class SchedulerSchedulesSource implements InUseSource {
  readonly name = 'EventBridge Scheduler schedules';

  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly ecs: ECSClient,
  ) {}

  async uses(): Promise<ImageUse[]> {
    const listed: { group: string; name: string; kind: 'templated' | 'universal' }[] = [];
    for await (const page of paginateListSchedules({ client: this.scheduler, pageSize: 100 }, {})) {
      for (const s of page.Schedules ?? []) {
        const kind = ecsTargetKind(s.Target?.Arn);
        if (kind && s.Name) listed.push({ group: s.GroupName ?? 'default', name: s.Name, kind });
      }
    }
    const targets: EcsTarget[] = [];
    for (const { group, name, kind } of listed) {
      let target;
      try {
        ({ Target: target } = await this.scheduler.send(
          new GetScheduleCommand({ GroupName: group, Name: name }),
        ));
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException') continue;
        throw error;
      }
      const taskDefinition =
        kind === 'templated'
          ? target?.EcsParameters?.TaskDefinitionArn
          : universalTaskDefinition(`${group}/${name}`, target?.Input);
      if (!taskDefinition) {
        throw new PermanentError(`GetSchedule ${group}/${name}: an ECS target without a task definition`);
      }
      targets.push(scheduleTarget(group, name, taskDefinition));
    }
    return targetUses(this.ecs, targets);
  }
}
