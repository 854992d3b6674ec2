import { describe, expect, it, vi } from 'vitest';
import { imagesSchema } from '../../../../shared/images/config';
import type { InUseInventory, RegistryImage } from '../../../../shared/images/protect';
import type { RepositoryIdentity } from '../../../../shared/images/refs';
import { renderSummary } from '../../../../shared/images/report';
import type { ImagesRequest } from '../../../../shared/images/request';
import {
  runImageHygiene,
  type DeleteResult,
  type ImageRegistry,
  type InUseScanner,
} from '../../../../shared/images/service';

/**
 * The run end to end over fake ports: what it deletes, in which calls, and what it refuses to do.
 * Every mutating call goes through `registry.deleteImages` / `registry.putLifecyclePolicy`, counted here.
 */
const NOW = new Date('2026-03-28T12:00:00Z');
const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const digest = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
const image = (n: number, tags: string[] = [], manifestMediaType?: string): RegistryImage => ({
  imageDigest: digest(n),
  imageTags: tags,
  imagePushedAt: new Date(Date.UTC(2026, 0, 1, 0, n)),
  ...(manifestMediaType ? { manifestMediaType } : {}),
});
/** Expires every image older than 1 day: what is deleted is decided by protection alone. */
const EXPIRE_ALL = {
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
};
const config = (over: Record<string, unknown> = {}) =>
  imagesSchema.parse({
    mode: 'enforce',
    maxDeletesPerRun: 100,
    protect: { clusters: ['media'] },
    repositories: [{ match: ['app-*'], syncPolicy: true, policy: EXPIRE_ALL }],
    ...over,
  });
const emptyInventory = (over: Partial<InUseInventory> = {}): InUseInventory => ({
  tasks: [],
  services: [],
  revisions: [],
  toolkit: [],
  taskDefinitions: new Map(),
  ...over,
});
const runningTask = (image: string) => ({
  taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/media/t1',
  clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/media',
  lastStatus: 'RUNNING',
  containers: [{ name: 'web', image }],
});

/** A registry holding `repos` (name → images), recording every call; `deleteImages` answers with `onDelete`. */
function fakeRegistry(
  repos: Record<string, RegistryImage[]>,
  options: {
    children?: Record<string, Map<string, string[]>>;
    /** Per repository, referrer digest → subject digest; every other manifest read names none. */
    subjects?: Record<string, Map<string, string>>;
    onDelete?: (repository: string, digests: readonly string[]) => Promise<DeleteResult>;
    unreadable?: string;
  } = {},
) {
  const deletes: [string, string[]][] = [];
  const puts: string[] = [];
  const registry: ImageRegistry = {
    listRepositories: async () =>
      Object.keys(repos).map((name): RepositoryIdentity => ({ name, uri: `${REGISTRY}/${name}` })),
    listImages: async (name) => {
      if (name === options.unreadable) throw new Error(`DescribeImages ${name}: AccessDeniedException`);
      return repos[name]!;
    },
    indexChildren: async (name, digests) =>
      new Map(
        [...(options.children?.[name] ?? new Map<string, string[]>())].filter(([d]) => digests.includes(d)),
      ),
    manifestSubjects: async (name, digests) =>
      new Map(digests.map((d) => [d, options.subjects?.[name]?.get(d) ?? null])),
    deleteImages: async (name, digests) => {
      deletes.push([name, [...digests]]);
      return options.onDelete ? options.onDelete(name, digests) : { deleted: [...digests], failed: [] };
    },
    getLifecyclePolicy: async () => undefined,
    putLifecyclePolicy: async (name) => {
      puts.push(name);
    },
  };
  return { registry, deletes, puts, mutating: () => deletes.length + puts.length };
}
const scanner = (inventory = emptyInventory()): InUseScanner => ({ scan: async () => inventory });
const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
const deps = (registry: ImageRegistry, inv?: InUseInventory) => ({
  registry,
  scanner: scanner(inv),
  logger,
  now: NOW,
});

