/**
 * `npm run readme:samples`: rewrites every README sample marked `<!-- sample: npx ecs-pilot … -->`
 * with what that command prints now; `-- --check` changes nothing and exits 1 when a sample differs
 * (a test does the same). The marker sits just before the fenced block; a block whose first
 * line is `$ <command>` keeps that line, followed by the output.
 *
 * Only commands that run offline and give the same output on every run can be samples: they run
 * with AWS pointed at a closed loopback port and no credentials, so an AWS call fails instead of
 * reaching an account.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from './package.js';

const MARKER = /^<!-- sample: (.+?) -->$/;
const CLI = 'npx ecs-pilot ';

/** One marked sample: the command, and the lines of its fenced block (fences excluded). */
export interface Sample {
  command: string;
  /** Line index of the first line inside the fence. */
  first: number;
  /** Line index of the closing fence. */
  end: number;
  /** Whether the block starts with `$ <command>`. */
  showsCommand: boolean;
  text: string;
}

/** The samples of a README; a marker not followed by a fenced block is an error. */
export function findSamples(readme: string): Sample[] {
  const lines = readme.split('\n');
  const samples: Sample[] = [];
  lines.forEach((line, index) => {
    const command = MARKER.exec(line)?.[1];
    if (command === undefined) return;
    if (!command.startsWith(CLI))
      throw new Error(`line ${index + 1}: a sample runs "${CLI}…", not "${command}"`);
    // Prettier puts a blank line between the marker and the block.
    let fence = index + 1;
    while (lines[fence] === '') fence += 1;
    if (!/^```\w*$/.test(lines[fence] ?? '')) {
      throw new Error(`line ${index + 1}: the sample marker must be followed by a fenced block`);
    }
    const end = lines.findIndex((candidate, at) => at > fence && candidate === '```');
    if (end < 0) throw new Error(`line ${fence + 1}: the sample's block is not closed`);
    const body = lines.slice(fence + 1, end);
    samples.push({
      command,
      first: fence + 1,
      end,
      showsCommand: body[0] === `$ ${command}`,
      text: body.join('\n'),
    });
  });
  return samples;
}

/** Splits a command line into words as a POSIX shell does for plain words and '…' or "…" quoting. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (const match of command.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\s+)|([^\s'"]+)/g)) {
    if (match[3] !== undefined) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + (match[1] ?? match[2]?.replace(/\\(.)/g, '$1') ?? match[4] ?? '');
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** What the sample's command prints (stdout, then stderr), run from the project root as a user would. */
export function runSample(command: string, root = projectRoot): string {
  const args = shellWords(command.slice(CLI.length));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TZ: 'UTC',
    NO_COLOR: '1',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  const run = spawnSync(process.execPath, [join(root, 'bin/ecs-pilot.mjs'), ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.error) throw run.error;
  return `${run.stdout}${run.stderr}`.replace(/\s+$/, '');
}

/** The block's text for this output. */
export const sampleText = (sample: Sample, output: string): string =>
  sample.showsCommand ? `$ ${sample.command}\n${output}` : output;

/** The README with every sample replaced by its command's current output, and which samples changed. */
export function refreshSamples(
  readme: string,
  run: (command: string) => string = (command) => runSample(command),
): { readme: string; changed: { command: string; expected: string; actual: string }[] } {
  const lines = readme.split('\n');
  const changed: { command: string; expected: string; actual: string }[] = [];
  // Last first, so the line indexes of the earlier samples stay valid.
  for (const sample of findSamples(readme).reverse()) {
    const actual = sampleText(sample, run(sample.command));
    if (actual === sample.text) continue;
    changed.unshift({ command: sample.command, expected: sample.text, actual });
    lines.splice(sample.first, sample.end - sample.first, ...actual.split('\n'));
  }
  return { readme: lines.join('\n'), changed };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const path = join(projectRoot, 'README.md');
  const check = process.argv.includes('--check');
  const { readme, changed } = refreshSamples(readFileSync(path, 'utf8'));
  for (const { command } of changed) console.log(`${check ? 'differs' : 'updated'}: ${command}`);
  if (!check && changed.length > 0) writeFileSync(path, readme);
  if (changed.length === 0)
    console.log(`README samples match their commands (${findSamples(readme).length})`);
  process.exitCode = check && changed.length > 0 ? 1 : 0;
}
