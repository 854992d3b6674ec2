/**
 * A deterministic discrete-time simulation of one queue and one ECS service, at one-second ticks:
 * messages arrive as the trace says, running tasks each process one message at a time, and a policy
 * sets the desired count. Every policy replays the same trace with the same per-message processing
 * times, so their figures differ only by their decisions. Pure: no I/O, no clock, seeded randomness.
 *
 * Model (each second t, in this order):
 *  1. the trace's messages for t become visible (FIFO);
 *  2. tasks whose message is done delete it (a task told to stop stops now); tasks whose start-up
 *     (startupSeconds after launch) is over become RUNNING;
 *  3. each idle RUNNING task receives the oldest visible message (its wait ends here);
 *  4. the policy sees the queue and service and may set a new desired count;
 *  5. the service follows at once: it launches tasks, or stops the newest tasks still starting, then
 *     running ones. ECS does not know which task holds a message: without task scale-in protection
 *     it picks among running tasks regardless (here in a seeded random order), and a busy task it
 *     stops loses its message, which SQS makes visible again visibilityTimeoutSeconds after that
 *     receipt, to be processed again (the redone work costs task time and wait). With protection
 *     (the worker calls UpdateTaskProtection while it holds a message) idle tasks go first and a
 *     busy one stops once its message is done;
 *  6. every task from launch to stop costs one task-second (Fargate bills from the image pull),
 *     counted as start-up, processing (it holds a message) or idle.
 * CloudWatch sees one-minute datapoints of the queue and task counts, each published
 * metricDelaySeconds after its minute ends.
 */
import { scalerSchema, type ScalerConfig } from '../../shared/scaling/config.js';
import { PermanentError } from '../../shared/kernel/errors.js';
import { figuresOf, random, RecordedMetrics, type PolicyFigures } from './measure.js';
import {
  fullCapacityPolicy,
  SIMULATED_POLICIES,
  type PolicyDefinition,
  type QueueMetric,
} from './policies.js';
import type { Trace } from './trace.js';

/** How tasks process messages. */
export interface ProcessingModel {
  /** Seconds one task needs for one message; default 30. */
  secondsPerMessage: number;
  /** Seconds from launch until a task receives messages; default 60. */
  startupSeconds: number;
  /** Processing times vary uniformly by ± this fraction (0-0.9), drawn from `seed`; default 0. */
  jitter: number;
  /** Seed of the processing-time draws (and of which running tasks ECS stops); default 1. */
  seed: number;
  /** Whether workers protect themselves from scale-in while they hold a message; default false. */
  taskProtection: boolean;
  /** Seconds until a message whose task was stopped is visible again; default max(30, 2 × secondsPerMessage). */
  visibilityTimeoutSeconds: number;
  /**
   * Seconds from the start of each of ecs-pilot's slots to its evaluation (0-9): how late the tick
   * queue's event source mapping delivers a tick; default 0 (evaluations on the slot).
   */
  tickLagSeconds: number;
}

export const DEFAULT_MODEL: Omit<ProcessingModel, 'visibilityTimeoutSeconds'> = {
  secondsPerMessage: 30,
  startupSeconds: 60,
  jitter: 0,
  seed: 1,
  taskProtection: false,
  tickLagSeconds: 0,
};

/** The model with defaults filled in; the visibility timeout follows the processing time unless given. */
export function resolveModel(model: Partial<ProcessingModel> = {}): ProcessingModel {
  const merged = { ...DEFAULT_MODEL, ...model };
  // A visibility timeout below the processing time would redeliver every message mid-work; twice
  // the processing time is the usual setting for a worker queue.
  return {
    ...merged,
    visibilityTimeoutSeconds: model.visibilityTimeoutSeconds ?? Math.max(30, 2 * merged.secondsPerMessage),
  };
}

