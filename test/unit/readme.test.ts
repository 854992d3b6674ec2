import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMap, parseDocument, type Node } from 'yaml';
import { configJsonSchema } from '../../local/json-schema.js';
import { projectRoot } from '../../local/package.js';
import { checkDefaults, type SchemaNode } from '../helpers/config-defaults.js';

const schema = configJsonSchema() as SchemaNode;
const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');

/** The README's YAML blocks that show config sections, with the sections they show. */
const configBlocks = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].flatMap((match) => {
  const line = readme.slice(0, match.index).split('\n').length;
  const document = parseDocument(match[1]!);
  const contents = document.contents as Node | null;
  if (!isMap(contents)) return [];
  const sections = contents.items.map((pair) => String((pair.key as { value: unknown }).value));
  if (!sections.every((section) => Object.hasOwn(schema.properties!, section))) return [];
  return [{ line, sections, contents }];
});

const section = (path: string) => /^[^.[]+/.exec(path)![0];

describe('README config sections', () => {
  it('include schedules, alerts, images, scalers, uploads and the shared settings', () => {
    // Act
    const shown = new Set(configBlocks.flatMap((block) => block.sections));
    // Assess
    for (const name of ['schedules', 'alerts', 'images', 'scalers', 'uploads', 'delivery', 'alarms']) {
      expect(shown.has(name), name).toBe(true);
    }
  });

  it.each(configBlocks.map((block) => [block.line, block.sections.join(', '), block] as const))(
    "the block at line %i (%s) shows every default as the schema's, or says it in a comment",
    (_, __, block) => {
      // Act: only the sections the block shows (a block shows a part of the config).
      const findings = checkDefaults(block.contents, schema, '').filter((finding) =>
        block.sections.includes(section(finding.path)),
      );
      // Assess
      expect(findings).toEqual([]);
    },
  );
});
