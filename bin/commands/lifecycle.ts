import { readFileSync } from 'node:fs';
import { commandArgs } from '../args.js';
import { errorMessage } from '../../shared/kernel/errors.js';
import { previewLifecycle, previewResponse } from '../../shared/images/engine.js';
import { ImagesFileError, parseImagesFile, parseIsoTime } from '../../shared/images/images.js';
import { LifecyclePolicyError, parseLifecyclePolicy } from '../../shared/images/policy.js';
import type { LifecycleImage } from '../../shared/images/images.js';
import { listImages, manifestSubjects } from '../../shared/images/aws/ecr.js';
import { planRepository, type RepositoryPlan } from '../../shared/images/plan.js';
import { mayBeReferrer } from '../../shared/images/referrers.js';
import type { RegistryImage } from '../../shared/images/protect.js';
import { BYTES_NOTE, formatBytes } from '../../shared/images/report.js';
import { ECRClient } from '@aws-sdk/client-ecr';
import { clientConfig } from '../../shared/kernel/aws/clients.js';
import { commandRegion, isMissingRegion, NO_REGION, STAGE_OPTIONS } from '../stage.js';

export interface Out {
  log(line: string): void;
  error(line: string): void;
}

export const LIFECYCLE_HELP = `Usage:
  ecs-pilot lifecycle preview --policy FILE --images FILE [--now ISO-8601] [--json]
  ecs-pilot lifecycle preview --policy FILE --repository NAME [--now ISO-8601] [--json]

Previews a standard ECR lifecycle policy: which images it would expire, and why each image is kept or
expired, evaluated as ECR does (rule priority, tag filters, counts, ages). Nothing is changed.

  --policy FILE   the lifecycle policy JSON, as given to aws ecr put-lifecycle-policy
  --images FILE   DescribeImages output, e.g.
                  aws ecr describe-images --repository-name NAME --output json > images.json
                  ({"imageDetails": [...]}, or a bare list of the same objects)
  --repository NAME  read the images from this ECR repository instead (DescribeImages, read-only;
                  your AWS credentials, or AWS_ENDPOINT_URL for a local emulator), in the region
                  of --region R, else of --stage S's config (or --config FILE), else AWS_REGION
  --now TIME      evaluate at this time (default: now), e.g. 2026-03-28T12:00:00Z
  --json          print {"previewResults": [...], "summary": {...}}, the shape of
                  GetLifecyclePolicyPreview (expiring images, oldest first): what ECR's own
                  lifecycle expires, counting referrers (signatures, SBOMs) as images

The table is ecs-pilot's reading: referrers (a manifest's subject, read with --repository, or a
sha256-<digest> tag) are listed under their subject (└) and follow it; the rules see subjects only.

Exit codes: 0 preview printed, 1 invalid policy or images file, or the registry cannot be read,
2 usage error.`;

/** Problems printed for a bad file; the rest are counted (a broken 100,000-image file has many). */
const MAX_ISSUES = 20;

function readText(path: string, what: 'policy' | 'images'): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code ?? errorMessage(error);
    throw what === 'policy'
      ? new LifecyclePolicyError(path, [`cannot read the file (${why})`])
      : new ImagesFileError(path, [`cannot read the file (${why})`]);
  }
}

const shortDigest = (digest: string) => {
  const [algorithm, hex = ''] = digest.split(':');
  return `${algorithm}:${hex.slice(0, 12)}`;
};

const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

