import type { Context } from 'aws-lambda';
import { paginateListTasks, RunTaskCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { errorMessage, PermanentError, RetryableError } from '../../errors.js';
import { classifyEcsError } from '../../aws/errors.js';
import { DeferError } from '../../delivery/batch.js';
import { requiredEnv } from '../../env.js';
import { dynamoDbClient } from '../../aws/clients.js';
import type { RunTaskRequest } from '../launch.js';
import { LaunchPacer, paceSettings } from '../pace.js';
import type { Delivery } from '../../delivery/config.js';
import { DerivedTaskDefinitions } from './task-definitions.js';

/** The automation's cap on concurrently running tasks is reached; retry later without counting an attempt. */
export class CapReachedError extends DeferError {}

/**
 * AWS refused the launch for its rate or capacity (ThrottlingException after the SDK's own retries,
 * or `failures[]` naming capacity or a limit). The event comes back in seconds without spending an
 * attempt: throttling alone never dead-letters an object (only MAX_DEFERRALS, about a day, would).
 */
export class LaunchThrottledError extends DeferError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, baseSeconds: THROTTLE_RETRY_BASE_SECONDS });
  }
}

/** First re-delivery delay of a throttled launch; later ones double (with jitter) up to 15 min. */
export const THROTTLE_RETRY_BASE_SECONDS = 2;

/** Error names AWS uses for "too many requests" on ECS calls. */
const THROTTLE_ERRORS = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);

/**
 * RunTask `failures[]` reasons that say "too fast, try again soon": a rate limit, or Fargate
 * capacity that is momentarily unavailable. Other failures (RESOURCE:* on EC2, a quota on
 * concurrent tasks) need a person if they last, so they keep spending attempts towards the DLQ.
 */
const THROTTLE_FAILURE = /rate exceeded|throttl|capacity is unavailable/i;

/** A task started, or found already started for the same clientToken. */
export interface LaunchResult {
  status: 'started' | 'duplicate';
  taskArn: string;
}

/**
 * Counts tasks with this startedBy whose desired status is RUNNING (lastStatus PROVISIONING, PENDING,
 * RUNNING…), stopping once `limit` is reached. `startedBy` must be ListTasks' only filter; its default
 * `desiredStatus` RUNNING is what this counts (ECS never sets desiredStatus PENDING, so PENDING tasks
 * are included; tasks already told to stop are not).
 */
export async function countActiveTasks(
  ecs: ECSClient,
  cluster: string,
  startedBy: string,
  limit: number,
): Promise<number> {
  let count = 0;
  const pages = paginateListTasks({ client: ecs, pageSize: 100 }, { cluster, startedBy });
  for await (const page of pages) {
    count += page.taskArns?.length ?? 0;
    if (count >= limit) break;
  }
  return count;
}

/**
 * Sends RunTask and insists on a task: HTTP 200 with `failures[]` (capacity, resources) is a
 * retryable failure, not a success.
 */
export async function runTask(ecs: ECSClient, request: RunTaskRequest): Promise<string> {
  // `secrets` is ecs-pilot's own field, already turned into the task definition.
  const { secrets: _secrets, ...input } = request;
  let response;
  try {
    response = await ecs.send(new RunTaskCommand(input));
  } catch (error) {
    if (error instanceof Error && THROTTLE_ERRORS.has(error.name)) {
      throw new LaunchThrottledError(`RunTask throttled: ${errorMessage(error)}`, { cause: error });
    }
    throw classifyEcsError(error, 'RunTask');
  }
  const taskArn = response.tasks?.[0]?.taskArn;
  if (taskArn) return taskArn;
  const failures = (response.failures ?? []).map((f) => [f.reason, f.detail].filter(Boolean).join(': '));
  const summary = `RunTask started no task: ${failures.join('; ') || 'no failure reported'}`;
  if (failures.some((f) => THROTTLE_FAILURE.test(f))) throw new LaunchThrottledError(summary);
  throw new RetryableError(summary);
}

