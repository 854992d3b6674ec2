/**
 * The images a lifecycle policy is previewed over, read from DescribeImages output: what
 * `aws ecr describe-images --repository-name NAME` prints ({"imageDetails": [...]}) or a bare array of
 * the same objects. The rules use imageDigest, imageTags and imagePushedAt; imageSizeInBytes is read
 * for the size figures (not for an image index, whose reported size is its largest child's); every
 * other field (scan status, ...) is ignored.
 *
 * A file that cannot be read completely is refused as a whole rather than previewed in part: a missing
 * image would shift every imageCountMoreThan ranking after it.
 */
import { errorMessage, PermanentError } from '../kernel/errors.js';

/** One image as the lifecycle rules see it. An image without tags is untagged. */
export interface LifecycleImage {
  imageDigest: string;
  imageTags: readonly string[];
  imagePushedAt: Date;
  /**
   * DescribeImages' imageSizeInBytes (compressed layers), for the size figures only; the rules never
   * see it. Absent for an image index (ECR reports its largest child's size) and when not reported.
   */
  sizeInBytes?: number;
}

/** Manifest types whose manifest lists other manifests (children) rather than layers. */
export const INDEX_MEDIA_TYPES: readonly string[] = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

/**
 * The size an image counts for: imageSizeInBytes, except for an image index (ECR reports the size
 * of its largest child, which is listed and counted itself), or when it is not a byte count.
 */
export function countedSize(size: unknown, mediaType: unknown): number | undefined {
  if (typeof mediaType === 'string' && INDEX_MEDIA_TYPES.includes(mediaType)) return undefined;
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined;
}

/** A broken file of 100,000 images would otherwise make a message of 100,000 lines. */
export const MAX_ISSUES_IN_MESSAGE = 20;

/** The images file cannot be used; `issues` lists every problem with its path, like `imageDetails[3].imagePushedAt`. */
export class ImagesFileError extends PermanentError {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => `  - ${i}`);
    if (issues.length > MAX_ISSUES_IN_MESSAGE)
      shown.push(`  - … and ${issues.length - MAX_ISSUES_IN_MESSAGE} more`);
    super(`Invalid images file ${source}:\n${shown.join('\n')}`);
  }
}

// An OCI digest, algorithm:encoded (ECR's are sha256:<64 hex>).
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
// ISO-8601 date-time with an explicit offset, as the AWS CLI v2 prints it (2026-03-28T12:00:00.123000+00:00).
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
// Epoch seconds beyond this (year 5138) are almost certainly milliseconds.
const MAX_EPOCH_SECONDS = 1e11;

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

/**
 * Parses an ISO-8601 time with an explicit offset (`Z` or `+01:00`); undefined for anything else.
 * A time without an offset would silently depend on the machine's time zone, so it is refused.
 */
export function parseIsoTime(text: string): Date | undefined {
  if (!ISO_TIME.test(text)) return undefined;
  // Date.parse rolls 2026-02-30 over to March 2; a date that does not exist is a typo, not a time.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  // Date.parse reads at most milliseconds; the CLI prints microseconds.
  const trimmed = text.replace(/(\.\d{3})\d+/, '$1');
  const time = Date.parse(trimmed);
  return Number.isNaN(time) ? undefined : new Date(time);
}

function pushedAt(value: unknown, at: string, issues: string[]): Date | undefined {
  if (typeof value === 'string') {
    const time = parseIsoTime(value);
    if (!time) {
      issues.push(
        `${at}: expected an ISO-8601 time with a time zone, like 2026-03-28T12:00:00+00:00, got ${describe(value)}`,
      );
    }
    return time;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      issues.push(`${at}: expected epoch seconds (a number ≥ 0), got ${describe(value)}`);
      return undefined;
    }
    if (value > MAX_EPOCH_SECONDS) {
      issues.push(`${at}: ${value} looks like milliseconds; the AWS CLI prints epoch seconds`);
      return undefined;
    }
    return new Date(value * 1000);
  }
  issues.push(
    value === undefined
      ? `${at}: required (the push time, ISO-8601 or epoch seconds)`
      : `${at}: expected an ISO-8601 time or epoch seconds, got ${describe(value)}`,
  );
  return undefined;
}

