import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { lifecycle, LIFECYCLE_HELP } from '../../../../bin/commands/lifecycle';
import { BYTES_NOTE, formatBytes } from '../../../../shared/images/report';

/** Runs the command and captures what it prints. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await lifecycle(args, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const file = (name: string, text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'ecs-pilot-lifecycle-')), name);
  writeFileSync(path, text);
  return path;
};

const POLICY = 'events/ecr-lifecycle-policy.json';
const IMAGES = 'events/ecr-describe-images.json';
const NOW = '2026-03-28T12:00:00Z';
const sample = () => run('preview', '--policy', POLICY, '--images', IMAGES, '--now', NOW);

/** The sample's images by their first tag ("untagged-<n>" for untagged ones, oldest first). */
const byName = (() => {
  const details = JSON.parse(readFileSync(IMAGES, 'utf8')).imageDetails as Array<{
    imageDigest: string;
    imageTags?: string[];
    imagePushedAt: string;
  }>;
  const sorted = [...details].sort((a, b) => a.imagePushedAt.localeCompare(b.imagePushedAt));
  let untagged = 0;
  return Object.fromEntries(sorted.map((d) => [d.imageTags?.[0] ?? `untagged-${++untagged}`, d]));
})();

afterEach(() => {
  vi.useRealTimers();
});

