import {
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueActions } from '../batch.js';
import { boundedAttributes } from '../attributes.js';

// Sanitised and bounded: SQS refuses the whole message for one bad character or an 11th attribute.
const toAttributes = (values: Record<string, string>): Record<string, MessageAttributeValue> =>
  Object.fromEntries(
    boundedAttributes(values).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );

/** QueueActions over SQS: backoff via visibility, deferral via delayed re-send, dead-letter via send. */
export class SqsQueueActions implements QueueActions {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async delay(receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }

  async requeue(body: string, delaySeconds: number, attributes: Record<string, string>): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        DelaySeconds: delaySeconds,
        MessageAttributes: toAttributes(attributes),
      }),
    );
  }

  async deadLetter(body: string, attributes: Record<string, string>): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: body,
        MessageAttributes: toAttributes(attributes),
      }),
    );
  }
}
