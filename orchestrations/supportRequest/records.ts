/**
 * What the orchestration leaves behind, each through one activity: timeline entries (with status
 * changes), customer status emails, partner notifications and the SLA events of the generation.
 * Entry ids and notification keys are deterministic counters in the carry state, so a retried or
 * replayed activity writes the same row or is deduplicated by its key.
 */
import {
  SupportRequestActivities,
  type ActivityResult,
  type CaseActionRecord,
  type CaseStatus,
  type NotifyPartnerInput,
  type PartnerNotice,
  type RecordSlaEventsInput,
  type RecordTransitionInput,
  type RecordTransitionResult,
  type SendStatusEmailInput,
  type SendStatusEmailResult,
} from "../../shared/contracts";
import { canTransition } from "../../shared/domain";
import { deliver, deliversAtOnce, settleFirstAttempt } from "./outbox";
import { applySla, recordableSlaEvents, slaSummary } from "./slaClocks";
import { attemptTogether, now, requireActivity, type ActivityCall, type LoggedSlaEvent, type Orchestration, type Run } from "./run";

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
 * A timeline entry to record (and optionally a status change): see {@link record}. `entryId`: an id
 * of its own (derived from the entry's cause), else the next of the counter.
 */
export type RecordEntry = Pick<RecordTransitionInput, "kind" | "summary" | "toStatus" | "details" | "patch"> & { entryId?: string };

/**
 * The entry id of a timeline entry an SLA clock or a timer causes, from workflow revision 8
 * (`causedEntryId`): derived from its cause, so it is the same whenever a restart derives the entry
 * again and it takes no number of the counter, whose entries (the inbox actions') then keep theirs
 * whatever the order a restart meets them in. Before revision 8: none (the counter's next).
 * @param cause - e.g. `sla-breached-first-response-2026-03-02T09:00:00.000Z`.
 */
export function causedEntryId(run: Run, cause: string): { entryId?: string } {
  return run.revision >= 8 ? { entryId: cause } : {};
}

/** Options of {@link recordAndEmail} and {@link changeStatusAndEmail}. */
export interface TransitionOptions {
  /** Runs once the transition is recorded (state changes of the workflow itself; no activity). */
  afterRecord?: () => void;
  /** Sequential order only (before revision 5): store the SLA events not yet stored before the email. */
  slaEventsFirst?: boolean;
  /** When the SLA clocks take the status change (ISO 8601 UTC; default: the orchestration's now). */
  slaAt?: string;
}

/** A customer status email: the status it tells, the partner's message, the notification key's base (default: the status). */
export interface StatusEmail {
  status: CaseStatus;
  message?: string;
  keyBase?: string;
}

/**
 * Records a timeline entry (and optionally a status change) through RecordCaseTransition, under
 * the next deterministic entry id, or `entryId` when given (an id of its own, not counted). From
 * workflow revision 2 it also stores the SLA events not yet recorded (`slaEvents`).
 */
export function* record(run: Run, entry: RecordEntry): Orchestration<void> {
  const transition = transitionOf(run, entry);
  yield* requireActivity(run, SupportRequestActivities.recordTransition, transition.input);
  recorded(run, entry, transition.carried);
}

/** The RecordCaseTransition input of an entry (taking the next entry id) and the SLA events it carries. */
function transitionOf(run: Run, entry: RecordEntry): { input: RecordTransitionInput; carried?: LoggedSlaEvent[] } {
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
  const recordable = recordableSlaEvents(run);
  const carried = run.revision >= 2 && recordable.length > 0 ? recordable : undefined;
  if (carried) input.slaEvents = carried;
  return carried ? { input, carried } : { input };
}

/** What a recorded entry changes in the run: the SLA events it carried are stored, its status is the case's. */
function recorded(run: Run, entry: RecordEntry, carried: LoggedSlaEvent[] | undefined): void {
  if (carried) run.unrecorded = run.unrecorded.filter((e) => !carried.includes(e));
  if (entry.toStatus) run.state.status = entry.toStatus;
}

/** The SendStatusEmail input of a status email (taking the next notification key). */
function statusEmailOf(run: Run, email: StatusEmail): SendStatusEmailInput {
  const input: SendStatusEmailInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, notificationKey: notificationKey(run, email.keyBase ?? email.status), status: email.status };
  if (email.message !== undefined) input.message = email.message;
  // The acknowledgement states when the first response is due: from the workflow's own clocks,
  // so the activity need not read the SLA log back.
  if (email.status === "received") {
    const respondBy = slaSummary(run).firstResponseDueAt;
    if (respondBy !== undefined) input.respondBy = respondBy;
  }
  return input;
}

/**
 * Sends the customer the status email of `status` (with the partner's `message`, if any), once per
 * notification key: `keyBase`, then `keyBase-2`, … (defaults to the status). Through the outbox: a
 * failure never holds the case up (outbox.ts).
 */
export function* emailCustomer(run: Run, status: CaseStatus, message?: string, keyBase: string = status): Orchestration<void> {
  yield* deliver(run, SupportRequestActivities.sendStatusEmail, statusEmailOf(run, { status, ...(message !== undefined ? { message } : {}), keyBase }));
}

