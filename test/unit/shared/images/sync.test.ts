import { describe, expect, it } from 'vitest';
import type { LifecyclePolicy } from '../../../../shared/images/policy';
import {
  canonicalJson,
  lineDiff,
  MAX_DIFF_LINES,
  policyDrift,
  policyText,
} from '../../../../shared/images/sync';

const rule = (rulePriority: number, countNumber: number) => ({
  rulePriority,
  selection: { tagStatus: 'untagged' as const, countType: 'imageCountMoreThan' as const, countNumber },
  action: { type: 'expire' as const },
});
const POLICY = { rules: [rule(1, 1), rule(2, 10)] } as LifecyclePolicy;

describe('Function: canonicalJson', () => {
  it('sorts object keys at every depth and indents by two spaces', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      [
        '{',
        '  "a": {',
        '    "c": null,',
        '    "d": [',
        '      {',
        '        "y": 2,',
        '        "z": 1',
        '      }',
        '    ]',
        '  },',
        '  "b": 1',
        '}',
      ].join('\n'),
    );
  });

  it('keeps the order of array items, which is meaningful', () => {
    expect(canonicalJson([3, 1, 2])).toBe(canonicalJson([3, 1, 2]));
    expect(canonicalJson([3, 1, 2])).not.toBe(canonicalJson([1, 2, 3]));
  });

  it('gives one text for objects that differ only in key order', () => {
    expect(canonicalJson({ x: 1, y: { b: 2, a: 3 } })).toBe(canonicalJson({ y: { a: 3, b: 2 }, x: 1 }));
  });

  it.each([
    ['a string', 'text', '"text"'],
    ['a number', 42, '42'],
    ['null', null, 'null'],
    ['an empty object', {}, '{}'],
  ])('writes %s as JSON does', (_label, value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });
});

describe('Function: policyText', () => {
  it('is the compact JSON of the configured policy, as PutLifecyclePolicy receives it', () => {
    const text = policyText(POLICY);

    expect(text).not.toMatch(/\s/);
    expect(JSON.parse(text)).toStrictEqual(POLICY);
  });
});

describe('Function: policyDrift', () => {
  it('reports a repository without a policy as missing', () => {
    expect(policyDrift(undefined, POLICY)).toStrictEqual({ status: 'missing' });
  });

  it('reports the text ECR returns, re-spaced and with keys reordered, as in sync', () => {
    // Prepare: ECR gives back its own formatting of the policy that was put.
    const reformatted = JSON.stringify(
      {
        rules: POLICY.rules.map(({ action, selection, rulePriority }) => ({
          selection,
          action,
          rulePriority,
        })),
      },
      null,
      3,
    );

    // Act
    const drift = policyDrift(reformatted, POLICY);

    // Assess
    expect(drift).toStrictEqual({ status: 'in-sync' });
  });

  it('reports rules in another order as different', () => {
    const swapped = JSON.stringify({ rules: [POLICY.rules[1], POLICY.rules[0]] });

    expect(policyDrift(swapped, POLICY).status).toBe('different');
  });

  it('shows the repository policy as - lines and the configured one as + lines', () => {
    const current = JSON.stringify({ rules: [rule(1, 1), rule(2, 30)] });

    const drift = policyDrift(current, POLICY);

    expect(drift.status).toBe('different');
    const changed = drift.status === 'different' ? drift.diff.filter((line) => !line.startsWith('  ')) : [];
    expect(changed).toStrictEqual(['-         "countNumber": 30,', '+         "countNumber": 10,']);
  });

  it('shows a policy text that is not JSON as one removed line, and as different', () => {
    const drift = policyDrift('not json {', POLICY);

    expect(drift.status).toBe('different');
    const diff = drift.status === 'different' ? drift.diff : [];
    expect(diff[0]).toBe('- not json {');
    expect(diff.filter((line) => line.startsWith('+ ')).length).toBeGreaterThan(0);
  });
});

describe('Function: lineDiff', () => {
  it.each([
    ['two empty texts', [], [], []],
    ['an added text', [], ['a', 'b'], ['+ a', '+ b']],
    ['a removed text', ['a', 'b'], [], ['- a', '- b']],
    ['a changed line', ['a', 'b', 'c'], ['a', 'x', 'c'], ['  a', '- b', '+ x', '  c']],
    ['an inserted line', ['a', 'c'], ['a', 'b', 'c'], ['  a', '+ b', '  c']],
    ['a removed line', ['a', 'b', 'c'], ['a', 'c'], ['  a', '- b', '  c']],
  ])('diffs %s', (_label, a, b, expected) => {
    expect(lineDiff(a, b)).toStrictEqual(expected);
  });

  it('keeps an unchanged run of four lines whole', () => {
    const same = ['1', '2', '3', '4'];

    expect(lineDiff([...same, 'old'], [...same, 'new'])).toStrictEqual([
      '  1',
      '  2',
      '  3',
      '  4',
      '- old',
      '+ new',
    ]);
  });

  it('shortens an unchanged run longer than four lines to its two first and two last lines', () => {
    const same = ['1', '2', '3', '4', '5', '6', '7'];

    expect(lineDiff(['old', ...same], ['new', ...same])).toStrictEqual([
      '- old',
      '+ new',
      '  1',
      '  2',
      '  … 3 unchanged lines',
      '  6',
      '  7',
    ]);
  });

  it(`keeps at most ${MAX_DIFF_LINES} lines and counts the rest`, () => {
    const added = Array.from({ length: 100 }, (_, i) => `line ${i}`);

    const diff = lineDiff([], added);

    expect(diff).toHaveLength(MAX_DIFF_LINES + 1);
    expect(diff[MAX_DIFF_LINES - 1]).toBe(`+ line ${MAX_DIFF_LINES - 1}`);
    expect(diff.at(-1)).toBe(`… ${100 - MAX_DIFF_LINES} more diff lines`);
  });

  it('keeps exactly the limit without a count line', () => {
    const added = Array.from({ length: MAX_DIFF_LINES }, (_, i) => `line ${i}`);

    expect(lineDiff([], added)).toHaveLength(MAX_DIFF_LINES);
  });
});
