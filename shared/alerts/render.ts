import type { AlertDecision } from './decide.js';
import type { StoppedContainer, TaskStateChange } from './event.js';
import { hintsFor } from './hints.js';
import { logsConsoleUrl, logStreamName, taskConsoleUrl } from './links.js';
import type { TaskDefinitionInfo } from './task-definition.js';
import { asciiFold, cleanText, clip, clipBytes, MAX_SUBJECT, oneLine } from '../kernel/notify/text.js';
import type { Notification } from '../kernel/notify/notification.js';

/** SNS messages (body plus attributes) are at most 256 KiB; the body stays well under it. */
export const MAX_BODY_BYTES = 200 * 1024;
/** Limits on what one alert shows, so a pathological event still renders a readable mail. */
export const LIMITS = { name: 255, reason: 2000, containerReason: 1000, containers: 20, attribute: 256 };

/** An alert as published: subject, plain-text body, and message attributes (all strings). */
/** An alert ready to publish; attributes: cluster, service, family, stopCode, exitCode, kind, alert. */
export type RenderedAlert = Notification;

export interface RenderContext {
  decision: AlertDecision;
  /** The function's region, used when the event names none. */
  region?: string | undefined;
  /** From DescribeTaskDefinition: essential flags and awslogs settings; without it, no log links. */
  taskDefinition?: TaskDefinitionInfo | undefined;
}

/** How the noise gate counted this failure, for the summary. */
export interface SummaryContext {
  /** Failures of this service in the window so far, this one included. */
  failures: number;
  maxPerWindow: number;
  windowMinutes: number;
  windowStart: Date;
  windowEnd: Date;
}

// ---- Helpers --------------------------------------------------------------------------------------

/** `service web`, `task family report`, or the task id when nothing else is known. */
function who(event: TaskStateChange, max: number): string {
  if (event.service) return `service ${clip(event.service, max)}`;
  if (event.family) return `task ${clip(event.family, max)}`;
  return `task ${clip(event.taskId, 12, '')}`;
}

/** `2025-01-15 10:20:30 UTC`, or the text as given when it is not a date. */
export function formatTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return oneLine(value, 64);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `1 h 02 min 05 s`, `24 min 31 s`, `3.2 s`. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 0) return 'unknown (stopped before it started)';
  if (milliseconds < 60_000) return `${Math.round(milliseconds / 100) / 10} s`;
  const total = Math.round(milliseconds / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (hours >= 48) return `${Math.floor(hours / 24)} d ${hours % 24} h`;
  return hours > 0 ? `${hours} h ${pad(minutes)} min ${pad(seconds)} s` : `${minutes} min ${pad(seconds)} s`;
}

const millis = (value: string | undefined) => (value ? new Date(value).getTime() : Number.NaN);

function runTime(event: TaskStateChange): string {
  const stopped = millis(event.stoppedAt ?? event.stoppingAt ?? event.time);
  const started = millis(event.startedAt);
  if (!Number.isNaN(started) && !Number.isNaN(stopped)) return formatDuration(stopped - started);
  const created = millis(event.createdAt);
  if (Number.isNaN(started) && !Number.isNaN(created) && !Number.isNaN(stopped)) {
    return `never started (stopped ${formatDuration(stopped - created)} after it was created)`;
  }
  return 'unknown';
}

/** `CannotPullContainerError` from `CannotPullContainerError: pull image manifest ...`. */
const errorName = (text: string | undefined) =>
  /\b([A-Z][A-Za-z]*(?:Error|Exception))\b/.exec(text ?? '')?.[1];

const isOutOfMemory = (c: StoppedContainer) => /OutOfMemory|\bOOM\b/i.test(c.reason ?? '');

/** The short "what happened" of the subject. */
function headline(event: TaskStateChange, decision: AlertDecision): string {
  const first = decision.failed[0];
  const more = decision.failed.length > 1 ? ` (+${decision.failed.length - 1} more)` : '';
  switch (decision.kind) {
    case 'failed-to-start': {
      const error = errorName(event.stoppedReason) ?? errorName(first?.reason);
      return `failed to start${error ? ` (${error})` : ''}`;
    }
    case 'container-failed': {
      if (!first) return 'essential container exited';
      const why = isOutOfMemory(first)
        ? ' (out of memory)'
        : errorName(first.reason)
          ? ` (${errorName(first.reason)})`
          : '';
      const exit = first.exitCode === undefined ? 'stopped without exit code' : `exited ${first.exitCode}`;
      return `${clip(first.name, 30)} ${exit}${why}${more}`;
    }
    case 'health-check-failed':
      return /ELB|load ?balancer/i.test(event.stoppedReason ?? '')
        ? 'failed ELB health checks'
        : 'failed health checks';
    case 'max-runtime-exceeded':
      return 'stopped: maximum runtime exceeded';
    case 'spot-interruption':
      return 'Spot interruption';
    case 'termination-notice':
      return 'termination notice';
    case 'clean-exit':
      return 'finished (exit 0)';
    case 'requested-stop':
      return `stopped (${event.stopCode})`;
    case 'unknown-stop':
      return `stopped (${clip(event.stopCode ?? 'no stop code', 40)})`;
    default:
      return 'stopped';
  }
}