describe('Command: ecs-pilot lifecycle preview', () => {
  it('prints every image oldest first with its action, rule and reason, then a summary', async () => {
    // Act
    const { code, out, err } = await sample();

    // Assess
    expect(code).toBe(0);
    expect(err).toBe('');
    const lines = out.split('\n');
    expect(lines[0]).toBe(`${POLICY}: 4 rules; ${IMAGES}: 14 images; evaluated at 2026-03-28T12:00:00.000Z`);
    expect(lines[2]).toMatch(/^PUSHED AT \(UTC\) +DIGEST +TAGS +ACTION +RULE +REASON$/);
    expect(lines.slice(3, 17)).toHaveLength(14);
    expect(lines[3]).toMatch(
      /^2026-01-05 10:12:44 {2}sha256:[0-9a-f]{12} {2}release-1\.0\.0 +EXPIRE {2}10 {4}expired by rule 10 \(images tagged release-\*\): 4th newest of 4, beyond the 3 it keeps$/,
    );
    expect(out).toContain(
      'keep    10    kept by rule 10 (images tagged release-*): 3rd newest of 4, within the 3 it keeps; rule 100 would expire it, but rule 10 selected it first',
    );
    expect(out).toMatch(
      /\(untagged\) +EXPIRE {2}30 {4}expired by rule 30 \(untagged images\): pushed 18d 3h 29m ago, older than 3 days/,
    );
    expect(out).toMatch(
      /main-3f2a9c1 +EXPIRE {2}100 {3}expired by rule 100 \(any image\): 12th newest of 14, beyond the 8 it keeps/,
    );
    expect(lines.at(-2)).toBe(
      '6 of 14 images would expire (rule 10: 1, rule 20: 2, rule 30: 2, rule 100: 1).',
    );
    // The bytes of the expiring rows and of the others, from the file's imageSizeInBytes.
    const sizes = JSON.parse(readFileSync(IMAGES, 'utf8')).imageDetails as Array<{
      imageDigest: string;
      imageSizeInBytes: number;
    }>;
    const expiring = new Set(
      lines
        .slice(3, 17)
        .filter((l) => / EXPIRE /.test(l))
        .map((l) => l.split(/\s+/)[2]),
    );
    const sum = (expire: boolean) =>
      sizes
        .filter((d) => expiring.has(d.imageDigest.slice(0, 19)) === expire)
        .reduce((n, d) => n + d.imageSizeInBytes, 0);
    expect(expiring.size).toBe(6);
    expect(lines.at(-1)).toBe(
      `${formatBytes(sum(true))} would expire, ${formatBytes(sum(false))} kept (${BYTES_NOTE}).`,
    );
  });

  it('prints the GetLifecyclePolicyPreview shape with --json: the expiring images, oldest first', async () => {
    const { code, out } = await run(
      'preview',
      '--policy',
      POLICY,
      '--images',
      IMAGES,
      '--now',
      NOW,
      '--json',
    );

    expect(code).toBe(0);
    const expiring = [
      ['release-1.0.0', 10],
      ['main-3f2a9c1', 100],
      ['pr-101', 20],
      ['untagged-1', 30],
      ['pr-112', 20],
      ['untagged-2', 30],
    ] as const;
    expect(JSON.parse(out)).toEqual({
      previewResults: expiring.map(([name, rule]) => ({
        imageDigest: byName[name]!.imageDigest,
        imageTags: byName[name]!.imageTags ?? [],
        imagePushedAt: new Date(byName[name]!.imagePushedAt).toISOString(),
        action: { type: 'EXPIRE' },
        appliedRulePriority: rule,
      })),
      summary: { expiringImageTotalCount: 6 },
    });
  });

  it('evaluates at the current time without --now', async () => {
    vi.useFakeTimers({ now: new Date('2026-05-01T00:00:00Z'), toFake: ['Date'] });

    const { code, out } = await run('preview', '--policy', POLICY, '--images', IMAGES);

    expect(code).toBe(0);
    expect(out).toContain('evaluated at 2026-05-01T00:00:00.000Z');
    // A month later every pull-request build and untagged image is past its limit.
    expect(out.split('\n').at(-2)).toBe(
      '9 of 14 images would expire (rule 10: 1, rule 20: 4, rule 30: 3, rule 100: 1).',
    );
  });

  it('reads a bare array of image details with epoch-second push times', async () => {
    const images = file(
      'images.json',
      JSON.stringify([
        { imageDigest: `sha256:${'1'.repeat(64)}`, imagePushedAt: 1774000000 },
        { imageDigest: `sha256:${'2'.repeat(64)}`, imageTags: ['pr-9'], imagePushedAt: 1774600000.5 },
      ]),
    );

    const { code, out } = await run('preview', '--policy', POLICY, '--images', images, '--now', NOW);

    expect(code).toBe(0);
    expect(out).toContain(`${images}: 2 images`);
    expect(out).toMatch(/2026-03-20 09:46:40 {2}sha256:111111111111 {2}\(untagged\) +EXPIRE {2}30 /);
    expect(out.split('\n').at(-1)).toBe('1 of 2 images would expire (rule 30: 1).');
  });

  it('says when nothing would expire', async () => {
    const images = file('images.json', '{"imageDetails": []}');

    const { code, out } = await run('preview', '--policy', POLICY, '--images', images, '--now', NOW);

    expect(code).toBe(0);
    expect(out.split('\n').at(-1)).toBe('0 of 0 images would expire.');
  });

  it('lists every problem of an invalid policy with its path and exits 1', async () => {
    const policy = file(
      'policy.json',
      JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 0 },
            action: { type: 'expire' },
          },
          {
            rulePriority: 2,
            selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 },
            action: { type: 'expire' },
          },
        ],
      }),
    );

    const { code, out, err } = await run('preview', '--policy', policy, '--images', IMAGES);

    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(
      [
        `invalid lifecycle policy: ${policy}`,
        '  - rules[0].selection.countNumber: expected a positive whole number (0 is not allowed), got 0',
        `  - rules[0].rulePriority: the tagStatus "any" rule must have the highest rulePriority (it is evaluated last), but 1 is below rules[1]'s 2`,
        '  - rules[1].selection: tagStatus "tagged" needs tagPatternList or tagPrefixList (which tags to select)',
      ].join('\n'),
    );
  });

  it('lists the first 20 problems of a broken images file, counts the rest, and exits 1', async () => {
    const images = file(
      'images.json',
      JSON.stringify({ imageDetails: Array.from({ length: 30 }, () => ({})) }),
    );

    const { code, err } = await run('preview', '--policy', POLICY, '--images', images);

    expect(code).toBe(1);
    const lines = err.split('\n');
    expect(lines[0]).toBe(`invalid images file: ${images}`);
    expect(lines[1]).toBe('  - imageDetails[0].imageDigest: required (like sha256:<64 hex digits>)');
    expect(lines).toHaveLength(22);
    expect(lines[21]).toBe('  - … and 40 more');
  });

  it.each([
    [
      'policy',
      ['--policy', '/nonexistent/policy.json', '--images', IMAGES],
      'invalid lifecycle policy: /nonexistent/policy.json',
    ],
    [
      'images',
      ['--policy', POLICY, '--images', '/nonexistent/images.json'],
      'invalid images file: /nonexistent/images.json',
    ],
  ])('says a missing %s file cannot be read and exits 1', async (_what, args, heading) => {
    const { code, err } = await run('preview', ...args);

    expect(code).toBe(1);
    expect(err).toBe(`${heading}\n  - cannot read the file (ENOENT)`);
  });

  it('says a policy file that is not JSON is not JSON', async () => {
    const { code, err } = await run(
      'preview',
      '--policy',
      file('p.json', 'rules:\n  - 1'),
      '--images',
      IMAGES,
    );

    expect(code).toBe(1);
    expect(err).toMatch(/\n {2}- \(root\): not valid JSON \(SyntaxError: /);
  });

  it('explains itself with --help and exits 0', async () => {
    const { code, out } = await run('--help');

    expect(code).toBe(0);
    expect(out).toBe(LIFECYCLE_HELP);
    expect(out).toMatch(
      /^Usage:\n {2}ecs-pilot lifecycle preview --policy FILE --images FILE \[--now ISO-8601\] \[--json\]/,
    );
  });

  it.each([
    ['no subcommand', [], 'missing the subcommand "preview"'],
    [
      'an unknown subcommand',
      ['apply', '--policy', POLICY, '--images', IMAGES],
      'unknown subcommand "apply"',
    ],
    ['a missing --images', ['preview', '--policy', POLICY], 'missing --images or --repository'],
    ['both files missing', ['preview'], 'missing --policy and --images or --repository'],
    [
      'both --images and --repository',
      ['preview', '--policy', POLICY, '--images', IMAGES, '--repository', 'app'],
      'give --images or --repository, not both',
    ],
    [
      'an extra argument',
      ['preview', '--policy', POLICY, '--images', IMAGES, 'now'],
      'unexpected argument "now"',
    ],
    [
      'an unknown option',
      ['preview', '--policy', POLICY, '--images', IMAGES, '--dry-run'],
      "Unknown option '--dry-run'",
    ],
  ])('exits 2 with usage for %s', async (_label, args, why) => {
    const { code, out, err } = await run(...args);

    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.startsWith(why)).toBe(true);
    expect(err.endsWith(LIFECYCLE_HELP)).toBe(true);
  });

  it.each(['2026-03-28', 'tomorrow', '2026-03-28T12:00:00'])('exits 2 for --now %j', async (now) => {
    const { code, err } = await run('preview', '--policy', POLICY, '--images', IMAGES, '--now', now);

    expect(code).toBe(2);
    expect(err).toBe(
      `--now must be an ISO-8601 time with a time zone, like 2026-03-28T12:00:00Z (got "${now}")`,
    );
  });

  describe('--repository (images read from the registry)', () => {
    const ecr = mockClient(ECRClient);
    afterEach(() => ecr.reset());
    const details = JSON.parse(readFileSync(IMAGES, 'utf8')).imageDetails as Array<Record<string, unknown>>;
    // The SDK hands push times over as Dates.
    const asSdk = (d: Record<string, unknown>) => ({
      ...d,
      imagePushedAt: new Date(String(d.imagePushedAt)),
    });

    it('pages through DescribeImages 1,000 at a time and previews exactly as from the saved file', async () => {
      ecr
        .on(DescribeImagesCommand, { repositoryName: 'media/thumbnailer', nextToken: undefined })
        .resolves({ imageDetails: details.slice(0, 9).map(asSdk), nextToken: 'page-2' })
        .on(DescribeImagesCommand, { repositoryName: 'media/thumbnailer', nextToken: 'page-2' })
        .resolves({ imageDetails: details.slice(9).map(asSdk) });

      const fromRegistry = await run(
        'preview',
        '--policy',
        POLICY,
        '--repository',
        'media/thumbnailer',
        '--now',
        NOW,
        '--json',
      );
      const fromFile = await run('preview', '--policy', POLICY, '--images', IMAGES, '--now', NOW, '--json');

      expect(fromRegistry.code).toBe(0);
      expect(fromRegistry.out).toBe(fromFile.out);
      const calls = ecr.commandCalls(DescribeImagesCommand);
      expect(calls).toHaveLength(2);
      expect(calls.every((c) => c.args[0].input.maxResults === 1000)).toBe(true);
    });

    it('names the repository in the table header', async () => {
      ecr.on(DescribeImagesCommand).resolves({ imageDetails: details.map(asSdk) });

      const { code, out } = await run(
        'preview',
        '--policy',
        POLICY,
        '--repository',
        'media/thumbnailer',
        '--now',
        NOW,
      );

      expect(code).toBe(0);
      expect(out.split('\n')[0]).toBe(
        `${POLICY}: 4 rules; repository media/thumbnailer: 14 images; evaluated at 2026-03-28T12:00:00.000Z`,
      );
    });

    it('exits 1 naming the repository and the error when the registry cannot be read', async () => {
      ecr.on(DescribeImagesCommand).rejects(
        Object.assign(new Error('The repository with name nope does not exist'), {
          name: 'RepositoryNotFoundException',
        }),
      );

      const { code, out, err } = await run(
        'preview',
        '--policy',
        POLICY,
        '--repository',
        'nope',
        '--now',
        NOW,
      );

      expect(code).toBe(1);
      expect(out).toBe('');
      expect(err).toBe(
        'cannot read the images of repository nope: PermanentError: DescribeImages nope: RepositoryNotFoundException: The repository with name nope does not exist',
      );
    });
  });
});

