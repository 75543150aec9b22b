/**
 * Support-request use cases behind the HTTP API: intake of a signed webhook, the partner's views
 * (list, detail) and actions (diagnosis, resolution). Every read and write is scoped by the
 * partner id of the authenticated caller (OWASP API1:2023).
 */
import { createHash } from "node:crypto";
import {
  CaseUpdateBodySchema,
  CreateSupportRequestSchema,
  DiagnosisRequestSchema,
  EscalationBodySchema,
  EventNames,
  actionSignalOf,
  isCaseInboxClosed,
  ResolutionRequestSchema,
  type Actor,
  type CaseAction,
  type CaseActionRecord,
  type EscalationRecord,
  type Partner,
  type SlaClockView,
  type SlaEvent,
  type SlaMetricName,
  type SlaState,
  type SupportRequest,
  type TimelineEntry,
  isTerminalRuntimeStatus,
} from "../contracts";
import type { CaseActionInbox, CaseListItem, CaseRepository, Clock, NotificationLog, PartnerRepository, ProductSupportIncidentLedger, SentNotification, SlaEventLog, SupportRequestWorkflow, UnstartedWorkflows, WorkflowStatus } from "../ports";
import { allowedStatusesOf, computeSlaClocks, selectSlaPolicy, type CaseActionRole } from "../domain";
import { NOTIFICATION_BEING_SENT, findProductSupportIncident, newCaseContext } from "./activities";
import { generateCaseId as defaultGenerateCaseId } from "./caseId";
import { caseStatusUrl } from "./statusLinks";
import { ClosedMeanwhileError, ConflictError, DeliveryConflictError, NotFoundError, ValidationError, parseInput } from "./errors";
import { restartWorkflow, startCaseWorkflow, StoppedRuntimeStatuses } from "./workflowRecovery";

/** Dependencies of the support-request use cases. */
export interface SupportRequestDeps {
  partners: PartnerRepository;
  cases: CaseRepository;
  notifications: NotificationLog;
  /** The per-case action inbox: partner actions are appended before the workflow is signalled. */
  inbox: CaseActionInbox;
  /** SLA event logs, shown with the recomputed clocks. */
  slaEvents: SlaEventLog;
  /** Product support incidents consumed, shown on the escalation. */
  psiLedger: ProductSupportIncidentLedger;
  /** The workflow of the current invocation (built over its durable client). */
  workflow: SupportRequestWorkflow;
  /** Cases whose workflow could not be started at intake (see `startCaseWorkflow`). */
  unstartedWorkflows: UnstartedWorkflows;
  clock: Clock;
  /** Origin of the public API, without trailing slash (config `PUBLIC_BASE_URL`). */
  publicBaseUrl: string;
  /** Case id generator (default {@link defaultGenerateCaseId}). */
  generateCaseId?: (now: Date) => string;
}

/** What the intake's 202 needs. */
export interface SubmitSupportRequestResult {
  caseId: string;
  status: "received";
  /** Absolute URL of the case for the partner API (also the `Location` header). */
  statusUrl: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** The case as this call stored it; absent when a redelivery found its case stored before. */
  created?: SupportRequest;
}

/**
 * The fingerprint of a delivered webhook payload, stored with its delivery so a redelivery of the
 * same `webhook-id` can be told from a reuse of it: SHA-256 (hex) of the signed body bytes as
 * received (Standard Webhooks redeliver the same message byte for byte).
 * @param body - the raw request body.
 */
export function webhookPayloadFingerprint(body: Uint8Array | string): string {
  return createHash("sha256").update(body).digest("hex");
}

/**
 * Accepts a support request from the partner's signed webhook: validates it, stores the case
 * (status `received`, channel `webhook`, first timeline entry) and only then starts its
 * orchestration (instance id = case id), so the orchestration always finds its case.
 * @param partnerId - the partner whose webhook was verified.
 * @param body - the parsed JSON body.
 * @param meta - `webhookId` of the Standard Webhooks message: recorded on the timeline and as the
 *   intake delivery, so one delivery creates at most one case; `payloadFingerprint`
 *   ({@link webhookPayloadFingerprint}) recorded with the delivery: the same id with the same
 *   payload is the same request (its case is returned), with another payload a conflict;
 *   `partner`: the partner as the caller read it (with its webhook secrets), so it is not read again.
 * @throws ValidationError when the body does not satisfy `CreateSupportRequestSchema`.
 * @throws NotFoundError when the partner does not exist.
 * @throws DeliveryConflictError when `webhookId` created a case before from a payload with
 *   another fingerprint (deliveries recorded without a fingerprint match any payload).
 * @throws Error when storage or the Durable client fails. The case may then exist without a
 *   workflow; a redelivery with the same `webhookId` resumes that case (starts its orchestration)
 *   instead of creating another.
 */
