import { describe, expect, it } from 'vitest';
import * as ecs from '@aws-sdk/client-ecs';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import { classifyDynamoDbError, classifyEcsError } from '../../../../../shared/kernel/aws/errors';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors';

const meta = { message: 'details', $metadata: { httpStatusCode: 400 } };

describe('Function: classifyEcsError', () => {
  it('makes ConflictException permanent and says no second task was started', () => {
    // Prepare: the same clientToken with other parameters (the config changed between attempts).
    const cause = new ecs.ConflictException(meta);

    // Act
    const error = classifyEcsError(cause, 'RunTask thumbnailer');

    // Assess
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(
      'RunTask thumbnailer: a task was already started for this clientToken with different parameters ' +
        '(the config changed since the first attempt); no second task was started',
    );
    expect(error.cause).toBe(cause);
  });

  it.each([
    ['AccessDeniedException', new ecs.AccessDeniedException(meta)],
    ['ClientException', new ecs.ClientException(meta)],
    ['InvalidParameterException', new ecs.InvalidParameterException(meta)],
    ['ClusterNotFoundException', new ecs.ClusterNotFoundException(meta)],
    ['PlatformUnknownException', new ecs.PlatformUnknownException(meta)],
    [
      'PlatformTaskDefinitionIncompatibilityException',
      new ecs.PlatformTaskDefinitionIncompatibilityException(meta),
    ],
    ['UnsupportedFeatureException', new ecs.UnsupportedFeatureException(meta)],
    ['BlockedException', new ecs.BlockedException(meta)],
  ])('makes %s permanent, naming the action and the error', (name, cause) => {
    const error = classifyEcsError(cause, 'RunTask thumbnailer');

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(`RunTask thumbnailer: ${name}: details`);
    expect(error.cause).toBe(cause);
  });

  it.each([
    ['ServerException', new ecs.ServerException(meta)],
    ['LimitExceededException', new ecs.LimitExceededException(meta)],
    ['ThrottlingException', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })],
    ['a network error', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
    ['something not an Error', 'ECONNRESET'],
  ])('makes %s retryable', (_label, cause) => {
    const error = classifyEcsError(cause, 'ListTasks media');

    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message.startsWith('ListTasks media: ')).toBe(true);
  });

  it.each([new PermanentError('already decided'), new RetryableError('capacity')])(
    'passes %s through unchanged',
    (classified) => {
      expect(classifyEcsError(classified, 'RunTask')).toBe(classified);
    },
  );
});

describe('Function: classifyDynamoDbError', () => {
  it.each([
    ['AccessDeniedException', Object.assign(new Error('details'), { name: 'AccessDeniedException' })],
    ['ResourceNotFoundException', new dynamodb.ResourceNotFoundException(meta)],
    ['ValidationException', Object.assign(new Error('details'), { name: 'ValidationException' })],
  ])('makes %s permanent, naming the action and the error', (name, cause) => {
    const error = classifyDynamoDbError(cause, 'scaler state (DynamoDB GetItem video)');

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(`scaler state (DynamoDB GetItem video): ${name}: details`);
    expect(error.cause).toBe(cause);
  });

  it.each([
    ['ProvisionedThroughputExceededException', new dynamodb.ProvisionedThroughputExceededException(meta)],
    ['RequestLimitExceeded', new dynamodb.RequestLimitExceeded(meta)],
    ['InternalServerError', new dynamodb.InternalServerError(meta)],
    // An ECS-only permanent name means nothing to DynamoDB.
    ['ClusterNotFoundException', new ecs.ClusterNotFoundException(meta)],
  ])('makes %s retryable', (_label, cause) => {
    expect(classifyDynamoDbError(cause, 'GetItem')).toBeInstanceOf(RetryableError);
  });

  it('passes an error already classified through unchanged', () => {
    const classified = new PermanentError('already decided');

    expect(classifyDynamoDbError(classified, 'GetItem')).toBe(classified);
  });
});
