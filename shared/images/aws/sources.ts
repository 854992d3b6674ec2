import type { ECSClient } from '@aws-sdk/client-ecs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { ImagesConfig } from '../config.js';
import type { InUseSource } from '../sources/port.js';
import { LambdaImageSource } from './lambda.js';
import { EventRuleTargetsSource } from './scheduled.js';
import { SchedulerSchedulesSource } from './scheduler.js';
import type { InUseScanOptions } from './scan.js';

type Protect = ImagesConfig['protect'];

/** The ECS scan's options from `images.protect`, with the task definitions the toolkit itself starts. */
export const scanOptions = (
  protect: Pick<
    Protect,
    'clusters' | 'excludeClusters' | 'taskDefinitionRevisions' | 'stoppedTasksWithinHours'
  >,
  toolkit: InUseScanOptions['toolkit'],
): InUseScanOptions => ({
  clusters: protect.clusters,
  excludeClusters: protect.excludeClusters,
  taskDefinitionRevisions: protect.taskDefinitionRevisions,
  includeStopped: protect.stoppedTasksWithinHours > 0,
  toolkit,
});

/**
 * This account's sources of "in use" beyond ECS, as `images.protect` turns them on: Lambda image
 * functions, EventBridge rules, Scheduler schedules. (Other accounts' scan files are not among them.)
 */
export function accountSources(
  protect: Pick<Protect, 'lambda' | 'eventRules' | 'scheduler'>,
  clients: { lambda: LambdaClient; events: EventBridgeClient; scheduler: SchedulerClient; ecs: ECSClient },
): InUseSource[] {
  const { lambda, eventRules, scheduler } = protect;
  return [
    ...(lambda.scan ? [new LambdaImageSource(clients.lambda, { keepVersions: lambda.keepVersions })] : []),
    ...(eventRules.scan
      ? [new EventRuleTargetsSource(clients.events, clients.ecs, { buses: eventRules.buses })]
      : []),
    ...(scheduler.scan ? [new SchedulerSchedulesSource(clients.scheduler, clients.ecs)] : []),
  ];
}
