import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../shared/kernel/errors.js';
import { parseConfig } from '../../../../shared/config/load.js';

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
});
