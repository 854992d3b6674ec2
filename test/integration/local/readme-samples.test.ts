import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSamples, runSample, sampleText } from '../../../local/readme-samples';
import { projectRoot } from '../../../local/package';

const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
const samples = findSamples(readme);

describe('README samples', () => {
  it.each(samples.map((sample) => [sample.command, sample] as const))(
    '`%s` prints what the README shows (run `npm run readme:samples` to refresh)',
    (_, sample) => {
      // Act
      const output = runSample(sample.command);
      // Assess
      expect(sample.text).toBe(sampleText(sample, output));
    },
  );

  it('marks every block that shows an ecs-pilot command and its output, so none goes unchecked', () => {
    // Prepare
    const lines = readme.split('\n');
    const markedBefore = (index: number) => {
      let at = index - 1;
      while (lines[at] === '') at -= 1;
      return lines[at]?.startsWith('<!-- sample: ') ?? false;
    };
    // Act
    const unmarked = lines.flatMap((line, index) =>
      /^```\w*$/.test(line) && lines[index + 1]?.startsWith('$ npx ecs-pilot ') && !markedBefore(index)
        ? [lines[index + 1]]
        : [],
    );
    // Assess
    expect(samples.length).toBeGreaterThanOrEqual(4);
    expect(unmarked).toEqual([]);
  });
});
