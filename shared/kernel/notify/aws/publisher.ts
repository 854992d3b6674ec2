import { PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import type { PermanentError, RetryableError } from '../../errors.js';
import { classifyByName } from '../../errors.js';
import type { Notification } from '../notification.js';
import { asciiFold, clip, MAX_SUBJECT } from '../text.js';
import { boundedAttributes } from '../../delivery/attributes.js';

/**
 * The last line of defence whatever a caller built: SNS refuses a Publish whose subject is not
 * printable ASCII on one line of at most 100 characters, or whose attribute values hold characters
 * SQS refuses (raw delivery), or with more than 10 attributes.
 */
const safeSubject = (subject: string) =>
  clip(asciiFold(subject).replace(/\s+/g, ' ').trim(), MAX_SUBJECT, '...');

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

/** Publishes notifications (stop alerts, slot failures, image run summaries) to the toolkit's topic. */
export class SnsAlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  /** Returns the SNS message id; throws RetryableError or PermanentError. */
  async publish(alert: Notification): Promise<string> {
    const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(
      boundedAttributes(alert.attributes).map(([name, value]) => [
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
          ...(safeSubject(alert.subject) ? { Subject: safeSubject(alert.subject) } : {}),
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
