import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeClient, ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { EventRuleTargetsSource } from '../../../../../shared/images/aws/scheduled';

const events = mockClient(EventBridgeClient);
const ecs = mockClient(ECSClient);
const A = 'arn:aws:ecs:eu-west-1:123456789012';
const source = (buses = ['default']) =>
  new EventRuleTargetsSource(
    new EventBridgeClient({ region: 'eu-west-1' }),
    new ECSClient({ region: 'eu-west-1' }),
    {
      buses,
    },
  );

afterEach(() => {
  events.reset();
  ecs.reset();
});

describe('Adapter: EventRuleTargetsSource', () => {
  it('reports the images of a pinned revision as given and of a family as its latest ACTIVE revision, across pages', async () => {
    events.on(ListRulesCommand).resolvesOnce({ Rules: [{ Name: 'nightly' }], NextToken: 't1' });
    events
      .on(ListRulesCommand, { NextToken: 't1' })
      .resolves({ Rules: [{ Name: 'on-upload' }, { Name: 'to-sqs' }] });
    events.on(ListTargetsByRuleCommand, { Rule: 'nightly' }).resolves({
      Targets: [
        {
          Id: '1',
          Arn: `${A}:cluster/jobs`,
          EcsParameters: { TaskDefinitionArn: `${A}:task-definition/report:7` },
        },
      ],
    });
    events.on(ListTargetsByRuleCommand, { Rule: 'on-upload' }).resolves({
      Targets: [
        {
          Id: '1',
          Arn: `${A}:cluster/jobs`,
          EcsParameters: { TaskDefinitionArn: `${A}:task-definition/ingest` },
        },
      ],
    });
    events.on(ListTargetsByRuleCommand, { Rule: 'to-sqs' }).resolves({
      Targets: [{ Id: '1', Arn: 'arn:aws:sqs:eu-west-1:123456789012:q' }],
    });
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: `${A}:task-definition/report:7` }).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'report', image: 'reports:v7' }] },
    });
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: `${A}:task-definition/ingest` }).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'ingest', image: 'ingest@sha256:abc' }] },
    });

    const uses = await source().uses();

    expect(uses).toEqual([
      {
        image: 'reports:v7',
        reason: 'started by EventBridge rule nightly on bus default: report:7, container report',
      },
      {
        image: 'ingest@sha256:abc',
        reason:
          'started by EventBridge rule on-upload on bus default: ingest (its latest ACTIVE revision, as EventBridge runs it), container ingest',
      },
    ]);
    expect(events.commandCalls(ListTargetsByRuleCommand)).toHaveLength(3);
  });

  it('reads the rules of every configured bus', async () => {
    events.on(ListRulesCommand).resolves({ Rules: [] });

    await source(['default', 'jobs']).uses();

    expect(events.commandCalls(ListRulesCommand).map((c) => c.args[0].input.EventBusName)).toEqual([
      'default',
      'jobs',
    ]);
  });

  it('rejects the scan when a target task definition cannot be described, rather than protecting less', async () => {
    events.on(ListRulesCommand).resolves({ Rules: [{ Name: 'nightly' }] });
    events.on(ListTargetsByRuleCommand).resolves({
      Targets: [
        {
          Id: '1',
          Arn: `${A}:cluster/jobs`,
          EcsParameters: { TaskDefinitionArn: `${A}:task-definition/report:7` },
        },
      ],
    });
    ecs
      .on(DescribeTaskDefinitionCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(source().uses()).rejects.toThrow(/DescribeTaskDefinition .*report:7.*denied/);
  });
});
