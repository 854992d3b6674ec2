import type { Config } from './schema.js';
import type { TaskSpec } from '../kernel/config.js';
import { undocumentedCronForms } from '../kernel/scheduler/cron.js';
import { legacyBucketTraits } from '../uploads/bucket.js';

/** Name parts that mark a variable as holding a credential (whole parts only: API_KEY, not KEYBOARD). */
const SECRET_PARTS = new Set(['PASSWORD', 'TOKEN', 'SECRET', 'KEY']);

/**
 * Does a variable name look like it holds a secret? Its parts are split at `_` and at lower-to-upper
 * case changes (`dbPassword`), and compared without case.
 */
export function looksLikeSecretName(name: string): boolean {
  const parts = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split('_')
    .map((part) => part.toUpperCase());
  return parts.some((part) => SECRET_PARTS.has(part));
}

/**
 * Environment entries of a task spec that look like plaintext secrets: a secret-like name with a
 * fixed value. A value built from placeholders (`INPUT_KEY: '{key}'`, the uploaded object's key)
 * comes from the event, not from the config, so it is not flagged.
 */
function plaintextSecrets(task: Pick<TaskSpec, 'environment' | 'container'>, where: string): string[] {
  return Object.entries(task.environment)
    .filter(([name, value]) => value !== '' && !/\{[A-Za-z]+\}/.test(value) && looksLikeSecretName(name))
    .map(
      ([name]) =>
        `${where}.task.environment.${name}: looks like a secret in plaintext (in the config, the packaged stack and every RunTask request); ` +
        `give it to container ${task.container} in ${where}.task.secrets (from SSM Parameter Store or Secrets Manager, read at task start) instead`,
    );
}

/**
 * What is accepted but probably not meant: one line per warning, with the field path. Printed by
 * `ecs-pilot validate` after the verdict; never a reason to refuse the config.
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  for (const [i, trigger] of config.uploads.entries()) {
    warnings.push(...plaintextSecrets(trigger.task, `uploads[${i}]`));
    if (trigger.batch && !trigger.task.roles.task) {
      warnings.push(
        `uploads[${i}].task.roles.task: a batch's task reads its manifest from s3 (ECS_PILOT_MANIFEST_URI), which needs a task role; ` +
          'without one it has only the inline copy (ECS_PILOT_MANIFEST), which is left out when the overrides would pass 8,192 bytes',
      );
    }
    const legacy = legacyBucketTraits(trigger.bucket);
    if (legacy) {
      warnings.push(
        `uploads[${i}].bucket ${trigger.bucket}: only a bucket created in us-east-1 before March 2018 can have this name (${legacy}); ` +
          'check that it exists: no bucket created today can',
      );
    }
  }
  for (const [i, schedule] of config.schedules.entries()) {
    warnings.push(...plaintextSecrets(schedule.task, `schedules[${i}]`));
    for (const form of undocumentedCronForms(schedule.schedule)) {
      warnings.push(
        `schedules[${i}].schedule ${schedule.schedule}: ${form} is accepted by EventBridge but not documented in AWS's cron reference`,
      );
    }
  }
  return warnings;
}
