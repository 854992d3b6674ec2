import { describe, expect, it } from 'vitest';
import { findSamples, refreshSamples, shellWords } from '../../../local/readme-samples.js';

const README = [
  '# Title',
  '',
  '<!-- sample: npx ecs-pilot schedule next --count 2 -->',
  '```',
  '$ npx ecs-pilot schedule next --count 2',
  'old line',
  '```',
  '',
  'Prose.',
  '',
  '<!-- sample: npx ecs-pilot alert render events/x.json -->',
  '',
  '```',
  'Subject: old',
  '…',
  '```',
  '',
].join('\n');

describe('Function: findSamples', () => {
  it('finds each marked block with its command, and whether it shows the command', () => {
    // Act
    const samples = findSamples(README);
    // Assess
    expect(samples.map(({ command, showsCommand, text }) => ({ command, showsCommand, text }))).toEqual([
      {
        command: 'npx ecs-pilot schedule next --count 2',
        showsCommand: true,
        text: '$ npx ecs-pilot schedule next --count 2\nold line',
      },
      { command: 'npx ecs-pilot alert render events/x.json', showsCommand: false, text: 'Subject: old\n…' },
    ]);
  });

  it.each([
    [
      'a marker without a block after it',
      '<!-- sample: npx ecs-pilot validate x.yml -->\nprose',
      /must be followed by a fenced block/,
    ],
    ['a block never closed', '<!-- sample: npx ecs-pilot validate x.yml -->\n```\nvalid', /not closed/],
    [
      'a command other than ecs-pilot',
      '<!-- sample: rm -rf / -->\n```\n```',
      /a sample runs "npx ecs-pilot …"/,
    ],
  ])('refuses %s', (_, readme, message) => {
    // Act / Assess
    expect(() => findSamples(readme)).toThrow(message);
  });
});

describe('Function: refreshSamples', () => {
  it('replaces each stale block with its command output and reports it; the rest of the file is kept', () => {
    // Prepare
    const outputs: Record<string, string> = {
      'npx ecs-pilot schedule next --count 2': 'first\nsecond',
      'npx ecs-pilot alert render events/x.json': 'Subject: new',
    };
    // Act
    const { readme, changed } = refreshSamples(README, (command) => outputs[command]!);
    // Assess
    expect(changed.map((c) => c.command)).toEqual(Object.keys(outputs));
    expect(readme).toBe(
      README.replace('old line', 'first\nsecond').replace('Subject: old\n…', 'Subject: new'),
    );
    expect(refreshSamples(readme, (command) => outputs[command]!).changed).toEqual([]);
  });
});

describe('Function: shellWords', () => {
  it.each([
    [
      "schedule next --expression 'cron(30 2 * * ? *)' --count 3",
      ['schedule', 'next', '--expression', 'cron(30 2 * * ? *)', '--count', '3'],
    ],
    ['validate "a b.yml"', ['validate', 'a b.yml']],
    ["x  --a='1 2'3", ['x', '--a=1 23']],
    ['say "a \\"quoted\\" word"', ['say', 'a "quoted" word']],
  ])('splits %s as a shell does', (command, words) => {
    // Act / Assess
    expect(shellWords(command)).toEqual(words);
  });
});
