/**
 * In-memory orchestration state between episodes, as the Durable extension's extended sessions
 * keep it: the instance row (with the storage ETag this engine last read or wrote) and the
 * committed history of its current execution, so that the next episode of the instance needs
 * neither the instance read nor the history query.
 *
 * Correctness does not depend on the cache: an episode that used a cached entry commits its
 * instance row conditionally (If-Match the cached ETag), so a row changed by anyone else fails the
 * commit with 412, the entry is dropped and the episode runs again from storage. Bounded by the
 * number of history events held; the least recently used instances are evicted first. Terminal
 * instances are not kept.
 */
import type { HistoryEvent } from "./historyTypes";
import type { InstanceRecord } from "./historyStore";

/** One cached instance: its row as committed, the row's ETag, and the committed history of its execution. */
export interface CachedInstance {
  record: InstanceRecord;
  etag: string;
  history: HistoryEvent[];
}

/** Least-recently-used cache of {@link CachedInstance} entries, bounded by instances and by history events. */
export class SessionCache {
  private readonly entries = new Map<string, CachedInstance>();
  private events = 0;

  /**
   * @param maxInstances - most instances held; 0 disables the cache.
   * @param maxEvents - most history events held over all instances.
   */
  constructor(private readonly maxInstances: number, private readonly maxEvents: number) {}

  /** The entry of an instance (marked as most recently used); undefined when not held. */
  get(instanceId: string): CachedInstance | undefined {
    const e = this.entries.get(instanceId);
    if (!e) return undefined;
    this.entries.delete(instanceId);
    this.entries.set(instanceId, e);
    return e;
  }

  /** Stores the committed state of an instance, evicting the least recently used ones over the bound. */
  set(instanceId: string, entry: CachedInstance): void {
    this.delete(instanceId);
    if (this.maxInstances <= 0 || entry.history.length > this.maxEvents) return;
    this.entries.set(instanceId, entry);
    this.events += entry.history.length;
    for (const [id, e] of this.entries) {
      if (this.events <= this.maxEvents && this.entries.size <= this.maxInstances) break;
      this.entries.delete(id);
      this.events -= e.history.length;
    }
  }

  /** Drops an instance (its row may have changed outside the episode). */
  delete(instanceId: string): void {
    const e = this.entries.get(instanceId);
    if (!e) return;
    this.entries.delete(instanceId);
    this.events -= e.history.length;
  }

  /** Number of instances held. */
  get size(): number {
    return this.entries.size;
  }
}
