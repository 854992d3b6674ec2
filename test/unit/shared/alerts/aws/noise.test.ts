import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors';
import { DynamoNoiseGate } from '../../../../../shared/alerts/aws/noise';
import { noiseWindow } from '../../../../../shared/alerts/noise';
import { conditionalCheckFailed } from '../../../../helpers/idempotency';
import { stopped } from '../fixtures';
import { useFakeAlertsTable } from '../fake-alerts-table';
import { classifyDynamoDbError } from '../../../../../shared/kernel/aws/errors';

const TABLE = 'ecs-pilot-test-alerts-state';
const SETTINGS = { enabled: true, maxPerWindow: 2, windowMinutes: 15 };
const WINDOW = noiseWindow(stopped(), SETTINGS, new Date());
const dynamoMock = mockClient(DynamoDBClient);

const failure = (name: string) =>
  new DynamoDBServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: name });

afterEach(() => {
  dynamoMock.reset();
});

describe('Class: DynamoNoiseGate', () => {
  const gate = new DynamoNoiseGate(new DynamoDBClient({ region: 'us-east-1' }), TABLE);

  it('mails the first maxPerWindow failures, sends one summary for the next, and only counts the rest', async () => {
    // Prepare
    const items = useFakeAlertsTable(dynamoMock);

    // Act
    const verdicts = [];
    for (const task of ['t1', 't2', 't3', 't4', 't5'])
      verdicts.push(await gate.admit(WINDOW, task, SETTINGS));

    // Assess
    expect(verdicts).toEqual([
      { action: 'alert', failures: 1 },
      { action: 'alert', failures: 2 },
      { action: 'summary', failures: 3 },
      { action: 'suppress', failures: 4 },
      { action: 'suppress', failures: 5 },
    ]);
    const item = items.get(WINDOW.key)!;
    expect(item.alerted?.SS).toEqual(['t1', 't2']);
    expect(item.summaryTask?.S).toBe('t3');
    expect(item.suppressed?.N).toBe('2');
    expect(item.expiration?.N).toBe(String(WINDOW.expiresAt));
  });

  it('gives a task the same action again when it is retried after a failed publish', async () => {
    useFakeAlertsTable(dynamoMock);
    for (const task of ['t1', 't2', 't3', 't4']) await gate.admit(WINDOW, task, SETTINGS);

    expect(await gate.admit(WINDOW, 't1', SETTINGS)).toMatchObject({ action: 'alert' });
    expect(await gate.admit(WINDOW, 't3', SETTINGS)).toMatchObject({ action: 'summary' });
  });

  it('counts each window on its own item', async () => {
    const items = useFakeAlertsTable(dynamoMock);
    const next = noiseWindow(stopped({ stoppedAt: '2026-11-21T10:00:00Z' }), SETTINGS, new Date());

    for (const task of ['t1', 't2', 't3']) await gate.admit(WINDOW, task, SETTINGS);
    const verdict = await gate.admit(next, 't4', SETTINGS);

    expect(verdict).toEqual({ action: 'alert', failures: 1 });
    expect(items.size).toBe(2);
  });

  it('takes an alert slot with one conditional UpdateItem that sets the expiry once', async () => {
    dynamoMock.on(UpdateItemCommand).resolves({ Attributes: { alerted: { SS: ['t1'] } } });

    await gate.admit(WINDOW, 't1', SETTINGS);

    const calls = dynamoMock.commandCalls(UpdateItemCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: { id: { S: WINDOW.key } },
      UpdateExpression: 'ADD #alerted :task SET #expiration = if_not_exists(#expiration, :expiration)',
      ConditionExpression:
        '(attribute_not_exists(#alerted) OR size(#alerted) < :max) AND NOT contains(#alerted, :taskArn)',
      ExpressionAttributeNames: { '#alerted': 'alerted', '#expiration': 'expiration' },
      ExpressionAttributeValues: {
        ':task': { SS: ['t1'] },
        ':taskArn': { S: 't1' },
        ':max': { N: '2' },
        ':expiration': { N: String(WINDOW.expiresAt) },
      },
      ReturnValues: 'UPDATED_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('reads the item consistently when a failed condition does not return it', async () => {
    dynamoMock
      .on(UpdateItemCommand)
      .rejectsOnce(conditionalCheckFailed())
      .resolves({ Attributes: { alerted: { SS: ['a', 'b'] }, summaryTask: { S: 't1' } } });
    dynamoMock.on(GetItemCommand).resolves({ Item: { alerted: { SS: ['a', 'b'] } } });

    const verdict = await gate.admit(WINDOW, 't1', SETTINGS);

    expect(verdict).toEqual({ action: 'summary', failures: 3 });
    expect(dynamoMock.commandCalls(GetItemCommand)[0]!.args[0].input).toMatchObject({ ConsistentRead: true });
  });

  it('suppresses when another task claimed the summary first', async () => {
    const full = { alerted: { SS: ['a', 'b'] } };
    dynamoMock
      .on(UpdateItemCommand)
      .rejectsOnce(conditionalCheckFailed(full))
      .rejectsOnce(conditionalCheckFailed({ ...full, summaryTask: { S: 'other' } }))
      .resolves({ Attributes: { ...full, summaryTask: { S: 'other' }, suppressed: { N: '1' } } });

    const verdict = await gate.admit(WINDOW, 't1', SETTINGS);

    expect(verdict).toEqual({ action: 'suppress', failures: 4 });
    expect(dynamoMock.commandCalls(UpdateItemCommand).map((c) => c.args[0].input.UpdateExpression)).toEqual([
      'ADD #alerted :task SET #expiration = if_not_exists(#expiration, :expiration)',
      'SET #summary = :taskArn, #expiration = if_not_exists(#expiration, :expiration)',
      'ADD #suppressed :one SET #expiration = if_not_exists(#expiration, :expiration)',
    ]);
  });

  it.each([
    ['ProvisionedThroughputExceededException', RetryableError],
    ['ThrottlingException', RetryableError],
    ['InternalServerError', RetryableError],
    ['ResourceNotFoundException', PermanentError],
    ['AccessDeniedException', PermanentError],
  ])('turns %s into a %s', async (name, type) => {
    dynamoMock.on(UpdateItemCommand).rejects(failure(name));

    const error = await gate.admit(WINDOW, 't1', SETTINGS).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toContain(name);
  });
});

describe('Function: classifyDynamoDbError', () => {
  it('keeps errors that are already classified', () => {
    const error = new PermanentError('x');

    expect(classifyDynamoDbError(error, 'a')).toBe(error);
  });
});
