import { readFileSync } from 'node:fs';
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
import {
  configSource,
  stageFileProblem,
  stageOfFile,
  stagesIn,
  CONFIG_DIR,
} from '../shared/config/stages.js';
import { didYouMean } from '../shared/kernel/text/suggest.js';
import { dlq } from './commands/dlq.js';
import { status } from './commands/status.js';
import { STAGE_OPTIONS } from './stage.js';
import { commandArgs } from './args.js';

const HELP = `Usage: ecs-pilot <command> [options]

Commands:
  validate [file]    Check a config file (or --stage S's, or every config/*.yml); "valid" and one
                     line per automation, or every error.
  schedule next      The next run times of one schedule or all, in their time zone and UTC.
  schedule run NAME  Run one slot of a deployed schedule now, through its overlap policy.
  scaling simulate   Replay a queue trace against ecs-pilot's scaling policy and reference policies.
  alert render <file>  Print the email a stopped-task event would send, or why it is ignored.
  lifecycle preview  Preview an ECR lifecycle policy over DescribeImages output or a repository.
  images plan        Scan what is in use, then plan deletions with a reason per image (read-only).
  images generate    Print an "images" config section from the account's repositories and clusters.
  images scan        Write a scan of the images in use here, for another account's protection.
  dlq list|redrive   What is in each dead-letter queue and why; move it back once fixed.
  status             Dead-letter queue depths, next schedule runs and scaler state of a stage.

Every command takes --help. Commands that read a config or the account take --stage S
(config/S.yml and its region; ECS_PILOT_CONFIG, when set, wins) or --config FILE.

Options:
  -h, --help         Show this help.
  --version          Print the version.`;

type Out = { log: (line: string) => void; error: (line: string) => void };

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

const VALIDATE_HELP = `Usage: ecs-pilot validate [<file> | --stage S]

Checks a config file as packaging and cold start do: the file given, the stage's config/S.yml, or
without either every config/*.yml (ECS_PILOT_CONFIG, when set, is the one file checked). Prints
"valid" and one line per automation, or "invalid" and every error with its field path.
Exit code 0 when valid, 1 when not, 2 usage error.`;

function validate(args: string[], out: Out): number {
  const parsed = commandArgs(
    args,
    { stage: STAGE_OPTIONS.stage, help: { type: 'boolean', short: 'h' } },
    VALIDATE_HELP,
    out,
  );
  if (typeof parsed === 'number') return parsed;
  const { positionals, values } = parsed;
  if (positionals.length > 1 || (positionals.length === 1 && values.stage !== undefined)) {
    out.error(`give one file or --stage, not both\n\n${VALIDATE_HELP}`);
    return 2;
  }
  if (positionals.length === 1) return validateFile(positionals[0]!, stageOfFile(positionals[0]!), out);
  if (values.stage !== undefined || process.env.ECS_PILOT_CONFIG) {
    const source = configSource({ stage: values.stage });
    const missing = stageFileProblem(source);
    if (missing) {
      out.error(missing);
      return 2;
    }
    return validateFile(source.file, source.stage, out);
  }
  const stages = stagesIn(CONFIG_DIR);
  if (stages.length === 0) {
    out.error(
      `no ${CONFIG_DIR}/*.yml here: give a file, e.g. ecs-pilot validate config/prod.yml\n\n${VALIDATE_HELP}`,
    );
    return 2;
  }
  let code = 0;
  for (const stage of stages) code = Math.max(code, validateFile(`${CONFIG_DIR}/${stage}.yml`, stage, out));
  return code;
}

function validateFile(file: string, stage: string, out: Out): number {
  try {
    const config = loadConfigFile(file);
    // What only the whole stack shows (IAM policy sizes, resource counts), as packaging checks it.
    deployableStack(config, { service: 'ecs-pilot', stage, configFile: file }, file);
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
  dlq,
  status,
};

/** The version in package.json (the CLI runs from the checkout or the installed package). */
const version = () =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;

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
  if (command === '--version' || command === '-v' || command === 'version') {
    out.log(`ecs-pilot ${version()}`);
    return 0;
  }
  // Own keys only: `toString` or `__proto__` must be unknown commands, not Object.prototype's members.
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) {
    out.error(`Unknown command "${command}"${didYouMean(command, Object.keys(COMMANDS))}.\n\n${HELP}`);
    return 2;
  }
  try {
    return await run(rest, out);
  } catch (error) {
    // A config the command cannot use is the caller's to fix: its lines, once, no trace.
    if (error instanceof ConfigError) for (const line of verdictLines(error)) out.error(line);
    else out.error(errorMessage(error));
    return 2;
  }
}
