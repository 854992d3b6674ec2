import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../../shared/kernel/errors';
import {
  deriveRegistration,
  MAX_FAMILY_LENGTH,
  MAX_TASK_DEFINITION_BYTES,
  revisionToRun,
  type BaseTaskDefinition,
  type SecretsPlan,
} from '../../../../../shared/kernel/launch/derive';

const BASE_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/thumbnailer:7';
const base = (overrides: Partial<BaseTaskDefinition> = {}): BaseTaskDefinition => ({
  taskDefinitionArn: BASE_ARN,
  family: 'thumbnailer',
  revision: 7,
  status: 'ACTIVE',
  requiresAttributes: [{ name: 'ecs.capability.execution-role-awslogs' }],
  compatibilities: ['EC2', 'FARGATE'],
  registeredAt: new Date('2026-12-01T00:00:00Z'),
  registeredBy: 'arn:aws:iam::123456789012:user/deployer',
  requiresCompatibilities: ['FARGATE'],
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  executionRoleArn: 'arn:aws:iam::123456789012:role/app-execution',
  taskRoleArn: 'arn:aws:iam::123456789012:role/app-task',
  containerDefinitions: [
    {
      name: 'worker',
      image: 'worker:1',
      environment: [
        { name: 'MODE', value: 'batch' },
        { name: 'DB_PASSWORD', value: 'leaked' },
      ],
      secrets: [
        { name: 'DB_PASSWORD', valueFrom: '/old/password' },
        { name: 'KEPT', valueFrom: '/kept' },
      ],
    },
    { name: 'sidecar', image: 'sidecar:1' },
  ],
  ...overrides,
});
const plan: SecretsPlan = {
  container: 'worker',
  secrets: [
    { name: 'API_TOKEN', valueFrom: '/prod/api' },
    { name: 'DB_PASSWORD', valueFrom: '/prod/db' },
  ],
  executionRole: 'app-execution',
};

