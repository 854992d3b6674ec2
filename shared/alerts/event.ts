import * as z from 'zod/mini';
import { PermanentError } from '../kernel/errors.js';
import { summarizeIssues } from '../kernel/issues.js';

/**
 * The "ECS Task State Change" event as EventBridge delivers it. Only the fields ecs-pilot reads are
 * checked, by type; AWS adds fields over time, so unknown ones are allowed (and ignored). Nothing
 * is length-limited here: long texts are truncated when rendered, never rejected.
 */
const text = z.string();
const optionalText = z.optional(z.nullable(z.string()));

const containerSchema = z.object({
  name: z.optional(z.nullable(text)),
  exitCode: z.optional(z.nullable(z.number())),
  reason: optionalText,
  lastStatus: optionalText,
  runtimeId: optionalText,
  image: optionalText,
});

const taskStateChangeSchema = z.object({
  id: optionalText,
  source: z.literal('aws.ecs'),
  'detail-type': z.literal('ECS Task State Change'),
  account: optionalText,
  time: optionalText,
  region: optionalText,
  detail: z.object({
    clusterArn: z.string().check(z.minLength(1), z.maxLength(2048)),
    taskArn: z.string().check(z.minLength(1), z.maxLength(2048)),
    taskDefinitionArn: optionalText,
    group: optionalText,
    startedBy: optionalText,
    lastStatus: z.string(),
    desiredStatus: optionalText,
    stopCode: optionalText,
    stoppedReason: optionalText,
    containers: z.optional(z.nullable(z.array(containerSchema))),
    version: z.optional(z.nullable(z.number())),
    createdAt: optionalText,
    startedAt: optionalText,
    stoppingAt: optionalText,
    stoppedAt: optionalText,
    launchType: optionalText,
    capacityProviderName: optionalText,
    platformVersion: optionalText,
    availabilityZone: optionalText,
  }),
});

/** One container of a stopped task, as the event reports it. */
export interface StoppedContainer {
  name: string;
  /** undefined when the container never ran or its exit was not recorded. */
  exitCode: number | undefined;
  reason: string | undefined;
  /** The Docker id; the awslogs stream name when the task definition sets no stream prefix. */
  runtimeId: string | undefined;
}

/** A task state change, normalised: absent and null fields are undefined. */
export interface TaskStateChange {
  eventId: string | undefined;
  /** The event's region, else the one in the cluster ARN. */
  region: string | undefined;
  account: string | undefined;
  /** The partition of the task ARN (aws, aws-cn, aws-us-gov, ...). */
  partition: string;
  time: string | undefined;
  clusterArn: string;
  /** The cluster name (the end of the ARN). */
  cluster: string;
  taskArn: string;
  /** The task id (the end of the ARN). */
  taskId: string;
  taskDefinitionArn: string | undefined;
  family: string | undefined;
  revision: number | undefined;
  group: string | undefined;
  /** From a `service:<name>` group; undefined for standalone tasks. */
  service: string | undefined;
  startedBy: string | undefined;
  lastStatus: string;
  desiredStatus: string | undefined;
  stopCode: string | undefined;
  stoppedReason: string | undefined;
  containers: StoppedContainer[];
  /** Increments with every change of the task; a higher version is newer. */
  version: number | undefined;
  createdAt: string | undefined;
  startedAt: string | undefined;
  stoppingAt: string | undefined;
  stoppedAt: string | undefined;
  launchType: string | undefined;
  capacityProviderName: string | undefined;
}

const orUndefined = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

/** `arn:aws:ecs:eu-west-1:123:cluster/media` → `media`; a task ARN → its id. */
export const lastSegment = (arn: string) => arn.split('/').pop() ?? arn;

/** `.../task-definition/web:42` → { family: 'web', revision: 42 }. */
export function familyOf(taskDefinitionArn: string | undefined): { family?: string; revision?: number } {
  if (!taskDefinitionArn) return {};
  const match = /^(.*?)(?::(\d+))?$/.exec(lastSegment(taskDefinitionArn));
  const family = match?.[1];
  const revision = match?.[2] === undefined ? undefined : Number(match[2]);
  return { ...(family ? { family } : {}), ...(revision !== undefined ? { revision } : {}) };
}

const arnPart = (arn: string, index: number) => {
  const part = arn.startsWith('arn:') ? arn.split(':')[index] : undefined;
  return part ? part : undefined;
};

/** Parses an EventBridge "ECS Task State Change" event; anything else is a PermanentError naming the field. */
export function parseTaskStateChange(event: unknown): TaskStateChange {
  const result = taskStateChangeSchema.safeParse(event);
  if (!result.success) {
    const problems = summarizeIssues(result.error.issues);
    throw new PermanentError(`not an ECS "Task State Change" EventBridge event: ${problems}`);
  }
  const { detail, ...envelope } = result.data;
  const taskDefinitionArn = orUndefined(detail.taskDefinitionArn) || undefined;
  const { family, revision } = familyOf(taskDefinitionArn);
  const group = orUndefined(detail.group) || undefined;
  const service = group?.startsWith('service:') ? group.slice('service:'.length) || undefined : undefined;
  return {
    eventId: orUndefined(envelope.id),
    region: orUndefined(envelope.region) || arnPart(detail.clusterArn, 3) || arnPart(detail.taskArn, 3),
    account: orUndefined(envelope.account) || arnPart(detail.taskArn, 4),
    partition: arnPart(detail.taskArn, 1) ?? arnPart(detail.clusterArn, 1) ?? 'aws',
    time: orUndefined(envelope.time),
    clusterArn: detail.clusterArn,
    cluster: lastSegment(detail.clusterArn),
    taskArn: detail.taskArn,
    taskId: lastSegment(detail.taskArn),
    taskDefinitionArn,
    family,
    revision,
    group,
    service,
    startedBy: orUndefined(detail.startedBy),
    lastStatus: detail.lastStatus,
    desiredStatus: orUndefined(detail.desiredStatus),
    stopCode: orUndefined(detail.stopCode) || undefined,
    stoppedReason: orUndefined(detail.stoppedReason) || undefined,
    containers: (detail.containers ?? []).map((c, index) => ({
      name: orUndefined(c.name) || `container ${index + 1}`,
      exitCode: orUndefined(c.exitCode),
      reason: orUndefined(c.reason) || undefined,
      runtimeId: orUndefined(c.runtimeId) || undefined,
    })),
    version: orUndefined(detail.version),
    createdAt: orUndefined(detail.createdAt),
    startedAt: orUndefined(detail.startedAt),
    stoppingAt: orUndefined(detail.stoppingAt),
    stoppedAt: orUndefined(detail.stoppedAt),
    launchType: orUndefined(detail.launchType),
    capacityProviderName: orUndefined(detail.capacityProviderName),
  };
}
