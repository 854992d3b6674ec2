/**
 * Text hygiene for alerts: whatever an event carries (huge reasons, control characters, broken
 * UTF-16, any script), the subject, body and attributes stay valid for SNS and readable in a mail.
 */

/** SNS: "Subjects must be ... less than 100 characters long". */
export const MAX_SUBJECT = 99;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// C0 controls except tab and newline, DEL, C1 controls, and Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029]/g;

/**
 * Replaces lone surrogates (which cannot be encoded as UTF-8) with U+FFFD and control characters
 * with spaces. Single-line text also turns line breaks and tabs into spaces.
 */
export function cleanText(text: string, options: { multiline?: boolean } = {}): string {
  const normalised = text.replace(/\r\n?/g, '\n').replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, ' ');
  return options.multiline ? normalised : normalised.replace(/[\n\t]+/g, ' ');
}

/** Cuts text to at most `max` UTF-16 units, never inside a surrogate pair, ending with `marker`. */
export function clip(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - marker.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${marker}`;
}

/** A single line of clean text, clipped: for names and reasons inside the body and attributes. */
export const oneLine = (text: string, max: number) => clip(cleanText(text).trim(), max);

// Letters NFKD does not decompose.
const LETTERS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  ø: 'o',
  Ø: 'O',
  œ: 'oe',
  Œ: 'OE',
  đ: 'd',
  Đ: 'D',
  ł: 'l',
  Ł: 'L',
  þ: 'th',
  Þ: 'Th',
};

/**
 * ASCII for the subject: accents folded (`été` → `ete`), anything else without an ASCII form
 * becomes `?`. The SNS API reference allows UTF-8 subjects, but other AWS documentation (the SNS
 * receiver of Managed Service for Prometheus) treats non-ASCII subjects as invalid, and mail headers
 * must encode them: ASCII is safe everywhere. The body keeps every character exactly.
 */
export function asciiFold(text: string): string {
  return cleanText(text)
    .replace(/[ßæÆøØœŒđĐłŁþÞ]/g, (c) => LETTERS[c] ?? c)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[‘’‚‛]/g, "'")
    .replace(/[“”„‟]/g, '"')
    .replace(/[‐-―−]/g, '-')
    .replace(/…/g, '...')
    .replace(/[^\x20-\x7E]/gu, '?');
}

/** The UTF-8 size of a string. */
export const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Cuts text to at most `maxBytes` of UTF-8 (on a character boundary), appending `note` when cut. */
export function clipBytes(text: string, maxBytes: number, note: string): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const budget = maxBytes - utf8Bytes(note);
  let low = 0;
  let high = text.length;
  // Binary search on UTF-16 length for the longest prefix that fits.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (utf8Bytes(clip(text, mid, '')) <= budget) low = mid;
    else high = mid - 1;
  }
  return `${clip(text, low, '')}${note}`;
}
