import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { HeadObjectCommand, NotFound, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { S3ObjectLookup } from '../../../../../shared/uploads/aws/objects';
import { PermanentError, RetryableError } from '../../../../../shared/kernel/errors';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const s3Mock = mockClient(S3Client);
/** One attempt only: a retry strategy must not hide how an error is classified. */
const newS3 = () => new S3Client({ region: 'us-east-1', credentials, maxAttempts: 1 });

/** A HEAD error as the SDK builds it: no body, so a name from the status and the status itself. */
const headError = (name: string, status: number) =>
  new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

afterEach(() => {
  s3Mock.reset();
});

describe('Class: S3ObjectLookup', () => {
  it('sends HeadObject with the bucket, the key and the version id', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 3 });

    // Act
    const found = await new S3ObjectLookup(newS3()).lookup('media-ingest', 'incoming/a+b c.jpg', 'v-1');

    // Assess
    expect(found).toBe('exists');
    expect(s3Mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'media-ingest', Key: 'incoming/a+b c.jpg', VersionId: 'v-1' },
    ]);
  });

  it('sends no VersionId for an unversioned bucket', async () => {
    s3Mock.on(HeadObjectCommand).resolves({});

    await new S3ObjectLookup(newS3()).lookup('media-ingest', 'incoming/a.jpg', undefined);

    expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'media-ingest',
      Key: 'incoming/a.jpg',
    });
  });

  it.each<[string, unknown, string]>([
    ['NotFound (404)', new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }), 'absent'],
    ['a bare 404', headError('UnknownError', 404), 'absent'],
    ['NoSuchKey', headError('NoSuchKey', 404), 'absent'],
    ['Forbidden (403)', headError('Forbidden', 403), 'forbidden'],
  ])('reads %s as %s', async (_name, error, found) => {
    s3Mock.on(HeadObjectCommand).rejects(error as Error);

    await expect(new S3ObjectLookup(newS3()).lookup('media-ingest', 'incoming/a.jpg', 'v-1')).resolves.toBe(
      found,
    );
  });

  it.each<[string, Error]>([
    ['throttling (503 SlowDown)', headError('SlowDown', 503)],
    ['a 500', headError('InternalError', 500)],
    ['a 429', headError('TooManyRequests', 429)],
    ['a network error', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
  ])('throws a RetryableError naming the object on %s', async (_name, error) => {
    s3Mock.on(HeadObjectCommand).rejects(error);

    const outcome = new S3ObjectLookup(newS3()).lookup('media-ingest', 'incoming/a.jpg', undefined);

    await expect(outcome).rejects.toBeInstanceOf(RetryableError);
    await expect(outcome).rejects.toThrow(/^HeadObject s3:\/\/media-ingest\/incoming\/a\.jpg: /);
  });

  it('throws a PermanentError on a 400 (a malformed version id)', async () => {
    s3Mock.on(HeadObjectCommand).rejects(headError('BadRequest', 400));

    await expect(
      new S3ObjectLookup(newS3()).lookup('media-ingest', 'incoming/a.jpg', 'not-a-version'),
    ).rejects.toBeInstanceOf(PermanentError);
  });
});
