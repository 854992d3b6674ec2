import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  describeSelection,
  previewLifecycle,
  previewResponse,
  tagPatternMatches,
} from '../../../../shared/images/engine';
import type { LifecycleImage } from '../../../../shared/images/images';
import { parseLifecyclePolicy, type LifecyclePolicy } from '../../../../shared/images/policy';

const GUIDE = 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_examples.html';
const NOW = new Date('2026-03-28T12:00:00Z');
const HOUR_MS = 3_600_000;

const digestOf = (name: string) => `sha256:${createHash('sha256').update(name).digest('hex')}`;

/** An image named like the guide's ("Image A"), pushed `days` days before NOW (plus `hours`). */
const image = (name: string, tags: string[], days: number, hours = 0): LifecycleImage => ({
  imageDigest: digestOf(name),
  imageTags: tags,
  imagePushedAt: new Date(NOW.getTime() - days * DAY_MS - hours * HOUR_MS),
});

/** Runs a policy (validated as ECR would first) and names the images it expires, oldest first. */
function expiredNames(policy: unknown, repository: Record<string, LifecycleImage>): string[] {
  const names = new Map(Object.entries(repository).map(([name, img]) => [img.imageDigest, name]));
  const plan = previewLifecycle(parseLifecyclePolicy(policy), Object.values(repository), NOW);
  return plan.results.filter((r) => r.expire).map((r) => names.get(r.image.imageDigest)!);
}

function decisionOf(policy: unknown, repository: Record<string, LifecycleImage>, name: string) {
  const plan = previewLifecycle(parseLifecyclePolicy(policy), Object.values(repository), NOW);
  return plan.results.find((r) => r.image.imageDigest === repository[name]!.imageDigest)!;
}

type Selection = Record<string, unknown>;
const rule = (rulePriority: number, selection: Selection, description = `Rule ${rulePriority}`) => ({
  rulePriority,
  description,
  selection,
  action: { type: 'expire' },
});
const policyOf = (...rules: ReturnType<typeof rule>[]) => ({ rules });

// Repositories of the guide's worked examples ("Pushed: 10 days ago" and so on).
const multipleRulesRepo = {
  A: image('A', ['beta-1', 'prod-1'], 10),
  B: image('B', ['beta-2', 'prod-2'], 9),
  C: image('C', ['beta-3'], 8),
};
const multipleTagsRepoA = {
  A: image('A', ['alpha-1'], 12),
  B: image('B', ['beta-1'], 11),
  C: image('C', ['alpha-2', 'beta-2'], 10),
  D: image('D', ['alpha-3'], 4),
  E: image('E', ['beta-3'], 3),
  F: image('F', ['alpha-4', 'beta-4'], 2),
};
const multipleTagsRepoB = {
  A: image('A', ['alpha-1', 'beta-1', 'gamma-1'], 10),
  B: image('B', ['alpha-2', 'beta-2'], 9),
  C: image('C', ['alpha-3', 'beta-3', 'gamma-2'], 8),
};
const allImagesRepoA = {
  A: image('A', ['alpha-1'], 4),
  B: image('B', ['beta-1'], 3),
  C: image('C', [], 2),
  D: image('D', ['alpha-2'], 1),
};
// D and E are both "1 day ago" in the guide; its outcome (rule 3 expires D and keeps E; rule 2 does not
// expire E) says E is the newer and not older than a day, so E is an hour younger here.
const allImagesRepoB = {
  A: image('A', ['alpha-1', 'beta-1'], 4),
  B: image('B', [], 3),
  C: image('C', ['alpha-2'], 2),
  D: image('D', ['git hash'], 1),
  E: image('E', [], 1, -1),
};
// The guide's single-rule examples come without a repository; these exercise them at their edges.
const ageRepo = {
  old: image('old', ['prod-1'], 20),
  justOver: image('justOver', ['production'], 14, 1),
  exactly: image('exactly', ['prod'], 14),
  young: image('young', ['prod-3'], 13),
  otherTag: image('otherTag', ['test-1'], 30),
  untaggedOld: image('untaggedOld', [], 30),
  untaggedYoung: image('untaggedYoung', [], 2),
};
const countRepo = {
  u1: image('u1', [], 5),
  u2: image('u2', [], 3),
  u3: image('u3', [], 1),
  tagged: image('tagged', ['v1'], 9),
};

