import { describe, expect, it } from 'vitest';
import { UPLOAD_PLACEHOLDERS, uploadTriggerSchema } from '../../../../shared/uploads/config';
import { formatPath } from '../../../../shared/kernel/issues';
import { rawTask, rawTrigger } from '../fixtures';

/** Every issue for a raw trigger as "path: message", or [] when it is valid. */
function issuesOf(raw: unknown): string[] {
  const result = uploadTriggerSchema.safeParse(raw);
  return result.success ? [] : result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

describe('Schema: uploadTriggerSchema', () => {
  describe('defaults', () => {
    it('matches every key of any size when no filter is given', () => {
      // Act
      const trigger = uploadTriggerSchema.parse(rawTrigger());

      // Assess
      expect(trigger.prefix).toBe('');
      expect(trigger).not.toHaveProperty('suffix');
      expect(trigger).not.toHaveProperty('minSize');
      expect(trigger).not.toHaveProperty('maxSize');
      expect(trigger.task).toMatchObject({ ...rawTask, assignPublicIp: 'DISABLED', environment: {} });
    });

    it('keeps the filters that are given', () => {
      const fields = { prefix: 'incoming/', suffix: '.jpg', minSize: 1, maxSize: 5_000_000_000_000 };

      expect(uploadTriggerSchema.parse(rawTrigger(fields))).toMatchObject(fields);
    });
  });

  describe('bucket', () => {
    it.each(['abc', 'media-ingest', 'media.ingest.2', 'a'.repeat(63)])('accepts %j', (bucket) => {
      expect(issuesOf(rawTrigger({ bucket }))).toStrictEqual([]);
    });

    it.each([
      ['2 characters', 'ab', '3-63 characters'],
      ['256 characters', 'a'.repeat(256), '3-63 characters (255 for legacy us-east-1 buckets'],
      ['a leading hyphen', '-media', 'begin and end with a letter or digit'],
      ['a trailing dot', 'media.', 'begin and end with a letter or digit'],
      ['an ARN', 'arn:aws:s3:::media-ingest', 'only lower-case letters, digits, dots and hyphens'],
      ['a space', 'media ingest', 'only lower-case letters, digits, dots and hyphens'],
    ])('refuses a bucket with %s, saying what a bucket name is and the rule', (_label, bucket, rule) => {
      const issues = issuesOf(rawTrigger({ bucket }));

      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(
        /^bucket: an S3 bucket name \(3-63 lower-case letters, digits, dots, hyphens\): /,
      );
      expect(issues[0]).toContain(rule);
    });

    it.each([
      ['64 characters', 'a'.repeat(64)],
      ['255 characters', 'a'.repeat(255)],
      ['upper case', 'Media-Ingest'],
      ['an underscore', 'media_ingest'],
    ])('accepts a bucket with %s, which only a legacy us-east-1 bucket can have', (_label, bucket) => {
      expect(issuesOf(rawTrigger({ bucket }))).toStrictEqual([]);
    });
  });

  describe('key filters', () => {
    it('accepts a prefix of 1024 characters and refuses 1025', () => {
      expect(issuesOf(rawTrigger({ prefix: 'p'.repeat(1024) }))).toStrictEqual([]);
      expect(issuesOf(rawTrigger({ prefix: 'p'.repeat(1025) }))).toStrictEqual([
        'prefix: Too big: expected string to have <=1024 characters',
      ]);
    });

    it('refuses an empty suffix, which would match nothing more than no suffix', () => {
      expect(issuesOf(rawTrigger({ suffix: '' }))).toStrictEqual([
        'suffix: Too small: expected string to have >=1 characters',
      ]);
    });
  });

  describe('sizes', () => {
    it.each([
      [{ minSize: 10, maxSize: 10 }, []],
      [{ minSize: 0 }, []],
      [{ maxSize: 0 }, []],
      [{ minSize: 11, maxSize: 10 }, ['maxSize: minSize must not be greater than maxSize']],
      [{ minSize: -1 }, ['minSize: Too small: expected number to be >=0']],
      [{ maxSize: 1.5 }, ['maxSize: Invalid input: expected int, received number']],
    ])('%j → %j', (fields, issues) => {
      expect(issuesOf(rawTrigger(fields))).toStrictEqual(issues);
    });
  });

  describe('placeholders', () => {
    it('accepts every upload placeholder in environment values and commands', () => {
      const environment = Object.fromEntries(UPLOAD_PLACEHOLDERS.map((p) => [p.toUpperCase(), `{${p}}`]));
      const command = UPLOAD_PLACEHOLDERS.map((p) => `--${p}={${p}}`);

      expect(issuesOf(rawTrigger({}, { environment, command }))).toStrictEqual([]);
    });

    it('refuses a schedule placeholder, naming the ones an upload has', () => {
      expect(issuesOf(rawTrigger({}, { environment: { WHEN: '{scheduledTime}' } }))).toStrictEqual([
        'task.environment.WHEN: unknown placeholder {scheduledTime}; expected one of {bucket}, {key}, {size}, {etag}, {versionId}',
      ]);
    });
  });

  it('refuses a trigger name that cannot become part of resource names', () => {
    expect(issuesOf(rawTrigger({ name: 'Thumbnails' }))).toStrictEqual([
      'name: a name of 1-24 lower-case letters, digits and inner hyphens (it becomes part of resource names)',
    ]);
  });

  it('refuses an unknown key, so a typo never silently drops a filter', () => {
    expect(issuesOf({ ...rawTrigger(), sufix: '.jpg' })).toStrictEqual(['(root): Unrecognized key: "sufix"']);
  });

  it('requires a name, a bucket and a task', () => {
    expect(issuesOf({})).toStrictEqual([
      'name: Invalid input: expected string, received undefined',
      'bucket: Invalid input: expected string, received undefined',
      'task: Invalid input: expected object, received undefined',
    ]);
  });
});

describe('Schema: uploadTriggerSchema batch', () => {
  const batched = (batch: unknown, task: Record<string, unknown> = { environment: { IN: '{bucket}' } }) =>
    rawTrigger({ batch } as never, task);

  it('is off by default and takes a 10 s window when only maxObjects is given', () => {
    expect(uploadTriggerSchema.parse(rawTrigger()).batch).toBeUndefined();
    expect(uploadTriggerSchema.parse(batched({ maxObjects: 20 })).batch).toEqual({
      maxObjects: 20,
      maxWaitSeconds: 10,
    });
  });

  it.each([
    [{ maxObjects: 1 }, 'batch.maxObjects'],
    [{ maxObjects: 100 }, 'batch.maxObjects'],
    [{ maxObjects: 2.5 }, 'batch.maxObjects'],
    [{ maxObjects: 10, maxWaitSeconds: 301 }, 'batch.maxWaitSeconds'],
    [{ maxObjects: 10, maxWaitSeconds: -1 }, 'batch.maxWaitSeconds'],
    [{ maxObjects: 10, window: 5 }, 'batch'],
    [{}, 'batch.maxObjects'],
  ])('refuses %j naming %s', (batch, field) => {
    expect(issuesOf(batched(batch)).some((issue) => issue.startsWith(field))).toBe(true);
  });

  it('accepts the limits: 2 and 99 objects, 0 and 300 seconds', () => {
    expect(issuesOf(batched({ maxObjects: 2, maxWaitSeconds: 0 }))).toEqual([]);
    expect(issuesOf(batched({ maxObjects: 99, maxWaitSeconds: 300 }))).toEqual([]);
  });

  it('refuses per-object placeholders in a batched task, naming the field; {bucket} is fine', () => {
    const issues = issuesOf(
      batched(
        { maxObjects: 5 },
        { environment: { IN: '{bucket}', KEY: '{key}' }, command: ['run', '{etag}'] },
      ),
    );
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^task\.environment\.KEY: .*manifest \(ECS_PILOT_MANIFEST_URI\)/);
    expect(issues[1]).toMatch(/^task\.command\[1\]: /);
  });

  it('refuses the manifest variables in a batched task environment', () => {
    const issues = issuesOf(batched({ maxObjects: 5 }, { environment: { ECS_PILOT_MANIFEST_URI: 'mine' } }));
    expect(issues).toEqual([
      expect.stringMatching(/^task\.environment\.ECS_PILOT_MANIFEST_URI: .*set by ecs-pilot/),
    ]);
  });
});
