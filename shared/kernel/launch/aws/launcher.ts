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

/** The automation's cap on concurrently running tasks is reached; retry later without counting an attempt. */
export class CapReachedError extends DeferError {}

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
  let response;
  try {
    response = await ecs.send(new RunTaskCommand(request));
  } catch (error) {
    throw classifyEcsError(error, 'RunTask');
  }
  const taskArn = response.tasks?.[0]?.taskArn;
  if (taskArn) return taskArn;
  const failures = (response.failures ?? []).map((f) => [f.reason, f.detail].filter(Boolean).join(': '));
  throw new RetryableError(`RunTask started no task: ${failures.join('; ') || 'no failure reported'}`);
}

export interface LauncherOptions {
  ecs: ECSClient;
  /** DynamoDB table for the idempotency records; omitted → clientToken is the only duplicate guard. */
  idempotency?: { client: DynamoDBClient; tableName: string; expiresAfterSeconds: number };
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

  constructor(options: LauncherOptions) {
    this.ecs = options.ecs;
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

  private async startUnguarded({ request, maxRunning }: LaunchInput): Promise<LaunchResult> {
    if (maxRunning !== undefined) {
      let active: number;
      try {
        active = await countActiveTasks(this.ecs, request.cluster, request.startedBy, maxRunning);
      } catch (error) {
        throw classifyEcsError(error, 'ListTasks');
      }
      if (active >= maxRunning) {
        throw new CapReachedError(
          `maxRunning ${maxRunning} reached (${active} tasks active for ${request.startedBy})`,
        );
      }
    }
    return { status: 'started', taskArn: await runTask(this.ecs, request) };
  }
}

interface LaunchInput {
  request: RunTaskRequest;
  maxRunning: number | undefined;
}

/** Idempotency records outlive ECS's ~24 h clientToken window, so late redrives stay deduplicated. */
export const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

/** The launcher of a deployed function: its idempotency records live in the IDEMPOTENCY_TABLE table. */
export function deployedLauncher(ecs: ECSClient): TaskLauncher {
  return new TaskLauncher({
    ecs,
    idempotency: {
      client: dynamoDbClient(),
      tableName: requiredEnv('IDEMPOTENCY_TABLE'),
      expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    },
  });
}
