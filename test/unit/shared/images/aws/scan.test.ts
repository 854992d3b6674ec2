import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { EcsInUseScanner } from '../../../../../shared/images/aws/scan';
import { collectUses } from '../../../../../shared/images/protect';

const ecs = mockClient(ECSClient);
const client = new ECSClient({ region: 'eu-west-1' });
const A = 'arn:aws:ecs:eu-west-1:123456789012';
const td = (name: string) => `${A}:task-definition/${name}`;
const scanner = (over: Partial<ConstructorParameters<typeof EcsInUseScanner>[1]> = {}) =>
  new EcsInUseScanner(client, {
    clusters: ['media'],
    taskDefinitionRevisions: 2,
    includeStopped: true,
    toolkit: [],
    ...over,
  });

function world(options: { tasks?: number; services?: number } = {}) {
  const taskArns = Array.from({ length: options.tasks ?? 0 }, (_, i) => `${A}:task/media/t${i}`);
  const serviceArns = Array.from({ length: options.services ?? 0 }, (_, i) => `${A}:service/media/s${i}`);
  ecs.on(ListClustersCommand).resolves({ clusterArns: [`${A}:cluster/media`] });
  ecs.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns });
  ecs.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [] });
  ecs.on(DescribeTasksCommand).callsFake(async (input: { tasks: string[] }) => ({
    tasks: input.tasks.map((taskArn) => ({
      taskArn,
      clusterArn: `${A}:cluster/media`,
      lastStatus: 'RUNNING',
      containers: [{ name: 'web', image: 'app:v1', imageDigest: 'sha256:abc' }],
    })),
    failures: [],
  }));
  ecs.on(ListServicesCommand).resolves({ serviceArns });
  ecs.on(DescribeServicesCommand).callsFake(async (input: { services: string[] }) => ({
    services: input.services.map((serviceArn) => ({
      serviceArn,
      clusterArn: `${A}:cluster/media`,
      deployments: [
        { status: 'PRIMARY', taskDefinition: td('web:2') },
        { status: 'ACTIVE', taskDefinition: td('web:1') },
      ],
    })),
    failures: [],
  }));
  ecs.on(ListTaskDefinitionFamiliesCommand).resolves({ families: ['web'] });
  ecs.on(DescribeTaskDefinitionCommand).callsFake(async (input: { taskDefinition: string }) => ({
    taskDefinition: {
      taskDefinitionArn: input.taskDefinition.startsWith('arn:')
        ? input.taskDefinition
        : td(`${input.taskDefinition}:9`),
      containerDefinitions: [{ name: 'web', image: `app:${input.taskDefinition.split(':').pop()}` }],
    },
  }));
}

afterEach(() => ecs.reset());
beforeEach(() => {
  ecs.on(ListClustersCommand).resolves({ clusterArns: [`${A}:cluster/media`] });
});

