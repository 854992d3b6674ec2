/**
 * Task definitions that EventBridge rules and EventBridge Scheduler schedules start (ECS targets),
 * whoever made them: a nightly job pinned to `family:7` keeps that revision's images. Pure: the
 * adapters (shared/images/aws/scheduled.ts, shared/images/aws/scheduler.ts) list the rules, schedules
 * and targets; this says what each target starts and why it counts.
 */
export interface EcsTarget {
  /** Who starts it, e.g. `EventBridge rule nightly on bus default`. */
  startedBy: string;
  /** EcsParameters.TaskDefinitionArn as the target gives it: with a revision (pinned) or without (family). */
  taskDefinition: string;
}

export interface ScheduledTaskDefinition {
  /** What DescribeTaskDefinition takes: a pinned revision as given, a family resolving to its latest ACTIVE. */
  taskDefinition: string;
  reason: string;
}

export const ruleTarget = (bus: string, rule: string, taskDefinition: string): EcsTarget => ({
  startedBy: `EventBridge rule ${rule} on bus ${bus}`,
  taskDefinition,
});

export const scheduleTarget = (group: string, schedule: string, taskDefinition: string): EcsTarget => ({
  startedBy: `EventBridge Scheduler schedule ${schedule} in group ${group}`,
  taskDefinition,
});

const name = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

export function scheduledTaskDefinitions(targets: readonly EcsTarget[]): ScheduledTaskDefinition[] {
  return targets.map((t) => {
    const pinned = /:\d+$/.test(t.taskDefinition);
    const what = pinned
      ? name(t.taskDefinition)
      : `${name(t.taskDefinition)} (its latest ACTIVE revision, as EventBridge runs it)`;
    return { taskDefinition: t.taskDefinition, reason: `started by ${t.startedBy}: ${what}` };
  });
}

/** Scheduler's universal targets that start ECS tasks; their Input holds the API call's parameters. */
const UNIVERSAL_ECS = /^arn:aws[a-z-]*:scheduler:::aws-sdk:ecs:(runTask|startTask)$/;

/**
 * How a Scheduler target starts ECS tasks, from ListSchedules' target ARN alone (which is all the
 * listing gives): `templated` for the ECS templated target (the cluster's ARN, with EcsParameters),
 * `universal` for `aws-sdk:ecs:runTask`/`startTask`, undefined for any other target (SQS, Lambda, …),
 * which needs no GetSchedule.
 */
export function ecsTargetKind(targetArn: string | undefined): 'templated' | 'universal' | undefined {
  if (!targetArn) return undefined;
  if (/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\//.test(targetArn)) return 'templated';
  return UNIVERSAL_ECS.test(targetArn) ? 'universal' : undefined;
}

/**
 * The task definition a universal `ecs:runTask`/`startTask` target names in its Input (the call's
 * parameters as JSON, `TaskDefinition` or `taskDefinition`). Throws when it cannot be read: what the
 * schedule starts is then unknown, and the scan must fail rather than protect less.
 */
export function universalTaskDefinition(schedule: string, input: string | undefined): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input ?? '');
  } catch {
    throw new Error(
      `schedule ${schedule}: the ECS target's Input is not JSON, so its task definition is unknown`,
    );
  }
  const params = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const taskDefinition = params.TaskDefinition ?? params.taskDefinition;
  if (typeof taskDefinition !== 'string' || taskDefinition.trim() === '') {
    throw new Error(`schedule ${schedule}: the ECS target's Input names no TaskDefinition`);
  }
  return taskDefinition;
}
