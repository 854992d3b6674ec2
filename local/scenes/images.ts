import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateRepositoryCommand, DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { CreateClusterCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { lifecycle } from '../../bin/commands/lifecycle.js';
import { ecrRegistry } from '../../shared/images/aws/ecr.js';
import { EcsInUseScanner } from '../../shared/images/aws/scan.js';
import { runImageHygiene, toolkitTaskDefinitions } from '../../shared/images/service.js';
import type { Log } from '../../shared/kernel/log.js';
import { emulatorEnv, setEmulatorTransition } from '../emulator.js';
import type { LocalAccount } from '../harness.js';
import { registerTaskDefinition } from '../ecs.js';
import { pushImage, pushOciImage } from '../images.js';
import { createImageFunction, emulatorLambda } from '../image-functions.js';
import { LambdaImageSource } from '../../shared/images/aws/lambda.js';
import { projectRoot } from '../package.js';

const REPOSITORY = 'demo/app';
/** A second cluster, created after the config was written: scanned because no cluster list is given. */
const SECOND_CLUSTER = 'demo-batch';
/** The emulator stamps push times itself (now), so the engine is given a clock this far ahead. */
const CLOCK_AHEAD_DAYS = 30;

/**
 * Image hygiene on a simulated clock: fills an emulated repository with tagged and untagged images,
 * signs two of them (OCI signatures naming their image as `subject`), runs a task from one image in
 * the configured cluster and one in a second cluster, previews the configured policy with
 * `ecs-pilot lifecycle preview --repository`, then enforces it through the same adapters and run as
 * enforceImages: the in-use images kept with their reason, each signature following its image.
 */
export async function imagesScene(
  account: LocalAccount,
  print: (line: string) => void,
  verbose: boolean,
): Promise<{ ok: boolean }> {
  const images = account.config.images;
  const entry = images?.repositories[0];
  if (!images || !entry) return { ok: true };
  print('\n── Image hygiene ──');
  const { ecr } = account.clients;
  const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
  const uri = repository!.repositoryUri!;
  let layer = 0;
  const push = (tag?: string) => pushImage(ecr, REPOSITORY, ++layer, tag);
  const [release] = [await push('release-1.0')];
  for (const tag of ['feature-login', 'feature-search', 'feature-reports', undefined]) await push(tag);
  const scratch = await push();
  print(
    `• pushed 6 images to ${REPOSITORY}: release-1.0, feature-login, feature-search, feature-reports and 2 untagged`,
  );
  await pushOciImage(ecr, REPOSITORY, ++layer, { subject: release });
  await pushOciImage(ecr, REPOSITORY, ++layer, { subject: scratch });
  print(
    '• signed release-1.0 and the newest untagged image (OCI signatures, untagged, naming their subject)',
  );

  await setEmulatorTransition(account.endpoint, 'ecs::task', { progression: 'manual', times: 1_000_000 });
  try {
    const cluster = images.protect.clusters?.[0] ?? 'media';
    // The full demo's world already has the configured cluster; an images-only config does not.
    for (const name of [cluster, SECOND_CLUSTER].filter((c) => !account.world.clusters.includes(c)))
      await account.clients.ecs.send(new CreateClusterCommand({ clusterName: name }));
    for (const [where, family, tag] of [
      [cluster, 'demo-login', 'feature-login'],
      [SECOND_CLUSTER, 'demo-search', 'feature-search'],
    ] as const) {
      await registerTaskDefinition(account.clients.ecs, family, 'web', `${uri}:${tag}`);
      await account.clients.ecs.send(
        new RunTaskCommand({
          cluster: where,
          taskDefinition: family,
          launchType: 'FARGATE',
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: [...account.world.subnets.values()],
              securityGroups: [...account.world.securityGroups.values()],
            },
          },
        }),
      );
      print(`• a task in cluster ${where} runs ${REPOSITORY}:${tag} (RUNNING)`);
    }
    await createImageFunction(account.endpoint, 'demo-reports', `${uri}:feature-reports`);
    print(`• Lambda function demo-reports is packaged as ${REPOSITORY}:feature-reports`);

    const now = new Date(Date.now() + CLOCK_AHEAD_DAYS * 86_400_000);
    const policyFile = join('.build', 'local', 'images-policy.json');
    writeFileSync(join(projectRoot, policyFile), JSON.stringify(entry.policy));
    print(
      `• ecs-pilot lifecycle preview --repository ${REPOSITORY} --now ${now.toISOString().slice(0, 10)} (the rules alone, ${CLOCK_AHEAD_DAYS} days on):`,
    );
    // The CLI reads the registry like any SDK client: AWS_ENDPOINT_URL points it at the emulator.
    Object.assign(process.env, emulatorEnv(account.endpoint));
    await lifecycle(
      ['preview', '--policy', policyFile, '--repository', REPOSITORY, '--now', now.toISOString()],
      {
        log: (line) =>
          line.trim() &&
          !line.startsWith('PUSHED') &&
          print(`    ${line.replace(/^.*?sha256:[0-9a-f]{12}\s+/, '')}`),
        error: (line) => print(`    ${line}`),
      },
    );

    print(
      `• enforcing (mode ${images.mode}, same adapters and run as enforceImages, clock ${CLOCK_AHEAD_DAYS} days on):`,
    );
    const lines: { message: string; extra: Record<string, unknown> }[] = [];
    const record = (message: string, ...extra: Record<string, unknown>[]) => {
      lines.push({ message, extra: Object.assign({}, ...extra) });
      if (verbose) print(`    ${JSON.stringify({ message, ...Object.assign({}, ...extra) })}`);
    };
    const logger: Log = { debug: record, info: record, warn: record, error: record };
    const summary = await runImageHygiene(
      images,
      {},
      {
        registry: ecrRegistry(
          ecr,
          images.repositories.flatMap((r) => r.match),
        ),
        scanner: new EcsInUseScanner(account.clients.ecs, {
          clusters: images.protect.clusters,
          excludeClusters: images.protect.excludeClusters,
          taskDefinitionRevisions: images.protect.taskDefinitionRevisions,
          includeStopped: images.protect.stoppedTasksWithinHours > 0,
          toolkit: toolkitTaskDefinitions(account.config),
        }),
        sources: images.protect.lambda.scan
          ? [
              new LambdaImageSource(emulatorLambda(account.endpoint), {
                keepVersions: images.protect.lambda.keepVersions,
              }),
            ]
          : [],
        logger,
        now,
      },
    );
    print(`  clusters scanned: ${summary.clusters?.join(', ') ?? '(none)'}`);
    for (const { extra } of lines.filter((l) => l.message === 'image decision')) {
      const tags = extra.subject ? '└ signature' : (extra.tags as string[]).join(', ') || '(untagged)';
      print(`    ${String(extra.decision).padEnd(6)} ${tags.padEnd(15)} ${String(extra.reason)}`);
    }
    const r = summary.repositories.find((x) => x.repository === REPOSITORY);
    const { imageDetails = [] } = await ecr.send(new DescribeImagesCommand({ repositoryName: REPOSITORY }));
    const left = imageDetails.map((d) => d.imageTags?.join(',') ?? '(untagged)').sort();
    print(
      `  ${REPOSITORY}: ${r?.images} images, ${r?.keptByRules} kept by rules, ${r?.keptInUse} kept in use, ${r?.deleted} deleted; policy ${r?.policy?.action === 'put' ? 'put on the repository' : r?.policy?.status}`,
    );
    // Left: the release, its signature, the two images running tasks use (one per cluster) and the
    // Lambda function's image.
    const ok =
      summary.status === 'ok' &&
      left.join(' ') === '(untagged) feature-login feature-reports feature-search release-1.0' &&
      summary.clusters?.includes(SECOND_CLUSTER) === true;
    print(
      `\nImages: the expired images deleted (a signature after its image), the ones running tasks use in both clusters and the one a Lambda function uses kept with their reason, the release kept with its signature${ok ? '.' : ` — UNEXPECTED (left: ${left.join(', ')}), see above.`}`,
    );
    return { ok };
  } finally {
    await setEmulatorTransition(account.endpoint, 'ecs::task', { progression: 'immediate' });
  }
}
