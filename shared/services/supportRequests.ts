/**
 * Support-request use cases behind the HTTP API: intake of a signed webhook, the partner's views
 * (list, detail) and actions (diagnosis, resolution). Every read and write is scoped by the
 * partner id of the authenticated caller (OWASP API1:2023).
 */
import {
  CaseStatuses,
  CreateSupportRequestSchema,
  DiagnosisRequestSchema,
  EventNames,
  ResolutionRequestSchema,
  type CaseStatus,
  type DiagnosisEvent,
  type ResolutionEvent,
  type SlaState,
  type SupportRequest,
  type TimelineEntry,
} from "../contracts";
import type { CaseRepository, Clock, NotificationLog, PartnerRepository, SentNotification, SupportRequestWorkflow, WorkflowStatus } from "../ports";
import { canTransition } from "../domain";
import { generateCaseId as defaultGenerateCaseId } from "./caseId";
import { ConflictError, NotFoundError, ValidationError } from "./errors";

/** Dependencies of the support-request use cases. */
export interface SupportRequestDeps {
  partners: PartnerRepository;
  cases: CaseRepository;
  notifications: NotificationLog;
  /** The workflow of the current invocation (built over its durable client). */
  workflow: SupportRequestWorkflow;
  clock: Clock;
  /** Origin of the public API, without trailing slash (config `PUBLIC_BASE_URL`). */
  publicBaseUrl: string;
  /** Case id generator (default {@link defaultGenerateCaseId}). */
  generateCaseId?: (now: Date) => string;
}

/**
 * Statuses in which a diagnosis may be recorded: the partner is diagnosing or waiting on the
 * customer, and the case was not escalated (the orchestration then waits only for a resolution).
 */
export const DiagnosisAllowedStatuses: readonly CaseStatus[] = ["received", "in-diagnosis", "awaiting-customer"];
/** Statuses in which a resolution may be recorded: those the domain lets move to `resolved` (shared/domain `canTransition`). */
export const ResolutionAllowedStatuses: readonly CaseStatus[] = CaseStatuses.filter((s) => canTransition(s, "resolved"));

/** The partner-facing URL of a case (`Location` of the 202). */
export function caseStatusUrl(publicBaseUrl: string, partnerId: string, caseId: string): string {
  return `${publicBaseUrl}/api/partners/${encodeURIComponent(partnerId)}/support-requests/${encodeURIComponent(caseId)}`;
}

/** What the intake's 202 needs. */
export interface SubmitSupportRequestResult {
  caseId: string;
  status: "received";
  /** Absolute URL of the case for the partner API (also the `Location` header). */
  statusUrl: string;
  /** ISO 8601 UTC. */
  createdAt: string;
}

/**
 * Accepts a support request from the partner's signed webhook: validates it, stores the case
 * (status `received`, channel `webhook`, first timeline entry) and only then starts its
 * orchestration (instance id = case id), so the orchestration always finds its case.
 * @param partnerId - the partner whose webhook was verified.
 * @param body - the parsed JSON body.
 * @param meta - `webhookId` of the Standard Webhooks message: recorded on the timeline and as the
 *   intake delivery, so one delivery creates at most one case.
 * @throws ValidationError when the body does not satisfy `CreateSupportRequestSchema`.
 * @throws NotFoundError when the partner does not exist.
 * @throws Error when storage or the Durable client fails. The case may then exist without a
 *   workflow; a redelivery with the same `webhookId` resumes that case (starts its orchestration)
 *   instead of creating another.
 */
export async function submitSupportRequest(deps: SupportRequestDeps, partnerId: string, body: unknown, meta: { webhookId?: string } = {}): Promise<SubmitSupportRequestResult> {
  const parsed = CreateSupportRequestSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(parsed.error.issues);
  const partner = await deps.partners.getPartner(partnerId);
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
  for (let attempt = 1; ; attempt++) {
    const caseId = gen(now);
    const sr: SupportRequest = { caseId, partnerId, channel: "webhook", ...parsed.data, status: "received", createdAt, updatedAt: createdAt };
    let stored = caseId;
    try {
      await deps.cases.createCase(sr, first, meta.webhookId ? { deliveryId: meta.webhookId } : {});
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === "CaseAlreadyExists" && attempt < 5) continue;
      // A redelivery of a webhook whose case is stored: resume it (the first attempt may have
      // failed before its orchestration started); starting is idempotent. Nothing is created twice.
      if (code !== "DeliveryAlreadyRecorded") throw e;
      stored = (e as { caseId: string }).caseId;
    }
    await deps.workflow.start(stored, partnerId);
    return { caseId: stored, status: "received", statusUrl: caseStatusUrl(deps.publicBaseUrl, partnerId, stored), createdAt };
  }
}

