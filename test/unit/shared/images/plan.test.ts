import { describe, expect, it } from 'vitest';
import { judgeRun, planRepository, type RepositoryPlan } from '../../../../shared/images/plan';
import { parseLifecyclePolicy } from '../../../../shared/images/policy';
import type { RegistryImage } from '../../../../shared/images/protect';
import { lineDiff, policyDrift } from '../../../../shared/images/sync';
import { parseImagesRequest } from '../../../../shared/images/request';

const NOW = new Date('2026-03-28T12:00:00Z');
const digest = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
const image = (n: number, tags: string[] = [], manifestMediaType?: string): RegistryImage => ({
  imageDigest: digest(n),
  imageTags: tags,
  imagePushedAt: new Date(Date.UTC(2026, 0, n)),
  ...(manifestMediaType ? { manifestMediaType } : {}),
});
const INDEX = 'application/vnd.oci.image.index.v1+json';
/** Keep the 2 newest tagged images; expire untagged ones older than 1 day. */
const POLICY = parseLifecyclePolicy({
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      selection: {
        tagStatus: 'tagged',
        tagPrefixList: ['v'],
        countType: 'imageCountMoreThan',
        countNumber: 2,
      },
      action: { type: 'expire' },
    },
  ],
});
const plan = (
  images: RegistryImage[],
  inUse: [number, string][] = [],
  children: [number, number[]][] = [],
  doubts: string[] = [],
) =>
  planRepository({
    repository: 'app',
    policy: POLICY,
    images,
    protection: { inUse: new Map(inUse.map(([n, why]) => [digest(n), [why]])), doubts },
    children: new Map(children.map(([n, kids]) => [digest(n), kids.map(digest)])),
    now: NOW,
  });
const byDigest = (p: RepositoryPlan, n: number) => p.decisions.find((d) => d.digest === digest(n))!;