describe('Adapter: EcsInUseScanner', () => {
  it('describes tasks 100 and services 10 at a time, and each task definition once', async () => {
    world({ tasks: 250, services: 25 });
    ecs
      .on(ListTaskDefinitionsCommand)
      .resolves({ taskDefinitionArns: [td('web:3'), td('web:2'), td('web:1')] });

    const inventory = await scanner().scan();

    expect(ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks?.length)).toEqual([
      100, 100, 50,
    ]);
    expect(ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services?.length)).toEqual([
      10, 10, 5,
    ]);
    expect(inventory.tasks).toHaveLength(250);
    expect(inventory.tasks[0]!.containers).toEqual([
      { name: 'web', image: 'app:v1', imageDigest: 'sha256:abc' },
    ]);
    expect(inventory.revisions).toEqual([{ family: 'web', taskDefinitionArns: [td('web:3'), td('web:2')] }]);
    expect(
      ecs
        .commandCalls(DescribeTaskDefinitionCommand)
        .map((c) => c.args[0].input.taskDefinition)
        .sort(),
    ).toEqual([td('web:1'), td('web:2'), td('web:3')]);
    expect(ecs.commandCalls(ListTaskDefinitionsCommand)[0]!.args[0].input).toMatchObject({
      familyPrefix: 'web',
      status: 'ACTIVE',
      sort: 'DESC',
    });
  });

  it('stops listing revisions once a DESC page holds enough, and reads to the end when the order is not DESC', async () => {
    world();
    ecs
      .on(ListTaskDefinitionsCommand, { nextToken: undefined })
      .resolves({ taskDefinitionArns: [td('web:1'), td('web:2')], nextToken: 'more' })
      .on(ListTaskDefinitionsCommand, { nextToken: 'more' })
      .resolves({ taskDefinitionArns: [td('web:7'), td('web:3')] });

    const unordered = await scanner().scan();

    expect(unordered.revisions[0]!.taskDefinitionArns).toEqual([td('web:7'), td('web:3')]);
    expect(ecs.commandCalls(ListTaskDefinitionsCommand)).toHaveLength(2);

    ecs.reset();
    world();
    ecs
      .on(ListTaskDefinitionsCommand, { nextToken: undefined })
      .resolves({ taskDefinitionArns: [td('web:9'), td('web:8')], nextToken: 'more' });

    const ordered = await scanner().scan();

    expect(ordered.revisions[0]!.taskDefinitionArns).toEqual([td('web:9'), td('web:8')]);
    expect(ecs.commandCalls(ListTaskDefinitionsCommand)).toHaveLength(1);
  });

  it('resolves the toolkit’s task definitions (a family means its latest ACTIVE revision)', async () => {
    world();
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });

    const inventory = await scanner({
      toolkit: [{ source: 'schedule hourly', taskDefinition: 'reporter' }],
    }).scan();

    expect(inventory.toolkit).toEqual([{ source: 'schedule hourly', taskDefinitionArn: td('reporter:9') }]);
    expect(inventory.taskDefinitions.get(td('reporter:9'))?.containers).toEqual([
      { name: 'web', image: 'app:reporter' },
    ]);
  });

  it('lists no stopped tasks and no families when protection does not ask for them', async () => {
    world();

    await scanner({ includeStopped: false, taskDefinitionRevisions: 0 }).scan();

    expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input.desiredStatus)).toEqual(['RUNNING']);
    expect(ecs.commandCalls(ListTaskDefinitionFamiliesCommand)).toHaveLength(0);
  });

  it('fails the scan on failures[] in a 200 response', async () => {
    world({ tasks: 1 });
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    ecs
      .on(DescribeTasksCommand)
      .resolves({ tasks: [], failures: [{ arn: `${A}:task/media/t0`, reason: 'MISSING' }] });

    await expect(scanner().scan()).rejects.toThrow(/DescribeTasks in media reported failures: .*t0: MISSING/);
  });

  it('fails the scan when a cluster cannot be read', async () => {
    world();
    ecs
      .on(ListTasksCommand)
      .rejects(Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' }));

    await expect(scanner().scan()).rejects.toThrow(
      'ListTasks/DescribeTasks (RUNNING) in media: ClusterNotFoundException: Cluster not found.',
    );
  });

  it('reads PENDING tasks (desired RUNNING) and tasks still stopping, with what ECS says they pulled', async () => {
    world();
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    ecs.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns: [`${A}:task/media/p1`] });
    ecs.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [`${A}:task/media/s1`] });
    ecs.on(DescribeTasksCommand).callsFake(async (input: { tasks: string[] }) => ({
      tasks: input.tasks.map((taskArn) => ({
        taskArn,
        clusterArn: `${A}:cluster/media`,
        lastStatus: taskArn.endsWith('p1') ? 'PENDING' : 'DEACTIVATING',
        containers: [{ name: 'web', image: 'app:v1' }],
      })),
      failures: [],
    }));

    const inventory = await scanner().scan();

    expect(inventory.tasks.map((t) => [t.taskArn.split('/').pop(), t.lastStatus])).toEqual([
      ['p1', 'PENDING'],
      ['s1', 'DEACTIVATING'],
    ]);
  });
});

describe('Adapter: EcsInUseScanner cluster selection (issue 19, finding 1)', () => {
  const clusters = (names: string[]) => names.map((n) => `${A}:cluster/${n}`);
  const listed = () => ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input.cluster);

  it('scans every cluster of the account by default, one ListClusters page per 100 clusters', async () => {
    world();
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    const many = Array.from({ length: 150 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    ecs
      .on(ListClustersCommand, { nextToken: undefined })
      .resolves({ clusterArns: clusters(many.slice(0, 100)), nextToken: 'more' })
      .on(ListClustersCommand, { nextToken: 'more' })
      .resolves({ clusterArns: clusters(many.slice(100)) });

    const inventory = await scanner({ clusters: undefined, includeStopped: false }).scan();

    expect(ecs.commandCalls(ListClustersCommand).map((c) => c.args[0].input.maxResults)).toEqual([100, 100]);
    expect(inventory.clusters!.scanned).toEqual(many);
    expect(listed()).toEqual(many);
  });

  it('scans the clusters a name or pattern matches, less the excluded ones', async () => {
    world();
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    ecs
      .on(ListClustersCommand)
      .resolves({ clusterArns: clusters(['prod-eu', 'prod-us', 'prod-sandbox', 'media', 'dev']) });

    const inventory = await scanner({
      clusters: ['prod-*', `${A}:cluster/media`],
      excludeClusters: ['*-sandbox'],
      includeStopped: false,
    }).scan();

    expect(inventory.clusters).toEqual({ scanned: ['media', 'prod-eu', 'prod-us'], missing: [] });
    expect(listed()).toEqual(['media', 'prod-eu', 'prod-us']);
  });

  it('reports a named cluster that does not exist (the run then deletes nothing), and scans the rest', async () => {
    world();
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });

    const inventory = await scanner({ clusters: ['media', 'medai', 'prod-*'], includeStopped: false }).scan();

    expect(inventory.clusters).toEqual({ scanned: ['media'], missing: ['medai'] });
    expect(collectUses(inventory, { now: new Date(), stoppedTasksWithinHours: 0 }).doubts).toEqual([
      'cluster medai is named in images.protect.clusters but does not exist: the images its tasks and services use cannot be known',
    ]);
  });
});
