import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  MAX_SUBJECT,
  renderSummary,
  totals,
  type RepositoryOutcome,
  type RunSummary,
} from '../../../../shared/images/report';

const outcome = (repository: string, fields: Partial<RepositoryOutcome> = {}): RepositoryOutcome => ({
  repository,
  images: 10,
  keptByRules: 6,
  keptInUse: 1,
  expired: 3,
  deleted: 3,
  failed: 0,
  ...fields,
});

const summary = (repositories: RepositoryOutcome[], fields: Partial<RunSummary> = {}): RunSummary => ({
  mode: 'enforce',
  previewRequested: false,
  evaluatedAt: '2026-03-28T03:00:00.000Z',
  status: 'ok',
  repositories,
  totals: totals(repositories),
  ...fields,
});

describe('Function: totals', () => {
  it('sums every figure over the repositories', () => {
    // Prepare
    const repositories = [
      outcome('app-api'),
      outcome('app-web', { images: 4, keptByRules: 1, keptInUse: 0, expired: 3, deleted: 1, failed: 2 }),
    ];

    // Act
    const sum = totals(repositories);

    // Assess
    expect(sum).toStrictEqual({
      images: 14,
      keptByRules: 7,
      keptInUse: 1,
      expired: 6,
      deleted: 4,
      failed: 2,
    });
  });

  it('is all zeros for no repositories', () => {
    expect(totals([])).toStrictEqual({
      images: 0,
      keptByRules: 0,
      keptInUse: 0,
      expired: 0,
      deleted: 0,
      failed: 0,
    });
  });
});

