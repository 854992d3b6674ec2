import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateRepositoryCommand, DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { CreateClusterCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { listImages, manifestSubjects } from '../../../../../shared/images/aws/ecr.js';
import { EcsInUseScanner } from '../../../../../shared/images/aws/scan.js';
import { DynamoOnce } from '../../../../../shared/images/aws/once.js';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { mayBeReferrer } from '../../../../../shared/images/referrers.js';
import { emulatorClients } from '../../../../../local/harness.js';
import { resetEmulator } from '../../../../../local/emulator.js';
import { pushOciImage } from '../../../../../local/images.js';

const REPOSITORY = 'acct/app';

/**
 * What the emulator holds for issue 19: clusters (ListClusters), OCI manifests with a `subject`
 * (PutImage stores the manifest as given; DescribeImages reports its media type; BatchGetImage returns
 * it, ignoring acceptedMediaTypes). The emulator knows nothing of referrers itself: it neither lists
 * them (no referrers API) nor links a subject to its image; ecs-pilot reads the manifests.
 */
describe('Adapters against the emulator: clusters, referrers, alert claims', () => {
  let ecr: ECRClient;
  let ecs: ECSClient;
  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    await resetEmulator(endpoint);
    ({ ecr, ecs } = emulatorClients(endpoint));
    for (const clusterName of ['acct-prod-eu', 'acct-prod-us', 'acct-sandbox'])
      await ecs.send(new CreateClusterCommand({ clusterName }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
  });

  it('reads the subject of an untagged signature pushed as an OCI manifest', async () => {
    const subject = await pushOciImage(ecr, REPOSITORY, 1, { tag: 'v1' });
    const signature = await pushOciImage(ecr, REPOSITORY, 2, { subject });

    const images = await listImages(ecr, REPOSITORY);
    const candidates = images.filter(mayBeReferrer).map((i) => i.imageDigest);
    const subjects = await manifestSubjects(ecr, REPOSITORY, candidates);

    // The tagged image is an image in its own right: only the untagged manifest is read.
    expect(candidates).toEqual([signature]);
    expect(subjects).toEqual(new Map([[signature, subject]]));
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

  it('claims a broken reference once in a table shaped like the alerts state table', async () => {
    const { dynamodb } = emulatorClients(inject('emulatorEndpoint'));
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'acct-alerts-state',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    const once = new DynamoOnce(dynamodb, 'acct-alerts-state');

    expect([await once.claim('ref'), await once.claim('ref')]).toEqual([true, false]);
    await once.release('ref');
    expect(await once.claim('ref')).toBe(true);
  });
});