export interface LauncherOptions {
  ecs: ECSClient;
  /**
   * Paces RunTask calls (see pace.ts); omitted → no pacing. A launch whose slot is further away than
   * `maxWaitMs` is deferred instead of holding the invocation.
   */
  pacing?: { pacer: LaunchPacer; maxWaitMs: number; sleep?: (ms: number) => Promise<void> };
  /** DynamoDB table for the idempotency records; omitted → clientToken is the only duplicate guard. */
  idempotency?: { client: DynamoDBClient; tableName: string; expiresAfterSeconds: number };
  /** Resolves the derived task definition of a launch with secrets; required for such launches. */
  taskDefinitions?: DerivedTaskDefinitions;
}

/**
 * Starts tasks exactly once per clientToken. Two guards: a Powertools idempotency record
 * (survives redeliveries days apart and tells us it was a duplicate), and RunTask's own clientToken
 * (covers a crash between RunTask and saving the record, within ECS's ~24 h token window).
 */
export class TaskLauncher {
  private readonly ecs: ECSClient;
  private readonly config: IdempotencyConfig | undefined;
  private readonly startOnce: (input: LaunchInput) => Promise<LaunchResult>;
  private readonly pacing: LauncherOptions['pacing'];
  private readonly taskDefinitions: DerivedTaskDefinitions | undefined;
  /** Per startedBy, the tail of the count-then-launch chain (see startUnguarded). */
  private readonly capTurns = new Map<string, Promise<unknown>>();
  /** Launches under way in this instance, by clientToken. */
  private readonly inFlight = new Map<string, Promise<LaunchResult>>();

  constructor(options: LauncherOptions) {
    this.ecs = options.ecs;
    this.pacing = options.pacing;
    this.taskDefinitions = options.taskDefinitions;
    const start = (input: LaunchInput) => this.startUnguarded(input);
    if (options.idempotency) {
      this.config = new IdempotencyConfig({
        eventKeyJmesPath: 'request.clientToken',
        expiresAfterSeconds: options.idempotency.expiresAfterSeconds,
        responseHook: (response) => ({ ...(response as unknown as LaunchResult), status: 'duplicate' }),
      });
      this.startOnce = makeIdempotent(start, {
        persistenceStore: new DynamoDBPersistenceLayer({
          tableName: options.idempotency.tableName,
          awsSdkV3Client: options.idempotency.client,
        }),
        config: this.config,
      });
    } else {
      this.startOnce = start;
    }
  }

  /** Lets in-progress idempotency records expire with the invocation that wrote them. */
  registerContext(context: Context): void {
    this.config?.registerLambdaContext(context);
  }

  /** Starts the planned task once, honouring the cap; throws RetryableError, PermanentError or CapReachedError. */
  async start(request: RunTaskRequest, maxRunning: number | undefined): Promise<LaunchResult> {
    // The same event twice in one batch, processed concurrently: the second waits for the first and
    // is its duplicate, instead of meeting its in-progress idempotency record and retrying.
    const pending = this.inFlight.get(request.clientToken);
    if (pending) {
      const first = await pending.catch(() => undefined);
      if (first) return { ...first, status: 'duplicate' };
    }
    const attempt = this.startGuarded(request, maxRunning);
    this.inFlight.set(request.clientToken, attempt);
    try {
      return await attempt;
    } finally {
      if (this.inFlight.get(request.clientToken) === attempt) this.inFlight.delete(request.clientToken);
    }
  }

