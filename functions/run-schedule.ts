import { deployedConfig } from '../shared/config/load.js';
import { ecsClient, snsClient } from '../shared/kernel/aws/clients.js';
import { deployedLauncher } from '../shared/kernel/launch/aws/launcher.js';
import { decisionMetric, sqsFunction } from '../shared/kernel/delivery/aws/sqs-function.js';
import { stopTask } from '../shared/kernel/launch/aws/tasks.js';
import { listActiveTasks } from '../shared/schedules/aws/tasks.js';
import { processSlotMessage } from '../shared/schedules/service.js';
import { renderSlotFailure } from '../shared/schedules/alert.js';
import { SnsAlertPublisher } from '../shared/kernel/notify/aws/publisher.js';

// Cold start: a broken config or missing variable fails here, loudly, before any slot is touched.
const config = deployedConfig();
const ecs = ecsClient();
const launcher = deployedLauncher(ecs);
const tasks = {
  listActive: (cluster: string, startedBy: string) => listActiveTasks(ecs, cluster, startedBy),
  stop: (cluster: string, taskArn: string, reason: string) => stopTask(ecs, cluster, taskArn, reason),
};

// With stop alerts configured, a slot that finally cannot start is mailed to the same topic.
const alertsTopic = process.env.ALERTS_TOPIC_ARN;
const publisher = alertsTopic ? new SnsAlertPublisher(snsClient(), alertsTopic) : undefined;

/** EventBridge Scheduler (through the schedules queue) → overlap policy → at most one task per slot. */
export const handler = sqsFunction({
  service: 'schedules',
  queueUrlEnv: 'SCHEDULES_QUEUE_URL',
  deadLetterQueueUrlEnv: 'SCHEDULES_DLQ_URL',
  settings: config.delivery,
  onInvoke: (context) => launcher.registerContext(context),
  ...(publisher
    ? {
        onDeadLetter: async (context: Record<string, string>, reason: string) => {
          // A failed sweep is not a slot: the next minute's sweep tries again, and the DLQ keeps it.
          if (context['ecs-pilot-sweep']) return;
          const schedule = config.schedules.find((s) => s.name === context['ecs-pilot-schedule']);
          await publisher.publish(
            renderSlotFailure({
              schedule: context['ecs-pilot-schedule'] ?? '(unknown schedule)',
              slot: context['ecs-pilot-slot'] ?? '(unknown slot)',
              reason,
              attempts: context['ecs-pilot-attempts'],
              cluster: schedule?.task.cluster,
              taskDefinition: schedule?.task.taskDefinition,
            }),
          );
        },
      }
    : {}),
  process: (body, attributes, { logger, count }) =>
    processSlotMessage(body, attributes, {
      schedules: config.schedules,
      launcher,
      tasks,
      logger,
      onDecision: (decision) => count(decisionMetric('Slots', decision)),
    }),
});
