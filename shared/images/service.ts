/**
 * One image hygiene run: scan (registry and ECS) → plan (pure) → act (only in enforce mode) → report.
 * The SDK stays behind the ports below (shared/images/aws/ecr.ts, shared/images/aws/scan.ts).
 *
 * Fail closed: a scan that fails aborts the run before anything changes; a reference that cannot be
 * resolved holds its repository; more deletions than maxDeletesPerRun hold them all.
 * A second run (a retry, a duplicate invocation) re-plans from what the registry holds now, so images
 * already deleted are simply no longer there, and one deleted meanwhile answers ImageNotFound, which
 * counts as done.
 */
import type { ImagesConfig, ImageRepositoryConfig } from './config.js';
import { errorMessage } from '../kernel/errors.js';
import type { Log } from '../kernel/log.js';
import { anyGlobMatches } from './glob.js';
import { bytesOf, judgeRun, planRepository, type RepositoryPlan } from './plan.js';
import {
  collectUses,
  isIndex,
  protectRepository,
  type ImageUse,
  type InUseInventory,
  type RegistryImage,
} from './protect.js';
import { mayBeReferrer } from './referrers.js';
import type { RepositoryIdentity } from './refs.js';
import {
  brokenReferenceKey,
  renderBrokenReference,
  renderSummary,
  totals,
  type PolicySyncOutcome,
  type RepositoryOutcome,
  type RunSummary,
} from './report.js';
import type { ImagesRequest } from './request.js';
import { scanSources, type InUseSource } from './sources/port.js';
import { policyDrift, policyText } from './sync.js';

export interface DeleteResult {
  /** Deleted now, or already gone (ImageNotFound). */
  deleted: string[];
  /** Not deleted: ECR's failure code, or CALL_FAILED / NOT_ATTEMPTED. */
  failed: { digest: string; code: string; reason: string }[];
}

/** A delete call failed outright: ECR may or may not have deleted its images (a timeout after the work). */
export const CALL_FAILED = 'CallFailed';
/** A delete not sent, because an earlier call failed outright (the run stops deleting there). */
export const NOT_ATTEMPTED = 'NotAttempted';

/** The registry side (ECR). Every method throws on an error it could not retry away. */
export interface ImageRegistry {
  listRepositories(): Promise<RepositoryIdentity[]>;
  listImages(repository: string): Promise<RegistryImage[]>;
  /** The manifests each image index lists; an index it cannot read is left out. */
  indexChildren(repository: string, indexDigests: readonly string[]): Promise<Map<string, string[]>>;
  /** The `subject` each manifest names (null: none); a manifest it cannot read is left out. */
  manifestSubjects(repository: string, digests: readonly string[]): Promise<Map<string, string | null>>;
  /** Reports rather than throws: a call that fails outright is CALL_FAILED, the calls after it NOT_ATTEMPTED. */
  deleteImages(repository: string, digests: readonly string[]): Promise<DeleteResult>;
  getLifecyclePolicy(repository: string): Promise<string | undefined>;
  putLifecyclePolicy(repository: string, text: string): Promise<void>;
}

/** The ECS side: everything that may use an image. */
export interface InUseScanner {
  scan(): Promise<InUseInventory>;
}

export interface RunDependencies {
  registry: ImageRegistry;
  scanner: InUseScanner;
  /** Further sources of "in use" (Lambda functions, …, other accounts' scan files); each one that fails aborts the run, named. */
  sources?: readonly InUseSource[];
  /**
   * Writes this account's own scan (ECS and the sources not from elsewhere) for other accounts' runs,
   * returning how many references it holds; absent when images.scanOutput is not set. Written once
   * this account's scan succeeded, before the scan files of other accounts are read, so that one
   * account's stale file does not stop every other account's writes.
   */
  scanWriter?: {
    target: string;
    write(scan: { uses: readonly ImageUse[]; doubts: readonly string[]; scannedAt: Date }): Promise<number>;
  };
  logger: Log;
  now: Date;
  /** Publishes the summary (the alerts topic); absent when no topic is configured. */
  publish?: (alert: ReturnType<typeof renderSummary>) => Promise<unknown>;
  /**
   * Claims a key the first time it is seen (true), false when claimed before; `release` gives it
   * back when the alert could not be published. With `publish`, each broken reference is alerted once.
   */
  once?: { claim(key: string): Promise<boolean>; release(key: string): Promise<void> };
}

