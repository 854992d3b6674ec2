import { describe, expect, it, vi } from 'vitest';
import { imagesSchema } from '../../../../../shared/images/config';
import type { RegistryImage } from '../../../../../shared/images/protect';
import { runImageHygiene, type ImageRegistry } from '../../../../../shared/images/service';
import type { InUseSource } from '../../../../../shared/images/sources/port';

/** A run with sources beyond ECS: what they find is kept, and one that fails deletes nothing. */
const NOW = new Date('2026-03-28T12:00:00Z');
const URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app-thumbs';
const digest = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
const image = (n: number): RegistryImage => ({
  imageDigest: digest(n),
  imageTags: [`v${n}`],
  imagePushedAt: new Date(Date.UTC(2026, 0, 1, 0, n)),
});
const config = imagesSchema.parse({
  mode: 'enforce',
  protect: { clusters: ['media'] },
  repositories: [
    {
      match: ['app-*'],
      policy: {
        rules: [
          {
            rulePriority: 1,
            selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
            action: { type: 'expire' },
          },
        ],
      },
    },
  ],
});

function run(sources: InUseSource[]) {
  const deleted: string[] = [];
  const registry: ImageRegistry = {
    listRepositories: async () => [{ name: 'app-thumbs', uri: URI }],
    listImages: async () => [image(1), image(2), image(3)],
    indexChildren: async () => new Map(),
    manifestSubjects: async () => new Map(),
    deleteImages: async (_name, digests) => {
      deleted.push(...digests);
      return { deleted: [...digests], failed: [] };
    },
    getLifecyclePolicy: async () => undefined,
    putLifecyclePolicy: async () => undefined,
  };
  const empty = { tasks: [], services: [], revisions: [], toolkit: [], taskDefinitions: new Map() };
  const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  return runImageHygiene(
    config,
    {},
    {
      registry,
      scanner: { scan: async () => empty },
      sources,
      logger,
      now: NOW,
    },
  ).then((summary) => ({ summary, deleted }));
}

describe('Function: runImageHygiene with further in-use sources', () => {
  it('keeps the image a Lambda function runs, by the digest the source reports, and deletes the rest', async () => {
    const lambda: InUseSource = {
      name: 'Lambda functions',
      uses: async () => [
        { image: `${URI}:moved`, digest: digest(2), reason: 'used by Lambda function resize ($LATEST)' },
      ],
    };

    const { summary, deleted } = await run([lambda]);

    expect(deleted.sort()).toEqual([digest(1), digest(3)]);
    expect(summary.repositories[0]).toMatchObject({ keptInUse: 1, deleted: 2 });
  });

  it('deletes nothing when a source fails, and the summary names the failed scan', async () => {
    const broken: InUseSource = {
      name: 'Lambda functions',
      uses: async () => {
        throw Object.assign(new Error('not authorized to perform lambda:ListFunctions'), {
          name: 'AccessDeniedException',
        });
      },
    };

    const { summary, deleted } = await run([broken]);

    expect(deleted).toEqual([]);
    expect(summary.status).toBe('aborted');
    expect(summary.aborted).toMatch(
      /^scan failed, nothing changed: .*Lambda functions scan failed: AccessDeniedException: not authorized/,
    );
  });
});
