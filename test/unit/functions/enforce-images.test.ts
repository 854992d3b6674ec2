import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coldStarts } from '../../helpers/cold-start';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  LifecyclePolicyNotFoundException,
  PutLifecyclePolicyCommand,
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
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buildScanFile } from '../../../shared/images/scan-file';
import type { RunSummary } from '../../../shared/images/report';
import { parseImagesRequest } from '../../../shared/images/request';
import fc from 'fast-check';
import { fuzz, mutatedEvent } from '../../helpers/fuzz';

type Handler = (event: unknown) => Promise<RunSummary>;

const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const A = 'arn:aws:ecs:us-east-1:123456789012';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ecs-pilot-test-alerts';
const POLICY = {
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
};
/** enforce, cap 3, one cluster, syncPolicy on app-*. */
const CONFIG = {
  alerts: { emails: ['oncall@example.com'] },
  images: {
    mode: 'enforce',
    maxDeletesPerRun: 3,
    protect: { clusters: ['media'], taskDefinitionRevisions: 0 },
    repositories: [{ match: ['app-*'], syncPolicy: true, policy: POLICY }],
  },
};
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

const ecr = mockClient(ECRClient);
const ecs = mockClient(ECSClient);
const sns = mockClient(SNSClient);
// The account has no Lambda function, EventBridge rule or Scheduler schedule of its own (the default scans run).
const lambda = mockClient(LambdaClient);
const events = mockClient(EventBridgeClient);
const scheduler = mockClient(SchedulerClient);
let handler: Handler;
/** The registry: app-api's images by digest (untagged 1-4, oldest first, plus a tagged one). */
let images: Map<string, { imageDigest: string; imageTags?: string[]; imagePushedAt: Date }>;
let policyText: string | undefined;

function fakeWorld(runningDigest?: string) {
  ecr
    .on(DescribeRepositoriesCommand)
    .resolves({ repositories: [{ repositoryName: 'app-api', repositoryUri: `${REGISTRY}/app-api` }] });
  ecr.on(DescribeImagesCommand).callsFake(async () => ({ imageDetails: [...images.values()] }));
  ecr.on(BatchDeleteImageCommand).callsFake(async (input: { imageIds: { imageDigest: string }[] }) => {
    const failures = input.imageIds
      .filter((id) => !images.has(id.imageDigest))
      .map((id) => ({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'gone' }));
    for (const id of input.imageIds) images.delete(id.imageDigest);
    return { imageIds: input.imageIds, failures };
  });
  ecr.on(BatchGetImageCommand).resolves({ images: [], failures: [] });
  ecr.on(GetLifecyclePolicyCommand).callsFake(async () => {
    if (policyText === undefined)
      throw new LifecyclePolicyNotFoundException({ message: 'none', $metadata: {} });
    return { lifecyclePolicyText: policyText };
  });
  ecr.on(PutLifecyclePolicyCommand).callsFake(async (input: { lifecyclePolicyText: string }) => {
    policyText = input.lifecyclePolicyText;
    return {};
  });
  ecs
    .on(ListTasksCommand, { desiredStatus: 'RUNNING' })
    .resolves({ taskArns: runningDigest ? [`${A}:task/media/t1`] : [] });
  ecs.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [] });
  ecs.on(DescribeTasksCommand).resolves({
    tasks: [
      {
        taskArn: `${A}:task/media/t1`,
        clusterArn: `${A}:cluster/media`,
        lastStatus: 'RUNNING',
        containers: [{ name: 'web', image: `${REGISTRY}/app-api:gone`, imageDigest: runningDigest }],
      },
    ],
    failures: [],
  });
  ecs.on(ListServicesCommand).resolves({ serviceArns: [] });
  ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [] });
  ecs.on(ListTaskDefinitionFamiliesCommand).resolves({ families: [] });
  ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
  ecs.on(DescribeTaskDefinitionCommand).rejects(new Error('not expected'));
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
}

const mutatingCalls = () =>
  ecr.commandCalls(BatchDeleteImageCommand).length + ecr.commandCalls(PutLifecyclePolicyCommand).length;

const { coldStart, writeConfig } = coldStarts({
  config: CONFIG,
  env: { ALERTS_TOPIC_ARN: TOPIC, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'ERROR' },
  load: async () => ((await import('../../../functions/enforce-images.js')) as { handler: Handler }).handler,
});

beforeAll(async () => {
  handler = await coldStart();
});

beforeEach(() => {
  ecr.reset();
  ecs.reset();
  sns.reset();
  lambda.reset();
  events.reset();
  scheduler.reset();
  lambda.on(ListFunctionsCommand).resolves({ Functions: [] });
  events.on(ListRulesCommand).resolves({ Rules: [] });
  scheduler.on(ListSchedulesCommand).resolves({ Schedules: [] });
  ecs.on(ListClustersCommand).resolves({ clusterArns: ['arn:aws:ecs:eu-west-1:123456789012:cluster/media'] });
  images = new Map(
    [1, 2, 3, 4].map((n) => [
      digest(n),
      { imageDigest: digest(n), imagePushedAt: new Date(Date.UTC(2026, 0, n)) },
    ]),
  );
  images.set(digest(9), {
    imageDigest: digest(9),
    imageTags: ['v1'],
    imagePushedAt: new Date(Date.UTC(2026, 0, 9)),
  });
  policyText = undefined;
});

