import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateRepositoryCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  LambdaClient,
  PublishVersionCommand,
} from '@aws-sdk/client-lambda';
import { emulatorClients, REGION } from '../../../../../local/harness.js';
import { pushImage } from '../../../../../local/images.js';
import { ecrRegistry } from '../../../../../shared/images/aws/ecr.js';
import { LambdaImageSource } from '../../../../../shared/images/aws/lambda.js';
import { protectRepository } from '../../../../../shared/images/protect.js';

/**
 * The Lambda scan against the emulator, which holds image functions, versions and aliases. moto
 * invents ResolvedImageUri's digest (a hash of the URI, not the ECR manifest), so here the image is
 * found through its tag; and a published version shares $LATEST's code, so an image per version
 * cannot be shown here (two functions stand in). The unit tests cover protection by the resolved
 * digest and the choice of versions.
 */
describe('Adapter: LambdaImageSource (against the emulator)', () => {
  let ecr: ECRClient;
  let lambda: LambdaClient;
  let uri: string;
  const digests: string[] = [];

  beforeAll(async () => {
    const endpoint = inject('emulatorEndpoint');
    const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
    ecr = emulatorClients(endpoint).ecr;
    lambda = new LambdaClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
    const iam = new IAMClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'lambda-thumbs' }));
    uri = repository!.repositoryUri!;
    for (const n of [1, 2, 3]) digests.push(await pushImage(ecr, 'lambda-thumbs', 900 + n, `v${n}`));
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'lambda-thumbs-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'thumbs',
        PackageType: 'Image',
        Role: Role!.Arn!,
        Code: { ImageUri: `${uri}:v1` },
      }),
    );
    const { Version } = await lambda.send(new PublishVersionCommand({ FunctionName: 'thumbs' }));
    await lambda.send(
      new CreateAliasCommand({ FunctionName: 'thumbs', Name: 'live', FunctionVersion: Version! }),
    );
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'resize',
        PackageType: 'Image',
        Role: Role!.Arn!,
        Code: { ImageUri: `${uri}:v2` },
      }),
    );
  });

  it('keeps the images of image functions ($LATEST and aliased versions), and not an image no function uses', async () => {
    const uses = await new LambdaImageSource(lambda, { keepVersions: 3 }).uses();
    const images = await ecrRegistry(ecr, ['lambda-thumbs']).listImages('lambda-thumbs');

    const { inUse, doubts } = protectRepository({ name: 'lambda-thumbs', uri }, images, uses);

    expect(doubts).toEqual([]);
    expect(inUse.get(digests[0]!)).toEqual([
      expect.stringMatching(/^used by Lambda function thumbs \(\$LATEST/),
      expect.stringMatching(/^used by Lambda function thumbs \(1: alias live, one of the latest 3/),
    ]);
    expect(inUse.get(digests[1]!)).toEqual([
      expect.stringMatching(/^used by Lambda function resize \(\$LATEST/),
    ]);
    expect(inUse.has(digests[2]!)).toBe(false);
  });
});
