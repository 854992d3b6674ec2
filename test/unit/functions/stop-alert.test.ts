import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coldStarts } from '../../helpers/cold-start';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeTaskDefinitionCommand, ECSClient, ECSServiceException } from '@aws-sdk/client-ecs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { fakeContext, sqsEvent, sqsRecord } from '../../helpers/events.js';
import { useFakeAlertsTable } from '../shared/alerts/fake-alerts-table.js';
import { stoppedEvent } from '../shared/alerts/fixtures.js';
import fc from 'fast-check';
import { fuzz, mutatedEvent } from '../../helpers/fuzz.js';
import { parseTaskStateChange } from '../../../shared/alerts/event.js';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/ecs-pilot-test-alerts';
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/ecs-pilot-test-alerts-dlq';
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:ecs-pilot-test-alerts';

/** The deployed config: alerts with noise control at 2 per 15 min; 3 attempts, 1 s base backoff. */
const CONFIG = {
  region: 'eu-west-1',
  delivery: { maxAttempts: 3, retryBaseSeconds: 1 },
  alerts: { emails: ['oncall@example.com'], noise: { maxPerWindow: 2, windowMinutes: 15 } },
};

const ENV = {
  ALERTS_TABLE: 'ecs-pilot-test-alerts-state',
  ALERTS_QUEUE_URL: QUEUE_URL,
  ALERTS_DLQ_URL: DLQ_URL,
  ALERTS_TOPIC_ARN: TOPIC,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_LAMBDA_FUNCTION_NAME: 'ecs-pilot-test-stopAlert',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

const snsMock = mockClient(SNSClient);
const sqsMock = mockClient(SQSClient);
const ecsMock = mockClient(ECSClient);
const dynamoMock = mockClient(DynamoDBClient);

const snsError = (name: string) =>
  new SNSServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `${name}!`,
  });

const attributesOf = (input: { MessageAttributes?: Record<string, { StringValue?: string }> } | undefined) =>
  Object.fromEntries(Object.entries(input?.MessageAttributes ?? {}).map(([n, v]) => [n, v.StringValue]));

const cold = coldStarts({
  config: CONFIG,
  env: ENV,
  load: async () => ((await import('../../../functions/stop-alert.js')) as { handler: Handler }).handler,
});

/** A cold start with `config` as the deployed config (default CONFIG). */
const coldStart = (config: unknown = CONFIG, overrides: Record<string, string | undefined> = {}) =>
  cold.coldStart({ ECS_PILOT_CONFIG_FILE: cold.writeConfig('config.json', config), ...overrides });

afterEach(() => {
  snsMock.reset();
  sqsMock.reset();
  ecsMock.reset();
  dynamoMock.reset();
});

