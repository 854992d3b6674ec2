import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetFunctionCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { LambdaImageSource } from '../../../../../shared/images/aws/lambda';

const lambda = mockClient(LambdaClient);
const client = new LambdaClient({ region: 'eu-west-1' });
const REPO = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/thumbs';
const digest = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

afterEach(() => lambda.reset());

describe('Adapter: LambdaImageSource', () => {
  it('reports the resolved digest of each kept qualifier of an image function, and skips zip functions', async () => {
    lambda.on(ListFunctionsCommand).resolvesOnce({
      Functions: [{ FunctionName: 'zipped', PackageType: 'Zip' }],
      NextMarker: 'm1',
    });
    lambda.on(ListFunctionsCommand, { Marker: 'm1' }).resolves({
      Functions: [{ FunctionName: 'resize', PackageType: 'Image' }],
    });
    lambda.on(ListVersionsByFunctionCommand).resolves({
      Versions: [{ Version: '$LATEST' }, { Version: '1' }, { Version: '2' }, { Version: '3' }],
    });
    lambda.on(ListAliasesCommand).resolves({ Aliases: [{ Name: 'live', FunctionVersion: '1' }] });
    lambda.on(GetFunctionCommand).callsFake(async (input: { Qualifier: string }) => {
      const n = input.Qualifier === '$LATEST' ? 9 : Number(input.Qualifier);
      return { Code: { ImageUri: `${REPO}:v${n}`, ResolvedImageUri: `${REPO}@${digest(n)}` } };
    });

    const uses = await new LambdaImageSource(client, { keepVersions: 1 }).uses();

    expect(uses).toEqual([
      { image: `${REPO}:v9`, digest: digest(9), reason: 'used by Lambda function resize ($LATEST: $LATEST)' },
      { image: `${REPO}:v1`, digest: digest(1), reason: 'used by Lambda function resize (1: alias live)' },
      {
        image: `${REPO}:v3`,
        digest: digest(3),
        reason: 'used by Lambda function resize (3: one of the latest 1 versions (#1, newest first))',
      },
    ]);
    expect(lambda.commandCalls(GetFunctionCommand).map((c) => c.args[0].input.FunctionName)).toEqual([
      'resize',
      'resize',
      'resize',
    ]);
  });

  it('rejects the scan when Lambda refuses a read, rather than reporting fewer uses', async () => {
    lambda
      .on(ListFunctionsCommand)
      .resolves({ Functions: [{ FunctionName: 'resize', PackageType: 'Image' }] });
    lambda
      .on(ListVersionsByFunctionCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(new LambdaImageSource(client, { keepVersions: 3 }).uses()).rejects.toThrow('denied');
  });

  it('rejects the scan when GetFunction names no image, since what the function runs is then unknown', async () => {
    lambda
      .on(ListFunctionsCommand)
      .resolves({ Functions: [{ FunctionName: 'resize', PackageType: 'Image' }] });
    lambda.on(ListVersionsByFunctionCommand).resolves({ Versions: [] });
    lambda.on(ListAliasesCommand).resolves({ Aliases: [] });
    lambda.on(GetFunctionCommand).resolves({ Code: {} });

    await expect(new LambdaImageSource(client, { keepVersions: 3 }).uses()).rejects.toThrow(
      'GetFunction resize:$LATEST: no image URI',
    );
  });
});