describe('Function: runImageHygiene', () => {
  it.each<[ImagesRequest, number]>([
    [{}, 3],
    [{ repositories: ['app-api'] }, 2],
    [{ source: 'manual', repositories: ['app-api', 'app-web'] }, 3],
  ])(
    'makes zero mutating calls when the config says preview, whatever the request (%j)',
    async (request, expired) => {
      const fake = fakeRegistry({ 'app-api': [image(1), image(2)], 'app-web': [image(3)] });

      const summary = await runImageHygiene(config({ mode: 'preview' }), request, deps(fake.registry));

      expect(fake.mutating()).toBe(0);
      expect(summary.mode).toBe('preview');
      expect(summary.totals).toMatchObject({ expired, deleted: 0 });
    },
  );

  it('counts the cap across repositories before deleting anything anywhere', async () => {
    const fake = fakeRegistry({ 'app-api': [image(1), image(2)], 'app-web': [image(3), image(4)] });

    const summary = await runImageHygiene(config({ maxDeletesPerRun: 3 }), {}, deps(fake.registry));

    expect(fake.deletes).toEqual([]);
    expect(summary.status).toBe('held');
    expect(summary.repositories.map((r) => r.held)).toEqual([
      expect.stringMatching(/^nothing deleted: 4 images would be deleted, more than maxDeletesPerRun \(3\)/),
      expect.stringMatching(/^nothing deleted: 4 images would be deleted/),
    ]);
  });

  it('aborts with zero mutating calls when one repository is listed but its images cannot be read', async () => {
    const fake = fakeRegistry(
      { 'app-api': [image(1)], 'app-web': [image(2)], 'app-zzz': [image(3)] },
      { unreadable: 'app-web' },
    );

    const summary = await runImageHygiene(config(), {}, deps(fake.registry));

    expect(fake.mutating()).toBe(0);
    expect(summary.status).toBe('aborted');
    expect(summary.aborted).toBe(
      'scan failed, nothing changed: Error: DescribeImages app-web: AccessDeniedException',
    );
  });

  it('puts no policy on a repository it holds, since ECR would then delete what the run did not dare to', async () => {
    const fake = fakeRegistry({ 'app-api': [image(1)], 'app-web': [image(2)] });
    const inv = emptyInventory({ tasks: [runningTask(`${REGISTRY}/app-api@sha256:not-hex!`)] });

    const summary = await runImageHygiene(config(), {}, deps(fake.registry, inv));

    expect(fake.puts).toEqual(['app-web']);
    expect(summary.repositories[0]!.policy).toMatchObject({
      status: 'missing',
      action: 'would-put',
      notPut: expect.stringMatching(/^held: nothing deleted in this repository/),
    });
    expect(renderSummary(summary).body).toContain('    not put: held: nothing deleted in this repository');
  });

  it('warns when the synced policy expires images in use, which ECR itself would delete', async () => {
    const fake = fakeRegistry({ 'app-api': [image(1, ['v1']), image(2)] });
    const inv = emptyInventory({ tasks: [runningTask(`${REGISTRY}/app-api:v1`)] });

    const summary = await runImageHygiene(config(), {}, deps(fake.registry, inv));

    expect(fake.puts).toEqual(['app-api']);
    expect(summary.repositories[0]!.policy).toMatchObject({
      action: 'put',
      warning: expect.stringContaining('the rules expire 1 image(s) in use here'),
    });
    expect(renderSummary(summary).body).toContain(
      "  WARNING: the rules expire 1 image(s) in use here; ecs-pilot keeps them, but ECR's own lifecycle",
    );
  });

  it('holds a repository whose in-use reference cannot be read, and deletes elsewhere', async () => {
    const fake = fakeRegistry({ 'app-api': [image(1)], 'app-web': [image(2)] });
    const inv = emptyInventory({ tasks: [runningTask(`${REGISTRY}/app-api@sha256:not-hex!`)] });

    const summary = await runImageHygiene(config(), {}, deps(fake.registry, inv));

    expect(fake.deletes).toEqual([['app-web', [digest(2)]]]);
    expect(summary.repositories[0]!.held).toMatch(
      /^nothing deleted in this repository: ".*app-api@sha256:not-hex!" \(used by RUNNING task t1 .*\) is not an image reference ecs-pilot can read/,
    );
  });

  it('keeps an image referenced through the dual-stack endpoint of the same registry', async () => {
    const fake = fakeRegistry({ 'app-api': [image(1, ['v1']), image(2)] });
    const inv = emptyInventory({ tasks: [runningTask('123456789012.dkr-ecr.eu-west-1.on.aws/app-api:v1')] });

    await runImageHygiene(config(), {}, deps(fake.registry, inv));

    expect(fake.deletes).toEqual([['app-api', [digest(2)]]]);
  });

  it('deletes an expired image index before the images it lists, in separate calls', async () => {
    const fake = fakeRegistry(
      { 'app-api': [image(1), image(2), image(3, ['multi'], INDEX), image(4)] },
      { children: { 'app-api': new Map([[digest(3), [digest(1), digest(2)]]]) } },
    );

    const summary = await runImageHygiene(config(), {}, deps(fake.registry));

    expect(fake.deletes).toEqual([
      ['app-api', [digest(3)]],
      ['app-api', [digest(1), digest(2), digest(4)]],
    ]);
    expect(summary.repositories[0]).toMatchObject({ expired: 4, deleted: 4, failed: 0 });
  });

  it('keeps a used image index and everything it lists, while an unused one goes with its images', async () => {
    const fake = fakeRegistry(
      {
        'app-api': [image(1), image(2), image(3, ['multi'], INDEX), image(4), image(5, ['old'], INDEX)],
      },
      {
        children: {
          'app-api': new Map([
            [digest(3), [digest(1), digest(2)]],
            [digest(5), [digest(4)]],
          ]),
        },
      },
    );
    const inv = emptyInventory({ tasks: [runningTask(`${REGISTRY}/app-api:multi`)] });

    const summary = await runImageHygiene(config(), {}, deps(fake.registry, inv));

    expect(fake.deletes).toEqual([
      ['app-api', [digest(5)]],
      ['app-api', [digest(4)]],
    ]);
    expect(summary.repositories[0]).toMatchObject({ keptInUse: 3, expired: 2, deleted: 2 });
  });

  it('stops at a delete call that fails outright and says what was deleted and what was not', async () => {
    const fake = fakeRegistry(
      {
        'app-api': [image(1), image(2), image(3, [], INDEX)],
        'app-web': [image(4)],
      },
      {
        children: { 'app-api': new Map([[digest(3), [digest(1)]]]) },
        onDelete: async (_name, digests) => {
          if (digests.includes(digest(3))) return { deleted: [digest(3)], failed: [] };
          throw new Error('RetryableError: BatchDeleteImage app-api: socket hang up');
        },
      },
    );

    const summary = await runImageHygiene(config(), {}, deps(fake.registry));

    expect(fake.deletes.map(([name]) => name)).toEqual(['app-api', 'app-api']);
    expect(summary.status).toBe('failed');
    expect(summary.repositories[0]).toMatchObject({
      deleted: 1,
      failed: 2,
      failureCodes: { CallFailed: 2 },
    });
    expect(summary.repositories[1]).toMatchObject({
      deleted: 0,
      held: 'nothing deleted: an earlier BatchDeleteImage call failed (app-api: Error: RetryableError: BatchDeleteImage app-api: socket hang up)',
    });
    expect(renderSummary(summary).body).toContain(
      'app-api:\n  not deleted: 2 CallFailed (every digest is in the log line "images deleted")',
    );
    expect(logger.info).toHaveBeenCalledWith(
      'images deleted',
      expect.objectContaining({ repository: 'app-api', deleted: [digest(3)] }),
    );
  });
});