function tags(value: unknown, at: string, issues: string[]): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.push(`${at}: expected a list of tags (omit it for an untagged image), got ${describe(value)}`);
    return undefined;
  }
  const bad = value.flatMap((tag, index) =>
    typeof tag === 'string' && tag.length > 0
      ? []
      : [`${at}[${index}]: expected a non-empty tag, got ${describe(tag)}`],
  );
  issues.push(...bad);
  return bad.length === 0 ? (value as string[]) : undefined;
}

function list(doc: unknown): { items: readonly unknown[]; path: string } | string {
  if (Array.isArray(doc)) return { items: doc, path: '' };
  if (typeof doc !== 'object' || doc === null) {
    return `(root): expected DescribeImages output {"imageDetails": [...]} or a list of image details, got ${describe(doc)}`;
  }
  const record = doc as Record<string, unknown>;
  const token = record.nextToken ?? record.NextToken;
  if (token !== undefined && token !== null) {
    return 'nextToken: this is one page of a paginated DescribeImages result; save every page (the AWS CLI fetches them all unless --max-items or --no-paginate is given)';
  }
  if (!Array.isArray(record.imageDetails)) {
    return record.imageDetails === undefined
      ? '(root): expected DescribeImages output {"imageDetails": [...]} or a list of image details; imageDetails is missing'
      : `imageDetails: expected a list of image details, got ${describe(record.imageDetails)}`;
  }
  return { items: record.imageDetails, path: 'imageDetails' };
}

/** Validates DescribeImages output (or a bare array of image details); throws ImagesFileError listing every problem. */
export function parseImageDetails(doc: unknown, source = 'images'): LifecycleImage[] {
  const found = list(doc);
  if (typeof found === 'string') throw new ImagesFileError(source, [found]);
  const issues: string[] = [];
  const images: LifecycleImage[] = [];
  const seen = new Map<string, string>();
  found.items.forEach((item, index) => {
    const at = `${found.path}[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      issues.push(`${at}: expected an image detail object, got ${describe(item)}`);
      return;
    }
    const detail = item as Record<string, unknown>;
    const digest = detail.imageDigest;
    if (typeof digest !== 'string' || !DIGEST.test(digest)) {
      issues.push(
        digest === undefined
          ? `${at}.imageDigest: required (like sha256:<64 hex digits>)`
          : `${at}.imageDigest: expected a digest like sha256:<64 hex digits>, got ${describe(digest)}`,
      );
    } else if (seen.has(digest)) {
      issues.push(`${at}.imageDigest: ${digest} is listed twice (also at ${seen.get(digest)})`);
    } else seen.set(digest, at);
    const imageTags = tags(detail.imageTags, `${at}.imageTags`, issues);
    const imagePushedAt = pushedAt(detail.imagePushedAt, `${at}.imagePushedAt`, issues);
    if (typeof digest === 'string' && imageTags && imagePushedAt) {
      const size = countedSize(detail.imageSizeInBytes, detail.imageManifestMediaType);
      images.push({
        imageDigest: digest,
        imageTags,
        imagePushedAt,
        ...(size === undefined ? {} : { sizeInBytes: size }),
      });
    }
  });
  if (issues.length > 0) throw new ImagesFileError(source, issues);
  return images;
}

/** Parses the text of an images file (JSON); throws ImagesFileError on anything unusable. */
export function parseImagesFile(text: string, source = 'images'): LifecycleImage[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ImagesFileError(source, [`(root): not valid JSON (${errorMessage(error)})`]);
  }
  return parseImageDetails(doc, source);
}
