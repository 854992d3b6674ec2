import { classifyByName, PermanentError, RetryableError } from '../errors.js';

/**
 * The service-specific classifiers every automation shares: which AWS error names retrying cannot
 * fix. Each automation's own services (SQS for scaling, ECR for images, SNS for notify) keep theirs
 * beside their adapter.
 */

// Errors that retrying the same request cannot fix. Everything else (throttling, 5xx, network,
// unknown) is retryable: bounded attempts and a dead-letter queue keep that safe.
const PERMANENT_ECS_ERRORS = new Set([
  'AccessDeniedException',
  'ClientException',
  'InvalidParameterException',
  'ClusterNotFoundException',
  'PlatformUnknownException',
  'PlatformTaskDefinitionIncompatibilityException',
  'UnsupportedFeatureException',
  'BlockedException',
]);

/** Maps an error from RunTask/ListTasks to a retryable or permanent ecs-pilot error. */
export function classifyEcsError(error: unknown, action: string): RetryableError | PermanentError {
  if (error instanceof RetryableError || error instanceof PermanentError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'ConflictException') {
    return new PermanentError(
      `${action}: a task was already started for this clientToken with different parameters ` +
        '(the config changed since the first attempt); no second task was started',
      { cause: error },
    );
  }
  return classifyByName(error, action, PERMANENT_ECS_ERRORS);
}

const PERMANENT_DYNAMODB_ERRORS = new Set([
  'AccessDeniedException',
  'ResourceNotFoundException',
  'ValidationException',
]);

/** Maps a DynamoDB error to a retryable or permanent ecs-pilot error. */
export function classifyDynamoDbError(error: unknown, action: string): RetryableError | PermanentError {
  return classifyByName(error, action, PERMANENT_DYNAMODB_ERRORS);
}
