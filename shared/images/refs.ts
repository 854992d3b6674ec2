/**
 * Container image references as task definitions and tasks carry them, resolved to the repositories
 * ecs-pilot cleans:
 *   app:1.2 · app@sha256:… · app:1.2@sha256:… ·
 *   123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.2 (the repository's URI, with tag or digest)
 * Pure: no SDK.
 */

/** A parsed image reference. `registry` is absent for a bare name (`app:1.2`). */
export interface ImageReference {
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * Parses `[registry/]path[:tag][@digest]`; undefined when it is not an image reference. The first path
 * component is a registry when it has a `.` or `:` or is `localhost`, as Docker reads references.
 */
export function parseImageReference(image: string): ImageReference | undefined {
  const text = image.trim();
  if (text.length === 0 || /\s/.test(text)) return undefined;
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let registry: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first.toLowerCase();
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag.length === 0) return undefined;
  }
  if (rest.length === 0) return undefined;
  return {
    ...(registry ? { registry } : {}),
    repository: rest,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** A repository ecs-pilot cleans, as DescribeRepositories names it. */
export interface RepositoryIdentity {
  name: string;
  /** `<registry>/<name>`, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app. */
  uri: string;
}

/**
 * One private ECR registry reached through any of its endpoints: the standard one, FIPS, dual-stack
 * (`dkr-ecr.<region>.on.aws`), the China and isolated partitions, with or without `:443`.
 */
const ECR_HOST =
  /^(\d{12})\.dkr[.-]ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws|c2s\.ic\.gov|sc2s\.sgov\.gov)(?::443)?$/;

/** `account/region` for an ECR registry host, else the host itself (lower-cased). */
export function registryKey(host: string): string {
  const lower = host.toLowerCase();
  const ecr = ECR_HOST.exec(lower);
  return ecr ? `${ecr[1]}/${ecr[2]}` : lower;
}

/**
 * Whether a reference points into this repository: a bare name equal to the repository's, or the same
 * path in the same registry, through whichever endpoint the reference uses (a task definition may pull
 * through the dual-stack or FIPS endpoint; missing that would delete an image in use). The same name
 * in another account or region is another repository. A bare `app:1.2` would be pulled from Docker
 * Hub, but treating it as the ECR repository `app` can only keep more images, never fewer.
 */
export function referencesRepository(reference: ImageReference, repository: RepositoryIdentity): boolean {
  if (reference.repository !== repository.name) return false;
  if (reference.registry === undefined) return true;
  const slash = repository.uri.indexOf('/');
  return slash > 0 && registryKey(repository.uri.slice(0, slash)) === registryKey(reference.registry);
}
