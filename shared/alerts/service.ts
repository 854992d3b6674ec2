import { errorMessage, PermanentError } from '../kernel/errors.js';
import type { Log } from '../kernel/log.js';
import { decideAlert, type AlertDecision, type AlertKind, type AlertRules } from './decide.js';
import { parseTaskStateChange, type TaskStateChange } from './event.js';
import { noiseWindow, windowTime, type NoiseAction, type NoiseSettings, type NoiseWindow } from './noise.js';
import { renderAlert, renderSummary, type RenderedAlert } from './render.js';
import { essentialContainers, type TaskDefinitionInfo } from './task-definition.js';
import { clip } from '../kernel/notify/text.js';
import { printable } from '../kernel/text/escape.js';

/** What happened to one alert, as stored by the idempotency layer and returned for duplicates. */
export interface AlertOutcome {
  status: 'sent' | 'summary-sent' | 'suppressed';
  kind: AlertKind;
  /** The detail.version of the event that was alerted. */
  version?: number | undefined;
  messageId?: string | undefined;
  /** Failures of the same service counted in the window so far (when noise control is on). */
  failures?: number | undefined;
  /** true when this event repeated one already handled (the stored outcome is returned). */
  duplicate?: boolean;
}

/** How the noise gate counted one failure. */
export interface NoiseVerdict {
  action: NoiseAction;
  /** Failures of the subject in the window so far, this one included (suppressed ones too). */
  failures: number;
}

/** One logged decision per event. */
export type AlertDecisionName = 'sent' | 'summary' | 'suppressed' | 'duplicate' | 'ignored' | 'failed';

export interface StopAlertDeps {
  rules: AlertRules;
  noise: NoiseSettings;
  /** The function's region, for links when an event names none. */
  region?: string | undefined;
  /** DescribeTaskDefinition (cached); when it fails, the alert goes out without log links. */
  taskDefinitions: { describe(taskDefinitionArn: string): Promise<TaskDefinitionInfo | undefined> };
  /** Runs `send` at most once per task (Powertools idempotency); repeats return the stored outcome. */
  once: { run(key: { taskArn: string }, send: () => Promise<AlertOutcome>): Promise<AlertOutcome> };
  gate: { admit(window: NoiseWindow, taskArn: string, settings: NoiseSettings): Promise<NoiseVerdict> };
  publisher: { publish(alert: RenderedAlert): Promise<string> };
  logger: Log;
  onDecision?: (decision: AlertDecisionName) => void;
  now?: () => Date;
}

/**
 * The fields every decision line carries: enough to find the task and the event. (`ecsService`,
 * since Powertools reserves `service` for the function's own name.)
 */
function whereOf(event: TaskStateChange) {
  return {
    cluster: event.cluster,
    ecsService: event.service,
    family: event.family,
    taskArn: event.taskArn,
    stopCode: event.stopCode,
    version: event.version,
    eventId: event.eventId,
  };
}

function ignore(event: TaskStateChange, decision: AlertDecision, deps: StopAlertDeps): AlertDecision {
  deps.logger.info('alert ignored', {
    decision: 'ignored',
    kind: decision.kind,
    reason: decision.reason,
    ...whereOf(event),
  });
  deps.onDecision?.('ignored');
  return decision;
}

/**
 * Handles one queued event: parse → decide (pure) → once per task: count (noise control) →
 * render (pure) → publish. Logs one line per decision with its reason. Throws PermanentError for
 * events it cannot read, RetryableError when publishing or the state store fails.
 */
