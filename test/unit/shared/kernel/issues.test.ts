import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { formatPath, summarizeIssues, unsafeKeys } from '../../../../shared/kernel/issues';

describe('Function: formatPath', () => {
  it.each<[PropertyKey[], string]>([
    [[], '(root)'],
    [['region'], 'region'],
    [['delivery', 'maxAttempts'], 'delivery.maxAttempts'],
    [['uploads', 0, 'task', 'subnets'], 'uploads[0].task.subnets'],
    [['uploads', 2, 'task', 'subnets', 1], 'uploads[2].task.subnets[1]'],
    [
      ['uploads', 0, 'task', 'capacityProviderStrategy', 0, 'weight'],
      'uploads[0].task.capacityProviderStrategy[0].weight',
    ],
    [[0, 'name'], '[0].name'],
    [['matrix', 1, 2], 'matrix[1][2]'],
    [['uploads', 0, 'task', 'tags', 'aws:owner'], 'uploads[0].task.tags.aws:owner'],
  ])('renders %j as %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });

  it('renders a symbol segment by its description', () => {
    expect(formatPath(['a', Symbol('b')])).toBe('a.Symbol(b)');
  });
});

describe('Function: summarizeIssues', () => {
  const issues = (value: unknown) => {
    const result = z.strictObject({ a: z.string(), b: z.array(z.number()) }).safeParse(value);
    if (result.success) throw new Error('expected a failed parse');
    return result.error.issues;
  };

  it('puts each issue on one line as path: message, in order', () => {
    expect(summarizeIssues(issues({ a: 1, b: ['x'] }))).toMatch(/^a: .+; b\[0\]: .+$/);
  });

  it('keeps at most max issues', () => {
    const all = issues({ a: 1, b: ['x', 'y', 'z'] });
    expect(all.length).toBeGreaterThan(2);
    expect(summarizeIssues(all, 2).split('; ')).toHaveLength(2);
  });
});

describe('Function: unsafeKeys', () => {
  it('finds keys that would reach a prototype, at any depth, by their path', () => {
    const raw = JSON.parse(
      '{"a":{"__proto__":{"x":1}},"b":[{"constructor":1}],"prototype":2,"ok":{"fine":1}}',
    );
    expect(unsafeKeys(raw)).toEqual([
      'a.__proto__: key "__proto__" is not allowed',
      'b[0].constructor: key "constructor" is not allowed',
      'prototype: key "prototype" is not allowed',
    ]);
  });

  it('finds nothing in plain data', () => {
    expect(unsafeKeys({ a: [1, { b: 'c' }], d: null })).toEqual([]);
  });
});