export async function submitSupportRequest(deps: SupportRequestDeps, partnerId: string, body: unknown, meta: { webhookId?: string; payloadFingerprint?: string; partner?: Partner } = {}): Promise<SubmitSupportRequestResult> {
  const request = parseInput(CreateSupportRequestSchema, body);
  const partner = meta.partner?.id === partnerId ? meta.partner : await deps.partners.getPartner(partnerId);
  if (!partner) throw new NotFoundError(`Partner ${partnerId} not found`);
  const now = deps.clock.now();
  const createdAt = now.toISOString();
  const gen = deps.generateCaseId ?? defaultGenerateCaseId;
  const first: TimelineEntry = {
    entryId: "received",
    kind: "status-changed",
    at: createdAt,
    toStatus: "received",
    summary: "Support request received through the partner webhook",
    details: { channel: "webhook", ...(meta.webhookId ? { webhookId: meta.webhookId } : {}) },
  };
  const delivery = meta.webhookId ? { deliveryId: meta.webhookId, ...(meta.payloadFingerprint ? { deliveryFingerprint: meta.payloadFingerprint } : {}) } : {};
  for (let attempt = 1; ; attempt++) {
    const caseId = gen(now);
    const sr: SupportRequest = { caseId, partnerId, channel: "webhook", ...request, status: "received", createdAt, updatedAt: createdAt };
    let stored = caseId;
    let created: SupportRequest | undefined = sr;
    try {
      await deps.cases.createCase(sr, first, delivery);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === "CaseAlreadyExists" && attempt < 5) continue;
      // A redelivery of a webhook whose case is stored: resume it (the first attempt may have
      // failed before its orchestration started); starting is idempotent. Nothing is created twice.
      if (code !== "DeliveryAlreadyRecorded") throw e;
      const recorded = e as { caseId: string; fingerprint?: string };
      if (recorded.fingerprint && meta.payloadFingerprint && recorded.fingerprint !== meta.payloadFingerprint) throw new DeliveryConflictError(meta.webhookId ?? "", recorded.caseId);
      stored = recorded.caseId;
      created = undefined;
    }
    // A new case's orchestration starts from the facts just stored (no read back in its first step),
    // and its inbox is empty.
    if (created) deps.inbox.noteNewCase(partnerId, stored);
    const caseContext = created ? newCaseContext(created, partner) : undefined;
    await startCaseWorkflow(deps, stored, partnerId, { newCase: created !== undefined, ...(caseContext ? { caseContext } : {}) });
    return { caseId: stored, status: "received", statusUrl: caseStatusUrl(deps.publicBaseUrl, partnerId, stored), createdAt, ...(created ? { created } : {}) };
  }
}

/** A case as listed (no description: pages stay small); a reseller's case shared with its indirect provider names the reseller. */
export type SupportRequestSummary = Omit<CaseListItem, "description">;

/** A page of {@link listSupportRequests}. */
export interface SupportRequestPage {
  items: SupportRequestSummary[];
  /** Opaque; absent on the last page. */
  continuationToken?: string;
}

/**
 * Lists the partner's cases, newest first.
 * @param options - `limit` 1–100 (default 25), `continuationToken` from the previous page.
 * @throws ValidationError (source `query`) when limit or token is invalid.
 */
