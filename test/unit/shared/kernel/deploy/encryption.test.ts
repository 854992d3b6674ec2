import { describe, expect, it } from 'vitest';
import { applyAtRest, encryptionKey, logGroupId } from '../../../../../shared/kernel/deploy/encryption';
import { keyStatement, type Statement } from '../../../../../shared/kernel/deploy/iam';

const KEY = { 'Fn::GetAtt': ['StackKey', 'Arn'] as [string, string] };

describe('Function: encryptionKey', () => {
  it.each([
    ['none', undefined, undefined],
    ['the stack’s own key', 'kms' as const, KEY],
    [
      'a given key',
      { kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abc' },
      'arn:aws:kms:eu-west-1:123456789012:key/abc',
    ],
  ])('names %s', (_, encryption, expected) => {
    expect(encryptionKey(encryption)).toEqual(expected);
  });
});

describe('Function: applyAtRest', () => {
  const resources = {
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q', SqsManagedSseEnabled: true } },
    Table: {
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      Properties: { TableName: 't', SSESpecification: { SSEEnabled: true } },
    },
    Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'n' } },
    Rule: { Type: 'AWS::Events::Rule', Properties: { Name: 'r' } },
  };

  it('changes nothing but point-in-time recovery without a key, and leaves its input alone', () => {
    // Act
    const out = applyAtRest(resources, { key: undefined, pointInTimeRecovery: true });

    // Assess
    expect(out).toEqual({
      ...resources,
      Table: {
        ...resources.Table,
        Properties: {
          ...resources.Table.Properties,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        },
      },
    });
    expect(resources.Table.Properties).not.toHaveProperty('PointInTimeRecoverySpecification');
  });

  it('puts queues, tables and topics on the key, and touches nothing else', () => {
    // Act
    const out = applyAtRest(resources, { key: KEY, pointInTimeRecovery: false }) as Record<
      string,
      { Properties: Record<string, unknown>; DeletionPolicy?: string }
    >;

    // Assess
    expect(out.Queue!.Properties).toEqual({ QueueName: 'q', KmsMasterKeyId: KEY });
    expect(out.Table!.Properties).toEqual({
      TableName: 't',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
    });
    expect(out.Table!.DeletionPolicy).toBe('Retain');
    expect(out.Topic!.Properties).toEqual({ TopicName: 'n', KmsMasterKeyId: KEY });
    expect(out.Rule).toBe(resources.Rule);
  });
});

describe('Function: logGroupId', () => {
  it.each([
    ['uploadToTask', 'UploadToTaskLogGroup'],
    ['scale-queues', 'ScaleDashqueuesLogGroup'],
    ['a_b', 'AUnderscorebLogGroup'],
  ])('names %s’s log group as osls does', (name, id) => {
    expect(logGroupId(name)).toBe(id);
  });
});

describe('Function: keyStatement', () => {
  const on = (Action: string[], Resource: unknown[] = [{ 'Fn::GetAtt': ['Q', 'Arn'] }]): Statement => ({
    Effect: 'Allow',
    Action,
    Resource,
  });

  it.each([
    ['a consumer', [on(['sqs:ReceiveMessage', 'sqs:DeleteMessage'])], ['kms:Decrypt']],
    ['a producer', [on(['sqs:SendMessage'])], ['kms:Decrypt', 'kms:GenerateDataKey']],
    ['a publisher', [on(['sns:Publish'], [{ Ref: 'T' }])], ['kms:Decrypt', 'kms:GenerateDataKey*']],
    [
      'a producer and a publisher (GenerateDataKey* covers GenerateDataKey)',
      [on(['sqs:SendMessage']), on(['sns:Publish'], [{ Ref: 'T' }])],
      ['kms:Decrypt', 'kms:GenerateDataKey*'],
    ],
    [
      'a table writer',
      [on(['dynamodb:PutItem'])],
      ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
    ],
  ])('grants %s exactly what it needs, on the key', (_, statements, actions) => {
    expect(keyStatement(statements, KEY, { functionRole: false })).toEqual({
      Effect: 'Allow',
      Action: actions,
      Resource: [KEY],
    });
  });

  it('ignores resources outside the stack, which the key does not encrypt', () => {
    const external = [
      on(['sqs:SendMessage', 'dynamodb:PutItem'], ['arn:aws:sqs:eu-west-1:123456789012:theirs']),
    ];

    expect(keyStatement(external, KEY, { functionRole: false })).toBeUndefined();
    // A function's role still decrypts its environment.
    expect(keyStatement(external, KEY, { functionRole: true })?.Action).toEqual(['kms:Decrypt']);
  });

  it('grants nothing without a key', () => {
    expect(keyStatement([on(['sqs:SendMessage'])], undefined, { functionRole: true })).toBeUndefined();
  });
});
