import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UploadedObject } from '../../../../shared/uploads/event';
import {
  expandTemplate,
  placeholderValues,
  planUploadTask,
  uploadClientToken,
} from '../../../../shared/uploads/plan';
import { uploadedObject, uploadTrigger } from '../fixtures';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const HEX_64 = /^[0-9a-f]{64}$/;

describe('Function: uploadClientToken', () => {
  it('is 64 lower-case hex characters', () => {
    expect(uploadClientToken('thumbnails', uploadedObject())).toMatch(HEX_64);
  });

  it('is the same for the same trigger and object version', () => {
    expect(uploadClientToken('thumbnails', uploadedObject())).toBe(
      uploadClientToken('thumbnails', uploadedObject()),
    );
  });

  it('is the SHA-256 of the v1 identity, so tokens survive a deploy unchanged', () => {
    // Prepare
    const object = uploadedObject();
    const identity = JSON.stringify([
      'upload/v1',
      'thumbnails',
      object.bucket,
      object.key,
      object.versionId,
      object.sequencer,
    ]);

    // Act & Assess
    expect(uploadClientToken('thumbnails', object)).toBe(sha256(identity));
  });

  it('starts no second task when the same upload is delivered twice under a new event id', () => {
    const first = uploadedObject({ eventId: 'first-delivery' });
    const again = uploadedObject({ eventId: 'second-delivery', reason: 'CompleteMultipartUpload' });

    expect(uploadClientToken('thumbnails', again)).toBe(uploadClientToken('thumbnails', first));
  });

  it.each<[string, string, Partial<UploadedObject>]>([
    ['trigger', 'transcode', {}],
    ['bucket', 'thumbnails', { bucket: 'other-bucket' }],
    ['key', 'thumbnails', { key: 'incoming/dog.jpg' }],
    ['version', 'thumbnails', { versionId: '3HL4kqtJlcpXroDTDmjVBH40Nrjfkd' }],
    ['missing version', 'thumbnails', { versionId: undefined }],
    ['sequencer (a rewrite in an unversioned bucket)', 'thumbnails', { sequencer: '617f08299329d18a' }],
  ])('differs when the %s differs', (_label, trigger, fields) => {
    const base = uploadClientToken('thumbnails', uploadedObject());

    expect(uploadClientToken(trigger, uploadedObject(fields))).not.toBe(base);
  });

  it('ignores the etag when a sequencer is present', () => {
    expect(uploadClientToken('thumbnails', uploadedObject({ etag: 'other' }))).toBe(
      uploadClientToken('thumbnails', uploadedObject()),
    );
  });

  it('falls back to the etag when the event has no sequencer', () => {
    const a = uploadedObject({ sequencer: undefined, etag: 'etag-a' });
    const b = uploadedObject({ sequencer: undefined, etag: 'etag-b' });

    expect(uploadClientToken('thumbnails', a)).not.toBe(uploadClientToken('thumbnails', b));
  });

  it('cannot be forged by moving characters between fields', () => {
    const a = uploadedObject({ bucket: 'media-ingest', key: 'x/cat.jpg' });
    const b = uploadedObject({ bucket: 'media-ingestx', key: '/cat.jpg' });

    expect(uploadClientToken('thumbnails', a)).not.toBe(uploadClientToken('thumbnails', b));
  });

  it('is always 64 lower-case hex characters and equal for equal inputs (property)', () => {
    const objects = fc.record({
      eventId: fc.string(),
      bucket: fc.string({ minLength: 3, maxLength: 63 }),
      key: fc.string({ unit: 'binary', minLength: 1, maxLength: 1024 }),
      size: fc.nat(),
      etag: fc.string({ maxLength: 64 }),
      versionId: fc.option(fc.string({ minLength: 1, maxLength: 64 }), { nil: undefined }),
      sequencer: fc.option(fc.string({ maxLength: 32 }), { nil: undefined }),
      reason: fc.option(fc.string(), { nil: undefined }),
    });

    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 24 }), objects, (trigger, object) => {
        const token = uploadClientToken(trigger, object);

        expect(token).toMatch(HEX_64);
        expect(uploadClientToken(trigger, structuredClone(object))).toBe(token);
      }),
    );
  });
});

describe('Function: placeholderValues', () => {
  it('maps every placeholder to the object field as a string', () => {
    expect(placeholderValues(uploadedObject({ size: 5 * 1024 ** 4 }))).toEqual({
      bucket: 'media-ingest',
      key: 'incoming/cat.jpg',
      size: '5497558138880',
      etag: 'b1946ac92492d2347c6235b4d2611184',
      versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
    });
  });

  it('gives an unversioned object an empty versionId and size 0 as "0"', () => {
    expect(placeholderValues(uploadedObject({ versionId: undefined, size: 0 }))).toMatchObject({
      versionId: '',
      size: '0',
    });
  });
});

