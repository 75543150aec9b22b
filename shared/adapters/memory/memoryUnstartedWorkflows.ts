/** In-memory {@link UnstartedWorkflows} (unit tests); behaves as the Table adapter (test/contracts). */
import type { UnstartedWorkflow, UnstartedWorkflows } from "../../ports";

/** {@link UnstartedWorkflows} in a Map. */
export class MemoryUnstartedWorkflows implements UnstartedWorkflows {
  readonly #rows = new Map<string, UnstartedWorkflow>();

  /** Keeps the first record of a case. */
  async record(entry: UnstartedWorkflow): Promise<void> {
    const key = `${entry.partnerId}\u0000${entry.caseId}`;
    if (!this.#rows.has(key)) this.#rows.set(key, { ...entry, reason: entry.reason.slice(0, 1000) });
  }

  /** Oldest failure first. @throws RangeError for a bad limit. */
  async list(limit: number): Promise<UnstartedWorkflow[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RangeError(`limit must be an integer from 1 to 1000, got ${limit}`);
    return [...this.#rows.values()].sort((a, b) => a.failedAt.localeCompare(b.failedAt) || a.partnerId.localeCompare(b.partnerId) || a.caseId.localeCompare(b.caseId)).slice(0, limit).map((r) => ({ ...r }));
  }

  /** Idempotent. */
  async remove(partnerId: string, caseId: string): Promise<void> {
    this.#rows.delete(`${partnerId}\u0000${caseId}`);
  }
}