describe('Function: runImageHygiene with referrers', () => {
  const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
  const KEEP_ONE = {
    rules: [
      {
        rulePriority: 1,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
        action: { type: 'expire' },
      },
    ],
  };

  it('deletes a subject first and its signature in a later call, and keeps the newest image with its signature', async () => {
    // 1 and 2 are images; 3 signs 1, 4 signs 2 (OCI 1.1 subjects, read from their manifests).
    const fake = fakeRegistry(
      {
        'app-api': [
          image(1, ['v1'], MANIFEST),
          image(2, ['v2'], MANIFEST),
          image(3, [], MANIFEST),
          image(4, [], MANIFEST),
        ],
      },
      {
        subjects: {
          'app-api': new Map([
            [digest(3), digest(1)],
            [digest(4), digest(2)],
          ]),
        },
      },
    );
    logger.info.mockClear();

    const summary = await runImageHygiene(
      config({ repositories: [{ match: ['app-*'], policy: KEEP_ONE }] }),
      {},
      deps(fake.registry),
    );

    expect(fake.deletes).toEqual([
      ['app-api', [digest(1)]],
      ['app-api', [digest(3)]],
    ]);
    expect(summary.repositories[0]).toMatchObject({
      images: 4,
      expired: 2,
      deleted: 2,
      referrers: 2,
      orphans: 0,
    });
    expect(logger.info).toHaveBeenCalledWith(
      'image decision',
      expect.objectContaining({ digest: digest(4), decision: 'keep', cause: 'referrer', subject: digest(2) }),
    );
    expect(logger.info.mock.calls.filter(([message]) => message === 'image decision')).toHaveLength(4);
  });

  it('deletes an orphaned signature and says so in the summary', async () => {
    const fake = fakeRegistry({
      'app-api': [image(2, ['v2']), image(4, [`sha256-${'9'.repeat(64)}.sig`])],
    });

    const summary = await runImageHygiene(
      config({ repositories: [{ match: ['app-*'], policy: KEEP_ONE }] }),
      {},
      deps(fake.registry),
    );

    expect(fake.deletes).toEqual([['app-api', [digest(4)]]]);
    expect(renderSummary(summary).body).toContain(
      '  referrers: 1 (signatures, SBOMs, SOCI indexes), counted with their subject; 1 orphaned (subject gone), expired with the rest',
    );
  });
});