describe('Function: enforceImages', () => {
  it('deletes the expired images, keeps the one a RUNNING task pulled, and puts the missing policy', async () => {
    fakeWorld(digest(2));

    const summary = await handler({ source: 'schedule', scheduledTime: '2026-03-28T03:00:00Z' });

    expect(summary.status).toBe('ok');
    expect(summary.repositories).toEqual([
      expect.objectContaining({
        repository: 'app-api',
        images: 5,
        keptByRules: 2,
        keptInUse: 1,
        expired: 2,
        deleted: 2,
        failed: 0,
      }),
    ]);
    expect([...images.keys()].sort()).toEqual([digest(2), digest(4), digest(9)]);
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(1);
    expect(JSON.parse(policyText!)).toEqual(POLICY);
    expect(summary.repositories[0]!.policy).toEqual({
      status: 'missing',
      action: 'put',
      warning:
        "the rules expire 1 image(s) in use here; ecs-pilot keeps them, but ECR's own lifecycle knows " +
        'nothing of ECS and will delete them within about 24 hours while this policy is on the repository',
    });
  });

  it('makes zero mutating calls when a preview is requested, and reports drift only', async () => {
    fakeWorld();
    policyText = JSON.stringify({
      rules: [{ ...POLICY.rules[0], selection: { ...POLICY.rules[0]!.selection, countNumber: 5 } }],
    });

    const summary = await handler({ mode: 'preview' });

    expect(mutatingCalls()).toBe(0);
    expect(summary).toMatchObject({ mode: 'preview', previewRequested: true, status: 'ok' });
    expect(summary.repositories[0]).toMatchObject({
      expired: 3,
      deleted: 0,
      held: 'preview: nothing deleted',
    });
    expect(summary.repositories[0]!.policy).toMatchObject({ status: 'different', action: 'would-put' });
    expect(summary.repositories[0]!.policy!.diff!.filter((l) => !l.startsWith('  '))).toEqual([
      '-         "countNumber": 5,',
      '+         "countNumber": 1,',
    ]);
    expect(images.size).toBe(5);
  });

  it('deletes nothing when the run would exceed maxDeletesPerRun, and says so', async () => {
    fakeWorld();
    images.set(digest(5), { imageDigest: digest(5), imagePushedAt: new Date(Date.UTC(2026, 0, 5)) });

    const summary = await handler({});

    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
    expect(summary.status).toBe('held');
    expect(summary.repositories[0]!.held).toBe(
      'nothing deleted: 4 images would be deleted, more than maxDeletesPerRun (3); check the policies, or raise the cap',
    );
  });

  it('fails closed: a scan error deletes nothing and reports the run as aborted', async () => {
    fakeWorld();
    ecs
      .on(ListTasksCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const summary = await handler({});

    expect(mutatingCalls()).toBe(0);
    expect(summary.status).toBe('aborted');
    expect(summary.aborted).toMatch(
      /^scan failed, nothing changed: RetryableError: ListTasks\/DescribeTasks \(RUNNING\) in media: ThrottlingException: Rate exceeded$/,
    );
  });

  it('fails closed for a repository whose in-use reference cannot be resolved', async () => {
    fakeWorld(undefined);
    ecs.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns: [`${A}:task/media/t1`] });

    const summary = await handler({});

    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
    expect(summary.repositories[0]!.held).toMatch(
      /^nothing deleted in this repository: .*app-api:gone .* names tag gone, which no image in app-api carries/,
    );
  });

  it('deletes nothing twice: a duplicate run re-plans from the registry', async () => {
    fakeWorld(digest(2));
    await handler({});

    const again = await handler({});

    expect(again.repositories[0]).toMatchObject({ expired: 0, deleted: 0 });
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(1);
  });

  it('publishes the summary to the alerts topic with a subject of at most 100 characters', async () => {
    fakeWorld(digest(2));

    await handler({});

    const [call] = sns.commandCalls(PublishCommand);
    expect(call!.args[0].input.TopicArn).toBe(TOPIC);
    expect(call!.args[0].input.Subject).toBe('ecs-pilot images (enforce): 2 deleted in 1 repository');
    expect(call!.args[0].input.Subject!.length).toBeLessThanOrEqual(100);
    expect(call!.args[0].input.Message).toMatch(
      /REPOSITORY +IMAGES +KEPT BY RULES +KEPT IN USE +EXPIRED +DELETED +FAILED\napp-api +5 +2 +1 +2 +2 +0/,
    );
  });

  it.each([{ mode: 'enforce' }, { repositories: ['other'] }])(
    'refuses %j before touching anything mutating',
    async (event) => {
      fakeWorld();

      const outcome = await handler(event).catch((error: Error) => error);

      expect(mutatingCalls()).toBe(0);
      if (outcome instanceof Error) expect(outcome.message).toMatch(/only "preview" may be asked for/);
      else
        expect(outcome.aborted).toMatch(
          /requested repositories not matched by the config \(or missing\): other/,
        );
    },
  );
});

