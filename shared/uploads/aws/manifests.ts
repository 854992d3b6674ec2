import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { classifyByName } from '../../kernel/errors.js';
import type { ManifestStore } from '../place.js';

const PERMANENT_S3_ERRORS = new Set(['AccessDenied', 'NoSuchBucket', 'InvalidBucketName']);

/** ManifestStore over S3 PutObject in the stack's manifest bucket (SSE-S3, see deploy.ts). */
export class S3ManifestStore implements ManifestStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async write(key: string, body: string): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
        }),
      );
    } catch (error) {
      throw classifyByName(error, `PutObject s3://${this.bucket}/${key}`, PERMANENT_S3_ERRORS);
    }
  }
}