export async function listSupportRequests(deps: Pick<SupportRequestDeps, "cases">, partnerId: string, options: { limit?: number; continuationToken?: string } = {}): Promise<SupportRequestPage> {
  let page;
  try {
    page = await deps.cases.listCases(partnerId, options);
  } catch (e) {
    if (e instanceof RangeError) {
      const param = (e as { code?: unknown }).code === "InvalidContinuationToken" ? "continuationToken" : "limit";
      throw new ValidationError([{ code: "custom", path: [param], message: e.message, input: undefined }], "query");
    }
    throw e;
  }
  const items = page.items.map(({ description: _d, ...rest }) => rest);
  return page.continuationToken ? { items, continuationToken: page.continuationToken } : { items };
}

/** A notification as the partner sees it. */
export type NotificationView = Pick<SentNotification, "notificationKey" | "messageId" | "to" | "subject" | "sentAt">;

/**
 * How the caller may see a case: its owner, or the indirect provider a reseller's case was
 * escalated to. Anything else is "not found" (OWASP API1:2023).
 */
export type CaseAccess = { role: "owner"; case: SupportRequest } | { role: "indirect-provider"; case: SupportRequest; resellerPartnerId: string; resellerName: string };

/**
 * Resolves the caller's access to a case: the partner's own case, or a case shared with it as the
 * indirect provider. A share counts only while the reseller still names this provider and the case
 * carries an escalation (the share is written when the case is escalated to the provider).
 * @returns undefined when the caller may not see the case.
 * @throws Error when storage fails.
 */
export async function resolveCaseAccess(deps: Pick<SupportRequestDeps, "cases" | "partners">, partnerId: string, caseId: string): Promise<CaseAccess | undefined> {
  const own = await deps.cases.getCase(partnerId, caseId);
  if (own) return { role: "owner", case: own };
  const share = await deps.cases.getProviderShare(partnerId, caseId);
  if (!share) return undefined;
  const [sr, reseller] = await Promise.all([deps.cases.getCase(share.resellerPartnerId, caseId), deps.partners.getPartner(share.resellerPartnerId)]);
  if (!sr || !reseller || reseller.indirectProviderId !== partnerId || !sr.escalation) return undefined;
  return { role: "indirect-provider", case: sr, resellerPartnerId: share.resellerPartnerId, resellerName: share.resellerName };
}

/** Everything the partner sees about one case. */
export interface SupportRequestDetails {
  case: SupportRequest;
  /** Chronological. */
  timeline: TimelineEntry[];
  /** SLA targets and deadlines (ISO 8601 UTC), null before the clock started. */
  sla: SlaState | null;
  /** Emails sent for the case, oldest first. */
  notifications: NotificationView[];
  /** The orchestration, or null when none exists. */
  orchestration: { runtimeStatus: string; customStatus: unknown; createdTime?: string; lastUpdatedTime?: string } | null;
  /** Each SLA metric's clock recomputed from the log under the applicable policy at the time of the request; null when no policy applies. */
  slaClocks: Record<SlaMetricName, SlaClockView> | null;
  /** The SLA event log, oldest first. */
  slaEvents: SlaEvent[];
  /** The escalation decision (target, vehicle, reason, PSI used, Microsoft service request), or null. */
  escalation: EscalationRecord | null;
  /** For the indirect provider viewing a reseller's case: the reseller. */
  resellerPartnerId?: string;
  resellerName?: string;
}

/**
 * The partner's view of one case: its own, or a reseller's case escalated to it as the
 * indirect provider, with `resellerPartnerId`/`resellerName`. SLA clocks are recomputed from the
 * stored log (shared/domain `computeSlaClocks`) under the policy `selectSlaPolicy` picks, at the
 * clock's now.
 * @throws NotFoundError when the case does not exist or the caller may not see it.
 */
export async function getSupportRequest(deps: Pick<SupportRequestDeps, "cases" | "partners" | "notifications" | "workflow" | "slaEvents" | "psiLedger" | "clock">, partnerId: string, caseId: string): Promise<SupportRequestDetails> {
  return (await readSupportRequest(deps, partnerId, caseId)).details;
}

/**
 * {@link getSupportRequest}'s view together with the case's notifications as stored (every state,
 * oldest first), read once for both: callers that show delivery states need not read them again.
 * @returns `details` (as {@link getSupportRequest}) and `sent` (the notification log of the case).
 * @throws NotFoundError when the case does not exist or the caller may not see it.
 */
