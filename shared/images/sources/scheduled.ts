/**
 * Task definitions that EventBridge rules start (ECS targets), whoever made the rule: a nightly job
 * pinned to `family:7` keeps that revision's images. Pure: the adapter (shared/images/aws/scheduled.ts)
 * lists the rules and their targets; this says what each target starts and why it counts.
 */
export interface EcsRuleTarget {
  bus: string;
  rule: string;
  /** EcsParameters.TaskDefinitionArn as the target gives it: with a revision (pinned) or without (family). */
  taskDefinition: string;
}

export interface ScheduledTaskDefinition {
  /** What DescribeTaskDefinition takes: a pinned revision as given, a family resolving to its latest ACTIVE. */
  taskDefinition: string;
  reason: string;
}

const name = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

export function scheduledTaskDefinitions(targets: readonly EcsRuleTarget[]): ScheduledTaskDefinition[] {
  return targets.map((t) => {
    const pinned = /:\d+$/.test(t.taskDefinition);
    const what = pinned
      ? name(t.taskDefinition)
      : `${name(t.taskDefinition)} (its latest ACTIVE revision, as EventBridge runs it)`;
    return {
      taskDefinition: t.taskDefinition,
      reason: `started by EventBridge rule ${t.rule} on bus ${t.bus}: ${what}`,
    };
  });
}
