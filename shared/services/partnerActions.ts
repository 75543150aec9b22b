/**
 * The partner API's new case actions and the request detail's extras, with the
 * permission checks of the key's role (shared/contracts/access.ts: Partner Center roles; OWASP
 * API1:2023 object level and API5:2023 function level authorization).
 *
 * Order of checks for every action: the case must be visible to the caller (its own, or a reseller's
 * case escalated to it as the indirect provider) — else 404, never revealing it exists; then the
 * role's permission for the case's category (`actPermissionFor`) or `notes:write` — else 403; then
 * the body (400); then the case's state (409).
 *
 * Workflow actions (information request, closure, reopening) go through the durable case-action
 * inbox like diagnosis and resolution (see ./supportRequests.ts `recordCaseAction`); notes and
 * assignment are case and timeline updates only (no orchestration). Reopening a CLOSED case and
 * restarting a stopped workflow start the orchestration again for the same instance id
 * (./workflowRecovery.ts).
 */
import { randomUUID } from "node:crypto";
import {
  WorkflowRestartBodySchema,
  actPermissionFor,
  AssignmentBodySchema,
  ClosureBodySchema,
  InformationRequestBodySchema,
  NoteBodySchema,
  ReopeningBodySchema,
  type ActionResult,
  type Actor,
  type CaseActionRecord,
  type CaseEmail,
  type CaseStatus,
  type SupportRequest,
  type SupportRequestDetailResponse,
  type TimelineEntry,
  isTerminalRuntimeStatus,
  isCaseInboxClosed,
  actionSignalOf,
  EventNames,
} from "../contracts";
import type { SentNotification } from "../ports";
import { allowedStatusesOf } from "../domain";
import type { ApiPrincipal } from "./apiKeys";
import { requirePermission } from "./apiKeys";
import { ClosedMeanwhileError, ConflictError, NotFoundError, parseInput } from "./errors";
import {
  getSupportRequest,
  readSupportRequest,
  recordCaseAction,
  recordDiagnosis,
  recordResolution,
  recordUpdate,
  requestEscalation,
  resolveCaseAccess,
  type CaseAccess,
  type CaseAccessGuard,
  type CaseActionDeps,
  type PartnerActionResult,
  type SupportRequestDeps,
} from "./supportRequests";
import { caseStatusUrl } from "./statusLinks";
import { recordWorkflowHealth, restartWorkflow } from "./workflowRecovery";

/** The guard of an action on a case: the role's act permission for the case's category (403 otherwise). */
export function actGuard(principal: ApiPrincipal): CaseAccessGuard {
  return (access) => requirePermission(principal, actPermissionFor(access.case.category));
}

async function visibleCase(deps: Pick<SupportRequestDeps, "cases" | "partners">, principal: ApiPrincipal, caseId: string): Promise<CaseAccess> {
  const access = await resolveCaseAccess(deps, principal.partnerId, caseId);
  if (!access) throw new NotFoundError(`Support request ${caseId} not found`);
  return access;
}

function toResult(r: PartnerActionResult): ActionResult {
  // Partner actions are never customer replies (those come from email intake).
  return { caseId: r.caseId, action: r.action === "customer-reply" ? "update" : r.action, seq: r.seq, event: r.event, recordedAt: r.recordedAt, statusUrl: r.statusUrl };
}

/** Diagnosis with the role's act permission (see ./supportRequests.ts `recordDiagnosis`). */
export async function diagnoseAs(deps: CaseActionDeps, principal: ApiPrincipal, caseId: string, body: unknown): Promise<ActionResult> {
  return toResult(await recordDiagnosis(deps, principal.partnerId, caseId, body, actGuard(principal)));
}

/** Resolution with the role's act permission (see ./supportRequests.ts `recordResolution`). */
export async function resolveAs(deps: CaseActionDeps, principal: ApiPrincipal, caseId: string, body: unknown): Promise<ActionResult> {
  return toResult(await recordResolution(deps, principal.partnerId, caseId, body, actGuard(principal)));
}

