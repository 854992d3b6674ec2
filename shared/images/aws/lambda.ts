import {
  GetFunctionCommand,
  paginateListAliases,
  paginateListFunctions,
  paginateListVersionsByFunction,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { PermanentError } from '../../kernel/errors.js';
import type { ImageUse } from '../protect.js';
import { keptQualifiers } from '../sources/lambda.js';
import type { InUseSource } from '../sources/port.js';

/** `…/repo@sha256:…` → `sha256:…`. */
const digestOf = (uri: string | undefined) =>
  uri?.includes('@') ? uri.slice(uri.indexOf('@') + 1) : undefined;

/**
 * Lambda functions packaged as container images, in the client's account and Region: the image of
 * each kept qualifier (see sources/lambda.ts), by the digest Lambda resolved at deploy time
 * (Code.ResolvedImageUri), so a tag moved since then still protects what the function runs.
 * Zip functions are skipped without further calls. Any error rejects the whole scan.
 */
export class LambdaImageSource implements InUseSource {
  readonly name = 'Lambda functions';

  constructor(
    private readonly lambda: LambdaClient,
    private readonly options: { keepVersions: number },
  ) {}

  async uses(): Promise<ImageUse[]> {
    const uses: ImageUse[] = [];
    for await (const page of paginateListFunctions({ client: this.lambda }, {})) {
      for (const fn of page.Functions ?? []) {
        if (fn.PackageType !== 'Image' || !fn.FunctionName) continue;
        uses.push(...(await this.functionUses(fn.FunctionName)));
      }
    }
    return uses;
  }

  private async functionUses(functionName: string): Promise<ImageUse[]> {
    const versions: string[] = [];
    for await (const page of paginateListVersionsByFunction(
      { client: this.lambda },
      { FunctionName: functionName },
    )) {
      versions.push(...(page.Versions ?? []).flatMap((v) => (v.Version ? [v.Version] : [])));
    }
    const aliases = [];
    for await (const page of paginateListAliases({ client: this.lambda }, { FunctionName: functionName })) {
      for (const a of page.Aliases ?? []) {
        if (!a.Name || !a.FunctionVersion) continue;
        aliases.push({
          name: a.Name,
          version: a.FunctionVersion,
          weighted: Object.keys(a.RoutingConfig?.AdditionalVersionWeights ?? {}),
        });
      }
    }
    const uses: ImageUse[] = [];
    for (const { qualifier, reasons } of keptQualifiers(
      { functionName, versions, aliases },
      this.options.keepVersions,
    )) {
      const { Code } = await this.lambda.send(
        new GetFunctionCommand({ FunctionName: functionName, Qualifier: qualifier }),
      );
      const image = Code?.ImageUri ?? Code?.ResolvedImageUri;
      if (!image) {
        throw new PermanentError(`GetFunction ${functionName}:${qualifier}: no image URI in the response`);
      }
      const digest = digestOf(Code?.ResolvedImageUri) ?? digestOf(image);
      uses.push({
        image,
        ...(digest ? { digest } : {}),
        reason: `used by Lambda function ${functionName} (${qualifier}: ${reasons.join(', ')})`,
      });
    }
    return uses;
  }
}
