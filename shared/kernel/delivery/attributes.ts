/**
 * SQS message attributes as AWS accepts them. A value may hold only #x9 | #xA | #xD | #x20-#xD7FF |
 * #xE000-#xFFFD | #x10000-#x10FFFF (a lone surrogate is refused too), and a message carries at most
 * 10 attributes. One refused character fails the whole SendMessage, so a dead-letter entry for a key
 * holding a control character would be lost: values are sanitised here, and the original strings
 * stay in the message body (JSON, where such characters are escaped).
 */

/** Most attributes SQS accepts on one message. */
export const MAX_MESSAGE_ATTRIBUTES = 10;

/** Longest attribute value kept, in characters: the body holds the full text. */
export const MAX_ATTRIBUTE_CHARS = 4096;

/**
 * Every character SQS refuses (and every lone surrogate) → U+FFFD; then clipped to `max` characters
 * with an ellipsis, never splitting a surrogate pair.
 */
export function sanitizeAttributeValue(value: string, max = MAX_ATTRIBUTE_CHARS): string {
  const clean = value.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
  const chars = Array.from(clean);
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('')}…`;
}

/** Attributes kept before any other when a message would carry more than 10. */
const FIRST = ['ecs-pilot-reason', 'ecs-pilot-attempts', 'ecs-pilot-failed-at', 'ecs-pilot-deferrals'];

/**
 * The attributes to send: empty values left out, values sanitised, at most 10 — the reason,
 * attempts, failure time and deferrals first, then the others in the order given.
 */
export function boundedAttributes(values: Record<string, string>): [string, string][] {
  const rank = (name: string) => (FIRST.includes(name) ? FIRST.indexOf(name) : FIRST.length);
  return Object.entries(values)
    .filter(([, value]) => value !== '')
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => rank(a.entry[0]) - rank(b.entry[0]) || a.index - b.index)
    .map(({ entry }) => entry)
    .slice(0, MAX_MESSAGE_ATTRIBUTES)
    .map(([name, value]) => [name, sanitizeAttributeValue(value)]);
}
