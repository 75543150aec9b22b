/**
 * The partner's, the indirect provider's and the customer's actions taken from the inbox: each is
 * validated again, the clocks catch up to its acceptance instant, then it acts on the case
 * (diagnosis, update, customer reply, escalation request, resolution, information request; close,
 * reopen and reclassify in lifecycleActions.ts) or is recorded as ignored in the case's state.
 */
import { CaseActionSchema, type Actor, type CaseAction, type CaseActionRecord, type CaseStatus, type StoredCaseActionRecord } from "../../shared/contracts";
import { addCalendarDuration, canTransition, isActionAllowed } from "../../shared/domain";
import { escalate } from "./escalation";
import { onClose, onReclassify, onReopen } from "./lifecycleActions";
import { actionDetails, changeStatus, changeStatusAndEmail, ignore, record, recordAndEmail } from "./records";
import { isOpen, now, type Orchestration, type Run } from "./run";
import { applySla, slaInstant } from "./slaClocks";
import { catchUp, handleSlaAlerts } from "./slaHandling";

/** The partner (or the provider) answered: fulfils first response, restarts the next-update clock. */
function partnerResponded(run: Run, at: string): void {
  applySla(run, { kind: "partner-response", at });
}

/** Whether the actor is this case's indirect provider (the reseller's provider). */
function isProvider(run: Run, actor: Actor): boolean {
  const providerId = run.caseContext.partner.indirectProviderId ?? run.caseContext.provider?.partnerId;
  return actor.kind === "indirect-provider" && providerId !== undefined && actor.partnerId === providerId;
}

/**
 * Marks the case resolved: SLA (first response and resolution fulfilled), timeline (with the
 * resolving action's details: its text stays on the timeline after a reopening and a later
 * resolution), customer email; arms the auto-close.
 */
function* resolve(run: Run, summary: string, at: string, a: CaseActionRecord): Orchestration<void> {
  const actor = a.actor;
  const by = isProvider(run, actor) ? ` by the indirect provider ${actor.partnerId ?? ""}`.trimEnd() : "";
  const afterRecord = (): void => {
    delete run.state.pendingMicrosoft;
    run.state.autoCloseAt = addCalendarDuration(now(run), run.caseContext.partner.autoCloseAfter);
  };
  yield* changeStatusAndEmail(run, "resolved", { kind: "status-changed", summary: `The request was resolved${by}.`, details: actionDetails(a), patch: { resolutionSummary: summary } }, { message: summary }, { slaAt: at, afterRecord });
}

/** The partner's diagnosis: resolved, a question to the customer, or an escalation request (only while the case is with the partner). */
function* onDiagnosis(run: Run, a: CaseActionRecord, d: { outcome: "resolved" | "awaiting-customer" | "needs-escalation"; notes: string }, at: string): Orchestration<void> {
  const status = run.state.status;
  if (!isActionAllowed("diagnosis", "owner", status)) {
    yield* ignore(run, a, status === "resolved" || status === "closed" ? "the case was already resolved" : "the case was already escalated", status === "resolved" || status === "closed" ? "case-resolved" : "case-escalated");
    return;
  }
  partnerResponded(run, at);
  switch (d.outcome) {
    case "resolved":
      yield* resolve(run, d.notes, at, a);
      return;
    case "awaiting-customer":
      if (!(yield* changeStatusAndEmail(run, "awaiting-customer", { kind: "status-changed", summary: "The partner needs information from the customer.", details: actionDetails(a), patch: { diagnosisNotes: d.notes } }, { message: d.notes }, { slaAt: at }))) {
        yield* recordAndEmail(run, { kind: "note", summary: "The partner updated its request to the customer.", details: actionDetails(a), patch: { diagnosisNotes: d.notes } }, { status: "awaiting-customer", message: d.notes });
      }
      return;
    case "needs-escalation":
      yield* escalate(run, "partner-request", "partner", d.notes, actionDetails(a));
      return;
  }
}

/** An escalation request: by the indirect provider of a case it holds, or by the partner while the case is with it. */
function* onEscalate(run: Run, a: CaseActionRecord, reason: string): Orchestration<void> {
  const status = run.state.status;
  if (isProvider(run, a.actor)) {
    if (isActionAllowed("escalate", "indirect-provider", status)) yield* escalate(run, "partner-request", "indirect-provider", undefined, actionDetails(a));
    else yield* ignore(run, a, "the case is not escalated to the indirect provider", "not-with-provider");
  } else if (isActionAllowed("escalate", "owner", status)) {
    if (run.state.pendingMicrosoft) yield* ignore(run, a, "a Microsoft escalation is already decided and waits for the escalation chain", "escalation-pending");
    else yield* escalate(run, "partner-request", "partner", reason, actionDetails(a));
  } else {
    yield* ignore(run, a, status === "resolved" || status === "closed" ? "the case was already resolved" : "the case was already escalated", status === "resolved" || status === "closed" ? "case-resolved" : "case-escalated");
  }
}

