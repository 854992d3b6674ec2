/**
 * One image hygiene run: scan (registry and ECS) → plan (pure) → act (only in enforce mode) → report.
 * The SDK stays behind the ports below (shared/aws/ecr-images.ts, shared/aws/images-scan.ts).
 *
 * Fail closed: a scan that fails aborts the run before anything changes; a reference that cannot be
 * resolved holds its repository; more deletions than maxDeletesPerRun hold them all.
 * A second run (a retry, a duplicate invocation) re-plans from what the registry holds now, so images
 * already deleted are simply no longer there, and one deleted meanwhile answers ImageNotFound, which
 * counts as done.
 */
import type { ImagesConfig, ImageRepositoryConfig } from '../config/images.js';
import { errorMessage } from '../errors.js';
import type { Log } from '../log.js';
import { anyGlobMatches } from './glob.js';
import { judgeRun, planRepository, type RepositoryPlan } from './plan.js';
import {
  collectUses,
  isIndex,
  protectRepository,
  type InUseInventory,
  type RegistryImage,
} from './protect.js';
import type { RepositoryIdentity } from './refs.js';
import {
  renderSummary,
  totals,
  type PolicySyncOutcome,
  type RepositoryOutcome,
  type RunSummary,
} from './report.js';
import type { ImagesRequest } from './request.js';
import { policyDrift, policyText } from './sync.js';

export interface DeleteResult {
  /** Deleted now, or already gone (ImageNotFound). */
  deleted: string[];
  failed: { digest: string; code: string; reason: string }[];
}

/** The registry side (ECR). Every method throws on an error it could not retry away. */
export interface ImageRegistry {
  listRepositories(): Promise<RepositoryIdentity[]>;
  listImages(repository: string): Promise<RegistryImage[]>;
  /** The manifests each image index lists; an index it cannot read is left out. */
  indexChildren(repository: string, indexDigests: readonly string[]): Promise<Map<string, string[]>>;
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
  logger: Log;
  now: Date;
  /** Publishes the summary (the alerts topic); absent when no topic is configured. */
  publish?: (alert: ReturnType<typeof renderSummary>) => Promise<unknown>;
}

/** Decisions logged one by one per repository and cause group; the rest are counted in one line. */
export const MAX_LOGGED_DECISIONS = { changes: 500, keeps: 100 };

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

function logDecisions(plan: RepositoryPlan, logger: Log): void {
  const counts = new Map<string, number>();
  const limits = { changes: 0, keeps: 0 };
  for (const d of plan.decisions) {
    const group = d.cause === 'rule' || d.cause === 'no-rule' ? 'keeps' : 'changes';
    if (limits[group] < MAX_LOGGED_DECISIONS[group]) {
      limits[group]++;
      logger.info('image decision', {
        repository: plan.repository,
        digest: d.digest,
        tags: d.tags,
        pushedAt: d.pushedAt.toISOString(),
        decision: d.action,
        cause: d.cause,
        reason: d.reason,
      });
    } else counts.set(d.cause, (counts.get(d.cause) ?? 0) + 1);
  }
  if (counts.size > 0) {
    logger.info('image decisions not logged one by one', {
      repository: plan.repository,
      byCause: Object.fromEntries(counts),
    });
  }
}

async function syncPolicy(
  target: Target,
  enforce: boolean,
  registry: ImageRegistry,
): Promise<PolicySyncOutcome> {
  let current: string | undefined;
  try {
    current = await registry.getLifecyclePolicy(target.repository.name);
  } catch (error) {
    return { status: 'unknown', action: 'failed', error: errorMessage(error) };
  }
  const drift = policyDrift(current, target.entry.policy);
  if (drift.status === 'in-sync') return { status: 'in-sync', action: 'none' };
  const diff = drift.status === 'different' ? { diff: drift.diff } : {};
  if (!enforce || !target.entry.syncPolicy) return { status: drift.status, action: 'would-put', ...diff };
  try {
    await registry.putLifecyclePolicy(target.repository.name, policyText(target.entry.policy));
    return { status: drift.status, action: 'put', ...diff };
  } catch (error) {
    return { status: drift.status, action: 'failed', ...diff, error: errorMessage(error) };
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
    if (deps.publish) await deps.publish(renderSummary(summary));
    return summary;
  };

  // Scan: everything is read before anything is decided; any failure aborts the run unchanged.
  let plans: { target: Target; plan: RepositoryPlan }[];
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
    const collected = collectUses(await deps.scanner.scan(), {
      now,
      stoppedTasksWithinHours: config.protect.stoppedTasksWithinHours,
    });
    runDoubts = collected.doubts;
    plans = [];
    for (const target of targets) {
      const name = target.repository.name;
      const images = await registry.listImages(name);
      const indexes = images.filter(isIndex).map((i) => i.imageDigest);
      const children = indexes.length > 0 ? await registry.indexChildren(name, indexes) : new Map();
      const protection = protectRepository(target.repository, images, collected.uses);
      const plan = planRepository({
        repository: name,
        policy: target.entry.policy,
        images,
        protection,
        children,
        now,
      });
      logDecisions(plan, logger);
      plans.push({ target, plan });
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
  for (const { target, plan } of plans) {
    const outcome: RepositoryOutcome = { repository: plan.repository, ...plan.counts, deleted: 0, failed: 0 };
    const held = verdict.held.get(plan.repository);
    if (held) {
      outcome.held = held;
      summary.status = 'held';
    } else if (!enforce && plan.deletes.length > 0) outcome.held = 'preview: nothing deleted';
    outcome.policy = await syncPolicy(target, enforce, registry);
    if (outcome.policy.status !== 'in-sync')
      logger.warn('lifecycle policy drift', { repository: plan.repository, ...outcome.policy });
    if (enforce && verdict.allowed.has(plan.repository)) {
      const result = await deleteOrFail(registry, plan);
      outcome.deleted = result.deleted.length;
      outcome.failed = result.failed.length;
      if (result.failed.length > 0) {
        outcome.failures = result.failed.slice(0, 20);
        summary.status = 'failed';
      }
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

/** A delete call that throws counts every image of the repository not yet reported as failed. */
async function deleteOrFail(registry: ImageRegistry, plan: RepositoryPlan): Promise<DeleteResult> {
  try {
    return await registry.deleteImages(plan.repository, plan.deletes);
  } catch (error) {
    const reason = errorMessage(error);
    return { deleted: [], failed: plan.deletes.map((digest) => ({ digest, code: 'Error', reason })) };
  }
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
