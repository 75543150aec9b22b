/**
 * The support-request workflow over a Durable Functions client: one orchestration per case,
 * instance id = case id. Starting is idempotent (an existing instance counts as started, also when
 * two starts race); events are raised only on Running or Pending instances (a completed instance
 * would answer 410 and drop the event).
 */
import * as df from "durable-functions";
import { CURRENT_WORKFLOW_REVISION, OrchestratorNames, isTerminalRuntimeStatus, type CaseContext, type SupportRequestOrchestrationInput } from "../contracts";
import type { GetWorkflowStatusOptions, SupportRequestWorkflow, WorkflowInstanceSummary, WorkflowStatus } from "../ports";

/** The subset of `df.DurableClient` used here (lets tests pass a fake). */
export type WorkflowDurableClient = Pick<df.DurableClient, "startNew" | "getStatus" | "raiseEvent" | "getStatusBy" | "purgeInstanceHistory">;

/**
 * Whether a `startNew` error says the instance already exists (HTTP 409 of the Durable HTTP API,
 * "An instance with ID … already exists"): a concurrent start of the same case won the race.
 */
function isAlreadyExists(error: unknown): boolean {
  const e = error as { response?: { status?: unknown }; message?: unknown } | null;
  return e?.response?.status === 409 || /already exists|status code: 409/i.test(String(e?.message ?? ""));
}

/** {@link SupportRequestWorkflow} over a `df.DurableClient` (from `df.getClient(context)`). */
export class DurableSupportRequestWorkflow implements SupportRequestWorkflow {
  /** @param client - the durable client of the current invocation. */
  constructor(private readonly client: WorkflowDurableClient) {}

  /**
   * Starts `SupportRequestOrchestrator` with instance id = case id unless an instance exists, at the
   * current workflow revision (`CURRENT_WORKFLOW_REVISION`).
   * @throws Error when the Durable extension fails.
   */
  async start(caseId: string, partnerId: string, options: { newCase?: boolean; caseContext?: CaseContext } = {}): Promise<void> {
    // startNew over a completed instance would run it again: look first, unless the case is new.
    if (!options.newCase && (await this.getStatus(caseId))) return;
    const input: SupportRequestOrchestrationInput = { caseId, partnerId, revision: CURRENT_WORKFLOW_REVISION, ...(options.newCase && options.caseContext ? { caseContext: options.caseContext } : {}) };
    try {
      await this.client.startNew(OrchestratorNames.supportRequest, { instanceId: caseId, input });
    } catch (e) {
      // Two deliveries of one request started it at the same time: the other one won; that is a start.
      if (!isAlreadyExists(e)) throw e;
    }
  }

  /**
   * Starts a new execution of an instance that is not running — completed (a closed case
   * reopened), failed or terminated (recovered) — with the same id and `input`; `startNew` accepts
   * an existing id in a terminal state.
   * @returns false when the instance is running, pending or suspended, or a concurrent start won (nothing started).
   * @throws Error when the Durable extension fails.
   */
  async restart(caseId: string, input: SupportRequestOrchestrationInput): Promise<boolean> {
    const status = await this.getStatus(caseId);
    if (status && !isTerminalRuntimeStatus(status.runtimeStatus)) return false;
    try {
      // A new execution (empty history) follows the current step sequence, whatever the last one
      // ran, unless the restart asks for an earlier one (workflowRecovery.ts `restartRevisionOf`).
      await this.client.startNew(OrchestratorNames.supportRequest, { instanceId: caseId, input: { ...input, revision: input.revision ?? CURRENT_WORKFLOW_REVISION } });
    } catch (e) {
      if (isAlreadyExists(e)) return false;
      throw e;
    }
    return true;
  }