describe('Function: deriveRegistration', () => {
  it("adds the secrets to the spec's container, replacing its own of the same name and the environment entry that would shadow them", () => {
    const { definition } = deriveRegistration(base(), plan);

    const [worker, sidecar] = definition.containerDefinitions as Record<string, unknown>[];
    expect(worker!.secrets).toEqual([
      { name: 'API_TOKEN', valueFrom: '/prod/api' },
      { name: 'DB_PASSWORD', valueFrom: '/prod/db' },
      { name: 'KEPT', valueFrom: '/kept' },
    ]);
    expect(worker!.environment).toEqual([{ name: 'MODE', value: 'batch' }]);
    expect(sidecar).toEqual({ name: 'sidecar', image: 'sidecar:1' });
  });

  it('keeps what RegisterTaskDefinition takes and drops what only DescribeTaskDefinition returns', () => {
    const { definition, baseArn } = deriveRegistration(base(), plan);

    expect(Object.keys(definition).sort()).toEqual([
      'containerDefinitions',
      'cpu',
      'executionRoleArn',
      'memory',
      'networkMode',
      'requiresCompatibilities',
      'taskRoleArn',
    ]);
    expect(baseArn).toBe(BASE_ARN);
  });

  it('names the family after the base and a hash of the whole definition: same definition, same family', () => {
    const first = deriveRegistration(base(), plan);
    const again = deriveRegistration(base({ registeredAt: new Date() }), {
      ...plan,
      secrets: [...plan.secrets],
    });
    const otherImage = deriveRegistration(
      base({ containerDefinitions: [{ name: 'worker', image: 'worker:2' }] }),
      plan,
    );
    const otherSecret = deriveRegistration(base(), {
      ...plan,
      secrets: [{ name: 'API_TOKEN', valueFrom: '/prod/api-v2' }],
    });

    expect(first.family).toMatch(/^thumbnailer-ecs-pilot-[0-9a-f]{16}$/);
    expect(again.family).toBe(first.family);
    expect(otherImage.family).not.toBe(first.family);
    expect(otherSecret.family).not.toBe(first.family);
  });

  it('hashes the same whatever order the description lists its fields in', () => {
    const reordered = Object.fromEntries(Object.entries(base()).reverse()) as BaseTaskDefinition;

    expect(deriveRegistration(reordered, plan).family).toBe(deriveRegistration(base(), plan).family);
  });

  it('keeps the family within ECS’s 255 characters for a base family at the limit', () => {
    const long = 'f'.repeat(255);
    const { family } = deriveRegistration(base({ family: long }), plan);

    expect(family.length).toBe(MAX_FAMILY_LENGTH);
    expect(family).toMatch(/-ecs-pilot-[0-9a-f]{16}$/);
  });

  it('gives a base without an execution role the configured one, in the partition and account of the task definition', () => {
    const { definition } = deriveRegistration(
      base({
        executionRoleArn: undefined,
        taskDefinitionArn: 'arn:aws-cn:ecs:cn-north-1:210987654321:task-definition/t:1',
      }),
      plan,
    );

    expect(definition.executionRoleArn).toBe('arn:aws-cn:iam::210987654321:role/app-execution');
  });

  it('refuses a base that runs with another execution role than the one granted the secrets', () => {
    expect(() => deriveRegistration(base(), { ...plan, executionRole: 'other-role' })).toThrow(
      PermanentError,
    );
    expect(() => deriveRegistration(base(), { ...plan, executionRole: 'other-role' })).toThrow(
      /runs with execution role arn:aws:iam::123456789012:role\/app-execution, but the stack grants secret access to roles.execution other-role/,
    );
  });

  it('accepts the execution role given as an ARN with a path', () => {
    expect(() =>
      deriveRegistration(base({ executionRoleArn: 'arn:aws:iam::123456789012:role/team/app-execution' }), {
        ...plan,
        executionRole: 'arn:aws:iam::123456789012:role/team/app-execution',
      }),
    ).not.toThrow();
  });

  it('refuses, before any registration, secrets that push the container definitions past ECS’s 64 KiB', () => {
    // Prepare: a base whose container definitions are a few bytes under 64 KiB, as ECS accepted it.
    const padded = (bytes: number) => {
      const definition = base({
        containerDefinitions: [{ name: 'worker', image: 'worker:1', command: [''] }],
      });
      const size = new TextEncoder().encode(JSON.stringify(definition.containerDefinitions)).length;
      // Two-byte characters, so the check counts UTF-8 bytes, not UTF-16 units.
      const filler = 'é'.repeat(Math.floor((bytes - size) / 2));
      return base({ containerDefinitions: [{ name: 'worker', image: 'worker:1', command: [filler] }] });
    };
    const oneSecret = { ...plan, secrets: [{ name: 'A', valueFrom: '/a' }] };
    const added = new TextEncoder().encode(',"secrets":[{"name":"A","valueFrom":"/a"}]').length;

    // Act / Assess: just fits with the secret; one more two-byte character does not.
    expect(() => deriveRegistration(padded(MAX_TASK_DEFINITION_BYTES - added), oneSecret)).not.toThrow();
    const over = () => deriveRegistration(padded(MAX_TASK_DEFINITION_BYTES - added + 2), oneSecret);
    expect(over).toThrow(PermanentError);
    expect(over).toThrow(/over ECS's task definition size of 65536 bytes \(64 KiB\); nothing is registered/);
  });

  it('refuses a base without the spec’s container, naming the containers it has', () => {
    expect(() => deriveRegistration(base(), { ...plan, container: 'web' })).toThrow(
      /container web is not in task definition .*thumbnailer:7 \(it has worker, sidecar\)/,
    );
  });
});

describe('Function: revisionToRun', () => {
  const arn = (family: string, revision: number) =>
    `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:${revision}`;

  it('runs the lowest revision of the family, so concurrent registrations settle on one', () => {
    expect(revisionToRun('f-ecs-pilot-1', [arn('f-ecs-pilot-1', 3), arn('f-ecs-pilot-1', 2)])).toBe(
      arn('f-ecs-pilot-1', 2),
    );
  });

  it('ignores families that only share the prefix, and says none when the family has no revision', () => {
    expect(revisionToRun('f-ecs-pilot-1', [arn('f-ecs-pilot-10', 1)])).toBeUndefined();
    expect(revisionToRun('f-ecs-pilot-1', [])).toBeUndefined();
  });
});
