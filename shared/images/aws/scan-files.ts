import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage, PermanentError } from '../../kernel/errors.js';
import type { ImageUse } from '../protect.js';
import { buildScanFile, parseS3Uri, readScanFile, ScanFileError } from '../scan-file.js';
import type { InUseSource } from '../sources/port.js';

/** A scan file larger than this is refused unread (200,000 references are some 60 MB). */
export const MAX_SCAN_BYTES = 64 * 1024 * 1024;

const location = (uri: string) => {
  const parsed = parseS3Uri(uri);
  if (!parsed) throw new PermanentError(`${uri} is not an s3://<bucket>/<key> URI`);
  return parsed;
};

/** The text of an S3 object holding a scan file; throws (named, with S3's reason) when it cannot be read. */
export async function readScanObject(s3: S3Client, uri: string): Promise<string> {
  const { bucket, key } = location(uri);
  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    throw new ScanFileError(uri, `cannot be read (GetObject: ${errorMessage(error)})`);
  }
  if (response.ContentLength !== undefined && response.ContentLength > MAX_SCAN_BYTES) {
    throw new ScanFileError(uri, `${response.ContentLength} bytes, more than the ${MAX_SCAN_BYTES} read`);
  }
  if (!response.Body) throw new ScanFileError(uri, 'GetObject returned no body');
  return response.Body.transformToString('utf8');
}

/** Puts a scan file's text at an S3 URI (JSON, overwriting the previous scan). */
export async function writeScanObject(s3: S3Client, uri: string, text: string): Promise<void> {
  const { bucket, key } = location(uri);
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'application/json' }),
  );
}

/**
 * Another account's scan file as a source of "in use": read from S3 at each run, refused (the run then
 * deletes nothing) when it cannot be read, is not a valid scan, is older than `maxAgeHours` or
 * reports doubts. Its uses are never written into this account's own scan.
 */
export class ScanFileSource implements InUseSource {
  readonly name: string;
  readonly elsewhere = true;

  constructor(
    private readonly s3: S3Client,
    private readonly uri: string,
    private readonly options: { maxAgeHours: number; now?: () => Date },
  ) {
    this.name = `scan file ${uri}`;
  }

  async uses(): Promise<ImageUse[]> {
    const content = await readScanObject(this.s3, this.uri);
    return readScanFile(content, {
      source: this.uri,
      now: (this.options.now ?? (() => new Date()))(),
      maxAgeHours: this.options.maxAgeHours,
    }).uses;
  }
}

/**
 * Writes this account's own scan to `uri` for other accounts' runs: returns how many image
 * references it holds. Throws when S3 refuses the write.
 */
export function s3ScanWriter(s3: S3Client, uri: string, where: { account: string; region: string }) {
  return {
    target: uri,
    async write(scan: { uses: readonly ImageUse[]; doubts: readonly string[]; scannedAt: Date }) {
      const file = buildScanFile({ ...where, ...scan });
      await writeScanObject(s3, uri, JSON.stringify(file));
      return file.images.length;
    },
  };
}
