/**
 * The run summary of enforceImages: one structured object (logged as JSON) and its email form
 * (published to the alerts topic). Pure.
 */
import type { RepositoryCounts } from './plan.js';
import type { BrokenReference } from './protect.js';

export interface PolicySyncOutcome {
  status: 'in-sync' | 'missing' | 'different' | 'unknown';
  /** put: the configured policy was put; would-put: preview, or syncPolicy off; failed: reading or putting failed. */
  action: 'none' | 'put' | 'would-put' | 'failed';
  diff?: string[];
  error?: string;
  /** Why a policy that differs was not put although syncPolicy is on (the repository is held). */
  notPut?: string;
  /**
   * Set when the configured policy is (or would be) on the repository while its rules expire images
   * in use: ECR's own lifecycle knows nothing of ECS and will delete those within about 24 hours.
   */
  warning?: string;
}

export interface RepositoryOutcome extends RepositoryCounts {
  repository: string;
  deleted: number;
  failed: number;
  /** Why nothing was deleted here although images expired (doubt, cap, preview). */
  held?: string;
  /** The first 20 images not deleted, with ECR's failure code (CallFailed: outcome unknown; NotAttempted: not sent). */
  failures?: { digest: string; code: string; reason: string }[];
  /** How many images were not deleted, per failure code. */
  failureCodes?: Record<string, number>;
  policy?: PolicySyncOutcome;
  /** Referrers (signatures, SBOMs, SOCI indexes) among the images, counted in their subject's columns. */
  referrers?: number;
  /** Task definitions naming a tag no image carries: their next task fails to pull. Holds nothing. */
  brokenReferences?: BrokenReference[];
  /** Referrers whose subject is gone: expired (deleted in enforce mode) whatever the rules say. */
  orphans?: number;
  /** Bytes kept, expiring (planned deletions) and deleted, as plan.ts's bytesOf counts them; absent when ECR reported no size. */
  bytes?: RunBytes;
}

export interface RunBytes {
  kept: number;
  expired: number;
  deleted: number;
}

export interface RunSummary {
  mode: 'preview' | 'enforce';
  /** The config says enforce but this run was asked to preview. */
  previewRequested: boolean;
  evaluatedAt: string;
  /** ok: done as planned; held: expired images kept (doubt, cap); aborted: a scan failed, nothing changed; failed: some deletions failed. */
  status: 'ok' | 'held' | 'aborted' | 'failed';
  aborted?: string;
  /** The clusters whose tasks and services were scanned (absent when the scan did not get that far). */
  clusters?: string[];
  repositories: RepositoryOutcome[];
  totals: RepositoryCounts & { deleted: number; failed: number; bytes?: RunBytes };
  /**
   * This account's scan for other accounts (images.scanOutput): where it went and how many image
   * references it holds, or why it could not be written (their runs delete nothing once it is stale).
   */
  scanWritten?: { to: string; images: number } | { to: string; error: string };
}

const TOTAL_KEYS = ['images', 'keptByRules', 'keptInUse', 'expired', 'deleted', 'failed'] as const;

/** Sums the per-repository figures. */
export function totals(repositories: readonly RepositoryOutcome[]): RunSummary['totals'] {
  const sum = { images: 0, keptByRules: 0, keptInUse: 0, expired: 0, deleted: 0, failed: 0 };
  for (const r of repositories) for (const key of TOTAL_KEYS) sum[key] += r[key];
  const sized = repositories.filter((r) => r.bytes);
  if (sized.length === 0) return sum;
  const bytes = { kept: 0, expired: 0, deleted: 0 };
  for (const r of sized)
    for (const key of ['kept', 'expired', 'deleted'] as const) bytes[key] += r.bytes![key];
  return { ...sum, bytes };
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `1536` → `1.5 KiB`: binary units, three significant digits at most. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown =
    unit === 0
      ? String(value)
      : value >= 100
        ? value.toFixed(0)
        : value >= 10
          ? value.toFixed(1)
          : value.toFixed(2);
  return `${shown} ${UNITS[unit]}`;
}

/**
 * What the byte figures count, said once wherever they are shown: DescribeImages' sizes (compressed),
 * image indexes not counted (their children are), a layer shared by two images counted for each.
 */
export const BYTES_NOTE =
  'imageSizeInBytes as ECR reports it (compressed layers); an image index counts through its children; a layer shared by several images is counted for each, so deleting can free less';

