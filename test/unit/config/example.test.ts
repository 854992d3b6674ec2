import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, parse, parseDocument, type Node } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../../local/json-schema.js';
import { projectRoot } from '../../../local/package.js';

/** A JSON Schema node, as far as defaults are concerned. */
interface SchemaNode {
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

interface Finding {
  path: string;
  problem: string;
}

/**
 * Walks the example alongside the schema (generated from zod, so its defaults are zod's): every
 * setting with a plain default must be written, at that default or with a comment stating it.
 */
function checkDefaults(node: Node | null | undefined, schema: SchemaNode, path: string): Finding[] {
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

const schema = configJsonSchema() as SchemaNode;
const document = () => parseDocument(readFileSync(join(projectRoot, 'config/example.yml'), 'utf8'));

describe('config/example.yml', () => {
  it('has every top-level section of the schema', () => {
    // Act
    const contents = document().contents;
    const sections = isMap(contents)
      ? contents.items.map((pair) => String((pair.key as { value: unknown }).value))
      : [];
    // reservedConcurrency is opt-in with a warning (it can fail a first deploy), so it is shown as a comment.
    const commented = readFileSync(join(projectRoot, 'config/example.yml'), 'utf8').includes(
      '\n# reservedConcurrency:',
    );
    // Assess
    expect([...sections, ...(commented ? ['reservedConcurrency'] : [])].sort()).toEqual(
      Object.keys(schema.properties!).sort(),
    );
  });

  it("writes every setting that has a default at the schema's default, or says its default in a comment", () => {
    // Act
    const findings = checkDefaults(document().contents as Node, schema, '');
    // Assess
    expect(findings).toEqual([]);
  });

  it.each([
    [
      'a default changed without a comment',
      'retryBaseSeconds: 10',
      'retryBaseSeconds: 11',
      'delivery.retryBaseSeconds',
    ],
    [
      'a comment stating a wrong default',
      'region: eu-west-1 # default: us-east-1',
      'region: eu-west-1 # default: eu-west-1',
      'region',
    ],
    ['a setting with a default left out', '    countDelayed: false\n', '', 'scalers[0].countDelayed'],
    [
      'a default in a list of objects',
      'weight: 1, base: 0',
      'weight: 2, base: 0',
      'uploads[0].task.capacityProviderStrategy[0].weight',
    ],
  ])('reports %s', (_, from, to, path) => {
    // Prepare
    const text = readFileSync(join(projectRoot, 'config/example.yml'), 'utf8');
    expect(text).toContain(from);
    // Act
    const findings = checkDefaults(parseDocument(text.replace(from, to)).contents as Node, schema, '');
    // Assess
    expect(findings.map((finding) => finding.path)).toEqual([path]);
  });
});
