/**
 * API calls of the Lambda scan, one of image hygiene's in-use sources, through the real adapter
 * (shared/images/aws/lambda.ts) against a counting mock that pages as Lambda does (ListFunctions and
 * ListVersionsByFunction 50 a page). Expected: ceil(functions / 50) ListFunctions; per image function
 * one ListAliases, ceil(versions / 50) ListVersionsByFunction and one GetFunction per kept qualifier
 * ($LATEST, the aliased version, the latest keepVersions). Zip functions cost nothing more.
 */
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetFunctionCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { LambdaImageSource } from '../shared/images/aws/lambda.js';
import { judged, type Row } from './lib.js';

const PAGE = 50;

export async function measureLambdaScan(world: {
  functions: number;
  imageFunctions: number;
  versions: number;
  keepVersions: number;
}): Promise<{ rows: Row[]; details: Record<string, number> }> {
  const mock = mockClient(LambdaClient);
  const functions = Array.from({ length: world.functions }, (_, i) => ({
    FunctionName: `fn-${i}`,
    PackageType: i < world.imageFunctions ? 'Image' : 'Zip',
  }));
  const page = <T>(all: T[], marker: string | undefined) => {
    const start = Number(marker ?? 0);
    const end = Math.min(start + PAGE, all.length);
    return { items: all.slice(start, end), ...(end < all.length ? { NextMarker: String(end) } : {}) };
  };
  mock.on(ListFunctionsCommand).callsFake(async (input: { Marker?: string }) => {
    const { items, ...next } = page(functions, input.Marker);
    return { Functions: items, ...next };
  });
  const versions = ['$LATEST', ...Array.from({ length: world.versions }, (_, i) => String(i + 1))];
  mock.on(ListVersionsByFunctionCommand).callsFake(async (input: { Marker?: string }) => {
    const { items, ...next } = page(versions, input.Marker);
    return { Versions: items.map((Version) => ({ Version })), ...next };
  });
  mock.on(ListAliasesCommand).resolves({ Aliases: [{ Name: 'live', FunctionVersion: '1' }] });
  mock.on(GetFunctionCommand).callsFake(async (input: { FunctionName: string; Qualifier: string }) => ({
    Code: {
      ImageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/app:${input.FunctionName}-${input.Qualifier}`,
    },
  }));
  const uses = await new LambdaImageSource(new LambdaClient({ region: 'us-east-1' }), {
    keepVersions: world.keepVersions,
  }).uses();
  const calls = mock.calls().length;
  mock.restore();
  const kept =
    1 + Math.min(world.keepVersions, world.versions) + (world.keepVersions < world.versions ? 1 : 0);
  if (uses.length !== world.imageFunctions * kept) throw new Error('the Lambda scan lost uses');
  const expected =
    Math.max(1, Math.ceil(world.functions / PAGE)) +
    world.imageFunctions * (1 + Math.ceil(versions.length / PAGE) + kept);
  const label = `${world.functions} functions (${world.imageFunctions} image, ${world.versions} versions each)`;
  return {
    rows: [
      judged('lifecycle', `Lambda scan calls, ${label}`, calls, 'calls', String(calls), {
        op: '==',
        value: expected,
        display: `${expected} (pages + per image function: aliases, versions, one GetFunction per kept qualifier)`,
      }),
    ],
    details: {
      lambdaFunctions: world.functions,
      lambdaImageFunctions: world.imageFunctions,
      lambdaCalls: calls,
    },
  };
}
