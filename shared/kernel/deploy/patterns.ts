/** EventBridge's limit on an event pattern. */
export const MAX_PATTERN_CHARS = 2048;
/** EventBridge's limit on a rule description. */
export const MAX_DESCRIPTION_CHARS = 512;

/**
 * A pattern's size as AWS may count it: UTF-8 bytes (never fewer than characters) of the JSON with
 * a space after every `:` and `,` (CloudFormation's serialisation of the template's object is not
 * specified; this is the roomier of the usual two). An `Fn::Sub` counts as the string it becomes,
 * with the longest partition (`aws-us-gov`), a 20-character region and a 12-digit account.
 */
export function patternSize(pattern: unknown): number {
  const spaced = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(spaced).join(', ')}]`;
    if (value && typeof value === 'object') {
      const sub = (value as Record<string, unknown>)['Fn::Sub'];
      if (typeof sub === 'string') {
        return JSON.stringify(
          sub
            .replaceAll('${AWS::Partition}', 'aws-us-gov')
            .replaceAll('${AWS::Region}', 'x'.repeat(20))
            .replaceAll('${AWS::AccountId}', '0'.repeat(12)),
        );
      }
      return `{${Object.entries(value)
        .map(([k, v]) => `${JSON.stringify(k)}: ${spaced(v)}`)
        .join(', ')}}`;
    }
    return JSON.stringify(value);
  };
  return Buffer.byteLength(spaced(pattern), 'utf8');
}