describe('Function: runImageHygiene with a broken reference (issue 19, finding 2)', () => {
  it('deletes in a repository whose old revision names a tag no image carries, and reports the reference', async () => {
    const fake = fakeRegistry({ 'app-api': [image(1, ['v1']), image(2)] });
    const arn = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/batch:3';
    const inv = emptyInventory({
      revisions: [{ family: 'batch', taskDefinitionArns: [arn] }],
      taskDefinitions: new Map([
        [
          arn,
          {
            taskDefinitionArn: arn,
            containers: [
              { name: 'job', image: `${REGISTRY}/app-api:removed` },
              { name: 'side', image: `${REGISTRY}/app-api:v1` },
            ],
          },
        ],
      ]),
    });

    const summary = await runImageHygiene(config(), {}, deps(fake.registry, inv));

    expect(fake.deletes).toEqual([['app-api', [digest(2)]]]);
    expect(summary.status).toBe('ok');
    expect(summary.repositories[0]!.brokenReferences).toEqual([
      expect.objectContaining({ taskDefinition: 'batch:3', container: 'job', tag: 'removed' }),
    ]);
    expect(renderSummary(summary).body).toContain(
      `  broken reference: task definition batch:3, container job: ${REGISTRY}/app-api:removed names tag removed, which no image carries (in one of the latest 1 revisions of batch (#1, newest first)); the next task started from this revision will fail to pull`,
    );
  });
});

describe('Function: runImageHygiene and clusters (issue 19, finding 1)', () => {
  it('names the clusters scanned in the summary', async () => {
    const fake = fakeRegistry({ 'app-api': [image(1)] });
    const inv = emptyInventory({ clusters: { scanned: ['api', 'media'], missing: [] } });

    const summary = await runImageHygiene(config(), {}, deps(fake.registry, inv));

    expect(summary.clusters).toEqual(['api', 'media']);
    expect(renderSummary(summary).body).toContain('Clusters scanned: api, media.');
    expect(fake.deletes).toEqual([['app-api', [digest(1)]]]);
  });

  it('deletes nothing when a named cluster does not exist', async () => {
    const fake = fakeRegistry({ 'app-api': [image(1)] });
    const inv = emptyInventory({ clusters: { scanned: ['media'], missing: ['medai'] } });

    const summary = await runImageHygiene(config(), {}, deps(fake.registry, inv));

    expect(fake.deletes).toEqual([]);
    expect(summary.status).toBe('held');
    expect(summary.repositories[0]!.held).toContain(
      'cluster medai is named in images.protect.clusters but does not exist',
    );
  });
});