describe('Function: expandTemplate', () => {
  const values = placeholderValues(uploadedObject({ key: 'incoming/a{key}b.jpg', size: 42 }));

  it.each([
    ['a single placeholder', '{bucket}', 'media-ingest'],
    ['several placeholders', 's3://{bucket}/{key}', 's3://media-ingest/incoming/a{key}b.jpg'],
    ['the same placeholder twice', '{size}-{size}', '42-42'],
    ['adjacent placeholders', '{size}{etag}', '42b1946ac92492d2347c6235b4d2611184'],
    ['no placeholders', 'plain text', 'plain text'],
    ['an empty template', '', ''],
    ['an unknown placeholder (left as-is)', '{nope}/{key}', '{nope}/incoming/a{key}b.jpg'],
    ['a placeholder with spaces (left as-is)', '{ key }', '{ key }'],
    ['empty braces (left as-is)', '{}', '{}'],
    ['double braces', '{{size}}', '{42}'],
    ['an unclosed brace', '{size', '{size'],
  ])('expands %s', (_label, template, expected) => {
    expect(expandTemplate(template, values)).toBe(expected);
  });

  it('expands in a single pass: a key containing {key} literally is not expanded again', () => {
    // Prepare: the key itself contains placeholders.
    const tricky = placeholderValues(uploadedObject({ key: '{key}{bucket}{size}' }));

    // Act
    const expanded = expandTemplate('{key}', tricky);

    // Assess
    expect(expanded).toBe('{key}{bucket}{size}');
  });

  it.each(['$&', '$1', "$'", '$`', '$$'])('inserts a value containing %s literally', (dollar) => {
    expect(expandTemplate('x{key}y', { key: `a${dollar}b` })).toBe(`xa${dollar}by`);
  });
});

