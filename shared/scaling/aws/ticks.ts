import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { tickBody, type TickMessage } from '../event.js';
import { classifySqsError } from './queue.js';

/** Sends the ticks of the evaluation chains to the stage's tick queue (one SendMessage each). */
export class TickQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** A standard queue delays each message by its own DelaySeconds (0-900). */
  async send(tick: TickMessage, delaySeconds: number): Promise<void> {
    try {
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: tickBody(tick),
          DelaySeconds: delaySeconds,
        }),
      );
    } catch (error) {
      throw classifySqsError(error, `SendMessage ${this.queueUrl} (tick ${tick.slot})`);
    }
  }
}
