import { describe, expect, it } from 'vitest';
import {
  consoleBase,
  consoleFragment,
  logsConsoleUrl,
  logStreamName,
  taskConsoleUrl,
} from '../../../../shared/alerts/links';
import { essentialContainers, taskDefinitionInfo } from '../../../../shared/alerts/task-definition';

describe('Function: consoleBase', () => {
  it.each([
    ['aws', 'us-east-1', 'https://us-east-1.console.aws.amazon.com'],
    ['aws', 'eu-west-1', 'https://eu-west-1.console.aws.amazon.com'],
    ['aws', 'ap-southeast-2', 'https://ap-southeast-2.console.aws.amazon.com'],
    ['aws-cn', 'cn-north-1', 'https://console.amazonaws.cn'],
    ['aws-us-gov', 'us-gov-west-1', 'https://console.amazonaws-us-gov.com'],
  ])('is %s/%s → %s', (partition, region, expected) => {
    expect(consoleBase(partition, region)).toBe(expected);
  });

  it.each([
    ['aws-iso', 'us-iso-east-1'],
    ['aws', undefined],
    ['aws', 'not a region'],
    ['aws', 'evil.example.com/x'],
  ])('renders no link for partition %s and region %s', (partition, region) => {
    expect(consoleBase(partition, region)).toBeUndefined();
  });
});

describe('Function: taskConsoleUrl', () => {
  it('links the task page of the ECS console in the task region', () => {
    expect(taskConsoleUrl('aws', 'eu-west-1', 'prod', '6f4c')).toBe(
      'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/6f4c/configuration?region=eu-west-1',
    );
  });

  it('encodes names that are not URL-safe', () => {
    expect(taskConsoleUrl('aws', 'us-east-1', 'a b', 'x/y')).toContain('/clusters/a%20b/tasks/x%2Fy/');
  });
});

describe('Function: consoleFragment', () => {
  it('escapes the way the CloudWatch console does', () => {
    expect(consoleFragment('/ecs/web')).toBe('$252Fecs$252Fweb');
    expect(consoleFragment('ecs/app/6f4c')).toBe('ecs$252Fapp$252F6f4c');
    expect(consoleFragment('été 1')).toBe('$25C3$25A9t$25C3$25A9$25201');
  });
});

describe('Function: logStreamName', () => {
  const logs = { group: '/ecs/web', streamPrefix: 'ecs' };

  it('is prefix/container/task id with a stream prefix', () => {
    expect(logStreamName({ name: 'app', logs }, '6f4c', 'docker-id')).toBe('ecs/app/6f4c');
  });

  it('is the Docker id without a prefix, when the event reports it', () => {
    expect(logStreamName({ name: 'app', logs: { group: '/ecs/web' } }, '6f4c', 'docker-id')).toBe(
      'docker-id',
    );
    expect(logStreamName({ name: 'app', logs: { group: '/ecs/web' } }, '6f4c')).toBeUndefined();
  });

  it('is undefined without awslogs', () => {
    expect(logStreamName({ name: 'app' }, '6f4c')).toBeUndefined();
  });
});

describe('Function: logsConsoleUrl', () => {
  it('links the stream in the log region, else the group', () => {
    expect(logsConsoleUrl('aws', 'eu-central-1', '/ecs/web', 'ecs/app/6f4c')).toBe(
      'https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/ecs$252Fapp$252F6f4c',
    );
    expect(logsConsoleUrl('aws', 'eu-central-1', '/ecs/web', undefined)).toBe(
      'https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#logsV2:log-groups/log-group/$252Fecs$252Fweb',
    );
  });
});

describe('Function: taskDefinitionInfo', () => {
  const response = {
    taskDefinition: {
      family: 'web',
      containerDefinitions: [
        {
          name: 'app',
          essential: true,
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/web',
              'awslogs-region': 'eu-west-1',
              'awslogs-stream-prefix': 'ecs',
            },
          },
        },
        { name: 'log-router', essential: false, logConfiguration: { logDriver: 'awsfirelens', options: {} } },
        { name: 'implicit' },
        {
          name: 'no-group',
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'eu-west-1' } },
        },
        'not a container',
        { essential: true },
      ],
    },
  };

  it('reads essential flags (true unless false) and awslogs settings', () => {
    expect(taskDefinitionInfo(response)).toEqual({
      containers: [
        {
          name: 'app',
          essential: true,
          logs: { group: '/ecs/web', region: 'eu-west-1', streamPrefix: 'ecs' },
        },
        { name: 'log-router', essential: false },
        { name: 'implicit', essential: true },
        { name: 'no-group', essential: true },
      ],
    });
  });

  it('accepts the task definition itself', () => {
    expect(taskDefinitionInfo(response.taskDefinition)?.containers).toHaveLength(4);
  });

  it.each([[undefined], [null], ['text'], [{}], [{ taskDefinition: { containerDefinitions: 'x' } }]])(
    'is undefined for %j',
    (raw) => {
      expect(taskDefinitionInfo(raw)).toBeUndefined();
    },
  );

  it('lists essential containers, or nothing known', () => {
    expect([...essentialContainers(taskDefinitionInfo(response))!]).toEqual(['app', 'implicit', 'no-group']);
    expect(essentialContainers(undefined)).toBeUndefined();
  });
});
