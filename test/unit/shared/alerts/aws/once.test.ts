import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, DynamoDBServiceException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors';
import { AlertOnce } from '../../../../../shared/alerts/aws/once';
import type { AlertOutcome } from '../../../../../shared/alerts/service';
import { idempotencyItem, useFakeIdempotencyTable } from '../../../../helpers/idempotency';
import { fakeContext } from '../../../../helpers/events';

const TASK = 'arn:aws:ecs:eu-west-1:111122223333:task/prod/6f4c1a2b3d4e4f5a8b9c0d1e2f3a4b5c';
const SENT: AlertOutcome = { status: 'sent', kind: 'container-failed', version: 5, messageId: 'm-1' };
const dynamoMock = mockClient(DynamoDBClient);

describe('Class: AlertOnce', () => {
  let once: AlertOnce;
  let items: ReturnType<typeof useFakeIdempotencyTable>;

  beforeEach(() => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'ecs-pilot-test-stopAlert');
    items = useFakeIdempotencyTable(dynamoMock);
    once = new AlertOnce({
      client: new DynamoDBClient({ region: 'eu-west-1' }),
      tableName: 'ecs-pilot-test-alerts-state',
      expiresAfterSeconds: 3600,
    });
    once.registerContext(fakeContext());
  });

  afterEach(() => {
    dynamoMock.reset();
    vi.unstubAllEnvs();
  });

  it('sends once per task; a repeat returns the stored outcome marked duplicate without sending', async () => {
    const send = vi.fn(async () => SENT);

    const first = await once.run({ taskArn: TASK }, send);
    const second = await once.run({ taskArn: TASK }, send);

    expect(first).toEqual(SENT);
    expect(second).toEqual({ ...SENT, duplicate: true });
    expect(send).toHaveBeenCalledTimes(1);
    expect([...items.keys()]).toEqual([expect.stringMatching(/^ecs-pilot-stop-alert#[A-Za-z0-9+/]{22}==$/)]);
  });

  it('keys on the task only: another task sends', async () => {
    const send = vi.fn(async () => SENT);

    await once.run({ taskArn: TASK }, send);
    await once.run({ taskArn: `${TASK}0` }, send);

    expect(send).toHaveBeenCalledTimes(2);
  });

  it('lets a retry send again when the first attempt failed (the record is removed)', async () => {
    const send = vi
      .fn<() => Promise<AlertOutcome>>()
      .mockRejectedValueOnce(new RetryableError('SNS Publish: ThrottledException'))
      .mockResolvedValueOnce(SENT);

    const error = await once.run({ taskArn: TASK }, send).catch((e: unknown) => e);
    const retried = await once.run({ taskArn: TASK }, send);

    expect(error).toBeInstanceOf(RetryableError);
    expect(retried).toEqual(SENT);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('keeps permanent failures permanent', async () => {
    const error = await once
      .run({ taskArn: TASK }, async () => {
        throw new PermanentError('SNS Publish: NotFoundException');
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentError);
  });

  it('asks for a retry while another invocation is alerting on the same task', async () => {
    const send = vi.fn(async () => SENT);
    await once.run({ taskArn: TASK }, send);
    const [key] = [...items.keys()];
    items.set(key!, idempotencyItem({ id: key!, status: 'INPROGRESS' }));

    const error = await once.run({ taskArn: TASK }, send).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toBe('another invocation is alerting on this task right now');
  });

  it('asks for a retry when the table is throttled', async () => {
    dynamoMock.on(PutItemCommand).rejects(
      new DynamoDBServiceException({
        name: 'ProvisionedThroughputExceededException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'slow down',
      }),
    );

    const send = vi.fn(async () => SENT);
    const error = await once.run({ taskArn: TASK }, send).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryableError);
    expect(send).not.toHaveBeenCalled();
  });
});
