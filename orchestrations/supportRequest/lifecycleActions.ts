/**
 * Actions that move a case along its lifecycle rather than its diagnosis: reclassification (policy
 * re-selected), close, reopen of a resolved case, and the reopening of a closed case by a new
 * execution of the orchestration.
 */
import { SupportRequestActivities, type CaseAction, type CaseActionRecord, type SlaEvent, type SupportRequestCarry } from "../../shared/contracts";
import { isActionAllowed, isSlaClockOpen } from "../../shared/domain";
import { changeStatusAndEmail, ignore, record, recordAndEmail } from "./records";
import { callActivity, isOpen, type Orchestration, type Run } from "./run";
import { appendSlaEvent, applySla, clocksOutOfStep, describePolicy, policyOf, samePolicy, slaInstant } from "./slaClocks";
import { changePolicy } from "./slaHandling";

/**
 * The partner reclassified the request (already stored on the case by the PATCH): the case
 * context is read again (GetCaseContext selects the policy for the new product, category and
 * severity); when the applied policy or its targets differ from those in force, the clocks are
 * re-targeted (`changePolicy` in slaHandling.ts) and the timer re-armed at the new instant. Later decisions
 * (escalation, notifications) use the new facts. From revision 7 a reclassification that leaves the
 * policy in force is recorded too (a note), so every reclassification takes one timeline entry.
 */
export function* onReclassify(run: Run, a: CaseActionRecord, action: Extract<CaseAction, { type: "reclassify" }>, at: string): Orchestration<void> {
  const before = run.caseContext;
  const read = yield* callActivity(run, SupportRequestActivities.getCaseContext, { caseId: run.input.caseId, partnerId: run.input.partnerId });
  if (!read.ok) {
    yield* record(run, { kind: "note", summary: `The reclassification could not be applied: the case could not be read (${read.fault.code}: ${read.fault.message}); the SLA policy in force stays.`, details: { action: "reclassify", seq: a.seq, fault: read.fault } });
    return;
  }
  const fresh = read.value;
  // The stored SLA log is not needed: this generation's log is `run.log` (with events not yet recorded).
  const { slaLog: _stored, ...facts } = fresh;
  run.caseContext = facts;
  const next = policyOf(fresh);
  const changes = (["product", "category", "severity"] as const).filter((k) => before[k] !== fresh[k]).map((k) => `${k} ${before[k]} → ${fresh[k]}`);
  const { type: _type, ...reclassified } = action;
  const details = { action: "reclassify", seq: a.seq, actor: a.actor, reclassified };
  if (samePolicy(run.policy, next) && !(isOpen(run) && clocksOutOfStep(run.log, next))) {
    // From revision 7 the reclassification is on the timeline either way: whether the policy in
    // force already is the new one depends on what a stopped execution's restart re-targeted at
    // its start, and each action must take one entry id whatever it finds.
    if (run.revision >= 7) yield* record(run, { kind: "note", summary: `Reclassified${changes.length > 0 ? ` (${changes.join(", ")})` : ""}; the SLA policy in force stays ${describePolicy(next)}.`, details });
    return;
  }
  const because = `the request was reclassified${changes.length > 0 ? ` (${changes.join(", ")})` : ""}`;
  yield* changePolicy(run, next, at, because, details);
}

/** Who acted, for a timeline summary: the customer (status page) or the partner. */
function byWhom(actor: { kind: string }): string {
  return actor.kind === "customer" ? "the customer" : "the partner";
}

/** The partner closes a resolved case now (the lifecycle closes only resolved cases): clocks cancelled, auto-close dropped, customer told. */
export function* onClose(run: Run, a: CaseActionRecord, reason: string | undefined): Orchestration<void> {
  if (!isActionAllowed("close", "owner", run.state.status)) {
    yield* ignore(run, a, run.state.status === "closed" ? "the case was already closed" : "the case is not resolved", run.state.status === "closed" ? "case-closed" : "case-not-resolved");
    return;
  }
  const summary = reason !== undefined ? `Closed by ${byWhom(a.actor)}: ${reason}` : `Closed by ${byWhom(a.actor)}.`;
  const afterRecord = (): void => {
    delete run.state.autoCloseAt;
  };
  yield* changeStatusAndEmail(run, "closed", { kind: "status-changed", summary, details: { action: "close", seq: a.seq, actor: a.actor, ...(reason !== undefined ? { reason } : {}) } }, reason !== undefined ? { message: reason } : {}, { afterRecord });
}