export interface SimulationOptions {
  model?: Partial<ProcessingModel>;
  /** Seconds simulated after the last arrival; default 3600. */
  tailSeconds?: number;
  /** Delay before a one-minute CloudWatch datapoint can be read by an alarm; default 60. */
  metricDelaySeconds?: number;
  /** Seconds between the samples kept for charts; default 10. */
  sampleSeconds?: number;
}

/**
 * The scaler used when none is given: 10 messages per task, 0 to 40 tasks, and the schema's
 * defaults (scale-in wait min(taskStartupSeconds 60 s, scaleInAfterMinutes 5), in-flight counted,
 * evaluated every 10 s).
 */
export const DEFAULT_SIMULATION_SCALER: ScalerConfig = scalerSchema.parse({
  name: 'simulated',
  queue: 'simulated-jobs',
  cluster: 'simulated',
  service: 'simulated-worker',
  messagesPerTask: 10,
  min: 0,
  max: 40,
  scaleInAfterMinutes: 5,
});

export type { PolicyFigures } from './measure.js';
export { percentileOfSorted } from './measure.js';

export interface Sample {
  t: number;
  visible: number;
  inFlight: number;
  /** Tasks launched and not yet stopped (starting, running or finishing their last message). */
  tasks: number;
  desired: number;
}

export interface ActionRecord {
  t: number;
  from: number;
  to: number;
  reason: string;
}

export interface PolicyRun {
  policy: string;
  description: string;
  figures: PolicyFigures;
  samples: Sample[];
  actions: ActionRecord[];
  /** Tasks busy at each second, after that second's receipts. */
  busy: Int32Array;
}

export interface Comparison {
  totalMessages: number;
  lastArrival: number;
  /** Seconds simulated (the same for every policy). */
  horizonSeconds: number;
  model: ProcessingModel;
  scaler: ScalerConfig;
  /** The messages' own processing time in task-minutes: no policy uses less. */
  workFloorTaskMinutes: number;
  runs: PolicyRun[];
}

function checkModel(model: ProcessingModel): void {
  if (!(model.secondsPerMessage >= 1 && model.secondsPerMessage <= 86_400)) {
    throw new PermanentError(`secondsPerMessage must be from 1 to 86400 (got ${model.secondsPerMessage})`);
  }
  if (!(model.startupSeconds >= 0 && model.startupSeconds <= 3600)) {
    throw new PermanentError(`startupSeconds must be from 0 to 3600 (got ${model.startupSeconds})`);
  }
  if (!(model.jitter >= 0 && model.jitter <= 0.9)) {
    throw new PermanentError(`jitter must be from 0 to 0.9 (got ${model.jitter})`);
  }
  if (!Number.isInteger(model.seed))
    throw new PermanentError(`seed must be a whole number (got ${model.seed})`);
  if (!(Number.isInteger(model.tickLagSeconds) && model.tickLagSeconds >= 0 && model.tickLagSeconds <= 9)) {
    throw new PermanentError(
      `tickLagSeconds must be a whole number from 0 to 9 (got ${model.tickLagSeconds})`,
    );
  }
  if (!(model.visibilityTimeoutSeconds >= 0 && model.visibilityTimeoutSeconds <= 43_200)) {
    throw new PermanentError(
      `visibilityTimeoutSeconds must be from 0 to 43200 (got ${model.visibilityTimeoutSeconds})`,
    );
  }
}

/** Per-message processing seconds (whole, at least 1), the same for every policy. */
export function processingTimes(count: number, model: ProcessingModel): Int32Array {
  const times = new Int32Array(count);
  const next = random(model.seed);
  for (let i = 0; i < count; i++) {
    const factor = model.jitter === 0 ? 1 : 1 + model.jitter * (2 * next() - 1);
    times[i] = Math.max(1, Math.round(model.secondsPerMessage * factor));
  }
  return times;
}

interface Task {
  readyAt: number;
  busyUntil: number;
  /** Index of the message being processed, or -1. */
  message: number;
  stopping: boolean;
}

/** Messages a stopped task held: invisible until their visibility timeout ends. */
interface Orphan {
  message: number;
  visibleAt: number;
}

