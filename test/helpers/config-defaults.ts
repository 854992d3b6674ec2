import { isMap, isSeq, parse, type Node } from 'yaml';

/**
 * Holds a YAML config, or a fragment of one shown in the README, to the schema's defaults: every
 * setting with a plain default (a value or a list of values) must be written at that default, or
 * with a comment saying `default: <value>` (up to a `;` or the end of the comment). The schema is the
 * JSON Schema generated from zod, so its defaults are zod's.
 */

/** A JSON Schema node, as far as defaults are concerned. */
export interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  default?: unknown;
}

const isScalarValue = (value: unknown) => value === null || typeof value !== 'object';
/** Defaults a reader can compare at a glance: a value, or a list of values (lists of objects and objects are walked into). */
const plainDefault = (schema: SchemaNode): boolean =>
  'default' in schema &&
  (isScalarValue(schema.default) ||
    (Array.isArray(schema.default) && !schema.items?.properties && schema.default.every(isScalarValue)));

/** The `default: …` a setting's comment states, parsed as YAML, if it states one. */
function statedDefault(comment: string | null | undefined): { value: unknown } | undefined {
  const match = /(?:^|\s)default: ([^;]+)/.exec(comment ?? '');
  return match ? { value: parse(match[1]!.trim()) as unknown } : undefined;
}

export interface Finding {
  path: string;
  problem: string;
}

/**
 * Walks a YAML config alongside the schema: every setting with a plain default must be written, at
 * that default or with a comment stating it. An object written as `{ ... }` is a placeholder
 * (the README's `task: { ... }`) and is not looked into.
 */
export function checkDefaults(node: Node | null | undefined, schema: SchemaNode, path: string): Finding[] {
  if (isSeq(node) && schema.items) {
    return node.items.flatMap((item, index) =>
      checkDefaults(item as Node, schema.items!, `${path}[${index}]`),
    );
  }
  if (!isMap(node) || !schema.properties) return [];
  const findings: Finding[] = [];
  const written = new Map(
    node.items.map((pair) => [String((pair.key as { value: unknown }).value), pair.value]),
  );
  if (written.has('...')) return [];
  for (const [key, property] of Object.entries(schema.properties)) {
    const at = path ? `${path}.${key}` : key;
    const value = written.get(key) as Node | null | undefined;
    if (value === undefined) {
      if (plainDefault(property))
        findings.push({ path: at, problem: `missing; its default is ${JSON.stringify(property.default)}` });
      continue;
    }
    if (plainDefault(property)) {
      const actual = value === null ? null : (value.toJSON() as unknown);
      const stated = statedDefault(value?.comment);
      if (stated && JSON.stringify(stated.value) !== JSON.stringify(property.default)) {
        findings.push({
          path: at,
          problem: `comment says default ${JSON.stringify(stated.value)}, the schema's is ${JSON.stringify(property.default)}`,
        });
      } else if (!stated && JSON.stringify(actual) !== JSON.stringify(property.default)) {
        findings.push({
          path: at,
          problem: `${JSON.stringify(actual)} is not the default ${JSON.stringify(property.default)} and no comment says "default: …"`,
        });
      }
    }
    findings.push(...checkDefaults(value, property, at));
  }
  return findings;
}