interface Target {
  repository: RepositoryIdentity;
  entry: ImageRepositoryConfig;
}

/** The repositories this run covers: each with the first config entry matching it, narrowed by the request. */
export function selectRepositories(
  found: readonly RepositoryIdentity[],
  entries: readonly ImageRepositoryConfig[],
  requested?: readonly string[],
): { targets: Target[]; unmatched: string[] } {
  const targets: Target[] = [];
  for (const repository of found) {
    const entry = entries.find((e) => anyGlobMatches(e.match, repository.name));
    if (entry && (!requested || requested.includes(repository.name))) targets.push({ repository, entry });
  }
  const unmatched = (requested ?? []).filter((name) => !targets.some((t) => t.repository.name === name));
  return { targets: targets.sort((a, b) => a.repository.name.localeCompare(b.repository.name)), unmatched };
}

/**
 * One log line per image and per referrer, so that a script can audit a run digest by digest (a
 * referrer names its subject). At a few hundred bytes a line, 100,000 images are some 30 MB of logs.
 */
function logDecisions(plan: RepositoryPlan, logger: Log): void {
  for (const d of plan.decisions) {
    logger.info('image decision', {
      repository: plan.repository,
      digest: d.digest,
      tags: d.tags,
      pushedAt: d.pushedAt.toISOString(),
      decision: d.action,
      cause: d.cause,
      reason: d.reason,
      ...(d.subject ? { subject: d.subject } : {}),
    });
  }
}

/**
 * Compares the repository's lifecycle policy with the configured one and, in enforce mode with
 * syncPolicy, puts it. A held repository (a doubt about what is in use, or the cap) gets no new
 * policy: ECR would then delete on its own what this run did not dare to. When the rules expire
 * images in use, the outcome carries a warning, since ECR's lifecycle will delete those.
 */
async function syncPolicy(
  target: Target,
  plan: RepositoryPlan,
  options: { enforce: boolean; held: string | undefined },
  registry: ImageRegistry,
): Promise<PolicySyncOutcome> {
  let current: string | undefined;
  try {
    current = await registry.getLifecyclePolicy(target.repository.name);
  } catch (error) {
    return { status: 'unknown', action: 'failed', error: errorMessage(error) };
  }
  const drift = policyDrift(current, target.entry.policy);
  const inUse = plan.counts.keptInUse;
  const warning =
    inUse > 0 && (drift.status === 'in-sync' || target.entry.syncPolicy)
      ? `the rules expire ${inUse} image(s) in use here; ecs-pilot keeps them, but ECR's own lifecycle ` +
        'knows nothing of ECS and will delete them within about 24 hours while this policy is on the repository'
      : undefined;
  const warn = warning ? { warning } : {};
  if (drift.status === 'in-sync') return { status: 'in-sync', action: 'none', ...warn };
  const diff = drift.status === 'different' ? { diff: drift.diff } : {};
  if (!options.enforce || !target.entry.syncPolicy) {
    return { status: drift.status, action: 'would-put', ...diff, ...warn };
  }
  if (options.held) {
    return { status: drift.status, action: 'would-put', ...diff, notPut: `held: ${options.held}`, ...warn };
  }
  try {
    await registry.putLifecyclePolicy(target.repository.name, policyText(target.entry.policy));
    return { status: drift.status, action: 'put', ...diff, ...warn };
  } catch (error) {
    return { status: drift.status, action: 'failed', ...diff, error: errorMessage(error), ...warn };
  }
}