export async function readSupportRequest(deps: Pick<SupportRequestDeps, "cases" | "partners" | "notifications" | "workflow" | "slaEvents" | "psiLedger" | "clock">, partnerId: string, caseId: string): Promise<{ details: SupportRequestDetails; sent: SentNotification[] }> {
  const access = await resolveCaseAccess(deps, partnerId, caseId);
  if (!access) throw new NotFoundError(`Support request ${caseId} not found`);
  const sr = access.case;
  const owner = sr.partnerId;
  const [timeline, sent, status, log, ownerPartner] = await Promise.all([
    deps.cases.listTimeline(owner, caseId),
    deps.notifications.listSent(owner, caseId),
    deps.workflow.getStatus(caseId),
    deps.slaEvents.list(owner, caseId),
    deps.partners.getPartner(owner),
  ]);
  const psi = sr.escalation?.vehicle === "product-support-incidents" && !sr.escalation.productSupportIncident ? await findProductSupportIncident(deps.psiLedger, ownerPartner, owner, caseId) : undefined;
  const slaEvents: SlaEvent[] = log.map(({ eventId: _id, ...event }) => event);
  const policy = ownerPartner ? selectSlaPolicy(ownerPartner, { customerTenantId: sr.customer.tenantId, product: sr.product, category: sr.category, severity: sr.severity, channel: sr.channel }) : undefined;
  const escalation = sr.escalation ? { ...sr.escalation, ...(psi ? { productSupportIncident: psi } : {}) } : null;
  const details: SupportRequestDetails = {
    case: sr,
    timeline,
    sla: sr.sla ?? null,
    // As logged, less the notifications being sent right now (claimed by their first attempt: no
    // recipients or subject yet), which this list never showed; `emails` shows them as pending.
    notifications: sent.filter((n) => !(n.state === "pending" && n.fault?.code === NOTIFICATION_BEING_SENT)).map(({ notificationKey, messageId, to, subject, sentAt }) => ({ notificationKey, messageId, to, subject, sentAt })),
    orchestration: status ? toOrchestrationView(status) : null,
    slaClocks: policy ? computeSlaClocks(slaEvents, policy, deps.clock.now().toISOString()) : null,
    slaEvents,
    escalation,
    ...(access.role === "indirect-provider" ? { resellerPartnerId: access.resellerPartnerId, resellerName: access.resellerName } : {}),
  };
  return { details, sent };
}

function toOrchestrationView(s: WorkflowStatus): NonNullable<SupportRequestDetails["orchestration"]> {
  return { runtimeStatus: s.runtimeStatus, customStatus: s.customStatus ?? null, ...(s.createdTime ? { createdTime: s.createdTime } : {}), ...(s.lastUpdatedTime ? { lastUpdatedTime: s.lastUpdatedTime } : {}) };
}

/** Result of recording a case action: in the inbox, and the workflow signalled to read it. */
export interface PartnerActionResult {
  caseId: string;
  /** The action type recorded (`diagnosis`, `update`, `resolution`, `escalate`; `information-request`, `close`, `reopen`). */
  action: CaseAction["type"];
  /** Its position in the case's action inbox. */
  seq: string;
  /** The event raised on the workflow (`CaseActionsAvailable`). */
  event: string;
  /** ISO 8601 UTC. */
  recordedAt: string;
  statusUrl: string;
}

/** Body of `POST …/{caseId}/updates`: a progress update to the customer (the contract's `CaseUpdateBodySchema`). */
export const CaseUpdateRequestSchema = CaseUpdateBodySchema;
/** Body of `POST …/{caseId}/escalation`: escalate now, with a reason (the contract's `EscalationBodySchema`). */
export const EscalationRequestSchema = EscalationBodySchema;

/** A check of the caller's permission on the case it may see (throws ForbiddenError). */
export type CaseAccessGuard = (access: CaseAccess) => void;

/**
 * How a case action was authorised, always explicit: by a partner API key, whose permission on
 * the case `guard` checks once the case is visible to it (the actor is the key's partner, or the
 * indirect provider); or by the caller before the call, for `actor` (the customer holding the case's
 * status link, the partner whose key its caller already checked).
 */
export type CaseActionAuthority = { guard: CaseAccessGuard } | { authorised: Actor };

