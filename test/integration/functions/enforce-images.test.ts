import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import { CreateServiceCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { resetEmulator, setEmulatorTransition } from '../../../local/emulator.js';
import { loadFunction, setUpLocal, REGION, type LocalAccount } from '../../../local/harness.js';
import { packageStage, projectRoot } from '../../../local/package.js';
import type { RunSummary } from '../../../shared/images/report.js';

const CONFIG = 'test/integration/fixtures/images.yml';
type Handler = (event: unknown) => Promise<RunSummary>;

/**
 * Image hygiene end to end against the emulator: a repository with tagged and untagged images, ECS
 * tasks, a service and task definitions using some of them; the real handler in-process. The
 * emulator sets push times itself, so the function runs with its clock 30 days ahead.
 */
describe('Function: enforceImages (against the emulator)', () => {
  let account: LocalAccount;
  let handler: Handler;
  let ecr: ECRClient;
  let uri: string;
  const digests = new Map<string, string>();
  let layer = 0;

  /** Pushes a small single-platform manifest (a fresh layer digest, so a fresh image digest). */
  const push = async (tag?: string) => {
    layer += 1;
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: 7,
        digest: `sha256:${'c'.repeat(64)}`,
      },
      layers: [
        {
          mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
          size: 1,
          digest: `sha256:${layer.toString(16).padStart(64, 'a')}`,
        },
      ],
    };
    const { image } = await ecr.send(
      new PutImageCommand({
        repositoryName: 'app',
        imageManifest: JSON.stringify(manifest),
        ...(tag ? { imageTag: tag } : {}),
      }),
    );
    digests.set(tag ?? `untagged-${layer}`, image!.imageId!.imageDigest!);
    return image!.imageId!.imageDigest!;
  };
  const remaining = async () => {
    const { imageDetails = [] } = await ecr.send(new DescribeImagesCommand({ repositoryName: 'app' }));
    return imageDetails.map((d) => d.imageTags?.[0] ?? 'untagged').sort();
  };
  const register = (family: string, image: string) =>
    account.clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'main', image, memory: 512, essential: true }],
      }),
    );
  const network = () => ({
    awsvpcConfiguration: {
      subnets: [...account.world.subnets.values()],
      securityGroups: [...account.world.securityGroups.values()],
    },
  });
  const run = async (event: unknown) => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 30 * 86_400_000 });
    try {
      return await handler(event);
    } finally {
      vi.useRealTimers();
    }
  };

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    await setEmulatorTransition(endpoint, 'ecs::task', { progression: 'manual', times: 1_000_000 });
    const templatePath = await packageStage('imgtestint', {
      configFile: CONFIG,
      outDir: '.serverless-imgtestint',
    });
    account = await setUpLocal({ endpoint, templatePath, configPath: join(projectRoot, CONFIG) });
    ecr = new ECRClient({
      endpoint,
      region: REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    uri = repository!.repositoryUri!;
    for (const tag of ['keep-1', 'run-tag', 'run-digest', 'svc', 'rev', 'old-rev', 'toolkit', 'stale-1'])
      await push(tag);
    await push();
    // In use: a RUNNING task by tag, one by digest, a service's deployment, the latest revision of
    // "batch" (not its older one), and the toolkit's own task definition (the schedule's "reporter").
    await register('runner-tag', `${uri}:run-tag`);
    await register('runner-digest', `${uri}@${digests.get('run-digest')}`);
    for (const family of ['runner-tag', 'runner-digest']) {
      await account.clients.ecs.send(
        new RunTaskCommand({
          cluster: 'media',
          taskDefinition: family,
          launchType: 'FARGATE',
          networkConfiguration: network(),
        }),
      );
    }
    await register('web', `${uri}:svc`);
    await account.clients.ecs.send(
      new CreateServiceCommand({
        cluster: 'media',
        serviceName: 'web',
        taskDefinition: 'web',
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration: network(),
      }),
    );
    await register('batch', `${uri}:old-rev`);
    await register('batch', `${uri}:rev`);
    await register('reporter', `${uri}:toolkit`);
    ({ handler } = await loadFunction(
      account,
      'EnforceImagesLambdaFunction',
      () => import('../../../functions/enforce-images.js') as Promise<{ handler: Handler }>,
      { logLevel: 'ERROR' },
    ));
  });

  afterAll(async () => {
    await setEmulatorTransition(inject('emulatorEndpoint'), 'ecs::task', { progression: 'immediate' });
  });

  it('previews: deletes nothing, puts no policy, and says what enforcement would delete', async () => {
    const summary = await run({ mode: 'preview' });

    expect(summary.repositories).toEqual([
      expect.objectContaining({
        repository: 'app',
        images: 9,
        keptByRules: 1,
        keptInUse: 5,
        expired: 3,
        deleted: 0,
        held: 'preview: nothing deleted',
      }),
    ]);
    expect(summary.repositories[0]!.policy).toEqual({ status: 'missing', action: 'would-put' });
    expect(await remaining()).toHaveLength(9);
  });

  it('deletes nothing when one more expired image takes the run over maxDeletesPerRun', async () => {
    const extra = await push('stale-2');

    const summary = await run({});

    expect(summary.status).toBe('held');
    expect(summary.repositories[0]).toMatchObject({ expired: 4, deleted: 0 });
    expect(await remaining()).toHaveLength(10);
    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'app', imageIds: [{ imageDigest: extra }] }),
    );
  });

  it('enforces: deletes the expired images and keeps every image in use, each with its reason', async () => {
    const summary = await run({});

    expect(summary.status).toBe('ok');
    expect(summary.repositories[0]).toMatchObject({
      images: 9,
      keptByRules: 1,
      keptInUse: 5,
      expired: 3,
      deleted: 3,
      failed: 0,
    });
    expect(await remaining()).toEqual(['keep-1', 'rev', 'run-digest', 'run-tag', 'svc', 'toolkit']);
  });

  it('puts the configured policy on the repository, then reports drift when it is changed', async () => {
    const { lifecyclePolicyText } = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'app' }));
    expect(JSON.parse(lifecyclePolicyText!).rules).toHaveLength(2);

    const drifted = JSON.parse(lifecyclePolicyText!);
    drifted.rules[1].selection.countNumber = 30;
    await ecr.send(
      new PutLifecyclePolicyCommand({ repositoryName: 'app', lifecyclePolicyText: JSON.stringify(drifted) }),
    );
    const preview = await run({ mode: 'preview' });
    const enforced = await run({});

    expect(preview.repositories[0]!.policy).toMatchObject({ status: 'different', action: 'would-put' });
    expect(preview.repositories[0]!.policy!.diff!.filter((l) => !l.startsWith('  '))).toEqual([
      '-         "countNumber": 30,',
      '+         "countNumber": 7,',
    ]);
    expect(enforced.repositories[0]!.policy).toMatchObject({ status: 'different', action: 'put' });
    const after = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'app' }));
    expect(JSON.parse(after.lifecyclePolicyText!).rules[1].selection.countNumber).toBe(7);
  });

  it('deletes nothing on a second run (a redelivery re-plans from the registry)', async () => {
    const summary = await run({});

    expect(summary.repositories[0]).toMatchObject({ images: 6, expired: 0, deleted: 0 });
    expect(await remaining()).toHaveLength(6);
  });
});
