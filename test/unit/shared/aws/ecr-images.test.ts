import { afterEach, describe, expect, it } from 'vitest';
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
} from '../../../../shared/aws/ecr-images';
import { PermanentError, RetryableError } from '../../../../shared/errors';

const ecr = mockClient(ECRClient);
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

  it('fails the images of a chunk whose call fails, and still tries the next chunk', async () => {
    ecr
      .on(BatchDeleteImageCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves({ failures: [] });

    const result = await deleteImages(
      client,
      'app',
      Array.from({ length: 150 }, (_, i) => digest(i)),
    );

    expect(result.failed).toHaveLength(100);
    expect(result.failed[0]).toMatchObject({
      code: 'CallFailed',
      reason: 'BatchDeleteImage app: ThrottlingException: slow down',
    });
    expect(result.deleted).toHaveLength(50);
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
});