describe('Function: runImageHygiene alerts a broken reference once', () => {
  it('publishes one alert per broken reference across runs, and the summary every run', async () => {
    const fake = fakeRegistry({ 'app-api': [image(9, ['v1'])] });
    const arn = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/batch:3';
    const inv = emptyInventory({
      revisions: [{ family: 'batch', taskDefinitionArns: [arn] }],
      taskDefinitions: new Map([
        [
          arn,
          { taskDefinitionArn: arn, containers: [{ name: 'job', image: `${REGISTRY}/app-api:removed` }] },
        ],
      ]),
    });
    const claimed = new Set<string>();
    const once = {
      claim: async (key: string) => !claimed.has(key) && Boolean(claimed.add(key)),
      release: async (key: string) => void claimed.delete(key),
    };
    const published: { subject: string; attributes: Record<string, string> }[] = [];
    const publish = async (alert: { subject: string; body: string; attributes: Record<string, string> }) =>
      published.push(alert);

    for (let run = 0; run < 2; run++)
      await runImageHygiene(config(), {}, { ...deps(fake.registry, inv), once, publish });

    expect(published.map((p) => p.attributes.kind)).toEqual(['images-broken-reference', 'images', 'images']);
    expect(published[0]!.subject).toBe('ecs-pilot images: batch:3 names a tag no image carries');
  });

  it('gives the claim back when publishing fails, so the next run alerts', async () => {
    const fake = fakeRegistry({ 'app-api': [image(9, ['v1'])] });
    const arn = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/batch:3';
    const inv = emptyInventory({
      revisions: [{ family: 'batch', taskDefinitionArns: [arn] }],
      taskDefinitions: new Map([
        [
          arn,
          { taskDefinitionArn: arn, containers: [{ name: 'job', image: `${REGISTRY}/app-api:removed` }] },
        ],
      ]),
    });
    const released: string[] = [];
    const once = { claim: async () => true, release: async (key: string) => void released.push(key) };
    const publish = async (alert: { attributes: Record<string, string> }) => {
      if (alert.attributes.kind === 'images-broken-reference') throw new Error('SNS down');
    };

    const summary = await runImageHygiene(config(), {}, { ...deps(fake.registry, inv), once, publish });

    expect(summary.status).toBe('ok');
    expect(released).toEqual([`ecs-pilot-broken-reference#app-api#batch:3#job#${REGISTRY}/app-api:removed`]);
  });

  it('reports bytes kept, expiring and deleted per repository and in total, in the log and the email (a failed delete frees nothing)', async () => {
    const sized = (n: number, sizeInBytes: number, tags: string[] = []) => ({
      ...image(n, tags),
      sizeInBytes,
    });
    // app-api: 1 is in use (kept), 2 and 3 expire, 3's delete fails; app-web: 4 expires.
    const fake = fakeRegistry(
      { 'app-api': [sized(1, 1000), sized(2, 200), sized(3, 30)], 'app-web': [sized(4, 4 * 1024 * 1024)] },
      {
        onDelete: async (_name, digests) => ({
          deleted: digests.filter((d) => d !== digest(3)),
          failed: digests
            .filter((d) => d === digest(3))
            .map((d) => ({ digest: d, code: 'ImageReferencedByManifestList', reason: 'listed' })),
        }),
      },
    );
    const inventory = emptyInventory({ tasks: [runningTask(`${REGISTRY}/app-api@${digest(1)}`)] });

    const summary = await runImageHygiene(config(), {}, deps(fake.registry, inventory));

    expect(summary.repositories.map((r) => [r.repository, r.bytes])).toEqual([
      ['app-api', { kept: 1000, expired: 230, deleted: 200 }],
      ['app-web', { kept: 0, expired: 4 * 1024 * 1024, deleted: 4 * 1024 * 1024 }],
    ]);
    expect(summary.totals.bytes).toEqual({
      kept: 1000,
      expired: 230 + 4 * 1024 * 1024,
      deleted: 200 + 4 * 1024 * 1024,
    });
    const body = renderSummary(summary).body;
    expect(body).toMatch(/^REPOSITORY +KEPT +EXPIRING +DELETED$/m);
    expect(body).toMatch(/^app-api +1000 B +230 B +200 B$/m);
    expect(body).toMatch(/^app-web +0 B +4.00 MiB +4.00 MiB$/m);
    expect(body).toMatch(/^\(total\) +1000 B +4.00 MiB +4.00 MiB$/m);
  });

  it('reports no bytes in preview as deleted, and none at all when the registry reports no sizes', async () => {
    const sizedFake = fakeRegistry({ 'app-api': [{ ...image(1), sizeInBytes: 10 }] });
    const unsized = fakeRegistry({ 'app-api': [image(1)] });

    const preview = await runImageHygiene(config({ mode: 'preview' }), {}, deps(sizedFake.registry));
    const none = await runImageHygiene(config(), {}, deps(unsized.registry));

    expect(preview.repositories[0]!.bytes).toEqual({ kept: 0, expired: 10, deleted: 0 });
    expect(none.repositories[0]).not.toHaveProperty('bytes');
    expect(none.totals).not.toHaveProperty('bytes');
    expect(renderSummary(none).body).not.toContain('Sizes');
  });
});
