import { describe, expect, it } from 'vitest';
import { bucketNameProblem, legacyBucketTraits } from '../../../../shared/uploads/bucket';
import { configWarnings } from '../../../../shared/config/warnings';
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
    ['a'.repeat(256), '255 for legacy us-east-1 buckets'],
    ['media ingest', 'lower-case letters, digits, dots and hyphens'],
    ['-bucket', 'begin and end with a letter or digit'],
    ['Media_Ingest_', 'begin and end with a letter or digit'],
  ])('refuses %s, naming the rule (%s)', (name, rule) => {
    expect(bucketNameProblem(name)).toContain(rule);
  });

  it.each([
    'media-ingest',
    'logs.example.com',
    'a1b',
    '192.168.5.4x',
    'a'.repeat(63),
    'Media_Ingest',
    'a'.repeat(255),
  ])('accepts %s', (name) => {
    expect(bucketNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['media-ingest', undefined],
    ['Media-Ingest', 'upper-case letters'],
    ['media_ingest', 'underscores'],
    ['a'.repeat(64), '64 characters'],
    ['Old_Bucket', 'upper-case letters, underscores'],
  ])('names what makes %s a legacy us-east-1 name: %s', (name, traits) => {
    expect(legacyBucketTraits(name)).toBe(traits);
  });

  it('accepts a legacy name in a us-east-1 stage, and warns that only an old bucket can have it', () => {
    const config = parseConfig({ region: 'us-east-1', uploads: [rawTrigger({ bucket: 'Media_Ingest' })] });

    expect(configWarnings(config)).toContainEqual(
      expect.stringMatching(
        /^uploads\[0\]\.bucket Media_Ingest: only a bucket created in us-east-1 before March 2018 can have this name \(upper-case letters, underscores\)/,
      ),
    );
  });

  it('refuses a legacy name in a stage of another region, where its events never arrive', () => {
    try {
      parseConfig({ region: 'eu-west-1', uploads: [rawTrigger({ bucket: 'Media_Ingest' })] });
      expect.unreachable('a legacy bucket name was accepted outside us-east-1');
    } catch (error) {
      expect((error as ConfigError).issues).toEqual([
        expect.stringMatching(
          /^uploads\[0\]\.bucket: .*only a legacy us-east-1 bucket can have this name \(upper-case letters, underscores\), and S3 sends its events to EventBridge there, not in eu-west-1/,
        ),
      ]);
    }
  });

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
