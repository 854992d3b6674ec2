import { DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { RevisionCache } from '../../kernel/launch/revision-cache.js';
import { taskDefinitionInfo, type TaskDefinitionInfo } from '../task-definition.js';

export interface TaskDefinitionReaderOptions {
  /** Revisioned task definitions never change, so they are cached for the life of the container; default 200. */
  maxEntries?: number;
}

/**
 * Reads task definitions for their essential flags and awslogs settings (DescribeTaskDefinition,
 * read-only), cached per cold start. Errors propagate as they are: the caller alerts anyway,
 * without log links.
 */
export class TaskDefinitionReader {
  private readonly cache: RevisionCache<TaskDefinitionInfo>;

  constructor(
    private readonly ecs: ECSClient,
    options: TaskDefinitionReaderOptions = {},
  ) {
    this.cache = new RevisionCache(options.maxEntries ?? 200);
  }

  /** The container facts, or undefined when the response lists no containers. */
  describe(taskDefinitionArn: string): Promise<TaskDefinitionInfo | undefined> {
    return this.cache.get(taskDefinitionArn, async () =>
      taskDefinitionInfo(
        await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn })),
      ),
    );
  }
}
