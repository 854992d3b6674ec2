import { errorMessage } from '../../shared/kernel/errors.js';
import { commandArgs } from '../args.js';
import { parseScheduleExpression } from '../../shared/kernel/scheduler/expression.js';
import { nextRuns } from '../../shared/schedules/next.js';
import { QueueDepthReader } from '../../shared/scaling/aws/queue.js';
import { ServiceScaler } from '../../shared/scaling/aws/service.js';
import { ScalerStateStore } from '../../shared/scaling/aws/state.js';
import {
  loadStage,
  physicalName,
  STAGE_HELP,
  STAGE_OPTIONS,
  stageClients,
  type StageContext,
} from '../stage.js';
import { queueState, stageDeadLetterQueues } from './dlq.js';

export interface Out {
  log(line: string): void;
  error(line: string): void;
}

export const STATUS_HELP = `Usage: ecs-pilot status [--stage S] [--now ISO-8601]

One screen on a deployed stage, read-only, with your AWS credentials in the stage's region:
  dead-letter queues  depth of each (ecs-pilot dlq list shows what is in them and why)
  schedules           the next run of each, in its time zone and UTC (from the config; offline)
  scalers             queue depth (visible / in flight / delayed), the service's desired and
                      running counts, and the scale-in wait the state table holds

${STAGE_HELP}

Exit codes: 0 printed (a WARN line marks messages waiting in a dead-letter queue), 1 part of the
stage could not be read (said on its line), 2 usage or config error.`;

async function deadLetterLines(stage: StageContext, clients: ReturnType<typeof stageClients>, out: Out) {
  let failed = 0;
  out.log('dead-letter queues:');
  const queues = stageDeadLetterQueues(stage);
  for (const dlq of queues) {
    try {
      const state = await queueState(clients.sqs, dlq.queueName);
      if (!state) out.log(`  ${dlq.name}: not deployed`);
      else out.log(`  ${state.depth > 0 ? 'WARN ' : ''}${dlq.name}: ${state.depth}`);
    } catch (error) {
      failed += 1;
      out.log(`  ${dlq.name}: cannot read ${dlq.queueName}: ${errorMessage(error)}`);
    }
  }
  if (queues.length === 0) out.log('  (none)');
  return failed;
}

function scheduleLines(stage: StageContext, now: Date, out: Out) {
  out.log('schedules:');
  for (const s of stage.config.schedules) {
    const [next] = nextRuns(parseScheduleExpression(s.schedule), {
      from: now,
      count: 1,
      timeZone: s.timezone,
    });
    out.log(
      `  ${s.name}: ${next ? `${next.local} ${s.timezone} (${next.utc.toISOString()})` : 'no further runs'}`,
    );
  }
  if (stage.config.schedules.length === 0) out.log('  (none)');
}

async function scalerLines(stage: StageContext, clients: ReturnType<typeof stageClients>, out: Out) {
  let failed = 0;
  out.log('scalers:');
  const stateTable = physicalName(stage, 'ScalerStateTable', 'TableName');
  if (!stateTable || stage.config.scalers.length === 0) {
    out.log('  (none)');
    return 0;
  }
  // The readers scaleQueues itself uses; status calls none of their writes.
  const queues = new QueueDepthReader(clients.sqs, { region: clients.region, clientFor: clients.sqsIn });
  const services = new ServiceScaler(clients.ecs);
  const state = new ScalerStateStore(clients.dynamodb, stateTable);
  for (const scaler of stage.config.scalers) {
    try {
      const [depth, counts, stored] = await Promise.all([
        queues.depth(scaler.queue),
        services.describe({ cluster: scaler.cluster, service: scaler.service }),
        state.read(scaler.name),
      ]);
      const wait = stored.state.lowSince
        ? `; low since ${stored.state.lowSince} (scale-in wait running)`
        : '';
      const last = stored.lastChange
        ? `; last set to ${stored.lastChange.desired} at ${stored.lastChange.at}`
        : '';
      out.log(
        `  ${scaler.name}: queue ${depth.visible} visible / ${depth.inFlight} in flight / ${depth.delayed} delayed; ` +
          `${scaler.service} desired ${counts.desired}, running ${counts.running} (min ${scaler.min}, max ${scaler.max})${wait}${last}`,
      );
    } catch (error) {
      failed += 1;
      out.log(`  ${scaler.name}: cannot read: ${errorMessage(error)}`);
    }
  }
  return failed;
}

/** `ecs-pilot status`: a read-only summary of a deployed stage; returns the exit code. */
export async function status(args: string[], out: Out): Promise<number> {
  const parsed = commandArgs(
    args,
    { ...STAGE_OPTIONS, now: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    STATUS_HELP,
    out,
  );
  if (typeof parsed === 'number') return parsed;
  const { positionals, values } = parsed;
  if (positionals.length > 0) {
    out.error(`unexpected argument "${positionals[0]}": status takes options only\n\n${STATUS_HELP}`);
    return 2;
  }
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime())) {
    out.error(`--now must be an ISO-8601 time, like 2026-03-28T12:00:00Z (got "${values.now}")`);
    return 2;
  }
  const stage = loadStage(values);
  const clients = stageClients(stage.config.region);
  out.log(
    `stage ${stage.source.stage} (${stage.source.file}), region ${stage.config.region}, at ${now.toISOString()}`,
  );
  const failed = (await deadLetterLines(stage, clients, out)) + (await scalerLines(stage, clients, out));
  scheduleLines(stage, now, out);
  return failed > 0 ? 1 : 0;
}