/** `ECS service web in prod: app exited 137 (out of memory)`, ASCII, at most MAX_SUBJECT characters. */
function subjectLine(event: TaskStateChange, what: string): string {
  const subject = asciiFold(`ECS ${who(event, 40)} in ${clip(event.cluster, 30)}: ${what}`)
    .replace(/\s+/g, ' ')
    .trim();
  return clip(subject, MAX_SUBJECT, '...');
}

const row = (label: string, value: string | undefined) =>
  value === undefined ? [] : [`  ${label.padEnd(16)} ${value}`];

function containerLine(container: StoppedContainer, info: TaskDefinitionInfo | undefined): string {
  const known = info?.containers.find((c) => c.name === container.name);
  const name = oneLine(container.name, LIMITS.name);
  const essential = known ? (known.essential ? ' (essential)' : '') : '';
  const exit = container.exitCode === undefined ? 'no exit code' : `exit code ${container.exitCode}`;
  const reason = container.reason ? `, reason: ${oneLine(container.reason, LIMITS.containerReason)}` : '';
  return `    - ${name}${essential}: ${exit}${reason}`;
}

/** The where-to-look links: the task in the console, then each container's log stream. */
function links(
  event: TaskStateChange,
  region: string | undefined,
  info: TaskDefinitionInfo | undefined,
): string[] {
  const lines: string[] = [];
  const task = taskConsoleUrl(event.partition, region, event.cluster, event.taskId);
  if (task) lines.push(...row('Task (console)', task));
  for (const container of info?.containers ?? []) {
    if (!container.logs) continue;
    const runtimeId = event.containers.find((c) => c.name === container.name)?.runtimeId;
    const stream = logStreamName(container, event.taskId, runtimeId);
    const url = logsConsoleUrl(
      event.partition,
      container.logs.region ?? region,
      container.logs.group,
      stream,
    );
    if (url) lines.push(...row(`Logs: ${clip(container.name, 10)}`, url));
  }
  if (lines.length === 0) lines.push('  (no console link: unknown region or partition)');
  if (!info) lines.push('  (no log links: the task definition was not available)');
  return lines;
}

