import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { classifyByName, errorMessage, PermanentError, RetryableError } from '../../kernel/errors.js';
import { parseQueueReference, queueUrlOf } from '../resources.js';

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
  return classifyByName(error, action, PERMANENT_SQS_ERRORS);
}

const ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/** Where the reader's default client runs, and how to get a client for another region. */
export interface QueueDepthReaderOptions {
  /** The default client's region (the function's, AWS_REGION). */
  region?: string | undefined;
  /** A client for a queue in another region: SQS only answers requests signed for the queue's region. */
  clientFor?: (region: string) => SQSClient;
}

/**
 * Reads queue depths. A queue's URL is taken as configured, built from its ARN, or — for a name —
 * looked up once per cold start (GetQueueUrl in the function's region); then every read is one
 * GetQueueAttributes call with the three figures, sent through a client in the queue's region.
 */
export class QueueDepthReader {
  private readonly urls = new Map<string, Promise<string>>();
  private readonly regional = new Map<string, SQSClient>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly options: QueueDepthReaderOptions = {},
  ) {}

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
      const { Attributes = {} } = await this.clientOf(queue).send(
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

  /** The default client, or one in the queue's region when its URL or ARN names another. */
  private clientOf(queue: string): SQSClient {
    const { region } = parseQueueReference(queue);
    const { clientFor, region: home } = this.options;
    if (!region || !clientFor || region === home) return this.sqs;
    let client = this.regional.get(region);
    if (!client) {
      client = clientFor(region);
      this.regional.set(region, client);
    }
    return client;
  }

  private async resolve(queue: string): Promise<string> {
    const reference = parseQueueReference(queue);
    const url = queueUrlOf(reference);
    if (url) return url;
    try {
      const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: reference.name }));
      if (!QueueUrl) throw new RetryableError(`GetQueueUrl ${reference.name}: no URL in the answer`);
      return QueueUrl;
    } catch (error) {
      throw classifySqsError(error, `GetQueueUrl ${reference.name}`);
    }
  }
}
