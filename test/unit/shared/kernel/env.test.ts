import { afterEach, describe, expect, it, vi } from 'vitest';
import { requiredEnv } from '../../../../shared/kernel/env';
import { ConfigError, PermanentError } from '../../../../shared/kernel/errors';

describe('Function: requiredEnv', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('returns the value of a variable that is set', () => {
    expect(requiredEnv('QUEUE_URL', { QUEUE_URL: 'https://sqs.example/q' })).toBe('https://sqs.example/q');
  });

  it.each([
    ['missing', {}],
    ['empty', { QUEUE_URL: '' }],
  ])('fails the cold start with a permanent ConfigError naming a %s variable', (_label, env) => {
    // Act
    const act = () => requiredEnv('QUEUE_URL', env);

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(PermanentError);
    try {
      act();
    } catch (error) {
      expect((error as ConfigError).source).toBe('environment');
      expect((error as ConfigError).issues).toStrictEqual(['QUEUE_URL: required']);
    }
  });

  it('reads process.env when no environment is given', () => {
    vi.stubEnv('ECS_PILOT_TEST_VARIABLE', 'from-process');

    expect(requiredEnv('ECS_PILOT_TEST_VARIABLE')).toBe('from-process');
  });
});