/** A readable table of every image, oldest first, each referrer under its subject, and a summary line. */
function table(plan: RepositoryPlan): string[] {
  const header = ['PUSHED AT (UTC)', 'DIGEST', 'TAGS', 'ACTION', 'RULE', 'REASON'];
  const rows = plan.decisions.map((d) => [
    d.pushedAt.toISOString().replace('T', ' ').slice(0, 19),
    `${d.subject ? '└ ' : ''}${shortDigest(d.digest)}`,
    clip(d.tags.join(', ') || '(untagged)', 40),
    d.action === 'delete' ? 'EXPIRE' : 'keep',
    d.rulePriority === undefined ? '-' : String(d.rulePriority),
    d.reason,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const expiring = plan.decisions.filter((d) => d.action === 'delete');
  const byRule = new Map<number, number>();
  for (const d of expiring)
    if (d.rulePriority !== undefined) byRule.set(d.rulePriority, (byRule.get(d.rulePriority) ?? 0) + 1);
  const perRule = [...byRule.entries()].sort(([a], [b]) => a - b).map(([rule, n]) => `rule ${rule}: ${n}`);
  const { total, orphans } = plan.referrers;
  const followers = expiring.length - [...byRule.values()].reduce((a, b) => a + b, 0);
  if (followers > 0) perRule.push(`with their subject or orphaned: ${followers}`);
  const referrers =
    total > 0
      ? ` ${total === 1 ? '1 referrer follows its subject' : `${total} referrers follow their subject`}${orphans > 0 ? ` (${orphans} orphaned)` : ''}.`
      : '';
  return [
    line(header),
    ...rows.map(line),
    '',
    `${expiring.length} of ${plan.decisions.length} images would expire${perRule.length > 0 ? ` (${perRule.join(', ')})` : ''}.${referrers}`,
    ...(plan.bytes
      ? [
          `${formatBytes(plan.bytes.expired)} would expire, ${formatBytes(plan.bytes.kept)} kept (${BYTES_NOTE}).`,
        ]
      : []),
  ];
}

function printIssues(out: Out, heading: string, issues: readonly string[]): void {
  out.error(heading);
  for (const issue of issues.slice(0, MAX_ISSUES)) out.error(`  - ${issue}`);
  if (issues.length > MAX_ISSUES) out.error(`  - … and ${issues.length - MAX_ISSUES} more`);
}

/** Thrown when the registry cannot be read; the message says which call failed and why. */
class RegistryReadError extends Error {}

/**
 * Every image of an ECR repository through the same adapter enforceImages uses (DescribeImages, 1,000 a
 * page), with the SDK's default credentials and region; AWS_ENDPOINT_URL points it at an emulator.
 */
async function readRepository(
  repository: string,
  region: string | undefined,
): Promise<{ images: RegistryImage[]; subjects: Map<string, string | null> }> {
  try {
    const client = new ECRClient({ ...clientConfig(), ...(region ? { region } : {}) });
    const images = await listImages(client, repository);
    const candidates = images.filter(mayBeReferrer).map((i) => i.imageDigest);
    const subjects =
      candidates.length > 0 ? await manifestSubjects(client, repository, candidates) : new Map();
    return { images, subjects };
  } catch (error) {
    if (isMissingRegion(error)) throw new RegistryReadError(NO_REGION, { cause: error });
    throw new RegistryReadError(`cannot read the images of repository ${repository}: ${errorMessage(error)}`);
  }
}

const OPTIONS = {
  policy: { type: 'string' },
  images: { type: 'string' },
  now: { type: 'string' },
  json: { type: 'boolean', default: false },
  repository: { type: 'string' },
  region: { type: 'string' },
  ...STAGE_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;

/** `ecs-pilot lifecycle preview …`; returns the exit code (0 ok, 1 invalid policy or images, 2 usage). */
export async function lifecycle(args: string[], out: Out): Promise<number> {
  const parsed = commandArgs(args, OPTIONS, LIFECYCLE_HELP, out);
  if (typeof parsed === 'number') return parsed;
  const { positionals, values } = parsed;
  const [verb, ...extra] = positionals;
  const sources = [values.images, values.repository].filter((v) => v !== undefined).length;
  if (verb !== 'preview' || extra.length > 0 || !values.policy || sources !== 1) {
    const missing = [
      values.policy ? [] : ['--policy'],
      sources === 0 ? ['--images or --repository'] : [],
    ].flat();
    const why =
      verb !== 'preview'
        ? verb === undefined
          ? 'missing the subcommand "preview"'
          : `unknown subcommand "${verb}"`
        : extra.length > 0
          ? `unexpected argument "${extra[0]}"`
          : sources > 1
            ? 'give --images or --repository, not both'
            : `missing ${missing.join(' and ')}`;
    out.error(`${why}\n\n${LIFECYCLE_HELP}`);
    return 2;
  }
  const now = values.now === undefined ? new Date() : parseIsoTime(values.now);
  if (!now) {
    out.error(
      `--now must be an ISO-8601 time with a time zone, like 2026-03-28T12:00:00Z (got "${values.now}")`,
    );
    return 2;
  }

  try {
    const policy = parseLifecyclePolicy(readText(values.policy, 'policy'), values.policy);
    const source = values.repository ?? values.images!;
    const read = values.repository
      ? await readRepository(values.repository, commandRegion(values))
      : { images: parseImagesFile(readText(values.images!, 'images'), values.images!) };
    const images: LifecycleImage[] = read.images;
    if (values.json) {
      out.log(JSON.stringify(previewResponse(previewLifecycle(policy, images, now)), null, 2));
      return 0;
    }
    const plan = planRepository({
      repository: source,
      policy,
      images,
      protection: { inUse: new Map(), doubts: [] },
      children: new Map(),
      ...('subjects' in read ? { subjects: read.subjects } : {}),
      now,
    });
    const rules = policy.rules.length;
    out.log(
      `${values.policy}: ${rules} rule${rules === 1 ? '' : 's'}; ${values.repository ? `repository ${source}` : source}: ${images.length} image${images.length === 1 ? '' : 's'}; evaluated at ${now.toISOString()}`,
    );
    out.log('');
    for (const line of table(plan)) out.log(line);
    return 0;
  } catch (error) {
    if (error instanceof LifecyclePolicyError) {
      printIssues(out, `invalid lifecycle policy: ${error.source}`, error.issues);
      return 1;
    }
    if (error instanceof RegistryReadError) {
      out.error(error.message);
      return error.message === NO_REGION ? 2 : 1;
    }
    if (error instanceof ImagesFileError) {
      printIssues(out, `invalid images file: ${error.source}`, error.issues);
      return 1;
    }
    throw error;
  }
}