/** Progress update with the role's act permission (see ./supportRequests.ts `recordUpdate`). */
export async function updateAs(deps: CaseActionDeps, principal: ApiPrincipal, caseId: string, body: unknown): Promise<ActionResult> {
  return toResult(await recordUpdate(deps, principal.partnerId, caseId, body, actGuard(principal)));
}

/** Escalation now with the role's act permission (see ./supportRequests.ts `requestEscalation`). */
export async function escalateAs(deps: CaseActionDeps, principal: ApiPrincipal, caseId: string, body: unknown): Promise<ActionResult> {
  return toResult(await requestEscalation(deps, principal.partnerId, caseId, body, actGuard(principal)));
}

/**
 * `POST …/information-requests {message}`: asks the customer for information. The workflow emails
 * the message, moves the case to awaiting-customer and pauses the clocks per the SLA policy.
 * @throws NotFoundError, ForbiddenError, ValidationError, ConflictError (not received/in-diagnosis/awaiting-customer, or the workflow is not running).
 */
export async function requestInformation(deps: CaseActionDeps, principal: ApiPrincipal, caseId: string, body: unknown): Promise<ActionResult> {
  const access = await visibleCase(deps, principal, caseId);
  actGuard(principal)(access);
  const b = parseInput(InformationRequestBodySchema, body);
  return toResult(await recordCaseAction(deps, principal.partnerId, caseId, { type: "information-request", message: b.message }, { guard: actGuard(principal) }));
}

/**
 * `POST …/closure {reason?}`: closes a resolved request now (the lifecycle closes only resolved
 * requests); the workflow cancels its timers, records it and emails the customer.
 * @throws NotFoundError, ForbiddenError, ValidationError, ConflictError (not resolved, or the workflow is not running).
 */
export async function closeCase(deps: CaseActionDeps, principal: ApiPrincipal, caseId: string, body: unknown): Promise<ActionResult> {
  const access = await visibleCase(deps, principal, caseId);
  actGuard(principal)(access);
  const b = parseInput(ClosureBodySchema, body ?? {});
  return toResult(await recordCaseAction(deps, principal.partnerId, caseId, { type: "close", ...(b.reason !== undefined ? { reason: b.reason } : {}) }, { guard: actGuard(principal) }));
}

/**
 * `POST …/reopening {reason}`: reopens a resolved request (within the auto-close period: the
 * running workflow moves it back to in-diagnosis and resumes the resolution clock) or a closed one
 * (the completed workflow is started again for the same instance id from its output checkpoint,
 * reopening first: ./workflowRecovery.ts `restartWorkflow`; a workflow of revision 6 on that is
 * still sending its last emails takes it in place). See {@link reopenAs}.
 * @throws NotFoundError, ForbiddenError, ValidationError, ConflictError (not resolved or closed; the caller is the indirect provider; the workflow cannot take it; the customer's personal data was erased).
 */
export async function reopenCase(deps: CaseActionDeps & Pick<SupportRequestDeps, "notifications">, principal: ApiPrincipal, caseId: string, body: unknown): Promise<ActionResult> {
  const access = await visibleCase(deps, principal, caseId);
  actGuard(principal)(access);
  const b = parseInput(ReopeningBodySchema, body);
  const sr = access.case;
  if (access.role !== "owner") throw new ConflictError("As the indirect provider of this request you can record a resolution or an escalation; a reopening is the reseller's to record", sr.status);
  return reopenAs(deps, sr, b.reason, { kind: "partner", partnerId: principal.partnerId });
}

/**
 * Reopens a resolved case (an inbox action the running workflow takes) or a closed one, for the
 * given actor (the owning partner, or the customer on the status page). Access was checked by the
 * caller. A closed case's workflow that is still running (sending its last emails) takes the
 * reopening in place from revision 6 on, unless it has closed its inbox; one that closed its inbox
 * is waited for (at most 2 s) and, once completed, started again for the same instance id,
 * reopening first. A resolved case closed meanwhile (the inbox refused the action) goes the
 * closed case's way.
 * @throws ConflictError when the case is neither resolved nor closed, the personal data was
 *   erased, the workflow is suspended, or it is still finishing the closure after the wait (retry).
 */
