import { DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import type { PermanentError, RetryableError } from '../../errors.js';
import { classifyByName } from '../../errors.js';
import type { RenderedAlert } from '../../../alerts/render.js';
import { taskDefinitionInfo, type TaskDefinitionInfo } from '../../../alerts/task-definition.js';
import { clientConfig } from '../../aws/clients.js';
import { RevisionCache } from '../../launch/revision-cache.js';

let sns: SNSClient | undefined;

/** The SNS client, created once per cold start with the toolkit's retry settings. */
export const snsClient = (): SNSClient => (sns ??= new SNSClient(clientConfig()));

// Errors that publishing the same message again cannot fix: the topic, its key or our permissions
// are wrong, or SNS rejects the message. Throttling, 5xx, KMS throttling and network errors retry.
const PERMANENT_SNS_ERRORS = new Set([
  'AuthorizationErrorException',
  'InvalidParameterException',
  'InvalidParameterValueException',
  'NotFoundException',
  'InvalidSecurityException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'ValidationException',
]);

/** Maps an SNS error to a retryable or permanent ecs-pilot error. */
export function classifySnsError(error: unknown): RetryableError | PermanentError {
  return classifyByName(error, 'SNS Publish', PERMANENT_SNS_ERRORS);
}

/** Attributes subscribers filter numerically. */
const NUMBER_ATTRIBUTES = new Set(['exitCode']);

/** Publishes rendered alerts to the toolkit's topic. */
export class SnsAlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  /** Returns the SNS message id; throws RetryableError or PermanentError. */
  async publish(alert: RenderedAlert): Promise<string> {
    const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(
      Object.entries(alert.attributes).map(([name, value]) => [
        name,
        {
          DataType: NUMBER_ATTRIBUTES.has(name) && /^-?\d+$/.test(value) ? 'Number' : 'String',
          StringValue: value,
        },
      ]),
    );
    let response;
    try {
      response = await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: alert.subject,
          Message: alert.body,
          MessageAttributes: attributes,
        }),
      );
    } catch (error) {
      throw classifySnsError(error);
    }
    return response.MessageId ?? '';
  }
}

export interface TaskDefinitionReaderOptions {
  /** Revisioned task definitions never change, so they are cached for the life of the container; default 200. */
  maxEntries?: number;
}

/**
 * Reads task definitions for their essential flags and awslogs settings (DescribeTaskDefinition,
 * read-only), cached per cold start. Errors propagate as they are: the caller alerts anyway,
 * without log links.
 */
export class TaskDefinitionReader {
  private readonly cache: RevisionCache<TaskDefinitionInfo>;

  constructor(
    private readonly ecs: ECSClient,
    options: TaskDefinitionReaderOptions = {},
  ) {
    this.cache = new RevisionCache(options.maxEntries ?? 200);
  }

  /** The container facts, or undefined when the response lists no containers. */
  describe(taskDefinitionArn: string): Promise<TaskDefinitionInfo | undefined> {
    return this.cache.get(taskDefinitionArn, async () =>
      taskDefinitionInfo(
        await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn })),
      ),
    );
  }
}
