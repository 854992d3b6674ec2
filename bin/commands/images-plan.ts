import { ecrRegistry } from '../../shared/images/aws/ecr.js';
import { EcsInUseScanner } from '../../shared/images/aws/scan.js';
import { ScanFileSource } from '../../shared/images/aws/scan-files.js';
import { accountSources, scanOptions } from '../../shared/images/aws/sources.js';
import { formatBytes, renderSummary, type RunSummary } from '../../shared/images/report.js';
import { runImageHygiene, toolkitTaskDefinitions } from '../../shared/images/service.js';
import { errorMessage } from '../../shared/kernel/errors.js';
import type { Log } from '../../shared/kernel/log.js';
import { stageClients, type StageContext } from '../stage.js';

export interface Out {
  log(line: string): void;
  error(line: string): void;
}

interface Decision {
  repository: string;
  digest: string;
  tags: string[];
  decision: string;
  reason: string;
  subject?: string;
}

/** Collects the run's per-image decisions; warnings and errors are printed as they come. */
function planLogger(out: Out, decisions: Decision[]): Log {
  const fields = (extra: Record<string, unknown>[]) => Object.assign({}, ...extra) as Record<string, unknown>;
  return {
    debug: () => undefined,
    info: (message, ...extra) => {
      if (message === 'image decision') decisions.push(fields(extra) as unknown as Decision);
    },
    warn: (message, ...extra) => out.error(`warning: ${message}: ${JSON.stringify(fields(extra))}`),
    error: (message, ...extra) => out.error(`error: ${message}: ${JSON.stringify(fields(extra))}`),
  };
}

const short = (digest: string) => digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, '$1');

function printPlan(summary: RunSummary, decisions: readonly Decision[], out: Out): void {
  for (const repository of summary.repositories) {
    const bytes = repository.bytes ? ` ${formatBytes(repository.bytes.expired)} would be freed` : '';
    out.log(`${repository.repository}:${bytes}`);
    for (const d of decisions.filter((x) => x.repository === repository.repository)) {
      const tags = d.tags.length ? d.tags.join(', ') : '(untagged)';
      const action = d.decision === 'delete' ? 'DELETE' : 'keep  ';
      out.log(`  ${action} ${d.subject ? '└ ' : ''}${short(d.digest)}  ${tags}  ${d.reason}`);
    }
  }
  out.log('');
  for (const line of renderSummary(summary).body.split('\n')) out.log(line);
}

/**
 * `ecs-pilot images plan`: ecrm's `plan`. The deployed run's own scan (ECS, Lambda, rules,
 * schedules, other accounts' scan files) and plan, in preview: nothing is deleted, no policy is
 * put, no scan is written, nothing is published. Exit 0 planned, 1 the scan failed (said why).
 */
export async function imagesPlan(
  stage: StageContext,
  repositories: string[] | undefined,
  out: Out,
): Promise<number> {
  const images = stage.config.images;
  if (!images) {
    out.error(`${stage.source.file} has no images section: nothing to plan`);
    return 2;
  }
  const clients = stageClients(stage.config.region);
  const decisions: Decision[] = [];
  try {
    const summary = await runImageHygiene(
      images,
      { mode: 'preview', ...(repositories ? { repositories } : {}) },
      {
        registry: ecrRegistry(
          clients.ecr,
          images.repositories.flatMap((r) => r.match),
        ),
        scanner: new EcsInUseScanner(
          clients.ecs,
          scanOptions(images.protect, toolkitTaskDefinitions(stage.config)),
        ),
        sources: [
          ...accountSources(images.protect, clients),
          ...images.protect.fromScans.map(
            (uri) => new ScanFileSource(clients.s3, uri, { maxAgeHours: images.protect.scanMaxAgeHours }),
          ),
        ],
        logger: planLogger(out, decisions),
        now: new Date(),
      },
    );
    printPlan(summary, decisions, out);
    return summary.status === 'aborted' ? 1 : 0;
  } catch (error) {
    out.error(`cannot plan: ${errorMessage(error)}`);
    return 1;
  }
}
