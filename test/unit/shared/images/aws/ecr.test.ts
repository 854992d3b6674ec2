import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  LifecyclePolicyNotFoundException,
} from '@aws-sdk/client-ecr';
import {
  deleteImages,
  getLifecyclePolicy,
  indexChildren,
  listImages,
  listRepositories,
  manifestSubjects,
} from '../../../../../shared/images/aws/ecr';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors';

let ecr = mockClient(ECRClient);
const client = new ECRClient({ region: 'eu-west-1' });
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const detail = (n: number) => ({
  imageDigest: digest(n),
  imagePushedAt: new Date(1_700_000_000_000 + n * 1000),
});

afterEach(() => ecr.reset());

describe('Adapter: ECR images', () => {
  it('lists repositories through every page and keeps those a glob matches', async () => {
    ecr
      .on(DescribeRepositoriesCommand, { nextToken: undefined })
      .resolves({
        repositories: [
          { repositoryName: 'app-api', repositoryUri: 'r/app-api' },
          { repositoryName: 'other', repositoryUri: 'r/other' },
        ],
        nextToken: 't',
      })
      .on(DescribeRepositoriesCommand, { nextToken: 't' })
      .resolves({ repositories: [{ repositoryName: 'team/worker1', repositoryUri: 'r/team/worker1' }] });

    const found = await listRepositories(client, ['app-*', 'team/worker?']);

    expect(found).toEqual([
      { name: 'app-api', uri: 'r/app-api' },
      { name: 'team/worker1', uri: 'r/team/worker1' },
    ]);
  });

  it.each([1, 1000, 1001, 2500])(
    'lists %i images in ceil(n / 1000) DescribeImages calls of 1,000',
    async (count) => {
      const pages = Math.ceil(count / 1000);
      for (let p = 0; p < pages; p++) {
        ecr.on(DescribeImagesCommand, { nextToken: p === 0 ? undefined : `p${p}` }).resolves({
          imageDetails: Array.from({ length: Math.min(1000, count - p * 1000) }, (_, i) =>
            detail(p * 1000 + i),
          ),
          ...(p < pages - 1 ? { nextToken: `p${p + 1}` } : {}),
        });
      }

      const images = await listImages(client, 'app');

      expect(images).toHaveLength(count);
      const calls = ecr.commandCalls(DescribeImagesCommand);
      expect(calls).toHaveLength(pages);
      expect(
        calls.every((c) => c.args[0].input.maxResults === 1000 && c.args[0].input.repositoryName === 'app'),
      ).toBe(true);
    },
  );

  it('keeps imageSizeInBytes for the size figures, except an image index’s (its largest child’s size)', async () => {
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { ...detail(1), imageSizeInBytes: 1234 },
        {
          ...detail(2),
          imageSizeInBytes: 1234,
          imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
        },
        detail(3),
      ],
    });

    const images = await listImages(client, 'app');

    expect(images.map((i) => i.sizeInBytes)).toEqual([1234, undefined, undefined]);
  });

  it('refuses an image without a push time rather than plan around it', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [detail(1), { imageDigest: digest(2) }] });

    await expect(listImages(client, 'app')).rejects.toThrow(/an image without imagePushedAt/);
  });

  it.each([
    ['AccessDeniedException', PermanentError],
    ['ThrottlingException', RetryableError],
  ])('classifies %s', async (name, type) => {
    ecr.on(DescribeImagesCommand).rejects(Object.assign(new Error('no'), { name }));

    await expect(listImages(client, 'app')).rejects.toBeInstanceOf(type);
  });

  it('deletes in chunks of 100, counts ImageNotFound as done and other failures as failed', async () => {
    const digests = Array.from({ length: 250 }, (_, i) => digest(i));
    ecr.on(BatchDeleteImageCommand).callsFake(async (input: { imageIds: { imageDigest: string }[] }) => ({
      imageIds: input.imageIds,
      failures: input.imageIds.some((id) => id.imageDigest === digest(0))
        ? [
            { imageId: { imageDigest: digest(0) }, failureCode: 'ImageNotFound', failureReason: 'gone' },
            {
              imageId: { imageDigest: digest(1) },
              failureCode: 'ImageReferencedByManifestList',
              failureReason: 'in an index',
            },
          ]
        : [],
    }));

    const result = await deleteImages(client, 'app', digests);

    const calls = ecr.commandCalls(BatchDeleteImageCommand);
    expect(calls.map((c) => c.args[0].input.imageIds?.length)).toEqual([100, 100, 50]);
    expect(result.deleted).toHaveLength(249);
    expect(result.deleted).toContain(digest(0));
    expect(result.failed).toEqual([
      { digest: digest(1), code: 'ImageReferencedByManifestList', reason: 'in an index' },
    ]);
  });

  it('stops at a call that fails outright: earlier chunks deleted, its chunk CallFailed, later ones not sent', async () => {
    ecr
      .on(BatchDeleteImageCommand)
      .resolvesOnce({ failures: [] })
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves({ failures: [] });
    const digests = Array.from({ length: 250 }, (_, i) => digest(i));

    const result = await deleteImages(client, 'app', digests);

    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(2);
    expect(result.deleted).toEqual(digests.slice(0, 100));
    expect(result.failed.map((f) => f.digest)).toEqual(digests.slice(100));
    expect(result.failed[0]).toEqual({
      digest: digest(100),
      code: 'CallFailed',
      reason: 'BatchDeleteImage app: ThrottlingException: slow down',
    });
    expect(result.failed[100]).toEqual({
      digest: digest(200),
      code: 'NotAttempted',
      reason:
        'not sent: an earlier BatchDeleteImage call failed (BatchDeleteImage app: ThrottlingException: slow down)',
    });
    expect(result.failed.filter((f) => f.code === 'NotAttempted')).toHaveLength(50);
  });

  it('reports exactly which images were deleted (ImageNotFound included) and which failed, with the code', async () => {
    ecr.on(BatchDeleteImageCommand).resolves({
      failures: [
        { imageId: { imageDigest: digest(1) }, failureCode: 'ImageNotFound' },
        { imageId: { imageDigest: digest(2) }, failureCode: 'KmsError', failureReason: 'kms' },
      ],
    });

    const result = await deleteImages(client, 'app', [digest(1), digest(2), digest(3)]);

    expect(result).toEqual({
      deleted: [digest(1), digest(3)],
      failed: [{ digest: digest(2), code: 'KmsError', reason: 'kms' }],
    });
  });

  it('reads index manifests for their children, asking for index media types, 100 a call', async () => {
    const indexes = Array.from({ length: 101 }, (_, i) => digest(i));
    ecr.on(BatchGetImageCommand).callsFake(async (input: { imageIds: { imageDigest: string }[] }) => ({
      images: input.imageIds
        .filter((id) => id.imageDigest !== digest(5))
        .map((id) => ({
          imageId: id,
          imageManifest: JSON.stringify({
            manifests: [
              { digest: `${id.imageDigest.slice(0, -1)}a` },
              { digest: `${id.imageDigest.slice(0, -1)}b` },
            ],
          }),
        })),
      failures: [{ imageId: { imageDigest: digest(5) }, failureCode: 'ImageNotFound' }],
    }));

    const children = await indexChildren(client, 'app', indexes);

    const calls = ecr.commandCalls(BatchGetImageCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input.acceptedMediaTypes).toContain('application/vnd.oci.image.index.v1+json');
    expect(children.size).toBe(100);
    expect(children.has(digest(5))).toBe(false);
    expect(children.get(digest(1))).toEqual([`${digest(1).slice(0, -1)}a`, `${digest(1).slice(0, -1)}b`]);
  });

  it('reads a missing lifecycle policy as undefined', async () => {
    ecr
      .on(GetLifecyclePolicyCommand)
      .rejects(new LifecyclePolicyNotFoundException({ message: 'none', $metadata: {} }));

    expect(await getLifecyclePolicy(client, 'app')).toBeUndefined();
  });

  describe('with the SDK retry strategy (real middleware, stubbed HTTP)', () => {
    const response = (statusCode: number, body: unknown, errorType?: string) => ({
      statusCode,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      },
      body: new TextEncoder().encode(JSON.stringify(body)),
    });
    const throttled = () =>
      response(400, { __type: 'ThrottlingException', message: 'Rate exceeded' }, 'ThrottlingException');

    /** An ECRClient whose HTTP layer answers from `responses` and counts the requests sent. */
    function stubbedEcr(maxAttempts: number, responses: ReturnType<typeof response>[]) {
      const sent: unknown[] = [];
      const requestHandler = {
        handle: async (request: { body?: unknown }) => {
          sent.push(request.body);
          const next = responses.shift();
          if (!next) throw new Error('no stubbed response left');
          return { response: next };
        },
      };
      const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
      return {
        client: new ECRClient({ region: 'eu-west-1', credentials, maxAttempts, requestHandler }),
        sent,
      };
    }

    beforeEach(() => {
      // aws-sdk-client-mock replaces send() and with it the retry middleware; these tests need the real one.
      ecr.restore();
      vi.spyOn(Math, 'random').mockReturnValue(0);
    });

    afterEach(() => {
      vi.restoreAllMocks();
      ecr = mockClient(ECRClient);
    });

    it('deletes after a throttled BatchDeleteImage through the SDK retry alone: one request per attempt', async () => {
      const { client: real, sent } = stubbedEcr(3, [
        throttled(),
        response(200, { imageIds: [], failures: [] }),
      ]);

      const result = await deleteImages(real, 'app', [digest(1)]);

      expect(result).toEqual({ deleted: [digest(1)], failed: [] });
      expect(sent).toHaveLength(2);
    });

    it('reports CallFailed once the SDK attempts are spent, with no retry of its own', async () => {
      const { client: real, sent } = stubbedEcr(2, [throttled(), throttled(), throttled(), throttled()]);

      const result = await deleteImages(
        real,
        'app',
        Array.from({ length: 150 }, (_, i) => digest(i)),
      );

      expect(sent).toHaveLength(2);
      expect(result.deleted).toEqual([]);
      expect(result.failed.filter((f) => f.code === 'CallFailed')).toHaveLength(100);
      expect(result.failed.filter((f) => f.code === 'NotAttempted')).toHaveLength(50);
    });
  });
});

