import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../../shared/config/yaml';
import { describeUploadTrigger } from '../../../../shared/uploads/describe';
import { uploadTrigger } from '../fixtures';

const repoFile = (path: string) => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));

describe('Function: describeUploadTrigger', () => {
  it('describes a minimal trigger: every key in the bucket, FARGATE, no cap', () => {
    expect(describeUploadTrigger(uploadTrigger())).toBe(
      'uploads/thumbnails: s3://media-ingest/* → media/thumbnailer [FARGATE]',
    );
  });

  it('describes the example trigger with prefix, suffix, size, capacity provider and cap', () => {
    // Prepare
    const trigger = uploadTrigger(
      { prefix: 'incoming/', suffix: '.jpg', maxSize: 104_857_600 },
      { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }], maxRunning: 50 },
    );

    // Act & Assess
    expect(describeUploadTrigger(trigger)).toBe(
      'uploads/thumbnails: s3://media-ingest/incoming/*.jpg (≤ 100 MiB) → media/thumbnailer [FARGATE_SPOT], at most 50 running',
    );
  });

  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [10 * 1024 + 100, '10.1 KiB'],
    [1024 ** 2, '1 MiB'],
    [52_428_800, '50 MiB'],
    [1024 ** 3, '1 GiB'],
    [1.5 * 1024 ** 3, '1.5 GiB'],
    [5 * 1024 ** 4, '5 TiB'],
  ])('shows minSize %i as %s', (minSize, human) => {
    expect(describeUploadTrigger(uploadTrigger({ minSize }))).toBe(
      `uploads/thumbnails: s3://media-ingest/* (≥ ${human}) → media/thumbnailer [FARGATE]`,
    );
  });

  it('shows both size bounds, lower first', () => {
    expect(describeUploadTrigger(uploadTrigger({ minSize: 1024, maxSize: 2 * 1024 ** 3 }))).toContain(
      '(≥ 1 KiB, ≤ 2 GiB)',
    );
  });

  it('joins several capacity providers with +', () => {
    const trigger = uploadTrigger(
      {},
      {
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE_SPOT', weight: 3 },
          { capacityProvider: 'FARGATE', base: 1 },
        ],
      },
    );

    expect(describeUploadTrigger(trigger)).toContain('[FARGATE_SPOT+FARGATE]');
  });

  it('shows a suffix without a prefix after the wildcard', () => {
    expect(describeUploadTrigger(uploadTrigger({ suffix: '.mp4' }))).toContain('s3://media-ingest/*.mp4 ');
  });

  it('gives one line per trigger of config/local.yml', () => {
    // Prepare
    const config = loadConfigFile(repoFile('config/local.yml'));

    // Act
    const lines = config.uploads.map(describeUploadTrigger);

    // Assess
    expect(lines).toEqual([
      'uploads/thumbnails: s3://media-ingest/incoming/*.jpg (≤ 50 MiB) → media/thumbnailer [FARGATE_SPOT], at most 50 running',
      'uploads/transcode: s3://media-ingest/videos/* (≥ 1 B) → media/transcoder [FARGATE]',
      'uploads/contact-sheets: s3://media-ingest/sheets/*.png → media/thumbnailer [FARGATE], one task per batch of up to 10 objects (gathered up to 2 s)',
    ]);
    for (const line of lines) expect(line).not.toMatch(/[\r\n]/);
  });
});

describe('Function: describeUploadTrigger (units)', () => {
  it.each([
    [1048575, '≤ 1 MiB'],
    [1048576, '≤ 1 MiB'],
    [1023, '≤ 1023 B'],
    [1024 ** 4, '≤ 1 TiB'],
  ])('shows %i bytes as "%s"', (maxSize, text) => {
    expect(describeUploadTrigger(uploadTrigger({ maxSize }))).toContain(`(${text})`);
  });
});
