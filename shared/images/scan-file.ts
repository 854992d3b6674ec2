/**
 * Scan files: what one account's scan found in use, written for the runs of other accounts that
 * clean a registry it pulls from (ecrm's `scan --output` / `--scanned-files`). Pure: the adapter
 * (shared/images/aws/scan-files.ts) reads and writes them in S3 or on disk.
 *
 * The format is small and versioned (see SCAN_FORMAT); a reader takes only the versions it knows.
 * A file that cannot be read, is not a valid scan, is older than the configured age or reports doubts
 * fails its source: the run deletes nothing (the other account's images in use would be unknown).
 */
import * as z from 'zod/mini';
import { summarizeIssues, unsafeKeys } from '../kernel/issues.js';
import type { ImageUse } from './protect.js';

export const SCAN_FORMAT = 'ecs-pilot-scan';
export const SCAN_VERSION = 1;

/** A scan written more than this far ahead of the reader's clock is refused (skew beyond it is a bug). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const text = (max: number) => z.string().check(z.maxLength(max));

/** One image reference in use, as the writing account's task definitions, tasks or functions name it. */
const scanImageSchema = z.strictObject({
  /** The reference as written (`<account>.dkr.ecr.<region>.amazonaws.com/app:v1`, `app@sha256:…`). */
  image: text(2048),
  /** The digest pulled or resolved, when known (a task's imageDigest, a Lambda version's). */
  digest: z.optional(z.string().check(z.regex(DIGEST, 'an image digest (sha256:…)'))),
  /** Who uses it there, e.g. `used by service web in cluster prod (PRIMARY deployment)`. */
  reasons: z.array(text(2000)).check(z.minLength(1), z.maxLength(1000)),
  /** Set when a task definition names it: a tag no image carries is then a broken reference, not a doubt. */
  definition: z.optional(
    z.strictObject({ taskDefinition: text(512), container: text(255), why: text(2000) }),
  ),
});

/** Version 1 of the scan file. */
export const scanFileSchema = z.strictObject({
  format: z.literal(SCAN_FORMAT),
  version: z.literal(SCAN_VERSION),
  /** The account and Region scanned. */
  account: z.string().check(z.regex(/^\d{12}$/, 'a 12-digit account id')),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'a Region name such as eu-west-1')),
  /** When the scan was made (ISO 8601, UTC): a reader refuses a scan older than its configured age. */
  scannedAt: z.iso.datetime(),
  images: z.array(scanImageSchema).check(z.maxLength(200_000)),
  /** What that scan could not know (a cluster named but missing, a task definition not read): a reader deletes nothing. */
  doubts: z.array(text(2000)).check(z.maxLength(1000)),
});

export type ScanFile = z.infer<typeof scanFileSchema>;
export type ScanImage = z.infer<typeof scanImageSchema>;

/** A scan file that cannot be used, with why. */
export class ScanFileError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'ScanFileError';
  }
}

/**
 * The scan file of one account's uses: one entry per image reference (with its digest and task
 * definition, when known), every reason kept, sorted so that the same scan writes the same file.
 */
export function buildScanFile(scan: {
  account: string;
  region: string;
  scannedAt: Date;
  uses: readonly ImageUse[];
  doubts: readonly string[];
}): ScanFile {
  const byKey = new Map<string, ScanImage>();
  for (const use of scan.uses) {
    const d = use.definition;
    const key = [use.image, use.digest ?? '', d ? `${d.taskDefinition}\n${d.container}` : ''].join('\n');
    const entry = byKey.get(key);
    if (entry) {
      if (!entry.reasons.includes(use.reason) && entry.reasons.length < 1000) entry.reasons.push(use.reason);
      continue;
    }
    byKey.set(key, {
      image: use.image,
      ...(use.digest ? { digest: use.digest } : {}),
      reasons: [use.reason],
      ...(d ? { definition: { ...d } } : {}),
    });
  }
  return {
    format: SCAN_FORMAT,
    version: SCAN_VERSION,
    account: scan.account,
    region: scan.region,
    scannedAt: scan.scannedAt.toISOString(),
    images: [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e),
    doubts: [...scan.doubts],
  };
}

function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/**
 * Reads a scan file's text: valid version-1 JSON, not older than `maxAgeHours` at `now`, not from the
 * future, reporting no doubts. Returns its uses, each reason naming the account and Region it comes
 * from. Throws a ScanFileError saying why otherwise.
 */
export function readScanFile(
  content: string,
  options: { source: string; now: Date; maxAgeHours: number },
): { file: ScanFile; uses: ImageUse[] } {
  const fail = (reason: string): never => {
    throw new ScanFileError(options.source, reason);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch (error) {
    return fail(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const head = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (head.format !== SCAN_FORMAT) {
    return fail(
      `not an ecs-pilot scan file (format ${JSON.stringify(head.format)}, expected "${SCAN_FORMAT}")`,
    );
  }
  if (head.version !== SCAN_VERSION) {
    return fail(
      `scan file version ${JSON.stringify(head.version)} is not one this ecs-pilot reads (${SCAN_VERSION})`,
    );
  }
  const unsafe = unsafeKeys(raw);
  if (unsafe.length > 0) return fail(`invalid scan file: ${unsafe.slice(0, 5).join('; ')}`);
  const parsed = scanFileSchema.safeParse(raw);
  if (!parsed.success) return fail(`invalid scan file: ${summarizeIssues(parsed.error.issues)}`);
  const file = parsed.data;
  const age = options.now.getTime() - Date.parse(file.scannedAt);
  if (age > options.maxAgeHours * 3_600_000) {
    fail(
      `stale: scanned at ${file.scannedAt}, ${formatAge(age)} ago, more than images.protect.scanMaxAgeHours (${options.maxAgeHours} h)`,
    );
  }
  if (age < -MAX_CLOCK_SKEW_MS) {
    fail(
      `scanned at ${file.scannedAt}, ${formatAge(-age)} in the future: the writer's clock or the file is wrong`,
    );
  }
  if (file.doubts.length > 0) {
    fail(
      `the scan of account ${file.account} (${file.region}) reports ${file.doubts.length} doubt(s), so its images in use are not all known: ${file.doubts.slice(0, 3).join('; ')}`,
    );
  }
  const from = `in account ${file.account} (${file.region}), per ${options.source}`;
  const uses = file.images.flatMap((entry) =>
    entry.reasons.map((reason): ImageUse => ({
      image: entry.image,
      ...(entry.digest ? { digest: entry.digest } : {}),
      reason: `${reason}, ${from}`,
      ...(entry.definition
        ? {
            definition: {
              taskDefinition: entry.definition.taskDefinition,
              container: entry.definition.container,
              why: `${entry.definition.why}, ${from}`,
            },
          }
        : {}),
    })),
  );
  return { file, uses };
}

/**
 * `s3://<bucket>/<key>`: a bucket of the current naming rules, a key of 1-256 characters without
 * white space, `*`, `?` (IAM wildcards) or `$` (CloudFormation's Fn::Sub): the URI scopes the
 * function's S3 grant as written (50 of the longest keep the role's policy within IAM's limits).
 */
export const S3_OBJECT_URI = /^s3:\/\/(?![^/]*\.\.)([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/([^\s*?$]{1,256})$/;

/** `s3://bucket/key` → its parts; undefined when it is not such a URI. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const match = S3_OBJECT_URI.exec(uri);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}
