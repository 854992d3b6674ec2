/**
 * API requests for one whole enforcement run on the benchmark registry: one repository of `images`
 * images, `deletions` of them expired, one cluster with a running task and a service, through the
 * real adapters (ecrRegistry, EcsInUseScanner) and runImageHygiene, against counting mock clients
 * that page as ECR and ECS do. Every request is counted, per API.
 *
 * `signed`: the images are OCI manifests and that many of them are signatures (untagged, naming a
 * subject), so the run reads the manifests that can carry a subject (BatchGetImage, 100 a call).
 *
 *   npx tsx bench/lifecycle-run.ts [--images 2500] [--deletions 250] [--signed 0]
 */
import { parseArgs } from 'node:util';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  type DescribeImagesCommandInput,
} from '@aws-sdk/client-ecr';
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
import { ecrRegistry } from '../shared/images/aws/ecr.js';
import { EcsInUseScanner } from '../shared/images/aws/scan.js';
import { imagesSchema } from '../shared/images/config.js';
import { runImageHygiene } from '../shared/images/service.js';

const A = 'arn:aws:ecs:us-east-1:123456789012';
const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const NOW = new Date(1_700_000_000_000 + 400 * 86_400_000);

export async function measureRunCalls(options: {
  images: number;
  deletions: number;
  signed: number;
  clusters?: string[];
}): Promise<{ calls: Record<string, number>; total: number; deleted: number }> {
  const ecrMock = mockClient(ECRClient);
  const ecsMock = mockClient(ECSClient);
  const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
  // The newest `images - deletions` are tagged and kept by the count rule; the oldest are untagged
  // and expire. Signatures sign kept images, so they stay and add nothing to delete.
  const all = Array.from({ length: options.images }, (_, i) => ({
    imageDigest: digest(i),
    imagePushedAt: new Date(1_700_000_000_000 + i * 1000),
    ...(i >= options.deletions + options.signed ? { imageTags: [`v${i}`] } : {}),
    ...(options.signed > 0 ? { imageManifestMediaType: OCI } : {}),
  }));
  const signatures = new Map(
    Array.from({ length: options.signed }, (_, k) => [
      digest(options.deletions + k),
      digest(options.images - 1 - k),
    ]),
  );
  ecrMock
    .on(DescribeRepositoriesCommand)
    .resolves({ repositories: [{ repositoryName: 'bench/app', repositoryUri: `${REGISTRY}/bench/app` }] });
  ecrMock.on(DescribeImagesCommand).callsFake(async (input: DescribeImagesCommandInput) => {
    const size = Math.min(input.maxResults ?? 100, 1000);
    const start = Number(input.nextToken ?? 0);
    const end = Math.min(start + size, all.length);
    return { imageDetails: all.slice(start, end), ...(end < all.length ? { nextToken: String(end) } : {}) };
  });
  ecrMock.on(BatchGetImageCommand).callsFake(async (input: { imageIds: { imageDigest: string }[] }) => {
    if (input.imageIds.length > 100) throw new Error('BatchGetImage takes at most 100 image ids');
    return {
      images: input.imageIds.map((id) => {
        const subject = signatures.get(id.imageDigest);
        return {
          imageId: id,
          imageManifest: JSON.stringify(subject ? { subject: { digest: subject } } : {}),
        };
      }),
    };
  });
  ecrMock.on(BatchDeleteImageCommand).callsFake(async (input: { imageIds: unknown[] }) => {
    if (input.imageIds.length > 100) throw new Error('BatchDeleteImage takes at most 100 image ids');
    return { imageIds: input.imageIds, failures: [] };
  });
  ecrMock
    .on(GetLifecyclePolicyCommand)
    .rejects(Object.assign(new Error('none'), { name: 'LifecyclePolicyNotFoundException' }));
  ecsMock.on(ListClustersCommand).resolves({ clusterArns: [`${A}:cluster/media`] });
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [`${A}:task/media/t1`] });
  ecsMock.on(DescribeTasksCommand).resolves({
    tasks: [
      {
        taskArn: `${A}:task/media/t1`,
        clusterArn: `${A}:cluster/media`,
        lastStatus: 'RUNNING',
        containers: [{ name: 'web', image: `${REGISTRY}/bench/app:v${options.images - 1}` }],
      },
    ],
    failures: [],
  });
  ecsMock.on(ListServicesCommand).resolves({ serviceArns: [`${A}:service/media/web`] });
  ecsMock.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceArn: `${A}:service/media/web`,
        clusterArn: `${A}:cluster/media`,
        deployments: [{ status: 'PRIMARY', taskDefinition: `${A}:task-definition/web:2` }],
      },
    ],
    failures: [],
  });
  ecsMock.on(ListTaskDefinitionFamiliesCommand).resolves({ families: ['web'] });
  ecsMock
    .on(ListTaskDefinitionsCommand)
    .resolves({ taskDefinitionArns: [`${A}:task-definition/web:2`, `${A}:task-definition/web:1`] });
  ecsMock.on(DescribeTaskDefinitionCommand).callsFake(async (input: { taskDefinition: string }) => ({
    taskDefinition: {
      taskDefinitionArn: input.taskDefinition,
      containerDefinitions: [{ name: 'web', image: `${REGISTRY}/bench/app:v${options.images - 2}` }],
    },
  }));

  const config = imagesSchema.parse({
    mode: 'enforce',
    maxDeletesPerRun: 10_000,
    ...(options.clusters ? { protect: { clusters: options.clusters } } : {}),
    repositories: [
      {
        match: ['bench/*'],
        policy: {
          rules: [
            {
              rulePriority: 1,
              selection: {
                tagStatus: 'untagged',
                countType: 'sinceImagePushed',
                countUnit: 'days',
                countNumber: 1,
              },
              action: { type: 'expire' },
            },
          ],
        },
      },
    ],
  });
  const ecr = new ECRClient({ region: 'us-east-1' });
  const ecs = new ECSClient({ region: 'us-east-1' });
  const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const summary = await runImageHygiene(
    config,
    {},
    {
      registry: ecrRegistry(ecr, ['bench/*']),
      scanner: new EcsInUseScanner(ecs, {
        clusters: config.protect.clusters,
        excludeClusters: config.protect.excludeClusters,
        taskDefinitionRevisions: 2,
        includeStopped: true,
        toolkit: [],
      }),
      logger: quiet,
      now: NOW,
    },
  );
  const calls: Record<string, number> = {};
  for (const call of [...ecrMock.calls(), ...ecsMock.calls()]) {
    const name = (call.args[0] as object).constructor.name.replace(/Command$/, '');
    calls[name] = (calls[name] ?? 0) + 1;
  }
  ecrMock.restore();
  ecsMock.restore();
  if (summary.status !== 'ok') throw new Error(`the run did not complete: ${JSON.stringify(summary)}`);
  const total = Object.values(calls).reduce((a, b) => a + b, 0);
  return { calls, total, deleted: summary.totals.deleted };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '2500' },
      deletions: { type: 'string', default: '250' },
      signed: { type: 'string', default: '0' },
      clusters: { type: 'string' },
    },
  });
  const result = await measureRunCalls({
    images: Number(values.images),
    deletions: Number(values.deletions),
    signed: Number(values.signed),
    ...(values.clusters ? { clusters: values.clusters.split(',') } : {}),
  });
  console.log(JSON.stringify(result, null, 2));
}
