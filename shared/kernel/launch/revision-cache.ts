/**
 * What was read from task definitions, remembered per exact revision (`family:3` or an ARN ending in
 * `:3`): a revision never changes, while a bare family moves to each new revision and is never cached.
 * At most `maxEntries` are kept; the oldest goes first.
 */
export class RevisionCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  /** The value for `taskDefinition`, from the cache or from `load` (kept when it is a revision and defined). */
  async get<R extends V | undefined>(taskDefinition: string, load: () => Promise<R>): Promise<V | R> {
    const cached = this.entries.get(taskDefinition);
    if (cached !== undefined) return cached;
    const value = await load();
    if (value !== undefined && /:\d+$/.test(taskDefinition)) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(taskDefinition, value);
    }
    return value;
  }
}
