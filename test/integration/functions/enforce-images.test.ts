import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  type ECRClient,
  GetLifecyclePolicyCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import {
  CreateServiceCommand,
  DeregisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { resetEmulator, setEmulatorTransition } from '../../../local/emulator.js';
import { loadFunction, setUpLocal, type LocalAccount } from '../../../local/harness.js';
import { registerTaskDefinition } from '../../../local/ecs.js';
import { pushImage } from '../../../local/images.js';
import { packageStage, projectRoot } from '../../../local/package.js';
import type { RunSummary } from '../../../shared/images/report.js';

const CONFIG = 'test/integration/fixtures/images.yml';
type Handler = (event: unknown) => Promise<RunSummary>;

/**
 * Image hygiene end to end against the emulator: a repository with tagged and untagged images, ECS
 * tasks, a service and task definitions using some of them; the real handler in-process. The
 * emulator sets push times itself, so the function runs with its clock 30 days ahead.
 *
 * Each in-use case is isolated: the task definitions behind the tasks are deregistered, the service's
 * family and the toolkit's pinned revision have newer revisions, so only the case under test can keep
 * its image (the latest revision of every family is protected too).
 *
 * What moto 5.2.5 cannot show, covered by unit tests instead (test/unit/shared/images/protect.test.ts,
 * test/unit/shared/images/aws/scan.test.ts): a PENDING task (moto's tasks start RUNNING; its state
 * machine has no PROVISIONING/PENDING step), a stop time (stopped tasks have no `stoppedAt`, so the
 * run keeps them as recent and says so), the digest ECS reports per container (`imageDigest` is never
 * set), and ECR refusing to delete a manifest an index lists (ImageReferencedByManifestList).
 */
describe('Function: enforceImages (against the emulator)', () => {
  let account: LocalAccount;
  let handler: Handler;
  let ecr: ECRClient;
  let uri: string;
  const digests = new Map<string, string>();
  let layer = 0;

  /** Pushes a small single-platform image (a fresh layer, so a fresh digest) and records its digest. */
  const push = async (tag?: string) => {
    layer += 1;
    const digest = await pushImage(ecr, 'app', layer, tag);
    digests.set(tag ?? `untagged-${layer}`, digest);
    return digest;
  };
  /** Pushes an image index (OCI or Docker manifest list) listing `children`; moto needs its digest given. */
  const pushIndex = async (tag: string, children: string[], mediaType: string, n: number) => {
    const manifest = {
      schemaVersion: 2,
      mediaType,
      manifests: children.map((digest, i) => ({
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        size: 100,
        digest,
        platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
      })),
    };
    const { image } = await ecr.send(
      new PutImageCommand({
        repositoryName: 'app',
        imageManifest: JSON.stringify(manifest),
        imageTag: tag,
        imageDigest: `sha256:${n.toString(16).padStart(64, 'e')}`,
      }),
    );
    digests.set(tag, image!.imageId!.imageDigest!);
    return image!.imageId!.imageDigest!;
  };
  const remaining = async () => {
    const { imageDetails = [] } = await ecr.send(new DescribeImagesCommand({ repositoryName: 'app' }));
    return imageDetails.map((d) => d.imageTags?.[0] ?? 'untagged').sort();
  };
  const register = (family: string, image: string) =>
    registerTaskDefinition(account.clients.ecs, family, 'main', image);
  const network = () => ({
    awsvpcConfiguration: {
      subnets: [...account.world.subnets.values()],
      securityGroups: [...account.world.securityGroups.values()],
    },
  });
  /** The last run's decisions by digest, read from its "image decision" log lines. */
  let decisions = new Map<string, { decision: string; cause: string; reason: string }>();
  const run = async (event: unknown) => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 30 * 86_400_000 });
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      return await handler(event);
    } finally {
      write.mockRestore();
      vi.useRealTimers();
      decisions = new Map();
      for (const line of lines.join('').split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as Record<string, string>;
        if (entry.message === 'image decision') decisions.set(entry.digest!, entry as never);
      }
    }
  };
  const decisionOf = (name: string) => decisions.get(digests.get(name)!);
  const runTask = (family: string) =>
    account.clients.ecs.send(
      new RunTaskCommand({
        cluster: 'media',
        taskDefinition: family,
        launchType: 'FARGATE',
        networkConfiguration: network(),
      }),
    );
  /** Only the task keeps its image: its task definition is no longer a latest ACTIVE revision. */
  const deregister = (family: string) =>
    account.clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: `${family}:1` }));

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    await setEmulatorTransition(endpoint, 'ecs::task', { progression: 'manual', times: 1_000_000 });
    const templatePath = await packageStage('imgtestint', {
      configFile: CONFIG,
      outDir: '.serverless-imgtestint',
    });
    account = await setUpLocal({ endpoint, templatePath, configPath: join(projectRoot, CONFIG) });
    ecr = account.clients.ecr;
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    uri = repository!.repositoryUri!;
    for (const tag of ['keep-1', 'run-tag', 'run-digest', 'svc', 'rev', 'old-rev', 'toolkit', 'stale-1'])
      await push(tag);
    await push();
    // Multi-architecture: "multi" (an OCI index, used by a RUNNING task by its tag) lists two platform
    // images; "multi-old" (a Docker manifest list nobody uses) lists two more, one of them used by a
    // task directly by digest.
    const multi = [await push(), await push()];
    digests.set('multi-amd64', multi[0]!);
    digests.set('multi-arm64', multi[1]!);
    await pushIndex('multi', multi, 'application/vnd.oci.image.index.v1+json', 1);
    const old = [await push(), await push()];
    digests.set('old-amd64', old[0]!);
    digests.set('old-arm64', old[1]!);
    await pushIndex('multi-old', old, 'application/vnd.docker.distribution.manifest.list.v2+json', 2);
    await push('stopped');
    // In use: a RUNNING task by tag, one by digest, one by an index's tag, one by a platform image's
    // digest, a task stopped just now, a service's deployment, the latest revision of "batch" (not its
    // older one), and the toolkit's own task definition (the schedule's "reporter:2"; revision 1 is the
    // placeholder the local world registers, revision 3 moves the family on).
    await register('runner-tag', `${uri}:run-tag`);
    await register('runner-digest', `${uri}@${digests.get('run-digest')}`);
    await register('runner-multi', `${uri}:multi`);
    await register('runner-arm', `${uri}@${digests.get('old-arm64')}`);
    await register('runner-stopped', `${uri}:stopped`);
    for (const family of ['runner-tag', 'runner-digest', 'runner-multi', 'runner-arm']) {
      await runTask(family);
      await deregister(family);
    }
    const { tasks } = await runTask('runner-stopped');
    await deregister('runner-stopped');
    await account.clients.ecs.send(
      new StopTaskCommand({ cluster: 'media', task: tasks![0]!.taskArn!, reason: 'test' }),
    );
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
    await register('web', `${uri}:keep-1`);
    await register('batch', `${uri}:old-rev`);
    await register('batch', `${uri}:rev`);
    await register('reporter', `${uri}:toolkit`);
    await register('reporter', `${uri}:keep-1`);
    ({ handler } = await loadFunction(
      account,
      'EnforceImagesLambdaFunction',
      () => import('../../../functions/enforce-images.js') as Promise<{ handler: Handler }>,
      { logLevel: 'INFO' },
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
        images: 16,
        keptByRules: 1,
        keptInUse: 10,
        expired: 5,
        deleted: 0,
        held: 'preview: nothing deleted',
      }),
    ]);
    expect(summary.repositories[0]!.policy).toEqual({
      status: 'missing',
      action: 'would-put',
      // Every image kept in use here is one ECR's own lifecycle would delete under this policy.
      warning: expect.stringMatching(/^the rules expire 10 image\(s\) in use here; .* ECR's own lifecycle/),
    });
    expect(await remaining()).toHaveLength(16);
  });

  it('keeps every image in use, each with the reason', async () => {
    await run({ mode: 'preview' });

    const kept = (name: string) => {
      expect(decisionOf(name)).toMatchObject({ decision: 'keep' });
      return decisionOf(name)!.reason;
    };
    expect(kept('run-tag')).toMatch(
      /^kept: in use, used by RUNNING task \S+ in cluster media \(container main\) \(tag run-tag\)/,
    );
    expect(kept('run-digest')).toMatch(
      /^kept: in use, used by RUNNING task \S+ in cluster media \(container main\) \(expired/,
    );
    expect(kept('stopped')).toMatch(
      /^kept: in use, used by task \S+ in cluster media, stopped \(ECS gives no stop time, so it counts as recent\)/,
    );
    expect(kept('svc')).toMatch(
      /^kept: in use, used by service web in cluster media \(PRIMARY deployment\): web:1/,
    );
    expect(kept('rev')).toMatch(
      /^kept: in use, in one of the latest 1 revisions of batch \(#1, newest first\): batch:2/,
    );
    expect(kept('toolkit')).toMatch(/^kept: in use, started by ecs-pilot's schedule nightly: reporter:2/);
    expect(kept('multi')).toMatch(/^kept: in use, used by RUNNING task \S+ .*\(tag multi\)/);
    for (const child of ['multi-amd64', 'multi-arm64'])
      expect(kept(child)).toMatch(/^kept: part of image index sha256:eeeeeeeeeeee \(multi\), which is kept/);
    expect(kept('old-arm64')).toMatch(
      /^kept: in use, used by RUNNING task \S+ in cluster media \(container main\) \(expired/,
    );
    for (const gone of ['old-rev', 'stale-1', 'multi-old', 'old-amd64'])
      expect(decisionOf(gone)).toMatchObject({ decision: 'delete', cause: 'expired' });
  });

  it('deletes nothing when one more expired image takes the run over maxDeletesPerRun', async () => {
    const extra = await push('stale-2');

    const summary = await run({});

    expect(summary.status).toBe('held');
    expect(summary.repositories[0]).toMatchObject({ expired: 6, deleted: 0 });
    expect(await remaining()).toHaveLength(17);
    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'app', imageIds: [{ imageDigest: extra }] }),
    );
  });

  it('enforces: deletes the expired images (an unused index first) and keeps every image in use', async () => {
    const summary = await run({});

    expect(summary.status).toBe('ok');
    expect(summary.repositories[0]).toMatchObject({
      images: 16,
      keptByRules: 1,
      keptInUse: 10,
      expired: 5,
      deleted: 5,
      failed: 0,
    });
    expect(await remaining()).toEqual([
      'keep-1',
      'multi',
      'rev',
      'run-digest',
      'run-tag',
      'stopped',
      'svc',
      'toolkit',
      'untagged',
      'untagged',
      'untagged',
    ]);
    const { imageDetails = [] } = await ecr.send(new DescribeImagesCommand({ repositoryName: 'app' }));
    expect(imageDetails.map((d) => d.imageDigest).sort()).toEqual(
      ['keep-1', 'multi', 'rev', 'run-digest', 'run-tag', 'stopped', 'svc', 'toolkit']
        .concat(['multi-amd64', 'multi-arm64', 'old-arm64'])
        .map((name) => digests.get(name))
        .sort(),
    );
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

    expect(summary.repositories[0]).toMatchObject({ images: 11, expired: 0, deleted: 0 });
    expect(await remaining()).toHaveLength(11);
  });
});
