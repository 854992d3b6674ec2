import type { AlertsConfig } from '../config/schema.js';
import type { StoppedContainer, TaskStateChange } from './event.js';
import { isMaxRuntimeStop } from '../kernel/launch/stop-reasons.js';

/**
 * What kind of stop an event is. The first five are failures, the next two Spot-related, then
 * benign stops; the last three mean the event is outside what the config watches.
 */
export type AlertKind =
  | 'failed-to-start'
  | 'container-failed'
  | 'health-check-failed'
  | 'max-runtime-exceeded'
  | 'unknown-stop'
  | 'spot-interruption'
  | 'termination-notice'
  | 'requested-stop'
  | 'clean-exit'
  | 'not-stopped'
  | 'not-watched'
  | 'ignored-by-config';

/** Whether to send an alert, and why (logged with every decision, printed by `alert render`). */
export interface AlertDecision {
  notify: boolean;
  kind: AlertKind;
  reason: string;
  /** Containers whose exit explains the stop (essential ones when the task definition is known). */
  failed: StoppedContainer[];
}

/** The parts of the alerts config the decision reads; `clusters` undefined means every cluster. */
export type AlertRules = Pick<AlertsConfig, 'notifyOn' | 'ignore'> & {
  clusters?: readonly string[] | undefined;
};

/** The stop codes ECS documents; anything else is treated as unknown (and alerted on). */
export const STOP_CODES = [
  'TaskFailedToStart',
  'EssentialContainerExited',
  'UserInitiated',
  'ServiceSchedulerInitiated',
  'SpotInterruption',
  'TerminationNotice',
] as const;

/** Exits a requested stop causes: success, or death by the stop signals (SIGINT, SIGKILL after the stop timeout, SIGTERM). */
const STOP_SIGNAL_EXITS = new Set([0, 130, 137, 143]);

/** Container reasons that name an error rather than the stop itself. */
const ERROR_REASON = /error|fail|oom|out ?of ?memory|killed/i;

const HEALTH_CHECK_FAILURE = /health ?checks?/i;

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** `app exited with 137 (OutOfMemoryError: …)`, `app stopped without an exit code (reason)`. */
export function describeExit(container: StoppedContainer): string {
  const reason = container.reason ? ` (${clip(container.reason, 200)})` : '';
  return container.exitCode === undefined
    ? `${container.name} stopped without an exit code${reason}`
    : `${container.name} exited with ${container.exitCode}${reason}`;
}

/** Does a configured cluster (name or ARN) designate the event's cluster? */
export function watchesCluster(clusters: readonly string[] | undefined, event: TaskStateChange): boolean {
  if (!clusters) return true;
  return clusters.some((c) => (c.startsWith('arn:') ? c === event.clusterArn : c === event.cluster));
}

interface Classification {
  kind: Exclude<AlertKind, 'not-stopped' | 'not-watched' | 'ignored-by-config'>;
  reason: string;
  failed: StoppedContainer[];
}

/**
 * Classifies a STOPPED task from its stop code and exits. `essential` (from the task definition)
 * narrows the containers that count; without it every container counts, so a failing sidecar may
 * alert rather than a failing essential container be missed.
 */
