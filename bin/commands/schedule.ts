import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { commandArgs } from '../args.js';
import type { ScheduleConfig } from '../../shared/schedules/config.js';
import { errorMessage } from '../../shared/kernel/errors.js';
import { didYouMean } from '../../shared/kernel/text/suggest.js';
import {
  loadStage,
  physicalName,
  STAGE_HELP,
  STAGE_OPTIONS,
  stageClients,
  type StageContext,
} from '../stage.js';
import {
  isValidTimeZone,
  parseScheduleExpression,
  ScheduleExpressionError,
} from '../../shared/kernel/scheduler/expression.js';
import { nextRuns } from '../../shared/schedules/next.js';

export interface Out {
  log(line: string): void;
  error(line: string): void;
}

export const SCHEDULE_HELP = `Usage:
  ecs-pilot schedule next [<name>] [--stage S] [--count N] [--from ISO-8601] [--json]
  ecs-pilot schedule next --expression EXPR [--timezone TZ] [--count N] [--from ISO-8601] [--json]
  ecs-pilot schedule run <name> [--stage S]

next  the next N run times (default 5; 3 each without a name) after --from (default now) of one
      schedule of the stage's config, of every schedule, or of an expression not yet in one, in the
      schedule's time zone and in UTC, across daylight-saving changes.
      --json prints [{"local": ..., "utc": ...}] ({"<name>": [...]} for every schedule).
run   runs one slot of a deployed schedule now: puts the slot (this second) on the stage's
      schedules queue, as EventBridge Scheduler does, so runSchedule applies the schedule's overlap
      policy and idempotency as for any slot. Uses your AWS credentials; starts a real task.

${STAGE_HELP}`;

