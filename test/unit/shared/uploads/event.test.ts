import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../shared/kernel/errors';
import { parseObjectCreated } from '../../../../shared/uploads/event';

interface EventOptions {
  bucket?: string;
  key?: string;
  size?: number;
  /** null: an unversioned bucket (the event has no version-id). */
  versionId?: string | null;
  sequencer?: string;
  sourceIp?: string;
  reason?: string;
}

/**
 * An S3 "Object Created" event exactly as EventBridge delivers it (shape from the S3 user guide,
 * "Amazon EventBridge event message structure").
 */
function objectCreatedEvent({
  bucket = 'media-ingest',
  key = 'incoming/cat.jpg',
  size = 2048,
  versionId = 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
  sequencer = '617f08299329d189',
  sourceIp = '203.0.113.15',
  reason = 'PutObject',
}: EventOptions = {}) {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2026-03-14T09:26:53Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: {
        key,
        size,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        ...(versionId === null ? {} : { 'version-id': versionId }),
        sequencer,
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '111122223333',
      'source-ip-address': sourceIp,
      reason,
    },
  };
}

type ObjectCreatedEvent = ReturnType<typeof objectCreatedEvent>;
type DetailObject = Record<string, unknown>;

/** The event with `detail.object` replaced by `change(object)`. */
function withObject(change: (object: DetailObject) => DetailObject, event = objectCreatedEvent()) {
  return { ...event, detail: { ...event.detail, object: change({ ...event.detail.object }) } };
}

/** The event without one top-level or `detail` field. */
function without(field: string, event: ObjectCreatedEvent = objectCreatedEvent()): Record<string, unknown> {
  const [first, second] = field.split('.');
  const copy: Record<string, unknown> = structuredClone(event);
  if (second === undefined) {
    delete copy[first!];
  } else {
    delete (copy[first!] as Record<string, unknown>)[second];
  }
  return copy;
}

/** The PermanentError parseObjectCreated throws; fails the test when it does not throw one. */
function rejectionOf(input: unknown): PermanentError {
  try {
    parseObjectCreated(input);
  } catch (error) {
    if (error instanceof PermanentError) return error;
    throw error;
  }
  throw new Error('expected parseObjectCreated to throw a PermanentError');
}

