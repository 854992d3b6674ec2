import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { dlq, stageDeadLetterQueues } from '../../../../bin/commands/dlq';
import { loadStage } from '../../../../bin/stage';

const sqs = mockClient(SQSClient);
const ARN = 'arn:aws:sqs:us-east-1:123456789012';

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await dlq(args, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out, err };
}

/** Two queues of the local stage: the uploads DLQ holding `depth` messages, and its buffer queue. */
function queues(depth: number) {
  sqs
    .on(GetQueueUrlCommand)
    .callsFake(({ QueueName }: { QueueName: string }) => ({ QueueUrl: `https://sqs.local/${QueueName}` }));
  sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }: { QueueUrl: string }) => {
    const name = QueueUrl.split('/').pop()!;
    return {
      Attributes: {
        QueueArn: `${ARN}:${name}`,
        ApproximateNumberOfMessages: String(name.endsWith('-dlq') ? depth : 0),
      },
    };
  });
}

afterEach(() => sqs.reset());

describe('Function: stageDeadLetterQueues', () => {
  it('names every dead-letter queue of the stage, with the buffer queue each redrives to', () => {
    const found = stageDeadLetterQueues(loadStage({ stage: 'local' }));

    expect(found).toEqual(
      expect.arrayContaining([
        {
          name: 'uploads',
          queueName: 'ecs-pilot-local-uploads-dlq',
          sourceQueueName: 'ecs-pilot-local-uploads',
        },
        {
          name: 'alerts',
          queueName: 'ecs-pilot-local-alerts-dlq',
          sourceQueueName: 'ecs-pilot-local-alerts',
        },
        { name: 'images', queueName: 'ecs-pilot-local-images-dlq' },
      ]),
    );
    // Every one the template has: the alarms cover the same set.
    expect(found.every((q) => q.queueName.endsWith('-dlq'))).toBe(true);
  });
});

describe('Command: ecs-pilot dlq redrive', () => {
  it('starts one SQS message move task from the dead-letter queue back to its buffer queue', async () => {
    // Prepare
    queues(3);
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'handle-1' });

    // Act
    const { code, out } = await run('redrive', 'uploads', '--stage', 'local');

    // Assess
    expect(code).toBe(0);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand).map((c) => c.args[0].input)).toEqual([
      { SourceArn: `${ARN}:ecs-pilot-local-uploads-dlq`, DestinationArn: `${ARN}:ecs-pilot-local-uploads` },
    ]);
    expect(out).toEqual([
      'uploads: moving about 3 messages from ecs-pilot-local-uploads-dlq to ecs-pilot-local-uploads',
      '  message move task handle-1; `ecs-pilot dlq list` shows what is left',
    ]);
  });

  it('starts no move task for an empty dead-letter queue', async () => {
    queues(0);

    const { code, out } = await run('redrive', 'uploads', '--stage', 'local');

    expect(code).toBe(0);
    expect(out).toEqual(['uploads: ecs-pilot-local-uploads-dlq is empty; nothing to redrive']);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });

  it('exits 1 with SQS’s reason when the move task cannot start', async () => {
    queues(1);
    sqs
      .on(StartMessageMoveTaskCommand)
      .rejects(Object.assign(new Error('a move task is already running'), { name: 'UnsupportedOperation' }));

    const { code, err } = await run('redrive', 'uploads', '--stage', 'local');

    expect(code).toBe(1);
    expect(err.join('\n')).toContain('a move task is already running');
  });

  it.each([
    [['redrive'], 'redrive needs the name of a dead-letter queue'],
    [['lsit'], 'unknown subcommand "lsit" (did you mean "list"?)'],
    [['list', '--peek', '11'], '--peek must be a whole number from 0 to 10'],
  ])('exits 2 with the usage for %j', async (args, why) => {
    const { code, err } = await run(...args);

    expect(code).toBe(2);
    expect(err.join('\n')).toContain(why);
    expect(sqs.calls()).toHaveLength(0);
  });
});
