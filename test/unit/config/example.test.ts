import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, parseDocument, type Node } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../../local/json-schema.js';
import { projectRoot } from '../../../local/package.js';
import { checkDefaults, type SchemaNode } from '../../helpers/config-defaults.js';

const schema = configJsonSchema() as SchemaNode;
const document = () => parseDocument(readFileSync(join(projectRoot, 'config/example.yml'), 'utf8'));

describe('config/example.yml', () => {
  it('has every top-level section of the schema', () => {
    // Act
    const contents = document().contents;
    const sections = isMap(contents)
      ? contents.items.map((pair) => String((pair.key as { value: unknown }).value))
      : [];
    // Two sections are opt-in, so they are shown as comments: reservedConcurrency (it can fail a
    // first deploy) and encryption (its default is no key of the stack's own, which has no value to write).
    const text = readFileSync(join(projectRoot, 'config/example.yml'), 'utf8');
    const commented = ['reservedConcurrency', 'encryption'].filter((key) => text.includes(`\n# ${key}:`));
    // Assess
    expect([...sections, ...commented].sort()).toEqual(Object.keys(schema.properties!).sort());
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