describe('Function: planUploadTask', () => {
  it('plans a FARGATE task with expanded environment, tags and an idempotency token', () => {
    // Prepare
    const trigger = uploadTrigger(
      { prefix: 'incoming/' },
      {
        environment: { INPUT_KEY: '{key}', INPUT_BUCKET: '{bucket}', INPUT_SIZE: '{size}' },
        tags: { team: 'media' },
      },
    );
    const object = uploadedObject();

    // Act
    const plan = planUploadTask(trigger, object);

    // Assess
    const token = uploadClientToken('thumbnails', object);
    expect(plan).toEqual({
      trigger: 'thumbnails',
      clientToken: token,
      maxRunning: undefined,
      request: {
        cluster: 'media',
        taskDefinition: 'thumbnailer',
        count: 1,
        clientToken: token,
        startedBy: 'ecs-pilot/thumbnails',
        launchType: 'FARGATE',
        platformVersion: 'LATEST',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ['subnet-0123abcd'],
            securityGroups: ['sg-0123abcd'],
            assignPublicIp: 'DISABLED',
          },
        },
        overrides: {
          containerOverrides: [
            {
              name: 'app',
              environment: [
                { name: 'INPUT_BUCKET', value: 'media-ingest' },
                { name: 'INPUT_KEY', value: 'incoming/cat.jpg' },
                { name: 'INPUT_SIZE', value: '2048' },
              ],
            },
          ],
        },
        tags: [
          { key: 'ecs-pilot:automation', value: 'uploads' },
          { key: 'ecs-pilot:bucket', value: 'media-ingest' },
          { key: 'ecs-pilot:key-sha256', value: sha256('incoming/cat.jpg') },
          { key: 'ecs-pilot:trigger', value: 'thumbnails' },
          { key: 'team', value: 'media' },
        ],
        enableECSManagedTags: true,
      },
    });
  });

  it('starts no second task when the same upload is delivered twice: both plans are identical', () => {
    const trigger = uploadTrigger({}, { environment: { K: '{key}' }, command: ['run', '{key}'] });

    const first = planUploadTask(trigger, uploadedObject({ eventId: 'a' }));
    const again = planUploadTask(trigger, uploadedObject({ eventId: 'b' }));

    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
  });

  it('plans a different token for a new version of the same key', () => {
    const trigger = uploadTrigger();

    const v1 = planUploadTask(trigger, uploadedObject({ versionId: 'v1' }));
    const v2 = planUploadTask(trigger, uploadedObject({ versionId: 'v2' }));

    expect(v2.clientToken).not.toBe(v1.clientToken);
    expect(v2.request.clientToken).toBe(v2.clientToken);
  });

  it('sorts the environment by name', () => {
    const trigger = uploadTrigger(
      {},
      { environment: { Z_LAST: '1', A_FIRST: '2', M_MIDDLE: '3', _UNDER: '4' } },
    );

    const plan = planUploadTask(trigger, uploadedObject());

    expect(plan.request.overrides.containerOverrides[0]?.environment.map((e) => e.name)).toEqual([
      'A_FIRST',
      'M_MIDDLE',
      'Z_LAST',
      '_UNDER',
    ]);
  });

  it.each(['incoming/cat.jpg', 'incoming/été 2026/a+b%20c:d.jpg', 'incoming/🐱.jpg', '{key}'])(
    'tags the task with the SHA-256 hex of the key %j, not the key itself',
    (key) => {
      const plan = planUploadTask(uploadTrigger(), uploadedObject({ key }));

      const tags = Object.fromEntries(plan.request.tags.map((t) => [t.key, t.value]));
      expect(tags['ecs-pilot:key-sha256']).toBe(sha256(key));
      expect(Object.values(tags)).not.toContain(key);
    },
  );

  it('sets startedBy to ecs-pilot/<trigger name>', () => {
    const plan = planUploadTask(uploadTrigger({ name: 'abcdefghijklmnopqrstuvwx' }), uploadedObject());

    expect(plan.request.startedBy).toBe('ecs-pilot/abcdefghijklmnopqrstuvwx');
    expect(plan.request.startedBy.length).toBeLessThanOrEqual(36);
  });

  it('uses the capacity provider strategy instead of launchType when one is configured', () => {
    const trigger = uploadTrigger(
      {},
      {
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE_SPOT', weight: 3 },
          { capacityProvider: 'FARGATE', base: 1 },
        ],
      },
    );

    const { request } = planUploadTask(trigger, uploadedObject());

    expect(request).not.toHaveProperty('launchType');
    expect(request.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 0 },
      { capacityProvider: 'FARGATE', weight: 1, base: 1 },
    ]);
  });

  it('uses launchType FARGATE when no strategy is configured, whether or not launchType is given', () => {
    for (const trigger of [uploadTrigger(), uploadTrigger({}, { launchType: 'FARGATE' })]) {
      const { request } = planUploadTask(trigger, uploadedObject());

      expect(request.launchType).toBe('FARGATE');
      expect(request).not.toHaveProperty('capacityProviderStrategy');
    }
  });

  it('expands placeholders in every command part', () => {
    const trigger = uploadTrigger(
      {},
      { command: ['transcode', '--input', 's3://{bucket}/{key}', '--size={size}'] },
    );

    const { request } = planUploadTask(trigger, uploadedObject({ key: 'videos/a b.mp4', size: 7 }));

    expect(request.overrides.containerOverrides[0]?.command).toEqual([
      'transcode',
      '--input',
      's3://media-ingest/videos/a b.mp4',
      '--size=7',
    ]);
  });

  it('sends no command override when the trigger has none', () => {
    const { request } = planUploadTask(uploadTrigger(), uploadedObject());

    expect(request.overrides.containerOverrides[0]).not.toHaveProperty('command');
  });

  it('passes a key containing {key} literally through to the environment', () => {
    const trigger = uploadTrigger({}, { environment: { INPUT_KEY: '{key}', BOTH: '{bucket}:{key}' } });

    const { request } = planUploadTask(trigger, uploadedObject({ key: 'a/{key}/{bucket}' }));

    expect(request.overrides.containerOverrides[0]?.environment).toEqual([
      { name: 'BOTH', value: 'media-ingest:a/{key}/{bucket}' },
      { name: 'INPUT_KEY', value: 'a/{key}/{bucket}' },
    ]);
  });

  it('carries maxRunning from the task spec', () => {
    expect(planUploadTask(uploadTrigger({}, { maxRunning: 50 }), uploadedObject()).maxRunning).toBe(50);
  });

  it('does not modify the trigger', () => {
    const trigger = uploadTrigger(
      {},
      { environment: { K: '{key}' }, command: ['{key}'], tags: { team: 'media' } },
    );
    const before = structuredClone(trigger);

    planUploadTask(trigger, uploadedObject());

    expect(trigger).toEqual(before);
  });

  it('sets INPUT_KEY to exactly the uploaded key for any unicode key (property)', () => {
    const trigger = uploadTrigger({}, { environment: { INPUT_KEY: '{key}' } });

    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 1024 }), (key) => {
        const { request } = planUploadTask(trigger, uploadedObject({ key }));

        expect(request.overrides.containerOverrides[0]?.environment).toEqual([
          { name: 'INPUT_KEY', value: key },
        ]);
      }),
    );
  });
});

describe('Function: expandTemplate (own properties only)', () => {
  it.each(['{constructor}', '{toString}', '{hasOwnProperty}', '{valueOf}'])(
    'leaves %s unchanged rather than expanding an inherited property',
    (template) => {
      expect(expandTemplate(template, placeholderValues(uploadedObject()))).toBe(template);
    },
  );
});
