import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../shared/config/yaml.js';
import { ConfigError } from '../../shared/kernel/errors.js';
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
  ecs-pilot schedule next <name> [--count N] [--from ISO-8601] [--config FILE] [--json]
  ecs-pilot schedule next --expression EXPR [--timezone TZ] [--count N] [--from ISO-8601] [--json]

Prints the next N run times (default 5) after --from (default now) of a schedule in the config
(default config/local.yml) or of an expression not yet in one, in the schedule's time zone and in
UTC, across daylight-saving changes. --json prints [{"local": ..., "utc": ...}].`;

/** `ecs-pilot schedule next …`; returns the exit code (0 ok, 1 bad schedule, 2 usage). */
const OPTIONS = {
  count: { type: 'string', default: '5' },
  from: { type: 'string' },
  config: { type: 'string', default: 'config/local.yml' },
  expression: { type: 'string' },
  timezone: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function schedule(args: string[], out: Out): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    out.error(`${error instanceof Error ? error.message : String(error)}\n\n${SCHEDULE_HELP}`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (values.help) {
    out.log(SCHEDULE_HELP);
    return 0;
  }
  const [verb, name, ...extra] = positionals;
  if (verb !== 'next' || extra.length > 0 || (name === undefined) === (values.expression === undefined)) {
    out.error(SCHEDULE_HELP);
    return 2;
  }
  const count = Number(values.count);
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
    if (name !== undefined) {
      const config = loadConfigFile(values.config);
      const found = config.schedules.find((s) => s.name === name);
      if (!found) {
        const known = config.schedules.map((s) => s.name).join(', ') || 'none';
        out.error(`no schedule "${name}" in ${values.config} (schedules: ${known})`);
        return 1;
      }
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
    if (error instanceof ConfigError) {
      out.error(error.message);
      return 1;
    }
    throw error;
  }
}
