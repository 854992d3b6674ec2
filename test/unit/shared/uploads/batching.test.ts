import { describe, expect, it } from 'vitest';
import {
  batchFailureFate,
  batchId,
  batchMember,
  buildManifest,
  manifestKey,
  MAX_RECORD_MEMBERS_BYTES,
  memberBytes,
  nextBatch,
  planUploadBatch,
  uniqueMembers,
  type BatchRecord,
} from '../../../../shared/uploads/batching.js';
import { parseObjectCreated } from '../../../../shared/uploads/event.js';
import { uploadClientToken } from '../../../../shared/uploads/plan.js';
import { s3ObjectCreatedEvent } from '../../../helpers/events.js';
import { uploadTrigger } from '../../../helpers/triggers.js';

const trigger = uploadTrigger({
  name: 'thumbs',
  batch: { maxObjects: 50, maxWaitSeconds: 5 },
  task: { environment: { INPUT_BUCKET: '{bucket}' } },
});
const object = (n: number, key = `incoming/p${n}.jpg`) =>
  parseObjectCreated(s3ObjectCreatedEvent({ key, versionId: `v${n}`, sequencer: `00${n}` }));
const members = (count: number, key?: (n: number) => string) =>
  Array.from({ length: count }, (_, n) => batchMember('thumbs', object(n, key?.(n))));
const record = (count: number, key?: (n: number) => string): BatchRecord =>
  nextBatch('thumbs', uniqueMembers(members(count, key)), 99);

