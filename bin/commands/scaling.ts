import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { commandArgs } from '../args.js';
import { basename, extname, join } from 'node:path';
import * as z from 'zod/mini';
import { scalerSchema, type ScalerConfig } from '../../shared/scaling/config.js';
import { readYamlFile } from '../../shared/config/yaml.js';
import { ConfigError, PermanentError } from '../../shared/kernel/errors.js';
import { renderChart } from '../simulator/chart.js';
import { comparisonCostBound, costBoundSteps } from '../simulator/floors.js';
import { renderFrontier } from '../simulator/frontier.js';
import { comparisonJson, formatComparison } from '../simulator/report.js';
import { comparePolicies, DEFAULT_MODEL, DEFAULT_SIMULATION_SCALER } from '../simulator/simulate.js';
import { parseTrace } from '../simulator/trace.js';
import { formatPath } from '../../shared/kernel/issues.js';

export interface Out {
  log(line: string): void;
  error(line: string): void;
}

export const SCALING_HELP = `Usage:
  ecs-pilot scaling simulate --trace FILE [--config FILE] [--scaler NAME] [--out DIR] [--json]
                             [--seconds-per-message N] [--startup-seconds N] [--jitter F] [--seed N]
                             [--tail-minutes N] [--visibility-timeout N] [--task-protection] [--tick-lag-seconds N]

Replays an arrival trace (CSV lines "timestamp,messages"; ISO-8601 times or seconds from the start)
against one queue and one ECS service, once per policy, and prints for each the p50/p95/max wait
of a message before a task receives it, task-minutes, scaling actions, the longest time to drain
the messages of one arrival, the messages left unprocessed and those done again because ECS
stopped the task that held them:

  ecs-pilot          ceil(backlog / messagesPerTask) every intervalSeconds, break-even scale-in wait
  cdk-default-steps  aws-cdk-lib QueueProcessingFargateService default steps on visible messages
  keda-sqs           KEDA aws-sqs-queue (in-flight counted, active at one message) driving an HPA
  target-tracking    ECS target tracking on visible messages per running task
  clairvoyant        knows the arrivals: the waits of max tasks throughout, for less (a reference)

Every reference takes the scaler's min and max, and its messagesPerTask as target where it has one.
The work floor (the messages' own processing time in task-minutes) is printed below the table.

Options:
  --trace FILE               the arrival trace (required); see bench/traces/ for examples
  --config FILE              read the scaler from the "scalers" list of this YAML file
  --scaler NAME              which scaler of --config (needed when it has several)
  --out DIR                  also write DIR/<trace>.svg (queue depth and tasks over time per policy)
                             and DIR/<trace>-frontier.svg (each policy's p95 wait and task-minutes, the floors)
  --json                     print the figures per policy as JSON instead of the table
  --seconds-per-message N    processing time of one message by one task (default ${DEFAULT_MODEL.secondsPerMessage})
  --startup-seconds N        seconds from launching a task until it receives messages (default ${DEFAULT_MODEL.startupSeconds})
  --jitter F                 processing times vary by ± F (0-0.9, default 0), drawn from --seed (default 1)
  --tail-minutes N           minutes simulated after the last arrival (default 60)
  --visibility-timeout N     seconds until the message of a stopped busy task is visible again
                             (default max(30, 2 × seconds per message))
  --task-protection          workers protect their task from scale-in while they hold a message
                             (ECS stops idle tasks first); without it ECS may stop busy ones
  --tick-lag-seconds N       ecs-pilot evaluates N s (0-9) after each slot starts: the tick queue's
                             delivery latency (default 0)

Without --config the scaler is: messagesPerTask ${DEFAULT_SIMULATION_SCALER.messagesPerTask}, min ${DEFAULT_SIMULATION_SCALER.min}, max ${DEFAULT_SIMULATION_SCALER.max}, scaleInAfterMinutes ${DEFAULT_SIMULATION_SCALER.scaleInAfterMinutes},
taskStartupSeconds ${DEFAULT_SIMULATION_SCALER.taskStartupSeconds}, countInFlight true, intervalSeconds ${DEFAULT_SIMULATION_SCALER.intervalSeconds}. Exit codes: 0 done, 1 unreadable trace or config, 2 usage.`;

/** Reads one scaler from the `scalers` list of a YAML file (validated field by field). */
function loadScaler(file: string, name: string | undefined): ScalerConfig {
  const raw = readYamlFile(file);
  const list = raw && typeof raw === 'object' ? (raw as { scalers?: unknown }).scalers : undefined;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(file, ['scalers: required (a list with at least one scaler)']);
  }
  const result = z.array(scalerSchema).safeParse(list);
  if (!result.success) {
    throw new ConfigError(
      file,
      result.error.issues.map((issue) => `${formatPath(['scalers', ...issue.path])}: ${issue.message}`),
    );
  }
  const scalers = result.data;
  if (name === undefined) {
    if (scalers.length === 1) return scalers[0]!;
    throw new PermanentError(
      `${file} has ${scalers.length} scalers (${scalers.map((s) => s.name).join(', ')}); choose one with --scaler`,
    );
  }
  const found = scalers.find((s) => s.name === name);
  if (!found) {
    throw new PermanentError(
      `no scaler "${name}" in ${file} (scalers: ${scalers.map((s) => s.name).join(', ')})`,
    );
  }
  return found;
}