export async function reopenAs(deps: CaseActionDeps & Pick<SupportRequestDeps, "notifications">, sr: SupportRequest, reason: string, actor: Actor): Promise<ActionResult> {
  const caseId = sr.caseId;
  const allowed = allowedStatusesOf("reopen");
  if (!allowed.includes(sr.status)) throw new ConflictError(`A reopening cannot be recorded while the request is ${sr.status} (allowed: ${allowed.join(", ")})`, sr.status);
  refuseErased(sr);
  if (sr.status === "resolved") {
    try {
      return toResult(await recordCaseAction(deps, sr.partnerId, caseId, { type: "reopen", reason }, { authorised: actor }));
    } catch (e) {
      // Closed meanwhile: the workflow closed the inbox as it completed; reopen the closed case below.
      if (!(e instanceof ClosedMeanwhileError)) throw e;
    }
  }
  // Closed: the orchestration completed, or is finishing the closure (its last emails, its inbox).
  let status = await deps.workflow.getStatus(caseId, { includeInputAndOutput: true });
  if (status && (status.runtimeStatus === "Running" || status.runtimeStatus === "Pending") && takesReopeningWhenClosed(status.input)) {
    // From revision 6 the finishing execution takes the reopening itself, unless it has closed its inbox.
    const taken = await reopenFinishingWorkflow(deps, sr, reason, actor);
    if (taken) return taken;
  }
  if (status && !isTerminalRuntimeStatus(status.runtimeStatus) && status.runtimeStatus !== "Suspended") status = await untilEnded(deps, caseId);
  if (status && !isTerminalRuntimeStatus(status.runtimeStatus)) {
    throw new ConflictError(`The workflow of ${caseId} is ${status.runtimeStatus === "Suspended" ? "suspended by an operator" : "still finishing the closure; retry in a few seconds"}`, sr.status);
  }
  // Start it again (same instance id). Appended to the closed inbox, which this opens again: the
  // restarted execution starts from it.
  const record = await deps.inbox.append(sr.partnerId, caseId, { type: "reopen", reason }, actor, { reopen: true });
  const outcome = await restartWorkflow(deps, sr, { kind: "reopen", reason, seq: record.seq, requestedAt: record.recordedAt, actor });
  if (!outcome.restarted) throw new ConflictError(`The workflow of ${caseId} is running again already`, sr.status);
  return { caseId, action: "reopen", seq: record.seq, event: "restarted", recordedAt: record.recordedAt, statusUrl: caseStatusUrl(deps.publicBaseUrl, sr.partnerId, caseId) };
}

/** How long a reopening waits for a workflow that closed its inbox to complete, and how often it looks (ms). */
const FINISHING_WAIT = { totalInMs: 2_000, everyInMs: 200 } as const;

/**
 * Whether the execution that `input` started closes its inbox before it completes and reopens a
 * closed case in place (workflow revision 6 on; shared/contracts `WorkflowRevisions`).
 */
function takesReopeningWhenClosed(input: unknown): boolean {
  const revision = (input as { revision?: unknown } | null | undefined)?.revision;
  return typeof revision === "number" && revision >= 6;
}

/**
 * Hands a reopening of a closed case to its still-running execution (revision 6 on: it is sending
 * its last emails or closing its inbox, and reopens the case in place). An execution that ended
 * between the status read and the raise (failed, terminated) is started again and drains it.
 * @returns the result, or undefined when the execution had closed its inbox (it is completing:
 *   the caller waits for it and restarts it).
 */
