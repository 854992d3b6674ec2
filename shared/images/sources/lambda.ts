/**
 * Which versions of a Lambda function keep their image. Pure: the adapter
 * (shared/images/aws/lambda.ts) lists functions, versions and aliases; this picks the qualifiers and
 * says why. Kept: $LATEST (what the next publish and unqualified invokes use), every version an alias
 * points to or routes weighted traffic to, and the newest `keepVersions` published versions (ecrm's
 * rule too: rolling back means pointing an alias at a recent version).
 */
export interface LambdaAlias {
  name: string;
  version: string;
  /** Versions the alias routes part of its traffic to (RoutingConfig.AdditionalVersionWeights). */
  weighted: readonly string[];
}

export interface LambdaFunctionVersions {
  functionName: string;
  /** Published versions as ListVersionsByFunction returns them ($LATEST included or not). */
  versions: readonly string[];
  aliases: readonly LambdaAlias[];
}

export interface KeptQualifier {
  qualifier: string;
  reasons: string[];
}

const numeric = (version: string) => (/^\d+$/.test(version) ? Number(version) : undefined);

export function keptQualifiers(fn: LambdaFunctionVersions, keepVersions: number): KeptQualifier[] {
  const kept = new Map<string, string[]>();
  const keep = (qualifier: string, reason: string) => {
    const reasons = kept.get(qualifier);
    if (reasons) reasons.push(reason);
    else kept.set(qualifier, [reason]);
  };
  keep('$LATEST', '$LATEST');
  for (const alias of fn.aliases) {
    keep(alias.version, `alias ${alias.name}`);
    for (const version of alias.weighted) keep(version, `alias ${alias.name} (weighted routing)`);
  }
  const published = fn.versions
    .map(numeric)
    .filter((v): v is number => v !== undefined)
    .sort((a, b) => b - a)
    .slice(0, keepVersions);
  published.forEach((v, i) =>
    keep(String(v), `one of the latest ${keepVersions} versions (#${i + 1}, newest first)`),
  );
  return [...kept].map(([qualifier, reasons]) => ({ qualifier, reasons }));
}
