/**
 * The support-request workflow over a Durable Functions client: one orchestration per case,
 * instance id = case id (architecture.md). Starting is idempotent (an existing instance counts as
 * started); events are raised only on Running or Pending instances (a completed instance would
 * answer 410 and drop the event).
 */
import * as df from "durable-functions";
import { OrchestratorNames, type SupportRequestCarry, type SupportRequestOrchestrationInput } from "../contracts";
import type { SupportRequestWorkflow, WorkflowStatus } from "../ports";

/** The subset of `df.DurableClient` used here (lets tests pass a fake). */
export type WorkflowDurableClient = Pick<df.DurableClient, "startNew" | "getStatus" | "raiseEvent">;

/** {@link SupportRequestWorkflow} over a `df.DurableClient` (from `df.getClient(context)`). */
export class DurableSupportRequestWorkflow implements SupportRequestWorkflow {
  /** @param client - the durable client of the current invocation. */
  constructor(private readonly client: WorkflowDurableClient) {}

  /**
   * Starts `SupportRequestOrchestrator` with instance id = case id unless an instance exists.
   * @throws Error when the Durable extension fails.
   */
  async start(caseId: string, partnerId: string): Promise<void> {
    if (await this.getStatus(caseId)) return;
    const input: SupportRequestOrchestrationInput = { caseId, partnerId };
    await this.client.startNew(OrchestratorNames.supportRequest, { instanceId: caseId, input });
  }

  /**
   * Issue 5: starts a new execution of a completed (or failed, terminated) instance with the same
   * id and a carry (a closed case reopened); `startNew` accepts an existing id in a terminal state.
   * @returns false when the instance is running or pending (nothing started).
   * @throws Error when the Durable extension fails.
   */
  async restart(caseId: string, partnerId: string, carry: SupportRequestCarry): Promise<boolean> {
    const status = await this.getStatus(caseId);
    if (status && (status.runtimeStatus === df.OrchestrationRuntimeStatus.Running || status.runtimeStatus === df.OrchestrationRuntimeStatus.Pending)) return false;
    const input: SupportRequestOrchestrationInput = { caseId, partnerId, carry };
    await this.client.startNew(OrchestratorNames.supportRequest, { instanceId: caseId, input });
    return true;
  }

  /**
   * Raises an event when the instance is Running or Pending.
   * @returns false when the instance does not exist or is in another state.
   * @throws Error when the Durable extension fails.
   */
  async raiseEvent(caseId: string, eventName: string, payload: unknown): Promise<boolean> {
    const status = await this.getStatus(caseId);
    if (!status || !(status.runtimeStatus === df.OrchestrationRuntimeStatus.Running || status.runtimeStatus === df.OrchestrationRuntimeStatus.Pending)) return false;
    await this.client.raiseEvent(caseId, eventName, payload);
    return true;
  }

  /**
   * Runtime and custom status, or undefined when no instance exists (the client's HTTP 404).
   * @throws Error when the Durable extension fails otherwise.
   */
  async getStatus(caseId: string): Promise<WorkflowStatus | undefined> {
    let s: df.DurableOrchestrationStatus;
    try {
      s = await this.client.getStatus(caseId, { showHistory: false, showInput: false });
    } catch (e) {
      if (/HTTP 404|No instance with ID/i.test((e as Error).message ?? "")) return undefined;
      throw e;
    }
    if (!s) return undefined;
    const iso = (d: unknown): string | undefined => (d instanceof Date ? d.toISOString() : typeof d === "string" ? d : undefined);
    const out: WorkflowStatus = { runtimeStatus: String(s.runtimeStatus), customStatus: s.customStatus ?? null };
    const created = iso(s.createdTime);
    const updated = iso(s.lastUpdatedTime);
    if (created) out.createdTime = created;
    if (updated) out.lastUpdatedTime = updated;
    return out;
  }
}
