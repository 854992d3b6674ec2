import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from '../kernel/errors.js';
import { judgeConfig, parseConfig } from './load.js';
import type { Config } from './schema.js';

/** Parses YAML text to plain data; syntax errors become a ConfigError with their line. */
export function parseYaml(text: string, source = 'config'): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`),
    );
  }
  try {
    // Alias problems (unresolved, or an alias bomb over 100 expansions) surface only here.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(source, [`YAML: ${error instanceof Error ? error.message : String(error)}`]);
  }
}

/** Reads a YAML config file to plain data (not yet validated). */
export function readYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    ]);
  }
  return parseYaml(text, path);
}

/** Reads and judges a YAML config file, as `sls package` and cold start do (see judgeConfig). */
export function loadConfigFile(path: string): Config {
  return judgeConfig(readYamlFile(path), path);
}

/** Validates YAML text. */
export function parseConfigText(text: string, source = 'config'): Config {
  return parseConfig(parseYaml(text, source), source);
}