/** The size table: per repository kept, expiring and deleted, with the total. */
export function sizeLines(
  rows: readonly { repository: string; bytes: { kept: number; expired: number; deleted?: number } }[],
  options: { deleted: boolean },
): string[] {
  const header = ['REPOSITORY', 'KEPT', 'EXPIRING', ...(options.deleted ? ['DELETED'] : [])];
  const cells = rows.map((r) => [
    r.repository,
    formatBytes(r.bytes.kept),
    formatBytes(r.bytes.expired),
    ...(options.deleted ? [formatBytes(r.bytes.deleted ?? 0)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [`Sizes (${BYTES_NOTE}):`, line(header), ...cells.map(line)];
}

/** SNS takes a subject of at most 100 ASCII characters; control characters are refused. */
export const MAX_SUBJECT = 99;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function subjectOf(s: RunSummary): string {
  const repos = plural(s.repositories.length, 'repository').replace('repositorys', 'repositories');
  const head = `ecs-pilot images (${s.mode})`;
  if (s.status === 'aborted') return `${head}: run aborted, nothing deleted`;
  if (s.mode === 'preview') return `${head}: ${s.totals.expired} would be deleted in ${repos}`;
  if (s.status === 'held')
    return `${head}: ${s.totals.deleted} deleted, ${s.totals.expired - s.totals.deleted} held in ${repos}`;
  if (s.status === 'failed')
    return `${head}: ${s.totals.deleted} deleted, ${s.totals.failed} failed in ${repos}`;
  return `${head}: ${s.totals.deleted} deleted in ${repos}`;
}

const ascii = (text: string, max: number) => {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
};

/** The email: subject, a table per repository, then why anything was held and any policy drift. */
export function renderSummary(s: RunSummary): {
  subject: string;
  body: string;
  attributes: Record<string, string>;
} {
  const lines = [
    `Image hygiene run, ${s.mode} mode${s.previewRequested ? ' (preview requested; the config says enforce)' : ''}, evaluated at ${s.evaluatedAt}.`,
  ];
  if (s.aborted) lines.push('', `Aborted, nothing deleted: ${s.aborted}`);
  if (s.clusters) {
    lines.push(
      '',
      `Clusters scanned: ${s.clusters.length > 0 ? s.clusters.join(', ') : 'none (no cluster found)'}.`,
    );
  }
  if (s.scanWritten) {
    lines.push(
      '',
      'images' in s.scanWritten
        ? `Scan for other accounts written to ${s.scanWritten.to}: ${s.scanWritten.images} image reference(s) in use here.`
        : `Scan for other accounts NOT written to ${s.scanWritten.to}: ${s.scanWritten.error}. Their runs delete nothing once the last scan written is stale.`,
    );
  }
  const header = ['REPOSITORY', 'IMAGES', 'KEPT BY RULES', 'KEPT IN USE', 'EXPIRED', 'DELETED', 'FAILED'];
  const rows = s.repositories.map((r) => [r.repository, ...TOTAL_KEYS.map((k) => String(r[k]))]);
  if (rows.length > 0) {
    rows.push(['(total)', ...TOTAL_KEYS.map((k) => String(s.totals[k]))]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
    lines.push('', line(header), ...rows.map(line));
  }
  const sized = s.repositories.flatMap((r) =>
    r.bytes ? [{ repository: r.repository, bytes: r.bytes }] : [],
  );
  if (sized.length > 0 && s.totals.bytes) {
    lines.push(
      '',
      ...sizeLines([...sized, { repository: '(total)', bytes: s.totals.bytes }], { deleted: true }),
    );
  }
  for (const r of s.repositories) {
    const notes: string[] = [];
    if (r.held) notes.push(`  held: ${r.held}`);
    for (const b of r.brokenReferences ?? []) {
      notes.push(
        `  broken reference: task definition ${b.taskDefinition}, container ${b.container}: ${b.image} names tag ${b.tag}, which no image carries (${b.reason}); the next task started from this revision will fail to pull`,
      );
    }
    if (r.referrers) {
      notes.push(
        `  referrers: ${r.referrers} (signatures, SBOMs, SOCI indexes), counted with their subject${r.orphans ? `; ${r.orphans} orphaned (subject gone), expired with the rest` : ''}`,
      );
    }
    if (r.failureCodes) {
      const byCode = Object.entries(r.failureCodes).map(([code, n]) => `${n} ${code}`);
      notes.push(`  not deleted: ${byCode.join(', ')} (every digest is in the log line "images deleted")`);
    }
    for (const f of r.failures ?? []) notes.push(`  failed: ${f.digest}: ${f.code} ${f.reason}`);
    if (r.policy && r.policy.status !== 'in-sync') {
      const what = {
        put: 'put the configured policy',
        'would-put': 'would put the configured policy',
        failed: 'policy sync failed',
        none: '',
      }[r.policy.action];
      notes.push(
        `  lifecycle policy ${r.policy.status}${what ? `: ${what}` : ''}${r.policy.error ? ` (${r.policy.error})` : ''}`,
      );
      if (r.policy.notPut) notes.push(`    not put: ${r.policy.notPut}`);
      for (const d of r.policy.diff ?? []) notes.push(`    ${d}`);
    }
    if (r.policy?.warning) notes.push(`  WARNING: ${r.policy.warning}`);
    if (notes.length > 0) lines.push('', `${r.repository}:`, ...notes);
  }
  return {
    subject: ascii(subjectOf(s), MAX_SUBJECT),
    // SNS messages take 256 KB; a summary of thousands of repositories is cut well before that.
    body: lines.join('\n').slice(0, 200_000),
    attributes: { kind: 'images', mode: s.mode, status: s.status },
  };
}

/** The key a broken reference is alerted under once: the same reference in the same repository. */
export const brokenReferenceKey = (repository: string, b: BrokenReference): string =>
  `ecs-pilot-broken-reference#${repository}#${b.taskDefinition}#${b.container}#${b.image}`;

/** The email for one broken reference: a warning no run summary line is as likely to be read for. */
export function renderBrokenReference(
  repository: string,
  b: BrokenReference,
): { subject: string; body: string; attributes: Record<string, string> } {
  return {
    subject: ascii(`ecs-pilot images: ${b.taskDefinition} names a tag no image carries`, MAX_SUBJECT),
    body: [
      `Task definition ${b.taskDefinition}, container ${b.container}, names ${b.image}: no image in ${repository} carries tag ${b.tag}.`,
      `It was looked at because it is ${b.reason}.`,
      '',
      'The next task started from this revision will fail to pull its image (CannotPullContainerError).',
      'Register a revision naming an image that exists, or deregister this one. Image hygiene does not',
      'hold the repository for it: the image behind the tag is already gone.',
      '',
      'This alert is sent once per reference.',
    ].join('\n'),
    attributes: { kind: 'images-broken-reference', repository: ascii(repository, 256) },
  };
}
