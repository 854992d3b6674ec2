import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  paginateListClusters,
  paginateListServices,
  paginateListTaskDefinitionFamilies,
  paginateListTaskDefinitions,
  type ECSClient,
  type Failure,
} from '@aws-sdk/client-ecs';
import { PermanentError } from '../../kernel/errors.js';
import type { InUseInventory, ScannedService, ScannedTask, ScannedTaskDefinition } from '../protect.js';
import type { InUseScanner } from '../service.js';
import { chunks } from '../../kernel/chunks.js';
import { RevisionCache } from '../../kernel/launch/revision-cache.js';
import { describeListedTasks } from '../../kernel/launch/aws/tasks.js';
import { classifyEcsError } from '../../kernel/aws/errors.js';
import { clusterName, selectClusters } from '../clusters.js';

/** DescribeServices takes 10 services a call. */
export const DESCRIBE_SERVICES_BATCH = 10;

export interface InUseScanOptions {
  /** Clusters whose tasks and services are scanned (names, ARNs or patterns); undefined: every cluster. */
  clusters: readonly string[] | undefined;
  /** Cluster names or patterns left out. */
  excludeClusters?: readonly string[];
  /** Latest revisions kept per ACTIVE family; 0 skips listing families. */
  taskDefinitionRevisions: number;
  /** List stopped tasks too (ECS shows them for about an hour at least). */
  includeStopped: boolean;
  /** The toolkit's own task definitions: family, family:revision or ARN, with where they come from. */
  toolkit: readonly { source: string; taskDefinition: string }[];
  /** Concurrent ECS calls while describing families and task definitions; default 4 (ECS allows ~20/s). */
  concurrency?: number;
}