describe('Function: renderSummary', () => {
  describe('subject', () => {
    it.each([
      ['an enforced run', {}, 'ecs-pilot images (enforce): 4 deleted in 2 repositories'],
      [
        'a preview',
        { mode: 'preview' as const },
        'ecs-pilot images (preview): 6 would be deleted in 2 repositories',
      ],
      [
        'a held run',
        { status: 'held' as const },
        'ecs-pilot images (enforce): 4 deleted, 2 held in 2 repositories',
      ],
      [
        'a run with failed deletions',
        { status: 'failed' as const },
        'ecs-pilot images (enforce): 4 deleted, 2 failed in 2 repositories',
      ],
      [
        'an aborted run',
        { status: 'aborted' as const, aborted: 'DescribeTasks failed' },
        'ecs-pilot images (enforce): run aborted, nothing deleted',
      ],
    ])('summarises %s', (_label, fields, subject) => {
      const repositories = [outcome('app-api'), outcome('app-web', { expired: 3, deleted: 1, failed: 2 })];

      expect(renderSummary(summary(repositories, fields)).subject).toBe(subject);
    });

    it.each([
      [0, '0 repositories'],
      [1, '1 repository'],
      [3, '3 repositories'],
    ])('counts %i repositories as "%s"', (n, words) => {
      const repositories = Array.from({ length: n }, (_, i) => outcome(`app-${i}`));

      expect(renderSummary(summary(repositories)).subject).toMatch(new RegExp(` in ${words}$`));
    });

    it('keeps the subject within SNS limits however large the figures are', () => {
      // Prepare: figures of 21 digits make the subject longer than SNS accepts.
      const huge = 123456789012345680000;
      const s = summary([outcome('app-api', { expired: 2 * huge, deleted: huge })], { status: 'held' });

      // Act
      const { subject } = renderSummary(s);

      // Assess
      expect(subject).toHaveLength(MAX_SUBJECT);
      expect(subject.endsWith('...')).toBe(true);
      expect(subject).toMatch(/^[\x20-\x7e]+$/);
    });
  });

  describe('body', () => {
    it('opens with the mode and the evaluation time, and says when a preview was asked for', () => {
      const enforced = renderSummary(summary([])).body;
      const requested = renderSummary(summary([], { mode: 'preview', previewRequested: true })).body;

      expect(enforced).toBe('Image hygiene run, enforce mode, evaluated at 2026-03-28T03:00:00.000Z.');
      expect(requested.split('\n')[0]).toBe(
        'Image hygiene run, preview mode (preview requested; the config says enforce), evaluated at 2026-03-28T03:00:00.000Z.',
      );
    });

    it('says why a run was aborted and shows no table when there are no repositories', () => {
      const { body } = renderSummary(
        summary([], { status: 'aborted', aborted: 'ListTasks in cluster media: AccessDeniedException' }),
      );

      expect(body.split('\n')).toStrictEqual([
        'Image hygiene run, enforce mode, evaluated at 2026-03-28T03:00:00.000Z.',
        '',
        'Aborted, nothing deleted: ListTasks in cluster media: AccessDeniedException',
      ]);
    });

    it('lays out one aligned row per repository and a total row', () => {
      // Prepare
      const repositories = [
        outcome('app-api'),
        outcome('team/long-repository-name', {
          images: 1200,
          keptByRules: 1000,
          keptInUse: 50,
          expired: 150,
          deleted: 150,
        }),
      ];

      // Act
      const { body } = renderSummary(summary(repositories));

      // Assess
      expect(body.split('\n').slice(2)).toStrictEqual([
        'REPOSITORY                 IMAGES  KEPT BY RULES  KEPT IN USE  EXPIRED  DELETED  FAILED',
        'app-api                    10      6              1            3        3        0',
        'team/long-repository-name  1200    1000           50           150      150      0',
        '(total)                    1210    1006           51           153      153      0',
      ]);
    });

    it('adds a note block per repository: held reason, failure counts, first failures', () => {
      const { body } = renderSummary(
        summary(
          [
            outcome('app-api', {
              deleted: 1,
              failed: 2,
              held: 'at most 1 deletion per run',
              failureCodes: { ImageReferencedByManifestList: 1, CallFailed: 1 },
              failures: [
                { digest: 'sha256:01', code: 'ImageReferencedByManifestList', reason: 'in an index' },
                { digest: 'sha256:02', code: 'CallFailed', reason: 'Service Unavailable' },
              ],
            }),
            outcome('app-web'),
          ],
          { status: 'failed' },
        ),
      );

      expect(body.split('\n\n').at(-1)!.split('\n')).toStrictEqual([
        'app-api:',
        '  held: at most 1 deletion per run',
        '  not deleted: 1 ImageReferencedByManifestList, 1 CallFailed (every digest is in the log line "images deleted")',
        '  failed: sha256:01: ImageReferencedByManifestList in an index',
        '  failed: sha256:02: CallFailed Service Unavailable',
      ]);
      expect(body).not.toContain('app-web:');
    });

    it.each([
      ['put', 'put the configured policy'],
      ['would-put', 'would put the configured policy'],
      ['failed', 'policy sync failed'],
    ] as const)('describes policy drift with action %s', (action, words) => {
      const { body } = renderSummary(
        summary([
          outcome('app-api', {
            policy: { status: 'different', action, diff: ['-   "countNumber": 5,', '+   "countNumber": 2,'] },
          }),
        ]),
      );

      expect(body.split('\n').slice(-4)).toStrictEqual([
        'app-api:',
        `  lifecycle policy different: ${words}`,
        '    -   "countNumber": 5,',
        '    +   "countNumber": 2,',
      ]);
    });

    it('names a policy error and why a differing policy was not put', () => {
      const { body } = renderSummary(
        summary([
          outcome('app-api', {
            policy: {
              status: 'unknown',
              action: 'none',
              error: 'GetLifecyclePolicy: ThrottlingException',
              notPut: 'held: nothing deleted in this repository',
            },
          }),
        ]),
      );

      expect(body.split('\n').slice(-3)).toStrictEqual([
        'app-api:',
        '  lifecycle policy unknown (GetLifecyclePolicy: ThrottlingException)',
        '    not put: held: nothing deleted in this repository',
      ]);
    });

    it('writes nothing about a policy in sync, but still shows its warning', () => {
      const quiet = renderSummary(
        summary([outcome('app-api', { policy: { status: 'in-sync', action: 'none' } })]),
      );
      const warned = renderSummary(
        summary([
          outcome('app-api', {
            policy: { status: 'in-sync', action: 'none', warning: 'rule 1 expires images in use' },
          }),
        ]),
      );

      expect(quiet.body).not.toContain('lifecycle policy');
      expect(quiet.body).not.toContain('app-api:');
      expect(warned.body.split('\n').slice(-2)).toStrictEqual([
        'app-api:',
        '  WARNING: rule 1 expires images in use',
      ]);
    });

    it('cuts the body of a very large run to 200,000 characters, below the SNS message limit', () => {
      const repositories = Array.from({ length: 5_000 }, (_, i) =>
        outcome(`team/repository-${i}`, { held: 'x'.repeat(40) }),
      );

      expect(renderSummary(summary(repositories)).body).toHaveLength(200_000);
    });
  });

  it('tags the message with kind, mode and status for subscription filters', () => {
    expect(renderSummary(summary([], { mode: 'preview', status: 'held' })).attributes).toStrictEqual({
      kind: 'images',
      mode: 'preview',
      status: 'held',
    });
  });
});

describe('Function: formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [10 * 1024 * 1024 + 512 * 1024, '10.5 MiB'],
    [250 * 1024 ** 3, '250 GiB'],
    [3 * 1024 ** 5, '3.00 PiB'],
    [5000 * 1024 ** 5, '5000 PiB'],
  ])('%i bytes → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
