import { describe, expect, it } from 'vitest';
import { deliverySchema } from '../../../../../shared/kernel/delivery/config';
import { formatPath } from '../../../../../shared/kernel/issues';

function issuesOf(value: unknown): string[] {
  const result = deliverySchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

const DEFAULTS = {
  maxConcurrency: 2,
  batchSize: 10,
  maxAttempts: 8,
  retryBaseSeconds: 10,
  maxLaunchesPerSecond: 20,
};

describe('Schema: deliverySchema', () => {
  it('gives every default when the section is left out', () => {
    expect(deliverySchema.parse(undefined)).toStrictEqual(DEFAULTS);
  });

  it('fills the defaults a partial section leaves out and keeps what is given', () => {
    expect(deliverySchema.parse({ batchSize: 1, retryBaseSeconds: 900 })).toStrictEqual({
      ...DEFAULTS,
      batchSize: 1,
      retryBaseSeconds: 900,
    });
  });

  it('does not share one defaults object between parses', () => {
    // Prepare
    const first = deliverySchema.parse(undefined);

    // Act
    first.maxAttempts = 1;

    // Assess
    expect(deliverySchema.parse(undefined).maxAttempts).toBe(8);
  });

  it.each([
    ['maxConcurrency', 2, 1000],
    ['batchSize', 1, 100],
    ['maxAttempts', 1, 50],
    ['retryBaseSeconds', 1, 900],
    ['maxLaunchesPerSecond', 1, 100],
  ])('accepts %s from %i to %i and nothing outside', (field, min, max) => {
    expect(issuesOf({ [field]: min })).toStrictEqual([]);
    expect(issuesOf({ [field]: max })).toStrictEqual([]);
    expect(issuesOf({ [field]: min - 1 })).toStrictEqual([
      `${field}: Too small: expected number to be >=${min}`,
    ]);
    expect(issuesOf({ [field]: max + 1 })).toStrictEqual([
      `${field}: Too big: expected number to be <=${max}`,
    ]);
  });

  it('refuses a fractional count', () => {
    expect(issuesOf({ batchSize: 2.5 })).toStrictEqual([
      'batchSize: Invalid input: expected int, received number',
    ]);
  });

  it('refuses an unknown key, so a typo never silently keeps a default', () => {
    expect(issuesOf({ maxAttemps: 3 })).toStrictEqual(['(root): Unrecognized key: "maxAttemps"']);
  });
});
