import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  type ECRClient,
  GetLifecyclePolicyCommand,
  paginateDescribeImages,
  paginateDescribeRepositories,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import type { RetryableError } from '../../kernel/errors.js';
import { classifyByName, PermanentError } from '../../kernel/errors.js';
import { anyGlobMatches } from '../glob.js';
import { countedSize } from '../images.js';
import { INDEX_MEDIA_TYPES, type RegistryImage } from '../protect.js';
import { SUBJECT_MEDIA_TYPES } from '../referrers.js';
import type { RepositoryIdentity } from '../refs.js';
import { CALL_FAILED, NOT_ATTEMPTED, type DeleteResult, type ImageRegistry } from '../service.js';
import { chunks } from '../../kernel/chunks.js';

/** DescribeImages returns at most 1,000 images a page: ceil(images / 1000) calls per repository. */
export const DESCRIBE_IMAGES_PAGE = 1000;
/** BatchDeleteImage and BatchGetImage take at most 100 image ids a call. */
export const IMAGE_ID_BATCH = 100;

// Errors the same request cannot get past; the SDK has already retried throttling, 5xx and network errors.
const PERMANENT_ECR_ERRORS = new Set([
  'AccessDeniedException',
  'InvalidParameterException',
  'RepositoryNotFoundException',
  'ValidationException',
  'KmsException',
]);

/** Maps an ECR error to a retryable or permanent ecs-pilot error naming the action. */
export function classifyEcrError(error: unknown, action: string): RetryableError | PermanentError {
  return classifyByName(error, action, PERMANENT_ECR_ERRORS);
}

/** Every repository whose name one of `globs` matches, with its URI (to resolve image references). */
export async function listRepositories(
  client: ECRClient,
  globs: readonly string[],
): Promise<RepositoryIdentity[]> {
  const found: RepositoryIdentity[] = [];
  try {
    for await (const page of paginateDescribeRepositories({ client, pageSize: 1000 }, {})) {
      for (const r of page.repositories ?? []) {
        if (r.repositoryName && r.repositoryUri && anyGlobMatches(globs, r.repositoryName)) {
          found.push({ name: r.repositoryName, uri: r.repositoryUri });
        }
      }
    }
  } catch (error) {
    throw classifyEcrError(error, 'DescribeRepositories');
  }
  return found;
}

const sized = (size: number | undefined) => (size === undefined ? {} : { sizeInBytes: size });

/**
 * Every image of a repository, 1,000 a page. An image without digest or push time cannot be planned,
 * and leaving it out would shift every count-based ranking after it, so it fails the listing.
 */
export async function listImages(client: ECRClient, repositoryName: string): Promise<RegistryImage[]> {
  const images: RegistryImage[] = [];
  try {
    for await (const page of paginateDescribeImages(
      { client, pageSize: DESCRIBE_IMAGES_PAGE },
      { repositoryName },
    )) {
      for (const detail of page.imageDetails ?? []) {
        if (!detail.imageDigest || !detail.imagePushedAt) {
          throw new PermanentError(
            `DescribeImages ${repositoryName}: an image without ${detail.imageDigest ? 'imagePushedAt' : 'imageDigest'} (${detail.imageDigest ?? detail.imageTags?.join(',') ?? '?'})`,
          );
        }
        images.push({
          imageDigest: detail.imageDigest,
          imageTags: detail.imageTags ?? [],
          imagePushedAt: detail.imagePushedAt,
          ...(detail.imageManifestMediaType ? { manifestMediaType: detail.imageManifestMediaType } : {}),
          ...sized(countedSize(detail.imageSizeInBytes, detail.imageManifestMediaType)),
        });
      }
    }
  } catch (error) {
    throw classifyEcrError(error, `DescribeImages ${repositoryName}`);
  }
  return images;
}

/**
 * The manifests of `digests` as ECR returns them for `acceptedMediaTypes` (BatchGetImage, 100 a
 * call), parsed: each digest asked for with its JSON. A manifest not returned, or not JSON, is left
 * out, so the planner that asked for it holds the repository.
 */
async function* parsedManifests(
  client: ECRClient,
  repositoryName: string,
  digests: readonly string[],
  acceptedMediaTypes: readonly string[],
): AsyncGenerator<{ digest: string; manifest: unknown }> {
  for (const batch of chunks(digests, IMAGE_ID_BATCH)) {
    let response;
    try {
      response = await client.send(
        new BatchGetImageCommand({
          repositoryName,
          imageIds: batch.map((imageDigest) => ({ imageDigest })),
          acceptedMediaTypes: [...acceptedMediaTypes],
        }),
      );
    } catch (error) {
      throw classifyEcrError(error, `BatchGetImage ${repositoryName}`);
    }
    for (const image of response.images ?? []) {
      const digest = image.imageId?.imageDigest;
      if (!digest || !batch.includes(digest) || !image.imageManifest) continue;
      let manifest: unknown;
      try {
        manifest = JSON.parse(image.imageManifest);
      } catch {
        continue;
      }
      yield { digest, manifest };
    }
  }
}

/**
 * The manifests each image index lists (asking for index media types so ECR returns the index
 * itself). An index that is not returned, or whose manifest is not JSON with `manifests[]`, is left
 * out of the map: the planner treats it as a doubt.
 */
