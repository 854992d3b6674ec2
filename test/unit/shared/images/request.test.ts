import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImagesRequestError, MAX_REQUEST_ERROR, parseImagesRequest } from '../../../../shared/images/request';
import onDemand from '../../../../events/images-on-demand-preview.json';
import scheduled from '../../../../events/images-scheduled.json';

const PREFIX = 'invalid enforceImages payload: ';
const nested = (depth: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};
const refusal = (event: unknown): ImagesRequestError => {
  try {
    parseImagesRequest(event);
  } catch (error) {
    return error as ImagesRequestError;
  }
  throw new Error(`accepted ${JSON.stringify(event)}`);
};

describe('Function: parseImagesRequest (sample events)', () => {
  it('reads the payload Scheduler sends as a plain run', () => {
    expect(parseImagesRequest(scheduled)).toEqual({
      source: 'schedule',
      scheduledTime: '2026-03-02T03:00:00Z',
    });
  });

  it('reads the on-demand sample as a preview of one repository', () => {
    expect(parseImagesRequest(onDemand)).toEqual({
      source: 'manual',
      repositories: ['thumbnailer'],
      mode: 'preview',
    });
  });
});

describe('Function: parseImagesRequest (hostile payloads)', () => {
  it.each([
    ['under a known key', (deep: unknown) => ({ repositories: deep })],
    ['under an unknown key', (deep: unknown) => ({ zzz: deep })],
    ['as an array payload', (deep: unknown) => [deep]],
  ])('refuses a payload nested 100,000 deep %s with a permanent error, not a stack overflow', (_l, wrap) => {
    const error = refusal(wrap(nested(100_000, 'x')));

    expect(error).toBeInstanceOf(ImagesRequestError);
    expect(error.retryable).toBe(false);
  });

  it('quotes at most a bounded part of a huge key, and of a payload with thousands of keys', () => {
    const hugeKey = refusal({ ['k'.repeat(250_000)]: 1 });
    const manyKeys = refusal(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])));

    expect(hugeKey.message.length).toBeLessThanOrEqual(PREFIX.length + MAX_REQUEST_ERROR);
    expect(manyKeys.message).toMatch(/unknown keys "k0", "k1", "k2", "k3", "k4" and 19995 more/);
    expect(manyKeys.message.length).toBeLessThanOrEqual(PREFIX.length + MAX_REQUEST_ERROR);
  });

  it.each([
    ['{"__proto__": {"mode": "enforce"}}'],
    ['{"constructor": {"prototype": {"mode": "enforce"}}}'],
    ['{"mode": "preview", "prototype": 1}'],
  ])('refuses %s as unsafe', (json) => {
    expect(refusal(JSON.parse(json)).message).toMatch(
      /key "(__proto__|constructor|prototype)" is not allowed/,
    );
  });

  it.each([
    ['a string', 'preview'],
    ['a number', 5],
    ['an array', [{ mode: 'preview' }]],
    ['a Date', new Date(0)],
    ['a Map', new Map([['mode', 'preview']])],
  ])('refuses %s as the payload', (_label, event) => {
    expect(refusal(event).message).toMatch(
      /^invalid enforceImages payload: \(root\): expected a JSON object/,
    );
  });

  it('returns a request or throws ImagesRequestError for any JSON, and never asks for more than a preview', () => {
    const key = fc.oneof(
      fc.constantFrom('source', 'scheduledTime', 'repositories', 'mode', '__proto__', 'constructor'),
      fc.string({ maxLength: 20 }),
    );
    const value = fc.oneof(
      fc.constantFrom('preview', 'enforce', 'schedule', 'manual', 'app', 'app-*'),
      fc.array(fc.constantFrom('app', 'team/api', 'APP', '', 'a'.repeat(300)), { maxLength: 3 }),
      fc.jsonValue({ maxDepth: 3 }),
    );
    const payload = fc.oneof(
      fc.dictionary(key, value, { maxKeys: 5 }),
      fc.jsonValue({ maxDepth: 4 }),
      // JSON text: a `__proto__` key becomes an own property, as in a parsed Lambda payload.
      fc.dictionary(key, value, { maxKeys: 5 }).map((d) => JSON.parse(JSON.stringify(d)) as unknown),
    );

    fc.assert(
      fc.property(payload, (event) => {
        let request;
        try {
          request = parseImagesRequest(event);
        } catch (error) {
          expect(error).toBeInstanceOf(ImagesRequestError);
          expect((error as Error).message.length).toBeLessThanOrEqual(PREFIX.length + MAX_REQUEST_ERROR);
          return;
        }
        expect([undefined, 'preview']).toContain(request.mode);
        for (const name of request.repositories ?? []) expect(name).toMatch(/^[a-z0-9][a-z0-9._/-]*$/);
        expect(
          Object.keys(request).every((k) => ['source', 'scheduledTime', 'repositories', 'mode'].includes(k)),
        ).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
