import type { Context, SQSBatchResponse } from 'aws-lambda';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ScalerConfig } from './config.js';
import {
  isSqsEvent,
  parseScaleEvent,
  parseTickEvent,
  type ScaleInvocation,
  type TickDelivery,
} from './event.js';
import type { Clock, EvaluationOutcome, EvaluationResult, ScalingAdapters } from './service.js';
import {
  evaluateRound,
  newMemory,
  runTick,
  type TickAdapters,
  type TickOutcome,
  type TickRequest,
} from './chain.js';
import { chainsOf } from './ticks.js';
import { invokedFunction } from '../kernel/aws/invoked-function.js';

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** What a direct invocation returns: counts per outcome, each scaler's outcomes, and each tick. */
export interface ScaleSummary {
  evaluations: number;
  outcomes: Partial<Record<EvaluationOutcome, number>>;
  scalers: Record<string, EvaluationOutcome[]>;
  /** The heartbeat's ticks, one per chain: the slot, whether it evaluated, and the next tick sent. */
  ticks?: Pick<TickOutcome, 'intervalSeconds' | 'slot' | 'status' | 'next'>[];
}

/**
 * Emits one evaluation as EMF metrics with the dimension `scaler`: Backlog, BacklogPerTask (the
 * backlog over the desired count after the decision, at least 1: compare it with messagesPerTask),
 * DesiredCount, RunningCount when the figures were read; ScalingActions, ScalingConflicts and
 * ScalingErrors as 0 or 1 every time, so alarms see a continuous series.
 */
export function publishEvaluationMetrics(
  metrics: Pick<Metrics, 'addDimension' | 'addMetric' | 'publishStoredMetrics'>,
  result: EvaluationResult,
): void {
  // Synchronous from addDimension to publish: concurrent evaluations never mix their dimensions.
  metrics.addDimension('scaler', result.scaler);
  if (result.observation && result.backlog !== undefined) {
    const desired = result.desired ?? result.observation.desired;
    metrics.addMetric('Backlog', MetricUnit.Count, result.backlog);
    metrics.addMetric('BacklogPerTask', MetricUnit.Count, result.backlog / Math.max(1, desired));
    metrics.addMetric('DesiredCount', MetricUnit.Count, desired);
    metrics.addMetric('RunningCount', MetricUnit.Count, result.observation.running);
  }
  const acted = result.outcome === 'scale-out' || result.outcome === 'scale-in';
  metrics.addMetric('ScalingActions', MetricUnit.Count, acted ? 1 : 0);
  metrics.addMetric('ScalingConflicts', MetricUnit.Count, result.outcome === 'conflict' ? 1 : 0);
  metrics.addMetric('ScalingErrors', MetricUnit.Count, result.outcome === 'failed' ? 1 : 0);
  metrics.publishStoredMetrics();
}

/** Counts outcomes, and lists each scaler's outcomes in the order of its evaluations. */
export function summarize(results: readonly EvaluationResult[]): ScaleSummary {
  const summary: ScaleSummary = { evaluations: results.length, outcomes: {}, scalers: {} };
  for (const result of results) {
    summary.outcomes[result.outcome] = (summary.outcomes[result.outcome] ?? 0) + 1;
    (summary.scalers[result.scaler] ??= []).push(result.outcome);
  }
  return summary;
}

/** A tick event's outcome per chain, as the messages that asked for it. */
function tickRequests(delivery: TickDelivery): TickRequest[] {
  const byChain = new Map<number, TickRequest>();
  for (const tick of delivery.ticks) {
    const request = byChain.get(tick.intervalSeconds);
    if (!request) {
      byChain.set(tick.intervalSeconds, { ...tick, messageIds: [tick.messageId] });
      continue;
    }
    // Two ticks of one chain in one batch (a duplicate, the heartbeat's restart): one claim for the newest.
    request.slot = Math.max(request.slot ?? 0, tick.slot);
    request.messageIds.push(tick.messageId);
  }
  return [...byChain.values()].map(({ intervalSeconds, slot, messageIds }) => ({
    intervalSeconds,
    ...(slot !== undefined ? { slot } : {}),
    messageIds,
  }));
}

const briefTick = ({ intervalSeconds, slot, status, next }: TickOutcome) => ({
  intervalSeconds,
  slot,
  status,
  ...(next ? { next } : {}),
});

type Invocation = { kind: 'ticks'; delivery: TickDelivery } | { kind: 'direct'; invocation: ScaleInvocation };

const parseInvocation = (event: unknown): Invocation =>
  isSqsEvent(event)
    ? { kind: 'ticks', delivery: parseTickEvent(event) }
    : { kind: 'direct', invocation: parseScaleEvent(event) };

/**
 * The scaleQueues handler, for three kinds of invocation:
 * - the tick queue's messages (its event source mapping): one tick of each chain named — claim the
 *   slot, evaluate, send the next tick — answering with the messages to retry (a failed claim or
 *   send) as batch item failures;
 * - Scheduler's heartbeat (`{"mode": "minute"}`): one tick of every chain, which starts a chain that broke;
 * - on demand (`{}`): every scaler once, no chain.
 * Each evaluation logs one decision line and publishes EMF metrics. A failing scaler is logged and
 * counted, never thrown. Only a malformed direct payload throws; a malformed tick is dropped with a warning.
 */
export function scaleQueuesHandler(options: {
  scalers: readonly ScalerConfig[];
  adapters: ScalingAdapters & TickAdapters;
  /** Default: {@link systemClock}. */
  clock?: Clock;
}): (event: unknown, context?: Context) => Promise<ScaleSummary | SQSBatchResponse> {
  const clock = options.clock ?? systemClock;
  const chains = chainsOf(options.scalers);
  // Kept while the function is warm: idle services and App AS bounds, each for at most a minute.
  const memory = newMemory();
  return invokedFunction<Invocation, ScaleSummary | SQSBatchResponse>({
    service: 'scaling',
    parse: parseInvocation,
    process: async (input, { logger, metrics }) => {
      const onResult = (result: EvaluationResult) => publishEvaluationMetrics(metrics, result);
      const tools = { adapters: options.adapters, clock, logger, memory, onResult };
      if (input.kind === 'ticks') {
        for (const bad of input.delivery.malformed) logger.warn('malformed tick dropped', bad);
        const outcomes = await Promise.all(
          tickRequests(input.delivery).map((request) => runTick(chains, request, tools)),
        );
        logger.info('ticks', { ticks: outcomes.map(briefTick) });
        const retry = outcomes.filter((o) => o.error !== undefined).flatMap((o) => o.messageIds);
        return { batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })) };
      }
      const { invocation } = input;
      if (invocation.unreadable) logger.warn('unreadable event field', invocation.unreadable);
      if (invocation.mode === 'once') {
        const results = await evaluateRound(options.scalers, { ...tools, now: clock.now() });
        return summarize(results);
      }
      const outcomes = await Promise.all(
        chains.map((chain) =>
          runTick(chains, { intervalSeconds: chain.intervalSeconds, messageIds: [] }, tools),
        ),
      );
      logger.info('heartbeat', {
        ...(invocation.anchor !== undefined ? { lateMs: clock.now() - invocation.anchor } : {}),
        ticks: outcomes.map(briefTick),
      });
      return { ...summarize(outcomes.flatMap((o) => o.results)), ticks: outcomes.map(briefTick) };
    },
  });
}