async function reopenFinishingWorkflow(deps: CaseActionDeps & Pick<SupportRequestDeps, "notifications">, sr: SupportRequest, reason: string, actor: Actor): Promise<ActionResult | undefined> {
  let record: CaseActionRecord;
  try {
    record = await deps.inbox.append(sr.partnerId, sr.caseId, { type: "reopen", reason }, actor);
  } catch (e) {
    if (isCaseInboxClosed(e)) return undefined;
    throw e;
  }
  const result = { caseId: sr.caseId, action: "reopen" as const, seq: record.seq, recordedAt: record.recordedAt, statusUrl: caseStatusUrl(deps.publicBaseUrl, sr.partnerId, sr.caseId) };
  if (await deps.workflow.raiseEvent(sr.caseId, EventNames.actionsAvailable, actionSignalOf(record))) return { ...result, event: EventNames.actionsAvailable };
  const outcome = await restartWorkflow(deps, sr, { kind: "recover", reason: "a reopening arrived while the workflow was ending", requestedAt: record.recordedAt, actor, attempt: (sr.workflow?.attempts ?? 0) + 1 });
  return { ...result, event: outcome.restarted ? "restarted" : EventNames.actionsAvailable };
}

/**
 * The workflow's status once it has ended, read every {@link FINISHING_WAIT} `everyInMs` for at
 * most `totalInMs` (an execution that closed its inbox completes within an episode or two);
 * the last status read when it has not.
 */
async function untilEnded(deps: Pick<CaseActionDeps, "workflow">, caseId: string): Promise<Awaited<ReturnType<CaseActionDeps["workflow"]["getStatus"]>>> {
  let status = await deps.workflow.getStatus(caseId);
  for (let waited = 0; status && !isTerminalRuntimeStatus(status.runtimeStatus) && waited < FINISHING_WAIT.totalInMs; waited += FINISHING_WAIT.everyInMs) {
    await new Promise((r) => setTimeout(r, FINISHING_WAIT.everyInMs));
    status = await deps.workflow.getStatus(caseId);
  }
  return status;
}

/**
 * `POST …/workflow-restart {reason?}`: restarts the stopped workflow of a request (failed,
 * terminated, or given up by the sweeper) from its last checkpoint: permission `workflow:restart`
 * (global admin, admin agent), the owner only. Resets the count of automatic restarts; recorded on
 * the timeline with the key that asked.
 * @throws NotFoundError, ForbiddenError, ValidationError, ConflictError (the workflow is running or
 *   suspended; the request is closed with nothing left to send — reopen it instead).
 */
export async function restartWorkflowAs(deps: CaseActionDeps & Pick<SupportRequestDeps, "notifications">, principal: ApiPrincipal, caseId: string, body: unknown): Promise<ActionResult> {
  const access = await visibleCase(deps, principal, caseId);
  requirePermission(principal, "workflow:restart");
  const b = parseInput(WorkflowRestartBodySchema, body ?? {});
  const sr = access.case;
  if (access.role !== "owner") throw new ConflictError("As the indirect provider of this request you cannot restart its workflow; the reseller can", sr.status);
  const at = deps.clock.now().toISOString();
  const reason = b.reason ?? "restarted by the partner";
  const actor: Actor = { kind: "partner", partnerId: principal.partnerId };
  const current = await deps.workflow.getStatus(caseId);
  const refusal = current?.runtimeStatus === "Running" || current?.runtimeStatus === "Pending" ? "is running" : current?.runtimeStatus === "Suspended" ? "is suspended by an operator" : current?.runtimeStatus === "Completed" ? "has completed (the request is closed: reopen it instead)" : undefined;
  if (refusal) throw new ConflictError(`The workflow of ${caseId} ${refusal}; nothing to restart`, sr.status);
  // Marked before the start: the restarted execution marks itself running when it begins.
  const entryId = `workflow-restart-requested-${at}`;
  await recordWorkflowHealth(deps.cases, sr, { state: "restarting", since: at, reason, attempts: 0 }, { entryId, kind: "workflow", at, summary: `Workflow restart requested (${reason}); it ended ${current?.runtimeStatus ?? "without an instance"}.`, details: { by: { keyId: principal.keyId, role: principal.role }, previousRuntimeStatus: current?.runtimeStatus ?? "NotFound" } });
  const outcome = await restartWorkflow(deps, sr, { kind: "recover", reason, requestedAt: at, actor, attempt: 1 });
  if (!outcome.restarted) throw new ConflictError(`The workflow of ${caseId} was started by someone else meanwhile (${outcome.runtimeStatus})`, sr.status);
  return { caseId, action: "workflow-restart", entryId, event: "restarted", recordedAt: at, statusUrl: caseStatusUrl(deps.publicBaseUrl, principal.partnerId, caseId) };
}

