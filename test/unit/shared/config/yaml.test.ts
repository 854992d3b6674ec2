import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText, parseYaml, readYamlFile } from '../../../../shared/config/yaml';
import { ConfigError } from '../../../../shared/kernel/errors';

const repoFile = (path: string) => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));

const TRIGGER = `
uploads:
  - name: thumbnails
    bucket: media-ingest
    prefix: incoming/
    suffix: .jpg
    task:
      cluster: media
      taskDefinition: thumbnailer
      container: app
      subnets: [subnet-0123abcd]
      securityGroups: [sg-0123abcd]
      environment: { INPUT_KEY: '{key}' }
`;

/** The ConfigError a call throws; fails the test when it throws nothing or something else. */
function configErrorOf(act: () => unknown): ConfigError {
  try {
    act();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('Function: parseConfigText', () => {
  it('parses and validates YAML, applying defaults', () => {
    // Act
    const config = parseConfigText(TRIGGER);

    // Assess
    expect(config.region).toBe('us-east-1');
    expect(config.delivery).toEqual({
      maxConcurrency: 2,
      batchSize: 10,
      maxAttempts: 8,
      retryBaseSeconds: 10,
      maxLaunchesPerSecond: 20,
    });
    expect(config.uploads).toHaveLength(1);
    expect(config.uploads[0]).toMatchObject({
      name: 'thumbnails',
      prefix: 'incoming/',
      suffix: '.jpg',
      task: { assignPublicIp: 'DISABLED', platformVersion: 'LATEST', environment: { INPUT_KEY: '{key}' } },
    });
  });

  it.each([
    ['empty text', ''],
    ['only comments', '# nothing configured yet\n'],
    ['an explicit null document', '~\n'],
  ])('gives the default config for %s', (_label, text) => {
    expect(parseConfigText(text)).toEqual({
      region: 'us-east-1',
      logLevel: 'INFO',
      delivery: {
        maxConcurrency: 2,
        batchSize: 10,
        maxAttempts: 8,
        retryBaseSeconds: 10,
        maxLaunchesPerSecond: 20,
      },
      uploads: [],
      schedules: [],
      scalers: [],
      alarms: { enabled: true, emails: [] },
      logRetentionDays: 30,
      pointInTimeRecovery: true,
      tags: {},
    });
  });

  it('reports a YAML syntax error with a YAML: prefix and its line', () => {
    // Act
    const error = configErrorOf(() => parseConfigText('region: eu-west-1\nuploads: [\n', 'config/prod.yml'));

    // Assess
    expect(error.source).toBe('config/prod.yml');
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues) expect(issue).toMatch(/^YAML: .* at line \d+, column \d+/);
    expect(error.message).toMatch(/^Invalid ecs-pilot config config\/prod\.yml:\n {2}- YAML: /);
  });

  it('keeps each YAML issue on one line', () => {
    const error = configErrorOf(() => parseConfigText('a: [\n'));

    for (const issue of error.issues) expect(issue).not.toContain('\n');
  });

  it.each([
    ['at the root', 'region: eu-west-1\nregion: us-east-1\n'],
    ['inside a task', TRIGGER.replace('container: app', 'container: app\n      container: other')],
    ['in a flow mapping', 'delivery: { batchSize: 1, batchSize: 2 }\n'],
  ])('rejects duplicate keys %s instead of keeping the last one', (_label, text) => {
    const error = configErrorOf(() => parseConfigText(text));

    expect(error.issues).toEqual([expect.stringMatching(/^YAML: Map keys must be unique/)]);
  });

  it('rejects tabs used for indentation', () => {
    const error = configErrorOf(() => parseConfigText('delivery:\n\tbatchSize: 1\n'));

    expect(error.issues[0]).toMatch(/^YAML: /);
  });

  it('rejects a file holding several YAML documents', () => {
    const error = configErrorOf(() => parseConfigText('region: eu-west-1\n---\nregion: us-east-1\n'));

    expect(error.issues).toEqual([expect.stringMatching(/^YAML: Source contains multiple documents/)]);
  });

  it.each([
    ['a list', '- region: eu-west-1\n', '(root): expected object, got array'],
    ['a string', 'just some words\n', '(root): expected object, got string'],
    ['a number', '42\n', '(root): expected object, got number'],
  ])('rejects a document that is %s', (_label, text, expected) => {
    expect(configErrorOf(() => parseConfigText(text)).issues).toEqual([expected]);
  });

  it('reports validation errors after parsing with the field path', () => {
    const text = TRIGGER.replace('subnets: [subnet-0123abcd]', 'subnets: [subnet-nope]');

    expect(configErrorOf(() => parseConfigText(text, 'x.yml')).issues).toEqual([
      'uploads[0].task.subnets[0]: a subnet id like subnet-0123abcd',
    ]);
  });

  it('reads yes, no, on and off as strings (YAML 1.2), so a trigger named "no" stays a name', () => {
    const text = TRIGGER.replace('name: thumbnails', 'name: no').replace('container: app', 'container: on');

    const config = parseConfigText(text);

    expect(config.uploads[0]?.name).toBe('no');
    expect(config.uploads[0]?.task.container).toBe('on');
  });

  it('reports a quoted number where a number is expected as a type error', () => {
    expect(configErrorOf(() => parseConfigText("delivery: { batchSize: '10' }\n")).issues).toEqual([
      'delivery.batchSize: expected number, got string',
    ]);
  });

  it('resolves anchors and aliases within the alias limit', () => {
    // Prepare: two triggers sharing one task through an anchor.
    const text = `
uploads:
  - name: small
    bucket: media-ingest
    maxSize: 1024
    task: &task
      cluster: media
      taskDefinition: thumbnailer
      container: app
      subnets: [subnet-0123abcd]
      securityGroups: [sg-0123abcd]
  - name: large
    bucket: media-ingest
    minSize: 1025
    task: *task
`;

    // Act
    const config = parseConfigText(text);

    // Assess
    expect(config.uploads.map((t) => t.name)).toEqual(['small', 'large']);
    expect(config.uploads[1]?.task).toEqual(config.uploads[0]?.task);
  });

  it('rejects a __proto__ key at the root as not allowed without polluting Object.prototype', () => {
    // Act
    const error = configErrorOf(() => parseConfigText('__proto__:\n  polluted: true\nregion: eu-west-1\n'));

    // Assess
    expect(error.issues).toEqual(['__proto__: key "__proto__" is not allowed']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('rejects a __proto__ key inside a task as not allowed at its path', () => {
    const text = TRIGGER.replace('container: app', 'container: app\n      __proto__: { polluted: true }');

    const error = configErrorOf(() => parseConfigText(text));

    expect(error.issues).toEqual(['uploads[0].task.__proto__: key "__proto__" is not allowed']);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('rejects a huge environment value read from YAML', () => {
    const text = TRIGGER.replace("INPUT_KEY: '{key}'", `HUGE: '${'x'.repeat(5000)}'`);

    expect(configErrorOf(() => parseConfigText(text)).issues).toEqual([
      'uploads[0].task.environment.HUGE: at most 4096 characters',
    ]);
  });
});

describe('Function: parseYaml', () => {
  it('returns plain data without validating it', () => {
    expect(parseYaml('anything: [1, two]\n')).toEqual({ anything: [1, 'two'] });
  });

  it('names the source in its errors', () => {
    expect(configErrorOf(() => parseYaml('a: [', 'stage.yml')).source).toBe('stage.yml');
  });
});

describe('Function: loadConfigFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecs-pilot-yaml-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads and validates a YAML file', () => {
    const file = join(dir, 'prod.yml');
    writeFileSync(file, TRIGGER);

    expect(loadConfigFile(file).uploads.map((t) => t.name)).toEqual(['thumbnails']);
  });

  it('reports a missing file as a ConfigError mentioning ENOENT and naming the file', () => {
    const file = join(dir, 'missing.yml');

    const error = configErrorOf(() => loadConfigFile(file));

    expect(error.source).toBe(file);
    expect(error.issues).toEqual(['cannot read the file (ENOENT)']);
    expect(error.message).toContain(file);
  });

  it('reports a directory as a ConfigError mentioning EISDIR', () => {
    expect(configErrorOf(() => loadConfigFile(dir)).issues).toEqual(['cannot read the file (EISDIR)']);
  });

  it('names the file in validation errors', () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'region: moon-base-1a\n');

    const error = configErrorOf(() => loadConfigFile(file));

    expect(error.source).toBe(file);
    expect(error.issues).toEqual(['region: an AWS region like eu-west-1']);
  });

  it('validates config/local.yml from the repository', () => {
    // Act
    const config = loadConfigFile(repoFile('config/local.yml'));

    // Assess
    expect(config.region).toBe('us-east-1');
    expect(config.delivery).toEqual({
      maxConcurrency: 2,
      batchSize: 10,
      maxAttempts: 3,
      retryBaseSeconds: 1,
      maxLaunchesPerSecond: 20,
    });
    expect(config.uploads.map((t) => t.name)).toEqual(['thumbnails', 'transcode', 'contact-sheets']);
    expect(config.uploads[2]?.batch).toEqual({ maxObjects: 10, maxWaitSeconds: 2 });
    expect(config.uploads[0]?.task.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 },
    ]);
    expect(config.uploads[1]?.task.launchType).toBe('FARGATE');
    expect(config.uploads[1]?.task.command).toEqual(['transcode', '--input', 's3://{bucket}/{key}']);
  });

  it('validates config/example.yml from the repository', () => {
    // Act
    const config = loadConfigFile(repoFile('config/example.yml'));

    // Assess
    expect(config.region).toBe('eu-west-1');
    expect(config.uploads).toHaveLength(1);
    expect(config.uploads[0]).toMatchObject({
      name: 'thumbnails',
      bucket: 'media-ingest',
      prefix: 'incoming/',
      suffix: '.jpg',
      maxSize: 104857600,
      task: {
        roles: { task: 'thumbnailer-task', execution: 'ecsTaskExecutionRole' },
        tags: { team: 'media' },
        maxRunning: 50,
      },
    });
  });
});

describe('Function: readYamlFile', () => {
  it('returns the raw data of config/local.yml without defaults', () => {
    const raw = readYamlFile(repoFile('config/local.yml')) as { uploads: Record<string, unknown>[] };

    expect(raw.uploads[1]?.task).not.toHaveProperty('assignPublicIp');
    expect(raw.uploads[1]?.task).not.toHaveProperty('platformVersion');
  });
});

describe('Function: parseYaml (alias errors)', () => {
  it('reports an unresolved alias as a YAML config error', () => {
    const error = configErrorOf(() => parseYaml('a: *nope\n'));

    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^YAML: Unresolved alias/);
  });

  it('refuses an alias bomb as a YAML config error instead of expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i++)
      levels.push(
        `${'abcdef'[i]}: &${'abcdef'[i]} [${Array(10)
          .fill(`*${'abcdef'[i - 1]}`)
          .join(', ')}]`,
      );

    const error = configErrorOf(() => parseYaml(`${levels.join('\n')}\n`));

    expect(error.issues[0]).toMatch(/^YAML: Excessive alias count/);
  });
});
