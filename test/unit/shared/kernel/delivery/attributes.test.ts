import { describe, expect, it } from 'vitest';
import {
  boundedAttributes,
  MAX_ATTRIBUTE_CHARS,
  sanitizeAttributeValue,
} from '../../../../../shared/kernel/delivery/attributes';

/** What SQS accepts in an attribute value. */
const ACCEPTED = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

describe('Function: sanitizeAttributeValue', () => {
  it.each([
    ['incoming/a\u0000b.jpg', 'incoming/a\uFFFDb.jpg'],
    ['a\u001bb', 'a\uFFFDb'],
    ['a\u007fb', 'a\u007fb'],
    ['lone \ud800 high', 'lone \uFFFD high'],
    ['lone \udc00 low', 'lone \uFFFD low'],
    ['pair 😀 kept', 'pair 😀 kept'],
    ['tab\tnew\nline\rok', 'tab\tnew\nline\rok'],
    ['\uFFFE\uFFFF', '\uFFFD\uFFFD'],
    ['été 日本', 'été 日本'],
  ])('makes %j acceptable as %j', (value, sanitized) => {
    expect(sanitizeAttributeValue(value)).toBe(sanitized);
    expect(sanitizeAttributeValue(value)).toMatch(ACCEPTED);
  });

  it('accepts every code unit after sanitising', () => {
    for (let code = 0; code <= 0xffff; code++) {
      expect(sanitizeAttributeValue(`x${String.fromCharCode(code)}y`)).toMatch(ACCEPTED);
    }
  });

  it('clips a long value without splitting a surrogate pair', () => {
    const clipped = sanitizeAttributeValue('😀'.repeat(MAX_ATTRIBUTE_CHARS + 5));

    expect(Array.from(clipped)).toHaveLength(MAX_ATTRIBUTE_CHARS);
    expect(clipped.endsWith('😀…')).toBe(true);
    expect(clipped).toMatch(ACCEPTED);
  });
});

describe('Function: boundedAttributes', () => {
  it('leaves out empty values and keeps at most 10, reason first', () => {
    const values = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, `${i}`]));

    const bounded = boundedAttributes({ empty: '', ...values, 'ecs-pilot-reason': 'why' });

    expect(bounded.map(([name]) => name)).toEqual([
      'ecs-pilot-reason',
      ...Array.from({ length: 9 }, (_, i) => `a${i}`),
    ]);
  });
});
