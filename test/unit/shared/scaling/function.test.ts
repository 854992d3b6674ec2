import { describe, expect, it, vi } from 'vitest';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { publishEvaluationMetrics, summarize } from '../../../../shared/scaling/function';
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

/** The parts of an EMF document the test reads. */
interface EmfDocument {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  scaler: string;
  Backlog: number;
}

describe('Function: publishEvaluationMetrics (Powertools Metrics)', () => {
  it('writes one valid EMF document per evaluation, each under its own scaler, however many scalers there are', () => {
    const metrics = new Metrics({ namespace: 'ecs-pilot', serviceName: 'scaling' });
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const scalers = Array.from({ length: 60 }, (_, i) => `scaler-${i}`);

    try {
      // Six evaluations a minute (intervalSeconds 10) of 60 scalers: 2,520 metric values in all.
      for (let tick = 0; tick < 6; tick += 1) {
        for (const scaler of scalers) {
          publishEvaluationMetrics(metrics, {
            scaler,
            outcome: 'unchanged',
            reason: '',
            observation,
            backlog: tick,
            desired: 1,
          });
        }
      }
    } finally {
      write.mockRestore();
    }

    const documents = lines
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as EmfDocument);
    expect(documents).toHaveLength(360);
    for (const [i, doc] of documents.entries()) {
      const directive = doc._aws.CloudWatchMetrics[0]!;
      expect(doc._aws.CloudWatchMetrics).toHaveLength(1);
      expect(directive.Namespace).toBe('ecs-pilot');
      expect(directive.Dimensions).toEqual([['service', 'scaler']]);
      expect(directive.Metrics.length).toBeLessThanOrEqual(100);
      expect(directive.Metrics.map((m) => m.Name).sort()).toEqual([
        'Backlog',
        'BacklogPerTask',
        'DesiredCount',
        'RunningCount',
        'ScalingActions',
        'ScalingConflicts',
        'ScalingErrors',
      ]);
      expect(doc.scaler).toBe(scalers[i % 60]);
      expect(doc.Backlog).toBe(Math.floor(i / 60));
    }
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