describe('Function: planRepository', () => {
  it('deletes what the rules expire and nothing protects, and gives every image a reason', () => {
    const p = plan([image(1, ['v1']), image(2, ['v2']), image(3, ['v3']), image(4), image(5, ['latest'])]);

    expect(p.deletes).toEqual([digest(1), digest(4)]);
    expect(p.counts).toEqual({ images: 5, keptByRules: 3, keptInUse: 0, expired: 2 });
    expect(byDigest(p, 5)).toMatchObject({
      action: 'keep',
      cause: 'no-rule',
      reason: 'kept: no rule selects it',
    });
    expect(byDigest(p, 3)).toMatchObject({ action: 'keep', cause: 'rule', rulePriority: 2 });
    expect(p.decisions.every((d) => d.reason.length > 0)).toBe(true);
  });

  it('keeps an expired image in use, saying who uses it and what the rule said', () => {
    const p = plan(
      [image(1, ['v1']), image(2, ['v2']), image(3, ['v3'])],
      [[1, 'used by RUNNING task t1 in cluster media (container web)']],
    );

    expect(p.deletes).toEqual([]);
    expect(p.counts).toEqual({ images: 3, keptByRules: 2, keptInUse: 1, expired: 0 });
    expect(byDigest(p, 1).reason).toBe(
      'kept: in use, used by RUNNING task t1 in cluster media (container web) (expired by rule 2 (images with tag prefix v): 3rd newest of 3, beyond the 2 it keeps)',
    );
  });

  it('mentions use on an image the rules keep anyway, without counting it as kept in use', () => {
    const p = plan([image(1, ['v1'])], [[1, 'used by service web']]);

    expect(byDigest(p, 1)).toMatchObject({ cause: 'rule' });
    expect(byDigest(p, 1).reason).toMatch(/; also in use: used by service web$/);
    expect(p.counts.keptInUse).toBe(0);
  });

  it('quotes at most three reasons per image', () => {
    const p = planRepository({
      repository: 'app',
      policy: POLICY,
      images: [image(1)],
      protection: { inUse: new Map([[digest(1), ['a', 'b', 'c', 'd', 'e']]]), doubts: [] },
      children: new Map(),
      now: NOW,
    });

    expect(byDigest(p, 1).reason).toMatch(/^kept: in use, a; b; c; and 2 more \(/);
  });

  it('keeps the children of a kept image index (multi-architecture), transitively', () => {
    // 10 is a tagged index kept by rule 2; it lists 11 (untagged, would expire) and 12, itself an index listing 13.
    const p = plan(
      [image(10, ['v10'], INDEX), image(11), image(12, [], INDEX), image(13), image(14)],
      [],
      [
        [10, [11, 12]],
        [12, [13]],
      ],
    );

    expect(p.deletes).toEqual([digest(14)]);
    expect(byDigest(p, 11)).toMatchObject({ action: 'keep', cause: 'index-child' });
    expect(byDigest(p, 11).reason).toMatch(
      /^kept: part of image index sha256:000000000000 \(v10\), which is kept \(expired by rule 1/,
    );
    expect(byDigest(p, 13).cause).toBe('index-child');
    expect(p.counts).toEqual({ images: 5, keptByRules: 1, keptInUse: 3, expired: 1 });
  });

  it('lets an expired index go with its children, and keeps the children of an index in use', () => {
    const expiredIndex = plan([image(10, [], INDEX), image(11)], [], [[10, [11]]]);
    const usedIndex = plan([image(10, [], INDEX), image(11)], [[10, 'used by task t']], [[10, [11]]]);

    expect(expiredIndex.deletes).toEqual([digest(10), digest(11)]);
    expect(usedIndex.deletes).toEqual([]);
  });

  it('deletes image indexes before the manifests they list, outermost first, each in its own phase', () => {
    // 1 and 2 are platform images, 3 the index listing them, 5 an index listing 3, 6 a plain image.
    const p = plan(
      [image(1), image(2), image(3, [], INDEX), image(5, [], INDEX), image(6)],
      [],
      [
        [3, [1, 2]],
        [5, [3]],
      ],
    );

    expect(p.deletes).toEqual([1, 2, 3, 5, 6].map(digest));
    expect(p.deletePhases).toEqual([[digest(5)], [digest(3)], [1, 2, 6].map(digest)]);
  });

  it('plans one phase when no index expires', () => {
    const p = plan([image(1), image(2), image(3)]);

    expect(p.deletePhases).toEqual([[1, 2, 3].map(digest)]);
  });

  it('deletes an unused index but keeps a platform image of it that is used directly', () => {
    const p = plan([image(1), image(2), image(3, [], INDEX)], [[2, 'used by task t (arm64)']], [[3, [1, 2]]]);

    expect(p.deletePhases).toEqual([[digest(3)], [digest(1)]]);
    expect(byDigest(p, 2)).toMatchObject({ action: 'keep', cause: 'in-use' });
  });

  it('keeps a platform image listed by both a used and an unused index', () => {
    const p = plan(
      [image(1), image(2), image(3, [], INDEX), image(4, [], INDEX)],
      [[3, 'used by task t']],
      [
        [3, [1]],
        [4, [1, 2]],
      ],
    );

    expect(p.deletePhases).toEqual([[digest(4)], [digest(2)]]);
    expect(byDigest(p, 1)).toMatchObject({ action: 'keep', cause: 'index-child' });
  });

  describe('sizes', () => {
    const sized = (img: RegistryImage, sizeInBytes: number): RegistryImage => ({ ...img, sizeInBytes });

    it('sums imageSizeInBytes of what is kept and what expires', () => {
      const p = plan([
        sized(image(1, ['v1']), 100),
        sized(image(2, ['v2']), 20),
        sized(image(3, ['v3']), 3),
        sized(image(4), 4000),
      ]);

      // 1 (oldest v-tag beyond 2) and 4 (untagged) expire.
      expect(p.deletes).toEqual([digest(1), digest(4)]);
      expect(p.bytes).toEqual({ kept: 23, expired: 4100 });
    });

    it('counts a multi-architecture image through its children, not its index (ECR reports the largest child)', () => {
      // 10 is a kept index listing 11 and 12; 20 an expired index listing 21; 30 a plain untagged image.
      const p = plan(
        [
          sized(image(10, ['v10'], INDEX), 500),
          sized(image(11), 500),
          sized(image(12), 300),
          sized(image(20, [], INDEX), 70),
          sized(image(21), 70),
          sized(image(30), 9),
        ],
        [],
        [
          [10, [11, 12]],
          [20, [21]],
        ],
      );

      expect(p.deletes.sort()).toEqual([digest(20), digest(21), digest(30)].sort());
      expect(p.bytes).toEqual({ kept: 800, expired: 79 });
    });

    it('reports no sizes when the registry reports none', () => {
      expect(plan([image(1), image(2)]).bytes).toBeUndefined();
    });
  });

  it('doubts an image index whose manifest could not be read', () => {
    const p = plan([image(10, [], INDEX), image(11)]);

    expect(p.doubts).toEqual(['image index sha256:000000000000 could not be read: its children are unknown']);
  });
});

describe('Function: judgeRun', () => {
  const withDeletes = (repository: string, n: number, doubts: string[] = []): RepositoryPlan => ({
    repository,
    decisions: [],
    counts: { images: n, keptByRules: 0, keptInUse: 0, expired: n },
    referrers: { total: 0, orphans: 0 },
    deletes: Array.from({ length: n }, (_, i) => digest(i)),
    deletePhases: [Array.from({ length: n }, (_, i) => digest(i))],
    doubts,
  });

  it('allows every repository within the cap', () => {
    const v = judgeRun([withDeletes('a', 3), withDeletes('b', 2), withDeletes('c', 0)], {
      maxDeletesPerRun: 5,
      runDoubts: [],
    });

    expect([...v.allowed]).toEqual(['a', 'b']);
    expect(v.runHeld).toBeUndefined();
  });

  it('deletes nothing anywhere when the run would delete more than the cap', () => {
    const v = judgeRun([withDeletes('a', 3), withDeletes('b', 3)], { maxDeletesPerRun: 5, runDoubts: [] });

    expect(v.allowed.size).toBe(0);
    expect(v.runHeld).toBe(
      'nothing deleted: 6 images would be deleted, more than maxDeletesPerRun (5); check the policies, or raise the cap',
    );
    expect([...v.held.keys()]).toEqual(['a', 'b']);
  });

  it('holds a repository in doubt, and counts only the others against the cap', () => {
    const v = judgeRun([withDeletes('a', 4, ['app:gone cannot be resolved']), withDeletes('b', 5)], {
      maxDeletesPerRun: 5,
      runDoubts: [],
    });

    expect([...v.allowed]).toEqual(['b']);
    expect(v.held.get('a')).toBe('nothing deleted in this repository: app:gone cannot be resolved');
  });

  it('holds everything on a doubt about the whole run', () => {
    const v = judgeRun([withDeletes('a', 1)], {
      maxDeletesPerRun: 5,
      runDoubts: ['task definition x:1 was not scanned'],
    });

    expect(v.allowed.size).toBe(0);
    expect(v.runHeld).toBe('nothing deleted: task definition x:1 was not scanned');
  });
});

describe('Function: policyDrift', () => {
  it('ignores formatting and key order, and reports a missing policy', () => {
    const reordered = JSON.stringify(
      {
        rules: POLICY.rules.map((r) => ({
          action: r.action,
          selection: r.selection,
          rulePriority: r.rulePriority,
        })),
      },
      null,
      4,
    );

    expect(policyDrift(reordered, POLICY)).toEqual({ status: 'in-sync' });
    expect(policyDrift(undefined, POLICY)).toEqual({ status: 'missing' });
  });

  it('shows a changed count as a readable diff', () => {
    const changed = structuredClone(POLICY);
    changed.rules[1]!.selection.countNumber = 5;

    const drift = policyDrift(JSON.stringify(changed), POLICY);

    expect(drift.status).toBe('different');
    const diff = drift.status === 'different' ? drift.diff : [];
    expect(diff.filter((l) => !l.startsWith('  '))).toEqual([
      '-         "countNumber": 5,',
      '+         "countNumber": 2,',
    ]);
  });

  it('diffs lines with the longest common subsequence', () => {
    expect(lineDiff(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual(['  a', '- b', '+ x', '  c']);
  });
});

describe('Function: parseImagesRequest', () => {
  it.each([undefined, null, {}])('reads %j as a plain run', (event) => {
    expect(parseImagesRequest(event)).toEqual({});
  });

  it('accepts the Scheduler payload and a narrowed preview', () => {
    expect(parseImagesRequest({ source: 'schedule', scheduledTime: '2026-03-28T03:00:00Z' })).toEqual({
      source: 'schedule',
      scheduledTime: '2026-03-28T03:00:00Z',
    });
    expect(parseImagesRequest({ repositories: ['app-api'], mode: 'preview' })).toEqual({
      repositories: ['app-api'],
      mode: 'preview',
    });
  });

  it.each([
    [
      { mode: 'enforce' },
      'mode: only "preview" may be asked for; whether a run deletes comes from the deployed config',
    ],
    [{ repositories: ['app-*'] }, 'repositories[0]: a repository name (no wildcards)'],
    [{ repositories: [] }, 'repositories'],
    [
      { maxDeletesPerRun: 10000 },
      'unknown key "maxDeletesPerRun" (allowed: source, scheduledTime, repositories, mode)',
    ],
    [JSON.parse('{"__proto__": {"x": 1}}'), '__proto__: key "__proto__" is not allowed'],
  ])('refuses %j', (event, message) => {
    expect(() => parseImagesRequest(event)).toThrow(message);
  });
});
