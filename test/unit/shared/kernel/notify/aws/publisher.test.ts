import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeTaskDefinitionCommand, ECSClient, ECSServiceException } from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { PermanentError, RetryableError } from '../../../../../../shared/kernel/errors';
import {
  classifySnsError,
  SnsAlertPublisher,
  TaskDefinitionReader,
} from '../../../../../../shared/kernel/notify/aws/publisher';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:ecs-pilot-test-alerts';
const TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/web:42';
const snsMock = mockClient(SNSClient);
const ecsMock = mockClient(ECSClient);

const snsError = (name: string) =>
  new SNSServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `${name} happened`,
  });

afterEach(() => {
  snsMock.reset();
  ecsMock.reset();
});

describe('Class: SnsAlertPublisher', () => {
  const publisher = new SnsAlertPublisher(new SNSClient({ region: 'eu-west-1' }), TOPIC);
  const alert = {
    subject: 'ECS service web in prod: app exited 137 (out of memory)',
    body: 'ECS service web in cluster prod: app exited 137 (out of memory).\n…',
    attributes: { cluster: 'prod', service: 'café', exitCode: '137', kind: 'container-failed' },
  };

  it('publishes subject, body and filterable attributes to the topic, the exit code as a Number', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });

    const id = await publisher.publish(alert);

    expect(id).toBe('m-1');
    expect(snsMock.commandCalls(PublishCommand)[0]!.args[0].input).toEqual({
      TopicArn: TOPIC,
      Subject: alert.subject,
      Message: alert.body,
      MessageAttributes: {
        cluster: { DataType: 'String', StringValue: 'prod' },
        service: { DataType: 'String', StringValue: 'café' },
        exitCode: { DataType: 'Number', StringValue: '137' },
        kind: { DataType: 'String', StringValue: 'container-failed' },
      },
    });
  });

  it.each([
    'AuthorizationErrorException',
    'InvalidParameterException',
    'NotFoundException',
    'KMSAccessDeniedException',
    'KMSDisabledException',
    'KMSNotFoundException',
  ])('fails permanently on %s (retrying cannot fix it)', async (name) => {
    snsMock.on(PublishCommand).rejects(snsError(name));

    const error = await publisher.publish(alert).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toBe(`SNS Publish: ${name}: ${name} happened`);
  });

  it.each([
    'ThrottledException',
    'InternalErrorException',
    'KMSThrottlingException',
    'TimeoutError',
    'ECONNRESET',
  ])('fails retryably on %s', async (name) => {
    snsMock.on(PublishCommand).rejects(snsError(name));

    expect(await publisher.publish(alert).catch((e: unknown) => e)).toBeInstanceOf(RetryableError);
  });

  it('keeps errors that are already classified', () => {
    const error = new RetryableError('x');

    expect(classifySnsError(error)).toBe(error);
    expect(classifySnsError('a string')).toBeInstanceOf(RetryableError);
  });
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