/**
 * The partner reopens a resolved case within its auto-close period: back to in-diagnosis
 * (the lifecycle's resolved → in-diagnosis), the resolution clock resumes (`applySlaHappening`
 * status happening: a fulfilled resolution clock is resumed), the auto-close is dropped and the
 * customer told. A closed case is reopened by a new execution (see {@link reopenClosed}).
 */
export function* onReopen(run: Run, a: CaseActionRecord, reason: string, at: string): Orchestration<void> {
  // A reopening accepted while the case was still resolved and handed over as the execution closed
  // the inbox (revision 6) reopens the closed case here, as the restart would have.
  if (run.state.status === "closed" && run.revision >= 6) {
    yield* reopenClosed(run, { reason, seq: a.seq, requestedAt: a.recordedAt, actor: a.actor });
    return;
  }
  // Otherwise a closed case is reopened by a new execution (the partner API restarts it), never in this one.
  if (run.state.status === "closed" || !isActionAllowed("reopen", "owner", run.state.status)) {
    yield* ignore(run, a, run.state.status === "closed" ? "the case is closed (reopening restarts its workflow)" : "the case is not resolved", run.state.status === "closed" ? "case-closed" : "case-not-resolved");
    return;
  }
  const afterRecord = (): void => {
    // A reclassification while resolved changed the policy of the stopped clocks: the resumed ones follow it.
    if (clocksOutOfStep(run.log, run.policy)) applySla(run, { kind: "policy-changed", policy: run.policy, at });
    delete run.state.autoCloseAt;
  };
  yield* changeStatusAndEmail(run, "in-diagnosis", { kind: "status-changed", summary: `Reopened by ${byWhom(a.actor)}: ${reason}`, details: { action: "reopen", seq: a.seq, reason, actor: a.actor } }, { message: reason, keyBase: "reopened" }, { slaAt: at, afterRecord });
}

/**
 * The first thing a new execution of a CLOSED case does when the partner API restarted it
 * to reopen it (`carry.reopen`): closed → in-diagnosis (closed is terminal in the lifecycle, so
 * this is the one transition the restart itself authorises), a new resolution clock cycle from now
 * (the previous one was cancelled at closure), the customer told. A recovery of that execution
 * (it failed or was terminated before its first wait, so its checkpoint still holds the reopening)
 * does it again from the same checkpoint: the same entry id and notification key (recorded and
 * sent once), and no second resolution cycle when the stored log already has the open one.
 */
export function* reopenClosed(run: Run, reopen: NonNullable<SupportRequestCarry["reopen"]>): Orchestration<void> {
  const at = slaInstant(run, reopen.requestedAt);
  const target = run.policy.targets.resolution;
  // A restart of a reopening's execution that stopped after recording the reopening (its
  // checkpoint still holds it) finds the new cycle in the stored log: it is not started twice.
  if (target && !isSlaClockOpen(run.log, run.policy, "resolution")) {
    const e: SlaEvent = { at, metric: "resolution", type: "activate", target, policyId: run.policy.policyId, reason: "request reopened after closure" };
    appendSlaEvent(run, e);
  }
  const afterRecord = (): void => {
    delete run.state.reopen;
    delete run.state.autoCloseAt;
  };
  const entry = { kind: "status-changed" as const, toStatus: "in-diagnosis" as const, summary: `Reopened by ${byWhom(reopen.actor)} after closure: ${reopen.reason}`, details: { action: "reopen", seq: reopen.seq, reason: reopen.reason, actor: reopen.actor, restarted: true } };
  yield* recordAndEmail(run, entry, { status: "in-diagnosis", message: reopen.reason, keyBase: "reopened" }, { afterRecord, slaEventsFirst: true });
}
