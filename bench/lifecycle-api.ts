/**
 * API calls per repository for one enforcement: lists a repository of `images` images and deletes
 * `deletions` of them through the real ECR adapter (shared/images/aws/ecr.ts), against a counting mock
 * client that pages DescribeImages and answers BatchDeleteImage as ECR does (at most 1,000 and 100 per
 * call). The minimum the limits allow is ceil(images / 1000) and ceil(deletions / 100).
 */
import { mockClient } from 'aws-sdk-client-mock';
import {
  BatchDeleteImageCommand,
  DescribeImagesCommand,
  ECRClient,
  type DescribeImagesCommandInput,
} from '@aws-sdk/client-ecr';
import { deleteImages, listImages } from '../shared/images/aws/ecr.js';
import { judged, type Row } from './lib.js';

export async function measureApiCalls(
  images: number,
  deletions: number,
): Promise<{ rows: Row[]; details: Record<string, number> }> {
  const mock = mockClient(ECRClient);
  const all = Array.from({ length: images }, (_, i) => ({
    imageDigest: `sha256:${i.toString(16).padStart(64, '0')}`,
    imagePushedAt: new Date(1_700_000_000_000 + i * 1000),
  }));
  mock.on(DescribeImagesCommand).callsFake(async (input: DescribeImagesCommandInput) => {
    // ECR's limit: at most 1,000 a page whatever maxResults asks for.
    const size = Math.min(input.maxResults ?? 100, 1000);
    const start = Number(input.nextToken ?? 0);
    const end = Math.min(start + size, all.length);
    return { imageDetails: all.slice(start, end), ...(end < all.length ? { nextToken: String(end) } : {}) };
  });
  mock.on(BatchDeleteImageCommand).callsFake(async (input: { imageIds: unknown[] }) => {
    if (input.imageIds.length > 100) throw new Error('BatchDeleteImage takes at most 100 image ids');
    return { imageIds: input.imageIds, failures: [] };
  });
  const client = new ECRClient({ region: 'us-east-1' });
  const listed = await listImages(client, 'bench/app');
  const result = await deleteImages(
    client,
    'bench/app',
    listed.slice(0, deletions).map((i) => i.imageDigest),
  );
  const describeCalls = mock.commandCalls(DescribeImagesCommand).length;
  const deleteCalls = mock.commandCalls(BatchDeleteImageCommand).length;
  mock.restore();
  if (listed.length !== images || result.deleted.length !== deletions)
    throw new Error('the adapter lost images');
  const minDescribe = Math.ceil(images / 1000);
  const minDelete = Math.ceil(deletions / 100);
  const label = `${images.toLocaleString('en-US')} images`;
  return {
    rows: [
      judged('lifecycle', `DescribeImages calls, ${label}`, describeCalls, 'calls', String(describeCalls), {
        op: '==',
        value: minDescribe,
        display: `${minDescribe} (ceil(images/1000))`,
      }),
      judged(
        'lifecycle',
        `BatchDeleteImage calls, ${deletions} deletions`,
        deleteCalls,
        'calls',
        String(deleteCalls),
        {
          op: '==',
          value: minDelete,
          display: `${minDelete} (ceil(deletions/100))`,
        },
      ),
    ],
    details: { apiImages: images, apiDeletions: deletions, describeCalls, deleteCalls },
  };
}
