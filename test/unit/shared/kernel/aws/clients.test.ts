import { describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  clientConfig,
  dynamoDbClient,
  ecsClient,
  sqsClient,
} from '../../../../../shared/kernel/aws/clients.js';

describe('Function: clientConfig', () => {
  it('bounds SDK retries to 5 standard-mode attempts with connection and request timeouts by default', () => {
    expect(clientConfig({})).toStrictEqual({
      maxAttempts: 5,
      retryMode: 'standard',
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
    });
  });

  it('takes the attempt bound from ECS_PILOT_SDK_MAX_ATTEMPTS', () => {
    expect(clientConfig({ ECS_PILOT_SDK_MAX_ATTEMPTS: '2' }).maxAttempts).toBe(2);
  });

  it('points every client at AWS_ENDPOINT_URL when set (the local emulator)', () => {
    expect(clientConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' })).toMatchObject({
      endpoint: 'http://127.0.0.1:5000',
    });
  });
});

describe('Function: ecsClient, sqsClient, dynamoDbClient', () => {
  it.each([
    ['ecsClient', ecsClient, ECSClient],
    ['sqsClient', sqsClient, SQSClient],
    ['dynamoDbClient', dynamoDbClient, DynamoDBClient],
  ] as const)('%s creates one client per cold start and reuses it', (_name, get, Client) => {
    const first = get();

    expect(first).toBeInstanceOf(Client);
    expect(get()).toBe(first);
  });
});

describe('Function: clientConfig (bad attempt settings)', () => {
  it.each(['', 'abc', '0', '-1', '2.5', '11'])(
    'falls back to 5 attempts when ECS_PILOT_SDK_MAX_ATTEMPTS is %j',
    (value) => {
      expect(clientConfig({ ECS_PILOT_SDK_MAX_ATTEMPTS: value }).maxAttempts).toBe(5);
    },
  );
});
