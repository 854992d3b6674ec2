import type { UploadTrigger } from '../config/schema.js';
import type { Log } from '../kernel/log.js';
import { DeferError } from '../kernel/delivery/batch.js';
import { errorMessage, PermanentError, RetryableError } from '../kernel/errors.js';
import type { LaunchResult } from '../kernel/launch/aws/launcher.js';
import type { RunTaskRequest } from '../kernel/launch/launch.js';
import { parseObjectCreated } from './event.js';
import { matchTriggers } from './match.js';
import { planUploadTask } from './plan.js';

export interface UploadServiceDeps {
  triggers: readonly UploadTrigger[];
  launcher: { start(request: RunTaskRequest, maxRunning: number | undefined): Promise<LaunchResult> };
  logger: Log;
  onDecision?: (decision: UploadDecision['decision']) => void;
}

/** One logged decision per (object, trigger). */
export interface UploadDecision {
  decision: 'started' | 'duplicate' | 'skipped' | 'failed';
  trigger?: string;
  taskArn?: string;
  reason?: string;
}

/**
 * Handles one queued event: parse → match → plan → launch, logging one line per decision.
 * Every matching trigger is attempted even when another fails; then the most hopeful failure wins
 * (retry beats defer beats permanent), since triggers that already started are idempotent on retry.
 */
export async function processUploadMessage(
  body: string,
  context: Record<string, string>,
  deps: UploadServiceDeps,
): Promise<UploadDecision[]> {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new PermanentError(`message body is not JSON (${body.length} characters)`);
  }
  const object = parseObjectCreated(event);
  Object.assign(context, {
    'ecs-pilot-bucket': object.bucket,
    'ecs-pilot-key': object.key,
    'ecs-pilot-version-id': object.versionId ?? '',
    'ecs-pilot-event-id': object.eventId,
  });
  const where = {
    bucket: object.bucket,
    key: object.key,
    versionId: object.versionId,
    eventId: object.eventId,
  };

  const matches = matchTriggers(deps.triggers, object);
  const matching = matches.filter((m) => m.matches);
  if (matching.length === 0) {
    deps.logger.debug('upload skipped: no trigger matches', {
      decision: 'skipped',
      ...where,
      reasons: Object.fromEntries(matches.map((m) => [m.trigger.name, m.reason])),
    });
    deps.onDecision?.('skipped');
    return [{ decision: 'skipped', reason: 'no trigger matches' }];
  }

  const decisions: UploadDecision[] = [];
  const errors: unknown[] = [];
  for (const { trigger } of matching) {
    try {
      const plan = planUploadTask(trigger, object);
      const result = await deps.launcher.start(plan.request, plan.maxRunning);
      deps.logger.info(`upload ${result.status}`, {
        decision: result.status,
        trigger: trigger.name,
        ...where,
        taskArn: result.taskArn,
        clientToken: plan.clientToken,
      });
      deps.onDecision?.(result.status);
      decisions.push({ decision: result.status, trigger: trigger.name, taskArn: result.taskArn });
    } catch (error) {
      const reason = errorMessage(error);
      deps.logger.warn('upload failed', { decision: 'failed', trigger: trigger.name, ...where, reason });
      deps.onDecision?.('failed');
      decisions.push({ decision: 'failed', trigger: trigger.name, reason });
      errors.push(error);
    }
  }
  if (errors.length > 0) {
    context['ecs-pilot-trigger'] = decisions
      .filter((d) => d.decision === 'failed')
      .map((d) => d.trigger)
      .join(',');
    const message = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
    // Unclassified errors count as retryable: bounded attempts, then the dead-letter queue.
    if (errors.some((e) => !(e instanceof PermanentError) && !(e instanceof DeferError))) {
      throw new RetryableError(message);
    }
    if (errors.some((e) => e instanceof DeferError)) throw new DeferError(message);
    throw new PermanentError(message);
  }
  return decisions;
}