describe('Function: parseObjectCreated', () => {
  describe('accepted events', () => {
    it('reads every field of a versioned upload', () => {
      expect(parseObjectCreated(objectCreatedEvent())).toEqual({
        eventId: '17793124-05d4-b198-2fde-7ededc63b103',
        bucket: 'media-ingest',
        key: 'incoming/cat.jpg',
        size: 2048,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        sequencer: '617f08299329d189',
        reason: 'PutObject',
        time: expect.stringMatching(/^\d{4}-/),
        sizeMissing: false,
      });
    });

    it('reads an event from a legacy us-east-1 bucket with a 255-character name', () => {
      const event = objectCreatedEvent();
      const bucket = 'Legacy_' + 'b'.repeat(248);

      const object = parseObjectCreated({ ...event, detail: { ...event.detail, bucket: { name: bucket } } });

      expect(object.bucket).toBe(bucket);
    });

    it('gives an unversioned upload no versionId', () => {
      const object = parseObjectCreated(objectCreatedEvent({ versionId: null }));

      expect(object.versionId).toBeUndefined();
      expect(object.sequencer).toBe('617f08299329d189');
    });

    it.each(['CompleteMultipartUpload', 'CopyObject', 'PutObject'])(
      'passes the reason %s through',
      (reason) => {
        expect(parseObjectCreated(objectCreatedEvent({ reason })).reason).toBe(reason);
      },
    );

    it.each([
      ['IPv4', '198.51.100.7'],
      ['IPv6', '2001:db8:85a3::8a2e:370:7334'],
      ['IPv6 loopback', '::1'],
    ])('accepts an %s source-ip-address', (_label, sourceIp) => {
      expect(() => parseObjectCreated(objectCreatedEvent({ sourceIp }))).not.toThrow();
    });

    it('accepts unknown fields at every level and leaves them out of the result', () => {
      // Prepare
      const base = objectCreatedEvent();
      const event = {
        ...base,
        'replay-name': 'replay-1',
        detail: {
          ...base.detail,
          'storage-class': 'STANDARD',
          bucket: { ...base.detail.bucket, arn: 'arn:aws:s3:::media-ingest' },
          object: { ...base.detail.object, 'checksum-algorithm': 'CRC64NVME' },
        },
      };

      // Act
      const object = parseObjectCreated(event);

      // Assess
      expect(object).toEqual(parseObjectCreated(base));
    });

    it.each([
      'incoming/été 2026/a+b%20c:d.jpg',
      'incoming/with space.jpg',
      'incoming/a+b.jpg',
      'incoming/100%.jpg',
      'incoming/%E2%82%AC.jpg',
      'incoming/12:30:00.jpg',
      'incoming/日本語/ファイル.png',
      'incoming/🐱 cat.jpg',
      'incoming/e\u0301te.jpg',
      'incoming/back\\slash.jpg',
      'incoming/{key}.jpg',
      'incoming/?query=1&x=2#frag',
      ' leading and trailing ',
      '/',
    ])('passes the key %j through byte-for-byte, without URL decoding', (key) => {
      // Act
      const object = parseObjectCreated(objectCreatedEvent({ key }));

      // Assess
      expect(object.key).toBe(key);
      expect(Buffer.from(object.key, 'utf8').equals(Buffer.from(key, 'utf8'))).toBe(true);
    });

    it('accepts a key of 1024 characters', () => {
      const key = 'k'.repeat(1024);

      expect(parseObjectCreated(objectCreatedEvent({ key })).key).toBe(key);
    });

    it('accepts an empty object (size 0)', () => {
      expect(parseObjectCreated(objectCreatedEvent({ size: 0 })).size).toBe(0);
    });

    it('accepts a 5 TiB object', () => {
      expect(parseObjectCreated(objectCreatedEvent({ size: 5 * 1024 ** 4 })).size).toBe(5 * 1024 ** 4);
    });

    it('defaults a missing size to 0, etag to "" and leaves sequencer and reason undefined', () => {
      // Prepare
      const event = withObject(({ key }) => ({ key }));
      const bare = { ...event, detail: { bucket: event.detail.bucket, object: event.detail.object } };

      // Act
      const object = parseObjectCreated(bare);

      // Assess
      expect(object).toEqual({
        eventId: event.id,
        bucket: 'media-ingest',
        key: 'incoming/cat.jpg',
        size: 0,
        etag: '',
        versionId: undefined,
        sequencer: undefined,
        reason: undefined,
        time: event.time,
        sizeMissing: true,
      });
    });

    it('does not modify the event', () => {
      // Prepare
      const event = objectCreatedEvent();
      const before = structuredClone(event);

      // Act
      parseObjectCreated(Object.freeze(event));

      // Assess
      expect(event).toEqual(before);
    });

    it('ignores a __proto__ key in the event without polluting Object.prototype', () => {
      const json = JSON.stringify(objectCreatedEvent()).replace(
        '{"version"',
        '{"__proto__":{"polluted":true},"version"',
      );

      const object = parseObjectCreated(JSON.parse(json));

      expect(object.key).toBe('incoming/cat.jpg');
      expect(Object.prototype).not.toHaveProperty('polluted');
    });
  });

  describe('rejected events', () => {
    it.each<[string, unknown, string]>([
      ['null', null, '(root)'],
      ['a string', 'Object Created', '(root)'],
      ['an array', [objectCreatedEvent()], '(root)'],
      ['a number', 42, '(root)'],
      ['undefined', undefined, '(root)'],
      ['an event from another source', { ...objectCreatedEvent(), source: 'aws.ec2' }, 'source'],
      [
        'an "Object Deleted" event',
        { ...objectCreatedEvent(), 'detail-type': 'Object Deleted' },
        'detail-type',
      ],
      ['a legacy S3 notification', { Records: [{ eventSource: 'aws:s3' }] }, 'source'],
      ['an event without id', without('id'), 'id'],
      ['an event with an empty id', { ...objectCreatedEvent(), id: '' }, 'id'],
      ['an event without detail', without('detail'), 'detail'],
      ['an event with a null detail', { ...objectCreatedEvent(), detail: null }, 'detail'],
      ['an event without bucket', without('detail.bucket'), 'detail.bucket'],
      ['an event without object', without('detail.object'), 'detail.object'],
      ['a bucket name that is too short', objectCreatedEvent({ bucket: 'ab' }), 'detail.bucket.name'],
      ['a missing key', withObject(({ key: _key, ...rest }) => rest), 'detail.object.key'],
      ['an empty key', objectCreatedEvent({ key: '' }), 'detail.object.key'],
      ['a numeric key', withObject((o) => ({ ...o, key: 42 })), 'detail.object.key'],
      ['a key of 1025 characters', objectCreatedEvent({ key: 'k'.repeat(1025) }), 'detail.object.key'],
      ['a negative size', objectCreatedEvent({ size: -1 }), 'detail.object.size'],
      ['a fractional size', objectCreatedEvent({ size: 1.5 }), 'detail.object.size'],
      ['a size given as a string', withObject((o) => ({ ...o, size: '2048' })), 'detail.object.size'],
      ['an empty version-id', objectCreatedEvent({ versionId: '' }), 'detail.object.version-id'],
      ['a huge etag', withObject((o) => ({ ...o, etag: 'e'.repeat(257) })), 'detail.object.etag'],
      ['a huge sequencer', objectCreatedEvent({ sequencer: 's'.repeat(257) }), 'detail.object.sequencer'],
      ['a huge reason', objectCreatedEvent({ reason: 'r'.repeat(257) }), 'detail.reason'],
      ['a huge time', { ...objectCreatedEvent(), time: 't'.repeat(65) }, 'time'],
    ])('rejects %s with a PermanentError naming %s', (_label, input, field) => {
      // Act
      const error = rejectionOf(input);

      // Assess
      expect(error.retryable).toBe(false);
      expect(error.name).toBe('PermanentError');
      expect(error.message).toMatch(/^not an S3 "Object Created" EventBridge event: /);
      expect(error.message).toContain(`${field}: `);
    });

    it('says which value was expected for a wrong source', () => {
      expect(rejectionOf({ ...objectCreatedEvent(), source: 'aws.ec2' }).message).toContain(
        'source: Invalid input: expected "aws.s3"',
      );
    });

    it('lists at most five problems for a badly broken event', () => {
      // Prepare: seven distinct problems.
      const event = {
        id: 1,
        source: 'x',
        'detail-type': 'y',
        time: 2,
        detail: { bucket: { name: 3 }, object: { key: 4, size: -5 }, reason: 6 },
      };

      // Act
      const error = rejectionOf(event);

      // Assess
      const problems = error.message.replace(/^[^:]+: /, '').split('; ');
      expect(problems).toHaveLength(5);
      expect(problems[0]).toMatch(/^id: /);
    });
  });
});
