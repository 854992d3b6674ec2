/**
 * The one way outside text (config keys and values, S3 keys, stop reasons, image tags, CLI
 * arguments) is printed: in a terminal, an error line or a log message. Control characters are
 * shown, not obeyed, so a config key holding ESC `[2J` cannot clear the screen, and the text is
 * bounded, saying where it was cut.
 *
 * Not for SNS subjects: a subject has its own, stricter rules (see kernel/notify/text.ts).
 */

/** Default bound, in UTF-16 units of the output: long enough for a path and a value, short enough for one line. */
export const PRINTABLE_MAX = 500;

/**
 * Characters that act on a terminal or reorder text instead of showing: C0 (with TAB, CR, LF: an
 * error is one line), DEL, C1, the bidi embeddings/overrides/isolates and marks, the line and
 * paragraph separators, and lone surrogates (not text at all).
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** True when `text` holds a character `printable` would escape. */
export const hasUnsafeCharacters = (text: string): boolean => new RegExp(UNSAFE.source).test(text);

const escapeOne = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `text` with every unsafe character written as a visible `\uXXXX` escape, cut to at most `max`
 * UTF-16 units; a cut text ends with `…[cut, N of M chars shown]`. Applying it twice changes nothing
 * more (the escapes are plain ASCII).
 */
export function printable(text: string, max = PRINTABLE_MAX): string {
  const escaped = text.replace(UNSAFE, escapeOne);
  if (escaped.length <= max) return escaped;
  const marker = (shown: number) => `…[cut, ${shown} of ${text.length} chars shown]`;
  // Reserve room for the marker, then cut on a whole input character so no escape or surrogate
  // pair is split.
  const room = Math.max(0, max - marker(text.length).length);
  let out = '';
  let shown = 0;
  for (const char of text) {
    const piece = char.replace(UNSAFE, escapeOne);
    if (out.length + piece.length > room) break;
    out += piece;
    shown += char.length;
  }
  return `${out}${marker(shown)}`.slice(0, max);
}