/**
 * Refuses to add to a request whose customer's personal data was erased (retention): nothing would
 * erase what is added later. 409.
 * @throws ConflictError when `personalDataErasedAt` is set.
 */
function refuseErased(sr: { status: CaseStatus; personalDataErasedAt?: string }): void {
  if (sr.personalDataErasedAt !== undefined) throw new ConflictError(`The customer's personal data of this request was erased on ${sr.personalDataErasedAt} (the partner's retention period); it cannot be reopened or added to: open a new request`, sr.status);
}

/**
 * `POST …/notes {text}`: an internal note on the timeline (kind `internal-note`), never emailed.
 * Permission `notes:write`; any status but erased; the owner or the indirect provider of an escalated case.
 * @throws NotFoundError, ForbiddenError, ValidationError, ConflictError (the customer's personal data was erased).
 */
export async function addNote(deps: Pick<SupportRequestDeps, "cases" | "partners" | "clock" | "publicBaseUrl">, principal: ApiPrincipal, caseId: string, body: unknown): Promise<ActionResult> {
  const access = await visibleCase(deps, principal, caseId);
  requirePermission(principal, "notes:write");
  const b = parseInput(NoteBodySchema, body);
  refuseErased(access.case);
  const at = deps.clock.now().toISOString();
  const entryId = `note-${randomUUID()}`;
  const summary = b.text.length > 200 ? `${b.text.slice(0, 197)}…` : b.text;
  await deps.cases.appendTimeline(access.case.partnerId, caseId, { entryId, kind: "internal-note", at, summary, details: { text: b.text, internal: true, author: { partnerId: principal.partnerId, keyId: principal.keyId, role: principal.role } } });
  return { caseId, action: "note", entryId, recordedAt: at, statusUrl: caseStatusUrl(deps.publicBaseUrl, principal.partnerId, caseId) };
}

/**
 * `POST …/assignment {assignee}`: who works the request (null unassigns); a case update with a
 * timeline entry (kind `assigned`). The owner only (409 for the indirect provider); not once closed (409).
 * @throws NotFoundError, ForbiddenError, ValidationError, ConflictError.
 */
export async function assignCase(deps: Pick<SupportRequestDeps, "cases" | "partners" | "clock" | "publicBaseUrl">, principal: ApiPrincipal, caseId: string, body: unknown): Promise<ActionResult> {
  const access = await visibleCase(deps, principal, caseId);
  actGuard(principal)(access);
  const b = parseInput(AssignmentBodySchema, body);
  const sr = access.case;
  if (access.role !== "owner") throw new ConflictError("As the indirect provider of this request you can record a resolution or an escalation; an assignment is the reseller's to record", sr.status);
  if (sr.status === "closed") throw new ConflictError("A closed request cannot be assigned", sr.status);
  const at = deps.clock.now().toISOString();
  const entryId = `assign-${randomUUID()}`;
  const previous = sr.assignee ?? null;
  const entry: TimelineEntry = { entryId, kind: "assigned", at, summary: b.assignee === null ? `Unassigned (was ${previous ?? "nobody"}).` : `Assigned to ${b.assignee}.`, details: { assignee: b.assignee, previous, by: { keyId: principal.keyId, role: principal.role } } };
  await deps.cases.updateCase(sr.partnerId, caseId, entry, (current) => {
    if ((current.assignee ?? null) === b.assignee) return undefined;
    const next = { ...current };
    if (b.assignee === null) delete next.assignee;
    else next.assignee = b.assignee;
    return next;
  });
  return { caseId, action: "assignment", entryId, recordedAt: at, statusUrl: caseStatusUrl(deps.publicBaseUrl, principal.partnerId, caseId) };
}

