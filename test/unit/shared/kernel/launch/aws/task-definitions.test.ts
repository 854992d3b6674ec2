import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ClientException,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  ServerException,
} from '@aws-sdk/client-ecs';
import {
  DerivedTaskDefinitions,
  FAMILY_TTL_MS,
} from '../../../../../../shared/kernel/launch/aws/task-definitions.js';
import type { SecretsPlan } from '../../../../../../shared/kernel/launch/derive.js';
import { PermanentError, RetryableError } from '../../../../../../shared/kernel/errors.js';

const ecsMock = mockClient(ECSClient);
const ARN = (family: string, revision: number) =>
  `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:${revision}`;
const plan: SecretsPlan = {
  container: 'worker',
  secrets: [{ name: 'DB_PASSWORD', valueFrom: '/prod/db' }],
  executionRole: 'app-execution',
};
const described = (image = 'worker:1', revision = 7) => ({
  taskDefinition: {
    taskDefinitionArn: ARN('thumbnailer', revision),
    family: 'thumbnailer',
    revision,
    status: 'ACTIVE' as const,
    executionRoleArn: 'arn:aws:iam::123456789012:role/app-execution',
    containerDefinitions: [{ name: 'worker', image, memory: 512 }],
  },
});
const derivedFamily = () => {
  const call = ecsMock.commandCalls(ListTaskDefinitionsCommand)[0];
  return call!.args[0].input.familyPrefix!;
};