export async function indexChildren(
  client: ECRClient,
  repositoryName: string,
  digests: readonly string[],
): Promise<Map<string, string[]>> {
  const children = new Map<string, string[]>();
  for await (const { digest, manifest } of parsedManifests(
    client,
    repositoryName,
    digests,
    INDEX_MEDIA_TYPES,
  )) {
    const listed = (manifest as { manifests?: unknown } | null)?.manifests;
    // A null entry makes the whole index a doubt, as an unreadable manifest does.
    if (!Array.isArray(listed) || listed.some((m) => m === null || m === undefined)) continue;
    children.set(
      digest,
      (listed as { digest?: unknown }[])
        .map((m) => m.digest)
        .filter((d): d is string => typeof d === 'string'),
    );
  }
  return children;
}

/**
 * What the manifests of `digests` name as their `subject` (asking for the OCI types so ECR returns
 * each manifest as pushed): the subject's digest, or null for a manifest with none. A manifest not
 * returned, or not JSON, is left out: the planner doubts it.
 */
export async function manifestSubjects(
  client: ECRClient,
  repositoryName: string,
  digests: readonly string[],
): Promise<Map<string, string | null>> {
  const subjects = new Map<string, string | null>();
  for await (const { digest, manifest } of parsedManifests(
    client,
    repositoryName,
    digests,
    SUBJECT_MEDIA_TYPES,
  )) {
    // A `null` manifest is left out (the planner doubts it); any other JSON names no subject unless it does.
    if (manifest === null) continue;
    const subject = (manifest as { subject?: { digest?: unknown } | null }).subject?.digest;
    subjects.set(digest, typeof subject === 'string' ? subject : null);
  }
  return subjects;
}

/**
 * Deletes images by digest, 100 a call. `failures[]` are failures, except ImageNotFound: the image is
 * gone, which is what was asked (a duplicate run, or ECR's own lifecycle got there first). A call that
 * fails outright (the SDK has already retried throttling and 5xx) fails its images as CallFailed, and
 * the calls after it are not sent (NotAttempted): a destructive run stops at the first surprise, and
 * the next run re-plans from what the registry holds.
 */
export async function deleteImages(
  client: ECRClient,
  repositoryName: string,
  digests: readonly string[],
): Promise<DeleteResult> {
  const result: DeleteResult = { deleted: [], failed: [] };
  const batches = chunks(digests, IMAGE_ID_BATCH);
  for (const [i, batch] of batches.entries()) {
    try {
      const response = await client.send(
        new BatchDeleteImageCommand({
          repositoryName,
          imageIds: batch.map((imageDigest) => ({ imageDigest })),
        }),
      );
      const failed = new Set<string>();
      for (const f of response.failures ?? []) {
        const digest = f.imageId?.imageDigest;
        if (!digest) continue;
        if (f.failureCode === 'ImageNotFound') continue;
        failed.add(digest);
        result.failed.push({ digest, code: f.failureCode ?? 'Unknown', reason: f.failureReason ?? '' });
      }
      result.deleted.push(...batch.filter((d) => !failed.has(d)));
    } catch (error) {
      const reason = classifyEcrError(error, `BatchDeleteImage ${repositoryName}`).message;
      result.failed.push(...batch.map((digest) => ({ digest, code: CALL_FAILED, reason })));
      const skipped = `not sent: an earlier BatchDeleteImage call failed (${reason})`;
      for (const rest of batches.slice(i + 1))
        result.failed.push(...rest.map((digest) => ({ digest, code: NOT_ATTEMPTED, reason: skipped })));
      break;
    }
  }
  return result;
}

/** The repository's lifecycle policy text, or undefined when it has none. */
export async function getLifecyclePolicy(
  client: ECRClient,
  repositoryName: string,
): Promise<string | undefined> {
  try {
    const response = await client.send(new GetLifecyclePolicyCommand({ repositoryName }));
    return response.lifecyclePolicyText;
  } catch (error) {
    if (error instanceof Error && error.name === 'LifecyclePolicyNotFoundException') return undefined;
    throw classifyEcrError(error, `GetLifecyclePolicy ${repositoryName}`);
  }
}

export async function putLifecyclePolicy(
  client: ECRClient,
  repositoryName: string,
  text: string,
): Promise<void> {
  try {
    await client.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: text }));
  } catch (error) {
    throw classifyEcrError(error, `PutLifecyclePolicy ${repositoryName}`);
  }
}

/** The registry port of the image hygiene run, over one ECR client; `globs` are every configured match. */
export function ecrRegistry(client: ECRClient, globs: readonly string[]): ImageRegistry {
  return {
    listRepositories: () => listRepositories(client, globs),
    listImages: (repository) => listImages(client, repository),
    indexChildren: (repository, digests) => indexChildren(client, repository, digests),
    manifestSubjects: (repository, digests) => manifestSubjects(client, repository, digests),
    deleteImages: (repository, digests) => deleteImages(client, repository, digests),
    getLifecyclePolicy: (repository) => getLifecyclePolicy(client, repository),
    putLifecyclePolicy: (repository, text) => putLifecyclePolicy(client, repository, text),
  };
}