export async function processStopAlertMessage(
  body: string,
  context: Record<string, string>,
  deps: StopAlertDeps,
): Promise<AlertDecisionName> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new PermanentError(`message body is not JSON (${body.length} characters)`);
  }
  const event = parseTaskStateChange(raw);
  Object.assign(context, {
    'ecs-pilot-cluster': clip(event.cluster, 256),
    'ecs-pilot-task-arn': clip(event.taskArn, 256),
    'ecs-pilot-stop-code': clip(event.stopCode ?? '', 256),
    'ecs-pilot-event-id': clip(event.eventId ?? '', 256),
  });

  // Decide without the task definition first: most stops (deploys, scale-ins) end here, for free.
  const first = decideAlert(event, deps.rules);
  if (!first.notify) {
    ignore(event, first, deps);
    return 'ignored';
  }
  let taskDefinition: TaskDefinitionInfo | undefined;
  if (event.taskDefinitionArn) {
    try {
      taskDefinition = await deps.taskDefinitions.describe(event.taskDefinitionArn);
    } catch (error) {
      // The alert matters more than its log links: go on without them.
      deps.logger.warn('task definition unreadable; alerting without log links', {
        taskDefinitionArn: event.taskDefinitionArn,
        error: errorMessage(error),
        ...whereOf(event),
      });
    }
  }
  // Knowing which containers are essential can only remove failures (a failing sidecar), never add one.
  const decision = decideAlert(event, deps.rules, { essential: essentialContainers(taskDefinition) });
  if (!decision.notify) {
    ignore(event, decision, deps);
    return 'ignored';
  }

  const where = whereOf(event);
  let outcome: AlertOutcome;
  try {
    outcome = await deps.once.run({ taskArn: event.taskArn }, async () => {
      const render = { decision, region: deps.region, taskDefinition };
      let verdict: NoiseVerdict = { action: 'alert', failures: 1 };
      let window: NoiseWindow | undefined;
      if (deps.noise.enabled) {
        const now = deps.now?.() ?? new Date();
        const { source, problems } = windowTime(event, now);
        for (const p of problems) {
          // The stop happened (ECS said so): the alert goes out; only its noise window uses another time.
          deps.logger.warn(
            `event time ${p.problem === 'ahead' ? 'ahead of the function clock' : 'unreadable'}: ${p.field}`,
            {
              ...where,
              value: printable(p.value, 64),
              ...(p.minutesAhead !== undefined ? { minutesAhead: p.minutesAhead } : {}),
              fallback: `noise window chosen by ${source === 'clock' ? 'the function clock' : source}`,
            },
          );
        }
        window = noiseWindow(event, deps.noise, now);
        verdict = await deps.gate.admit(window, event.taskArn, deps.noise);
      }
      const base = {
        kind: decision.kind,
        version: event.version,
        failures: deps.noise.enabled ? verdict.failures : undefined,
      };
      if (verdict.action === 'suppress') return { status: 'suppressed', ...base };
      const alert =
        verdict.action === 'summary' && window
          ? renderSummary(event, render, {
              failures: verdict.failures,
              maxPerWindow: deps.noise.maxPerWindow,
              windowMinutes: deps.noise.windowMinutes,
              windowStart: window.start,
              windowEnd: window.end,
            })
          : renderAlert(event, render);
      const messageId = await deps.publisher.publish(alert);
      return { status: verdict.action === 'summary' ? 'summary-sent' : 'sent', messageId, ...base };
    });
  } catch (error) {
    deps.logger.warn('alert failed', {
      decision: 'failed',
      kind: decision.kind,
      reason: decision.reason,
      error: errorMessage(error),
      ...where,
    });
    deps.onDecision?.('failed');
    throw error;
  }

  if (outcome.duplicate) {
    deps.logger.info('alert duplicate', {
      decision: 'duplicate',
      kind: decision.kind,
      reason:
        `task already handled (${outcome.status}${outcome.version !== undefined ? ` for version ${outcome.version}` : ''}); ` +
        (event.version !== undefined && outcome.version !== undefined && event.version > outcome.version
          ? 'this newer event is not alerted again: one alert per task'
          : 'this event is a repeat or an older version'),
      handledVersion: outcome.version,
      messageId: outcome.messageId,
      ...where,
    });
    deps.onDecision?.('duplicate');
    return 'duplicate';
  }
  const name: AlertDecisionName =
    outcome.status === 'sent' ? 'sent' : outcome.status === 'summary-sent' ? 'summary' : 'suppressed';
  deps.logger.info(`alert ${name}`, {
    decision: name,
    kind: decision.kind,
    reason:
      name === 'suppressed'
        ? `${decision.reason}; muted by noise control (failure ${outcome.failures} of this service in the window)`
        : decision.reason,
    messageId: outcome.messageId,
    failures: outcome.failures,
    ...where,
  });
  deps.onDecision?.(name);
  return name;
}
