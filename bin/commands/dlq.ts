import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { errorMessage } from '../../shared/kernel/errors.js';
import { didYouMean } from '../../shared/kernel/text/suggest.js';
import { commandArgs } from '../args.js';
import { loadStage, STAGE_HELP, STAGE_OPTIONS, stageClients, type StageContext } from '../stage.js';

export interface Out {
  log(line: string): void;
  error(line: string): void;
}

export const DLQ_HELP = `Usage:
  ecs-pilot dlq list [--stage S] [--peek N]
  ecs-pilot dlq redrive <name> [--stage S]

list     every dead-letter queue of the stage: its depth, and the first N messages (default 5, at
         most 10; 0 for depths only) with the reasons ecs-pilot attached (ecs-pilot-reason, -attempts,
         -failed-at, and what the message was about). Peeking leaves the messages where they are.
redrive  moves the messages of one dead-letter queue back to the queue they came from (an SQS
         message move task), once you have fixed their cause; each is processed again as new.
         Only the buffer queues' dead-letter queues have a queue to go back to (see list).

${STAGE_HELP}

Exit codes: 0 done, 1 the stage or a queue cannot be read, 2 usage or config error.`;

/** One dead-letter queue of the stage, as the template names it. */
export interface StageDeadLetterQueue {
  /** What people call it: the queue name without the stage prefix and -dlq (uploads, schedules …). */
  name: string;
  queueName: string;
  /** The queue its messages came from and can be moved back to, when it is an SQS buffer. */
  sourceQueueName?: string;
}

/** The stage's dead-letter queues, read from the stack the config deploys. Pure. */
export function stageDeadLetterQueues(stage: StageContext): StageDeadLetterQueue[] {
  const prefix = `ecs-pilot-${stage.source.stage}-`;
  const queues: StageDeadLetterQueue[] = [];
  for (const [id, resource] of Object.entries(stage.resources)) {
    const queueName = resource.Properties?.QueueName;
    if (
      resource.Type !== 'AWS::SQS::Queue' ||
      !id.endsWith('DeadLetterQueue') ||
      typeof queueName !== 'string'
    )
      continue;
    const source = stage.resources[id.replace(/DeadLetterQueue$/, 'Queue')];
    const sourceName = source?.Properties?.QueueName;
    const redrive = JSON.stringify(source?.Properties?.RedrivePolicy ?? '');
    queues.push({
      name: queueName.replace(prefix, '').replace(/-dlq$/, ''),
      queueName,
      ...(typeof sourceName === 'string' && redrive.includes(id) ? { sourceQueueName: sourceName } : {}),
    });
  }
  return queues.sort((a, b) => a.name.localeCompare(b.name));
}

/** Why a dead-letter queue without a source queue cannot be redriven, and what to do instead. */
const NO_SOURCE: Record<string, string> = {
  images:
    'it holds failed enforceImages invocations (Lambda on-failure records), not events; run `ecs-pilot images plan`, then invoke enforceImages again',
};
const noSourceReason = (name: string) =>
  NO_SOURCE[name] ??
  'it holds deliveries that EventBridge Scheduler could not make; the next minute makes a new one, so read them (list) and purge the queue';

export interface QueueState {
  url: string;
  arn: string;
  depth: number;
}

export async function queueState(sqs: SQSClient, queueName: string): Promise<QueueState | undefined> {
  let url: string | undefined;
  try {
    ({ QueueUrl: url } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName })));
  } catch (error) {
    if ((error as { name?: string }).name === 'QueueDoesNotExist') return undefined;
    throw error;
  }
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'QueueArn'],
    }),
  );
  return {
    url: url!,
    arn: Attributes.QueueArn ?? '',
    depth: Number(Attributes.ApproximateNumberOfMessages ?? 0),
  };
}

/** The attributes worth a line, in the order ecs-pilot writes them, without the `ecs-pilot-` prefix. */
function describeMessage(
  attributes: Record<string, { StringValue?: string }>,
  sentAt: string | undefined,
): string {
  const value = (key: string) => attributes[key]?.StringValue;
  const reason = value('ecs-pilot-reason') ?? '(no reason attribute: a delivery failure of the event source)';
  const about = Object.keys(attributes)
    .filter(
      (key) => key.startsWith('ecs-pilot-') && !['ecs-pilot-reason', 'ecs-pilot-failed-at'].includes(key),
    )
    .map((key) => `${key.slice('ecs-pilot-'.length)}=${value(key)}`);
  const when = value('ecs-pilot-failed-at') ?? (sentAt ? new Date(Number(sentAt)).toISOString() : '?');
  return `${when}  ${reason}${about.length ? `  [${about.join(' ')}]` : ''}`;
}

