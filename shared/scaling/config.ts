import * as z from 'zod/mini';
import { PARTITION_DNS_SUFFIX, serviceIdentity } from './resources.js';
import { automationName, clusterRef, whole } from '../kernel/config.js';

/**
 * The tick queue's event source mapping invokes scaleQueues at most this often at once: the least
 * Lambda allows (one chain needs one). A reservedConcurrency for scaleQueues must be at least this.
 */
export const TICK_MAX_CONCURRENCY = 2;

// ECS allows at most 5,000 tasks per service (service quota "Tasks per service").
const MAX_TASKS = 5000;

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
// https://sqs.<region>.amazonaws.com/<account>/<name>, the legacy queue.amazonaws.com forms and a local
// emulator's http://127.0.0.1:PORT/<account>/<name> all end in /<12-digit account>/<name>.
const QUEUE_URL = /^https?:\/\/[^/\s]+\/\d{12}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const QUEUE_ARN = /^arn:(aws[a-z-]*):sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
// The queue's URL is built from its ARN, so the partition must be one whose domain is known.
const isQueueArn = (queue: string) => {
  const partition = QUEUE_ARN.exec(queue)?.[1];
  return partition !== undefined && Object.hasOwn(PARTITION_DNS_SUFFIX, partition);
};
const SERVICE =
  /^([A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/[A-Za-z0-9_/-]{1,511})$/;

/**
 * An ECS service whose desired count follows the depth of an SQS queue. Defaults are written here
 * once; `decideScale` (shared/scaling/decide.ts) reads them.
 */
export const scalerSchema = z
  .strictObject({
    name: automationName,
    /** The queue: its name, URL or ARN. */
    queue: z
      .string()
      .check(
        z.refine(
          (queue: string) => QUEUE_NAME.test(queue) || QUEUE_URL.test(queue) || isQueueArn(queue),
          'an SQS queue name, queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>) or queue ARN',
        ),
      ),
    /** Cluster name or ARN. */
    cluster: clusterRef,
    /** Service name or ARN. */
    service: z
      .string()
      .check(z.regex(SERVICE, 'an ECS service name (letters, digits, - and _) or service ARN')),
    /** Backlog one task is expected to hold: desired = ceil(backlog / messagesPerTask). Required, ≥ 1. */
    messagesPerTask: whole(1, 1_000_000),
    /** Fewest tasks (0 lets the service sleep when the queue is empty). Required. */
    min: whole(0, MAX_TASKS),
    /** Most tasks; at least min and at least 1. Required. */
    max: whole(1, MAX_TASKS),
    /**
     * Longest wait, in minutes, before scaling in once the backlog needs fewer tasks than are desired
     * (0-1440); default 5. The wait is the break-even time (taskStartupSeconds) when that is shorter.
     */
    scaleInAfterMinutes: z._default(whole(0, 1440), 5),
    /**
     * Seconds a new task takes from launch until it takes messages (0-3600); default 60. Idle tasks
     * are kept this long before scaling in: by then their idle time has cost as much as restarting them.
     */
    taskStartupSeconds: z._default(whole(0, 3600), 60),
    /**
     * In a surge, count the messages expected within one taskStartupSeconds (the backlog's growth per
     * second since the last evaluation × taskStartupSeconds) in the backlog, so the tasks started now
     * are ready when they arrive: when those messages need at least this many tasks (0-5000); default
     * 20. Set it above max to size for the backlog alone.
     */
    arrivalLeadTasks: z._default(whole(0, MAX_TASKS), 20),
    /** Count in-flight (received, not yet deleted) messages in the backlog; default true. */
    countInFlight: z._default(z.boolean(), true),
    /** Count delayed (not yet visible) messages in the backlog; default false. */
    countDelayed: z._default(z.boolean(), false),
    /** Most tasks added by one change; default: no limit. */
    maxStepOut: z.optional(whole(1, MAX_TASKS)),
    /** Most tasks removed by one change; default: no limit. */
    maxStepIn: z.optional(whole(1, MAX_TASKS)),
    /** Seconds between evaluations (10-60); default 10 (see the README for the measurement and the cost). */
    intervalSeconds: z._default(whole(10, 60), 10),
    /**
     * While idle (empty queue, service at min, no scale-in wait), evaluate once a minute instead of
     * every intervalSeconds; default false. When every scaler of the stage is idle and has this set,
     * the invocation ends early, so an idle stage costs one short invocation a minute.
     */
    idleOncePerMinute: z._default(z.boolean(), false),
  })
  .check(
    z.refine((scaler) => scaler.max >= scaler.min, {
      message: 'max must be at least min',
      path: ['max'],
    }),
  );

export type ScalerConfig = z.infer<typeof scalerSchema>;

/**
 * Cross-scaler checks on the whole config: one service scaled by two scalers would flap between
 * their decisions, and a service ARN naming another cluster than `cluster` cannot be found. Runs
 * even when other fields are invalid (so `validate` reports everything at once): only well-formed
 * scalers are compared.
 */
export function checkScaledServices(config: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  const scalers: unknown[] = Array.isArray(config.scalers) ? (config.scalers as unknown[]) : [];
  const seen = new Map<string, string>();
  scalers.forEach((item, index) => {
    const { cluster, service } = (item ?? {}) as { cluster?: unknown; service?: unknown };
    if (typeof cluster !== 'string' || typeof service !== 'string' || !cluster || !SERVICE.test(service)) {
      return;
    }
    const identity = serviceIdentity({ cluster, service });
    if (identity.clusterInArn !== undefined && identity.clusterInArn !== identity.cluster) {
      ctx.addIssue({
        code: 'custom',
        message: `the service ARN is in cluster "${identity.clusterInArn}", not "${identity.cluster}" (scalers[${index}].cluster)`,
        path: ['scalers', index, 'service'],
      });
    }
    const key = identity.resourceId;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, `scalers[${index}]`);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      message:
        `service ${identity.service} in cluster ${identity.cluster} is already scaled by ${first}; ` +
        'two scalers on one service would undo each other’s changes',
      path: ['scalers', index, 'service'],
    });
  });
}