describe('Command: ecs-pilot lifecycle preview with referrers', () => {
  it('lists a signature under its subject, taking no slot, while --json keeps ECR’s view', async () => {
    const hex = (n: number) => String(n).padStart(64, '0');
    const images = file(
      'images.json',
      JSON.stringify({
        imageDetails: [
          { imageDigest: `sha256:${hex(1)}`, imageTags: ['v1'], imagePushedAt: '2026-03-01T00:00:00Z' },
          { imageDigest: `sha256:${hex(2)}`, imageTags: ['v2'], imagePushedAt: '2026-03-02T00:00:00Z' },
          {
            imageDigest: `sha256:${hex(3)}`,
            imageTags: [`sha256-${hex(2)}.sig`],
            imagePushedAt: '2026-03-03T00:00:00Z',
          },
        ],
      }),
    );
    const policy = file(
      'policy.json',
      JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
            action: { type: 'expire' },
          },
        ],
      }),
    );

    const { code, out } = await run('preview', '--policy', policy, '--images', images, '--now', NOW);
    const json = await run('preview', '--policy', policy, '--images', images, '--now', NOW, '--json');

    expect(code).toBe(0);
    const rows = out.split('\n').slice(3, 6);
    expect(rows[0]).toMatch(/sha256:000000000000 +v1 +EXPIRE/);
    expect(rows[1]).toMatch(/sha256:000000000000 +v2 +keep/);
    expect(rows[2]).toMatch(
      /└ sha256:000000000000 +sha256-0+… +keep +- +kept with its subject sha256:000000000000$/,
    );
    expect(out).toContain('1 of 3 images would expire (rule 1: 1). 1 referrer follows its subject.');
    expect(JSON.parse(json.out).summary.expiringImageTotalCount).toBe(2);
  });
});
