import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ECSClient, ECSServiceException, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { TaskDefinitionReader } from '../../../../../shared/alerts/aws/task-definitions';

const TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/web:42';
const ecsMock = mockClient(ECSClient);

afterEach(() => {
  ecsMock.reset();
});

describe('Class: TaskDefinitionReader', () => {
  const response = {
    taskDefinition: {
      containerDefinitions: [
        {
          name: 'app',
          essential: true,
          logConfiguration: { logDriver: 'awslogs' as const, options: { 'awslogs-group': '/ecs/web' } },
        },
      ],
    },
  };

  it('reads essential flags and log settings, once per revision', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(response);
    const reader = new TaskDefinitionReader(new ECSClient({ region: 'eu-west-1' }));

    const first = await reader.describe(TASK_DEFINITION);
    const second = await reader.describe(TASK_DEFINITION);

    expect(first).toEqual({ containers: [{ name: 'app', essential: true, logs: { group: '/ecs/web' } }] });
    expect(second).toBe(first);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)[0]!.args[0].input).toEqual({
      taskDefinition: TASK_DEFINITION,
    });
  });

  it('does not cache a family without revision, which may move on', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(response);
    const reader = new TaskDefinitionReader(new ECSClient({ region: 'eu-west-1' }));

    await reader.describe('web');
    await reader.describe('web');

    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(2);
  });

  it('evicts the oldest entry beyond maxEntries', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(response);
    const reader = new TaskDefinitionReader(new ECSClient({ region: 'eu-west-1' }), { maxEntries: 2 });

    for (const revision of [1, 2, 3, 1]) await reader.describe(`web:${revision}`);

    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(4);
  });

  it('lets an ECS error through, and does not cache it', async () => {
    const error = new ECSServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'not allowed',
    });
    ecsMock.on(DescribeTaskDefinitionCommand).rejectsOnce(error).resolves(response);
    const reader = new TaskDefinitionReader(new ECSClient({ region: 'eu-west-1' }));

    await expect(reader.describe(TASK_DEFINITION)).rejects.toBe(error);
    expect(await reader.describe(TASK_DEFINITION)).toBeDefined();
  });

  it('returns undefined for a response without container definitions', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({});
    const reader = new TaskDefinitionReader(new ECSClient({ region: 'eu-west-1' }));

    expect(await reader.describe(TASK_DEFINITION)).toBeUndefined();
  });
});
