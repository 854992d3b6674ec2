/** What an alert needs from a task definition: which containers are essential, and where they log. */
export interface ContainerInfo {
  name: string;
  /** ECS treats a container without `essential` as essential. */
  essential: boolean;
  /** Set when the container logs with the awslogs driver. */
  logs?: { group: string; region?: string; streamPrefix?: string };
}

export interface TaskDefinitionInfo {
  containers: ContainerInfo[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Reads the container facts from a task definition: `DescribeTaskDefinition`'s response (SDK or
 * `aws ecs describe-task-definition` JSON) or the task definition itself. Containers that cannot be
 * read are left out; undefined when there is no container list at all.
 */
export function taskDefinitionInfo(raw: unknown): TaskDefinitionInfo | undefined {
  const definition = isObject(raw) && isObject(raw.taskDefinition) ? raw.taskDefinition : raw;
  if (!isObject(definition) || !Array.isArray(definition.containerDefinitions)) return undefined;
  const containers: ContainerInfo[] = [];
  for (const container of definition.containerDefinitions) {
    if (!isObject(container)) continue;
    const name = str(container.name);
    if (!name) continue;
    const info: ContainerInfo = { name, essential: container.essential !== false };
    const logging = container.logConfiguration;
    if (isObject(logging) && logging.logDriver === 'awslogs' && isObject(logging.options)) {
      const group = str(logging.options['awslogs-group']);
      if (group) {
        const region = str(logging.options['awslogs-region']);
        const streamPrefix = str(logging.options['awslogs-stream-prefix']);
        info.logs = { group, ...(region ? { region } : {}), ...(streamPrefix ? { streamPrefix } : {}) };
      }
    }
    containers.push(info);
  }
  return { containers };
}

/** Names of the essential containers, or undefined when the task definition is unknown. */
export const essentialContainers = (info: TaskDefinitionInfo | undefined): ReadonlySet<string> | undefined =>
  info ? new Set(info.containers.filter((c) => c.essential).map((c) => c.name)) : undefined;
