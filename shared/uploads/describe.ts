import type { UploadTrigger } from '../config/schema.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units, one decimal; the unit is chosen after rounding (1048575 → 1 MiB). */
const bytes = (n: number) => {
  let value = n;
  let unit = 0;
  while (unit < UNITS.length - 1 && +value.toFixed(1) >= 1024) {
    value /= 1024;
    unit += 1;
  }
  return `${+value.toFixed(1)} ${UNITS[unit]}`;
};

/** One line a human can check a trigger against: what it watches and what it starts. */
export function describeUploadTrigger(trigger: UploadTrigger): string {
  const size = [
    trigger.minSize !== undefined ? `≥ ${bytes(trigger.minSize)}` : '',
    trigger.maxSize !== undefined ? `≤ ${bytes(trigger.maxSize)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const capacity = trigger.task.capacityProviderStrategy
    ? trigger.task.capacityProviderStrategy.map((c) => c.capacityProvider).join('+')
    : 'FARGATE';
  return [
    `uploads/${trigger.name}: s3://${trigger.bucket}/${trigger.prefix}*${trigger.suffix ?? ''}`,
    size ? ` (${size})` : '',
    ` → ${trigger.task.cluster}/${trigger.task.taskDefinition} [${capacity}]`,
    trigger.task.maxRunning !== undefined ? `, at most ${trigger.task.maxRunning} running` : '',
    trigger.batch
      ? `, one task per batch of up to ${trigger.batch.maxObjects} objects (gathered up to ${trigger.batch.maxWaitSeconds} s)`
      : '',
  ].join('');
}