describe('Handler: enforce-images, fed hostile payloads (issue 18 fuzz)', () => {
  it(
    'deletes nothing and puts no policy for a payload that fails to parse, and refuses it',
    { timeout: 20_000 },
    async () => {
      const sample = { source: 'manual', repositories: ['app-api'], mode: 'preview' };
      await fc.assert(
        fc.asyncProperty(mutatedEvent(sample), async (payload) => {
          ecr.resetHistory();
          let parses = true;
          try {
            parseImagesRequest(payload);
          } catch {
            parses = false;
          }

          const outcome = handler(payload).then(
            () => 'done',
            () => 'refused',
          );

          if (parses) return;
          expect(await outcome).toBe('refused');
          expect(mutatingCalls()).toBe(0);
        }),
        fuzz(100),
      );
    },
  );
});

describe('Handler: enforce-images with Scheduler schedules and other accounts’ scan files', () => {
  const s3 = mockClient(S3Client);
  const WITH_SCANS = {
    ...CONFIG,
    images: {
      ...CONFIG.images,
      maxDeletesPerRun: 10,
      scanOutput: 's3://shared-scans/account-a.json',
      protect: { ...CONFIG.images.protect, fromScans: ['s3://shared-scans/account-b.json'] },
    },
  };
  const otherScan = (scannedAt: Date) =>
    JSON.stringify(
      buildScanFile({
        account: '222222222222',
        region: 'us-east-1',
        scannedAt,
        uses: [{ image: `${REGISTRY}/app-api@${digest(3)}`, reason: 'used by service api in cluster prod' }],
        doubts: [],
      }),
    );
  let scansHandler: Handler;

  beforeAll(async () => {
    scansHandler = await coldStart({
      ECS_PILOT_CONFIG_FILE: writeConfig('scans.json', WITH_SCANS),
      ECS_PILOT_ACCOUNT: '123456789012',
    });
  });

  beforeEach(() => {
    s3.reset();
    fakeWorld();
    // A nightly job pinned to report:4, which another team scheduled: its image is untagged digest 1.
    scheduler.on(ListSchedulesCommand).resolves({
      Schedules: [{ GroupName: 'team-a', Name: 'nightly', Target: { Arn: `${A}:cluster/jobs` } }],
    });
    scheduler.on(GetScheduleCommand).resolves({
      Target: {
        Arn: `${A}:cluster/jobs`,
        RoleArn: 'r',
        EcsParameters: { TaskDefinitionArn: `${A}:task-definition/report:4` },
      },
    });
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: `${A}:task-definition/report:4` }).resolves({
      taskDefinition: {
        containerDefinitions: [{ name: 'report', image: `${REGISTRY}/app-api@${digest(1)}` }],
      },
    });
  });

  it('keeps the image a schedule starts and the one another account uses, deletes the rest, and writes its own scan only', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: { transformToString: async () => otherScan(new Date(Date.now() - 3_600_000)) } as never,
    });
    s3.on(PutObjectCommand).resolves({});

    const summary = await scansHandler({ source: 'schedule' });

    expect(summary.status).toBe('ok');
    expect([...images.keys()].sort()).toEqual([digest(1), digest(3), digest(4), digest(9)]);
    const written = JSON.parse(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as string);
    expect(written).toMatchObject({ account: '123456789012', region: 'us-east-1' });
    expect(written.images).toEqual([
      expect.objectContaining({
        image: `${REGISTRY}/app-api@${digest(1)}`,
        reasons: [expect.stringContaining('EventBridge Scheduler schedule nightly in group team-a')],
      }),
    ]);
    expect(summary.scanWritten).toEqual({ to: 's3://shared-scans/account-a.json', images: 1 });
  });

  it('deletes nothing when the other account’s scan is stale, naming it, and still writes its own', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: { transformToString: async () => otherScan(new Date(Date.now() - 40 * 3_600_000)) } as never,
    });
    s3.on(PutObjectCommand).resolves({});

    const summary = await scansHandler({ source: 'schedule' });

    expect(summary.status).toBe('aborted');
    expect(summary.aborted).toMatch(/scan file s3:\/\/shared-scans\/account-b.json scan failed: .*stale/);
    expect(mutatingCalls()).toBe(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('refuses to cold-start without the account id a written scan needs', async () => {
    await expect(
      coldStart({
        ECS_PILOT_CONFIG_FILE: writeConfig('scans2.json', WITH_SCANS),
        ECS_PILOT_ACCOUNT: undefined,
      }),
    ).rejects.toThrow('ECS_PILOT_ACCOUNT');
  });
});
