import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  PutImageCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { CreateClusterCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { listImages, manifestSubjects } from '../../../../../shared/images/aws/ecr.js';
import { EcsInUseScanner } from '../../../../../shared/images/aws/scan.js';
import { canCarrySubject } from '../../../../../shared/images/referrers.js';
import { emulatorClients } from '../../../../../local/harness.js';
import { resetEmulator } from '../../../../../local/emulator.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const REPOSITORY = 'acct/app';

/**
 * What the emulator holds for issue 19: clusters (ListClusters), OCI manifests with a `subject`
 * (PutImage stores the manifest as given; DescribeImages reports its media type; BatchGetImage returns
 * it, ignoring acceptedMediaTypes). The emulator knows nothing of referrers itself: it neither lists
 * them (no referrers API) nor links a subject to its image; ecs-pilot reads the manifests.
 */
describe('Adapters against the emulator: clusters and referrers', () => {
  let ecr: ECRClient;
  let ecs: ECSClient;
  const ociManifest = (layer: number, subject?: string) => ({
    schemaVersion: 2,
    mediaType: MANIFEST,
    ...(subject ? { artifactType: 'application/vnd.cncf.notary.signature' } : {}),
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      size: 2,
      digest: `sha256:${'c'.repeat(64)}`,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        size: 1,
        digest: `sha256:${layer.toString(16).padStart(64, 'b')}`,
      },
    ],
    ...(subject ? { subject: { mediaType: MANIFEST, size: 100, digest: subject } } : {}),
  });
  const put = async (manifest: unknown, tag?: string) => {
    const { image } = await ecr.send(
      new PutImageCommand({
        repositoryName: REPOSITORY,
        imageManifest: JSON.stringify(manifest),
        ...(tag ? { imageTag: tag } : {}),
      }),
    );
    return image!.imageId!.imageDigest!;
  };

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    ({ ecr, ecs } = emulatorClients(endpoint));
    for (const clusterName of ['acct-prod-eu', 'acct-prod-us', 'acct-sandbox'])
      await ecs.send(new CreateClusterCommand({ clusterName }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
  });

  it('reads the subject of a signature pushed as an OCI manifest', async () => {
    const subject = await put(ociManifest(1), 'v1');
    const signature = await put(ociManifest(2, subject));

    const images = await listImages(ecr, REPOSITORY);
    const candidates = images.filter(canCarrySubject).map((i) => i.imageDigest);
    const subjects = await manifestSubjects(ecr, REPOSITORY, candidates);

    expect(candidates.sort()).toEqual([subject, signature].sort());
    expect(subjects).toEqual(
      new Map([
        [subject, null],
        [signature, subject],
      ]),
    );
    const { imageDetails = [] } = await ecr.send(new DescribeImagesCommand({ repositoryName: REPOSITORY }));
    expect(imageDetails.find((d) => d.imageDigest === signature)?.imageTags ?? []).toEqual([]);
  });

  it('scans the clusters ListClusters returns that a pattern matches, less the excluded, and reports a missing one', async () => {
    const scanner = new EcsInUseScanner(ecs, {
      clusters: ['acct-*', 'acct-gone'],
      excludeClusters: ['*-sandbox'],
      taskDefinitionRevisions: 0,
      includeStopped: false,
      toolkit: [],
    });

    const inventory = await scanner.scan();

    expect(inventory.clusters).toEqual({ scanned: ['acct-prod-eu', 'acct-prod-us'], missing: ['acct-gone'] });
  });
});
