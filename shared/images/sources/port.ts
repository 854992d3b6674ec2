/**
 * Sources of "in use" beyond ECS tasks, services and revisions (Lambda functions, …). Each is scanned
 * on its own behind this port; the run adds what they find to the ECS uses. A source that fails
 * fails the scan, named, so the run deletes nothing (the same rule as the ECS scan).
 */
import { errorMessage } from '../../kernel/errors.js';
import type { ImageUse } from '../protect.js';

export interface InUseSource {
  /** Names the scan in the summary when it fails, e.g. `Lambda functions`. */
  readonly name: string;
  /**
   * Set when the uses come from elsewhere (another account's scan file): they protect images here,
   * but are not written into this account's own scan (so stale uses cannot circulate between accounts).
   */
  readonly elsewhere?: boolean;
  uses(): Promise<ImageUse[]>;
}

/** Every source's uses, in order; the first that fails rejects, naming its scan. */
export async function scanSources(sources: readonly InUseSource[]): Promise<ImageUse[]> {
  const uses: ImageUse[] = [];
  for (const source of sources) {
    try {
      uses.push(...(await source.uses()));
    } catch (error) {
      throw new Error(`${source.name} scan failed: ${errorMessage(error)}`, { cause: error });
    }
  }
  return uses;
}