/** What {@link recordCaseAction} needs. */
export type CaseActionDeps = Pick<SupportRequestDeps, "cases" | "partners" | "inbox" | "workflow" | "clock" | "publicBaseUrl" | "notifications" | "slaEvents">;
type Deps = CaseActionDeps;

/**
 * Records a case action: checks access, the case status and the workflow's status (read together
 * with the case: the instance id is the case id), appends the action to the case's
 * inbox (so it survives any signal), then raises `CaseActionsAvailable` on the workflow with the
 * appended record (`actionSignalOf`: the workflow takes the next record in order from the signal
 * and reads the inbox for anything else). When the workflow of the case stopped (failed,
 * terminated, never started), it is restarted from its checkpoint instead (./workflowRecovery.ts)
 * and drains the inbox with this action: the answer's `event` is then `restarted`.
 * @param authority - how the action was authorised ({@link CaseActionAuthority}): a key's guard, or
 *   the actor its caller authorised (the customer on the status page reaches the case through the
 *   owner's id).
 * @throws NotFoundError when the caller may not see the case.
 * @throws ForbiddenError when the key's guard refuses it.
 * @throws ConflictError when the status (or the caller's role) does not allow the action, or the
 *   workflow cannot take it (completed, suspended, or given up by the recovery sweeper).
 */
export async function recordCaseAction(deps: Deps, partnerId: string, caseId: string, action: CaseAction, authority: CaseActionAuthority): Promise<PartnerActionResult> {
  // The workflow's instance id is the case id, so its status is read while the case is: one round
  // trip fewer. The read's answer, and its failure, count only once the caller may see the case and
  // the status allows the action (a case not found stays a 404 whatever the Durable API did).
  const statusRead = deps.workflow.getStatus(caseId);
  statusRead.catch(() => undefined); // awaited below, or not needed (the case is not the caller's)
  const access = await resolveCaseAccess(deps, partnerId, caseId);
  if (!access) throw new NotFoundError(`Support request ${caseId} not found`);
  // The key's permission on this case (403), checked only once the case is visible to it.
  if ("guard" in authority) authority.guard(access);
  const actor = "authorised" in authority ? authority.authorised : undefined;
  const sr = access.case;
  const what = action.type === "escalate" ? "escalation" : action.type;
  const role: CaseActionRole = access.role === "indirect-provider" ? "indirect-provider" : "owner";
  const allowed = allowedStatusesOf(action.type, role);
  if (role === "indirect-provider" && allowed.length === 0) throw new ConflictError(`As the indirect provider of this request you can record a resolution or an escalation; a ${what} is the reseller's to record`, sr.status);
  if (!allowed.includes(sr.status)) throw new ConflictError(`A ${what} cannot be recorded while the request is ${sr.status} (allowed: ${allowed.join(", ")})`, sr.status);
  if (access.role === "owner" && action.type === "diagnosis" && sr.escalation) throw new ConflictError(`The request was escalated (${sr.escalation.target}); record a resolution instead`, sr.status);
  const status = await statusRead;
  const stopped = !status || StoppedRuntimeStatuses.includes(status.runtimeStatus);
  // A stopped workflow of an open case is restarted with the action in its inbox (it drains the
  // inbox first); one the sweeper gave up on waits for a deliberate restart.
  if ((stopped && sr.workflow?.state === "gave-up") || (!stopped && isTerminalRuntimeStatus(status.runtimeStatus)) || status?.runtimeStatus === "Suspended") {
    throw new ConflictError(`The workflow of ${caseId} is not running (${sr.workflow?.state === "gave-up" ? "automatic restarts gave up: restart it with POST …/workflow-restart" : (status?.runtimeStatus ?? "no instance")}), so the ${what} cannot be processed`, sr.status);
  }
  const by: Actor = actor ?? (access.role === "owner" ? { kind: "partner", partnerId } : { kind: "indirect-provider", partnerId });
  let record: CaseActionRecord;
  try {
    record = await deps.inbox.append(sr.partnerId, caseId, action, by);
  } catch (e) {
    // The workflow closed the case's inbox after the case was read: it is completing, the case closed.
    if (isCaseInboxClosed(e)) throw new ClosedMeanwhileError(what);
    throw e;
  }
  if (stopped) {
    const at = deps.clock.now().toISOString();
    const reason = `a ${what} arrived while the workflow was ${status?.runtimeStatus ?? "not started"}`;
    const outcome = await restartWorkflow(deps, sr, { kind: "recover", reason, requestedAt: at, actor: by, attempt: (sr.workflow?.attempts ?? 0) + 1 });
    if (outcome.restarted) return { caseId, action: action.type, seq: record.seq, event: "restarted", recordedAt: record.recordedAt, statusUrl: caseStatusUrl(deps.publicBaseUrl, partnerId, caseId) };
  }
  // A status read above as running or pending is not read again; any other (a restart that did
  // not happen because another one won, a continue-as-new in passing) is.
  const running = !stopped && (status.runtimeStatus === "Running" || status.runtimeStatus === "Pending");
  const raised = await deps.workflow.raiseEvent(caseId, EventNames.actionsAvailable, actionSignalOf(record), running ? { status } : {});
  if (!raised) throw new ConflictError(`The workflow of ${caseId} is not running, so the ${what} cannot be processed`, sr.status);
  return { caseId, action: action.type, seq: record.seq, event: EventNames.actionsAvailable, recordedAt: record.recordedAt, statusUrl: caseStatusUrl(deps.publicBaseUrl, partnerId, caseId) };
}