/** Every cluster of the account and Region (ARNs): one ListClusters call per 100 clusters. */
export async function listClusterArns(ecs: ECSClient): Promise<string[]> {
  const arns: string[] = [];
  try {
    for await (const page of paginateListClusters({ client: ecs, pageSize: 100 }, {})) {
      arns.push(...(page.clusterArns ?? []));
    }
  } catch (error) {
    throw classifyEcsError(error, 'ListClusters');
  }
  return arns;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; the first error rejects. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const revisionOf = (arn: string) => Number(/:(\d+)$/.exec(arn)?.[1] ?? 0);

/** ECS answered 200 with failures[]: what was asked for cannot be seen, so the scan cannot be trusted. */
function failOn(failures: Failure[] | undefined, action: string): void {
  if (failures && failures.length > 0) {
    const what = failures.map((f) => `${f.arn ?? '?'}: ${f.reason ?? ''}${f.detail ? ` (${f.detail})` : ''}`);
    throw new PermanentError(`${action} reported failures: ${what.slice(0, 5).join('; ')}`);
  }
}

/**
 * Reads from ECS everything that may use an image: tasks (not stopped, and stopped if asked) and
 * services of the protected clusters (every cluster listed, less the excluded ones, by default), the latest revisions of every ACTIVE family, and the toolkit's
 * own task definitions. Any error or `failures[]` rejects the scan (the run then deletes nothing).
 * Task definitions by revision never change, so they are cached across warm invocations.
 */
export class EcsInUseScanner implements InUseScanner {
  private readonly cache: RevisionCache<ScannedTaskDefinition>;
  private readonly concurrency: number;

  constructor(
    private readonly ecs: ECSClient,
    private readonly options: InUseScanOptions,
    /** Cached task definitions; default 2,000 (a few hundred bytes each). */
    maxCached = 2000,
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.cache = new RevisionCache(maxCached);
  }

  async scan(): Promise<InUseInventory> {
    const tasks: ScannedTask[] = [];
    const services: ScannedService[] = [];
    const clusters = selectClusters(
      await listClusterArns(this.ecs),
      this.options.clusters,
      this.options.excludeClusters,
    );
    // By name: the account and Region are this client's, and messages stay short.
    for (const cluster of clusters.scanned.map(clusterName)) {
      tasks.push(...(await this.tasks(cluster, 'RUNNING')));
      if (this.options.includeStopped) tasks.push(...(await this.tasks(cluster, 'STOPPED')));
      services.push(...(await this.services(cluster)));
    }
    const revisions = await this.latestRevisions();
    const toolkitDefinitions = await mapLimit(this.options.toolkit, this.concurrency, async (t) => ({
      source: t.source,
      definition: await this.describe(t.taskDefinition),
    }));
    const taskDefinitions = new Map<string, ScannedTaskDefinition>();
    for (const { definition } of toolkitDefinitions)
      taskDefinitions.set(definition.taskDefinitionArn, definition);
    const arns = [
      ...services.flatMap((s) => s.deployments.map((d) => d.taskDefinition)),
      ...revisions.flatMap((r) => r.taskDefinitionArns),
    ].filter((arn, i, all) => all.indexOf(arn) === i && !taskDefinitions.has(arn));
    for (const definition of await mapLimit(arns, this.concurrency, (arn) => this.describe(arn))) {
      taskDefinitions.set(definition.taskDefinitionArn, definition);
    }
    return {
      clusters: { scanned: clusters.scanned.map(clusterName), missing: clusters.missing },
      tasks,
      services,
      revisions,
      toolkit: toolkitDefinitions.map(({ source, definition }) => ({
        source,
        taskDefinitionArn: definition.taskDefinitionArn,
      })),
      taskDefinitions,
    };
  }

  private async tasks(cluster: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<ScannedTask[]> {
    try {
      const { tasks, failures } = await describeListedTasks(this.ecs, cluster, { desiredStatus });
      failOn(failures, `DescribeTasks in ${cluster}`);
      return tasks.map((task) => ({
        taskArn: task.taskArn ?? '?',
        clusterArn: task.clusterArn ?? cluster,
        lastStatus: task.lastStatus ?? 'UNKNOWN',
        ...(task.stoppedAt ? { stoppedAt: task.stoppedAt } : {}),
        containers: (task.containers ?? []).map((c) => ({
          name: c.name ?? '?',
          image: c.image ?? '',
          ...(c.imageDigest ? { imageDigest: c.imageDigest } : {}),
        })),
      }));
    } catch (error) {
      throw classifyEcsError(error, `ListTasks/DescribeTasks (${desiredStatus}) in ${cluster}`);
    }
  }

  private async services(cluster: string): Promise<ScannedService[]> {
    try {
      const arns: string[] = [];
      for await (const page of paginateListServices({ client: this.ecs, pageSize: 100 }, { cluster })) {
        arns.push(...(page.serviceArns ?? []));
      }
      const found: ScannedService[] = [];
      for (const batch of chunks(arns, DESCRIBE_SERVICES_BATCH)) {
        const response = await this.ecs.send(new DescribeServicesCommand({ cluster, services: batch }));
        failOn(response.failures, `DescribeServices in ${cluster}`);
        for (const service of response.services ?? []) {
          // Deployments (ECS controller) and task sets (CODE_DEPLOY, EXTERNAL): every one may run tasks.
          const deployments = [...(service.deployments ?? []), ...(service.taskSets ?? [])]
            .filter((d) => d.taskDefinition)
            .map((d) => ({ status: d.status ?? 'UNKNOWN', taskDefinition: d.taskDefinition! }));
          found.push({
            serviceArn: service.serviceArn ?? '?',
            clusterArn: service.clusterArn ?? cluster,
            deployments,
          });
        }
      }
      return found;
    } catch (error) {
      throw classifyEcsError(error, `ListServices/DescribeServices in ${cluster}`);
    }
  }

  private async latestRevisions(): Promise<InUseInventory['revisions']> {
    const n = this.options.taskDefinitionRevisions;
    if (n === 0) return [];
    try {
      const families: string[] = [];
      for await (const page of paginateListTaskDefinitionFamilies(
        { client: this.ecs, pageSize: 100 },
        { status: 'ACTIVE' },
      )) {
        families.push(...(page.families ?? []));
      }
      return await mapLimit(families, this.concurrency, async (family) => ({
        family,
        taskDefinitionArns: await this.latestOf(family, n),
      }));
    } catch (error) {
      throw classifyEcsError(error, 'ListTaskDefinitionFamilies/ListTaskDefinitions');
    }
  }

  /**
   * The latest `n` ACTIVE revisions of a family, newest first. Asks for DESC order and stops after the
   * first pages when they are in that order; an endpoint that ignores `sort` (the local emulator does)
   * is read to the end and sorted here, so the answer never depends on it.
   */
  private async latestOf(family: string, n: number): Promise<string[]> {
    const arns: string[] = [];
    for await (const page of paginateListTaskDefinitions(
      { client: this.ecs, pageSize: 100 },
      { familyPrefix: family, status: 'ACTIVE', sort: 'DESC' },
    )) {
      arns.push(...(page.taskDefinitionArns ?? []));
      const descending = arns.every((arn, i) => i === 0 || revisionOf(arns[i - 1]!) > revisionOf(arn));
      if (arns.length >= n && descending) break;
    }
    return arns.sort((a, b) => revisionOf(b) - revisionOf(a)).slice(0, n);
  }

  private describe(taskDefinition: string): Promise<ScannedTaskDefinition> {
    return this.cache.get(taskDefinition, async () => {
      let response;
      try {
        response = await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
      } catch (error) {
        throw classifyEcsError(error, `DescribeTaskDefinition ${taskDefinition}`);
      }
      const definition = response.taskDefinition;
      if (!definition?.taskDefinitionArn) {
        throw new PermanentError(
          `DescribeTaskDefinition ${taskDefinition}: no task definition in the response`,
        );
      }
      return {
        taskDefinitionArn: definition.taskDefinitionArn,
        containers: (definition.containerDefinitions ?? []).map((c) => ({
          name: c.name ?? '?',
          image: c.image ?? '',
        })),
      };
    });
  }
}
