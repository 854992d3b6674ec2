import type { Context } from 'aws-lambda';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { lambdaContext, toLambdaRecord } from './lambda.js';
import type { LocalAccount } from './harness.js';
import { eventSourceMapping } from './stack.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * scaleQueues' tick queue in the emulator, with what its event source mapping does (the emulator
 * runs none): receive the ticks the function sent, once their DelaySeconds is over (real seconds:
 * the emulator delays them), invoke the handler with them as one batch, delete those it did not
 * report as failed.
 */
export interface LocalTickQueue {
  queueUrl: string;
  queueArn: string;
  /**
   * Waits up to `waitSeconds` (real time) for ticks, then delivers every visible one in one batch.
   * Returns the message bodies delivered and the ids the handler asked to retry.
   */
  deliver(handler: Handler, waitSeconds?: number): Promise<{ bodies: string[]; failed: string[] }>;
}

export function localTickQueue(account: LocalAccount, sqs: SQSClient = account.clients.sqs): LocalTickQueue {
  const { queueUrl, queueArn } = eventSourceMapping(account.stack, 'ScaleQueuesLambdaFunction');
  return {
    queueUrl,
    queueArn,
    async deliver(handler, waitSeconds = 3) {
      const received = [];
      let wait = waitSeconds;
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: wait,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        received.push(...Messages);
        // Once one tick is in, collect whatever else is visible without waiting again.
        if (Messages.length === 0 || received.length >= 10) break;
        wait = 0;
      }
      if (received.length === 0) return { bodies: [], failed: [] };
      const event = { Records: received.map((m) => toLambdaRecord(m, queueArn, 'us-east-1')) };
      const response = (await handler(event, lambdaContext('scaleQueues', 30))) as {
        batchItemFailures?: { itemIdentifier: string }[];
      };
      const failed = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
      const done = received.filter((m) => !failed.includes(m.MessageId!));
      if (done.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
      return { bodies: received.map((m) => m.Body ?? ''), failed };
    },
  };
}
