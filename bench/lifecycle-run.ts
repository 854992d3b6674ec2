/**
 * API requests for one whole enforcement run on the benchmark registry: one repository of `images`
 * images, `deletions` of them expired, one cluster with a running task and a service, through the
 * real adapters (ecrRegistry, EcsInUseScanner) and runImageHygiene, against counting mock clients
 * that page as ECR and ECS do. Every request is counted, per API.
 *
 * `signed`: the images are OCI manifests and that many of them are signatures (untagged, naming a
 * subject), so the run reads the manifests that can carry a subject (BatchGetImage, 100 a call).
 *
 * `sources` (the default from the command line): the other scans of "in use" run too, through their
 * real adapters, in an account holding one of each: a Lambda image function ($LATEST only), an
 * EventBridge rule on the default bus with an ECS target, a Scheduler schedule with an ECS target
 * (and one onto a queue, as the stack's own are), one other account's scan file to read and this
 * account's own scan to write. `--ecs-only` leaves them out (ECR and ECS alone).
 *
 *   npx tsx bench/lifecycle-run.ts [--images 2500] [--deletions 250] [--signed 0] [--ecs-only]
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
import {
  GetFunctionCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { EventBridgeClient, ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ecrRegistry } from '../shared/images/aws/ecr.js';
import { accountSources } from '../shared/images/aws/sources.js';
import { ScanFileSource, s3ScanWriter } from '../shared/images/aws/scan-files.js';
import { buildScanFile } from '../shared/images/scan-file.js';
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
  /** Run the Lambda, rule and Scheduler scans, read one scan file and write this account's. */
  sources?: boolean;
}): Promise<{ calls: Record<string, number>; total: number; deleted: number }> {
  const ecrMock = mockClient(ECRClient);
  const ecsMock = mockClient(ECSClient);
  const sourceMocks = {
    lambda: mockClient(LambdaClient),
    events: mockClient(EventBridgeClient),
    scheduler: mockClient(SchedulerClient),
    s3: mockClient(S3Client),
  };
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

  // One of each other source of "in use"; each names a tagged image, which the rules keep anyway.
  const tagged = (n: number) => `${REGISTRY}/bench/app:v${options.images - n}`;
  sourceMocks.lambda
    .on(ListFunctionsCommand)
    .resolves({ Functions: [{ FunctionName: 'resize', PackageType: 'Image' }] });
  sourceMocks.lambda.on(ListVersionsByFunctionCommand).resolves({ Versions: [{ Version: '$LATEST' }] });
  sourceMocks.lambda.on(ListAliasesCommand).resolves({ Aliases: [] });
  sourceMocks.lambda.on(GetFunctionCommand).resolves({ Code: { ImageUri: tagged(3) } });
  sourceMocks.events.on(ListRulesCommand).resolves({ Rules: [{ Name: 'nightly' }] });
  sourceMocks.events.on(ListTargetsByRuleCommand).resolves({
    Targets: [
      {
        Id: '1',
        Arn: `${A}:cluster/media`,
        EcsParameters: { TaskDefinitionArn: `${A}:task-definition/nightly:3` },
      },
    ],
  });
  sourceMocks.scheduler.on(ListSchedulesCommand).resolves({
    Schedules: [
      { GroupName: 'jobs', Name: 'report', Target: { Arn: `${A}:cluster/media` } },
      {
        GroupName: 'default',
        Name: 'bench-backup',
        Target: { Arn: 'arn:aws:sqs:us-east-1:123456789012:bench-schedules' },
      },
    ],
  });
  sourceMocks.scheduler.on(GetScheduleCommand).resolves({
    Target: {
      Arn: `${A}:cluster/media`,
      RoleArn: 'r',
      EcsParameters: { TaskDefinitionArn: `${A}:task-definition/report` },
    },
  });
  const otherScan = buildScanFile({
    account: '222222222222',
    region: 'us-east-1',
    scannedAt: new Date(NOW.getTime() - 3_600_000),
    uses: [{ image: tagged(4), reason: 'used by service api in cluster prod' }],
    doubts: [],
  });
  sourceMocks.s3
    .on(GetObjectCommand)
    .resolves({ Body: { transformToString: async () => JSON.stringify(otherScan) } as never });
  sourceMocks.s3.on(PutObjectCommand).resolves({});

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
  const s3 = new S3Client({ region: 'us-east-1' });
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
      ...(options.sources
        ? {
            sources: [
              ...accountSources(config.protect, {
                lambda: new LambdaClient({ region: 'us-east-1' }),
                events: new EventBridgeClient({ region: 'us-east-1' }),
                scheduler: new SchedulerClient({ region: 'us-east-1' }),
                ecs,
              }),
              new ScanFileSource(s3, 's3://bench-scans/account-b.json', { maxAgeHours: 36, now: () => NOW }),
            ],
            scanWriter: s3ScanWriter(s3, 's3://bench-scans/account-a.json', {
              account: '123456789012',
              region: 'us-east-1',
            }),
          }
        : {}),
      logger: quiet,
      now: NOW,
    },
  );
  const calls: Record<string, number> = {};
  const mocks = [ecrMock, ecsMock, ...Object.values(sourceMocks)];
  const allCalls: { args: unknown[] }[] = mocks.flatMap((m): { args: unknown[] }[] => m.calls());
  for (const call of allCalls) {
    const name = (call.args[0] as object).constructor.name.replace(/Command$/, '');
    calls[name] = (calls[name] ?? 0) + 1;
  }
  for (const m of mocks) m.restore();
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
      'ecs-only': { type: 'boolean', default: false },
    },
  });
  const result = await measureRunCalls({
    images: Number(values.images),
    deletions: Number(values.deletions),
    signed: Number(values.signed),
    sources: !values['ecs-only'],
    ...(values.clusters ? { clusters: values.clusters.split(',') } : {}),
  });
  console.log(JSON.stringify(result, null, 2));
}
