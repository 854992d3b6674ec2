import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { emulatorClients, REGION } from '../../../../../local/harness.js';
import { registerTaskDefinition } from '../../../../../local/ecs.js';
import { pushImage } from '../../../../../local/images.js';
import { ecrRegistry } from '../../../../../shared/images/aws/ecr.js';
import { SchedulerSchedulesSource } from '../../../../../shared/images/aws/scheduler.js';
import { protectRepository } from '../../../../../shared/images/protect.js';

const ROLE = 'arn:aws:iam::123456789012:role/scheduler-run-task';
const CLUSTER = `arn:aws:ecs:${REGION}:123456789012:cluster/jobs`;

/**
 * The Scheduler scan against the emulator, which stores schedules and groups with their targets
 * (ListSchedules gives each target's ARN only, GetSchedule the whole target) and fires nothing.
 */
describe('Adapter: SchedulerSchedulesSource (against the emulator)', () => {
  let clients: ReturnType<typeof emulatorClients>;
  let scheduler: SchedulerClient;
  let uri: string;
  const digests: string[] = [];

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    clients = emulatorClients(endpoint);
    scheduler = new SchedulerClient({
      endpoint,
      region: REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
    const { repository } = await clients.ecr.send(
      new CreateRepositoryCommand({ repositoryName: 'sched-jobs' }),
    );
    uri = repository!.repositoryUri!;
    for (const n of [1, 2, 3, 4]) digests.push(await pushImage(clients.ecr, 'sched-jobs', 950 + n, `v${n}`));
    // report:1 (v1) is pinned; report:2 (v2) is newer and unused. ingest's latest ACTIVE is v4.
    const { taskDefinition } = await registerTaskDefinition(
      clients.ecs,
      'sched-report',
      'report',
      `${uri}:v1`,
    );
    await registerTaskDefinition(clients.ecs, 'sched-report', 'report', `${uri}:v2`);
    await registerTaskDefinition(clients.ecs, 'sched-ingest', 'ingest', `${uri}:v3`);
    await registerTaskDefinition(clients.ecs, 'sched-ingest', 'ingest', `${uri}:v4`);
    await scheduler.send(new CreateScheduleGroupCommand({ Name: 'team-a' }));
    const schedule = (Name: string, GroupName: string | undefined, Target: Record<string, unknown>) =>
      scheduler.send(
        new CreateScheduleCommand({
          Name,
          ...(GroupName ? { GroupName } : {}),
          ScheduleExpression: 'cron(0 2 * * ? *)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { RoleArn: ROLE, ...Target } as never,
        }),
      );
    await schedule('sched-nightly', undefined, {
      Arn: CLUSTER,
      EcsParameters: { TaskDefinitionArn: taskDefinition!.taskDefinitionArn!, TaskCount: 1 },
    });
    await schedule('sched-ingest', 'team-a', {
      Arn: CLUSTER,
      EcsParameters: {
        TaskDefinitionArn: `arn:aws:ecs:${REGION}:123456789012:task-definition/sched-ingest`,
      },
    });
    // As the stack's own schedules are: onto a queue.
    await schedule('sched-to-queue', undefined, {
      Arn: `arn:aws:sqs:${REGION}:123456789012:prod-schedules`,
      Input: '{}',
    });
  });

  it('keeps a pinned revision’s image and a family’s latest ACTIVE revision’s, in every group, and no other', async () => {
    const uses = (await new SchedulerSchedulesSource(scheduler, clients.ecs).uses()).filter((u) =>
      u.reason.includes('schedule sched-'),
    );
    const images = await ecrRegistry(clients.ecr, ['sched-jobs']).listImages('sched-jobs');

    const { inUse, doubts } = protectRepository({ name: 'sched-jobs', uri }, images, uses);

    expect(doubts).toEqual([]);
    expect([...inUse.keys()].sort()).toEqual([digests[0], digests[3]].sort());
    expect(inUse.get(digests[0]!)).toEqual([
      expect.stringMatching(
        /^started by EventBridge Scheduler schedule sched-nightly in group default: sched-report:1/,
      ),
    ]);
    expect(inUse.get(digests[3]!)).toEqual([
      expect.stringMatching(
        /^started by EventBridge Scheduler schedule sched-ingest in group team-a: sched-ingest \(its latest ACTIVE/,
      ),
    ]);
  });
});