/**
 * Records the partner's diagnosis (`DiagnosisRequestSchema`) as a `diagnosis` action.
 * @throws ValidationError when the body is invalid.
 * @throws NotFoundError when the case is not the partner's.
 * @throws ConflictError when the status does not allow it (shared/domain `ActionAllowedStatuses`), the case was escalated, the caller is the indirect provider, or the workflow is not running.
 */
export async function recordDiagnosis(deps: Deps, partnerId: string, caseId: string, body: unknown, guard: CaseAccessGuard): Promise<PartnerActionResult> {
  const d = parseInput(DiagnosisRequestSchema, body);
  return recordCaseAction(deps, partnerId, caseId, { type: "diagnosis", outcome: d.outcome, notes: d.notes }, { guard });
}

/**
 * Records the resolution (`ResolutionRequestSchema`) as a `resolution` action; the indirect
 * provider may resolve a reseller's case escalated to it.
 * @throws ValidationError when the body is invalid.
 * @throws NotFoundError when the caller may not see the case.
 * @throws ConflictError when the status does not allow it (shared/domain `ActionAllowedStatuses`) or the workflow is not running.
 */
export async function recordResolution(deps: Deps, partnerId: string, caseId: string, body: unknown, guard: CaseAccessGuard): Promise<PartnerActionResult> {
  const r = parseInput(ResolutionRequestSchema, body);
  return recordCaseAction(deps, partnerId, caseId, { type: "resolution", summary: r.summary }, { guard });
}

/**
 * Records a progress update to the customer (`{message}`) as an `update` action (counts as a
 * response: fulfils first response, restarts next update).
 * @throws ValidationError when the body is invalid.
 * @throws NotFoundError when the case is not the partner's.
 * @throws ConflictError when the case is resolved or closed (shared/domain `ActionAllowedStatuses`), the caller is the indirect provider, or the workflow is not running.
 */
export async function recordUpdate(deps: Deps, partnerId: string, caseId: string, body: unknown, guard: CaseAccessGuard): Promise<PartnerActionResult> {
  const u = parseInput(CaseUpdateRequestSchema, body);
  return recordCaseAction(deps, partnerId, caseId, { type: "update", message: u.message }, { guard });
}

/**
 * Requests escalation now (`{reason}`) as an `escalate` action; the indirect provider escalates a
 * reseller's case escalated to it (with its own entitlements).
 * @throws ValidationError when the body is invalid.
 * @throws NotFoundError when the caller may not see the case.
 * @throws ConflictError when the status does not allow it (shared/domain `ActionAllowedStatuses`) or the workflow is not running.
 */
export async function requestEscalation(deps: Deps, partnerId: string, caseId: string, body: unknown, guard: CaseAccessGuard): Promise<PartnerActionResult> {
  const e = parseInput(EscalationRequestSchema, body);
  return recordCaseAction(deps, partnerId, caseId, { type: "escalate", reason: e.reason }, { guard });
}
