/**
 * S3's rules for general purpose bucket names, from "General purpose bucket naming rules" in the
 * Amazon S3 User Guide (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
 * "Bucket names must be between 3 and 63 characters long", "can consist only of lowercase letters,
 * numbers, periods (.), and hyphens (-)", "must begin and end with a letter or number", "must not
 * contain two adjacent periods", "must not be formatted as an IP address (for example,
 * 192.168.5.4)", must not start with `xn--`, `sthree-` or `amzn-s3-demo-`, and must not end with
 * `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3` or `--table-s3`. A trigger on a name no bucket can have
 * could never fire, so it is refused with the rule it breaks.
 */

const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/**
 * Legacy names: the same guide says buckets created in us-east-1 before March 1, 2018 may have
 * names "up to 255 characters long" that "include uppercase letters and underscores". Such a name
 * can exist, so it is not refused; it can only be a us-east-1 bucket, which the config checks
 * against the stage's region, and `validate` warns about it.
 */
const MAX_LEGACY_LENGTH = 255;

/** The S3 naming rule `name` breaks whatever the bucket's age, or undefined when a bucket can have it. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > MAX_LEGACY_LENGTH)
    return `S3 bucket names are 3-63 characters (255 for legacy us-east-1 buckets; this one has ${name.length})`;
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    return 'S3 bucket names hold only lower-case letters, digits, dots and hyphens (legacy us-east-1 buckets also upper case and underscores)';
  if (!/^[A-Za-z0-9].*[A-Za-z0-9]$/.test(name)) return 'S3 bucket names begin and end with a letter or digit';
  if (name.includes('..')) return 'S3 bucket names must not contain two adjacent periods';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'S3 bucket names must not be formatted as an IP address';
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `S3 bucket names must not start with the reserved prefix "${prefix}"`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `S3 bucket names must not end with the reserved suffix "${suffix}"`;
  return undefined;
}

/**
 * What makes `name` a legacy us-east-1 name (upper case, underscores, more than 63 characters), or
 * undefined when today's rules allow it. Only meaningful for a name bucketNameProblem accepts.
 */
export function legacyBucketTraits(name: string): string | undefined {
  const traits = [
    ...(/[A-Z]/.test(name) ? ['upper-case letters'] : []),
    ...(name.includes('_') ? ['underscores'] : []),
    ...(name.length > 63 ? [`${name.length} characters`] : []),
  ];
  return traits.length > 0 ? traits.join(', ') : undefined;
}

/** The one region whose EventBridge can receive a legacy-named bucket's events. */
export const LEGACY_BUCKET_REGION = 'us-east-1';