describe('Class: DerivedTaskDefinitions', () => {
  afterEach(() => ecsMock.reset());
  const resolver = (now = () => 0) =>
    new DerivedTaskDefinitions(new ECSClient({ region: 'eu-west-1' }), { stack: 'ecs-pilot-prod', now });

  it('registers the derived definition once, tagged with the stack and its base, when its family has no revision', async () => {
    // Prepare
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(described());
    // Listing right after registering may not show the new revision yet (eventual consistency).
    ecsMock.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    ecsMock.on(RegisterTaskDefinitionCommand).callsFake((input: { family: string }) => ({
      taskDefinition: { taskDefinitionArn: ARN(input.family, 1) },
    }));

    // Act
    const arn = await resolver().resolve('thumbnailer:7', plan);

    // Assess
    const family = derivedFamily();
    expect(family).toMatch(/^thumbnailer-ecs-pilot-[0-9a-f]{16}$/);
    expect(arn).toBe(ARN(family, 1));
    const register = ecsMock.commandCalls(RegisterTaskDefinitionCommand);
    expect(register).toHaveLength(1);
    expect(register[0]!.args[0].input).toMatchObject({
      family,
      executionRoleArn: 'arn:aws:iam::123456789012:role/app-execution',
      containerDefinitions: [{ name: 'worker', secrets: [{ name: 'DB_PASSWORD', valueFrom: '/prod/db' }] }],
      tags: [
        { key: 'ecs-pilot:stack', value: 'ecs-pilot-prod' },
        { key: 'ecs-pilot:derived-from', value: ARN('thumbnailer', 7) },
      ],
    });
    expect(ecsMock.commandCalls(ListTaskDefinitionsCommand)[0]!.args[0].input).toMatchObject({
      status: 'ACTIVE',
      sort: 'ASC',
    });
  });

  it('runs the existing lowest ACTIVE revision and registers nothing', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(described());
    ecsMock.on(ListTaskDefinitionsCommand).callsFake((input: { familyPrefix: string }) => ({
      taskDefinitionArns: [
        ARN(input.familyPrefix, 4),
        ARN(input.familyPrefix, 2),
        ARN(`${input.familyPrefix}x`, 1),
      ],
    }));

    const arn = await resolver().resolve('thumbnailer:7', plan);

    expect(arn).toBe(ARN(derivedFamily(), 2));
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });

  it('settles on the lowest revision when another instance registered the same definition first', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(described());
    ecsMock
      .on(ListTaskDefinitionsCommand)
      .resolvesOnce({ taskDefinitionArns: [] })
      .callsFake((input: { familyPrefix: string }) => ({
        taskDefinitionArns: [ARN(input.familyPrefix, 1), ARN(input.familyPrefix, 2)],
      }));
    ecsMock.on(RegisterTaskDefinitionCommand).callsFake((input: { family: string }) => ({
      taskDefinition: { taskDefinitionArn: ARN(input.family, 2) },
    }));

    const arn = await resolver().resolve('thumbnailer:7', plan);

    expect(arn).toBe(ARN(derivedFamily(), 1));
  });

  it('makes no call for a revision it resolved before in this container', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(described());
    ecsMock.on(ListTaskDefinitionsCommand).callsFake((input: { familyPrefix: string }) => ({
      taskDefinitionArns: [ARN(input.familyPrefix, 1)],
    }));
    const derived = resolver();

    const first = await derived.resolve('thumbnailer:7', plan);
    const second = await derived.resolve('thumbnailer:7', plan);

    expect(second).toBe(first);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(ListTaskDefinitionsCommand)).toHaveLength(1);
  });

  it('describes a bare family again after a minute, and follows its new revision to a new derived family', async () => {
    let now = 0;
    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .resolvesOnce(described('worker:1', 7))
      .resolves(described('worker:2', 8));
    ecsMock.on(ListTaskDefinitionsCommand).callsFake((input: { familyPrefix: string }) => ({
      taskDefinitionArns: [ARN(input.familyPrefix, 1)],
    }));
    const derived = resolver(() => now);

    const first = await derived.resolve('thumbnailer', plan);
    now = FAMILY_TTL_MS - 1;
    const withinMinute = await derived.resolve('thumbnailer', plan);
    now = FAMILY_TTL_MS;
    const after = await derived.resolve('thumbnailer', plan);

    expect(withinMinute).toBe(first);
    expect(after).not.toBe(first);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(2);
  });

  it('registers once for launches of one batch that resolve the same definition at the same time', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(described());
    ecsMock.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    ecsMock.on(RegisterTaskDefinitionCommand).callsFake((input: { family: string }) => ({
      taskDefinition: { taskDefinitionArn: ARN(input.family, 1) },
    }));
    const derived = resolver();

    const arns = await Promise.all([1, 2, 3].map(() => derived.resolve('thumbnailer:7', plan)));

    expect(new Set(arns).size).toBe(1);
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
  });

  it('tries again on the next launch after a lookup failed', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(described());
    ecsMock
      .on(ListTaskDefinitionsCommand)
      .rejectsOnce(new ServerException({ message: 'internal', $metadata: {} }))
      .callsFake((input: { familyPrefix: string }) => ({ taskDefinitionArns: [ARN(input.familyPrefix, 1)] }));
    const derived = resolver();

    await expect(derived.resolve('thumbnailer:7', plan)).rejects.toBeInstanceOf(RetryableError);
    await expect(derived.resolve('thumbnailer:7', plan)).resolves.toMatch(/-ecs-pilot-[0-9a-f]{16}:1$/);
  });

  it('fails permanently when ECS refuses the definition, and retryably on a server error', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(described());
    ecsMock.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    ecsMock
      .on(RegisterTaskDefinitionCommand)
      .rejectsOnce(new ClientException({ message: 'Invalid secret', $metadata: {} }))
      .rejects(new ServerException({ message: 'internal', $metadata: {} }));

    await expect(resolver().resolve('thumbnailer:7', plan)).rejects.toBeInstanceOf(PermanentError);
    await expect(resolver().resolve('thumbnailer:7', plan)).rejects.toBeInstanceOf(RetryableError);
  });

  it('fails permanently, registering nothing, when the base runs with another execution role', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(described());

    await expect(resolver().resolve('thumbnailer:7', { ...plan, executionRole: 'other' })).rejects.toThrow(
      PermanentError,
    );
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(ecsMock.commandCalls(ListTaskDefinitionsCommand)).toHaveLength(0);
  });
});
