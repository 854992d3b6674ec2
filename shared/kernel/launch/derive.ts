import { createHash } from 'node:crypto';
import { PermanentError } from '../errors.js';

/**
 * The derived task definition that carries a spec's secrets (pure). RunTask cannot pass secrets
 * (ContainerOverride has no `secrets`; ECS API Reference), so a spec with secrets runs a revision
 * registered by ecs-pilot: the base revision's definition with the secrets added to the spec's
 * container, in a family of its own whose name ends in a hash of the whole definition.
 *
 * Content-addressed families make registration safe under at-least-once delivery and concurrent
 * instances: every revision of such a family holds the same definition, so whichever instance
 * registers, everyone runs the family's lowest ACTIVE revision, and a redelivered event resolves to
 * the same ARN (its RunTask clientToken meets the same parameters).
 */

/** What a launch asks for: the spec's container and its secrets, and the execution role that reads them. */
export interface SecretsPlan {
  container: string;
  /** ECS's container `secrets`, sorted by name. */
  secrets: { name: string; valueFrom: string }[];
  /** `roles.execution` from the config: a role name or ARN. */
  executionRole: string;
}

/** The parts of DescribeTaskDefinition's answer this reads (structurally the SDK's TaskDefinition). */
export interface BaseTaskDefinition {
  taskDefinitionArn?: string | undefined;
  family?: string | undefined;
  containerDefinitions?: ContainerDefinition[] | undefined;
  executionRoleArn?: string | undefined;
  [field: string]: unknown;
}

interface ContainerDefinition {
  name?: string | undefined;
  environment?: { name?: string | undefined; value?: string | undefined }[] | undefined;
  secrets?: { name?: string | undefined; valueFrom?: string | undefined }[] | undefined;
  [field: string]: unknown;
}

/** Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not take. */
const DESCRIBED_ONLY = new Set([
  'taskDefinitionArn',
  'family',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
]);

/**
 * ECS's task definition size quota: 64 KiB (Amazon ECS service quotas, "Task definition size limit", not
 * adjustable). Which bytes ECS measures is not documented; every reading includes the container
 * definitions, and compact UTF-8 JSON is their smallest form, so a derived definition whose container
 * definitions alone are larger is over the limit under any reading.
 */
export const MAX_TASK_DEFINITION_BYTES = 64 * 1024;

/** ECS allows 255 letters, digits, hyphens and underscores in a family name. */
export const MAX_FAMILY_LENGTH = 255;
/** What marks a family as derived by ecs-pilot (the IAM grant to tag it matches on it). */
export const DERIVED_FAMILY_MARK = '-ecs-pilot-';
const HASH_LENGTH = 16;

/**
 * The start of every family derived from `family`: the base cut so that the mark and the hash fit
 * in MAX_FAMILY_LENGTH, then the mark. The IAM grants (launch/deploy.ts) match on it as well.
 */
export const derivedFamilyPrefix = (family: string) =>
  `${family.slice(0, MAX_FAMILY_LENGTH - DERIVED_FAMILY_MARK.length - HASH_LENGTH)}${DERIVED_FAMILY_MARK}`;

/** Tags on a derived revision: the stack that may register it (its IAM condition), and its base. */
export const DERIVED_TAGS = { stack: 'ecs-pilot:stack', base: 'ecs-pilot:derived-from' } as const;

export interface DerivedRegistration {
  /** `<base family>-ecs-pilot-<16 hex of the definition's SHA-256>`. */
  family: string;
  /** RegisterTaskDefinition's input, without tags. */
  definition: Record<string, unknown>;
  /** The revision it derives from. */
  baseArn: string;
}

/** JSON with object keys sorted at every level: the same definition always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A role's name, from its name or ARN (a role is compared, and granted, by name). */
export const roleName = (role: string) => role.split('/').pop()!;

/**
 * The registration for `base` with `plan`'s secrets. The secrets replace the container's own
 * secrets of the same name (and an environment entry of that name, which would shadow them); the
 * execution role must be the one the stack grants (`roles.execution`), or the base must have none,
 * and then it gets that one. Throws PermanentError when the base cannot carry them.
 */
export function deriveRegistration(base: BaseTaskDefinition, plan: SecretsPlan): DerivedRegistration {
  const baseArn = base.taskDefinitionArn;
  const family = base.family;
  if (!baseArn || !family) throw new PermanentError('DescribeTaskDefinition returned no family or ARN');
  const containers = base.containerDefinitions ?? [];
  if (!containers.some((c) => c.name === plan.container)) {
    throw new PermanentError(
      `container ${plan.container} is not in task definition ${baseArn} (it has ${containers.map((c) => c.name).join(', ') || 'none'}); its secrets have nowhere to go`,
    );
  }
  const executionRoleArn = base.executionRoleArn ?? roleArnFor(plan.executionRole, baseArn);
  if (roleName(executionRoleArn) !== roleName(plan.executionRole)) {
    throw new PermanentError(
      `task definition ${baseArn} runs with execution role ${executionRoleArn}, but the stack grants secret access to roles.execution ${plan.executionRole}; set roles.execution to the task definition's role`,
    );
  }
  const ours = new Set(plan.secrets.map((s) => s.name));
  const definition: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(base)) {
    if (!DESCRIBED_ONLY.has(field) && value !== undefined) definition[field] = value;
  }
  definition.executionRoleArn = executionRoleArn;
  definition.containerDefinitions = containers.map((container) => {
    if (container.name !== plan.container) return container;
    const kept = (container.secrets ?? []).filter((s) => !ours.has(s.name ?? ''));
    const environment = container.environment?.filter((e) => !ours.has(e.name ?? ''));
    return {
      ...container,
      ...(environment ? { environment } : {}),
      secrets: [...kept, ...plan.secrets].sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : 1)),
    };
  });
  const containerBytes = Buffer.byteLength(JSON.stringify(definition.containerDefinitions), 'utf8');
  if (containerBytes > MAX_TASK_DEFINITION_BYTES) {
    throw new PermanentError(
      `task definition ${baseArn} with the ${plan.secrets.length} secrets of container ${plan.container} would hold ` +
        `${containerBytes} bytes of container definitions, over ECS's task definition size of ` +
        `${MAX_TASK_DEFINITION_BYTES} bytes (64 KiB); nothing is registered: shorten the task definition or configure fewer secrets`,
    );
  }
  const hash = createHash('sha256').update(canonical(definition)).digest('hex').slice(0, HASH_LENGTH);
  return { family: `${derivedFamilyPrefix(family)}${hash}`, definition, baseArn };
}

/** A role's ARN from a name, in the partition and account of the task definition that uses it. */
function roleArnFor(role: string, taskDefinitionArn: string): string {
  if (role.startsWith('arn:')) return role;
  const [, partition, , , account] = taskDefinitionArn.split(':');
  return `arn:${partition}:iam::${account}:role/${role}`;
}

/**
 * The revision to run among a derived family's ACTIVE ones (ARNs in any order): the lowest, so
 * instances that registered concurrently all settle on the same one. Undefined when there is none.
 */
export function revisionToRun(family: string, arns: readonly string[]): string | undefined {
  const revisions = arns
    .map((arn) => /task-definition\/([A-Za-z0-9_-]+):(\d+)$/.exec(arn))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === family)
    .map((m) => ({ arn: m.input, revision: Number(m[2]) }))
    .sort((a, b) => a.revision - b.revision);
  return revisions[0]?.arn;
}
