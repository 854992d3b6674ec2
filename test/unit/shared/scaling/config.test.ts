import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import type { ConfigError } from '../../../../shared/kernel/errors';
import { scalerSchema } from '../../../../shared/scaling/config';
import { rawScaler } from './fixtures';
import { formatPath } from '../../../../shared/kernel/issues';

/** Every issue for a raw scaler as "path: message", or [] when it is valid. */
function issuesOf(raw: unknown): string[] {
  const result = scalerSchema.safeParse(raw);
  return result.success ? [] : result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

describe('Config section: scalers', () => {
  describe('defaults', () => {
    it('scales in after at most 5 min (break-even at a 60 s start-up), counts in-flight but not delayed messages, leads surges needing 20 tasks, evaluates every 10 s, no step limits', () => {
      // Act
      const scaler = scalerSchema.parse(rawScaler());

      // Assess
      expect(scaler).toEqual({
        ...rawScaler(),
        scaleInAfterMinutes: 5,
        taskStartupSeconds: 60,
        arrivalLeadTasks: 20,
        countInFlight: true,
        countDelayed: false,
        intervalSeconds: 10,
        idleOncePerMinute: false,
      });
      expect(scaler).not.toHaveProperty('maxStepOut');
      expect(scaler).not.toHaveProperty('maxStepIn');
    });

    it('keeps every value that is given', () => {
      const fields = {
        scaleInAfterMinutes: 0,
        countInFlight: false,
        countDelayed: true,
        maxStepOut: 5,
        maxStepIn: 2,
        intervalSeconds: 10,
      };

      expect(scalerSchema.parse(rawScaler(fields))).toMatchObject(fields);
    });
  });

  describe('queue', () => {
    it.each([
      'video-jobs',
      'video_jobs.fifo',
      'https://sqs.eu-west-1.amazonaws.com/123456789012/video-jobs',
      'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/video-jobs.fifo',
      'http://127.0.0.1:5000/123456789012/video-jobs',
      'arn:aws:sqs:eu-west-1:123456789012:video-jobs',
      'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:video-jobs',
    ])('accepts %s', (queue) => {
      expect(issuesOf(rawScaler({ queue }))).toEqual([]);
    });

    it.each([
      '',
      'video jobs',
      'a'.repeat(81),
      'https://example.com/video-jobs',
      'arn:aws:sns:eu-west-1:123456789012:video-jobs',
      'arn:aws:sqs:eu-west-1:1234:video-jobs',
      // Its URL is built from the ARN: the partition's domain must be known.
      'arn:aws-moon:sqs:moon-1:123456789012:video-jobs',
    ])('refuses %j and says what it expects', (queue) => {
      expect(issuesOf(rawScaler({ queue }))).toEqual([
        'queue: an SQS queue name, queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>) or queue ARN',
      ]);
    });
  });

  describe('numbers and bounds', () => {
    it.each([
      ['messagesPerTask 0', { messagesPerTask: 0 }, 'messagesPerTask'],
      ['a fractional messagesPerTask', { messagesPerTask: 2.5 }, 'messagesPerTask'],
      ['a negative min', { min: -1 }, 'min'],
      ['max 0', { max: 0 }, 'max'],
      ['max above 5000 tasks', { max: 5001 }, 'max'],
      ['a negative scaleInAfterMinutes', { scaleInAfterMinutes: -1 }, 'scaleInAfterMinutes'],
      ['maxStepOut 0', { maxStepOut: 0 }, 'maxStepOut'],
      ['maxStepIn 0', { maxStepIn: 0 }, 'maxStepIn'],
      ['intervalSeconds 9', { intervalSeconds: 9 }, 'intervalSeconds'],
      ['intervalSeconds 61', { intervalSeconds: 61 }, 'intervalSeconds'],
      ['countInFlight "yes"', { countInFlight: 'yes' }, 'countInFlight'],
    ])('refuses %s at its field', (_label, fields, path) => {
      const issues = issuesOf(rawScaler(fields));

      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(new RegExp(`^${path}: `));
    });

    it.each([10, 60])('accepts intervalSeconds %i', (intervalSeconds) => {
      expect(issuesOf(rawScaler({ intervalSeconds }))).toEqual([]);
    });

    it('refuses max below min at max', () => {
      expect(issuesOf(rawScaler({ min: 5, max: 4 }))).toEqual(['max: max must be at least min']);
    });

    it('accepts max equal to min', () => {
      expect(issuesOf(rawScaler({ min: 3, max: 3 }))).toEqual([]);
    });
  });

  describe('names and required fields', () => {
    it('lists every missing required field', () => {
      expect(issuesOf({ name: 'x' })).toEqual([
        'queue: Invalid input: expected string, received undefined',
        'cluster: Invalid input: expected string, received undefined',
        'service: Invalid input: expected string, received undefined',
        'messagesPerTask: Invalid input: expected number, received undefined',
        'min: Invalid input: expected number, received undefined',
        'max: Invalid input: expected number, received undefined',
      ]);
    });

    it.each([
      ['a name with upper case', { name: 'Video' }, 'name'],
      ['an empty cluster', { cluster: '' }, 'cluster'],
      ['a cluster name with a space (it would end up in IAM ARNs)', { cluster: 'media prod' }, 'cluster'],
      ['a service with a slash', { service: 'a/b' }, 'service'],
    ])('refuses %s', (_label, fields, path) => {
      expect(issuesOf(rawScaler(fields))[0]).toMatch(new RegExp(`^${path}: `));
    });

    it('accepts a cluster ARN', () => {
      expect(issuesOf(rawScaler({ cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/media' }))).toEqual(
        [],
      );
    });

    it('accepts a service ARN', () => {
      expect(
        issuesOf(rawScaler({ service: 'arn:aws:ecs:eu-west-1:123456789012:service/media/video-worker' })),
      ).toEqual([]);
    });

    it('refuses unknown keys (a typo never silently disables a setting)', () => {
      expect(issuesOf(rawScaler({ scaleInAfterMinute: 5 }))).toEqual([
        '(root): Unrecognized key: "scaleInAfterMinute"',
      ]);
    });
  });
});

describe('Config section: scalers (in the whole config)', () => {
  const configIssues = (raw: unknown): string[] => {
    try {
      parseConfig(raw);
      return [];
    } catch (error) {
      return [...(error as ConfigError).issues];
    }
  };

  it('defaults to no scalers', () => {
    expect(parseConfig({}).scalers).toEqual([]);
  });

  it('validates each scaler with its path', () => {
    expect(configIssues({ scalers: [rawScaler({ min: 5, max: 2, intervalSeconds: 5 })] })).toEqual([
      'scalers[0].intervalSeconds: Too small: expected number to be >=10',
      'scalers[0].max: max must be at least min',
    ]);
  });

  it('refuses a scaler named like an upload trigger or a schedule', () => {
    const task = {
      cluster: 'media',
      taskDefinition: 'worker',
      container: 'app',
      subnets: ['subnet-0123456789abcdef0'],
      securityGroups: ['sg-0123456789abcdef0'],
    };

    expect(
      configIssues({
        schedules: [{ name: 'video-workers', schedule: 'rate(1 hour)', task }],
        scalers: [rawScaler()],
      }),
    ).toEqual([
      'scalers[0].name: duplicate name "video-workers" (also schedules[0].name); names must be unique across uploads, schedules and scalers',
    ]);
  });

  it.each([
    ['the same names', { service: 'video-worker' }],
    [
      'a service ARN and a name',
      { service: 'arn:aws:ecs:eu-west-1:123456789012:service/media/video-worker' },
    ],
    ['a cluster ARN and a name', { cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/media' }],
  ])('refuses two scalers on one service given by %s, naming both', (_case, fields) => {
    expect(configIssues({ scalers: [rawScaler(), rawScaler({ name: 'second', ...fields })] })).toEqual([
      'scalers[1].service: service video-worker in cluster media is already scaled by scalers[0]; two scalers on one service would undo each other’s changes',
    ]);
  });

  it('allows two scalers on one queue for different services', () => {
    expect(configIssues({ scalers: [rawScaler(), rawScaler({ name: 'second', service: 'other' })] })).toEqual(
      [],
    );
  });

  it('refuses a service ARN in another cluster than the scaler’s', () => {
    expect(
      configIssues({
        scalers: [rawScaler({ service: 'arn:aws:ecs:eu-west-1:123456789012:service/other/video-worker' })],
      }),
    ).toEqual([
      'scalers[0].service: the service ARN is in cluster "other", not "media" (scalers[0].cluster)',
    ]);
  });

  it('still reports duplicates when another field of the scaler is invalid', () => {
    const issues = configIssues({ scalers: [rawScaler(), rawScaler({ name: 'second', min: -1 })] });

    expect(issues).toContain('scalers[1].min: Too small: expected number to be >=0');
    expect(issues.some((i) => i.startsWith('scalers[1].service: service video-worker'))).toBe(true);
  });
});