/** Runs image hygiene once; returns (and logs, and publishes) the summary. */
export async function runImageHygiene(
  config: ImagesConfig,
  request: ImagesRequest,
  deps: RunDependencies,
): Promise<RunSummary> {
  const { registry, logger, now } = deps;
  const enforce = config.mode === 'enforce' && request.mode !== 'preview';
  const summary: RunSummary = {
    mode: enforce ? 'enforce' : 'preview',
    previewRequested: config.mode === 'enforce' && request.mode === 'preview',
    evaluatedAt: now.toISOString(),
    status: 'ok',
    repositories: [],
    totals: totals([]),
  };
  const finish = async (): Promise<RunSummary> => {
    summary.totals = totals(summary.repositories);
    logger.info('image hygiene summary', { summary });
    if (deps.publish) {
      await alertBrokenReferences(summary, deps);
      await deps.publish(renderSummary(summary));
    }
    return summary;
  };

  // Scan: everything is read before anything is decided; any failure aborts the run unchanged.
  let plans: { target: Target; plan: RepositoryPlan; images: RegistryImage[] }[];
  let runDoubts: string[];
  try {
    const { targets, unmatched } = selectRepositories(
      await registry.listRepositories(),
      config.repositories,
      request.repositories,
    );
    if (unmatched.length > 0)
      throw new Error(
        `requested repositories not matched by the config (or missing): ${unmatched.join(', ')}`,
      );
    const inventory = await deps.scanner.scan();
    if (inventory.clusters) summary.clusters = inventory.clusters.scanned;
    const collected = collectUses(inventory, {
      now,
      stoppedTasksWithinHours: config.protect.stoppedTasksWithinHours,
    });
    runDoubts = collected.doubts;
    const sources = deps.sources ?? [];
    collected.uses.push(...(await scanSources(sources.filter((s) => !s.elsewhere))));
    if (deps.scanWriter) summary.scanWritten = await writeScan(deps, collected);
    collected.uses.push(...(await scanSources(sources.filter((s) => s.elsewhere))));
    plans = [];
    for (const target of targets) {
      const name = target.repository.name;
      const images = await registry.listImages(name);
      const indexes = images.filter(isIndex).map((i) => i.imageDigest);
      const children = indexes.length > 0 ? await registry.indexChildren(name, indexes) : new Map();
      // Only OCI manifests can name a subject: a registry of Docker v2 images costs no extra call.
      const candidates = images.filter(mayBeReferrer).map((i) => i.imageDigest);
      const subjects = candidates.length > 0 ? await registry.manifestSubjects(name, candidates) : new Map();
      const protection = protectRepository(target.repository, images, collected.uses);
      const plan = planRepository({
        repository: name,
        policy: target.entry.policy,
        images,
        protection,
        children,
        subjects,
        now,
      });
      logDecisions(plan, logger);
      plans.push({ target, plan, images });
    }
  } catch (error) {
    summary.status = 'aborted';
    summary.aborted = `scan failed, nothing changed: ${errorMessage(error)}`;
    logger.error('image hygiene aborted', { reason: summary.aborted });
    return finish();
  }

  const verdict = judgeRun(
    plans.map((p) => p.plan),
    { maxDeletesPerRun: config.maxDeletesPerRun, runDoubts },
  );
  if (verdict.runHeld) logger.warn('image deletions held', { reason: verdict.runHeld });
  // Set once a delete call fails outright: no further deletion is sent in this run.
  let stopped: string | undefined;
  for (const { target, plan, images } of plans) {
    const outcome: RepositoryOutcome = { repository: plan.repository, ...plan.counts, deleted: 0, failed: 0 };
    if (plan.bytes) outcome.bytes = { ...plan.bytes, deleted: 0 };
    if (plan.broken) {
      outcome.brokenReferences = plan.broken;
      logger.warn('broken image references', { repository: plan.repository, broken: plan.broken });
    }
    if (plan.referrers.total > 0) {
      outcome.referrers = plan.referrers.total;
      outcome.orphans = plan.referrers.orphans;
    }
    const held = verdict.held.get(plan.repository);
    if (held) {
      outcome.held = held;
      summary.status = 'held';
    } else if (!enforce && plan.deletes.length > 0) outcome.held = 'preview: nothing deleted';
    outcome.policy = await syncPolicy(target, plan, { enforce, held }, registry);
    if (outcome.policy.warning) {
      logger.warn('lifecycle policy expires images in use', {
        repository: plan.repository,
        warning: outcome.policy.warning,
      });
    }
    if (outcome.policy.status !== 'in-sync')
      logger.warn('lifecycle policy drift', { repository: plan.repository, ...outcome.policy });
    if (enforce && verdict.allowed.has(plan.repository) && stopped) {
      outcome.held = `nothing deleted: ${stopped}`;
      summary.status = 'failed';
    } else if (enforce && verdict.allowed.has(plan.repository)) {
      const result = await deletePlanned(registry, plan);
      outcome.deleted = result.deleted.length;
      outcome.failed = result.failed.length;
      if (outcome.bytes) outcome.bytes.deleted = bytesOf(images, result.deleted) ?? 0;
      if (result.failed.length > 0) {
        outcome.failures = result.failed.slice(0, 20);
        outcome.failureCodes = countCodes(result.failed);
        summary.status = 'failed';
      }
      const broken = result.failed.find((f) => f.code === CALL_FAILED);
      if (broken) stopped = `an earlier BatchDeleteImage call failed (${plan.repository}: ${broken.reason})`;
      logger.info('images deleted', {
        repository: plan.repository,
        deleted: result.deleted,
        failed: result.failed,
      });
    }
    summary.repositories.push(outcome);
  }
  return finish();
}

