import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../shared/kernel/errors';
import {
  LifecyclePolicyError,
  MAX_POLICY_TEXT,
  parseLifecyclePolicy,
  validateLifecyclePolicy,
} from '../../../../shared/images/policy';

type Doc = Record<string, unknown>;

/** A valid rule; `selection` and `fields` are merged over it. */
const rule = (rulePriority: number, selection: Doc = {}, fields: Doc = {}): Doc => ({
  rulePriority,
  selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1, ...selection },
  action: { type: 'expire' },
  ...fields,
});

const tagged = (selection: Doc = {}) => ({ tagStatus: 'tagged', tagPatternList: ['prod*'], ...selection });
const age = { countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 };

describe('Function: validateLifecyclePolicy', () => {
  it.each([
    ['untagged by count', { rules: [rule(1)] }],
    ['tagged by pattern and age', { rules: [rule(1, tagged(age))] }],
    [
      'tagged by several prefixes',
      { rules: [rule(1, { tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'] })] },
    ],
    ['any, with a description', { rules: [rule(1, { tagStatus: 'any' }, { description: 'keep one' })] }],
    ['the standard storage class spelled out', { rules: [rule(1, { storageClass: 'standard' })] }],
    [
      'four wildcards in a pattern',
      { rules: [rule(1, tagged({ tagPatternList: ['*test*1*2*3', 'test*1*2*3*'] }))] },
    ],
    [
      'non-sequential priorities in any order, "any" last',
      { rules: [rule(30, { tagStatus: 'any' }), rule(10, tagged()), rule(20, age)] },
    ],
    [
      'the same prefixes in different rules when the sets differ',
      {
        rules: [
          rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod'] }),
          rule(2, { tagStatus: 'tagged', tagPrefixList: ['prod', 'beta'] }),
          rule(3, { tagStatus: 'tagged', tagPatternList: ['prod'] }),
        ],
      },
    ],
  ])('accepts %s', (_label, doc) => {
    expect(validateLifecyclePolicy(doc)).toEqual([]);
  });

  it.each([
    // Shape
    ['a document that is not an object', [], '(root): expected an object like {"rules": [...]}, got a list'],
    ['a document without rules', {}, 'rules: required (a list of rules)'],
    ['an empty rule list', { rules: [] }, 'rules: at least one rule'],
    ['a rule that is not an object', { rules: ['x'] }, 'rules[0]: expected an object, got "x"'],
    ['an unknown top-level key', { rules: [rule(1)], version: 1 }, 'version: unknown key; expected rules'],
    [
      'a misspelt key',
      { rules: [rule(1, {}, { Description: 'keep one' })] },
      'rules[0].Description: unknown key (did you mean "description"?)',
    ],
    [
      'an unknown rule key',
      { rules: [rule(1, {}, { enabled: true })] },
      'rules[0].enabled: unknown key; expected rulePriority, description, selection, action',
    ],
    [
      'a null value (ECR rejects nulls)',
      { rules: [rule(1, { ...age, countUnit: null })] },
      'rules[0].selection.countUnit: expected "days" (the only unit), got null',
    ],
    // rulePriority
    [
      'a missing rulePriority',
      { rules: [{ ...rule(1), rulePriority: undefined }] },
      'rules[0].rulePriority: required (a whole number ≥ 1)',
    ],
    [
      'a zero rulePriority',
      { rules: [rule(0)] },
      'rules[0].rulePriority: expected a whole number ≥ 1, got 0',
    ],
    [
      'a fractional rulePriority',
      { rules: [rule(1.5)] },
      'rules[0].rulePriority: expected a whole number ≥ 1, got 1.5',
    ],
    [
      'a rulePriority given as text',
      { rules: [rule('1' as unknown as number)] },
      'rules[0].rulePriority: expected a whole number ≥ 1, got "1"',
    ],
    [
      'two rules with one priority',
      { rules: [rule(1), rule(1, tagged())] },
      'rules[1].rulePriority: 1 is already the priority of rules[0]; each rule needs its own rulePriority',
    ],
    [
      'a description that is not text',
      { rules: [rule(1, {}, { description: 7 })] },
      'rules[0].description: expected a string, got 7',
    ],
    // tagStatus and tag lists
    [
      'an unknown tagStatus',
      { rules: [rule(1, { tagStatus: 'TAGGED' })] },
      'rules[0].selection.tagStatus: expected "tagged", "untagged" or "any", got "TAGGED"',
    ],
    [
      '"tagged" without a tag list',
      { rules: [rule(1, { tagStatus: 'tagged' })] },
      'rules[0].selection: tagStatus "tagged" needs tagPatternList or tagPrefixList (which tags to select)',
    ],
    [
      'both tag lists in one rule',
      { rules: [rule(1, tagged({ tagPrefixList: ['prod'] }))] },
      'rules[0].selection: give tagPrefixList or tagPatternList, not both',
    ],
    [
      'a prefix list on an untagged rule',
      { rules: [rule(1, { tagPrefixList: ['prod'] })] },
      'rules[0].selection.tagPrefixList: only allowed with tagStatus "tagged" (this rule has "untagged")',
    ],
    [
      'a pattern list on an "any" rule',
      { rules: [rule(1, { tagStatus: 'any', tagPatternList: ['prod*'] })] },
      'rules[0].selection.tagPatternList: only allowed with tagStatus "tagged" (this rule has "any")',
    ],
    [
      'an empty pattern list',
      { rules: [rule(1, tagged({ tagPatternList: [] }))] },
      'rules[0].selection.tagPatternList: at least one tag pattern',
    ],
    [
      'an empty prefix',
      { rules: [rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod', ''] })] },
      'rules[0].selection.tagPrefixList[1]: a tag prefix cannot be empty',
    ],
    [
      'a prefix list given as one string',
      { rules: [rule(1, { tagStatus: 'tagged', tagPrefixList: 'prod' })] },
      'rules[0].selection.tagPrefixList: expected a list of tag prefixes, got "prod"',
    ],
    [
      "five wildcards in a pattern (the guide's invalid example has six)",
      { rules: [rule(1, tagged({ tagPatternList: ['*a*b*c*d*'] }))] },
      'rules[0].selection.tagPatternList[0]: at most 4 wildcards (*) per pattern; "*a*b*c*d*" has 5',
    ],
    [
      'the same tag filter in two rules',
      {
        rules: [
          rule(1, tagged({ tagPatternList: ['b*', 'a*'] })),
          rule(2, tagged({ tagPatternList: ['a*', 'b*', 'a*'] })),
        ],
      },
      'rules[1].selection.tagPatternList: the same tags as rules[0]; the rules must have a unique set of tag filters',
    ],
    [
      'two rules selecting untagged images',
      { rules: [rule(1), rule(2, age)] },
      'rules[1].selection.tagStatus: only one rule may select untagged images (rules[0] already does)',
    ],
    [
      'two "any" rules',
      { rules: [rule(1, { tagStatus: 'any' }), rule(2, { tagStatus: 'any', ...age })] },
      'rules[1].selection.tagStatus: only one rule may have tagStatus "any" (rules[0] already does)',
    ],
    [
      'an "any" rule that is not last',
      { rules: [rule(5, { tagStatus: 'any' }), rule(7, tagged())] },
      'rules[0].rulePriority: the tagStatus "any" rule must have the highest rulePriority (it is evaluated last), but 5 is below rules[1]\'s 7',
    ],
    // Counting
    [
      'an unknown countType',
      { rules: [rule(1, { countType: 'imageCountLessThan' })] },
      'rules[0].selection.countType: expected "imageCountMoreThan" or "sinceImagePushed", got "imageCountLessThan"',
    ],
    [
      'a countType named like an Object property',
      { rules: [rule(1, { countType: 'constructor' })] },
      'rules[0].selection.countType: expected "imageCountMoreThan" or "sinceImagePushed", got "constructor"',
    ],
    [
      'countUnit with imageCountMoreThan',
      { rules: [rule(1, { countUnit: 'days' })] },
      'rules[0].selection.countUnit: only allowed with countType "sinceImagePushed" (imageCountMoreThan counts images, not days)',
    ],
    [
      'sinceImagePushed without countUnit',
      { rules: [rule(1, { countType: 'sinceImagePushed' })] },
      'rules[0].selection.countUnit: required ("days") with countType "sinceImagePushed"',
    ],
    [
      'a unit other than days',
      { rules: [rule(1, { ...age, countUnit: 'hours' })] },
      'rules[0].selection.countUnit: expected "days" (the only unit), got "hours"',
    ],
    [
      'a zero countNumber',
      { rules: [rule(1, { countNumber: 0 })] },
      'rules[0].selection.countNumber: expected a positive whole number (0 is not allowed), got 0',
    ],
    [
      'a negative countNumber',
      { rules: [rule(1, { countNumber: -3 })] },
      'rules[0].selection.countNumber: expected a positive whole number (0 is not allowed), got -3',
    ],
    [
      'a missing countNumber',
      { rules: [rule(1, { countNumber: undefined })] },
      'rules[0].selection.countNumber: required (a positive whole number (0 is not allowed))',
    ],
    // Action
    [
      'an unknown action',
      { rules: [rule(1, {}, { action: { type: 'delete' } })] },
      'rules[0].action.type: expected "expire", got "delete"',
    ],
    [
      'a missing action',
      { rules: [{ ...rule(1), action: undefined }] },
      'rules[0].action: required (an object)',
    ],
    [
      'a target storage class on an expire action',
      { rules: [rule(1, {}, { action: { type: 'expire', targetStorageClass: 'archive' } })] },
      'rules[0].action.targetStorageClass: only used with action type "transition"',
    ],
  ])('refuses %s', (_label, doc, issue) => {
    expect(validateLifecyclePolicy(doc)).toEqual([issue]);
  });

  // https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_examples.html, archive sections
  it.each([
    [
      'Filtering on last pulled time',
      rule(
        1,
        { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
        {
          action: { type: 'transition', targetStorageClass: 'archive' },
        },
      ),
      [
        'rules[0].selection.countType: countType "sinceImagePulled" needs last pull times and works only with action "transition" (archive storage), which ecs-pilot does not preview; use imageCountMoreThan or sinceImagePushed',
        'rules[0].action.type: action "transition" (archive storage) is not previewed by ecs-pilot; the supported action type is "expire"',
      ],
    ],
    [
      'Filtering on archive transition time',
      rule(1, {
        tagStatus: 'any',
        storageClass: 'archive',
        countType: 'sinceImageTransitioned',
        countUnit: 'days',
        countNumber: 365,
      }),
      [
        'rules[0].selection.storageClass: storageClass "archive" is not previewed by ecs-pilot; omit storageClass or use "standard"',
        'rules[0].selection.countType: countType "sinceImageTransitioned" selects archived images, which ecs-pilot does not preview; use imageCountMoreThan or sinceImagePushed',
      ],
    ],
  ])(
    'refuses the guide\'s archive example "%s" by name rather than mis-preview it',
    (_section, archiveRule, issues) => {
      expect(validateLifecyclePolicy({ rules: [archiveRule] })).toEqual(issues);
    },
  );

  it('lists every problem at once, root first, then rule by rule', () => {
    const doc = {
      rules: [
        rule(2, { tagStatus: 'any' }),
        rule(2, tagged({ tagPrefixList: ['x'], countUnit: 'days', countNumber: 0 })),
        { selection: null },
      ],
      extra: true,
    };

    expect(validateLifecyclePolicy(doc)).toEqual([
      'extra: unknown key; expected rules',
      'rules[1].selection.countNumber: expected a positive whole number (0 is not allowed), got 0',
      'rules[1].selection: give tagPrefixList or tagPatternList, not both',
      'rules[1].selection.countUnit: only allowed with countType "sinceImagePushed" (imageCountMoreThan counts images, not days)',
      'rules[1].rulePriority: 2 is already the priority of rules[0]; each rule needs its own rulePriority',
      'rules[2].rulePriority: required (a whole number ≥ 1)',
      'rules[2].selection: expected an object, got null',
      'rules[2].action: required (an object)',
    ]);
  });

  it('refuses keys that would reach the prototype, once, with a clear message', () => {
    const doc = JSON.parse(
      '{"rules": [{"rulePriority": 1, "__proto__": {"x": 1}, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}}]}',
    );

    expect(validateLifecyclePolicy(doc)).toEqual(['rules[0].__proto__: key "__proto__" is not allowed']);
  });

  it('never throws, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        expect(Array.isArray(validateLifecyclePolicy(doc))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on rule-shaped documents with wrong values', () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom('tagged', 'untagged', 'any', 'days', 'expire', 1, 0, -1),
    );
    const ruleish = fc.record(
      {
        rulePriority: value,
        selection: fc.dictionary(
          fc.constantFrom(
            'tagStatus',
            'tagPrefixList',
            'tagPatternList',
            'countType',
            'countUnit',
            'countNumber',
            'storageClass',
          ),
          value,
        ),
        action: fc.dictionary(fc.constantFrom('type', 'targetStorageClass'), value),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(ruleish, { maxLength: 4 }), (rules) => {
        expect(Array.isArray(validateLifecyclePolicy({ rules }))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Function: parseLifecyclePolicy', () => {
  const text = JSON.stringify({
    rules: [rule(1, tagged(age), { description: 'Expire images older than 14 days' })],
  });

  it('parses the JSON text given to put-lifecycle-policy into the typed policy', () => {
    expect(parseLifecyclePolicy(text)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: 'Expire images older than 14 days',
          selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], ...age },
          action: { type: 'expire' },
        },
      ],
    });
  });

  it('accepts an already-parsed object and returns a copy', () => {
    const doc = JSON.parse(text);

    const policy = parseLifecyclePolicy(doc);

    expect(policy).toEqual(doc);
    expect(policy).not.toBe(doc);
  });

  it('throws a permanent LifecyclePolicyError listing every problem with its path', () => {
    const error = (() => {
      try {
        parseLifecyclePolicy({ rules: [rule(0), rule(2, { countNumber: 0 })] }, 'policy.json');
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(LifecyclePolicyError);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({
      name: 'LifecyclePolicyError',
      retryable: false,
      source: 'policy.json',
      issues: [
        'rules[0].rulePriority: expected a whole number ≥ 1, got 0',
        'rules[1].selection.countNumber: expected a positive whole number (0 is not allowed), got 0',
        'rules[1].selection.tagStatus: only one rule may select untagged images (rules[0] already does)',
      ],
    });
    expect((error as Error).message).toBe(
      'Invalid lifecycle policy policy.json:\n' +
        '  - rules[0].rulePriority: expected a whole number ≥ 1, got 0\n' +
        '  - rules[1].selection.countNumber: expected a positive whole number (0 is not allowed), got 0\n' +
        '  - rules[1].selection.tagStatus: only one rule may select untagged images (rules[0] already does)',
    );
  });

  it('says when the text is not JSON', () => {
    expect(() => parseLifecyclePolicy('{"rules": [', 'p.json')).toThrow(
      expect.objectContaining({
        issues: [expect.stringMatching(/^\(root\): not valid JSON \(SyntaxError: /)],
      }),
    );
  });

  it(`refuses a text longer than ECR's ${MAX_POLICY_TEXT} characters before parsing it`, () => {
    const padded = (length: number) => `${text.slice(0, -1)}${' '.repeat(length - text.length)}}`;

    expect(parseLifecyclePolicy(padded(MAX_POLICY_TEXT))).toEqual(JSON.parse(text));
    expect(() => parseLifecyclePolicy(padded(MAX_POLICY_TEXT + 1))).toThrow(
      expect.objectContaining({
        issues: [
          `(root): the policy text has ${MAX_POLICY_TEXT + 1} characters; ECR accepts at most ${MAX_POLICY_TEXT}`,
        ],
      }),
    );
  });

  it('throws nothing but LifecyclePolicyError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (input) => {
        try {
          parseLifecyclePolicy(input);
        } catch (error) {
          expect(error).toBeInstanceOf(LifecyclePolicyError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
