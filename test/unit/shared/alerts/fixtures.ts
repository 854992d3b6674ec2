import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertsSchema, type AlertsConfig } from '../../../../shared/config/schema';
import { parseTaskStateChange, type TaskStateChange } from '../../../../shared/alerts/event';

const EVENTS = join(import.meta.dirname, '../../../../events');

/** The shipped sample events, by case: `oom`, `exit-1`, `scale-in`, ... (events/ecs-task-stopped-<case>.json). */
export const SAMPLE_CASES = [
  'oom',
  'exit-1',
  'exit-0',
  'failed-to-start-pull',
  'failed-to-start-secrets',
  'user-initiated',
  'scale-in',
  'elb-health-check',
  'spot-interruption',
  'termination-notice',
] as const;
export type SampleCase = (typeof SAMPLE_CASES)[number];

/** A shipped sample event, parsed from JSON (a fresh copy each time). */
export function sampleEvent(name: SampleCase): Record<string, unknown> & { detail: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(EVENTS, `ecs-task-stopped-${name}.json`), 'utf8')) as Record<
    string,
    unknown
  > & { detail: Record<string, unknown> };
}

export interface ContainerOptions {
  name?: string;
  exitCode?: number | null;
  reason?: string;
  runtimeId?: string;
}

export interface StoppedOptions {
  cluster?: string;
  /** `null` leaves the group out; a string without `:` is a service name. */
  group?: string | null;
  service?: string;
  family?: string;
  revision?: number;
  taskId?: string;
  stopCode?: string | null;
  stoppedReason?: string;
  lastStatus?: string;
  containers?: ContainerOptions[];
  version?: number;
  region?: string;
  partition?: string;
  startedAt?: string | null;
  stoppedAt?: string;
  id?: string;
}

/** A real-shaped "ECS Task State Change" event (an OOM-killed container of service web in prod by default). */
export function stoppedEvent(options: StoppedOptions = {}) {
  const region = options.region ?? 'eu-west-1';
  const partition = options.partition ?? 'aws';
  const arn = `arn:${partition}:ecs:${region}:111122223333`;
  const cluster = options.cluster ?? 'prod';
  const taskId = options.taskId ?? '6f4c1a2b3d4e4f5a8b9c0d1e2f3a4b5c';
  const family = options.family ?? 'web';
  const group = options.group === null ? undefined : (options.group ?? `service:${options.service ?? 'web'}`);
  const containers = (
    options.containers ?? [
      { name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
      { name: 'log-router', exitCode: 0 },
    ]
  ).map((c) => {
    const container: Record<string, unknown> = { name: c.name ?? 'app', lastStatus: 'STOPPED' };
    if (c.exitCode !== undefined) container.exitCode = c.exitCode;
    if (c.reason !== undefined) container.reason = c.reason;
    if (c.runtimeId !== undefined) container.runtimeId = c.runtimeId;
    return container;
  });
  return {
    version: '0',
    id: options.id ?? '9a3c6e4b-1f2d-4c5e-8a7b-0d9e8f7a6b5c',
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: '111122223333',
    time: '2026-11-21T09:42:17Z',
    region,
    resources: [`${arn}:task/${cluster}/${taskId}`],
    detail: {
      clusterArn: `${arn}:cluster/${cluster}`,
      taskArn: `${arn}:task/${cluster}/${taskId}`,
      taskDefinitionArn: `${arn}:task-definition/${family}:${options.revision ?? 42}`,
      ...(group !== undefined ? { group } : {}),
      startedBy: 'ecs-svc/4821937465018273645',
      launchType: 'FARGATE',
      lastStatus: options.lastStatus ?? 'STOPPED',
      desiredStatus: 'STOPPED',
      ...(options.stopCode === null ? {} : { stopCode: options.stopCode ?? 'EssentialContainerExited' }),
      stoppedReason: options.stoppedReason ?? 'Essential container in task exited',
      containers,
      createdAt: '2026-11-21T09:18:02.112Z',
      ...(options.startedAt === null ? {} : { startedAt: options.startedAt ?? '2026-11-21T09:18:16.377Z' }),
      stoppingAt: '2026-11-21T09:42:03.120Z',
      stoppedAt: options.stoppedAt ?? '2026-11-21T09:42:16.861Z',
      version: options.version ?? 5,
    },
  };
}

/** The same, parsed. */
export const stopped = (options: StoppedOptions = {}): TaskStateChange =>
  parseTaskStateChange(stoppedEvent(options));

/** Alerts config with defaults applied (emails required by the schema). */
export const alertsConfig = (fields: Partial<Record<keyof AlertsConfig, unknown>> = {}): AlertsConfig =>
  alertsSchema.parse({ emails: ['oncall@example.com'], ...fields });