/**
 * One alert per broken reference, ever (until its record expires): the summary repeats it every run,
 * the alert does not. A failure to claim or publish is logged and left to the next run; it never
 * fails the run, whose deletions are done by then.
 */
async function alertBrokenReferences(summary: RunSummary, deps: RunDependencies): Promise<void> {
  const { once, publish, logger } = deps;
  if (!once || !publish) return;
  for (const r of summary.repositories) {
    for (const b of r.brokenReferences ?? []) {
      const key = brokenReferenceKey(r.repository, b);
      try {
        if (!(await once.claim(key))) continue;
      } catch (error) {
        logger.warn('broken reference not alerted', { key, error: errorMessage(error) });
        continue;
      }
      try {
        await publish(renderBrokenReference(r.repository, b));
      } catch (error) {
        logger.warn('broken reference not alerted', { key, error: errorMessage(error) });
        await once.release(key).catch(() => undefined);
      }
    }
  }
}

/** Writes this account's own scan; a write that fails is reported (and logged), never aborting the run. */
async function writeScan(
  deps: RunDependencies,
  scan: { uses: readonly ImageUse[]; doubts: readonly string[] },
): Promise<NonNullable<RunSummary['scanWritten']>> {
  const writer = deps.scanWriter!;
  try {
    const images = await writer.write({ ...scan, scannedAt: deps.now });
    deps.logger.info('scan written', { to: writer.target, images, doubts: scan.doubts.length });
    return { to: writer.target, images };
  } catch (error) {
    const reason = errorMessage(error);
    deps.logger.error('scan not written', { to: writer.target, error: reason });
    return { to: writer.target, error: reason };
  }
}

const countCodes = (failed: DeleteResult['failed']): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const f of failed) counts[f.code] = (counts[f.code] ?? 0) + 1;
  return counts;
};

/**
 * Deletes a repository's expired images phase by phase (image indexes before what they list). A phase
 * with a call that failed outright stops the rest; a registry that throws (it should report instead)
 * leaves what earlier phases deleted counted as deleted, its phase as CallFailed, the rest NotAttempted.
 */
async function deletePlanned(registry: ImageRegistry, plan: RepositoryPlan): Promise<DeleteResult> {
  const result: DeleteResult = { deleted: [], failed: [] };
  for (const [i, phase] of plan.deletePhases.entries()) {
    let outcome: DeleteResult;
    try {
      outcome = await registry.deleteImages(plan.repository, phase);
    } catch (error) {
      const reason = errorMessage(error);
      outcome = { deleted: [], failed: phase.map((digest) => ({ digest, code: CALL_FAILED, reason })) };
    }
    result.deleted.push(...outcome.deleted);
    result.failed.push(...outcome.failed);
    const broken = outcome.failed.find((f) => f.code === CALL_FAILED);
    if (broken) {
      const reason = `not sent: an earlier BatchDeleteImage call failed (${broken.reason})`;
      for (const rest of plan.deletePhases.slice(i + 1))
        result.failed.push(...rest.map((digest) => ({ digest, code: NOT_ATTEMPTED, reason })));
      break;
    }
  }
  return result;
}

/** The task definitions the toolkit itself starts (uploads and schedules), which keep their images. */
export function toolkitTaskDefinitions(config: {
  uploads: readonly { name: string; task: { taskDefinition: string } }[];
  schedules: readonly { name: string; task: { taskDefinition: string } }[];
}): { source: string; taskDefinition: string }[] {
  return [
    ...config.uploads.map((u) => ({
      source: `uploads trigger ${u.name}`,
      taskDefinition: u.task.taskDefinition,
    })),
    ...config.schedules.map((s) => ({ source: `schedule ${s.name}`, taskDefinition: s.task.taskDefinition })),
  ];
}
