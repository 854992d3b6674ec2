import { describe, expect, it } from 'vitest';
import { classifyByName, PermanentError, RetryableError } from '../../../../shared/kernel/errors';

const awsError = (name: string, message = 'details') => Object.assign(new Error(message), { name });
const PERMANENT = new Set(['AccessDeniedException']);

describe('Function: classifyByName', () => {
  it('makes an error named in the permanent set permanent, with the action in its message and the cause kept', () => {
    const cause = awsError('AccessDeniedException', 'not allowed');

    const error = classifyByName(cause, 'DescribeImages app', PERMANENT);

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('DescribeImages app: AccessDeniedException: not allowed');
    expect(error.cause).toBe(cause);
  });

  it.each(['ThrottlingException', 'InternalServerError', ''])(
    'makes anything else retryable (%j)',
    (name) => {
      expect(classifyByName(awsError(name), 'GetItem', PERMANENT)).toBeInstanceOf(RetryableError);
    },
  );

  it('passes an error already classified through unchanged', () => {
    const permanent = new PermanentError('already decided');

    expect(classifyByName(permanent, 'anything', new Set())).toBe(permanent);
  });

  it('classifies something that is not an Error as retryable, with its text', () => {
    expect(classifyByName('socket hang up', 'Publish', PERMANENT).message).toBe('Publish: socket hang up');
  });
});
