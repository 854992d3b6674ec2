import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { QueueDepthReader } from '../../../../../shared/scaling/aws/queue.js';
import { emulatorClients, REGION } from '../../../../../local/harness.js';

const ACCOUNT = '123456789012';
const AWAY = 'eu-west-1';

/** Queues named by ARN, in the function's region and in another one, against the emulator. */
describe('Class: QueueDepthReader (against the emulator)', () => {
  let endpoint: string;
  let home: SQSClient;
  const clientIn = (region: string) =>
    new SQSClient({
      endpoint,
      region,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });

  beforeAll(async () => {
    endpoint = inject('emulatorEndpoint');
    home = emulatorClients(endpoint).sqs;
    for (const [client, name, messages] of [
      [home, 'scal-home-jobs', 2],
      [clientIn(AWAY), 'scal-away-jobs', 3],
    ] as const) {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
      for (let i = 0; i < messages; i += 1) {
        await client.send(new SendMessageCommand({ QueueUrl, MessageBody: `job ${i}` }));
      }
    }
  });

  it.each([
    ['in the function’s region', `arn:aws:sqs:${REGION}:${ACCOUNT}:scal-home-jobs`, 2],
    ['in another region', `arn:aws:sqs:${AWAY}:${ACCOUNT}:scal-away-jobs`, 3],
  ])('reads a queue given by an ARN %s', async (_case, arn, visible) => {
    const reader = new QueueDepthReader(home, { region: REGION, clientFor: clientIn });

    await expect(reader.depth(arn)).resolves.toEqual({ visible, inFlight: 0, delayed: 0 });
  });
});
