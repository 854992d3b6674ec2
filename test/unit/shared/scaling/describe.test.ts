import { describe, expect, it } from 'vitest';
import { describeScaler } from '../../../../shared/scaling/describe';
import { parsedScaler } from './fixtures';

const scaler = parsedScaler;

describe('Function: describeScaler', () => {
  it('names the queue, what is counted, the service, the bounds and the defaults', () => {
    expect(describeScaler(scaler())).toBe(
      'scalers/video-workers: video-jobs (visible + in flight) → media/video-worker, 10 messages per task, ' +
        '0..40 tasks, every 10 s, scale-in after 60 s low',
    );
  });

  it('lists delayed messages and step limits when configured', () => {
    expect(
      describeScaler(scaler({ countInFlight: false, countDelayed: true, maxStepOut: 4, maxStepIn: 2 })),
    ).toBe(
      'scalers/video-workers: video-jobs (visible + delayed) → media/video-worker, 10 messages per task, ' +
        '0..40 tasks, every 10 s, scale-in after 60 s low, steps out ≤ 4, in ≤ 2',
    );
  });

  it('says when idle evaluations are once a minute, and which wait a slow start-up leaves', () => {
    expect(describeScaler(scaler({ idleOncePerMinute: true, taskStartupSeconds: 900 }))).toBe(
      'scalers/video-workers: video-jobs (visible + in flight) → media/video-worker, 10 messages per task, ' +
        '0..40 tasks, every 10 s (once a minute while idle), scale-in after 300 s low',
    );
  });
});
