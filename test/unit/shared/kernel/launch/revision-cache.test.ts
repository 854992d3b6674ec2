import { describe, expect, it, vi } from 'vitest';
import { RevisionCache } from '../../../../../shared/kernel/launch/revision-cache';

describe('Class: RevisionCache', () => {
  it('loads a revision once and answers from the cache afterwards', async () => {
    const cache = new RevisionCache<string>(10);
    const load = vi.fn(async () => 'web:3 containers');

    await cache.get('arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3', load);
    const again = await cache.get('arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3', load);

    expect(again).toBe('web:3 containers');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('never caches a bare family, which moves to each new revision', async () => {
    const cache = new RevisionCache<string>(10);
    const load = vi.fn(async () => 'latest');

    await cache.get('web', load);
    await cache.get('web', load);

    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not cache an undefined answer', async () => {
    const cache = new RevisionCache<string>(10);
    const load = vi.fn(async () => undefined);

    await cache.get('web:1', load);
    await cache.get('web:1', load);

    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps at most maxEntries, dropping the oldest first', async () => {
    const cache = new RevisionCache<string>(2);
    const load = vi.fn(async () => 'x');

    for (const revision of ['web:1', 'web:2', 'web:3', 'web:2', 'web:1']) await cache.get(revision, load);

    // web:1, web:2, web:3 (drops web:1), web:2 cached, web:1 loaded again.
    expect(load).toHaveBeenCalledTimes(4);
  });
});
