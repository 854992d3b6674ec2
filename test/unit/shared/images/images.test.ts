import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../shared/kernel/errors';
import {
  ImagesFileError,
  MAX_ISSUES_IN_MESSAGE,
  parseImageDetails,
  parseImagesFile,
  parseIsoTime,
} from '../../../../shared/images/images';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;

/** One image detail as `aws ecr describe-images` prints it; `fields` override. */
const detail = (fields: Record<string, unknown> = {}) => ({
  registryId: '123456789012',
  repositoryName: 'media/thumbnailer',
  imageDigest: DIGEST,
  imageTags: ['v1'],
  imageSizeInBytes: 52_000_000,
  imagePushedAt: '2026-03-20T09:14:03.318000+00:00',
  imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  ...fields,
});

function issuesOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ImagesFileError) return error.issues;
    throw error;
  }
  throw new Error('expected an ImagesFileError');
}

describe('Function: parseImagesFile', () => {
  it('reads the sample DescribeImages output: what the rules use and the size, nothing else', () => {
    const text = readFileSync('events/ecr-describe-images.json', 'utf8');

    const images = parseImagesFile(text);

    expect(images).toHaveLength(14);
    expect(images[0]).toEqual({
      imageDigest: JSON.parse(text).imageDetails[0].imageDigest,
      imageTags: ['release-1.3.0', 'latest', 'prod'],
      imagePushedAt: new Date('2026-03-20T09:14:03.318Z'),
      sizeInBytes: JSON.parse(text).imageDetails[0].imageSizeInBytes,
    });
    expect(images.filter((i) => i.imageTags.length === 0)).toHaveLength(3);
  });

  it('accepts a bare array of image details as well as {"imageDetails": [...]}', () => {
    const wrapped = parseImagesFile(JSON.stringify({ imageDetails: [detail()] }));
    const bare = parseImagesFile(JSON.stringify([detail()]));

    expect(bare).toEqual(wrapped);
    expect(bare).toEqual([
      {
        imageDigest: DIGEST,
        imageTags: ['v1'],
        imagePushedAt: new Date('2026-03-20T09:14:03.318Z'),
        sizeInBytes: 52_000_000,
      },
    ]);
  });

  it.each([
    [
      'an image index (ECR reports its largest child)',
      { imageManifestMediaType: 'application/vnd.oci.image.index.v1+json' },
    ],
    [
      'a Docker manifest list',
      { imageManifestMediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' },
    ],
    ['no size', { imageSizeInBytes: undefined }],
    ['a size that is not a byte count', { imageSizeInBytes: -1 }],
    ['a size given as text', { imageSizeInBytes: '52000000' }],
  ])('counts no size for %s', (_what, fields) => {
    expect(parseImageDetails([detail(fields)])[0]).not.toHaveProperty('sizeInBytes');
  });

  it('treats an image without imageTags, or with an empty list, as untagged', () => {
    const images = parseImageDetails([
      detail({ imageTags: undefined }),
      detail({ imageDigest: OTHER, imageTags: [] }),
    ]);

    expect(images.map((i) => i.imageTags)).toEqual([[], []]);
  });

  it('accepts an empty repository', () => {
    expect(parseImagesFile('{"imageDetails": []}')).toEqual([]);
  });

  it.each([
    ['AWS CLI v2 ISO-8601 with microseconds', '2026-03-20T09:14:03.318000+00:00', '2026-03-20T09:14:03.318Z'],
    ['ISO-8601 in UTC', '2026-03-20T09:14:03Z', '2026-03-20T09:14:03.000Z'],
    ['an offset', '2026-03-20T10:14:03+01:00', '2026-03-20T09:14:03.000Z'],
    ['an offset without a colon', '2026-03-20T04:14:03-0500', '2026-03-20T09:14:03.000Z'],
    ['no seconds', '2026-03-20T09:14Z', '2026-03-20T09:14:00.000Z'],
    ['epoch seconds (AWS CLI v1)', 1774000443.318, '2026-03-20T09:54:03.318Z'],
    ['whole epoch seconds', 1774000443, '2026-03-20T09:54:03.000Z'],
  ])('reads imagePushedAt given as %s', (_label, imagePushedAt, iso) => {
    const [image] = parseImageDetails([detail({ imagePushedAt })]);

    expect(image!.imagePushedAt.toISOString()).toBe(iso);
  });

  it.each([
    [
      'no time zone',
      '2026-03-20T09:14:03',
      'expected an ISO-8601 time with a time zone, like 2026-03-28T12:00:00+00:00, got "2026-03-20T09:14:03"',
    ],
    [
      'a date only',
      '2026-03-20',
      'expected an ISO-8601 time with a time zone, like 2026-03-28T12:00:00+00:00, got "2026-03-20"',
    ],
    [
      'a day that does not exist',
      '2026-02-30T00:00:00Z',
      'expected an ISO-8601 time with a time zone, like 2026-03-28T12:00:00+00:00, got "2026-02-30T00:00:00Z"',
    ],
    [
      'an hour that does not exist',
      '2026-03-20T25:00:00Z',
      'expected an ISO-8601 time with a time zone, like 2026-03-28T12:00:00+00:00, got "2026-03-20T25:00:00Z"',
    ],
    [
      'prose',
      'last Tuesday',
      'expected an ISO-8601 time with a time zone, like 2026-03-28T12:00:00+00:00, got "last Tuesday"',
    ],
    [
      'milliseconds',
      1774000443318,
      '1774000443318 looks like milliseconds; the AWS CLI prints epoch seconds',
    ],
    ['a negative number', -1, 'expected epoch seconds (a number ≥ 0), got -1'],
    ['a boolean', true, 'expected an ISO-8601 time or epoch seconds, got true'],
    ['nothing', undefined, 'required (the push time, ISO-8601 or epoch seconds)'],
  ])('refuses imagePushedAt given as %s', (_label, imagePushedAt, message) => {
    expect(issuesOf(() => parseImageDetails([detail({ imagePushedAt })]))).toEqual([
      `[0].imagePushedAt: ${message}`,
    ]);
  });

  it.each([
    [
      'a missing digest',
      { imageDigest: undefined },
      '[0].imageDigest: required (like sha256:<64 hex digits>)',
    ],
    [
      'a tag in place of a digest',
      { imageDigest: 'latest' },
      '[0].imageDigest: expected a digest like sha256:<64 hex digits>, got "latest"',
    ],
    [
      'tags as one string',
      { imageTags: 'v1' },
      '[0].imageTags: expected a list of tags (omit it for an untagged image), got "v1"',
    ],
    [
      'null tags',
      { imageTags: null },
      '[0].imageTags: expected a list of tags (omit it for an untagged image), got null',
    ],
    ['an empty tag', { imageTags: ['v1', ''] }, '[0].imageTags[1]: expected a non-empty tag, got ""'],
    ['a number as a tag', { imageTags: [7] }, '[0].imageTags[0]: expected a non-empty tag, got 7'],
  ])('refuses %s', (_label, fields, issue) => {
    expect(issuesOf(() => parseImageDetails([detail(fields)]))).toEqual([issue]);
  });

  it.each([
    ['text that is not JSON', '{"imageDetails": [', /^\(root\): not valid JSON \(SyntaxError: /],
    [
      'a JSON string',
      '"images"',
      /^\(root\): expected DescribeImages output \{"imageDetails": \[\.\.\.\]\} or a list of image details, got "images"$/,
    ],
    ['an object without imageDetails', '{"images": []}', /imageDetails is missing$/],
    [
      'imageDetails that is not a list',
      '{"imageDetails": {}}',
      /^imageDetails: expected a list of image details, got an object$/,
    ],
    [
      'an entry that is not an object',
      '{"imageDetails": [1]}',
      /^imageDetails\[0\]: expected an image detail object, got 1$/,
    ],
    [
      'one page of a paginated result',
      '{"imageDetails": [], "nextToken": "abc"}',
      /^nextToken: this is one page of a paginated DescribeImages result/,
    ],
    [
      'one page as the CLI prints it with --max-items',
      '{"imageDetails": [], "NextToken": "abc"}',
      /^nextToken: /,
    ],
  ])('refuses %s as a whole', (_label, text, issue) => {
    const issues = issuesOf(() => parseImagesFile(text));

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(issue);
  });

  it('refuses the same digest listed twice, naming both places', () => {
    expect(
      issuesOf(() =>
        parseImagesFile(JSON.stringify({ imageDetails: [detail(), detail({ imageTags: ['v2'] })] })),
      ),
    ).toEqual([`imageDetails[1].imageDigest: ${DIGEST} is listed twice (also at imageDetails[0])`]);
  });

  it('lists every problem of every image with its path', () => {
    const text = JSON.stringify({
      imageDetails: [
        detail({ imageDigest: 'x', imagePushedAt: 'soon' }),
        detail({ imageDigest: OTHER, imageTags: [''] }),
      ],
    });

    expect(issuesOf(() => parseImagesFile(text, 'images.json'))).toEqual([
      'imageDetails[0].imageDigest: expected a digest like sha256:<64 hex digits>, got "x"',
      'imageDetails[0].imagePushedAt: expected an ISO-8601 time with a time zone, like 2026-03-28T12:00:00+00:00, got "soon"',
      'imageDetails[1].imageTags[0]: expected a non-empty tag, got ""',
    ]);
  });

  it('throws a permanent error whose message shows the first problems and counts the rest', () => {
    const broken = Array.from({ length: MAX_ISSUES_IN_MESSAGE + 5 }, () => ({}));
    let error: unknown;
    try {
      parseImageDetails(broken, 'big.json');
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ name: 'ImagesFileError', retryable: false, source: 'big.json' });
    expect((error as ImagesFileError).issues).toHaveLength(2 * (MAX_ISSUES_IN_MESSAGE + 5));
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe('Invalid images file big.json:');
    expect(lines).toHaveLength(1 + MAX_ISSUES_IN_MESSAGE + 1);
    expect(lines.at(-1)).toBe(`  - … and ${2 * (MAX_ISSUES_IN_MESSAGE + 5) - MAX_ISSUES_IN_MESSAGE} more`);
  });

  it('throws nothing but ImagesFileError, whatever it is given', () => {
    const detailish = fc.record(
      {
        imageDigest: fc.oneof(fc.constant(DIGEST), fc.jsonValue()),
        imageTags: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
        imagePushedAt: fc.oneof(
          fc.double(),
          fc.string(),
          fc.jsonValue(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.array(detailish), fc.record({ imageDetails: fc.array(detailish) })),
        (doc) => {
          try {
            const images = parseImageDetails(doc);
            for (const image of images) expect(Number.isNaN(image.imagePushedAt.getTime())).toBe(false);
          } catch (error) {
            expect(error).toBeInstanceOf(ImagesFileError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('Function: parseIsoTime', () => {
  it.each([
    ['2026-03-28T12:00:00Z', '2026-03-28T12:00:00.000Z'],
    ['2026-03-28T12:00:00.123456789+00:00', '2026-03-28T12:00:00.123Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseIsoTime(text)?.toISOString()).toBe(iso);
  });

  it.each(['2026-03-28', '2026-03-28 12:00:00Z', '2025-02-29T00:00:00Z', 'now', ''])('refuses %j', (text) => {
    expect(parseIsoTime(text)).toBeUndefined();
  });
});
