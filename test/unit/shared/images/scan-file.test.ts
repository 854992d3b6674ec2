import { describe, expect, it } from 'vitest';
import {
  buildScanFile,
  parseS3Uri,
  readScanFile,
  SCAN_FORMAT,
  ScanFileError,
} from '../../../../shared/images/scan-file';
import { protectRepository, type ImageUse } from '../../../../shared/images/protect';

const NOW = new Date('2026-03-28T12:00:00Z');
const REGISTRY = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
const digest = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
const SOURCE = 's3://shared-scans/account-b.json';
const read = (file: unknown, over: Partial<{ now: Date; maxAgeHours: number }> = {}) =>
  readScanFile(typeof file === 'string' ? file : JSON.stringify(file), {
    source: SOURCE,
    now: NOW,
    maxAgeHours: 36,
    ...over,
  });
const USES: ImageUse[] = [
  {
    image: `${REGISTRY}/app:v1`,
    digest: digest(1),
    reason: 'used by RUNNING task t1 in cluster prod (container web)',
  },
  {
    image: `${REGISTRY}/app:v2`,
    reason: 'used by service web in cluster prod (PRIMARY deployment): web:7, container web',
    definition: {
      taskDefinition: 'web:7',
      container: 'web',
      why: 'used by service web in cluster prod (PRIMARY deployment)',
    },
  },
  {
    image: `${REGISTRY}/app:v2`,
    reason: 'in one of the latest 5 revisions of web (#1, newest first): web:7, container web',
    definition: { taskDefinition: 'web:7', container: 'web', why: 'in one of the latest 5 revisions of web' },
  },
];
const scan = (over: Partial<Parameters<typeof buildScanFile>[0]> = {}) =>
  buildScanFile({
    account: '222222222222',
    region: 'eu-west-1',
    scannedAt: new Date('2026-03-28T03:00:00Z'),
    uses: USES,
    doubts: [],
    ...over,
  });

describe('Function: buildScanFile', () => {
  it('writes one entry per reference and task definition, every reason kept, in a stable order', () => {
    const file = scan();

    expect(file).toEqual({
      format: SCAN_FORMAT,
      version: 1,
      account: '222222222222',
      region: 'eu-west-1',
      scannedAt: '2026-03-28T03:00:00.000Z',
      images: [
        { image: `${REGISTRY}/app:v1`, digest: digest(1), reasons: [USES[0]!.reason] },
        {
          image: `${REGISTRY}/app:v2`,
          reasons: [USES[1]!.reason, USES[2]!.reason],
          definition: USES[1]!.definition,
        },
      ],
      doubts: [],
    });
    expect(scan({ uses: [...USES].reverse() }).images.map((i) => i.image)).toEqual(
      file.images.map((i) => i.image),
    );
  });
});

describe('Function: readScanFile', () => {
  it('reads a fresh scan back into uses that name the account they come from', () => {
    const { uses } = read(scan());

    expect(uses).toHaveLength(3);
    expect(uses[0]).toEqual({
      image: `${REGISTRY}/app:v1`,
      digest: digest(1),
      reason: `${USES[0]!.reason}, in account 222222222222 (eu-west-1), per ${SOURCE}`,
    });
  });

  it('keeps an image another account uses, and a task definition there naming a gone tag stays a broken reference (not a doubt)', () => {
    const { uses } = read(scan());
    const images = [1, 3].map((n) => ({
      imageDigest: digest(n),
      imageTags: [`v${n}`],
      imagePushedAt: new Date('2026-01-01T00:00:00Z'),
    }));

    const protection = protectRepository({ name: 'app', uri: `${REGISTRY}/app` }, images, uses);

    expect([...protection.inUse.keys()]).toEqual([digest(1)]);
    expect(protection.doubts).toEqual([]);
    expect(protection.broken).toEqual([
      expect.objectContaining({
        taskDefinition: 'web:7',
        tag: 'v2',
        reason: expect.stringContaining('in account 222222222222'),
      }),
    ]);
  });

  it.each([
    ['not JSON', '{"format": ', /not JSON/],
    ['another format', { format: 'ecrm', version: 1 }, /not an ecs-pilot scan file \(format "ecrm"/],
    [
      'a newer version',
      { ...scan(), version: 2 },
      /scan file version 2 is not one this ecs-pilot reads \(1\)/,
    ],
    [
      'an invalid digest',
      { ...scan(), images: [{ image: 'app', digest: 'md5', reasons: ['x'] }] },
      /images\[0\]\.digest: an image digest/,
    ],
    ['an unknown key', { ...scan(), extra: true }, /invalid scan file: .*extra/],
    ['a bad account', { ...scan(), account: 'me' }, /account: a 12-digit account id/],
    ['a __proto__ key', `{"__proto__": {}, ${JSON.stringify(scan()).slice(1)}`, /"__proto__" is not allowed/],
    [
      'an entry without a reason',
      { ...scan(), images: [{ image: 'app', reasons: [] }] },
      /images\[0\]\.reasons/,
    ],
  ])('refuses %s, naming the file', (_what, file, message) => {
    expect(() => read(file)).toThrow(ScanFileError);
    expect(() => read(file)).toThrow(message);
    expect(() => read(file)).toThrow(SOURCE);
  });

  it('refuses a scan older than the configured age, saying how old, and takes one just within it', () => {
    const file = scan({ scannedAt: new Date(NOW.getTime() - 36 * 3_600_000 - 60_000) });

    expect(() => read(file)).toThrow(
      /stale: scanned at 2026-03-26T23:59:00.000Z, 36h 1m ago, more than images.protect.scanMaxAgeHours \(36 h\)/,
    );
    expect(read(file, { maxAgeHours: 37 }).uses).toHaveLength(3);
  });

  it('refuses a scan from the future beyond a few minutes of clock skew', () => {
    expect(() => read(scan({ scannedAt: new Date(NOW.getTime() + 3_600_000) }))).toThrow(
      /1h 0m in the future/,
    );
    expect(read(scan({ scannedAt: new Date(NOW.getTime() + 60_000) })).uses).toHaveLength(3);
  });

  it('refuses a scan that reports doubts: the other account’s images in use are not all known', () => {
    const file = scan({ doubts: ['cluster prod-eu is named in images.protect.clusters but does not exist'] });

    expect(() => read(file)).toThrow(/reports 1 doubt\(s\).*prod-eu/);
  });
});

describe('Function: parseS3Uri', () => {
  it.each([
    ['s3://shared-scans/a/b.json', { bucket: 'shared-scans', key: 'a/b.json' }],
    ['s3://Shared/a.json', undefined],
    ['s3://a..b/a.json', undefined],
    ['s3://bucket/', undefined],
    ['s3://bucket/a*.json', undefined],
    ['s3://bucket/${AWS::Region}.json', undefined],
    ['https://bucket/a.json', undefined],
  ])('%s → %j', (uri, parts) => {
    expect(parseS3Uri(uri)).toEqual(parts);
  });
});
