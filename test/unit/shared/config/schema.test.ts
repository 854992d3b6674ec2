import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../../shared/config/schema';
import { formatPath } from '../../../../shared/kernel/issues';
import { rawTask, rawTrigger } from '../fixtures';
import { rawScaler } from '../scaling/fixtures';

const rawSchedule = (name: string) => ({ name, schedule: 'rate(1 hour)', task: rawTask });

/** Every issue of the assembled schema as "path: message", or [] when the config is valid. */
function issuesOf(raw: unknown): string[] {
  const result = configSchema.safeParse(raw);
  return result.success ? [] : result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

describe('Schema: configSchema', () => {
  describe('defaults', () => {
    it('reads an empty config as us-east-1, INFO, the delivery defaults and no automations', () => {
      // Act
      const config = configSchema.parse({});

      // Assess
      expect(config).toStrictEqual({
        region: 'us-east-1',
        logLevel: 'INFO',
        delivery: {
          maxConcurrency: 2,
          batchSize: 10,
          maxAttempts: 8,
          retryBaseSeconds: 10,
          maxLaunchesPerSecond: 20,
        },
        uploads: [],
        schedules: [],
        scalers: [],
        alarms: { enabled: true, emails: [] },
        logRetentionDays: 30,
        pointInTimeRecovery: true,
        tags: {},
      });
    });

    it('leaves alerts and images off unless configured', () => {
      const config = configSchema.parse({});

      expect(config).not.toHaveProperty('alerts');
      expect(config).not.toHaveProperty('images');
    });

    it('applies each section its own defaults', () => {
      const config = configSchema.parse({ uploads: [rawTrigger()], scalers: [rawScaler()] });

      expect(config.uploads[0]?.prefix).toBe('');
      expect(config.scalers[0]?.intervalSeconds).toBe(10);
      expect(config.scalers[0]?.taskStartupSeconds).toBe(60);
    });
  });

  describe('strictness', () => {
    it('refuses an unknown top-level key, so a misspelt section is never silently ignored', () => {
      expect(issuesOf({ upload: [rawTrigger()] })).toStrictEqual(['(root): Unrecognized key: "upload"']);
    });

    it.each([
      [{ region: 'eu-west' }, 'region: an AWS region like eu-west-1'],
      [{ region: 'EU-WEST-1' }, 'region: an AWS region like eu-west-1'],
      [{ logLevel: 'TRACE' }, 'logLevel: Invalid option: expected one of "DEBUG"|"INFO"|"WARN"|"ERROR"'],
      [{ uploads: {} }, 'uploads: Invalid input: expected array, received object'],
    ])('refuses %j', (raw, issue) => {
      expect(issuesOf(raw)).toStrictEqual([issue]);
    });

    it.each(['us-east-1', 'eu-central-2', 'us-gov-west-1', 'ap-southeast-5'])(
      'accepts the region %s',
      (region) => {
        expect(issuesOf({ region })).toStrictEqual([]);
      },
    );
  });

  describe('unique names across uploads, schedules and scalers', () => {
    it('accepts the same automation kinds with different names', () => {
      expect(
        issuesOf({
          uploads: [rawTrigger({ name: 'thumbnails' })],
          schedules: [rawSchedule('nightly')],
          scalers: [rawScaler({ name: 'video-workers' })],
        }),
      ).toStrictEqual([]);
    });

    it('reports a name repeated in another section at the later one, pointing at the first', () => {
      expect(
        issuesOf({ uploads: [rawTrigger({ name: 'media' })], schedules: [rawSchedule('media')] }),
      ).toStrictEqual([
        'schedules[0].name: duplicate name "media" (also uploads[0].name); names must be unique across uploads, schedules and scalers',
      ]);
    });

    it('reports a name repeated within one section', () => {
      expect(
        issuesOf({
          scalers: [rawScaler({ name: 'workers' }), rawScaler({ name: 'workers', service: 'other' })],
        }),
      ).toStrictEqual([
        'scalers[1].name: duplicate name "workers" (also scalers[0].name); names must be unique across uploads, schedules and scalers',
      ]);
    });

    it('reports names that differ only by hyphens, which would share resource names', () => {
      expect(
        issuesOf({ uploads: [rawTrigger({ name: 'video4k' })], scalers: [rawScaler({ name: 'video-4k' })] }),
      ).toStrictEqual([
        'scalers[0].name: name "video-4k" differs from "video4k" (uploads[0].name) only by hyphens, so both would get the same resource names; rename one',
      ]);
    });

    it('reports every repeat, each against the first use', () => {
      expect(
        issuesOf({
          uploads: [rawTrigger({ name: 'jobs' })],
          schedules: [rawSchedule('jobs')],
          scalers: [rawScaler({ name: 'jobs' })],
        }),
      ).toStrictEqual([
        'schedules[0].name: duplicate name "jobs" (also uploads[0].name); names must be unique across uploads, schedules and scalers',
        'scalers[0].name: duplicate name "jobs" (also uploads[0].name); names must be unique across uploads, schedules and scalers',
      ]);
    });

    it('still reports a duplicate when another field is invalid, so validate lists everything at once', () => {
      const issues = issuesOf({
        region: 'nowhere',
        uploads: [rawTrigger({ name: 'media', bucket: 'Bad_Bucket' })],
        schedules: [rawSchedule('media')],
      });

      expect(issues).toContain('region: an AWS region like eu-west-1');
      expect(issues).toContainEqual(
        expect.stringMatching(/^uploads\[0\]\.bucket: .*only a legacy us-east-1 bucket can have this name/),
      );
      expect(issues).toContain(
        'schedules[0].name: duplicate name "media" (also uploads[0].name); names must be unique across uploads, schedules and scalers',
      );
    });

    it('compares only well-formed names and does not crash on malformed sections', () => {
      const issues = issuesOf({ uploads: 'thumbnails', schedules: [null, 7, { name: 3 }], scalers: [{}] });

      expect(issues.some((issue) => issue.includes('duplicate name'))).toBe(false);
      expect(issues).toContain('uploads: Invalid input: expected array, received string');
    });
  });

  it('checks that no two scalers scale one service', () => {
    expect(
      issuesOf({ scalers: [rawScaler({ name: 'a' }), rawScaler({ name: 'b', queue: 'other-jobs' })] }),
    ).toStrictEqual([
      'scalers[1].service: service video-worker in cluster media is already scaled by scalers[0]; two scalers on one service would undo each other’s changes',
    ]);
  });
});

describe('Schema: configSchema reservedConcurrency', () => {
  const issuesOf = (raw: unknown) => {
    const result = configSchema.safeParse(raw);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const trigger = rawTrigger();

  it('is optional and reserves nothing by default', () => {
    const result = configSchema.parse({ uploads: [trigger] });

    expect(result.reservedConcurrency).toBeUndefined();
  });

  it('refuses a reservation for a function the config does not deploy', () => {
    expect(issuesOf({ uploads: [trigger], reservedConcurrency: { stopAlert: 3 } })).toEqual([
      'reservedConcurrency.stopAlert: the stopAlert function is not deployed (alerts is not configured)',
    ]);
  });

  it('refuses a buffered function a reservation below the buffer maximum concurrency', () => {
    expect(
      issuesOf({
        uploads: [trigger],
        delivery: { maxConcurrency: 4 },
        reservedConcurrency: { uploadToTask: 3 },
      }),
    ).toEqual([
      expect.stringMatching(/^reservedConcurrency\.uploadToTask: 3 is below delivery\.maxConcurrency \(4\)/),
    ]);
  });

  it('refuses scaleQueues a reservation below its tick queue’s maximum concurrency', () => {
    expect(issuesOf({ scalers: [rawScaler()], reservedConcurrency: { scaleQueues: 1 } })).toEqual([
      expect.stringMatching(
        /^reservedConcurrency\.scaleQueues: 1 is below the tick queue's maximum concurrency \(2\)/,
      ),
    ]);
    expect(issuesOf({ scalers: [rawScaler()], reservedConcurrency: { scaleQueues: 2 } })).toEqual([]);
  });

  it('refuses unknown functions and values that are not whole numbers from 1', () => {
    expect(issuesOf({ uploads: [trigger], reservedConcurrency: { uploadTotask: 3 } })).toHaveLength(1);
    expect(issuesOf({ uploads: [trigger], reservedConcurrency: { uploadToTask: 0 } })).toHaveLength(1);
    expect(issuesOf({ uploads: [trigger], reservedConcurrency: { uploadToTask: 2.5 } })).toHaveLength(1);
  });
});
