import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MAX_SCAN_BYTES, ScanFileSource, s3ScanWriter } from '../../../../../shared/images/aws/scan-files';

const s3 = mockClient(S3Client);
const client = () => new S3Client({ region: 'eu-west-1' });
const URI = 's3://shared-scans/account-b.json';
const NOW = new Date('2026-03-28T12:00:00Z');
const body = (text: string) => ({ transformToString: async () => text }) as never;
const USE = {
  image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/app:v1',
  reason: 'used by RUNNING task t1',
};

afterEach(() => s3.reset());

describe('Adapter: s3ScanWriter and ScanFileSource', () => {
  it('writes this account’s scan as JSON at the configured object, and another account’s run reads it back', async () => {
    const written = await s3ScanWriter(client(), URI, { account: '222222222222', region: 'eu-west-1' }).write(
      {
        uses: [USE],
        doubts: [],
        scannedAt: new Date('2026-03-28T03:00:00Z'),
      },
    );
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    s3.on(GetObjectCommand, { Bucket: 'shared-scans', Key: 'account-b.json' }).resolves({
      Body: body(put.Body as string),
    });

    const uses = await new ScanFileSource(client(), URI, { maxAgeHours: 36, now: () => NOW }).uses();

    expect(written).toBe(1);
    expect(put).toMatchObject({
      Bucket: 'shared-scans',
      Key: 'account-b.json',
      ContentType: 'application/json',
    });
    expect(uses).toEqual([
      { image: USE.image, reason: `${USE.reason}, in account 222222222222 (eu-west-1), per ${URI}` },
    ]);
  });

  it.each([
    [
      'cannot be read',
      () =>
        s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' })),
      /s3:\/\/shared-scans\/account-b.json: cannot be read \(GetObject: .*Access Denied\)/,
    ],
    [
      'is too large',
      () => s3.on(GetObjectCommand).resolves({ ContentLength: MAX_SCAN_BYTES + 1, Body: body('{}') }),
      /more than the 67108864 read/,
    ],
    [
      'is not a scan',
      () => s3.on(GetObjectCommand).resolves({ Body: body('[]') }),
      /not an ecs-pilot scan file/,
    ],
  ])('rejects when the object %s, naming it', async (_what, arrange, message) => {
    arrange();

    await expect(
      new ScanFileSource(client(), URI, { maxAgeHours: 36, now: () => NOW }).uses(),
    ).rejects.toThrow(message);
  });

  it('is named by its URI and marked as from elsewhere (not written into this account’s own scan)', () => {
    const source = new ScanFileSource(client(), URI, { maxAgeHours: 36 });

    expect(source.name).toBe(`scan file ${URI}`);
    expect(source.elsewhere).toBe(true);
  });
});
