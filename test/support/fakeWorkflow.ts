/**
 * An in-memory stand-in for the SupportRequestWorkflow port (the Durable client): records starts,
 * raised events and restarts, and answers status queries, for tests of the services that start and
 * signal workflows without a Durable engine.
 */
import { isTerminalRuntimeStatus, type CaseContext, type SupportRequestOrchestrationInput } from "../../shared/contracts";
import type { SupportRequestWorkflow, WorkflowInstanceSummary, WorkflowStatus } from "../../shared/ports";

/** A {@link SupportRequestWorkflow} in memory: records starts and events; instances can be completed. */
export class FakeWorkflow implements SupportRequestWorkflow {
  readonly started: Array<{ caseId: string; partnerId: string }> = [];
  /** The case facts each start handed its orchestration (`options.caseContext`), by case id. */
  readonly startedWith = new Map<string, CaseContext | undefined>();
  readonly events: Array<{ caseId: string; eventName: string; payload: unknown }> = [];
  readonly statuses = new Map<string, WorkflowStatus>();
  /** How many coming `start` calls fail as the Durable client does when the task hub is unreachable. */
  failStarts = 0;
  /** The error a failing start throws (default: a bare message, as no adapter classifies). */
  startError: () => Error = () => new Error("connect ECONNREFUSED 127.0.0.1:7071");

  async start(caseId: string, partnerId: string, options: { newCase?: boolean; caseContext?: CaseContext } = {}): Promise<void> {
    if (this.failStarts > 0) {
      this.failStarts--;
      throw this.startError();
    }
    if (this.statuses.has(caseId)) return;
    this.started.push({ caseId, partnerId });
    this.startedWith.set(caseId, options.caseContext);
    this.statuses.set(caseId, { runtimeStatus: "Running", customStatus: { status: "received", waitingFor: "diagnosis" }, createdTime: new Date().toISOString(), lastUpdatedTime: new Date().toISOString() });
  }

  async raiseEvent(caseId: string, eventName: string, payload: unknown): Promise<boolean> {
    const s = this.statuses.get(caseId);
    if (!s || (s.runtimeStatus !== "Running" && s.runtimeStatus !== "Pending")) return false;
    this.events.push({ caseId, eventName, payload });
    return true;
  }

  /** Events raised unchecked on an instance that had ended, which the Durable extension drops (HTTP 410). */
  readonly droppedEvents: Array<{ caseId: string; eventName: string; payload: unknown }> = [];

  /** As the Durable HTTP API: false for no instance (404), dropped for an ended one (410), else recorded (Suspended too). */
  async raiseEventUnchecked(caseId: string, eventName: string, payload: unknown): Promise<boolean> {
    const s = this.statuses.get(caseId);
    if (!s) return false;
    (isTerminalRuntimeStatus(s.runtimeStatus) ? this.droppedEvents : this.events).push({ caseId, eventName, payload });
    return true;
  }

  /** Inputs of every restart, in order. */
  readonly restarts: Array<{ caseId: string; input: SupportRequestOrchestrationInput }> = [];
  /** The partner of each instance (from start or restart), for `listInstances`. */
  readonly partnerOf = new Map<string, string>();

  async getStatus(caseId: string): Promise<WorkflowStatus | undefined> {
    return this.statuses.get(caseId);
  }

  async restart(caseId: string, input: SupportRequestOrchestrationInput): Promise<boolean> {
    const s = this.statuses.get(caseId);
    if (s && !isTerminalRuntimeStatus(s.runtimeStatus)) return false;
    this.restarts.push({ caseId, input });
    this.partnerOf.set(caseId, input.partnerId);
    this.statuses.set(caseId, { runtimeStatus: "Running", customStatus: null, createdTime: new Date().toISOString(), lastUpdatedTime: new Date().toISOString(), input });
    return true;
  }

  /** Purges a terminal instance as the Durable purge API does: refused while it runs. */
  async purgeHistory(caseId: string): Promise<boolean> {
    const s = this.statuses.get(caseId);
    if (!s) return false;
    if (!isTerminalRuntimeStatus(s.runtimeStatus)) throw new Error(`Only orchestrations in a terminal state can be purged, but ${caseId} is ${s.runtimeStatus}`);
    this.statuses.delete(caseId);
    return true;
  }

  async listInstances(runtimeStatuses: readonly string[], options: { limit?: number; keep?: (instance: WorkflowInstanceSummary) => boolean } = {}): Promise<WorkflowInstanceSummary[]> {
    const out: WorkflowInstanceSummary[] = [];
    for (const [caseId, s] of this.statuses) {
      if (!runtimeStatuses.includes(s.runtimeStatus)) continue;
      const partnerId = this.partnerOf.get(caseId) ?? this.started.find((x) => x.caseId === caseId)?.partnerId;
      const reopening = (s.input as SupportRequestOrchestrationInput | null | undefined)?.carry?.reopen !== undefined;
      const instance: WorkflowInstanceSummary = { caseId, runtimeStatus: s.runtimeStatus, ...(partnerId ? { partnerId } : {}), ...(reopening ? { reopening } : {}), ...(s.createdTime !== undefined ? { createdTime: s.createdTime } : {}) };
      if (options.keep && !options.keep(instance)) continue;
      out.push(instance);
    }
    return out.slice(0, options.limit ?? 1000);
  }
}
