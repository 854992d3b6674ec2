import type { ScalerConfig } from './config.js';
import { scaleInWaitSeconds } from './decide.js';

/** One line a human can check a scaler against: what follows what, how fast and within which bounds. */
export function describeScaler(scaler: ScalerConfig): string {
  const counted = [
    'visible',
    ...(scaler.countInFlight ? ['in flight'] : []),
    ...(scaler.countDelayed ? ['delayed'] : []),
  ];
  const steps = [
    scaler.maxStepOut !== undefined ? `out ≤ ${scaler.maxStepOut}` : '',
    scaler.maxStepIn !== undefined ? `in ≤ ${scaler.maxStepIn}` : '',
  ].filter(Boolean);
  return (
    `scalers/${scaler.name}: ${scaler.queue} (${counted.join(' + ')}) → ${scaler.cluster}/${scaler.service}, ` +
    `${scaler.messagesPerTask} messages per task, ${scaler.min}..${scaler.max} tasks, ` +
    `every ${scaler.intervalSeconds} s${scaler.idleOncePerMinute ? ' (once a minute while idle)' : ''}, ` +
    `scale-in after ${scaleInWaitSeconds(scaler)} s low` +
    (steps.length > 0 ? `, steps ${steps.join(', ')}` : '')
  );
}
