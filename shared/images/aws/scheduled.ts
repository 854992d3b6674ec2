import {
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type ListRulesCommandInput,
  type ListRulesCommandOutput,
  type ListTargetsByRuleCommandInput,
  type ListTargetsByRuleCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { createPaginator } from '@smithy/core';
import { DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { PermanentError } from '../../kernel/errors.js';
import { classifyEcsError } from '../../kernel/aws/errors.js';
import type { ImageUse } from '../protect.js';
import { ruleTarget, scheduledTaskDefinitions, type EcsTarget } from '../sources/scheduled.js';
import type { InUseSource } from '../sources/port.js';

/**
 * EventBridge's SDK client ships no paginators for these two calls; the SDK's own paginator factory
 * (the one every generated paginator uses) makes them, so no page loop is written here.
 */
type Paginate<I, O> = (config: { client: EventBridgeClient }, input: I) => AsyncGenerator<O>;
const paginateListRules: Paginate<ListRulesCommandInput, ListRulesCommandOutput> = createPaginator(
  EventBridgeClient,
  ListRulesCommand,
  'NextToken',
  'NextToken',
  'Limit',
);
const paginateListTargetsByRule: Paginate<ListTargetsByRuleCommandInput, ListTargetsByRuleCommandOutput> =
  createPaginator(EventBridgeClient, ListTargetsByRuleCommand, 'NextToken', 'NextToken', 'Limit');

/**
 * EventBridge rules with ECS targets on the configured buses: the images of the task definition each
 * target starts. Rules of every kind count (scheduled or event pattern, enabled or disabled: a
 * disabled nightly job is often re-enabled). Any error rejects the whole scan.
 */
export class EventRuleTargetsSource implements InUseSource {
  readonly name = 'EventBridge rules';

  constructor(
    private readonly events: EventBridgeClient,
    private readonly ecs: ECSClient,
    private readonly options: { buses: readonly string[] },
  ) {}

  async uses(): Promise<ImageUse[]> {
    const targets: EcsTarget[] = [];
    for (const bus of this.options.buses) {
      const rules: string[] = [];
      for await (const page of paginateListRules({ client: this.events }, { EventBusName: bus })) {
        rules.push(...(page.Rules ?? []).flatMap((rule) => (rule.Name ? [rule.Name] : [])));
      }
      for (const rule of rules) {
        const ecsTargets: string[] = [];
        for await (const page of paginateListTargetsByRule(
          { client: this.events },
          { Rule: rule, EventBusName: bus },
        )) {
          ecsTargets.push(
            ...(page.Targets ?? []).flatMap((t) =>
              t.EcsParameters?.TaskDefinitionArn ? [t.EcsParameters.TaskDefinitionArn] : [],
            ),
          );
        }
        targets.push(...ecsTargets.map((taskDefinition) => ruleTarget(bus, rule, taskDefinition)));
      }
    }
    return targetUses(this.ecs, targets);
  }
}

/**
 * The images of the task definitions ECS targets start: one DescribeTaskDefinition per distinct task
 * definition (a pinned revision as given, a family as its latest ACTIVE revision), one use per target
 * and container. Any error rejects: what the target starts would be unknown.
 */
export async function targetUses(ecs: ECSClient, targets: readonly EcsTarget[]): Promise<ImageUse[]> {
  const described = new Map<string, { name: string; image: string }[]>();
  const uses: ImageUse[] = [];
  for (const { taskDefinition, reason } of scheduledTaskDefinitions(targets)) {
    let containers = described.get(taskDefinition);
    if (!containers) {
      let response;
      try {
        response = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
      } catch (error) {
        throw classifyEcsError(error, `DescribeTaskDefinition ${taskDefinition} (${reason})`);
      }
      const found = response.taskDefinition?.containerDefinitions;
      if (!found)
        throw new PermanentError(`DescribeTaskDefinition ${taskDefinition}: no containers in the response`);
      containers = found.map((c) => ({ name: c.name ?? '?', image: c.image ?? '' }));
      described.set(taskDefinition, containers);
    }
    for (const c of containers) uses.push({ image: c.image, reason: `${reason}, container ${c.name}` });
  }
  return uses;
}
