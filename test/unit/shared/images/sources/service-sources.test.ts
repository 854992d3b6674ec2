import { afterEach, describe, expect, it, vi } from 'vitest';
import { imagesSchema } from '../../../../../shared/images/config';
import type { RegistryImage } from '../../../../../shared/images/protect';
import { runImageHygiene, type ImageRegistry } from '../../../../../shared/images/service';
import type { InUseSource } from '../../../../../shared/images/sources/port';
import { renderSummary } from '../../../../../shared/images/report';
import { buildScanFile } from '../../../../../shared/images/scan-file';
import { ScanFileSource } from '../../../../../shared/images/aws/scan-files';
import { mockClient } from 'aws-sdk-client-mock';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** A run with sources beyond ECS: what they find is kept, and one that fails deletes nothing. */
const NOW = new Date('2026-03-28T12:00:00Z');
const URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app-thumbs';
const SCAN_URI = 's3://shared-scans/b.json';
const s3 = mockClient(S3Client);
const scanFile = (scannedAt: Date) =>
  buildScanFile({ account: '222222222222', region: 'eu-west-1', scannedAt, uses: [], doubts: [] });
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

type Writer = NonNullable<Parameters<typeof runImageHygiene>[2]['scanWriter']>;

afterEach(() => s3.reset());

function run(sources: InUseSource[], scanWriter?: Writer) {
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
      ...(scanWriter ? { scanWriter } : {}),
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

  it('keeps an image another account uses, per its scan file, which is deleted without it', async () => {
    const other: InUseSource = {
      name: `scan file ${SCAN_URI}`,
      elsewhere: true,
      uses: async () => [{ image: `${URI}:v2`, reason: 'used by service web, in account 222222222222' }],
    };

    const kept = await run([other]);
    const without = await run([]);

    expect(kept.deleted.sort()).toEqual([digest(1), digest(3)]);
    expect(without.deleted.sort()).toEqual([digest(1), digest(2), digest(3)]);
  });

  it('deletes nothing when another account’s scan file is stale, and says which and why', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: {
        transformToString: async () => JSON.stringify(scanFile(new Date('2026-03-26T12:00:00Z'))),
      } as never,
    });
    const stale = new ScanFileSource(new S3Client({ region: 'eu-west-1' }), SCAN_URI, {
      maxAgeHours: 36,
      now: () => NOW,
    });

    const { summary, deleted } = await run([stale]);

    expect(deleted).toEqual([]);
    expect(summary.status).toBe('aborted');
    expect(summary.aborted).toMatch(
      /scan file s3:\/\/shared-scans\/b.json scan failed: .*stale: scanned at 2026-03-26T12:00:00.000Z, 48h 0m ago/,
    );
  });

  it('writes this account’s own uses (not another account’s) before reading scan files, so a stale one stops no write', async () => {
    const lambda: InUseSource = {
      name: 'Lambda functions',
      uses: async () => [{ image: `${URI}:v3`, reason: 'used by Lambda function resize ($LATEST)' }],
    };
    const broken: InUseSource = {
      name: `scan file ${SCAN_URI}`,
      elsewhere: true,
      uses: async () => {
        throw new Error('stale');
      },
    };
    const writes: { uses: readonly { reason: string }[]; doubts: readonly string[]; scannedAt: Date }[] = [];
    const writer: Writer = {
      target: 's3://shared-scans/a.json',
      write: async (scan) => (writes.push(scan), 1),
    };

    const { summary, deleted } = await run([lambda, broken], writer);

    expect(deleted).toEqual([]);
    expect(writes).toEqual([
      {
        uses: [expect.objectContaining({ reason: 'used by Lambda function resize ($LATEST)' })],
        doubts: [],
        scannedAt: NOW,
      },
    ]);
    expect(summary.scanWritten).toEqual({ to: 's3://shared-scans/a.json', images: 1 });
  });

  it('reports a scan it could not write, and still deletes what expired', async () => {
    const writer: Writer = {
      target: 's3://shared-scans/a.json',
      write: async () => {
        throw Object.assign(new Error('not authorized to perform s3:PutObject'), { name: 'AccessDenied' });
      },
    };

    const { summary, deleted } = await run([], writer);

    expect(deleted).toHaveLength(3);
    expect(summary.scanWritten).toEqual({
      to: 's3://shared-scans/a.json',
      error: 'AccessDenied: not authorized to perform s3:PutObject',
    });
    expect(renderSummary(summary).body).toContain(
      'Scan for other accounts NOT written to s3://shared-scans/a.json: AccessDenied: not authorized to perform s3:PutObject.',
    );
  });
});