describe('Handler: stop-alert', () => {
  let handler: Handler;

  beforeAll(async () => {
    handler = await coldStart();
  });

  beforeEach(() => {
    useFakeAlertsTable(dynamoMock);
    sqsMock.resolves({});
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        containerDefinitions: [
          {
            name: 'app',
            essential: true,
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs' },
            },
          },
        ],
      },
    });
    let n = 0;
    snsMock.on(PublishCommand).callsFake(async () => ({ MessageId: `m-${++n}` }));
  });

  it('alerts on the failures of the shipped SQS batch once each and acks everything', async () => {
    // Prepare
    const event = JSON.parse(readFileSync('events/alerts-sqs-batch.json', 'utf8')) as SQSEvent;

    // Act
    const response = await handler(event, fakeContext());

    // Assess: the OOM and the pull failure alert; the scale-in is ignored; the redelivered OOM is a duplicate.
    expect(response).toEqual({ batchItemFailures: [] });
    const published = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published.map((p) => p.Subject)).toEqual([
      'ECS service web in prod: app exited 137 (out of memory)',
      'ECS service web in prod: failed to start (CannotPullContainerError)',
    ]);
    expect(published[0]).toMatchObject({ TopicArn: TOPIC });
    expect(published[0]!.Message).toContain(
      'Logs: app        https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/ecs$252Fapp$252F6f4c1a2b3d4e4f5a8b9c0d1e2f3a4b5c',
    );
    expect(published[0]!.MessageAttributes?.exitCode).toEqual({ DataType: 'Number', StringValue: '137' });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('retries a throttled publish with backoff and sends the alert on the next attempt', async () => {
    snsMock.on(PublishCommand).rejectsOnce(snsError('ThrottledException')).resolves({ MessageId: 'm-1' });
    const record = sqsRecord(stoppedEvent({ taskId: 'retried' }), { messageId: 'r1', receiptHandle: 'h1' });

    const first = await handler(sqsEvent(record), fakeContext());
    const second = await handler(
      sqsEvent({ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }),
      fakeContext(),
    );

    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'r1' }] });
    const delay = sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]!.args[0].input;
    expect(delay).toMatchObject({ QueueUrl: QUEUE_URL, ReceiptHandle: 'h1' });
    expect(delay.VisibilityTimeout).toBeGreaterThanOrEqual(1);
    expect(second).toEqual({ batchItemFailures: [] });
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(2);
  });

  it('dead-letters with the reason and the task after maxAttempts failed publishes', async () => {
    snsMock.on(PublishCommand).rejects(snsError('InternalErrorException'));
    const event = stoppedEvent({ taskId: 'doomed' });

    const response = await handler(
      sqsEvent(sqsRecord(event, { messageId: 'd1', receiveCount: 3 })),
      fakeContext(),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    const dead = sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(dead).toMatchObject({ QueueUrl: DLQ_URL, MessageBody: JSON.stringify(event) });
    expect(attributesOf(dead)).toMatchObject({
      'ecs-pilot-reason':
        'gave up after 3 attempts; last error: SNS Publish: InternalErrorException: InternalErrorException!',
      'ecs-pilot-attempts': '3',
      'ecs-pilot-cluster': 'prod',
      'ecs-pilot-task-arn': 'arn:aws:ecs:eu-west-1:111122223333:task/prod/doomed',
      'ecs-pilot-stop-code': 'EssentialContainerExited',
    });
  });

  it('dead-letters at once when SNS refuses for good (permissions, missing topic)', async () => {
    snsMock.on(PublishCommand).rejects(snsError('AuthorizationErrorException'));

    const response = await handler(
      sqsEvent(sqsRecord(stoppedEvent({ taskId: 'denied' }), { messageId: 'p1' })),
      fakeContext(),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(attributesOf(sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input)['ecs-pilot-reason']).toBe(
      'permanent failure: SNS Publish: AuthorizationErrorException: AuthorizationErrorException!',
    );
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('dead-letters a malformed record without touching its neighbours or SNS', async () => {
    const response = await handler(
      sqsEvent(
        sqsRecord('{"source": "aws.ecs", ', { messageId: 'bad' }),
        sqsRecord(stoppedEvent({ taskId: 'fine' }), { messageId: 'good' }),
      ),
      fakeContext(),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    const sent = sqsMock.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(attributesOf(sent[0]!.args[0].input)['ecs-pilot-reason']).toMatch(
      /^permanent failure: message body is not JSON/,
    );
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('still alerts, without log links, when the task definition cannot be read', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).rejects(
      new ECSServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: {},
        message: 'no',
      }),
    );

    // A revision not read before (revisions are cached for the life of the container).
    await handler(sqsEvent(sqsRecord(stoppedEvent({ taskId: 'no-taskdef', revision: 99 }))), fakeContext());

    const message = snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Message!;
    expect(message).toContain('(no log links: the task definition was not available)');
  });

  it('groups a crash loop: 2 alerts, 1 summary, then silence, even when a publish had to be retried', async () => {
    snsMock
      .on(PublishCommand)
      .rejectsOnce(snsError('ThrottledException'))
      .callsFake(async () => ({ MessageId: 'm' }));
    const records = [1, 2, 3, 4].map((n) =>
      sqsRecord(stoppedEvent({ service: 'loop', taskId: `loop${n}`, stoppedAt: `2026-11-21T09:3${n}:00Z` }), {
        messageId: `l${n}`,
      }),
    );

    const first = await handler(sqsEvent(...records), fakeContext());
    const retry = await handler(
      sqsEvent({ ...records[0]!, attributes: { ...records[0]!.attributes, ApproximateReceiveCount: '2' } }),
      fakeContext(),
    );

    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'l1' }] });
    expect(retry).toEqual({ batchItemFailures: [] });
    const subjects = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject);
    // l1 fails, l2 alerts, l3 summarises, l4 is muted; the retried l1 keeps its alert slot.
    expect(subjects).toEqual([
      'ECS service loop in prod: app exited 137 (out of memory)',
      'ECS service loop in prod: app exited 137 (out of memory)',
      'ECS service loop in prod: failing repeatedly (3 in 15 min), muted until 09:45 UTC',
      'ECS service loop in prod: app exited 137 (out of memory)',
    ]);
  });

  describe('cold start', () => {
    it.each([['ALERTS_TOPIC_ARN'], ['ALERTS_TABLE'], ['ALERTS_QUEUE_URL']])(
      'fails without %s',
      async (name) => {
        await expect(coldStart(CONFIG, { [name]: '' })).rejects.toThrow(`${name}: required`);
      },
    );

    it('fails when the config has no alerts section', async () => {
      // Another automation is configured, so the config itself is deployable; this function is not.
      const scalers = [
        { name: 'w', queue: 'q', cluster: 'c', service: 's', messagesPerTask: 1, min: 0, max: 1 },
      ];
      await expect(coldStart({ region: 'eu-west-1', scalers })).rejects.toThrow(
        'alerts: required by the stopAlert function',
      );
    });
  });
});

describe('Handler: stop-alert, fed hostile events (issue 18 fuzz)', () => {
  let handler: Handler;

  beforeAll(async () => {
    handler = await coldStart();
  });

  it(
    'sends no alert from an event that fails to parse, and dead-letters it with its reason',
    { timeout: 20_000 },
    async () => {
      const sample = stoppedEvent();
      await fc.assert(
        fc.asyncProperty(mutatedEvent(sample), async (event) => {
          snsMock.reset();
          sqsMock.reset();
          ecsMock.reset();
          dynamoMock.reset();
          useFakeAlertsTable(dynamoMock);
          sqsMock.resolves({});
          ecsMock
            .on(DescribeTaskDefinitionCommand)
            .resolves({ taskDefinition: { containerDefinitions: [] } });
          snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
          const body = JSON.stringify(event) ?? 'undefined';
          let parses = true;
          try {
            parseTaskStateChange(JSON.parse(body));
          } catch {
            parses = false;
          }

          const response = await handler(sqsEvent(sqsRecord(body, { messageId: 'fuzz' })), fakeContext());

          if (parses) return;
          expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
          expect(response.batchItemFailures).toEqual([]);
          const sent = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
          expect(sent).toHaveLength(1);
          expect(sent[0]).toMatchObject({ QueueUrl: DLQ_URL, MessageBody: body });
          expect(attributesOf(sent[0])['ecs-pilot-reason']).toMatch(/^permanent failure: /);
        }),
        fuzz(100),
      );
    },
  );
});
