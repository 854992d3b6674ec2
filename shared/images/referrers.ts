/**
 * OCI referrers: signatures (Notation, cosign), SBOMs, attestations and SOCI indexes that ECR stores
 * beside the image they describe, their subject. Pure.
 *
 * A referrer names its subject in the `subject` of its manifest (OCI 1.1), or, in the older convention
 * cosign and the OCI tag fallback use, through a tag `sha256-<hex>` (optionally `.sig`, `.att`, …).
 * ECR's lifecycle counts referrers as images; ecs-pilot does not: they follow their subject.
 */
import type { RegistryImage } from './protect.js';

/** Manifest types whose manifest may carry a `subject`; Docker's v2 manifests and lists cannot. */
export const SUBJECT_MEDIA_TYPES: readonly string[] = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.artifact.manifest.v1+json',
];

/**
 * The manifests read (BatchGetImage) to find referrers: untagged ones of a type that can name a
 * subject. A tagged image is pulled by its tag, so it is an image in its own right whatever its
 * manifest says (and a `sha256-<digest>` tag is read from the tag alone). Most registries tag most
 * images, so this reads a fraction of the manifests: 2,500 OCI images of which 500 untagged cost
 * 5 calls, not 25.
 */
export const mayBeReferrer = (image: RegistryImage): boolean =>
  image.imageTags.length === 0 &&
  image.manifestMediaType !== undefined &&
  SUBJECT_MEDIA_TYPES.includes(image.manifestMediaType);

const TAG_CONVENTION = /^sha256-([a-f0-9]{64})(?:\.[A-Za-z0-9_.-]+)?$/;

/**
 * The subject a tag names by the `sha256-<hex>` convention. An image with any other tag as well is
 * pulled by that tag, so it is an image in its own right, not a referrer.
 */
export function subjectFromTags(tags: readonly string[]): string | undefined {
  let subject: string | undefined;
  for (const tag of tags) {
    // Most tags fail on their first character; the regex runs only on likely ones.
    if (!tag.startsWith('sha256-')) return undefined;
    const match = TAG_CONVENTION.exec(tag);
    if (!match) return undefined;
    subject ??= `sha256:${match[1]}`;
  }
  return subject;
}

/**
 * Each referrer's direct subject. `manifestSubjects` holds what the manifests say (read for the images
 * that can carry one); a manifest's subject wins over a tag.
 */
export function findReferrers(
  images: readonly RegistryImage[],
  manifestSubjects: ReadonlyMap<string, string | null>,
): Map<string, string> {
  const subjectOf = new Map<string, string>();
  for (const image of images) {
    const subject =
      (manifestSubjects.size > 0 ? manifestSubjects.get(image.imageDigest) : undefined) ??
      (image.imageTags.length > 0 ? subjectFromTags(image.imageTags) : undefined);
    if (subject && subject !== image.imageDigest) subjectOf.set(image.imageDigest, subject);
  }
  return subjectOf;
}

/** Where a referrer's chain of subjects ends: at an image that is no referrer, or at a digest that is gone. */
export type Root = { root: string; depth: number } | { missing: string; depth: number };

/**
 * Follows subjects (a signature of an SBOM of an image) to the image at the top. `present` is every
 * digest in the repository; a chain that leaves it makes the referrer an orphan.
 */
export function rootOf(
  digest: string,
  subjectOf: ReadonlyMap<string, string>,
  present: ReadonlySet<string>,
): Root {
  let current = digest;
  const seen = new Set([digest]);
  for (let depth = 1; ; depth++) {
    const subject = subjectOf.get(current)!;
    if (!present.has(subject)) return { missing: subject, depth };
    if (!subjectOf.has(subject)) return { root: subject, depth };
    // Digests address content, so a cycle cannot be pushed; should one appear, it has no root.
    if (seen.has(subject)) return { missing: subject, depth };
    seen.add(subject);
    current = subject;
  }
}
