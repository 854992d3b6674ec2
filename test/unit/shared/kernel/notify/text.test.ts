import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  asciiFold,
  cleanText,
  clip,
  clipBytes,
  oneLine,
  utf8Bytes,
} from '../../../../../shared/kernel/notify/text';

describe('Function: cleanText', () => {
  it('replaces control characters with spaces and keeps tabs and newlines only when multiline', () => {
    expect(cleanText('a\u0000b\u0007c\u001bd\u007fe\u0085f')).toBe('a b c d e f');
    expect(cleanText('line 1\r\nline 2\rline 3\tend', { multiline: true })).toBe(
      'line 1\nline 2\nline 3\tend',
    );
    expect(cleanText('line 1\r\nline 2\n\nline 3\tend')).toBe('line 1 line 2 line 3 end');
  });

  it('repairs lone surrogates, which cannot be encoded as UTF-8, and keeps pairs', () => {
    expect(cleanText('a\uD83Db')).toBe('a\uFFFDb');
    expect(cleanText('a\uDE00b')).toBe('a\uFFFDb');
    expect(cleanText('😀')).toBe('😀');
  });

  it('always yields text that survives a UTF-8 round trip', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const clean = cleanText(text);
        expect(Buffer.from(clean, 'utf8').toString('utf8')).toBe(clean);
      }),
    );
  });
});

describe('Function: clip', () => {
  it('keeps short text and cuts long text with a marker', () => {
    expect(clip('short', 10)).toBe('short');
    expect(clip('0123456789abc', 10)).toBe('012345678…');
    expect(clip('0123456789abc', 10, '...')).toBe('0123456...');
  });

  it('never cuts inside a surrogate pair', () => {
    expect(clip('ab😀cd', 4)).toBe('ab…');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 1, max: 40 }), (text, max) => {
        const cut = clip(text, max);
        expect(cut.length).toBeLessThanOrEqual(Math.max(max, 1));
        expect(cleanText(cut)).not.toContain('\uFFFD');
      }),
    );
  });
});

describe('Function: oneLine', () => {
  it('makes one clean, trimmed, clipped line', () => {
    expect(oneLine('  a\nb  ', 10)).toBe('a b');
    expect(oneLine('x'.repeat(50), 10)).toHaveLength(10);
  });
});

describe('Function: asciiFold', () => {
  it.each([
    ['été à Zürich', 'ete a Zurich'],
    ['café-☕', 'cafe-?'],
    ['日本', '??'],
    ['emoji 😀 here', 'emoji ? here'],
    ['“quotes” and ‘single’ – dash…', '"quotes" and \'single\' - dash...'],
    ['tab\tand\nnewline', 'tab and newline'],
  ])('folds %j to %j', (text, expected) => {
    expect(asciiFold(text)).toBe(expected);
  });

  it('always yields printable ASCII', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(asciiFold(text)).toMatch(/^[\x20-\x7E]*$/);
      }),
    );
  });
});

describe('Function: clipBytes', () => {
  it('keeps text under the limit and cuts text over it, on a character boundary, with the note', () => {
    expect(clipBytes('short', 100, ' [cut]')).toBe('short');
    const cut = clipBytes('é'.repeat(100), 51, ' [cut]');
    expect(utf8Bytes(cut)).toBeLessThanOrEqual(51);
    expect(cut).toBe(`${'é'.repeat(22)} [cut]`);
  });

  it('never exceeds the byte budget', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.integer({ min: 20, max: 400 }),
        (text, max) => {
          expect(utf8Bytes(clipBytes(text, max, '[cut]'))).toBeLessThanOrEqual(max);
        },
      ),
    );
  });
});
