import { describe, expect, it } from 'vitest';
import { imagesSchema } from '../../../../shared/images/config';
import { describeImages } from '../../../../shared/images/describe';

const RULE = {
  rulePriority: 1,
  selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
  action: { type: 'expire' },
};

describe('Function: describeImages', () => {
  it('names the mode, schedule, repositories, cap and what is protected', () => {
    const images = imagesSchema.parse({
      mode: 'enforce',
      protect: { clusters: ['media', 'api'] },
      repositories: [
        { match: ['app-*', 'worker'], syncPolicy: true, policy: { rules: [RULE] } },
        { match: ['tools'], policy: { rules: [RULE] } },
      ],
    });

    expect(describeImages(images)).toBe(
      'images (enforce, cron(0 3 * * ? *)): repositories app-*, worker, tools (2 rules; policies synced), ' +
        'at most 200 deletions a run; keeps images in use in clusters media, api, of the latest 5 revisions ' +
        'per family and of tasks stopped within 24 h',
    );
  });

  it('says when every cluster is watched', () => {
    const images = imagesSchema.parse({ repositories: [{ match: ['app'], policy: { rules: [RULE] } }] });

    expect(describeImages(images)).toContain(
      'images (preview, cron(0 3 * * ? *)): repositories app (1 rule)',
    );
    expect(describeImages(images)).toContain('keeps images in use in every cluster, of the latest');
  });

  it('names the other accounts’ scan files read and where its own scan goes', () => {
    const images = imagesSchema.parse({
      scanOutput: 's3://shared-scans/a.json',
      protect: { fromScans: ['s3://shared-scans/b.json', 's3://shared-scans/c.json'] },
      repositories: [{ match: ['app'], policy: { rules: [RULE] } }],
    });

    expect(describeImages(images)).toMatch(
      /stopped within 24 h, and those 2 scan file\(s\) of other accounts name; writes its own scan to s3:\/\/shared-scans\/a.json$/,
    );
  });
});
