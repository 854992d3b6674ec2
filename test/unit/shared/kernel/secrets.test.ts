import { describe, expect, it } from 'vitest';
import {
  containerSecrets,
  secretResources,
  secretStore,
  sourceOf,
  valueFrom,
} from '../../../../shared/kernel/secrets';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db';

describe('Function: secretStore', () => {
  it.each([
    ['/prod/db/password', 'ssm'],
    ['db-password', 'ssm'],
    ['arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/password', 'ssm'],
    ['arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x', 'ssm'],
    [SECRET, 'secretsmanager'],
    [`${SECRET}-AbCdEf`, 'secretsmanager'],
  ])('reads %s as a reference to %s', (from, store) => {
    expect(secretStore(from)).toBe(store);
  });

  it.each([
    ['a name with spaces'],
    ['/double//slash'],
    ['arn:aws:s3:::bucket/key'],
    ['arn:aws:secretsmanager:eu-west-1:1234:secret:short-account'],
    [''],
  ])('refuses %j, which names neither a parameter nor a secret', (from) => {
    expect(secretStore(from)).toBeUndefined();
  });
});

describe('Function: valueFrom', () => {
  it('passes a parameter and a plain secret ARN as they are', () => {
    expect(valueFrom({ from: '/prod/db' })).toBe('/prod/db');
    expect(valueFrom({ from: SECRET })).toBe(SECRET);
  });

  it("appends a JSON key and version as ECS's ARN:json-key:version-stage:version-id, empty parts kept", () => {
    expect(valueFrom({ from: SECRET, jsonKey: 'password' })).toBe(`${SECRET}:password::`);
    expect(valueFrom({ from: SECRET, versionStage: 'AWSPREVIOUS' })).toBe(`${SECRET}::AWSPREVIOUS:`);
    expect(valueFrom({ from: SECRET, jsonKey: 'k', versionId: 'v1' })).toBe(`${SECRET}:k::v1`);
  });
});

describe('Function: containerSecrets', () => {
  it('lists the secrets sorted by name, from both forms', () => {
    expect(containerSecrets({ Z: '/z', A: { from: SECRET, jsonKey: 'a' } })).toEqual([
      { name: 'A', valueFrom: `${SECRET}:a::` },
      { name: 'Z', valueFrom: '/z' },
    ]);
  });
});

describe('Function: secretResources', () => {
  it('grants a parameter given by name in the stack account and Region, without its leading slash', () => {
    expect(secretResources(sourceOf('/prod/db'))).toEqual({
      action: 'ssm:GetParameters',
      resources: ['arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/prod/db'],
    });
  });

  it('grants a secret ARN as given and with the 6-character suffix AWS adds, under either reading of it', () => {
    expect(secretResources({ from: SECRET, jsonKey: 'k' })).toEqual({
      action: 'secretsmanager:GetSecretValue',
      resources: [SECRET, `${SECRET}-??????`],
    });
  });
});
