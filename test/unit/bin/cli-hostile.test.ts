import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli';

/** What a terminal would receive: every line the CLI printed, on either stream. */
async function run(...argv: string[]) {
  const lines: string[] = [];
  const code = await main(argv, { log: (l) => lines.push(l), error: (l) => lines.push(l) });
  return { code, text: lines.join('\n') };
}

const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'ecs-pilot-cli-')), 'config.yml');
  writeFileSync(path, text);
  return path;
};

// Anything the terminal would obey rather than show (C0 but the line breaks the CLI itself writes, C1, bidi).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('Command: ecs-pilot, on hostile text (issue 18)', () => {
  it('shows an ANSI escape in a config key as \\u001b instead of clearing the screen', async () => {
    const bad = file('"\\e[2J\\e[31mevil": 1\nschedules: []\n');

    const { code, text } = await run('validate', bad);

    expect(code).toBe(1);
    expect(text).not.toMatch(CONTROL);
    expect(text).toContain('\\u001b[2J\\u001b[31mevil: unknown key');
  });

  it('shows a control character in an environment variable name escaped', async () => {
    const bad = file(
      [
        'uploads:',
        '  - name: a',
        '    bucket: media-ingest',
        '    task:',
        '      cluster: c',
        '      taskDefinition: t',
        '      container: app',
        '      subnets: [subnet-0123456789abcdef0]',
        '      securityGroups: [sg-0123456789abcdef0]',
        '      environment: { "A\\u0007\\u009b\\u202eB": x }',
        '',
      ].join('\n'),
    );

    const { code, text } = await run('validate', bad);

    expect(code).toBe(1);
    expect(text).not.toMatch(CONTROL);
    expect(text).toContain('A\\u0007\\u009b\\u202eB');
  });

  it('escapes a hostile command name in its usage error', async () => {
    const { code, text } = await run('\u001b[2Jboom');

    expect(code).toBe(2);
    expect(text).not.toMatch(CONTROL);
    expect(text).toContain('Unknown command "\\u001b[2Jboom"');
  });

  it('escapes a hostile file name in its error', async () => {
    const { code, text } = await run('validate', '/nonexistent/\u001b]0;pwned\u0007.yml');

    expect(code).toBe(1);
    expect(text).not.toMatch(CONTROL);
    expect(text).toContain('\\u001b]0;pwned\\u0007.yml');
  });
});