/** A case as listed (no description: pages stay small). */
export type SupportRequestSummary = Omit<SupportRequest, "description">;

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
}

/**
 * The partner's view of one case.
 * @throws NotFoundError when the case does not exist or belongs to another partner.
 */
export async function getSupportRequest(deps: Pick<SupportRequestDeps, "cases" | "notifications" | "workflow">, partnerId: string, caseId: string): Promise<SupportRequestDetails> {
  const sr = await deps.cases.getCase(partnerId, caseId);
  if (!sr) throw new NotFoundError(`Support request ${caseId} not found`);
  const [timeline, sent, status] = await Promise.all([deps.cases.listTimeline(partnerId, caseId), deps.notifications.listSent(partnerId, caseId), deps.workflow.getStatus(caseId)]);
  return {
    case: sr,
    timeline,
    sla: sr.sla ?? null,
    notifications: sent.map(({ notificationKey, messageId, to, subject, sentAt }) => ({ notificationKey, messageId, to, subject, sentAt })),
    orchestration: status ? toOrchestrationView(status) : null,
  };
}

function toOrchestrationView(s: WorkflowStatus): NonNullable<SupportRequestDetails["orchestration"]> {
  return { runtimeStatus: s.runtimeStatus, customStatus: s.customStatus ?? null, ...(s.createdTime ? { createdTime: s.createdTime } : {}), ...(s.lastUpdatedTime ? { lastUpdatedTime: s.lastUpdatedTime } : {}) };
}

/** Result of recording a partner action: accepted for the workflow to process. */
export interface PartnerActionResult {
  caseId: string;
  /** Which event was raised. */
  event: string;
  /** ISO 8601 UTC. */
  recordedAt: string;
  statusUrl: string;
}

async function raisePartnerEvent(deps: Pick<SupportRequestDeps, "cases" | "workflow" | "publicBaseUrl">, partnerId: string, caseId: string, allowed: readonly CaseStatus[], what: "diagnosis" | "resolution", eventName: string, payload: DiagnosisEvent | ResolutionEvent): Promise<PartnerActionResult> {
  const sr = await deps.cases.getCase(partnerId, caseId);
  if (!sr) throw new NotFoundError(`Support request ${caseId} not found`);
  if (!allowed.includes(sr.status)) throw new ConflictError(`A ${what} cannot be recorded while the request is ${sr.status} (allowed: ${allowed.join(", ")})`, sr.status);
  if (what === "diagnosis" && sr.escalation) throw new ConflictError(`The request was escalated (${sr.escalation.target}); record a resolution instead`, sr.status);
  const raised = await deps.workflow.raiseEvent(caseId, eventName, payload);
  if (!raised) throw new ConflictError(`The workflow of ${caseId} is not running, so the ${what} cannot be processed`, sr.status);
  return { caseId, event: eventName, recordedAt: payload.recordedAt, statusUrl: caseStatusUrl(deps.publicBaseUrl, partnerId, caseId) };
}

/**
 * Records the partner's diagnosis: raises `DiagnosisRecorded` with `recordedAt` on the case's
 * orchestration, which decides the transition.
 * @throws ValidationError when the body does not satisfy `DiagnosisRequestSchema`.
 * @throws NotFoundError when the case is not the partner's.
 * @throws ConflictError when the status does not allow it ({@link DiagnosisAllowedStatuses}), the case was escalated, or the workflow is not running.
 */
export async function recordDiagnosis(deps: Pick<SupportRequestDeps, "cases" | "workflow" | "clock" | "publicBaseUrl">, partnerId: string, caseId: string, body: unknown): Promise<PartnerActionResult> {
  const parsed = DiagnosisRequestSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(parsed.error.issues);
  const payload: DiagnosisEvent = { ...parsed.data, recordedAt: deps.clock.now().toISOString() };
  return raisePartnerEvent(deps, partnerId, caseId, DiagnosisAllowedStatuses, "diagnosis", EventNames.diagnosis, payload);
}

/**
 * Records the resolution: raises `ResolutionRecorded` with `recordedAt`.
 * @throws ValidationError when the body does not satisfy `ResolutionRequestSchema`.
 * @throws NotFoundError when the case is not the partner's.
 * @throws ConflictError when the status does not allow it ({@link ResolutionAllowedStatuses}) or the workflow is not running.
 */
export async function recordResolution(deps: Pick<SupportRequestDeps, "cases" | "workflow" | "clock" | "publicBaseUrl">, partnerId: string, caseId: string, body: unknown): Promise<PartnerActionResult> {
  const parsed = ResolutionRequestSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(parsed.error.issues);
  const payload: ResolutionEvent = { ...parsed.data, recordedAt: deps.clock.now().toISOString() };
  return raisePartnerEvent(deps, partnerId, caseId, ResolutionAllowedStatuses, "resolution", EventNames.resolution, payload);
}
