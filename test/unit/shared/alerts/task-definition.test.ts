import { describe, expect, it } from 'vitest';
import { essentialContainers, taskDefinitionInfo } from '../../../../shared/alerts/task-definition';

const awslogs = (options: Record<string, unknown>) => ({ logDriver: 'awslogs', options });

describe('Function: taskDefinitionInfo', () => {
  it('reads the containers of a DescribeTaskDefinition response and of a bare task definition alike', () => {
    // Prepare
    const definition = { family: 'web', containerDefinitions: [{ name: 'app' }, { name: 'sidecar' }] };

    // Act
    const fromResponse = taskDefinitionInfo({ taskDefinition: definition, tags: [] });
    const fromDefinition = taskDefinitionInfo(definition);

    // Assess
    const expected = {
      containers: [
        { name: 'app', essential: true },
        { name: 'sidecar', essential: true },
      ],
    };
    expect(fromResponse).toStrictEqual(expected);
    expect(fromDefinition).toStrictEqual(expected);
  });

  it.each([
    ['absent', undefined, true],
    ['true', true, true],
    ['false', false, false],
    // ECS only marks a container non-essential when `essential` is literally false.
    ['a string', 'false', true],
  ])('treats a container whose essential flag is %s as essential: %s', (_label, essential, expected) => {
    const info = taskDefinitionInfo({ containerDefinitions: [{ name: 'app', essential }] });

    expect(info?.containers).toStrictEqual([{ name: 'app', essential: expected }]);
  });

  it('reads the awslogs group, region and stream prefix', () => {
    const info = taskDefinitionInfo({
      containerDefinitions: [
        {
          name: 'app',
          logConfiguration: awslogs({
            'awslogs-group': '/ecs/web',
            'awslogs-region': 'eu-west-1',
            'awslogs-stream-prefix': 'ecs',
          }),
        },
      ],
    });

    expect(info?.containers[0]?.logs).toStrictEqual({
      group: '/ecs/web',
      region: 'eu-west-1',
      streamPrefix: 'ecs',
    });
  });

  it('leaves out an empty region and stream prefix instead of keeping empty strings', () => {
    const info = taskDefinitionInfo({
      containerDefinitions: [
        {
          name: 'app',
          logConfiguration: awslogs({
            'awslogs-group': '/ecs/web',
            'awslogs-region': '',
            'awslogs-stream-prefix': 42,
          }),
        },
      ],
    });

    expect(info?.containers[0]?.logs).toStrictEqual({ group: '/ecs/web' });
  });

  it.each([
    ['another log driver', { logDriver: 'awsfirelens', options: { 'awslogs-group': '/ecs/web' } }],
    ['awslogs without a group', awslogs({ 'awslogs-region': 'eu-west-1' })],
    ['awslogs with an empty group', awslogs({ 'awslogs-group': '' })],
    ['awslogs without options', { logDriver: 'awslogs' }],
    ['a logConfiguration that is not an object', 'awslogs'],
  ])('gives no log location for %s', (_label, logConfiguration) => {
    const info = taskDefinitionInfo({ containerDefinitions: [{ name: 'app', logConfiguration }] });

    expect(info?.containers).toStrictEqual([{ name: 'app', essential: true }]);
  });

  it('leaves out containers that cannot be read and keeps the others', () => {
    const info = taskDefinitionInfo({
      containerDefinitions: [
        null,
        'app',
        ['app'],
        { essential: true },
        { name: '' },
        { name: 7 },
        { name: 'web' },
      ],
    });

    expect(info).toStrictEqual({ containers: [{ name: 'web', essential: true }] });
  });

  it('gives an empty container list, not undefined, for a task definition with no containers', () => {
    expect(taskDefinitionInfo({ containerDefinitions: [] })).toStrictEqual({ containers: [] });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'web:3'],
    ['an array', [{ name: 'app' }]],
    ['an object without containerDefinitions', { family: 'web' }],
    ['containerDefinitions that are not a list', { containerDefinitions: { name: 'app' } }],
    ['a response whose taskDefinition has no containers', { taskDefinition: { family: 'web' } }],
  ])('is undefined for %s', (_label, raw) => {
    expect(taskDefinitionInfo(raw)).toBeUndefined();
  });
});

describe('Function: essentialContainers', () => {
  it('names the essential containers only', () => {
    // Prepare
    const info = taskDefinitionInfo({
      containerDefinitions: [
        { name: 'app' },
        { name: 'log-router', essential: false },
        { name: 'proxy', essential: true },
      ],
    });

    // Act
    const essential = essentialContainers(info);

    // Assess
    expect(essential).toStrictEqual(new Set(['app', 'proxy']));
  });

  it('is an empty set when no container is essential', () => {
    expect(essentialContainers({ containers: [{ name: 'app', essential: false }] })).toStrictEqual(new Set());
  });

  it('is undefined when the task definition is unknown, so callers can tell "none" from "unknown"', () => {
    expect(essentialContainers(undefined)).toBeUndefined();
  });
});
