import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ScalerConfig } from './config.js';
import { parseScaleEvent } from './event.js';
import {
  runScalers,
  type Clock,
  type EvaluationOutcome,
  type EvaluationResult,
  type ScalingAdapters,
} from './service.js';
import { invokedFunction } from '../kernel/aws/invoked-function.js';

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

/**
 * No evaluation starts with less than this left of the function's time: one evaluation makes up
 * to five calls, each retried by the SDK within its 10 s request timeout.
 */
export const RESERVE_MS = 12_000;

/** What an invocation returns: counts per outcome and each scaler's outcomes in order. */
export interface ScaleSummary {
  evaluations: number;
  outcomes: Partial<Record<EvaluationOutcome, number>>;
  scalers: Record<string, EvaluationOutcome[]>;
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

/**
 * The scaleQueues handler: parse the payload → evaluate every scaler (decide is pure; the adapters
 * act) → one log line per decision, EMF metrics per scaler. A failing scaler is logged and counted,
 * never thrown: the next minute evaluates it again, and a thrown error would only make Lambda
 * report a failed invocation for the scalers that worked. Only a malformed payload throws.
 */
export function scaleQueuesHandler(options: {
  scalers: readonly ScalerConfig[];
  adapters: ScalingAdapters;
  /** Default: {@link systemClock}. */
  clock?: Clock;
}): (event: unknown, context?: Context) => Promise<ScaleSummary> {
  const clock = options.clock ?? systemClock;
  return invokedFunction({
    service: 'scaling',
    parse: parseScaleEvent,
    process: async (invocation, { logger, metrics, context }) => {
      if (invocation.unreadable) logger.warn('unreadable event field', invocation.unreadable);
      const results = await runScalers(options.scalers, {
        adapters: options.adapters,
        clock,
        logger,
        mode: invocation.mode,
        ...(invocation.anchor !== undefined ? { anchor: invocation.anchor } : {}),
        outOfTime: () => (context ? context.getRemainingTimeInMillis() < RESERVE_MS : false),
        onResult: (result) => publishEvaluationMetrics(metrics, result),
      });
      return summarize(results);
    },
  });
}
