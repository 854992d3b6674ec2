import type { UploadTrigger } from '../config/schema.js';

const bytes = (n: number) =>
  n >= 1024 ** 3
    ? `${+(n / 1024 ** 3).toFixed(1)} GiB`
    : n >= 1024 ** 2
      ? `${+(n / 1024 ** 2).toFixed(1)} MiB`
      : n >= 1024
        ? `${+(n / 1024).toFixed(1)} KiB`
        : `${n} B`;

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
  ].join('');
}