describe('Adapter: ECR manifest subjects', () => {
  it('reads the subject of each manifest, 100 a call, and leaves out what it cannot read', async () => {
    const digests = Array.from({ length: 150 }, (_, i) => digest(i + 1));
    ecr.on(BatchGetImageCommand).callsFake(async (input: { imageIds: { imageDigest: string }[] }) => ({
      images: input.imageIds
        .filter((id) => id.imageDigest !== digest(5))
        .map((id) => ({
          imageId: id,
          imageManifest:
            id.imageDigest === digest(6)
              ? 'not json'
              : JSON.stringify(id.imageDigest === digest(2) ? { subject: { digest: digest(1) } } : {}),
        })),
      failures: [{ imageId: { imageDigest: digest(5) }, failureCode: 'ImageNotFound' }],
    }));

    const subjects = await manifestSubjects(client, 'app', digests);

    const calls = ecr.commandCalls(BatchGetImageCommand);
    expect(calls.map((c) => c.args[0].input.imageIds!.length)).toEqual([100, 50]);
    expect(calls[0]!.args[0].input.acceptedMediaTypes).toContain(
      'application/vnd.oci.image.manifest.v1+json',
    );
    expect(subjects.get(digest(2))).toBe(digest(1));
    expect(subjects.get(digest(3))).toBeNull();
    expect(subjects.has(digest(5))).toBe(false);
    expect(subjects.has(digest(6))).toBe(false);
    expect(subjects.size).toBe(148);
  });
});