describe('Function: batchId', () => {
  it('is the same for the same objects in any order or multiplicity, 64 hex characters', () => {
    expect(batchId('thumbs', ['b', 'a', 'c'])).toBe(batchId('thumbs', ['c', 'a', 'b', 'a']));
    expect(batchId('thumbs', ['a'])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs for another set, another trigger, and from every object token', () => {
    expect(batchId('thumbs', ['a', 'b'])).not.toBe(batchId('thumbs', ['a']));
    expect(batchId('thumbs', ['a'])).not.toBe(batchId('other', ['a']));
    const token = uploadClientToken('thumbs', object(1));
    expect(batchId('thumbs', [token])).not.toBe(token);
  });
});

describe('Function: batchMember', () => {
  it("is keyed by the one-object path's token and carries the object's identity", () => {
    const o = object(1);
    expect(batchMember('thumbs', o)).toEqual({
      token: uploadClientToken('thumbs', o),
      object: { bucket: 'media-ingest', key: 'incoming/p1.jpg', versionId: 'v1', size: 1024, etag: o.etag },
    });
    const unversioned = parseObjectCreated(s3ObjectCreatedEvent({ versionId: null }));
    expect(batchMember('thumbs', unversioned).object.versionId).toBeNull();
  });
});

describe('Function: nextBatch', () => {
  it('takes at most maxObjects members, in token order', () => {
    const pending = uniqueMembers(members(7));
    const batch = nextBatch('thumbs', pending, 3);
    expect(batch.members).toEqual(pending.slice(0, 3));
    expect(batch.id).toBe(
      batchId(
        'thumbs',
        pending.slice(0, 3).map((m) => m.token),
      ),
    );
  });

  it('stops short of maxObjects where the batch record would pass its size', () => {
    // Keys of 1,024 control characters: 6 bytes each once escaped in JSON.
    const pending = uniqueMembers(
      members(99, (n) => `${String(n).padStart(3, '0')}${'\u0001'.repeat(1021)}`),
    );
    const batch = nextBatch('thumbs', pending, 99);
    const bytes = batch.members.reduce((sum, m) => sum + memberBytes(m), 0);
    expect(batch.members.length).toBeLessThan(99);
    expect(batch.members.length).toBeGreaterThan(40);
    expect(bytes).toBeLessThanOrEqual(MAX_RECORD_MEMBERS_BYTES);
    expect(bytes + memberBytes(pending[batch.members.length]!)).toBeGreaterThan(MAX_RECORD_MEMBERS_BYTES);
  });

  it('always takes at least one member', () => {
    expect(nextBatch('thumbs', members(1), 2).members).toHaveLength(1);
  });
});

describe('Function: planUploadBatch', () => {
  it('passes the manifest URI and, when it fits, the manifest inline; the clientToken is the batch id', () => {
    const batch = record(5);
    const plan = planUploadBatch(trigger, batch, 'manifest-bucket');
    const env = Object.fromEntries(
      plan.request.overrides.containerOverrides[0]!.environment.map((e) => [e.name, e.value]),
    );
    expect(plan.request.clientToken).toBe(batch.id);
    expect(env.ECS_PILOT_MANIFEST_URI).toBe(`s3://manifest-bucket/${manifestKey('thumbs', batch.id)}`);
    expect(JSON.parse(env.ECS_PILOT_MANIFEST!)).toEqual(buildManifest(batch));
    expect(env.INPUT_BUCKET).toBe('media-ingest');
    expect(plan.inline).toBe(true);
  });

  it('leaves the inline copy out when the overrides would pass 8,192 bytes, keeping the URI', () => {
    const batch = record(60, (n) => `incoming/${String(n).padStart(3, '0')}-${'x'.repeat(200)}.jpg`);
    const plan = planUploadBatch(trigger, batch, 'manifest-bucket');
    const names = plan.request.overrides.containerOverrides[0]!.environment.map((e) => e.name);
    expect(plan.inline).toBe(false);
    expect(names).toContain('ECS_PILOT_MANIFEST_URI');
    expect(names).not.toContain('ECS_PILOT_MANIFEST');
    expect(Buffer.byteLength(JSON.stringify(plan.request.overrides))).toBeLessThanOrEqual(8192);
  });

  it('inlines up to the last byte that fits, measured in UTF-8', () => {
    // Grow the keys one byte at a time: inline stays exactly while the overrides fit.
    let sawBoth = 0;
    for (let pad = 150; pad < 260; pad += 1) {
      const plan = planUploadBatch(
        trigger,
        record(20, (n) => `incoming/${n}-${'é'.repeat(pad / 2)}${'x'.repeat(pad % 2)}`),
        'b',
      );
      const size = Buffer.byteLength(JSON.stringify(plan.request.overrides));
      expect(size).toBeLessThanOrEqual(8192);
      if (!plan.inline) {
        // Left out only when adding it (and its comma) would have passed the limit.
        const entry = { name: 'ECS_PILOT_MANIFEST', value: JSON.stringify(plan.manifest) };
        expect(size + Buffer.byteLength(JSON.stringify(entry)) + 1).toBeGreaterThan(8192);
      }
      sawBoth |= plan.inline ? 1 : 2;
    }
    expect(sawBoth).toBe(3);
  });

  it('builds the same request for the same objects in any order (no timestamps)', () => {
    const ms = members(4);
    const a = planUploadBatch(trigger, nextBatch('thumbs', uniqueMembers(ms), 9), 'b');
    const b = planUploadBatch(trigger, nextBatch('thumbs', uniqueMembers([...ms].reverse()), 9), 'b');
    expect(b.request).toEqual(a.request);
  });

  it('tags the task with its batch and trigger, and counts it against maxRunning', () => {
    const capped = uploadTrigger({ ...trigger, task: { ...trigger.task, maxRunning: 3 } });
    const plan = planUploadBatch(capped, record(2), 'b');
    expect(plan.request.tags).toEqual(
      expect.arrayContaining([
        { key: 'ecs-pilot:batch', value: plan.clientToken },
        { key: 'ecs-pilot:trigger', value: 'thumbs' },
      ]),
    );
    expect(plan.maxRunning).toBe(3);
  });
});

describe('Function: batchFailureFate', () => {
  it.each([
    ['retryable', [1, 2], 3, 'retry'],
    ['retryable', [1, 3], 3, 'give-up'],
    ['retryable', [4], 3, 'give-up'],
    ['deferred', [3, 3], 3, 'defer'],
    ['permanent', [1], 3, 'permanent'],
  ] as const)('%s with attempts %j of %i → %s', (kind, attempts, max, fate) => {
    expect(batchFailureFate({ kind }, attempts, max)).toBe(fate);
  });
});
