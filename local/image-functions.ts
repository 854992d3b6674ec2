import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { REGION } from './harness.js';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' };

/** A Lambda client pointed at the emulator. */
export const emulatorLambda = (endpoint: string) =>
  new LambdaClient({ endpoint, region: REGION, credentials, maxAttempts: 2 });

/**
 * Creates, in the emulator, a Lambda function packaged as a container image (its role too: the
 * emulator checks that it exists). Nothing runs it; it is there to be seen by the image scan.
 */
export async function createImageFunction(endpoint: string, name: string, imageUri: string): Promise<void> {
  const iam = new IAMClient({ endpoint, region: REGION, credentials, maxAttempts: 2 });
  const { Role } = await iam.send(
    new CreateRoleCommand({
      RoleName: `${name}-role`,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  await emulatorLambda(endpoint).send(
    new CreateFunctionCommand({
      FunctionName: name,
      PackageType: 'Image',
      Role: Role!.Arn!,
      Code: { ImageUri: imageUri },
    }),
  );
}
