import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, errorMessage } from '../shared/kernel/errors.js';
import { printable } from '../shared/kernel/text/escape.js';
import { loadConfigFile } from '../shared/config/yaml.js';
import { deployableStack } from '../shared/deploy/stack.js';
import { verdictLines } from '../shared/config/load.js';
import { describeUploadTrigger } from '../shared/uploads/describe.js';
import { describeSchedule } from '../shared/schedules/describe.js';
import { schedule } from './commands/schedule.js';
import { scaling } from './commands/scaling.js';
import { alert } from './commands/alert.js';
import { lifecycle } from './commands/lifecycle.js';
import { images } from './commands/images.js';
import { describeAlerts } from '../shared/alerts/describe.js';
import { describeImages } from '../shared/images/describe.js';
import { describeScaler } from '../shared/scaling/describe.js';
import { configWarnings } from '../shared/config/warnings.js';

const HELP = `Usage: ecs-pilot <command> [options]

Commands:
  validate <file>    Check a config file; prints "valid" and one line per automation, or every error.
  schedule next      The next run times of a schedule, in its time zone and UTC (schedule --help).
  scaling simulate   Replay a queue trace against ecs-pilot's scaling policy and reference policies.
  alert render <file>  Print the email a stopped-task event would send, or why it is ignored (alert --help).
  lifecycle preview  Preview an ECR lifecycle policy over DescribeImages output, offline (lifecycle --help).
  images generate    Print an "images" config section from the account's repositories and clusters (images --help).
  images scan        Write this account's images in use as a scan file, for other accounts' runs (images --help).

Options:
  -h, --help         Show this help.`;

type Out = { log: (line: string) => void; error: (line: string) => void };

/** The stage a config file is for (config/prod.yml is "prod"), for the names the stack would have. */
const stageOf = (file: string) => {
  const name = basename(file).replace(/\.ya?ml$/i, '');
  return /^[a-z][a-z0-9-]{0,19}$/.test(name) ? name : 'dev';
};

/** Longest line the CLI prints; outside text (a key, a stop reason, a file name) is cut beyond it. */
const LINE_MAX = 2000;

/**
 * Every line the CLI prints goes through `printable`: commands echo outside text (config keys and
 * values, file names, stop reasons, image tags), and a terminal must show it, not obey it.
 */
const terminalSafe = (out: Out): Out => {
  const lines = (text: string) =>
    String(text)
      .split('\n')
      .map((line) => printable(line, LINE_MAX));
  return {
    log: (text) => lines(text).forEach((line) => out.log(line)),
    error: (text) => lines(text).forEach((line) => out.error(line)),
  };
};

const VALIDATE_HELP = `Usage: ecs-pilot validate <file>

Checks a config file as packaging and cold start do. Prints "valid" and one line per automation,
or "invalid" and every error with its field path. Exit code 0 when valid, 1 when not.`;

function validate(args: string[], out: Out): number {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    out.log(VALIDATE_HELP);
    return 0;
  }
  const [file] = positionals;
  if (!file || positionals.length > 1) {
    out.error(VALIDATE_HELP);
    return 2;
  }
  try {
    const config = loadConfigFile(file);
    // What only the whole stack shows (IAM policy sizes, resource counts), as packaging checks it.
    deployableStack(config, { service: 'ecs-pilot', stage: stageOf(file), configFile: file }, file);
    out.log(`valid: ${file}`);
    const lines = [
      ...config.uploads.map(describeUploadTrigger),
      ...config.schedules.map((s) => describeSchedule(s)),
      ...(config.alerts ? [describeAlerts(config.alerts)] : []),
      ...config.scalers.map(describeScaler),
      ...(config.images ? [describeImages(config.images)] : []),
    ];
    for (const line of lines) out.log(`  ${line}`);
    if (lines.length === 0) out.log('  (no automations configured)');
    for (const warning of configWarnings(config)) out.error(`warning: ${warning}`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const line of verdictLines(error)) out.error(line);
      return 1;
    }
    out.error(errorMessage(error));
    return 1;
  }
}

const COMMANDS: Record<string, (args: string[], out: Out) => number | Promise<number>> = {
  validate,
  schedule,
  scaling,
  alert,
  lifecycle,
  images,
};

/** Runs the CLI; returns the exit code (0 ok, 1 failed check, 2 usage error). */
export async function main(
  argv: string[],
  rawOut: Out = { log: console.log, error: console.error },
): Promise<number> {
  const out = terminalSafe(rawOut);
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    out.log(HELP);
    return command ? 0 : 2;
  }
  // Own keys only: `toString` or `__proto__` must be unknown commands, not Object.prototype's members.
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) {
    out.error(`Unknown command "${command}".\n\n${HELP}`);
    return 2;
  }
  try {
    return await run(rest, out);
  } catch (error) {
    out.error(errorMessage(error));
    return 2;
  }
}