async function list(stage: StageContext, sqs: SQSClient, peek: number, out: Out): Promise<number> {
  let failed = 0;
  for (const dlq of stageDeadLetterQueues(stage)) {
    let state: QueueState | undefined;
    try {
      state = await queueState(sqs, dlq.queueName);
    } catch (error) {
      out.error(`${dlq.name}: cannot read ${dlq.queueName}: ${errorMessage(error)}`);
      failed += 1;
      continue;
    }
    const back = dlq.sourceQueueName ? `redrive to ${dlq.sourceQueueName}` : 'no redrive';
    if (!state) {
      out.log(`${dlq.name}: ${dlq.queueName} is not deployed`);
      continue;
    }
    out.log(
      `${dlq.name}: ${state.depth} message${state.depth === 1 ? '' : 's'} in ${dlq.queueName} (${back})`,
    );
    if (state.depth === 0 || peek === 0) continue;
    // A visibility timeout of 0 leaves each message visible: a peek, not a take.
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: state.url,
        MaxNumberOfMessages: peek,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    for (const message of Messages)
      out.log(`  ${describeMessage(message.MessageAttributes ?? {}, message.Attributes?.SentTimestamp)}`);
    if (Messages.length < state.depth) out.log(`  … ${state.depth - Messages.length} more`);
  }
  return failed > 0 ? 1 : 0;
}

async function redrive(stage: StageContext, sqs: SQSClient, name: string, out: Out): Promise<number> {
  const queues = stageDeadLetterQueues(stage);
  const dlq = queues.find((q) => q.name === name);
  if (!dlq) {
    const names = queues.map((q) => q.name);
    out.error(
      `no dead-letter queue "${name}" in stage ${stage.source.stage}${didYouMean(name, names)}; queues: ${names.join(', ') || 'none'}`,
    );
    return 2;
  }
  if (!dlq.sourceQueueName) {
    out.error(`${dlq.name} cannot be redriven: ${noSourceReason(dlq.name)}`);
    return 1;
  }
  const [from, to] = await Promise.all([
    queueState(sqs, dlq.queueName),
    queueState(sqs, dlq.sourceQueueName),
  ]);
  if (!from || !to) {
    out.error(
      `${!from ? dlq.queueName : dlq.sourceQueueName} is not deployed in stage ${stage.source.stage}`,
    );
    return 1;
  }
  if (from.depth === 0) {
    out.log(`${dlq.name}: ${dlq.queueName} is empty; nothing to redrive`);
    return 0;
  }
  const { TaskHandle } = await sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn: from.arn, DestinationArn: to.arn }),
  );
  out.log(
    `${dlq.name}: moving about ${from.depth} message${from.depth === 1 ? '' : 's'} from ${dlq.queueName} to ${dlq.sourceQueueName}`,
  );
  out.log(
    `  message move task ${TaskHandle ?? '(no handle returned)'}; \`ecs-pilot dlq list\` shows what is left`,
  );
  return 0;
}

/** `ecs-pilot dlq list|redrive …`; returns the exit code. */
export async function dlq(args: string[], out: Out): Promise<number> {
  const parsed = commandArgs(
    args,
    { ...STAGE_OPTIONS, peek: { type: 'string', default: '5' }, help: { type: 'boolean', short: 'h' } },
    DLQ_HELP,
    out,
  );
  if (typeof parsed === 'number') return parsed;
  const { positionals, values } = parsed;
  const [verb, name, ...extra] = positionals;
  const peek = Number(values.peek);
  const usage =
    verb !== 'list' && verb !== 'redrive'
      ? verb === undefined
        ? 'missing the subcommand "list" or "redrive"'
        : `unknown subcommand "${verb}"${didYouMean(verb, ['list', 'redrive'])}`
      : verb === 'redrive' && name === undefined
        ? 'redrive needs the name of a dead-letter queue (see dlq list)'
        : extra.length > 0 || (verb === 'list' && name !== undefined)
          ? `unexpected argument "${verb === 'list' ? name : extra[0]}"`
          : !Number.isInteger(peek) || peek < 0 || peek > 10
            ? '--peek must be a whole number from 0 to 10'
            : undefined;
  if (usage) {
    out.error(`${usage}\n\n${DLQ_HELP}`);
    return 2;
  }
  const stage = loadStage(values);
  const { sqs } = stageClients(stage.config.region);
  try {
    return verb === 'list' ? await list(stage, sqs, peek, out) : await redrive(stage, sqs, name!, out);
  } catch (error) {
    out.error(`cannot read the dead-letter queues of stage ${stage.source.stage}: ${errorMessage(error)}`);
    return 1;
  }
}