  private async startGuarded(request: RunTaskRequest, maxRunning: number | undefined): Promise<LaunchResult> {
    try {
      return await this.startOnce({ request, maxRunning });
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new RetryableError('another invocation is starting the task for this object right now', {
          cause: error,
        });
      }
      if (error instanceof RetryableError || error instanceof PermanentError) throw error;
      // Idempotency store failures (DynamoDB throttling, outages) are worth retrying.
      throw new RetryableError(errorMessage(error), { cause: error });
    }
  }

  private startUnguarded(input: LaunchInput): Promise<LaunchResult> {
    if (input.maxRunning === undefined) return this.launch(input);
    // Records of one invocation run concurrently; counting and launching for one startedBy take
    // turns, so an instance never launches on a count another of its launches made stale. Across
    // instances the bound is what it was: at most (instances - 1) over maxRunning (README).
    const key = `${input.request.cluster}\u0000${input.request.startedBy}`;
    const turn = (this.capTurns.get(key) ?? Promise.resolve()).then(() => this.launch(input));
    const tail = turn.catch(() => undefined);
    this.capTurns.set(key, tail);
    void tail.then(() => this.capTurns.get(key) === tail && this.capTurns.delete(key));
    return turn;
  }

  private async launch({ request: planned, maxRunning }: LaunchInput): Promise<LaunchResult> {
    if (maxRunning !== undefined) {
      let active: number;
      try {
        active = await countActiveTasks(this.ecs, planned.cluster, planned.startedBy, maxRunning);
      } catch (error) {
        throw classifyEcsError(error, 'ListTasks');
      }
      if (active >= maxRunning) {
        throw new CapReachedError(
          `maxRunning ${maxRunning} reached (${active} tasks active for ${planned.startedBy})`,
        );
      }
    }
    const request = await this.withTaskDefinition(planned);
    const pacing = this.pacing;
    if (!pacing) return { status: 'started', taskArn: await runTask(this.ecs, request) };
    const wait = pacing.pacer.reserve(pacing.maxWaitMs);
    if (wait === undefined) {
      throw new LaunchThrottledError(
        `paced: next launch slot is more than ${pacing.maxWaitMs} ms away ` +
          `(${pacing.pacer.ratePerSecond.toFixed(2)} launches/s after throttling)`,
      );
    }
    if (wait > 0) await (pacing.sleep ?? sleep)(wait);
    try {
      const taskArn = await runTask(this.ecs, request);
      pacing.pacer.succeeded();
      return { status: 'started', taskArn };
    } catch (error) {
      if (error instanceof LaunchThrottledError) pacing.pacer.throttled();
      throw error;
    }
  }

  /**
   * The request with its derived task definition when it has secrets (the request is unchanged
   * otherwise); runTask leaves the `secrets` field out of the call.
   */
  private async withTaskDefinition(request: RunTaskRequest): Promise<RunTaskRequest> {
    if (!request.secrets) return request;
    if (!this.taskDefinitions) throw new PermanentError('this launcher cannot run a task with secrets');
    return {
      ...request,
      taskDefinition: await this.taskDefinitions.resolve(request.taskDefinition, request.secrets),
    };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface LaunchInput {
  request: RunTaskRequest;
  maxRunning: number | undefined;
}

/** Idempotency records outlive ECS's ~24 h clientToken window, so late redrives stay deduplicated. */
export const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

/** Longest a launch waits for its paced slot inside an invocation before it is deferred instead. */
export const MAX_PACE_WAIT_MS = 5_000;

/**
 * The launcher of a deployed function: its idempotency records live in the IDEMPOTENCY_TABLE table.
 * With `pace`, RunTask calls are paced to this instance's share of `maxLaunchesPerSecond`.
 */
export function deployedLauncher(
  ecs: ECSClient,
  pace?: Pick<Delivery, 'maxLaunchesPerSecond' | 'maxConcurrency'>,
): TaskLauncher {
  return new TaskLauncher({
    ecs,
    ...(pace
      ? {
          pacing: {
            pacer: new LaunchPacer(paceSettings(pace.maxLaunchesPerSecond, pace.maxConcurrency)),
            maxWaitMs: MAX_PACE_WAIT_MS,
          },
        }
      : {}),
    idempotency: {
      client: dynamoDbClient(),
      tableName: requiredEnv('IDEMPOTENCY_TABLE'),
      expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    },
    // Set by the stack only when a task spec of this function has secrets.
    ...(process.env.ECS_PILOT_STACK
      ? { taskDefinitions: new DerivedTaskDefinitions(ecs, { stack: process.env.ECS_PILOT_STACK }) }
      : {}),
  });
}
