import { beforeAll, describe, expect, inject, it } from 'vitest';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { emulatorClients } from '../../../../../local/harness.js';
import { registerTaskDefinition } from '../../../../../local/ecs.js';
import { EventRuleTargetsSource } from '../../../../../shared/images/aws/scheduled.js';

/** The EventBridge rule scan against the emulator, which holds rules with ECS targets (it does not deliver to them). */
describe('Adapter: EventRuleTargetsSource (against the emulator)', () => {
  let clients: ReturnType<typeof emulatorClients>;
  const pinned: string[] = [];

  beforeAll(async () => {
    clients = emulatorClients(inject('emulatorEndpoint'));
    for (const tag of ['v1', 'v2']) {
      const { taskDefinition } = await registerTaskDefinition(
        clients.ecs,
        'sched-report',
        'report',
        `sched-report:${tag}`,
      );
      pinned.push(taskDefinition!.taskDefinitionArn!);
    }
    await registerTaskDefinition(clients.ecs, 'sched-ingest', 'ingest', 'sched-ingest:old');
    await registerTaskDefinition(clients.ecs, 'sched-ingest', 'ingest', 'sched-ingest:new');
    const rule = async (name: string, taskDefinitionArn: string) => {
      await clients.events.send(new PutRuleCommand({ Name: name, ScheduleExpression: 'cron(0 2 * * ? *)' }));
      await clients.events.send(
        new PutTargetsCommand({
          Rule: name,
          Targets: [
            {
              Id: 'task',
              Arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/jobs',
              RoleArn: 'arn:aws:iam::123456789012:role/events-run-task',
              EcsParameters: { TaskDefinitionArn: taskDefinitionArn, TaskCount: 1 },
            },
          ],
        }),
      );
    };
    await rule('sched-nightly', pinned[0]!);
    await rule('sched-ingest', 'arn:aws:ecs:us-east-1:123456789012:task-definition/sched-ingest');
  });

  it('keeps a pinned revision’s images as given and a family’s latest ACTIVE revision’s', async () => {
    const uses = await new EventRuleTargetsSource(clients.events, clients.ecs, { buses: ['default'] }).uses();
    const images = uses
      .filter((u) => u.reason.includes('sched-'))
      .map((u) => u.image)
      .sort();

    expect(images).toEqual(['sched-ingest:new', 'sched-report:v1']);
  });
});
