import {
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import { DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { PermanentError } from '../../kernel/errors.js';
import { classifyEcsError } from '../../kernel/aws/errors.js';
import type { ImageUse } from '../protect.js';
import { scheduledTaskDefinitions, type EcsRuleTarget } from '../sources/scheduled.js';
import type { InUseSource } from '../sources/port.js';

/**
 * Every page of a NextToken listing. The EventBridge client ships no paginators for ListRules and
 * ListTargetsByRule, so this is the one place that follows the token; the SDK's retry strategy still
 * retries each page.
 */
async function allPages<T>(page: (token: string | undefined) => Promise<{ items: T[]; next?: string }>) {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const result = await page(token);
    items.push(...result.items);
    token = result.next;
  } while (token);
  return items;
}

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
    const targets: EcsRuleTarget[] = [];
    for (const bus of this.options.buses) {
      const rules = await allPages(async (NextToken) => {
        const r = await this.events.send(new ListRulesCommand({ EventBusName: bus, NextToken }));
        return {
          items: (r.Rules ?? []).flatMap((rule) => (rule.Name ? [rule.Name] : [])),
          next: r.NextToken,
        };
      });
      for (const rule of rules) {
        const ecsTargets = await allPages(async (NextToken) => {
          const r = await this.events.send(
            new ListTargetsByRuleCommand({ Rule: rule, EventBusName: bus, NextToken }),
          );
          const items = (r.Targets ?? []).flatMap((t) =>
            t.EcsParameters?.TaskDefinitionArn ? [t.EcsParameters.TaskDefinitionArn] : [],
          );
          return { items, next: r.NextToken };
        });
        targets.push(...ecsTargets.map((taskDefinition) => ({ bus, rule, taskDefinition })));
      }
    }
    const uses: ImageUse[] = [];
    for (const { taskDefinition, reason } of scheduledTaskDefinitions(targets)) {
      let response;
      try {
        response = await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
      } catch (error) {
        throw classifyEcsError(error, `DescribeTaskDefinition ${taskDefinition} (${reason})`);
      }
      const containers = response.taskDefinition?.containerDefinitions;
      if (!containers)
        throw new PermanentError(`DescribeTaskDefinition ${taskDefinition}: no containers in the response`);
      for (const c of containers)
        uses.push({ image: c.image ?? '', reason: `${reason}, container ${c.name ?? '?'}` });
    }
    return uses;
  }
}
