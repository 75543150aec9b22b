/**
 * What the orchestration leaves behind, each through one activity: timeline entries (with status
 * changes), customer status emails, partner notifications and the SLA events of the generation.
 * Entry ids and notification keys are deterministic counters in the carry state, so a retried or
 * replayed activity writes the same row or is deduplicated by its key.
 */
import {
  SupportRequestActivities,
  type CaseActionRecord,
  type CaseStatus,
  type NotifyPartnerInput,
  type PartnerNotice,
  type RecordSlaEventsInput,
  type RecordTransitionInput,
  type SendStatusEmailInput,
} from "../../shared/contracts";
import { canTransition } from "../../shared/domain";
import { deliver } from "./outbox";
import { applySla, slaSummary } from "./slaClocks";
import { now, requireActivity, type Orchestration, type Run } from "./run";

/** Deterministic timeline entry id: `t01-in-diagnosis`, `t02-sla-breached`, … (continues across generations). */
function nextEntryId(run: Run, slug: string): string {
  run.state.entryCount += 1;
  return `t${String(run.state.entryCount).padStart(2, "0")}-${slug}`;
}

/** Notification key unique per case: `received`, `awaiting-customer`, `awaiting-customer-2`, … */
export function notificationKey(run: Run, base: string): string {
  const n = (run.state.notificationCounts[base] ?? 0) + 1;
  run.state.notificationCounts[base] = n;
  return n === 1 ? base : `${base}-${n}`;
}

/**
 * Records a timeline entry (and optionally a status change) through RecordCaseTransition, under
 * the next deterministic entry id, or `entryId` when given (an id of its own, not counted). From
 * workflow revision 2 it also stores the SLA events not yet recorded (`slaEvents`).
 */
export function* record(run: Run, entry: Pick<RecordTransitionInput, "kind" | "summary" | "toStatus" | "details" | "patch"> & { entryId?: string }): Orchestration<void> {
  const input: RecordTransitionInput = {
    caseId: run.input.caseId,
    partnerId: run.input.partnerId,
    at: now(run),
    ...entry,
    entryId: entry.entryId ?? nextEntryId(run, entry.toStatus ?? entry.kind),
  };
  // The SLA summary rides along where the clocks visibly change (status changes, breaches), not on
  // every note: recomputing it replays the whole SLA log.
  if (entry.toStatus !== undefined || entry.kind === "sla-breached") input.patch = { sla: slaSummary(run), ...entry.patch };
  // From revision 2 the SLA events not yet stored ride along (one activity instead of a
  // RecordSlaEvents after it); the activity stores them before the transition.
  const carried = run.revision >= 2 && run.unrecorded.length > 0 ? run.unrecorded : undefined;
  if (carried) input.slaEvents = carried;
  yield* requireActivity(run, SupportRequestActivities.recordTransition, input);
  if (carried) run.unrecorded = run.unrecorded.filter((e) => !carried.includes(e));
  if (entry.toStatus) run.state.status = entry.toStatus;
}

/**
 * Sends the customer the status email of `status` (with the partner's `message`, if any), once per
 * notification key: `keyBase`, then `keyBase-2`, … (defaults to the status). Through the outbox: a
 * failure never holds the case up (outbox.ts).
 */
export function* emailCustomer(run: Run, status: CaseStatus, message?: string, keyBase: string = status): Orchestration<void> {
  const input: SendStatusEmailInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, notificationKey: notificationKey(run, keyBase), status };
  if (message !== undefined) input.message = message;
  // The acknowledgement states when the first response is due: from the workflow's own clocks,
  // so the activity need not read the SLA log back.
  if (status === "received") {
    const respondBy = slaSummary(run).firstResponseDueAt;
    if (respondBy !== undefined) input.respondBy = respondBy;
  }
  yield* deliver(run, SupportRequestActivities.sendStatusEmail, input);
}

/**
 * Notifies a partner (through the outbox): the owner by default, `recipientPartnerId` (the indirect
 * provider), or explicit `to` addresses. The workflow says what happened as a structured notice;
 * NotifyPartner renders it (shared/templates/partnerNotification.ts).
 */
export function* notifyPartner(run: Run, keyBase: string, notice: PartnerNotice, options: { recipientPartnerId?: string; to?: string[] } = {}): Orchestration<void> {
  const input: NotifyPartnerInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, notificationKey: notificationKey(run, keyBase), notice };
  if (options.recipientPartnerId !== undefined && options.recipientPartnerId !== run.input.partnerId) input.recipientPartnerId = options.recipientPartnerId;
  if (options.to !== undefined) input.to = options.to;
  yield* deliver(run, SupportRequestActivities.notifyPartner, input);
}

/** Moves the case to `to` (if the lifecycle allows it): SLA happening first, then the timeline entry. */
export function* changeStatus(run: Run, to: CaseStatus, entry: Pick<RecordTransitionInput, "kind" | "summary" | "details" | "patch">, slaAt = now(run)): Orchestration<boolean> {
  const from = run.state.status;
  if (!canTransition(from, to)) return false;
  applySla(run, { kind: "status", from, to, at: slaAt });
  yield* record(run, { ...entry, toStatus: to });
  return true;
}

/** Records the SLA events not yet stored (one RecordSlaEvents call), if any. */
export function* recordSlaEvents(run: Run): Orchestration<void> {
  if (run.unrecorded.length === 0) return;
  const input: RecordSlaEventsInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, events: run.unrecorded };
  yield* requireActivity(run, SupportRequestActivities.recordSlaEvents, input);
  run.unrecorded = [];
}

/** Records an action the case does not act on in its current state. */
export function* ignore(run: Run, a: CaseActionRecord, why: string, ignored: string): Orchestration<void> {
  yield* record(run, { kind: "note", summary: `Ignored a ${a.action.type} action: ${why}.`, details: { action: a.action.type, ignored, seq: a.seq, actor: a.actor, ...a.action } });
}