const examples = [
  {
    section: 'Filtering on image age (tagPatternList prod*, older than 14 days)',
    anchor: '#lifecycle_policy_example_age',
    policy: policyOf(
      rule(
        1,
        {
          tagStatus: 'tagged',
          tagPatternList: ['prod*'],
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 14,
        },
        'Expire images older than 14 days',
      ),
    ),
    repository: ageRepo,
    expired: ['old', 'justOver'],
  },
  {
    section: 'Filtering on image age (earlier edition: untagged, older than 14 days)',
    anchor: '#lifecycle_policy_example_age',
    policy: policyOf(
      rule(
        1,
        { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
        'Expire images older than 14 days',
      ),
    ),
    repository: ageRepo,
    expired: ['untaggedOld'],
  },
  {
    section: 'Filtering on image count (keep one untagged image)',
    anchor: '#lifecycle_policy_example_number',
    policy: policyOf(
      rule(
        1,
        { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
        'Keep only one untagged image, expire all others',
      ),
    ),
    repository: countRepo,
    expired: ['u1', 'u2'],
  },
  ...(['tagPatternList', 'tagPrefixList'] as const).flatMap((list) => {
    const value = (tag: string) => (list === 'tagPatternList' ? [`${tag}*`] : [tag]);
    const tags = (...t: string[]) => (list === 'tagPatternList' ? t.map((x) => `${x}*`) : t);
    const count = (n: number, tag: string) => ({
      tagStatus: 'tagged',
      [list]: value(tag),
      countType: 'imageCountMoreThan',
      countNumber: n,
    });
    return [
      {
        section: `Filtering on multiple rules, Example A (${list})`,
        anchor: '#lp_example_multiple_a',
        policy: policyOf(rule(1, count(1, 'prod')), rule(2, count(1, 'beta'))),
        repository: multipleRulesRepo,
        expired: ['A'],
      },
      {
        section: `Filtering on multiple rules, Example B (${list})`,
        anchor: '#lp_example_multiple_b',
        policy: policyOf(rule(1, count(1, 'beta')), rule(2, count(1, 'prod'))),
        repository: multipleRulesRepo,
        expired: ['A', 'B'],
      },
      {
        section: `Filtering on multiple tags in a single rule, Example A (${list})`,
        anchor: '#lp_example_difftype_a',
        policy: policyOf(
          rule(1, {
            tagStatus: 'tagged',
            [list]: tags('alpha', 'beta'),
            countType: 'sinceImagePushed',
            countNumber: 5,
            countUnit: 'days',
          }),
        ),
        repository: multipleTagsRepoA,
        expired: ['C'],
      },
      {
        section: `Filtering on multiple tags in a single rule, Example B (${list})`,
        anchor: '#lp_example_difftype_b',
        policy: policyOf(
          rule(1, {
            tagStatus: 'tagged',
            [list]: tags('alpha', 'beta'),
            countType: 'imageCountMoreThan',
            countNumber: 1,
          }),
        ),
        repository: multipleTagsRepoB,
        expired: ['A', 'B'],
      },
      {
        section: `Filtering on all images, Example B (${list})`,
        anchor: '#lp_example_allimages',
        policy: policyOf(
          rule(1, count(1, 'alpha')),
          rule(2, {
            tagStatus: 'untagged',
            countType: 'sinceImagePushed',
            countUnit: 'days',
            countNumber: 1,
          }),
          rule(3, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
        ),
        repository: allImagesRepoB,
        expired: ['A', 'B', 'D'],
      },
    ];
  }),
  {
    section: 'Filtering on all images, Example A (any, keep one)',
    anchor: '#lp_example_allimages',
    policy: policyOf(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 })),
    repository: allImagesRepoA,
    expired: ['A', 'B', 'C'],
  },
];

describe('Function: previewLifecycle', () => {
  describe(`ECR user guide examples (${GUIDE})`, () => {
    it.each(examples)('$section expires $expired', ({ policy, repository, expired }) => {
      expect(expiredNames(policy, repository)).toEqual(expired);
    });

    it('lets a higher-priority rule keep an image a lower rule would expire (multiple rules, Example A)', () => {
      const policy = examples.find((e) => e.section.startsWith('Filtering on multiple rules, Example A'))!;

      const b = decisionOf(policy.policy, multipleRulesRepo, 'B');
      const c = decisionOf(policy.policy, multipleRulesRepo, 'C');

      expect(b).toMatchObject({ expire: false, rulePriority: 1 });
      expect(b.reason).toBe(
        'kept by rule 1 (images tagged prod*): 1st newest of 2, within the 1 it keeps; ' +
          'rule 2 would expire it, but rule 1 selected it first',
      );
      // Rule 2 counts A and B although rule 1 took them, so C is its newest and kept.
      expect(c).toMatchObject({ expire: false, rulePriority: 2 });
      expect(c.reason).toBe('kept by rule 2 (images tagged beta*): 1st newest of 3, within the 1 it keeps');
    });

    it('leaves a lower rule nothing once a higher rule has seen every image (multiple rules, Example B)', () => {
      const policy = examples.find((e) => e.section.startsWith('Filtering on multiple rules, Example B'))!;
      const plan = previewLifecycle(
        parseLifecyclePolicy(policy.policy),
        Object.values(multipleRulesRepo),
        NOW,
      );

      expect(plan.results.map((r) => r.rulePriority)).toEqual([1, 1, 1]);
    });

    it('counts images taken by higher rules when ranking for "any" (all images, Example B)', () => {
      const policy = examples.find((e) => e.section.startsWith('Filtering on all images, Example B'))!;
      const decide = (name: string) => decisionOf(policy.policy, allImagesRepoB, name);

      expect(decide('C')).toMatchObject({ expire: false, rulePriority: 1 });
      expect(decide('C').reason).toBe(
        'kept by rule 1 (images tagged alpha*): 1st newest of 2, within the 1 it keeps; ' +
          'rule 3 would expire it, but rule 1 selected it first',
      );
      expect(decide('E')).toMatchObject({ expire: false, rulePriority: 2 });
      expect(decide('E').reason).toBe(
        'kept by rule 2 (untagged images): pushed 0d 23h 0m ago, not older than 1 day',
      );
      expect(decide('D')).toMatchObject({ expire: true, rulePriority: 3 });
      expect(decide('D').reason).toBe(
        'expired by rule 3 (any image): 2nd newest of 5, beyond the 1 it keeps',
      );
    });
  });

  describe('tag filters', () => {
    it('selects an image when every tagPrefixList entry starts one of its tags, the same tag possibly', () => {
      const repository = {
        both: image('both', ['abc'], 3),
        split: image('split', ['ab-1', 'x'], 2),
        one: image('one', ['a'], 1),
      };
      const policy = policyOf(
        rule(1, {
          tagStatus: 'tagged',
          tagPrefixList: ['a', 'ab'],
          countType: 'imageCountMoreThan',
          countNumber: 1,
        }),
      );

      const plan = previewLifecycle(parseLifecyclePolicy(policy), Object.values(repository), NOW);

      expect(plan.results.map((r) => r.rulePriority)).toEqual([1, 1, undefined]);
      expect(expiredNames(policy, repository)).toEqual(['both']);
    });

    it('matches a tagPatternList entry against whole tags, unlike a prefix', () => {
      const repository = { exact: image('exact', ['prod'], 3), longer: image('longer', ['prod-1'], 2) };
      const pattern = policyOf(
        rule(1, {
          tagStatus: 'tagged',
          tagPatternList: ['prod'],
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 1,
        }),
      );
      const prefix = policyOf(
        rule(1, {
          tagStatus: 'tagged',
          tagPrefixList: ['prod'],
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 1,
        }),
      );

      expect(expiredNames(pattern, repository)).toEqual(['exact']);
      expect(expiredNames(prefix, repository)).toEqual(['exact', 'longer']);
    });

    it('never selects an untagged image with a tagged rule, nor a tagged one with an untagged rule', () => {
      const repository = { tagged: image('tagged', ['x'], 9), untagged: image('untagged', [], 9) };
      const old = { countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 };

      expect(
        expiredNames(policyOf(rule(1, { tagStatus: 'tagged', tagPatternList: ['*'], ...old })), repository),
      ).toEqual(['tagged']);
      expect(expiredNames(policyOf(rule(1, { tagStatus: 'untagged', ...old })), repository)).toEqual([
        'untagged',
      ]);
      expect(expiredNames(policyOf(rule(1, { tagStatus: 'any', ...old })), repository)).toEqual([
        'tagged',
        'untagged',
      ]);
    });
  });

  describe('counts and ages', () => {
    it('keeps an image pushed exactly countNumber days ago and expires one a millisecond older', () => {
      const repository = {
        exactly: image('exactly', [], 7),
        older: { ...image('older', [], 7), imagePushedAt: new Date(NOW.getTime() - 7 * DAY_MS - 1) },
      };
      const policy = policyOf(
        rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }),
      );

      expect(expiredNames(policy, repository)).toEqual(['older']);
    });

    it('keeps images pushed after the evaluation time and says so', () => {
      const future = { future: image('future', [], -2) };
      const policy = policyOf(
        rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }),
      );

      expect(decisionOf(policy, future, 'future')).toEqual({
        image: future.future,
        expire: false,
        rulePriority: 1,
        reason: 'kept by rule 1 (any image): pushed after the evaluation time, not older than 1 day',
      });
    });

    it('keeps the countNumber youngest, whatever the order of the input', () => {
      const repository = Object.fromEntries(
        [5, 1, 4, 2, 3].map((days) => [`d${days}`, image(`d${days}`, [], days)]),
      );
      const policy = policyOf(
        rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 2 }),
      );

      expect(expiredNames(policy, repository)).toEqual(['d5', 'd4', 'd3']);
    });

    it('ranks images pushed at the same moment by digest, so the plan does not depend on input order', () => {
      const twins = [image('one', [], 1), image('two', [], 1), image('three', [], 1)];
      const policy = parseLifecyclePolicy(
        policyOf(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 })),
      );

      const forward = previewLifecycle(policy, twins, NOW);
      const backward = previewLifecycle(policy, [...twins].reverse(), NOW);

      const digests = twins.map((t) => t.imageDigest).sort();
      expect(forward.results.map((r) => r.image.imageDigest)).toEqual(digests);
      expect(backward).toEqual(forward);
      expect(forward.results.map((r) => r.expire)).toEqual([true, true, false]);
    });

    it('applies rules by rulePriority, not by their order in the document', () => {
      const repository = multipleRulesRepo;
      const inOrder = examples.find((e) => e.section.startsWith('Filtering on multiple rules, Example A'))!;
      const reversed = { rules: [...inOrder.policy.rules].reverse() };

      expect(expiredNames(reversed, repository)).toEqual(['A']);
    });
  });

  it('gives every image a reason, including those no rule selects', () => {
    const repository = { lonely: image('lonely', ['dev'], 100) };
    const policy = policyOf(
      rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }),
    );

    expect(decisionOf(policy, repository, 'lonely')).toEqual({
      image: repository.lonely,
      expire: false,
      reason: 'kept: no rule selects it',
    });
  });

  it.each([
    [1, '1st'],
    [2, '2nd'],
    [3, '3rd'],
    [4, '4th'],
    [11, '11th'],
    [12, '12th'],
    [13, '13th'],
    [21, '21st'],
    [22, '22nd'],
    [101, '101st'],
    [111, '111th'],
  ])('names rank %i "%s" in reasons', (rank, word) => {
    const repository = Object.fromEntries(
      Array.from({ length: rank }, (_, i) => [`i${i}`, image(`i${i}`, [], i)]),
    );
    const policy = policyOf(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 200 }));

    expect(decisionOf(policy, repository, `i${rank - 1}`).reason).toBe(
      `kept by rule 1 (any image): ${word} newest of ${rank}, within the 200 it keeps`,
    );
  });

  it('plans an empty repository', () => {
    const policy = parseLifecyclePolicy(
      policyOf(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 })),
    );

    expect(previewLifecycle(policy, [], NOW)).toEqual({ evaluatedAt: NOW, results: [] });
  });

  describe('properties', () => {
    const TAG_CHARS = ['a', 'b', '-'];
    const tagArb = fc.string({ unit: fc.constantFrom(...TAG_CHARS), minLength: 1, maxLength: 4 });
    const patternArb = fc
      .string({ unit: fc.constantFrom(...TAG_CHARS, '*'), minLength: 1, maxLength: 5 })
      .filter((p) => p.split('*').length <= 5);
    const countArb = fc.oneof(
      fc.record({
        countType: fc.constant('imageCountMoreThan'),
        countNumber: fc.integer({ min: 1, max: 6 }),
      }),
      fc.record({
        countType: fc.constant('sinceImagePushed'),
        countUnit: fc.constant('days'),
        countNumber: fc.integer({ min: 1, max: 6 }),
      }),
    );
    const selectionArb = fc.oneof(
      fc.record({
        tagStatus: fc.constant('tagged'),
        tagPrefixList: fc.array(tagArb, { minLength: 1, maxLength: 2 }),
      }),
      fc.record({
        tagStatus: fc.constant('tagged'),
        tagPatternList: fc.array(patternArb, { minLength: 1, maxLength: 2 }),
      }),
      fc.record({ tagStatus: fc.constant('untagged') }),
      fc.record({ tagStatus: fc.constant('any') }),
    );

    /** A random policy that ECR accepts: unique priorities, one untagged rule, the "any" rule last. */
    const policyArb = fc
      .array(fc.tuple(selectionArb, countArb, fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 5 })
      .map((drafts) => {
        const seen = new Set<string>();
        const kept = drafts.filter(([selection]) => {
          // The same untagged/any status, or the same set of prefixes or patterns, twice is refused.
          const list =
            'tagPrefixList' in selection
              ? selection.tagPrefixList
              : 'tagPatternList' in selection
                ? selection.tagPatternList
                : [];
          const key = `${selection.tagStatus}:${'tagPrefixList' in selection}:${[...new Set(list)].sort().join(' ')}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        const ordered = [
          ...kept.filter(([s]) => s.tagStatus !== 'any'),
          ...kept.filter(([s]) => s.tagStatus === 'any'),
        ];
        let priority = 0;
        return {
          rules: ordered.map(([selection, count, gap]) =>
            rule((priority += gap), { ...selection, ...count } as Selection),
          ),
        };
      })
      .map((doc) => parseLifecyclePolicy(doc));

    const imagesArb = fc
      .array(fc.tuple(fc.array(tagArb, { maxLength: 3 }), fc.integer({ min: -24, max: 24 * 10 })), {
        maxLength: 25,
      })
      .map((drafts) =>
        drafts.map(([tags, hoursAgo], i) => ({
          imageDigest: digestOf(`image-${i}`),
          imageTags: tags,
          imagePushedAt: new Date(NOW.getTime() - hoursAgo * HOUR_MS),
        })),
      );

    /** Independent, naive reading of the guide's evaluation rules, with regular expressions for patterns. */
    function reference(policy: LifecyclePolicy, images: LifecycleImage[]) {
      const regex = (pattern: string) =>
        new RegExp(
          `^${pattern
            .split('*')
            .map((p) => p.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'))
            .join('.*')}$`,
          's',
        );
      const selects = (selection: LifecyclePolicy['rules'][number]['selection'], tags: readonly string[]) => {
        if (selection.tagStatus === 'any') return true;
        if (selection.tagStatus === 'untagged') return tags.length === 0;
        if (selection.tagPatternList)
          return selection.tagPatternList.every((p) => tags.some((t) => regex(p).test(t)));
        return selection.tagPrefixList!.every((p) => tags.some((t) => t.startsWith(p)));
      };
      const younger = (a: LifecycleImage, b: LifecycleImage) =>
        a.imagePushedAt.getTime() > b.imagePushedAt.getTime() ||
        (a.imagePushedAt.getTime() === b.imagePushedAt.getTime() && a.imageDigest > b.imageDigest);
      const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
      return new Map<string, { expire: boolean; rulePriority: number | undefined }>(
        images.map((img) => {
          const taker = rules.find((r) => selects(r.selection, img.imageTags));
          if (!taker) return [img.imageDigest, { expire: false, rulePriority: undefined }];
          const { countType, countNumber } = taker.selection;
          const rank =
            1 + images.filter((o) => younger(o, img) && selects(taker.selection, o.imageTags)).length;
          const expire =
            countType === 'imageCountMoreThan'
              ? rank > countNumber
              : NOW.getTime() - img.imagePushedAt.getTime() > countNumber * DAY_MS;
          return [img.imageDigest, { expire, rulePriority: taker.rulePriority }];
        }),
      );
    }

    it('agrees with a naive reading of the evaluation rules on random policies and repositories', () => {
      fc.assert(
        fc.property(policyArb, imagesArb, (policy, images) => {
          const plan = previewLifecycle(policy, images, NOW);
          const expected = reference(policy, images);
          for (const result of plan.results) {
            expect({ expire: result.expire, rulePriority: result.rulePriority }).toEqual(
              expected.get(result.image.imageDigest),
            );
          }
        }),
        { numRuns: 300 },
      );
    });

    it('decides each image once, oldest first, whatever the input order', () => {
      fc.assert(
        fc.property(policyArb, imagesArb, fc.infiniteStream(fc.nat()), (policy, images, seeds) => {
          const shuffled = images
            .map((img) => ({ img, key: seeds.next().value as number }))
            .sort((a, b) => a.key - b.key)
            .map(({ img }) => img);
          const plan = previewLifecycle(policy, images, NOW);

          expect(previewLifecycle(policy, shuffled, NOW)).toEqual(plan);
          expect(plan.results).toHaveLength(images.length);
          const times = plan.results.map((r) => r.image.imagePushedAt.getTime());
          expect(times).toEqual([...times].sort((a, b) => a - b));
          for (const r of plan.results)
            expect(r.reason).toMatch(/^(expired by rule|kept by rule|kept: no rule)/);
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe('Function: tagPatternMatches', () => {
  it.each([
    ['prod*', 'prod', true],
    ['prod*', 'prod1', true],
    ['prod*', 'production-team1', true],
    ['prod*', 'preprod', false],
    ['*prod*', 'repo-production', true],
    ['*prod*', 'prod-team', true],
    ['*prod*', 'pro-d', false],
    ['prod', 'prod', true],
    ['prod', 'prod1', false],
    ['prod', 'Prod', false],
    ['*', 'anything', true],
    ['*-rc*', 'v1-rc2', true],
    ['v*.*.*', 'v1.2.3', true],
    ['v*.*.*', 'v1.2', false],
    ['*test*1*2*3', 'xtest-1-2-3', true],
    ['*test*1*2*3', 'test123', true],
    ['*test*1*2*3', 'test1234', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['ab*ba', 'aba', false],
    ['**', '', true],
    ['a.b', 'axb', false],
    ['x+', 'xx', false],
  ])('"%s" matches "%s": %s', (pattern, tag, expected) => {
    expect(tagPatternMatches(pattern, tag)).toBe(expected);
  });
});

describe('Function: describeSelection', () => {
  it.each([
    [{ tagStatus: 'any' }, 'any image'],
    [{ tagStatus: 'untagged' }, 'untagged images'],
    [{ tagStatus: 'tagged', tagPatternList: ['alpha*', 'beta*'] }, 'images tagged alpha* + beta*'],
    [{ tagStatus: 'tagged', tagPrefixList: ['prod'] }, 'images with tag prefix prod'],
    [{ tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'] }, 'images with tag prefixes alpha + beta'],
  ])('describes %j as "%s"', (selection, text) => {
    const policy = parseLifecyclePolicy(
      policyOf(rule(1, { ...selection, countType: 'imageCountMoreThan', countNumber: 1 })),
    );

    expect(describeSelection(policy.rules[0]!.selection)).toBe(text);
  });
});

describe('Function: previewResponse', () => {
  it('lists the expiring images oldest first in the shape of GetLifecyclePolicyPreview', () => {
    const policy = parseLifecyclePolicy(
      examples.find((e) => e.section.startsWith('Filtering on all images, Example B'))!.policy,
    );
    const plan = previewLifecycle(policy, Object.values(allImagesRepoB), NOW);

    expect(previewResponse(plan)).toEqual({
      previewResults: [
        {
          imageDigest: allImagesRepoB.A.imageDigest,
          imageTags: ['alpha-1', 'beta-1'],
          imagePushedAt: '2026-03-24T12:00:00.000Z',
          action: { type: 'EXPIRE' },
          appliedRulePriority: 1,
        },
        {
          imageDigest: allImagesRepoB.B.imageDigest,
          imageTags: [],
          imagePushedAt: '2026-03-25T12:00:00.000Z',
          action: { type: 'EXPIRE' },
          appliedRulePriority: 2,
        },
        {
          imageDigest: allImagesRepoB.D.imageDigest,
          imageTags: ['git hash'],
          imagePushedAt: '2026-03-27T12:00:00.000Z',
          action: { type: 'EXPIRE' },
          appliedRulePriority: 3,
        },
      ],
      summary: { expiringImageTotalCount: 3 },
    });
  });

  it('reports nothing to expire as an empty list and a zero count', () => {
    expect(previewResponse({ evaluatedAt: NOW, results: [] })).toEqual({
      previewResults: [],
      summary: { expiringImageTotalCount: 0 },
    });
  });
});
