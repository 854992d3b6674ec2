import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { SchedulerSchedulesSource } from '../../../../../shared/images/aws/scheduler';

const scheduler = mockClient(SchedulerClient);
const ecs = mockClient(ECSClient);
const A = 'arn:aws:ecs:eu-west-1:123456789012';
const source = () =>
  new SchedulerSchedulesSource(
    new SchedulerClient({ region: 'eu-west-1' }),
    new ECSClient({ region: 'eu-west-1' }),
  );
const summary = (GroupName: string, Name: string, Arn: string) => ({ GroupName, Name, Target: { Arn } });

afterEach(() => {
  scheduler.reset();
  ecs.reset();
});

describe('Adapter: SchedulerSchedulesSource', () => {
  it('reports the images of every group’s ECS schedules (pinned as given, a family as its latest ACTIVE), across pages', async () => {
    scheduler
      .on(ListSchedulesCommand)
      .resolvesOnce({
        Schedules: [summary('default', 'nightly', `${A}:cluster/jobs`)],
        NextToken: 't1',
      })
      .resolves({
        Schedules: [
          summary('team-a', 'ingest', 'arn:aws:scheduler:::aws-sdk:ecs:runTask'),
          // The stack's own schedules: their queue and the images function, no GetSchedule.
          summary('default', 'prod-backup', 'arn:aws:sqs:eu-west-1:123456789012:prod-schedules'),
          summary(
            'default',
            'prod-images',
            `arn:aws:lambda:eu-west-1:123456789012:function:prod-enforceImages`,
          ),
        ],
      });
    scheduler.on(GetScheduleCommand, { GroupName: 'default', Name: 'nightly' }).resolves({
      Target: {
        Arn: `${A}:cluster/jobs`,
        RoleArn: 'arn:aws:iam::123456789012:role/r',
        EcsParameters: { TaskDefinitionArn: `${A}:task-definition/report:7` },
      },
    });
    scheduler.on(GetScheduleCommand, { GroupName: 'team-a', Name: 'ingest' }).resolves({
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:ecs:runTask',
        RoleArn: 'arn:aws:iam::123456789012:role/r',
        Input: JSON.stringify({ Cluster: 'jobs', TaskDefinition: 'ingest' }),
      },
    });
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: `${A}:task-definition/report:7` }).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'report', image: 'reports:v7' }] },
    });
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: 'ingest' }).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'ingest', image: 'ingest@sha256:abc' }] },
    });

    const uses = await source().uses();

    expect(uses).toEqual([
      {
        image: 'reports:v7',
        reason:
          'started by EventBridge Scheduler schedule nightly in group default: report:7, container report',
      },
      {
        image: 'ingest@sha256:abc',
        reason:
          'started by EventBridge Scheduler schedule ingest in group team-a: ingest (its latest ACTIVE revision, as EventBridge runs it), container ingest',
      },
    ]);
    // Every group: no group filter on the listing; only the two ECS schedules were read.
    expect(scheduler.commandCalls(ListSchedulesCommand)[0]!.args[0].input.GroupName).toBeUndefined();
    expect(scheduler.commandCalls(GetScheduleCommand)).toHaveLength(2);
  });

  it('describes a task definition once however many schedules start it', async () => {
    scheduler.on(ListSchedulesCommand).resolves({
      Schedules: [summary('default', 'a', `${A}:cluster/jobs`), summary('default', 'b', `${A}:cluster/jobs`)],
    });
    scheduler.on(GetScheduleCommand).resolves({
      Target: { Arn: `${A}:cluster/jobs`, RoleArn: 'r', EcsParameters: { TaskDefinitionArn: 'report:7' } },
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'report', image: 'reports:v7' }] },
    });

    const uses = await source().uses();

    expect(uses.map((u) => u.reason)).toEqual([
      expect.stringContaining('schedule a in group default'),
      expect.stringContaining('schedule b in group default'),
    ]);
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
  });

  it('skips a schedule deleted between the listing and its GetSchedule (it starts nothing)', async () => {
    scheduler
      .on(ListSchedulesCommand)
      .resolves({ Schedules: [summary('default', 'gone', `${A}:cluster/jobs`)] });
    scheduler
      .on(GetScheduleCommand)
      .rejects(
        Object.assign(new Error('Schedule gone does not exist.'), { name: 'ResourceNotFoundException' }),
      );

    await expect(source().uses()).resolves.toEqual([]);
  });

  it.each([
    [
      'GetSchedule is denied',
      () =>
        scheduler
          .on(GetScheduleCommand)
          .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })),
      /denied/,
    ],
    [
      'an ECS target names no task definition',
      () => scheduler.on(GetScheduleCommand).resolves({ Target: { Arn: `${A}:cluster/jobs`, RoleArn: 'r' } }),
      /GetSchedule default\/nightly: an ECS target without a task definition/,
    ],
    [
      'the task definition cannot be described',
      () => {
        scheduler.on(GetScheduleCommand).resolves({
          Target: {
            Arn: `${A}:cluster/jobs`,
            RoleArn: 'r',
            EcsParameters: { TaskDefinitionArn: 'report:7' },
          },
        });
        ecs
          .on(DescribeTaskDefinitionCommand)
          .rejects(Object.assign(new Error('no such revision'), { name: 'ClientException' }));
      },
      /DescribeTaskDefinition report:7 .*no such revision/,
    ],
  ])('rejects the scan when %s, rather than protecting less', async (_what, arrange, message) => {
    scheduler
      .on(ListSchedulesCommand)
      .resolves({ Schedules: [summary('default', 'nightly', `${A}:cluster/jobs`)] });
    arrange();

    await expect(source().uses()).rejects.toThrow(message);
  });
});
