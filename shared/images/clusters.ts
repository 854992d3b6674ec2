/**
 * Which clusters keep their images: every cluster of the account and Region by default, or those
 * the config names, by name, ARN or glob (`prod-*`), less the excluded ones. Pure: the scanner lists
 * the clusters (ListClusters) and this picks among them.
 */
import { anyGlobMatches } from './glob.js';

/** `media` from `arn:aws:ecs:…:cluster/media` or `media`. */
export const clusterName = (cluster: string): string => cluster.slice(cluster.lastIndexOf('/') + 1);

export const isClusterPattern = (entry: string): boolean => entry.includes('*') || entry.includes('?');

export interface ClusterSelection {
  /** The clusters to scan (ARNs as ListClusters gives them), sorted by name. */
  scanned: string[];
  /** Clusters named without a wildcard that do not exist: their tasks cannot be seen, so nothing is deleted. */
  missing: string[];
}

/**
 * Picks the clusters to scan among those listed. `clusters` undefined means every one; a named
 * cluster (no wildcard) that is not listed is missing, even when excluded: a typo must not pass
 * unnoticed. A pattern that matches nothing is no doubt: it names no cluster in particular.
 */
export function selectClusters(
  listed: readonly string[],
  clusters: readonly string[] | undefined,
  exclude: readonly string[] = [],
): ClusterSelection {
  const names = new Map(listed.map((arn) => [clusterName(arn), arn]));
  const wanted = clusters?.map(clusterName);
  const missing = (wanted ?? []).filter((entry) => !isClusterPattern(entry) && !names.has(entry));
  const scanned = [...names.entries()]
    .filter(
      ([name]) => (wanted === undefined || anyGlobMatches(wanted, name)) && !anyGlobMatches(exclude, name),
    )
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, arn]) => arn);
  return { scanned, missing };
}
