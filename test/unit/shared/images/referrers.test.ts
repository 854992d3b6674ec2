import { describe, expect, it } from 'vitest';
import { planRepository, type RepositoryPlan } from '../../../../shared/images/plan';
import { parseLifecyclePolicy, type LifecyclePolicy } from '../../../../shared/images/policy';
import type { RegistryImage } from '../../../../shared/images/protect';
import { findReferrers, rootOf, subjectFromTags } from '../../../../shared/images/referrers';

const NOW = new Date('2026-03-28T12:00:00Z');
const hex = (n: number) => String(n).padStart(64, '0');
const digest = (n: number) => `sha256:${hex(n)}`;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER = 'application/vnd.docker.distribution.manifest.v2+json';
const image = (n: number, tags: string[] = [], manifestMediaType = MANIFEST): RegistryImage => ({
  imageDigest: digest(n),
  imageTags: tags,
  imagePushedAt: new Date(Date.UTC(2026, 0, n)),
  manifestMediaType,
});
/** Expire untagged images older than a day; keep the 2 newest of any image. */
const UNTAGGED_AND_COUNT = parseLifecyclePolicy({
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 },
      action: { type: 'expire' },
    },
  ],
});
const plan = (
  images: RegistryImage[],
  subjects: [number, number][],
  options: { policy?: LifecyclePolicy; inUse?: number[] } = {},
) =>
  planRepository({
    repository: 'app',
    policy: options.policy ?? UNTAGGED_AND_COUNT,
    images,
    protection: {
      inUse: new Map((options.inUse ?? []).map((n) => [digest(n), ['used by a test']])),
      doubts: [],
    },
    children: new Map(),
    subjects: new Map([
      ...images.filter((i) => i.manifestMediaType === MANIFEST).map((i) => [i.imageDigest, null] as const),
      ...subjects.map(([referrer, subject]) => [digest(referrer), digest(subject)] as const),
    ]),
    now: NOW,
  });
const decision = (p: RepositoryPlan, n: number) => p.decisions.find((d) => d.digest === digest(n))!;

describe('Function: subjectFromTags', () => {
  it('reads the sha256-<hex> tag convention, with or without a suffix', () => {
    expect(subjectFromTags([`sha256-${hex(7)}`])).toBe(digest(7));
    expect(subjectFromTags([`sha256-${hex(7)}.sig`, `sha256-${hex(7)}.att`])).toBe(digest(7));
  });

  it('takes an image that also carries an ordinary tag for an image in its own right', () => {
    expect(subjectFromTags([`sha256-${hex(7)}.sig`, 'v1'])).toBeUndefined();
    expect(subjectFromTags([])).toBeUndefined();
    expect(subjectFromTags(['sha256-short.sig'])).toBeUndefined();
  });
});

describe('Function: findReferrers / rootOf', () => {
  it('prefers the manifest subject to the tag, and follows a chain to the image at its top', () => {
    const images = [image(1, ['v1']), image(2, [`sha256-${hex(5)}.sig`]), image(3)];
    const subjectOf = findReferrers(
      images,
      new Map([
        [digest(2), digest(1)],
        [digest(3), digest(2)],
      ]),
    );
    expect(subjectOf).toEqual(
      new Map([
        [digest(2), digest(1)],
        [digest(3), digest(2)],
      ]),
    );
    const present = new Set(images.map((i) => i.imageDigest));
    expect(rootOf(digest(3), subjectOf, present)).toEqual({ root: digest(1), depth: 2 });
    expect(rootOf(digest(3), subjectOf, new Set([digest(2), digest(3)]))).toEqual({
      missing: digest(1),
      depth: 2,
    });
  });
});

describe('Function: planRepository with referrers', () => {
  it('keeps the untagged signature of a kept image, which an untagged-images rule would expire (finding 3)', () => {
    const p = plan([image(1, ['v1']), image(2)], [[2, 1]]);

    expect(p.deletes).toEqual([]);
    expect(decision(p, 2)).toMatchObject({ action: 'keep', cause: 'referrer', subject: digest(1) });
    expect(decision(p, 2).reason).toContain('kept with its subject');
  });

  it('gives a referrer no slot in imageCountMoreThan: the 2 newest images stay, with their signatures (finding 3)', () => {
    const images = [
      image(1, ['v1']),
      image(2, ['v2']),
      image(3, ['v3']),
      image(4, [`sha256-${hex(3)}.sig`], DOCKER),
      image(5, [`sha256-${hex(2)}.sig`], DOCKER),
    ];
    const p = plan(images, []);

    expect(p.deletes).toEqual([digest(1)]);
    expect(decision(p, 2)).toMatchObject({ action: 'keep', cause: 'rule' });
    expect(decision(p, 2).reason).toContain('2nd newest of 3');
    expect(decision(p, 5)).toMatchObject({ action: 'keep', cause: 'referrer', subject: digest(2) });
  });

  it('deletes the referrers of a deleted subject in the same run, after it, deepest last', () => {
    // 1 expires by count; 4 signs it, 5 signs 4 (a signature of an SBOM).
    const p = plan(
      [image(1, ['v1']), image(2, ['v2']), image(3, ['v3']), image(4), image(5)],
      [
        [4, 1],
        [5, 4],
      ],
    );

    expect(p.deletePhases).toEqual([[digest(1)], [digest(4)], [digest(5)]]);
    expect(decision(p, 5)).toMatchObject({ action: 'delete', cause: 'referrer', subject: digest(4) });
    expect(decision(p, 4).reason).toContain('deleted with its subject');
  });

  it('keeps the referrers of a subject kept because it is in use', () => {
    const p = plan([image(1, ['v1']), image(2, ['v2']), image(3, ['v3']), image(4)], [[4, 1]], {
      inUse: [1],
    });

    expect(p.deletes).toEqual([]);
    expect(decision(p, 1)).toMatchObject({ action: 'keep', cause: 'in-use' });
    expect(decision(p, 4)).toMatchObject({ action: 'keep', cause: 'referrer' });
    expect(p.counts.keptInUse).toBe(2);
  });

  it('deletes a referrer whose subject is gone as an orphan, and counts it', () => {
    const p = plan([image(2, ['v2']), image(4, [`sha256-${hex(1)}.sig`], DOCKER)], []);

    expect(p.deletes).toEqual([digest(4)]);
    expect(decision(p, 4)).toMatchObject({ action: 'delete', cause: 'orphan', subject: digest(1) });
    expect(p.referrers).toEqual({ total: 1, orphans: 1 });
  });

  it('lists each referrer right after its subject, so a plan shows it under the subject', () => {
    const p = plan([image(1, ['v1']), image(2, ['v2']), image(3)], [[3, 1]]);

    expect(p.decisions.map((d) => d.digest)).toEqual([digest(1), digest(3), digest(2)]);
  });

  it('doubts a manifest that can carry a subject but could not be read', () => {
    const p = planRepository({
      repository: 'app',
      policy: UNTAGGED_AND_COUNT,
      images: [image(1, ['v1']), image(2)],
      protection: { inUse: new Map(), doubts: [] },
      children: new Map(),
      subjects: new Map([[digest(1), null]]),
      now: NOW,
    });

    expect(p.doubts).toEqual([
      `manifest sha256:000000000000 could not be read: whether it is a referrer (a signature, an SBOM) is unknown`,
    ]);
  });
});