  /**
   * Instances in any of the runtime statuses, with their partner from the input (Durable
   * `getStatusBy` with `showInput`: one query, paged by the client), those `keep` accepts (default
   * all), at most `limit` (default 1,000).
   * @throws Error when the Durable extension fails.
   */
  async listInstances(runtimeStatuses: readonly string[], options: { limit?: number; keep?: (instance: WorkflowInstanceSummary) => boolean } = {}): Promise<WorkflowInstanceSummary[]> {
    const filter = { runtimeStatus: runtimeStatuses as df.OrchestrationRuntimeStatus[], showInput: true } as df.OrchestrationFilter;
    const found = await this.client.getStatusBy(filter);
    const keep = options.keep ?? ((): boolean => true);
    const summaries = found.map((s): WorkflowInstanceSummary => {
      const input = s.input as Partial<SupportRequestOrchestrationInput> | null | undefined;
      const updated = isoOf(s.lastUpdatedTime);
      const created = isoOf(s.createdTime);
      return {
        caseId: s.instanceId,
        ...(typeof input?.partnerId === "string" ? { partnerId: input.partnerId } : {}),
        runtimeStatus: String(s.runtimeStatus),
        ...(input?.carry?.reopen ? { reopening: true } : {}),
        ...(created ? { createdTime: created } : {}),
        ...(updated ? { lastUpdatedTime: updated } : {}),
      };
    });
    return summaries.filter(keep).slice(0, options.limit ?? 1000);
  }

  /**
   * Raises an event when the instance is Running or Pending.
   * @returns false when the instance does not exist or is in another state.
   * @throws Error when the Durable extension fails.
   */
  async raiseEvent(caseId: string, eventName: string, payload: unknown, options: { status?: WorkflowStatus } = {}): Promise<boolean> {
    const status = options.status ?? (await this.getStatus(caseId));
    if (!status || !(status.runtimeStatus === df.OrchestrationRuntimeStatus.Running || status.runtimeStatus === df.OrchestrationRuntimeStatus.Pending)) return false;
    await this.client.raiseEvent(caseId, eventName, payload);
    return true;
  }

  /**
   * Raises an event as the Durable HTTP API does, without a status read of its own: 202 raised
   * (Suspended: delivered on resume), 410 dropped (the client answers as for 202), 404 no instance.
   * A failed raise is told from a missing instance by reading the status (only on that path, so the
   * check does not hang on the client's error message).
   * @returns false when no instance exists.
   * @throws Error when the Durable extension fails (the raise's own error).
   */
  async raiseEventUnchecked(caseId: string, eventName: string, payload: unknown): Promise<boolean> {
    try {
      await this.client.raiseEvent(caseId, eventName, payload);
      return true;
    } catch (e) {
      if ((await this.getStatus(caseId).catch(() => null)) === undefined) return false;
      throw e;
    }
  }

  /**
   * Purges the instance's history and state (`purgeInstanceHistory`: the Durable HTTP API's
   * `DELETE …/instances/{id}`, which answers 404 for an unknown instance).
   * @returns true when an instance was deleted.
   * @throws Error when the instance is not terminal (the extension refuses) or the extension fails.
   */
  async purgeHistory(caseId: string): Promise<boolean> {
    const result = await this.client.purgeInstanceHistory(caseId);
    return result.instancesDeleted > 0;
  }

  /**
   * Runtime and custom status, or undefined when no instance exists (the client's HTTP 404).
   * @throws Error when the Durable extension fails otherwise.
   */
  async getStatus(caseId: string, options: GetWorkflowStatusOptions = {}): Promise<WorkflowStatus | undefined> {
    let s: df.DurableOrchestrationStatus;
    try {
      s = await this.client.getStatus(caseId, { showHistory: false, showInput: options.includeInputAndOutput ?? false });
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
    if (options.includeInputAndOutput) {
      out.input = s.input ?? null;
      out.output = s.output ?? null;
    }
    return out;
  }
}

/** An instant the Durable client returns (a Date, or the HTTP API's string) as ISO 8601 UTC; undefined when absent or unreadable. */
function isoOf(value: unknown): string | undefined {
  const ms = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