/** `ecs-pilot schedule next …`; returns the exit code (0 ok, 1 bad schedule, 2 usage). */
const OPTIONS = {
  count: { type: 'string' },
  from: { type: 'string' },
  ...STAGE_OPTIONS,
  expression: { type: 'string' },
  timezone: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function schedule(args: string[], out: Out): Promise<number> {
  const parsed = commandArgs(args, OPTIONS, SCHEDULE_HELP, out);
  if (typeof parsed === 'number') return parsed;
  const { positionals, values } = parsed;
  const [verb, name, ...extra] = positionals;
  // A config that cannot be used (ConfigError) goes up to the CLI, which prints it once (exit 2).
  if (verb === 'run' && name !== undefined && extra.length === 0 && values.expression === undefined)
    return runNow(loadStage(values), name, out);
  if (verb !== 'next' || extra.length > 0 || (name !== undefined && values.expression !== undefined)) {
    const why =
      verb === undefined
        ? 'missing the subcommand "next" or "run"'
        : verb !== 'next' && verb !== 'run'
          ? `unknown subcommand "${verb}"${didYouMean(verb, ['next', 'run'])}`
          : verb === 'run'
            ? 'run needs the name of one schedule, and nothing else'
            : extra.length > 0
              ? `unexpected argument "${extra[0]}"`
              : 'give a schedule name or --expression, not both';
    out.error(`${why}\n\n${SCHEDULE_HELP}`);
    return 2;
  }
  const all = name === undefined && values.expression === undefined;
  const count = Number(values.count ?? (all ? 3 : 5));
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    out.error('--count must be a whole number from 1 to 1000');
    return 2;
  }
  const from = values.from === undefined ? new Date() : new Date(values.from);
  if (Number.isNaN(from.getTime())) {
    out.error(`--from must be an ISO-8601 time, like 2026-03-28T12:00:00Z (got "${values.from}")`);
    return 2;
  }

  let expression: string;
  let timeZone: string;
  let label: string;
  try {
    if (all) return everySchedule(loadStage(values), { from, count, json: values.json }, out);
    if (name !== undefined) {
      const stage = loadStage(values);
      const found = findSchedule(stage, name, out);
      if (!found) return 1;
      expression = found.schedule;
      timeZone = values.timezone ?? found.timezone;
      label = `${found.name}: ${expression}`;
    } else {
      expression = values.expression!;
      timeZone = values.timezone ?? 'UTC';
      label = expression;
    }
    if (!isValidTimeZone(timeZone)) {
      out.error(`unknown time zone "${timeZone}"; expected an IANA name such as Europe/Berlin or UTC`);
      return 1;
    }
    const runs = nextRuns(parseScheduleExpression(expression), { from, count, timeZone });
    if (values.json) {
      out.log(JSON.stringify(runs.map((r) => ({ local: r.local, utc: r.utc.toISOString() }))));
      return 0;
    }
    out.log(`${label} in ${timeZone}, after ${from.toISOString()}:`);
    for (const run of runs) out.log(`  ${run.local}   ${run.utc.toISOString()}`);
    if (runs.length < count) out.log(`  (no further runs${runs.length ? '' : ' at all'})`);
    return 0;
  } catch (error) {
    if (error instanceof ScheduleExpressionError) {
      out.error(`invalid schedule expression: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** The named schedule of the stage, or undefined after saying which names there are. */
function findSchedule(stage: StageContext, name: string, out: Out): ScheduleConfig | undefined {
  const found = stage.config.schedules.find((s) => s.name === name);
  if (found) return found;
  const names = stage.config.schedules.map((s) => s.name);
  out.error(
    `no schedule "${name}" in ${stage.source.file}${didYouMean(name, names)} (schedules: ${names.join(', ') || 'none'})`,
  );
  return undefined;
}

/** `schedule next` without a name: every schedule of the stage, its next runs under its name. */
function everySchedule(
  stage: StageContext,
  options: { from: Date; count: number; json: boolean },
  out: Out,
): number {
  const { schedules } = stage.config;
  const runsOf = (s: ScheduleConfig) =>
    nextRuns(parseScheduleExpression(s.schedule), {
      from: options.from,
      count: options.count,
      timeZone: s.timezone,
    });
  if (options.json) {
    const all = Object.fromEntries(
      schedules.map((s) => [s.name, runsOf(s).map((r) => ({ local: r.local, utc: r.utc.toISOString() }))]),
    );
    out.log(JSON.stringify(all));
    return 0;
  }
  if (schedules.length === 0) {
    out.log(`no schedules in ${stage.source.file}`);
    return 0;
  }
  out.log(
    `${schedules.length} schedule${schedules.length === 1 ? '' : 's'} in ${stage.source.file}, after ${options.from.toISOString()}:`,
  );
  for (const s of schedules) {
    out.log(`${s.name}: ${s.schedule} in ${s.timezone}`);
    const runs = runsOf(s);
    for (const run of runs) out.log(`  ${run.local}   ${run.utc.toISOString()}`);
    if (runs.length === 0) out.log('  (no further runs)');
  }
  return 0;
}

/**
 * `schedule run NAME`: one slot now, through the deployed path. The slot goes on the schedules
 * queue in the shape Scheduler's target input gives it, so nothing here decides: runSchedule
 * applies the overlap policy, the at-most-one-task-per-slot guard and the dead-letter rules.
 */
async function runNow(stage: StageContext, name: string, out: Out, now = new Date()): Promise<number> {
  const schedule = findSchedule(stage, name, out);
  if (!schedule) return 1;
  const queueName = physicalName(stage, 'SchedulesQueue', 'QueueName');
  if (!queueName) {
    out.error(`stage ${stage.source.stage} has no schedules queue`);
    return 1;
  }
  const scheduledTime = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const { sqs } = stageClients(stage.config.region);
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const { MessageId } = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: JSON.stringify({
          schedule: name,
          scheduledTime,
          executionId: `ecs-pilot-cli-${scheduledTime}`,
        }),
      }),
    );
    out.log(`slot ${scheduledTime} of ${name} queued on ${queueName} (message ${MessageId})`);
    out.log(
      `  runSchedule applies overlap: ${schedule.overlap}; its log says "slot started", "slot skipped" or why not, and its task has startedBy ecs-pilot/${name}`,
    );
    return 0;
  } catch (error) {
    out.error(`cannot queue the slot on ${queueName} in ${stage.config.region}: ${errorMessage(error)}`);
    return 1;
  }
}