/**
 * The emails of a case with their delivery state: each logged notification is `sent` — or
 * `bounced` when a permanent bounce (`undeliverableEmails` with source `bounce`) names its
 * Message-ID (or, without one, its address after it was sent) — `pending` (retried by the workflow)
 * or `failed` with the reason; each `email-skipped-<key>` timeline note is `skipped`.
 */
export function caseEmails(sr: SupportRequestDetailResponse["case"], sent: ReadonlyArray<Pick<SentNotification, "notificationKey" | "messageId" | "to" | "subject" | "sentAt" | "state" | "fault" | "attempts" | "nextAttemptAt">>, timeline: readonly TimelineEntry[]): CaseEmail[] {
  const bounces = (sr.undeliverableEmails ?? []).filter((b) => (b.source ?? "bounce") === "bounce");
  const out: CaseEmail[] = sent.map((n) => {
    const base = { notificationKey: n.notificationKey, to: n.to, at: n.sentAt, ...(n.messageId ? { messageId: n.messageId } : {}), ...(n.subject ? { subject: n.subject } : {}) };
    if (n.state === "pending" || n.state === "failed") {
      return { ...base, state: n.state, ...(n.fault ? { reason: `${n.fault.code}: ${n.fault.message}` } : {}), ...(n.attempts !== undefined ? { attempts: n.attempts } : {}), ...(n.state === "pending" && n.nextAttemptAt ? { nextAttemptAt: n.nextAttemptAt } : {}) };
    }
    const bounce = bounces.find((b) => (b.messageId !== undefined ? b.messageId === n.messageId : n.to.some((t) => t.toLowerCase() === b.address.toLowerCase()) && b.at >= n.sentAt));
    return { ...base, state: bounce ? "bounced" : "sent", ...(bounce ? { reason: `permanent bounce${bounce.status ? ` ${bounce.status}` : ""} of ${bounce.address}` } : {}) };
  });
  for (const e of timeline) {
    if (!e.entryId.startsWith("email-skipped-")) continue;
    const key = typeof e.details?.notificationKey === "string" ? e.details.notificationKey : e.entryId.slice("email-skipped-".length);
    out.push({ notificationKey: key, to: [sr.customer.email], at: e.at, state: "skipped", reason: e.summary });
  }
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/**
 * `GET …/support-requests/{caseId}` for a principal (permission `requests:read`): the detail of
 * ./supportRequests.ts `getSupportRequest` plus `emails` (with delivery states), `assignee` and
 * `lastUpdatedAt` (the latest of the case, its timeline and its orchestration).
 * @throws NotFoundError when the caller may not see the case; ForbiddenError without `requests:read`.
 */
export async function getSupportRequestForPrincipal(deps: Parameters<typeof getSupportRequest>[0], principal: ApiPrincipal, caseId: string): Promise<Omit<SupportRequestDetailResponse, "attachments">> {
  const { details, sent } = await readSupportRequest(deps, principal.partnerId, caseId);
  requirePermission(principal, "requests:read");
  const instants = [details.case.updatedAt, details.timeline.at(-1)?.at, details.orchestration?.lastUpdatedTime].filter((v): v is string => typeof v === "string" && !Number.isNaN(Date.parse(v)));
  const lastUpdatedAt = new Date(Math.max(...instants.map((v) => Date.parse(v)))).toISOString();
  return {
    ...details,
    emails: caseEmails(details.case, sent, details.timeline),
    assignee: details.case.assignee ?? null,
    lastUpdatedAt,
  } as Omit<SupportRequestDetailResponse, "attachments">;
}
