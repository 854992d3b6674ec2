import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage, PermanentError, RetryableError } from '../../kernel/errors.js';
import type { KeyLookup } from '../key.js';

/** Looks up whether one object (version) exists. */
export interface ObjectLookup {
  lookup(bucket: string, key: string, versionId: string | undefined): Promise<KeyLookup>;
}

const statusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/**
 * ObjectLookup over S3 HeadObject (s3:GetObject, or s3:GetObjectVersion with a version id). A HEAD
 * answer has no body, so only its status says what happened: 404 → absent (the role also holds
 * s3:ListBucket, without which S3 answers 403 for a missing object); 403 → forbidden; throttling,
 * 5xx and network errors → RetryableError (after the SDK's own retries); anything else (400: a
 * malformed version id, for instance) → PermanentError.
 */
export class S3ObjectLookup implements ObjectLookup {
  constructor(private readonly s3: S3Client) {}

  async lookup(bucket: string, key: string, versionId: string | undefined): Promise<KeyLookup> {
    try {
      await this.s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
      );
      return 'exists';
    } catch (error) {
      const status = statusOf(error);
      const name = error instanceof Error ? error.name : '';
      if (status === 404 || name === 'NotFound' || name === 'NoSuchKey') return 'absent';
      if (status === 403) return 'forbidden';
      const message = `HeadObject s3://${bucket}/${key}: ${errorMessage(error)}`;
      if (status === undefined || status === 429 || status >= 500 || /Throttl|SlowDown/.test(name)) {
        throw new RetryableError(message, { cause: error });
      }
      throw new PermanentError(message, { cause: error });
    }
  }
}