function numberOption(
  value: string,
  flag: string,
  check: (n: number) => boolean,
  expected: string,
): number | string {
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) && check(n)
    ? n
    : `--${flag} must be ${expected} (got "${value}")`;
}

/** `ecs-pilot scaling simulate …`; returns the exit code (0 ok, 1 bad trace or config, 2 usage). */
export async function scaling(args: string[], out: Out): Promise<number> {
  const parsed = commandArgs(
    args,
    {
      trace: { type: 'string' },
      config: { type: 'string' },
      scaler: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      'seconds-per-message': { type: 'string', default: String(DEFAULT_MODEL.secondsPerMessage) },
      'startup-seconds': { type: 'string', default: String(DEFAULT_MODEL.startupSeconds) },
      jitter: { type: 'string', default: String(DEFAULT_MODEL.jitter) },
      seed: { type: 'string', default: String(DEFAULT_MODEL.seed) },
      'tail-minutes': { type: 'string', default: '60' },
      'visibility-timeout': { type: 'string' },
      'task-protection': { type: 'boolean', default: false },
      'tick-lag-seconds': { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h' },
    },
    SCALING_HELP,
    out,
  );
  if (typeof parsed === 'number') return parsed;
  const { positionals, values } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'simulate' || values.trace === undefined) {
    out.error(SCALING_HELP);
    return 2;
  }
  if (values.scaler !== undefined && values.config === undefined) {
    out.error('--scaler picks a scaler of --config; give --config too');
    return 2;
  }
  const whole = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;
  const options = [
    numberOption(
      values['seconds-per-message'],
      'seconds-per-message',
      whole(1, 86_400),
      'a whole number from 1 to 86400',
    ),
    numberOption(
      values['startup-seconds'],
      'startup-seconds',
      whole(0, 3600),
      'a whole number from 0 to 3600',
    ),
    numberOption(values.jitter, 'jitter', (n) => n >= 0 && n <= 0.9, 'a fraction from 0 to 0.9'),
    numberOption(values.seed, 'seed', whole(0, 2 ** 32 - 1), 'a whole number from 0'),
    numberOption(values['tail-minutes'], 'tail-minutes', whole(1, 1440), 'a whole number from 1 to 1440'),
    numberOption(values['tick-lag-seconds'], 'tick-lag-seconds', whole(0, 9), 'a whole number from 0 to 9'),
    ...(values['visibility-timeout'] === undefined
      ? []
      : [
          numberOption(
            values['visibility-timeout'],
            'visibility-timeout',
            whole(0, 43_200),
            'a whole number from 0 to 43200',
          ),
        ]),
  ];
  const problem = options.find((o) => typeof o === 'string');
  if (problem !== undefined) {
    out.error(problem as string);
    return 2;
  }
  const [
    secondsPerMessage,
    startupSeconds,
    jitter,
    seed,
    tailMinutes,
    tickLagSeconds,
    visibilityTimeoutSeconds,
  ] = options as number[];

  try {
    const scaler =
      values.config === undefined ? DEFAULT_SIMULATION_SCALER : loadScaler(values.config, values.scaler);
    let text: string;
    try {
      text = readFileSync(values.trace, 'utf8');
    } catch (error) {
      out.error(
        `cannot read the trace ${values.trace} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
      return 1;
    }
    const trace = parseTrace(text, values.trace);
    const comparison = comparePolicies(trace, scaler, undefined, {
      model: {
        secondsPerMessage: secondsPerMessage!,
        startupSeconds: startupSeconds!,
        jitter: jitter!,
        seed: seed!,
        taskProtection: values['task-protection'],
        tickLagSeconds: tickLagSeconds!,
        ...(visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds } : {}),
      },
      tailSeconds: tailMinutes! * 60,
    });
    const ours = comparison.runs.find((run) => run.policy === 'ecs-pilot')!.figures;
    const bound = comparisonCostBound(trace, comparison, ours.p95WaitSeconds);
    if (values.json) out.log(JSON.stringify(comparisonJson(values.trace, comparison, bound), null, 2));
    else out.log(formatComparison(values.trace, comparison, bound));
    if (values.out !== undefined) {
      mkdirSync(values.out, { recursive: true });
      const name = basename(values.trace, extname(values.trace));
      const file = join(values.out, `${name}.svg`);
      const frontier = join(values.out, `${name}-frontier.svg`);
      writeFileSync(file, renderChart(`${values.trace}: queue depth and tasks per policy`, comparison));
      writeFileSync(
        frontier,
        renderFrontier(
          `${values.trace}: p95 wait against task-minutes`,
          comparison,
          costBoundSteps(trace, comparison),
        ),
      );
      // Keep stdout pure JSON with --json: the paths go to stderr then.
      const say = values.json ? out.error : out.log;
      say(`chart: ${file}`);
      say(`frontier: ${frontier}`);
    }
    return 0;
  } catch (error) {
    // ConfigError (the --config file), TraceError (the trace) and bad models are all permanent.
    if (error instanceof PermanentError) {
      out.error(error.message);
      return 1;
    }
    throw error;
  }
}
