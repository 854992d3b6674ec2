import { describe, expect, it } from 'vitest';
import { bucketNameProblem } from '../../../../shared/uploads/bucket';
import { parseConfig } from '../../../../shared/config/load';
import { ConfigError } from '../../../../shared/kernel/errors';
import { rawTrigger } from '../fixtures';

describe('Function: bucketNameProblem (issue 18)', () => {
  it.each([
    ['192.168.5.4', 'IP address'],
    ['my..bucket', 'two adjacent periods'],
    ['xn--bucket', 'reserved prefix "xn--"'],
    ['sthree-bucket', 'reserved prefix "sthree-"'],
    ['amzn-s3-demo-bucket', 'reserved prefix "amzn-s3-demo-"'],
    ['bucket-s3alias', 'reserved suffix "-s3alias"'],
    ['bucket--ol-s3', 'reserved suffix "--ol-s3"'],
    ['bucket.mrap', 'reserved suffix ".mrap"'],
    ['bucket--x-s3', 'reserved suffix "--x-s3"'],
    ['bucket--table-s3', 'reserved suffix "--table-s3"'],
    ['ab', '3-63 characters'],
    ['a'.repeat(64), '3-63 characters'],
    ['Media_Ingest', 'lower-case letters, digits, dots and hyphens'],
    ['-bucket', 'begin and end with a letter or digit'],
  ])('refuses %s, naming the rule (%s)', (name, rule) => {
    expect(bucketNameProblem(name)).toContain(rule);
  });

  it.each(['media-ingest', 'logs.example.com', 'a1b', '192.168.5.4x', 'a'.repeat(63)])(
    'accepts %s',
    (name) => {
      expect(bucketNameProblem(name)).toBeUndefined();
    },
  );

  it('makes the config refuse an upload trigger on a bucket named like an IP address', () => {
    try {
      parseConfig({ uploads: [rawTrigger({ bucket: '192.168.5.4' })] });
      expect.unreachable('an IP-address bucket name was accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([
        'uploads[0].bucket: an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens): S3 bucket names must not be formatted as an IP address',
      ]);
    }
  });
});