/** The customer replied: an awaiting case goes back to whoever holds it; otherwise the reply is noted. */
function* onCustomerReply(run: Run, a: CaseActionRecord, excerpt: string, at: string): Orchestration<void> {
  const details = { action: "customer-reply", seq: a.seq, excerpt, actor: a.actor };
  if (run.state.status === "awaiting-customer") {
    const back: CaseStatus = run.state.escalation?.target === "indirect-provider" ? "escalated-to-provider" : run.state.escalation?.target === "microsoft" && !run.state.pendingMicrosoft ? "escalated-to-microsoft" : "in-diagnosis";
    const to = canTransition("awaiting-customer", back) ? back : "in-diagnosis";
    yield* changeStatus(run, to, { kind: "status-changed", summary: "The customer replied; the case is back with the partner.", details }, at);
  } else if (run.state.status === "resolved") {
    yield* record(run, { kind: "note", summary: `The customer replied after the resolution; the case still closes at ${run.state.autoCloseAt ?? "?"}.`, details });
  } else {
    yield* record(run, { kind: "note", summary: "The customer replied.", details });
  }
}

/** Processes one inbox action (validated again: the inbox is data, not trusted code). */
export function* processAction(run: Run, stored: StoredCaseActionRecord): Orchestration<void> {
  const parsed = CaseActionSchema.safeParse(stored.action);
  if (!parsed.success) {
    yield* record(run, { kind: "note", summary: "Ignored an invalid case action.", details: { seq: stored.seq, issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) } });
    return;
  }
  const a: CaseActionRecord = { ...stored, action: parsed.data };
  if (a.actor.kind === "indirect-provider" && !isProvider(run, a.actor)) {
    yield* ignore(run, a, "the actor is not this case's indirect provider", "not-case-provider");
    return;
  }
  const at = slaInstant(run, a.recordedAt);
  yield* catchUp(run, at);
  yield* actOn(run, a, parsed.data, at);
  yield* handleSlaAlerts(run);
}

/** Dispatches a valid action by its type. */
function* actOn(run: Run, a: CaseActionRecord, action: CaseAction, at: string): Orchestration<void> {
  switch (action.type) {
    case "diagnosis":
      yield* onDiagnosis(run, a, action, at);
      return;
    case "update":
      if (!isActionAllowed("update", "owner", run.state.status)) return yield* ignore(run, a, "the case was already resolved", "case-resolved");
      partnerResponded(run, at);
      yield* recordAndEmail(run, { kind: "note", summary: "The partner updated the customer.", details: { action: "update", seq: a.seq, message: action.message, actor: a.actor } }, { status: run.state.status, message: action.message, keyBase: "update" });
      return;
    case "customer-reply":
      yield* onCustomerReply(run, a, action.excerpt, at);
      return;
    case "escalate":
      yield* onEscalate(run, a, action.reason);
      return;
    case "resolution":
      if (!isOpen(run)) return yield* ignore(run, a, "the case was already resolved", "case-resolved");
      if (!isActionAllowed("resolution", isProvider(run, a.actor) ? "indirect-provider" : "owner", run.state.status)) return yield* ignore(run, a, "the case is not escalated to the indirect provider", "not-with-provider");
      yield* resolve(run, action.summary, at, a);
      return;
    case "information-request":
      yield* onInformationRequest(run, a, action.message, at);
      return;
    case "close":
      yield* onClose(run, a, action.reason);
      return;
    case "reopen":
      yield* onReopen(run, a, action.reason, at);
      return;
    case "reclassify":
      yield* onReclassify(run, a, action, at);
      return;
  }
}

/**
 * The partner asks the customer for information: counts as a response (fulfils first
 * response, restarts next update), moves the case to awaiting-customer (the clocks pause per the
 * policy's `pauseWhen`) and emails the question. Asked again while awaiting: recorded and emailed.
 */
function* onInformationRequest(run: Run, a: CaseActionRecord, message: string, at: string): Orchestration<void> {
  const status = run.state.status;
  if (!isActionAllowed("information-request", "owner", status)) {
    yield* ignore(run, a, isOpen(run) ? "the case was already escalated" : "the case was already resolved", isOpen(run) ? "case-escalated" : "case-resolved");
    return;
  }
  partnerResponded(run, at);
  const details = { action: "information-request", seq: a.seq, message, actor: a.actor };
  if (!(yield* changeStatusAndEmail(run, "awaiting-customer", { kind: "status-changed", summary: "The partner asked the customer for information.", details }, { message }, { slaAt: at }))) {
    yield* recordAndEmail(run, { kind: "note", summary: "The partner asked the customer for more information.", details }, { status: "awaiting-customer", message });
  }
}

