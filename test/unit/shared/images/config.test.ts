import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import { ConfigError } from '../../../../shared/kernel/errors';

const POLICY = {
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
      action: { type: 'expire' },
    },
  ],
};
const issuesOf = (images: unknown): string[] => {
  try {
    parseConfig({ images });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
};

describe('Config: images', () => {
  it('fills every documented default', () => {
    const config = parseConfig({ images: { repositories: [{ match: ['app-*'], policy: POLICY }] } });

    expect(config.images).toEqual({
      mode: 'preview',
      schedule: 'cron(0 3 * * ? *)',
      maxDeletesPerRun: 200,
      protect: {
        excludeClusters: [],
        taskDefinitionRevisions: 5,
        stoppedTasksWithinHours: 24,
        lambda: { scan: true, keepVersions: 3 },
        eventRules: { scan: true, buses: ['default'] },
        scheduler: { scan: true },
        fromScans: [],
        scanMaxAgeHours: 36,
      },
      repositories: [{ match: ['app-*'], syncPolicy: false, policy: POLICY }],
    });
  });

  it('enforces without a cluster list (every cluster is scanned), and refuses an empty one', () => {
    expect(issuesOf({ mode: 'enforce', repositories: [{ match: ['app'], policy: POLICY }] })).toEqual([]);
    expect(
      issuesOf({
        mode: 'enforce',
        protect: { clusters: [] },
        repositories: [{ match: ['app'], policy: POLICY }],
      }),
    ).toEqual([
      'images.protect.clusters: at least one cluster or pattern; leave clusters out to scan every cluster',
    ]);
    expect(
      issuesOf({
        protect: { clusters: ['prod-*', 'media'], excludeClusters: ['prod-sandbox?'] },
        repositories: [{ match: ['app'], policy: POLICY }],
      }),
    ).toEqual([]);
    expect(
      issuesOf({
        mode: 'enforce',
        protect: { clusters: ['media'] },
        repositories: [{ match: ['app'], policy: POLICY }],
      }),
    ).toEqual([]);
  });

  it('takes scan files and the scan output as s3:// object URIs, naming the field of a bad one', () => {
    const repositories = [{ match: ['app'], policy: POLICY }];

    expect(
      issuesOf({
        scanOutput: 's3://shared-scans/a.json',
        protect: { fromScans: ['s3://shared-scans/b.json'], scanMaxAgeHours: 48 },
        repositories,
      }),
    ).toEqual([]);
    expect(issuesOf({ scanOutput: 'shared-scans/a.json', repositories })).toEqual([
      expect.stringMatching(/^images\.scanOutput: s3:\/\/<bucket>\/<key>/),
    ]);
    expect(issuesOf({ protect: { fromScans: ['s3://shared-scans/*.json'] }, repositories })).toEqual([
      expect.stringMatching(/^images\.protect\.fromScans\[0\]: s3:\/\/<bucket>\/<key>/),
    ]);
    expect(issuesOf({ protect: { scanMaxAgeHours: 0 }, repositories })).toEqual([
      expect.stringMatching(/^images\.protect\.scanMaxAgeHours: /),
    ]);
  });

  it('is off when absent', () => {
    expect(parseConfig({}).images).toBeUndefined();
  });

  it('reports lifecycle policy problems at their full config path', () => {
    const broken = {
      rules: [
        {
          rulePriority: 1,
          selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 0 },
          action: { type: 'expire' },
        },
        {
          rulePriority: 1,
          selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 3 },
          action: { type: 'expire' },
        },
      ],
    };

    const issues = issuesOf({
      repositories: [
        { match: ['app'], policy: POLICY },
        { match: ['tools'], policy: broken },
      ],
    });

    expect(issues).toEqual([
      'images.repositories[1].policy.rules[0].selection.countNumber: expected a positive whole number (0 is not allowed), got 0',
      'images.repositories[1].policy.rules[1].selection: tagStatus "tagged" needs tagPatternList or tagPrefixList (which tags to select)',
      'images.repositories[1].policy.rules[1].rulePriority: 1 is already the priority of rules[0]; each rule needs its own rulePriority',
    ]);
  });

  it.each([
    [{ mode: 'delete' }, 'images.mode: expected one of "preview"|"enforce"'],
    [{ schedule: 'cron(0 3 * * *)' }, 'images.schedule: '],
    [{ maxDeletesPerRun: 0 }, 'images.maxDeletesPerRun: '],
    [{ protect: { taskDefinitionRevisions: -1 } }, 'images.protect.taskDefinitionRevisions: '],
    [{ protect: { stoppedTasksWithinHours: 721 } }, 'images.protect.stoppedTasksWithinHours: '],
    [{ protect: { clusters: ['bad name'] } }, 'images.protect.clusters[0]: a cluster name'],
    [{ protect: { cluster: ['media'] } }, 'images.protect.cluster: unknown key'],
  ])('names the path of %j', (override, prefix) => {
    const issues = issuesOf({ repositories: [{ match: ['app'], policy: POLICY }], ...override });

    expect(issues).toHaveLength(1);
    expect(issues[0]!.startsWith(prefix)).toBe(true);
  });

  it.each([
    [{ match: [], policy: POLICY }, 'images.repositories[0].match: at least one repository name or glob'],
    [
      { match: ['App*'], policy: POLICY },
      'images.repositories[0].match[0]: a repository name or glob (lower-case letters, digits, . _ - /, with * and ? wildcards)',
    ],
    [{ match: ['app'] }, 'images.repositories[0].policy: required (an object like {"rules": [...]})'],
    [{ match: ['app'], policy: POLICY, sync: true }, 'images.repositories[0].sync: unknown key'],
  ])('refuses the repository entry %j', (entry, issue) => {
    expect(issuesOf({ repositories: [entry] })).toEqual([issue]);
  });

  it('needs at least one repository entry', () => {
    expect(issuesOf({ repositories: [] })).toEqual(['images.repositories: at least one repository entry']);
  });
});
