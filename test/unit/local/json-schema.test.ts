import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../shared/config/schema.js';
import { readYamlFile } from '../../../shared/config/yaml.js';
import {
  CONFIG_JSON_SCHEMA_PATH,
  committedConfigJsonSchema,
  configJsonSchema,
  configJsonSchemaText,
} from '../../../local/json-schema.js';
import { projectRoot } from '../../../local/package.js';
import { maxScaleConfig } from '../../helpers/scale-config.js';

const EXAMPLES = ['config/example.yml', 'config/local.yml'];
const MODELINE = `# yaml-language-server: $schema=../${CONFIG_JSON_SCHEMA_PATH}`;

// strict: an unknown keyword or a type-less constraint in the generated schema is an error here.
// strictRequired is off for `not: { required: [...] }` (draft-07's way to say "not both"), whose
// names need not be declared in that subschema.
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(
  JSON.parse(committedConfigJsonSchema()) as object,
);

/** Where each JSON Schema error points, as a JSON pointer to the offending value or key. */
const pointers = (errors: ErrorObject[] | null | undefined): string[] =>
  (errors ?? []).map((error) => {
    const params = error.params as Record<string, unknown>;
    const key = params.additionalProperty ?? params.missingProperty ?? params.propertyName;
    return typeof key === 'string' ? `${error.instancePath}/${key}` : error.instancePath;
  });

const example = () => readYamlFile(join(projectRoot, 'config/example.yml'));

const REMOVE = Symbol('remove the field');

/** `config` with the value at `path` replaced (or removed); the path must exist up to its last key. */
function changed(config: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(config);
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], copy);
  expect(parent, `config/example.yml has ${path.slice(0, -1).join('.')}`).toBeTypeOf('object');
  const last = path.at(-1)!;
  if (value === REMOVE) {
    expect(Object.hasOwn(parent as object, last), `config/example.yml has ${path.join('.')}`).toBe(true);
    delete (parent as Record<string | number, unknown>)[last];
  } else (parent as Record<string | number, unknown>)[last] = value;
  return copy;
}

describe('Config JSON Schema', () => {
  it('is committed as npm run schema generates it from the zod schema (run `npm run schema` after changing a config schema)', async () => {
    // Assess
    expect(committedConfigJsonSchema()).toBe(await configJsonSchemaText());
  });

  it('rejects unknown keys wherever zod does: every object in it is closed', () => {
    // Prepare
    const open: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (!node || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      if (schema.type === 'object' && schema.properties && schema.additionalProperties !== false)
        open.push(at);
      for (const [key, value] of Object.entries(schema)) walk(value, `${at}/${key}`);
    };
    // Act
    walk(configJsonSchema(), '#');
    // Assess
    expect(open).toEqual([]);
  });

  it.each(EXAMPLES)('accepts %s, which names it in its yaml-language-server modeline', (path) => {
    // Prepare
    const text = readFileSync(join(projectRoot, path), 'utf8');
    const modeline = text.split('\n').find((line) => line.startsWith('# yaml-language-server:'));
    // Act
    const valid = validate(readYamlFile(join(projectRoot, path)));
    // Assess
    expect(pointers(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
    expect(modeline).toBe(MODELINE);
    const target = resolve(dirname(join(projectRoot, path)), modeline!.split('$schema=')[1]!);
    expect(target).toBe(join(projectRoot, CONFIG_JSON_SCHEMA_PATH));
  });

  it('accepts every config the tests package and the largest one the README promises (never stricter than zod)', () => {
    // Prepare
    const fixtures = readdirSync(join(projectRoot, 'test/integration/fixtures'))
      .filter((name) => name.endsWith('.yml'))
      .map((name) => [name, readYamlFile(join(projectRoot, 'test/integration/fixtures', name))] as const);
    // Act
    const refused = [...fixtures, ['max scale', maxScaleConfig()] as const].flatMap(([name, config]) => {
      expect(configSchema.safeParse(config).success, name).toBe(true);
      return validate(config) ? [] : [`${name}: ${pointers(validate.errors).join(', ')}`];
    });
    // Assess
    expect(refused).toEqual([]);
  });

  it.each<[string, (string | number)[], unknown]>([
    ['an unknown top-level key', ['logLevels'], 'INFO'],
    ['an unknown key in a task', ['uploads', 0, 'task', 'memroy'], 2048],
    [
      'an unknown key in a lifecycle policy rule',
      ['images', 'repositories', 0, 'policy', 'rules', 0, 'priority'],
      1,
    ],
    ['a wrong type', ['delivery', 'batchSize'], 'ten'],
    ['a list where an object goes', ['alarms'], ['oncall@example.com']],
    ['an out-of-range number', ['delivery', 'maxAttempts'], 51],
    ['a fraction where a whole number goes', ['scalers', 0, 'min'], 0.5],
    ['a bad enum value', ['logLevel'], 'VERBOSE'],
    ['a bad enum value in a list', ['alerts', 'notifyOn'], ['failure']],
    ['a log retention CloudWatch does not offer', ['logRetentionDays'], 31],
    ['a missing required field', ['uploads', 0, 'task', 'cluster'], REMOVE],
    ['a section without its required list', ['alerts', 'emails'], REMOVE],
    ['a pattern mismatch', ['uploads', 0, 'task', 'subnets'], ['subnet-x']],
    ['a schedule expression of no known form', ['schedules', 0, 'schedule'], 'every hour'],
    ['cpu without memory', ['uploads', 0, 'task', 'memory'], REMOVE],
    ['both launchType and capacityProviderStrategy', ['uploads', 0, 'task', 'launchType'], 'FARGATE'],
    ['a reserved stack tag key', ['tags'], { 'aws:team': 'x' }],
    ['a reserved task tag key', ['uploads', 0, 'task', 'tags'], { 'ecs-pilot:slot': 'x' }],
    ['the same alert address twice', ['alerts', 'emails'], ['a@example.com', 'a@example.com']],
  ])('refuses %s, like zod, at the field zod names', (_, path, value) => {
    // Prepare
    const config = changed(example(), path, value);
    // Act
    const valid = validate(config);
    const parsed = configSchema.safeParse(config);
    // Assess
    expect(valid).toBe(false);
    expect(parsed.success).toBe(false);
    const zodPointers = parsed.error!.issues.map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      return keys.map((key) => ['', ...issue.path, ...(key ? [key] : [])].join('/'));
    });
    // Each JSON Schema error is at (or above) a field zod reports.
    for (const pointer of pointers(validate.errors)) {
      expect(zodPointers.flat().some((zodPointer) => `${zodPointer}/`.startsWith(`${pointer}/`))).toBe(true);
    }
  });
});
