import { describe, expect, it } from 'vitest';
import { matchTrigger, matchTriggers } from '../../../../shared/uploads/match';
import { uploadedObject, uploadTrigger } from '../fixtures';

/** Watches media-ingest/incoming/*.jpg between 10 and 100 bytes. */
const jpegs = uploadTrigger({ prefix: 'incoming/', suffix: '.jpg', minSize: 10, maxSize: 100 });

describe('Function: matchTrigger', () => {
  it('matches an object in the bucket, under the prefix, with the suffix and a size within bounds', () => {
    // Act
    const result = matchTrigger(jpegs, uploadedObject({ key: 'incoming/cat.jpg', size: 50 }));

    // Assess
    expect(result).toEqual({
      trigger: jpegs,
      matches: true,
      reason: 'matches bucket media-ingest, prefix "incoming/"',
    });
    expect(result.trigger).toBe(jpegs);
  });

  it.each([
    ['another bucket', { bucket: 'other-bucket' }, 'bucket other-bucket is not media-ingest'],
    ['a key outside the prefix', { key: 'outgoing/cat.jpg' }, 'key does not start with "incoming/"'],
    [
      'a key with the prefix in the middle',
      { key: 'x/incoming/cat.jpg' },
      'key does not start with "incoming/"',
    ],
    ['a prefix differing in case', { key: 'Incoming/cat.jpg' }, 'key does not start with "incoming/"'],
    ['another suffix', { key: 'incoming/cat.png' }, 'key does not end with ".jpg"'],
    ['a suffix differing in case', { key: 'incoming/cat.JPG' }, 'key does not end with ".jpg"'],
    ['a size below minSize', { size: 9 }, 'size 9 is below minSize 10'],
    ['a size above maxSize', { size: 101 }, 'size 101 is above maxSize 100'],
    ['an empty object', { size: 0 }, 'size 0 is below minSize 10'],
  ])('does not match %s and says why', (_label, fields, reason) => {
    // Act
    const result = matchTrigger(jpegs, uploadedObject({ key: 'incoming/cat.jpg', size: 50, ...fields }));

    // Assess
    expect(result).toEqual({ trigger: jpegs, matches: false, reason });
  });

  it.each([10, 11, 99, 100])('treats size bounds as inclusive (size %i matches 10..100)', (size) => {
    expect(matchTrigger(jpegs, uploadedObject({ key: 'incoming/cat.jpg', size })).matches).toBe(true);
  });

  it('checks the bucket before the key and the key before the size', () => {
    const wrongEverything = uploadedObject({ bucket: 'elsewhere', key: 'nope.png', size: 1_000 });
    const wrongKeyAndSize = uploadedObject({ key: 'nope.png', size: 1_000 });
    const wrongSuffixAndSize = uploadedObject({ key: 'incoming/nope.png', size: 1_000 });

    expect(matchTrigger(jpegs, wrongEverything).reason).toBe('bucket elsewhere is not media-ingest');
    expect(matchTrigger(jpegs, wrongKeyAndSize).reason).toBe('key does not start with "incoming/"');
    expect(matchTrigger(jpegs, wrongSuffixAndSize).reason).toBe('key does not end with ".jpg"');
  });

  it('matches every key and size when the trigger sets only a bucket', () => {
    const everything = uploadTrigger();

    for (const object of [
      uploadedObject({ key: 'a', size: 0 }),
      uploadedObject({ key: 'deep/path/file.bin', size: 5 * 1024 ** 4 }),
      uploadedObject({ key: 'été/ファイル', size: 1 }),
    ]) {
      expect(matchTrigger(everything, object)).toMatchObject({
        matches: true,
        reason: 'matches bucket media-ingest, prefix ""',
      });
    }
  });

  it('applies minSize without maxSize and maxSize without minSize', () => {
    const atLeast = uploadTrigger({ minSize: 1 });
    const atMost = uploadTrigger({ maxSize: 1 });

    expect(matchTrigger(atLeast, uploadedObject({ size: 0 })).matches).toBe(false);
    expect(matchTrigger(atLeast, uploadedObject({ size: Number.MAX_SAFE_INTEGER })).matches).toBe(true);
    expect(matchTrigger(atMost, uploadedObject({ size: 0 })).matches).toBe(true);
    expect(matchTrigger(atMost, uploadedObject({ size: 2 })).matches).toBe(false);
  });

  it('treats prefix and suffix as literal text, not as patterns', () => {
    const literal = uploadTrigger({ prefix: 'in*/', suffix: '.jp?g' });

    expect(matchTrigger(literal, uploadedObject({ key: 'incoming/cat.jpeg' })).matches).toBe(false);
    expect(matchTrigger(literal, uploadedObject({ key: 'in*/cat.jp?g' })).matches).toBe(true);
  });

  it('matches a suffix only at the very end of the key', () => {
    const trigger = uploadTrigger({ suffix: '.jpg' });

    expect(matchTrigger(trigger, uploadedObject({ key: 'cat.jpg.tmp' })).matches).toBe(false);
    expect(matchTrigger(trigger, uploadedObject({ key: 'catjpg' })).matches).toBe(false);
    expect(matchTrigger(trigger, uploadedObject({ key: '.jpg' })).matches).toBe(true);
  });

  it('matches prefixes and suffixes with non-ASCII characters exactly', () => {
    const trigger = uploadTrigger({ prefix: 'été/', suffix: '.jpg' });

    expect(matchTrigger(trigger, uploadedObject({ key: 'été/a+b%20c:d.jpg' })).matches).toBe(true);
    // A decomposed é (e + combining accent) is a different key.
    expect(matchTrigger(trigger, uploadedObject({ key: 'e\u0301te\u0301/a.jpg' })).matches).toBe(false);
  });
});

describe('Function: matchTriggers', () => {
  it('evaluates every trigger, in order, with a reason for each', () => {
    // Prepare
    const images = uploadTrigger({ name: 'images', prefix: 'incoming/', suffix: '.jpg' });
    const videos = uploadTrigger({ name: 'videos', prefix: 'videos/' });
    const everything = uploadTrigger({ name: 'audit' });
    const otherBucket = uploadTrigger({ name: 'other', bucket: 'other-bucket' });

    // Act
    const results = matchTriggers(
      [images, videos, everything, otherBucket],
      uploadedObject({ key: 'incoming/cat.jpg' }),
    );

    // Assess
    expect(results.map((r) => [r.trigger.name, r.matches, r.reason])).toEqual([
      ['images', true, 'matches bucket media-ingest, prefix "incoming/"'],
      ['videos', false, 'key does not start with "videos/"'],
      ['audit', true, 'matches bucket media-ingest, prefix ""'],
      ['other', false, 'bucket media-ingest is not other-bucket'],
    ]);
  });

  it('returns no results for no triggers', () => {
    expect(matchTriggers([], uploadedObject())).toEqual([]);
  });
});

describe('Function: matchTrigger (prefix and suffix together)', () => {
  it('does not match a key where prefix and suffix overlap, as the rule pattern prefix*suffix does not', () => {
    const trigger = uploadTrigger({ prefix: 'data.', suffix: '.json' });

    expect(matchTrigger(trigger, uploadedObject({ key: 'data.json' })).matches).toBe(false);
    expect(matchTrigger(trigger, uploadedObject({ key: 'data..json' })).matches).toBe(true);
    expect(matchTrigger(trigger, uploadedObject({ key: 'data.x.json' })).matches).toBe(true);
  });
});
