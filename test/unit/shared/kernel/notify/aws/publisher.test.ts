import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { PermanentError, RetryableError } from '../../../../../../shared/kernel/errors';
import { classifySnsError, SnsAlertPublisher } from '../../../../../../shared/kernel/notify/aws/publisher';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:ecs-pilot-test-alerts';
const snsMock = mockClient(SNSClient);

const snsError = (name: string) =>
  new SNSServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `${name} happened`,
  });

afterEach(() => {
  snsMock.reset();
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

  it('sends a subject SNS accepts (printable ASCII, one line, at most 99) and sanitised, at most 10 attributes, whatever it was given', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const extra = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`a${i}`, `v${i}`]));

    // Act
    await publisher.publish({
      subject: `stopped:\n été\u0000 \ud800 ${'x'.repeat(150)}`,
      body: 'body',
      attributes: { cluster: 'media\u0000\u001b', ...extra },
    });

    // Assess
    const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.Subject).toMatch(/^[\x20-\x7E]{1,99}$/);
    expect(input?.Subject?.startsWith('stopped: ete')).toBe(true);
    expect(Object.keys(input?.MessageAttributes ?? {})).toHaveLength(10);
    expect(input?.MessageAttributes?.cluster).toEqual({
      DataType: 'String',
      StringValue: 'media\ufffd\ufffd',
    });
  });

  it('keeps errors that are already classified', () => {
    const error = new RetryableError('x');

    expect(classifySnsError(error)).toBe(error);
    expect(classifySnsError('a string')).toBeInstanceOf(RetryableError);
  });
});
