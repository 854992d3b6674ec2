import { describe, expect, it } from 'vitest';
import { publishEvaluationMetrics, summarize } from '../../../../shared/aws/scaling-function';
import type { EvaluationResult } from '../../../../shared/scaling/service';

/** A metrics sink that records what would be published, flush by flush. */
function recordingMetrics() {
  const flushes: { dimensions: Record<string, string>; metrics: Record<string, number> }[] = [];
  let current = { dimensions: {} as Record<string, string>, metrics: {} as Record<string, number> };
  return {
    flushes,
    addDimension: (name: string, value: string) => void (current.dimensions[name] = value),
    addMetric: (name: string, _unit: unknown, value: number) => void (current.metrics[name] = value),
    publishStoredMetrics: () => {
      flushes.push(current);
      current = { dimensions: {}, metrics: {} };
    },
  };
}

const observation = { visible: 20, inFlight: 4, delayed: 0, running: 1, desired: 1 };

describe('Function: publishEvaluationMetrics', () => {
  it('publishes the figures of a scale-out under the scaler’s dimension, backlog per task over the new count', () => {
    const metrics = recordingMetrics();

    publishEvaluationMetrics(metrics as never, {
      scaler: 'video-workers',
      outcome: 'scale-out',
      reason: '',
      observation,
      backlog: 24,
      desired: 3,
    });

    expect(metrics.flushes).toEqual([
      {
        dimensions: { scaler: 'video-workers' },
        metrics: {
          Backlog: 24,
          BacklogPerTask: 8,
          DesiredCount: 3,
          RunningCount: 1,
          ScalingActions: 1,
          ScalingConflicts: 0,
          ScalingErrors: 0,
        },
      },
    ]);
  });

  it('counts backlog per task over at least one task when the service is at 0', () => {
    const metrics = recordingMetrics();

    publishEvaluationMetrics(metrics as never, {
      scaler: 'a',
      outcome: 'unchanged',
      reason: '',
      observation: { ...observation, desired: 0, running: 0 },
      backlog: 0,
      desired: 0,
    });

    expect(metrics.flushes[0]?.metrics).toMatchObject({
      BacklogPerTask: 0,
      DesiredCount: 0,
      ScalingActions: 0,
    });
  });

  it.each([
    ['failed', { ScalingErrors: 1, ScalingConflicts: 0, ScalingActions: 0 }],
    ['conflict', { ScalingErrors: 0, ScalingConflicts: 1, ScalingActions: 0 }],
  ] as const)('publishes only the counters for a %s evaluation without figures', (outcome, counters) => {
    const metrics = recordingMetrics();

    publishEvaluationMetrics(metrics as never, { scaler: 'a', outcome, reason: '' });

    expect(metrics.flushes).toEqual([{ dimensions: { scaler: 'a' }, metrics: counters }]);
  });
});

describe('Function: summarize', () => {
  it('counts outcomes and lists each scaler’s in evaluation order', () => {
    const results: EvaluationResult[] = [
      { scaler: 'a', outcome: 'scale-out', reason: '' },
      { scaler: 'b', outcome: 'failed', reason: '' },
      { scaler: 'a', outcome: 'unchanged', reason: '' },
    ];

    expect(summarize(results)).toEqual({
      evaluations: 3,
      outcomes: { 'scale-out': 1, failed: 1, unchanged: 1 },
      scalers: { a: ['scale-out', 'unchanged'], b: ['failed'] },
    });
  });
});
