import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasUnsafeCharacters, printable, PRINTABLE_MAX } from '../../../../../shared/kernel/text/escape';
import { fuzz } from '../../../../helpers/fuzz';

// Independent of the implementation's pattern: C0, DEL, C1, bidi controls and marks, separators, lone surrogates.
const isControl = (unit: number, next: number | undefined, prev: number | undefined) =>
  unit <= 0x1f ||
  (unit >= 0x7f && unit <= 0x9f) ||
  unit === 0x061c ||
  unit === 0x200e ||
  unit === 0x200f ||
  (unit >= 0x2028 && unit <= 0x202e) ||
  (unit >= 0x2066 && unit <= 0x2069) ||
  (unit >= 0xd800 && unit <= 0xdbff && !(next !== undefined && next >= 0xdc00 && next <= 0xdfff)) ||
  (unit >= 0xdc00 && unit <= 0xdfff && !(prev !== undefined && prev >= 0xd800 && prev <= 0xdbff));

const controlsIn = (text: string) =>
  [...Array(text.length).keys()].filter((i) =>
    isControl(
      text.charCodeAt(i),
      i + 1 < text.length ? text.charCodeAt(i + 1) : undefined,
      i > 0 ? text.charCodeAt(i - 1) : undefined,
    ),
  );

// Strings rich in the characters that matter, plus arbitrary UTF-16 (lone surrogates included).
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({
    unit: fc.constantFrom(
      '\u001b',
      '[',
      '2',
      'J',
      '\n',
      '\r',
      '\t',
      '\u0085',
      '\u009b',
      '\u202e',
      '\u2066',
      'é',
      '😀',
      'a',
    ),
    maxLength: 300,
  }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
);

describe('Function: printable', () => {
  it('shows an ANSI escape sequence as text', () => {
    expect(printable('\u001b[2J\u001b[31mred')).toBe('\\u001b[2J\\u001b[31mred');
  });

  it('escapes C1 controls, bidi overrides and line breaks, and keeps other non-ASCII text', () => {
    expect(printable('a\u009bb\u202ec\nd\u2028été 😀')).toBe('a\\u009bb\\u202ec\\u000ad\\u2028été 😀');
  });

  it('says where it cut a long text', () => {
    const out = printable('x'.repeat(1000), 60);

    expect(out.length).toBeLessThanOrEqual(60);
    expect(out).toMatch(/^x+…\[cut, \d+ of 1000 chars shown\]$/);
  });

  it('never splits an escape when it cuts', () => {
    const out = printable('\u001b'.repeat(100), 50);

    expect(out).toMatch(/^(\\u001b)+…\[cut, \d+ of 100 chars shown\]$/);
  });

  it('for any string and bound, prints no control character and stays within the bound', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 40, max: 600 }), (text, max) => {
        const out = printable(text, max);
        expect(controlsIn(out)).toEqual([]);
        expect(hasUnsafeCharacters(out)).toBe(false);
        expect(out.length).toBeLessThanOrEqual(max);
      }),
      fuzz(500),
    );
  });

  it('for any string, is idempotent and keeps a text that needs no escaping', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const once = printable(text, PRINTABLE_MAX);
        expect(printable(once, PRINTABLE_MAX)).toBe(once);
        if (controlsIn(text).length === 0 && text.length <= PRINTABLE_MAX) expect(once).toBe(text);
      }),
      fuzz(500),
    );
  });
});
