import { describe, expect, it } from 'vitest';
import {
  ecsTargetKind,
  ruleTarget,
  scheduledTaskDefinitions,
  scheduleTarget,
  universalTaskDefinition,
} from '../../../../../shared/images/sources/scheduled';

const A = 'arn:aws:ecs:eu-west-1:123456789012';

describe('Function: scheduledTaskDefinitions', () => {
  it('names a pinned revision as given and a family as its latest ACTIVE revision, saying who starts it', () => {
    expect(
      scheduledTaskDefinitions([
        ruleTarget('default', 'nightly', `${A}:task-definition/report:7`),
        scheduleTarget('jobs', 'weekly', `${A}:task-definition/ingest`),
      ]),
    ).toEqual([
      {
        taskDefinition: `${A}:task-definition/report:7`,
        reason: 'started by EventBridge rule nightly on bus default: report:7',
      },
      {
        taskDefinition: `${A}:task-definition/ingest`,
        reason:
          'started by EventBridge Scheduler schedule weekly in group jobs: ingest (its latest ACTIVE revision, as EventBridge runs it)',
      },
    ]);
  });
});

describe('Function: ecsTargetKind', () => {
  it.each([
    [`${A}:cluster/jobs`, 'templated'],
    ['arn:aws-cn:ecs:cn-north-1:123456789012:cluster/jobs', 'templated'],
    ['arn:aws:scheduler:::aws-sdk:ecs:runTask', 'universal'],
    ['arn:aws:scheduler:::aws-sdk:ecs:startTask', 'universal'],
    // The stack's own schedules: its queue and its images function.
    ['arn:aws:sqs:eu-west-1:123456789012:prod-schedules', undefined],
    ['arn:aws:lambda:eu-west-1:123456789012:function:prod-enforceImages', undefined],
    ['arn:aws:scheduler:::aws-sdk:ecs:stopTask', undefined],
    ['arn:aws:scheduler:::aws-sdk:sqs:sendMessage', undefined],
    [undefined, undefined],
  ])('%s → %s', (arn, kind) => {
    expect(ecsTargetKind(arn)).toBe(kind);
  });
});

describe('Function: universalTaskDefinition', () => {
  it.each([
    ['{"Cluster":"jobs","TaskDefinition":"report:7"}', 'report:7'],
    ['{"cluster":"jobs","taskDefinition":"report"}', 'report'],
  ])('reads the task definition from %s', (input, expected) => {
    expect(universalTaskDefinition('default/nightly', input)).toBe(expected);
  });

  it.each([
    ['not json', /not JSON/],
    [undefined, /not JSON/],
    ['{"Cluster":"jobs"}', /names no TaskDefinition/],
    ['{"TaskDefinition":7}', /names no TaskDefinition/],
    ['["report:7"]', /names no TaskDefinition/],
    ['null', /names no TaskDefinition/],
  ])('fails on %s rather than protect less, naming the schedule', (input, message) => {
    expect(() => universalTaskDefinition('default/nightly', input)).toThrow(message);
    expect(() => universalTaskDefinition('default/nightly', input)).toThrow(/default\/nightly/);
  });
});