export function classifyStop(event: TaskStateChange, essential?: ReadonlySet<string>): Classification {
  const counted = essential ? event.containers.filter((c) => essential.has(c.name)) : event.containers;
  const code = event.stopCode;
  const stopped = clip(event.stoppedReason ?? 'no stopped reason given');
  switch (code) {
    case 'TaskFailedToStart': {
      const failed = event.containers.filter((c) => c.reason || (c.exitCode ?? 0) !== 0);
      return { kind: 'failed-to-start', reason: `the task failed to start: ${stopped}`, failed };
    }
    case 'EssentialContainerExited': {
      if (counted.length === 0) {
        // The essential container that ended the task is not in the event: a clean exit cannot be shown.
        const listed =
          event.containers.length > 0 ? ` (only ${event.containers.map(describeExit).join('; ')})` : '';
        return {
          kind: 'container-failed',
          reason: `an essential container exited, but the event does not report it${listed}: ${stopped}`,
          failed: [],
        };
      }
      const failed = counted.filter((c) => (c.exitCode === undefined ? Boolean(c.reason) : c.exitCode !== 0));
      if (failed.length > 0) {
        return {
          kind: 'container-failed',
          reason: `essential container ${failed.map(describeExit).join('; ')}`,
          failed,
        };
      }
      return {
        kind: 'clean-exit',
        reason: `essential containers exited cleanly (${counted.map(describeExit).join('; ')}): the task finished its work`,
        failed: [],
      };
    }
    case 'UserInitiated':
    case 'ServiceSchedulerInitiated': {
      // ecs-pilot stopped a scheduled run that overran its maxRuntimeMinutes: the work did not finish.
      if (code === 'UserInitiated' && isMaxRuntimeStop(event.stoppedReason))
        return { kind: 'max-runtime-exceeded', reason: `the task ran too long: ${stopped}`, failed: [] };
      const who =
        code === 'UserInitiated' ? 'someone stopped it (StopTask)' : 'the service scheduler stopped it';
      if (
        event.stoppedReason &&
        HEALTH_CHECK_FAILURE.test(event.stoppedReason) &&
        /fail/i.test(event.stoppedReason)
      ) {
        return {
          kind: 'health-check-failed',
          reason: `${who} after failed health checks: ${stopped}`,
          failed: [],
        };
      }
      const failed = counted.filter(
        (c) =>
          (c.exitCode !== undefined && !STOP_SIGNAL_EXITS.has(c.exitCode)) ||
          (c.reason !== undefined && ERROR_REASON.test(c.reason)),
      );
      if (failed.length > 0) {
        return {
          kind: 'container-failed',
          reason: `${who}, and container ${failed.map(describeExit).join('; ')} (not a clean stop)`,
          failed,
        };
      }
      return {
        kind: 'requested-stop',
        reason: `${code}: ${who} and its containers stopped cleanly (a deploy, a scale-in or a manual stop): ${stopped}`,
        failed: [],
      };
    }
    case 'SpotInterruption':
      return {
        kind: 'spot-interruption',
        reason: `Fargate Spot reclaimed the capacity: ${stopped}`,
        failed: [],
      };
    case 'TerminationNotice':
      return {
        kind: 'termination-notice',
        reason: `the host received a termination notice: ${stopped}`,
        failed: [],
      };
    default: {
      // A stop code this version does not know (or none): alert rather than guess it was benign.
      const failed = counted.filter((c) => (c.exitCode === undefined ? Boolean(c.reason) : c.exitCode !== 0));
      const what = code ? `unknown stop code ${clip(code, 80)}` : 'no stop code';
      if (failed.length > 0) {
        return {
          kind: 'container-failed',
          reason: `${what}, and container ${failed.map(describeExit).join('; ')}`,
          failed,
        };
      }
      return { kind: 'unknown-stop', reason: `${what}: ${stopped}`, failed: [] };
    }
  }
}

const FAILURE_KINDS = new Set<AlertKind>([
  'failed-to-start',
  'container-failed',
  'health-check-failed',
  'max-runtime-exceeded',
  'unknown-stop',
]);
const SPOT_KINDS = new Set<AlertKind>(['spot-interruption', 'termination-notice']);

/** Which `notifyOn` entry makes a kind of stop send an alert. */
export const categoryOf = (kind: AlertKind): 'failures' | 'spot' | 'all-stops' =>
  FAILURE_KINDS.has(kind) ? 'failures' : SPOT_KINDS.has(kind) ? 'spot' : 'all-stops';

/**
 * Decides whether a task state change deserves an alert. Pure: the same event, rules and task
 * definition always give the same decision, with its reason.
 */
export function decideAlert(
  event: TaskStateChange,
  rules: AlertRules,
  options: { essential?: ReadonlySet<string> | undefined } = {},
): AlertDecision {
  if (event.lastStatus !== 'STOPPED') {
    return {
      notify: false,
      kind: 'not-stopped',
      reason: `lastStatus is ${clip(event.lastStatus, 40)}, not STOPPED`,
      failed: [],
    };
  }
  if (!watchesCluster(rules.clusters, event)) {
    return {
      notify: false,
      kind: 'not-watched',
      reason: `cluster ${clip(event.cluster, 100)} is not in alerts.clusters`,
      failed: [],
    };
  }
  if (event.service && rules.ignore.services.includes(event.service)) {
    return {
      notify: false,
      kind: 'ignored-by-config',
      reason: `service ${clip(event.service, 100)} is in alerts.ignore.services`,
      failed: [],
    };
  }
  if (event.family && rules.ignore.families.includes(event.family)) {
    return {
      notify: false,
      kind: 'ignored-by-config',
      reason: `task definition family ${clip(event.family, 100)} is in alerts.ignore.families`,
      failed: [],
    };
  }
  const { kind, reason, failed } = classifyStop(event, options.essential);
  const category = categoryOf(kind);
  const notify = rules.notifyOn.includes('all-stops') || rules.notifyOn.includes(category);
  return {
    notify,
    kind,
    reason: notify
      ? reason
      : `${reason}; not alerted: alerts.notifyOn [${rules.notifyOn.join(', ')}] does not include ${category}`,
    failed,
  };
}