function body(event: TaskStateChange, context: RenderContext): string {
  const { decision } = context;
  const region = event.region ?? context.region;
  const info = context.taskDefinition;
  const family = event.family
    ? `${oneLine(event.family, LIMITS.name)}${event.revision ? `:${event.revision}` : ''}`
    : undefined;
  const launch = [
    event.launchType,
    event.capacityProviderName ? `capacity provider ${event.capacityProviderName}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const shown = event.containers.slice(0, LIMITS.containers);
  const hints = hintsFor(event, decision.failed);
  const lines = [
    `${oneLine(`ECS ${who(event, LIMITS.name)} in cluster ${event.cluster}: ${headline(event, decision)}`, 800)}.`,
    '',
    'What stopped',
    ...row('Cluster', oneLine(event.cluster, LIMITS.name)),
    ...(event.service
      ? row('Service', oneLine(event.service, LIMITS.name))
      : row('Group', event.group ? oneLine(event.group, LIMITS.name) : undefined)),
    ...row('Task definition', family ?? 'unknown'),
    ...row('Task', oneLine(event.taskId, LIMITS.name)),
    ...row('Started by', event.startedBy ? oneLine(event.startedBy, LIMITS.name) : undefined),
    ...row('Launch', launch ? oneLine(launch, LIMITS.name) : undefined),
    ...row('Created', formatTime(event.createdAt)),
    ...row('Started', formatTime(event.startedAt) ?? 'never'),
    ...row('Stopped', formatTime(event.stoppedAt ?? event.stoppingAt ?? event.time) ?? 'unknown'),
    ...row('Run time', runTime(event)),
    '',
    'Why',
    ...row('Stop code', event.stopCode ? oneLine(event.stopCode, 100) : 'none given'),
    ...row(
      'Stopped reason',
      event.stoppedReason ? oneLine(event.stoppedReason, LIMITS.reason) : 'none given',
    ),
    '  Containers',
    ...(shown.length > 0
      ? shown.map((c) => containerLine(c, info))
      : ['    (none reported: the task stopped before its containers were created)']),
    ...(event.containers.length > shown.length
      ? [`    … and ${event.containers.length - shown.length} more`]
      : []),
    '',
    'What it likely means',
    ...(hints.length > 0
      ? hints.map((h) => `  - ${oneLine(h, LIMITS.reason)}`)
      : ['  - no known pattern: read the stopped reason and the logs.']),
    '',
    'Where to look',
    ...links(event, region, info),
    '',
    '--',
    `ecs-pilot stop alert (${decision.kind}): ${oneLine(decision.reason, 500)}`,
    `Event ${event.eventId ? oneLine(event.eventId, 100) : 'without id'}, task version ${event.version ?? 'unknown'}. ` +
      'Subscribers can filter on the message attributes cluster, service, family, stopCode, exitCode and kind.',
  ];
  return lines.join('\n');
}

/** Message attributes subscribers can filter on; values are clean single lines, absent ones left out. */
function attributes(
  event: TaskStateChange,
  decision: AlertDecision,
  alert: 'task' | 'summary',
): Record<string, string> {
  const exitCode = decision.failed.find((c) => c.exitCode !== undefined)?.exitCode;
  const values: Record<string, string | undefined> = {
    cluster: event.cluster,
    service: event.service,
    family: event.family,
    stopCode: event.stopCode,
    exitCode: exitCode === undefined ? undefined : String(exitCode),
    kind: decision.kind,
    alert,
  };
  return Object.fromEntries(
    Object.entries(values)
      .map(([name, value]) => [name, value === undefined ? '' : oneLine(value, LIMITS.attribute)] as const)
      .filter(([, value]) => value !== ''),
  );
}

const finish = (text: string) =>
  clipBytes(
    cleanText(text, { multiline: true }),
    MAX_BODY_BYTES,
    '\n\n[truncated: the event was too large to show in full]',
  );

// ---- Rendering ------------------------------------------------------------------------------------

/** The alert for one stopped task: what stopped, why, what it likely means, where to look. Pure. */
export function renderAlert(event: TaskStateChange, context: RenderContext): RenderedAlert {
  return {
    subject: subjectLine(event, headline(event, context.decision)),
    body: finish(body(event, context)),
    attributes: attributes(event, context.decision, 'task'),
  };
}

/** `10:30 UTC`, with the date when windows are long enough to span days. */
const clock = (date: Date, withDate: boolean) =>
  `${date
    .toISOString()
    .slice(withDate ? 0 : 11, 16)
    .replace('T', ' ')} UTC`;

/**
 * The one summary of a window: sent for the first failure over `maxPerWindow`, it says the service
 * keeps failing and that the rest of the window is muted, then details that failure. Pure.
 */
export function renderSummary(
  event: TaskStateChange,
  context: RenderContext,
  noise: SummaryContext,
): RenderedAlert {
  const name = oneLine(`${who(event, LIMITS.name)} in cluster ${event.cluster}`, 600);
  const long = noise.windowMinutes > 60;
  const from = clock(noise.windowStart, long);
  const until = clock(noise.windowEnd, long);
  const intro = [
    `ECS ${name} keeps failing: ${noise.failures} failures since ${from} ` +
      `(alerts are grouped in windows of ${noise.windowMinutes} min).`,
    `The first ${noise.maxPerWindow} were mailed one by one; this is failure ${noise.failures}. Further failures ` +
      `until ${until} are counted (metric AlertsSuppressed, and one log line each) but not mailed. ` +
      `If it still fails after ${until}, alerts start again.`,
    '',
    'The failure that triggered this summary:',
    '',
  ];
  return {
    subject: subjectLine(
      event,
      `failing repeatedly (${noise.failures} in ${noise.windowMinutes} min), muted until ${until}`,
    ),
    body: finish([...intro, body(event, context)].join('\n')),
    attributes: attributes(event, context.decision, 'summary'),
  };
}

/** For logs and the CLI: the alert's text, as a mail client would show it. */
export const asEmail = (alert: RenderedAlert) => `Subject: ${alert.subject}\n\n${alert.body}`;