/** The work floor: the task-minutes the messages themselves need, whatever the policy. */
export function workFloorTaskMinutes(trace: Trace, model: Partial<ProcessingModel> = {}): number {
  const resolved = resolveModel(model);
  return processingTimes(trace.totalMessages, resolved).reduce((sum, d) => sum + d, 0) / 60;
}

/** Replays `trace` under one policy. */
export function simulatePolicy(
  trace: Trace,
  scaler: ScalerConfig,
  definition: PolicyDefinition,
  options: SimulationOptions = {},
): PolicyRun {
  const model = resolveModel(options.model);
  checkModel(model);
  const tail = options.tailSeconds ?? 3600;
  const delay = options.metricDelaySeconds ?? 60;
  const sampleEvery = options.sampleSeconds ?? 10;
  const horizon = trace.lastArrival + tail + 1;
  const total = trace.totalMessages;
  const protectedTasks = model.taskProtection || definition.protectsBusyTasks === true;
  // A stream of its own, so the processing times stay the same whatever the stops.
  const pick = random(model.seed ^ 0x5eed);

  const enqueuedAt = new Int32Array(total);
  let filled = 0;
  for (const row of trace.rows) {
    enqueuedAt.fill(row.at, filled, filled + row.messages);
    filled += row.messages;
  }
  const duration = processingTimes(total, model);
  const receivedAt = new Float64Array(total).fill(-1);
  const doneAt = new Float64Array(total).fill(-1);

  const history: Record<QueueMetric, Int32Array> = {
    visible: new Int32Array(horizon),
    inFlight: new Int32Array(horizon),
    delayed: new Int32Array(horizon),
    running: new Int32Array(horizon),
  };
  const cloudWatch = new RecordedMetrics(history, delay);
  const policy = definition.create(scaler, {
    trace,
    model,
    busyAtFullCapacity: () => simulatePolicy(trace, scaler, fullCapacityPolicy, options).busy,
  });
  const busySeconds = new Int32Array(horizon);

  // The service starts settled at min, its tasks already running.
  let tasks: Task[] = Array.from({ length: scaler.min }, () => ({
    readyAt: 0,
    busyUntil: 0,
    message: -1,
    stopping: false,
  }));
  let desired = scaler.min;
  let arrived = 0;
  let head = 0;
  let rowIndex = 0;
  let taskSeconds = 0;
  let peakTasks = 0;
  let redoneMessages = 0;
  let redoneSeconds = 0;
  let launches = 0;
  let startUpSeconds = 0;
  let idleSeconds = 0;
  // Messages visible again after their task was stopped: the oldest, so received first.
  const returned: number[] = [];
  let orphans: Orphan[] = [];
  const samples: Sample[] = [];
  const actions: ActionRecord[] = [];

  for (let t = 0; t < horizon; t++) {
    while (rowIndex < trace.rows.length && trace.rows[rowIndex]!.at === t)
      arrived += trace.rows[rowIndex++]!.messages;
    if (orphans.length > 0) {
      const due = orphans.filter((o) => o.visibleAt <= t);
      if (due.length > 0) {
        returned.push(...due.map((o) => o.message));
        returned.sort((a, b) => a - b);
        orphans = orphans.filter((o) => o.visibleAt > t);
      }
    }

    for (const task of tasks) {
      if (task.message >= 0 && task.busyUntil <= t) {
        doneAt[task.message] = t;
        task.message = -1;
      }
    }
    tasks = tasks.filter((task) => !(task.stopping && task.message < 0));

    let busyTasks = 0;
    let running = 0;
    for (const task of tasks) {
      if (task.readyAt > t) continue;
      running++;
      if (task.message < 0 && !task.stopping && (returned.length > 0 || head < arrived)) {
        const message = returned.length > 0 ? returned.shift()! : head++;
        task.message = message;
        task.busyUntil = t + duration[message]!;
        receivedAt[message] = t;
      }
      if (task.message >= 0) busyTasks++;
    }
    // SQS counts a stopped task's message as in flight until its visibility timeout ends.
    busySeconds[t] = busyTasks;
    const inFlight = busyTasks + orphans.length;
    const visible = arrived - head + returned.length;
    history.visible[t] = visible;
    history.inFlight[t] = inFlight;
    history.running[t] = running;
    cloudWatch.t = t;

    const action = policy.evaluate({
      t,
      now: new Date(trace.start.getTime() + t * 1000),
      visible,
      inFlight,
      delayed: 0,
      running,
      desired,
      cloudWatch,
    });
    if (action && action.desired !== desired) {
      const to = Math.max(0, Math.round(action.desired));
      actions.push({ t, from: desired, to, reason: action.reason });
      desired = to;
    }

    const live = tasks.filter((task) => !task.stopping);
    if (live.length < desired) {
      for (let k = live.length; k < desired; k++) {
        tasks.push({ readyAt: t + model.startupSeconds, busyUntil: 0, message: -1, stopping: false });
      }
      launches += desired - live.length;
    } else if (live.length > desired) {
      const excess = live.length - desired;
      const newestFirst = [...live].reverse();
      const starting = newestFirst.filter((task) => task.readyAt > t);
      const ready = newestFirst.filter((task) => task.readyAt <= t);
      let order: Task[];
      if (protectedTasks) {
        order = [
          ...starting,
          ...ready.filter((task) => task.message < 0),
          ...ready.filter((task) => task.message >= 0),
        ];
      } else {
        // ECS cannot tell a busy task from an idle one: any running task may be chosen.
        const shuffled = ready.map((task) => ({ task, key: pick() })).sort((a, b) => a.key - b.key);
        order = [...starting, ...shuffled.map((entry) => entry.task)];
      }
      const removed = new Set<Task>();
      for (const task of order.slice(0, excess)) {
        if (task.message < 0) {
          removed.add(task);
        } else if (protectedTasks) {
          // Protected while it holds the message: it stops once the message is done.
          task.stopping = true;
        } else {
          const message = task.message;
          orphans.push({ message, visibleAt: receivedAt[message]! + model.visibilityTimeoutSeconds });
          redoneMessages++;
          redoneSeconds += t - receivedAt[message]!;
          receivedAt[message] = -1;
          removed.add(task);
        }
      }
      tasks = tasks.filter((task) => !removed.has(task));
    }

    taskSeconds += tasks.length;
    // Where each billed second goes: start-up, processing (a message held), or idle.
    for (const task of tasks) {
      if (task.readyAt > t) startUpSeconds++;
      else if (task.message < 0) idleSeconds++;
    }
    peakTasks = Math.max(peakTasks, tasks.length);
    if (t % sampleEvery === 0) samples.push({ t, visible, inFlight, tasks: tasks.length, desired });
  }

  return {
    policy: definition.name,
    description: definition.describe(scaler),
    figures: figuresOf(
      trace,
      { enqueuedAt, receivedAt, doneAt },
      {
        horizon,
        taskSeconds,
        scalingActions: actions.length,
        peakTasks,
        redoneMessages,
        redoneSeconds,
        launches,
        startUpSeconds,
        idleSeconds,
      },
    ),
    samples,
    actions,
    busy: busySeconds,
  };
}

/** Replays `trace` under each policy (default: ecs-pilot, the three references and the clairvoyant one) over the same horizon. */
export function comparePolicies(
  trace: Trace,
  scaler: ScalerConfig,
  policies: readonly PolicyDefinition[] = SIMULATED_POLICIES,
  options: SimulationOptions = {},
): Comparison {
  const model = resolveModel(options.model);
  return {
    totalMessages: trace.totalMessages,
    lastArrival: trace.lastArrival,
    horizonSeconds: trace.lastArrival + (options.tailSeconds ?? 3600) + 1,
    model,
    scaler,
    workFloorTaskMinutes: workFloorTaskMinutes(trace, model),
    runs: policies.map((policy) => simulatePolicy(trace, scaler, policy, options)),
  };
}