/**
 * Records an entry (a status change, mostly) and emails the customer about it.
 *
 * From workflow revision 5, when the email goes out at once (no earlier email of the case waits in
 * the outbox), RecordCaseTransition and SendStatusEmail are scheduled in the same episode and run
 * side by side (`attemptTogether`, run.ts): a status change takes the slower activity's time
 * instead of both (and one episode less when both answers arrive together). They touch nothing of
 * each other's: the email reads the case's contact facts and the partner, which no transition
 * changes, and appends its own timeline entry. Each outcome is then handled as on its own: a transition that
 * failed is retried per its policy (past it the orchestration fails and is restarted from its
 * checkpoint, where the email's notification key finds it already sent), an email that failed goes
 * through the outbox. Before revision 5, or behind a waiting email, the transition is recorded
 * first, then (with `slaEventsFirst`, the SLA events not yet stored: revision 1 records them on
 * their own) the email is sent.
 * @param options - `afterRecord`: what the workflow changes in its own state once the transition is
 *   recorded (before the email in the sequential order, so executions of earlier revisions replay
 *   exactly as they ran); `slaEventsFirst`: see above.
 */
export function* recordAndEmail(run: Run, entry: RecordEntry, email: StatusEmail, options: TransitionOptions = {}): Orchestration<void> {
  if (run.revision < 5 || !deliversAtOnce(run)) {
    yield* record(run, entry);
    options.afterRecord?.();
    if (options.slaEventsFirst) yield* recordSlaEvents(run);
    yield* emailCustomer(run, email.status, email.message, email.keyBase);
    return;
  }
  const transition = transitionOf(run, entry);
  const mail = statusEmailOf(run, email);
  const [transitionResult, mailResult] = yield* attemptTogether(run, [
    { activity: SupportRequestActivities.recordTransition, input: transition.input },
    { activity: SupportRequestActivities.sendStatusEmail, input: mail },
  ] as ActivityCall[]);
  yield* requireActivity(run, SupportRequestActivities.recordTransition, transition.input, transitionResult as ActivityResult<RecordTransitionResult>);
  recorded(run, entry, transition.carried);
  options.afterRecord?.();
  yield* settleFirstAttempt(run, SupportRequestActivities.sendStatusEmail, mail, mailResult as ActivityResult<SendStatusEmailResult>);
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
export function* changeStatus(run: Run, to: CaseStatus, entry: Omit<RecordEntry, "toStatus">, slaAt = now(run)): Orchestration<boolean> {
  if (!startTransition(run, to, slaAt)) return false;
  yield* record(run, { ...entry, toStatus: to });
  return true;
}

/**
 * Moves the case to `to` (if the lifecycle allows it) and emails the customer about it
 * ({@link recordAndEmail}: side by side from revision 5). `email` defaults to the status `to`.
 * @returns false, with nothing recorded or sent, when the lifecycle does not allow the transition.
 */
export function* changeStatusAndEmail(run: Run, to: CaseStatus, entry: Omit<RecordEntry, "toStatus">, email: Partial<StatusEmail> = {}, options: TransitionOptions = {}): Orchestration<boolean> {
  if (!startTransition(run, to, options.slaAt ?? now(run))) return false;
  yield* recordAndEmail(run, { ...entry, toStatus: to }, { ...email, status: email.status ?? to }, options);
  return true;
}

/** Whether the lifecycle allows `to` from the current status; if so, the SLA clocks take the change (at `slaAt`). */
function startTransition(run: Run, to: CaseStatus, slaAt: string): boolean {
  const from = run.state.status;
  if (!canTransition(from, to)) return false;
  applySla(run, { kind: "status", from, to, at: slaAt });
  return true;
}

/** Records the SLA events not yet stored (one RecordSlaEvents call), if any. */
export function* recordSlaEvents(run: Run): Orchestration<void> {
  const events = recordableSlaEvents(run);
  if (events.length === 0) return;
  const input: RecordSlaEventsInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, events };
  yield* requireActivity(run, SupportRequestActivities.recordSlaEvents, input);
  run.unrecorded = run.unrecorded.filter((e) => !events.includes(e));
}

/**
 * What a timeline entry keeps of the inbox action it records: `action` (its type), `seq`, `actor`
 * and the action's own fields as the partner, the provider or the customer sent them (a diagnosis's
 * `outcome` and `notes`, a resolution's `summary`, an escalation request's `reason`, …). The case
 * row holds only the latest diagnosis notes and resolution summary; the timeline keeps every one.
 */
export function actionDetails(a: CaseActionRecord): Record<string, unknown> {
  return { action: a.action.type, seq: a.seq, actor: a.actor, ...a.action };
}

/** Records an action the case does not act on in its current state. */
export function* ignore(run: Run, a: CaseActionRecord, why: string, ignored: string): Orchestration<void> {
  yield* record(run, { kind: "note", summary: `Ignored a ${a.action.type} action: ${why}.`, details: { ignored, ...actionDetails(a) } });
}
