import type { ImagesConfig } from './config.js';

/** One line a human can check the images section against: what is cleaned, how, and what is protected. */
export function describeImages(images: ImagesConfig): string {
  const repositories = images.repositories.flatMap((r) => r.match).join(', ');
  const rules = images.repositories.reduce((n, r) => n + r.policy.rules.length, 0);
  const synced = images.repositories.some((r) => r.syncPolicy) ? '; policies synced' : '';
  const { clusters, excludeClusters, taskDefinitionRevisions, stoppedTasksWithinHours, fromScans } =
    images.protect;
  const scans =
    fromScans.length > 0 ? `, and those ${fromScans.length} scan file(s) of other accounts name` : '';
  const output = images.scanOutput ? `; writes its own scan to ${images.scanOutput}` : '';
  const except = excludeClusters.length > 0 ? ` except ${excludeClusters.join(', ')}` : '';
  return (
    `images (${images.mode}, ${images.schedule}): repositories ${repositories} (${rules} rule${rules === 1 ? '' : 's'}${synced}), ` +
    `at most ${images.maxDeletesPerRun} deletions a run; keeps images in use in ` +
    `${clusters ? `clusters ${clusters.join(', ')}` : 'every cluster'}${except}, of the latest ` +
    `${taskDefinitionRevisions} revisions per family and of tasks stopped within ${stoppedTasksWithinHours} h${scans}${output}`
  );
}
