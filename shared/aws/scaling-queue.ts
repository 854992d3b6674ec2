import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { errorMessage, PermanentError, RetryableError } from '../errors.js';
import { parseQueueReference } from '../scaling/resources.js';

/** The three depth figures of a queue, as SQS approximates them. */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

// Errors that the next evaluation will meet again unless someone fixes the config or the permissions.
// The JSON protocol names a missing queue QueueDoesNotExist; the query protocol's code is kept too.
const PERMANENT_SQS_ERRORS = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidAddress',
  'InvalidSecurity',
  'KmsAccessDenied',
]);

/** Maps an SQS error to a retryable or permanent ecs-pilot error naming the queue. */
export function classifySqsError(error: unknown, action: string): RetryableError | PermanentError {
  if (error instanceof RetryableError || error instanceof PermanentError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') {
    return new PermanentError(`${action}: the queue does not exist (${errorMessage(error)})`, {
      cause: error,
    });
  }
  return PERMANENT_SQS_ERRORS.has(name)
    ? new PermanentError(`${action}: ${errorMessage(error)}`, { cause: error })
    : new RetryableError(`${action}: ${errorMessage(error)}`, { cause: error });
}

const ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/**
 * Reads queue depths. A queue configured by name or ARN is resolved to its URL once per cold start
 * (GetQueueUrl), then every read is one GetQueueAttributes call with the three figures.
 */
export class QueueDepthReader {
  private readonly urls = new Map<string, Promise<string>>();

  constructor(private readonly sqs: SQSClient) {}

  /** The URL of a queue name, URL or ARN; a failed lookup is not cached, so the next read retries. */
  url(queue: string): Promise<string> {
    let url = this.urls.get(queue);
    if (!url) {
      url = this.resolve(queue);
      this.urls.set(queue, url);
      url.catch(() => this.urls.delete(queue));
    }
    return url;
  }

  /** One GetQueueAttributes call: visible, in-flight and delayed messages. */
  async depth(queue: string): Promise<QueueDepth> {
    const queueUrl = await this.url(queue);
    try {
      const { Attributes = {} } = await this.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...ATTRIBUTES] }),
      );
      const figure = (name: (typeof ATTRIBUTES)[number]) => {
        const value = Number(Attributes[name] ?? 0);
        if (!Number.isInteger(value) || value < 0) {
          throw new RetryableError(`GetQueueAttributes ${queueUrl}: ${name} is "${Attributes[name]}"`);
        }
        return value;
      };
      return {
        visible: figure('ApproximateNumberOfMessages'),
        inFlight: figure('ApproximateNumberOfMessagesNotVisible'),
        delayed: figure('ApproximateNumberOfMessagesDelayed'),
      };
    } catch (error) {
      throw classifySqsError(error, `GetQueueAttributes ${queueUrl}`);
    }
  }

  private async resolve(queue: string): Promise<string> {
    const reference = parseQueueReference(queue);
    if (reference.url) return reference.url;
    try {
      const { QueueUrl } = await this.sqs.send(
        new GetQueueUrlCommand({
          QueueName: reference.name,
          // An ARN may name a queue of another account (its policy must allow this function's role).
          ...(reference.account ? { QueueOwnerAWSAccountId: reference.account } : {}),
        }),
      );
      if (!QueueUrl) throw new RetryableError(`GetQueueUrl ${reference.name}: no URL in the answer`);
      return QueueUrl;
    } catch (error) {
      throw classifySqsError(error, `GetQueueUrl ${reference.name}`);
    }
  }
}
