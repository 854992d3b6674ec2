import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../shared/kernel/errors.js';
import { parseConfig } from '../../../../shared/config/load.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const issuesOf = (raw: Record<string, unknown>): readonly string[] => {
  try {
    parseConfig(raw);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
};

describe('Schema: operations (alarms, logRetentionDays, tags)', () => {
  it('defaults to alarms on, nowhere extra to send them, 30 days of logs and no tags', () => {
    const config = parseConfig({});

    expect(config.alarms).toEqual({ enabled: true, emails: [] });
    expect(config.logRetentionDays).toBe(30);
    expect(config.tags).toEqual({});
  });

  it.each([1, 7, 30, 365, 3653])('accepts %i days, a retention CloudWatch Logs offers', (days) => {
    expect(issuesOf({ logRetentionDays: days })).toEqual([]);
  });

  it.each([0, 2, 31, 3654, 7.5])('refuses %s days, naming the periods CloudWatch Logs offers', (days) => {
    expect(issuesOf({ logRetentionDays: days })).toEqual([
      expect.stringMatching(
        /^logRetentionDays: one of CloudWatch Logs' retention periods: 1, 3, 5, 7, 14, 30/,
      ),
    ]);
  });

  it.each([
    [{ 'aws:owner': 'x' }, /^tags\.aws:owner: .*not starting with aws:/],
    [{ ['k'.repeat(129)]: 'x' }, /^tags\.k+: invalid key .*a tag key of 1-128/],
    [{ team: 'v'.repeat(257) }, /^tags\.team: a tag value of at most 256/],
    [{ 'bad\u0007key': 'x' }, /a tag key of 1-128/],
    [Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])), /^tags: at most 50 tags/],
  ])('refuses tags AWS would refuse: %o', (tags, message) => {
    expect(issuesOf({ tags })).toEqual([expect.stringMatching(message)]);
  });

  it('accepts 50 tags at the limits of key and value length', () => {
    const tags = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [
        `${String(i).padStart(2, '0')}${'k'.repeat(126)}`,
        'v'.repeat(256),
      ]),
    );

    expect(issuesOf({ tags })).toEqual([]);
  });

  it('refuses an alarms topic that is not an SNS topic ARN, and an unknown alarms key', () => {
    expect(issuesOf({ alarms: { topicArn: 'oncall' } })).toEqual([
      expect.stringMatching(/^alarms\.topicArn: an SNS topic ARN/),
    ]);
    expect(issuesOf({ alarms: { email: ['a@b.co'] } })).toEqual([
      expect.stringMatching(/^alarms\.email: unknown key/),
    ]);
  });

  it('defaults to no customer managed key and point-in-time recovery on', () => {
    const config = parseConfig({});

    expect(config.encryption).toBeUndefined();
    expect(config.pointInTimeRecovery).toBe(true);
  });

  it.each([
    ['kms', 'kms'],
    ['a key ARN in the stage’s Region', { kmsKeyArn: `${KEY_ARN}` }],
  ])('accepts encryption: %s', (_, encryption) => {
    expect(issuesOf({ region: 'eu-west-1', encryption })).toEqual([]);
  });

  it('refuses an encryption that is neither kms nor a key ARN, naming the field', () => {
    expect(issuesOf({ encryption: 'aes' })).toEqual([expect.stringMatching(/^encryption: /)]);
    expect(issuesOf({ encryption: { kmsKeyArn: 'alias/mine' } })).toEqual([
      expect.stringMatching(/^encryption\.kmsKeyArn: a KMS key ARN like/),
    ]);
    expect(issuesOf({ pointInTimeRecovery: 'yes' })).toEqual([
      expect.stringMatching(/^pointInTimeRecovery: /),
    ]);
  });

  it('refuses a key of another Region than the stage’s', () => {
    expect(issuesOf({ region: 'us-east-1', encryption: { kmsKeyArn: KEY_ARN } })).toEqual([
      'encryption.kmsKeyArn: the key is in eu-west-1 but the stage deploys to us-east-1: the services use keys of their own Region only',
    ]);
  });
});
