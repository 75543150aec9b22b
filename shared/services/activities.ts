/**
 * Activity implementations as factories over ports (layering rule 5, Temporal's
 * activities-dependency-injection): functions/activities.ts registers what these return.
 * Durable activities run at least once, so each one is idempotent: transitions by `entryId`,
 * emails by case and notification key (checked in the NotificationLog before sending, recorded
 * after; a crash between the two can send twice, and the deterministic Message-ID then lets mail
 * clients thread and de-duplicate the copy).
 */
import { createHash } from "node:crypto";
import {
  Products,
  type CaseActionRecord,
  type CaseContext,
  type CloseCaseInboxInput,
  type CloseCaseInboxResult,
  type ConsumeProductSupportIncidentInput,
  type ConsumeProductSupportIncidentResult,
  type EscalationRecord,
  type FileMicrosoftServiceRequestInput,
  type FileMicrosoftServiceRequestResult,
  type MicrosoftServiceRequestPayload,
  type NotifyPartnerInput,
  type PartnerNotice,
  type Partner,
  type RecordSlaEventsInput,
  type RecordSlaEventsResult,
  type RecordTransitionInput,
  type RecordTransitionResult,
  type SendStatusEmailInput,
  type SendStatusEmailResult,
  type Severity,
  type SupportRequest,
  type GetCaseContextInput,
  type TakeCaseActionsInput,
} from "../contracts";
import { EmailFailurePolicy, FIRST_SLA_EVENT_ID, RecordNotFoundError, faultFrom, faultMessage, retryDelayInMs, shouldRetry, unexpectedFault, type DeliveryAttempt, type Fault, type TimelineEntry } from "../contracts";
import { computeSlaClocks, eraseTimelineEntry, selectSlaPolicy } from "../domain";
import type { CaseActionInbox, CaseRepository, Clock, EmailMessage, EmailSendResult, EmailSender, NotificationDelivery, NotificationLog, PartnerCenterClient, PartnerRepository, ProductSupportIncidentLedger, SentNotification, SlaEventLog, SlaEventWithId } from "../ports";
import type { CaseFactInputs } from "./reports";
import { renderPartnerNotification, renderTextNotification, type PartnerNotificationInput } from "../templates/partnerNotification";
import type { CustomerEmailInput, RenderedEmail, StatusEmailInput } from "../templates/statusEmail";
import { supportTermsQuote, type SupportTermsQuote } from "./supportTerms";
import { slaHealthOf } from "./caseSearch";
import { caseStatusUrl, statusPageUrl, type StatusLinkSigner } from "./statusLinks";

/**
 * Renders a customer status email: `renderStatusEmail` of shared/templates/statusEmail.ts (the
 * subject contains `[Case #<caseId>]`; the HTML escapes every customer-supplied value). Injected
 * so activities can be tested with any renderer.
 */
export type StatusEmailRenderer = (input: StatusEmailInput) => RenderedEmail;

/**
 * What SendStatusEmail passes to the renderer: the template input with the request's `category`,
 * for billing requests the partner's billing contact (`billingContact`) and, in the
 * acknowledgement (`received`), the partner's support terms (`supportTerms`, as the seeds require)
 * and when the first response is due (`respondBy`: as the workflow passed it, else from the SLA log).
 */
export type StatusEmailRenderInput = StatusEmailInput & { billingContact?: string; supportTerms?: SupportTermsQuote };

/** Headers on every automatic email (RFC 3834 `Auto-Submitted`; Exchange `X-Auto-Response-Suppress`), so auto-replies do not loop. */
export const AUTOMATIC_EMAIL_HEADERS: Readonly<Record<string, string>> = { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All" };

/** Notification key of the first customer email of a case (the thread root). */
export const FIRST_NOTIFICATION_KEY = "received";

/** Domain part of an address (`support@contoso.example` → `contoso.example`). @throws TypeError when there is no `@`. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  if (at < 0) throw new TypeError(`Not an email address: ${address}`);
  return address.slice(at + 1).toLowerCase();
}

/**
 * Deterministic RFC 5322 Message-ID of a case notification: `<{caseId}.{key}@{senderDomain}>`;
 * characters of the key outside the dot-atom set become `-`.
 */
export function notificationMessageId(caseId: string, notificationKey: string, senderDomain: string): string {
  const key = notificationKey.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, "-");
  return `<${caseId}.${key}@${senderDomain}>`;
}

/**
 * Emails a partner's support and escalation contacts a notice that belongs to no single case (an
 * inbound email quarantined, workflows that have not started), once per `scope` and `key`: logged
 * in the notification log under the pseudo case id `scope` as `partner:<key>`, and not sent again
 * once logged. From the partner's sender address, Message-ID `<{idPrefix}.{key}@{sender domain}>`,
 * with the automatic-email headers; the text (or what `text` resolves to, asked only when the
 * notice is to be sent) also as escaped HTML.
 *
 * A send that fails is recorded under the same key before the error is thrown (best effort), as
 * the email activities record theirs: a transient fault as `pending` with `attempts`,
 * `nextAttemptAt` (`EmailFailurePolicy` backoff, at least the `Retry-After` the mail service
 * asked) and `queuedAt`, so a caller that has no retry of its own (the recovery sweeper) finds the
 * notice owed and when to try it again; a permanent fault, or a transient one
 * `EmailFailurePolicy.giveUpAfterInMs` after the first failure, as `failed`. A later call sends it
 * all the same (only a `sent` row stops it).
 * @throws Error when the email or the log write fails (the caller tries again: the Message-ID is
 *   the same, so a resend after a lost log write shows once in mail clients).
 */
export async function notifyPartnerWithoutCase(
  deps: { notifications: NotificationLog; emailSender: EmailSender; clock: Clock },
  partner: Partner,
  notice: { scope: string; idPrefix: string; key: string; subject: string; text: string | (() => Promise<string>) },
): Promise<void> {
  const logKey = `partner:${notice.key}`;
  const known = await deps.notifications.get(partner.id, notice.scope, logKey);
  if (known && (known.state === undefined || known.state === "sent")) return;
  const text = typeof notice.text === "string" ? notice.text : await notice.text();
  const messageId = notificationMessageId(notice.idPrefix, notice.key, domainOf(partner.senderEmail));
  const to = [...new Set([partner.contacts.support, ...partner.contacts.escalation])];
  const html = `<!doctype html><html><body><pre style="font-family:inherit;white-space:pre-wrap">${text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</pre></body></html>`;
  let sent: EmailSendResult;
  try {
    sent = await deps.emailSender.send({ from: { address: partner.senderEmail, displayName: partner.name }, to: to.map((address) => ({ address })), subject: notice.subject, text, html, messageId, headers: { ...AUTOMATIC_EMAIL_HEADERS } });
  } catch (e) {
    await recordNoticeFailure(deps, partner.id, { caseId: notice.scope, notificationKey: logKey, messageId, to, subject: notice.subject }, known, faultFrom(e) ?? unexpectedFault(e)).catch(() => undefined);
    throw e;
  }
  await deps.notifications.recordSent(partner.id, { caseId: notice.scope, notificationKey: logKey, messageId, providerMessageId: sent.providerMessageId, to, subject: notice.subject, sentAt: deps.clock.now().toISOString() });
}

/** Records a case-less partner notice whose send failed: pending with its next attempt, or failed (see {@link notifyPartnerWithoutCase}). */
async function recordNoticeFailure(deps: { notifications: NotificationLog; clock: Clock }, partnerId: string, n: Pick<SentNotification, "caseId" | "notificationKey" | "messageId" | "to" | "subject">, known: SentNotification | undefined, fault: Fault): Promise<void> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const attempts = (known?.attempts ?? 0) + 1;
  const queuedAt = known?.queuedAt ?? at;
  const delay = retryDelayInMs(EmailFailurePolicy, attempts, fault.retryAfterInMs);
  const row = { ...n, providerMessageId: "", sentAt: at, attempts, queuedAt };
  if (shouldRetry(EmailFailurePolicy, fault, attempts, now.getTime() - Date.parse(queuedAt), delay)) {
    await deps.notifications.recordUndelivered(partnerId, { ...row, state: "pending", fault, nextAttemptAt: new Date(now.getTime() + delay).toISOString() });
  } else {
    const final: Fault = fault.class === "transient" ? { ...fault, class: "permanent", code: "gave-up", message: faultMessage(`Gave up after ${attempts} attempts: ${fault.message}`) } : fault;
    await deps.notifications.recordUndelivered(partnerId, { ...row, state: "failed", fault: final });
  }
}

async function loadCaseAndPartner(deps: { cases: CaseRepository; partners: PartnerRepository }, partnerId: string, caseId: string): Promise<{ sr: SupportRequest; partner: Partner }> {
  const [sr, partner] = await Promise.all([deps.cases.getCase(partnerId, caseId), deps.partners.getPartner(partnerId)]);
  if (!sr) throw new RecordNotFoundError(`Case ${caseId} of partner ${partnerId} does not exist`, "CaseNotFound");
  if (!partner) throw new RecordNotFoundError(`Partner ${partnerId} not found`);
  return { sr, partner };
}

/** Dependencies of {@link createGetCaseContext}. */
export interface GetCaseContextDeps {
  cases: CaseRepository;
  partners: PartnerRepository;
  slaEvents: SlaEventLog;
}

/**
 * GetCaseContext: what the orchestration needs to decide: case facts, the partner's terms and
 * escalation chain, the SLA policy that applies (shared/domain `selectSlaPolicy`: first matching
 * policy, else the default from `slaTargets`), the SLA event log as stored (oldest first), and for
 * an indirect reseller its provider's entitlements (the provider escalates with its own).
 * @returns a function from the orchestration input to {@link CaseContext}.
 * The returned function throws Error when the case or partner does not exist, or the reseller's
 * provider is not registered.
 */
export function createGetCaseContext(deps: GetCaseContextDeps): (input: GetCaseContextInput) => Promise<CaseContext> {
  return async ({ caseId, partnerId }) => {
    const { sr, partner } = await loadCaseAndPartner(deps, partnerId, caseId);
    const [log, provider] = await Promise.all([
      deps.slaEvents.list(partnerId, caseId),
      partner.type === "indirect-reseller" && partner.indirectProviderId ? deps.partners.getPartner(partner.indirectProviderId) : Promise.resolve(undefined),
    ]);
    if (partner.type === "indirect-reseller" && partner.indirectProviderId && !provider) throw new Error(`Indirect provider ${partner.indirectProviderId} of ${partnerId} not found`);
    return caseContextOf(sr, partner, log, provider);
  };
}

/**
 * The facts a case just created can hand its orchestration at the start (input `caseContext`), so
 * its first step need not read them back: {@link caseContextOf} with an empty SLA log, or
 * undefined for an indirect reseller's case, whose provider's entitlements the intake has not read
 * (its first step, GetCaseContext, reads them).
 */
export function newCaseContext(sr: SupportRequest, partner: Partner): CaseContext | undefined {
  return partner.type === "indirect-reseller" ? undefined : caseContextOf(sr, partner, []);
}

/**
 * The {@link CaseContext} of a case from what is stored: the case, its partner, the SLA event log
 * (oldest first; event ids dropped) and, for an indirect reseller, its provider. Pure: what
 * GetCaseContext returns after its reads, and what the intake hands a new case's orchestration
 * (an empty log) so its first step need not read them back.
 */
export function caseContextOf(sr: SupportRequest, partner: Partner, log: readonly SlaEventWithId[], provider?: Partner): CaseContext {
  const { caseId, partnerId } = sr;
  const slaPolicy = selectSlaPolicy(partner, { customerTenantId: sr.customer.tenantId, product: sr.product, category: sr.category, severity: sr.severity, channel: sr.channel });
  return {
    caseId,
    partnerId,
    status: sr.status,
    category: sr.category,
    severity: sr.severity,
    product: sr.product,
    language: sr.customer.preferredLanguage,
    createdAt: sr.createdAt,
    partner: {
      type: partner.type,
      ...(partner.indirectProviderId ? { indirectProviderId: partner.indirectProviderId } : {}),
      serviceHours: partner.supportTerms.serviceHours,
      slaTarget: partner.slaTargets[sr.severity],
      entitlements: partner.entitlements,
      autoCloseAfter: partner.supportTerms.autoCloseAfter,
      ...(partner.escalationChain ? { escalationChain: partner.escalationChain } : {}),
    },
    slaPolicy,
    slaLog: log.map(({ eventId: _id, ...event }) => event),
    ...(provider ? { provider: { partnerId: provider.id, entitlements: provider.entitlements } } : {}),
  };
}

/**
 * TakeCaseActions: the case's actions after the cursor, in inbox order (shared/contracts/caseActions.ts).
 * The returned function throws RangeError for a `limit` outside 1–500, Error when storage fails.
 */
export function createTakeCaseActions(deps: { inbox: CaseActionInbox }): (input: TakeCaseActionsInput) => Promise<CaseActionRecord[]> {
  return (input) => deps.inbox.listAfter(input.partnerId, input.caseId, input.after, input.limit ?? 50);
}

/**
 * CloseCaseInbox: the workflow's last step before it completes (revision 6). Closes the case's
 * action inbox when nothing was appended after the cursor — from then on an append is refused
 * (CaseInboxClosedError) instead of being accepted for an instance that would drop its signal —
 * or returns the actions that came in after the cursor (at most `limit`, default 50), which the
 * workflow processes before it tries again. Idempotent (a closed inbox at the same counter
 * answers closed), so the activity may run more than once.
 * The returned function throws Error when storage fails.
 */
export function createCloseCaseInbox(deps: { inbox: CaseActionInbox }): (input: CloseCaseInboxInput) => Promise<CloseCaseInboxResult> {
  return (input) => deps.inbox.close(input.partnerId, input.caseId, input.after, input.limit ?? 50);
}

/**
 * RecordSlaEvents: appends SLA events to the case's log, idempotently by `eventId`, keeps the case's
 * SLA health current and, with `recordCaseFacts`, the reports' read model. Sends nothing: the
 * orchestration notifies warnings and breaches through NotifyPartner.
 * The returned function throws Error when storage fails.
 */
export function createRecordSlaEvents(deps: { slaEvents: SlaEventLog; cases?: CaseRepository; recordCaseFacts?: CaseFactsRecorder }): (input: RecordSlaEventsInput) => Promise<RecordSlaEventsResult> {
  return async (input) => {
    const { appended, log: slaLog } = await deps.slaEvents.append(input.partnerId, input.caseId, input.events, { startsLog: startsSlaLog(input.events) });
    // Keep the case's SLA health (the list's `sla` filter) current, from the whole log.
    if (deps.cases) {
      const health = slaHealthOf(slaLog);
      await deps.cases.patchCase(input.partnerId, input.caseId, (current) => (current.slaHealth === health ? undefined : { ...current, slaHealth: health }));
    }
    // The reports' read model: the case's fact, recomputed whole (idempotent).
    await deps.recordCaseFacts?.(input.partnerId, input.caseId, { slaLog });
    return { appended };
  };
}

/** Whether an append holds the case's first SLA event ({@link FIRST_SLA_EVENT_ID}): then it starts the log. */
function startsSlaLog(events: readonly SlaEventWithId[]): boolean {
  return events.some((e) => e.eventId === FIRST_SLA_EVENT_ID);
}

/**
 * Recomputes a case's fact in the reports' read model (shared/services/reports.ts
 * `recordCaseFacts`; the container's leaves the fact's day dirty for the next report to recompute):
 * what RecordSlaEvents and RecordCaseTransition call after their own write, so the read model
 * follows the case without a durable step of its own. `known`: the case row and SLA log the caller
 * has just written, not read again. Idempotent.
 */
export type CaseFactsRecorder = (partnerId: string, caseId: string, known?: CaseFactInputs) => Promise<void>;

/**
 * ConsumeProductSupportIncident: decrements the partner's product support incidents by one for
 * the case (ETag, never below zero; at most once per case: a rerun returns the first result).
 * The returned function throws Error when the partner does not exist or storage keeps conflicting.
 */
export function createConsumeProductSupportIncident(deps: { psiLedger: ProductSupportIncidentLedger }): (input: ConsumeProductSupportIncidentInput) => Promise<ConsumeProductSupportIncidentResult> {
  return (input) => deps.psiLedger.consume(input.partnerId, input.caseId);
}

/** Partner Center `Severity` of a case severity (seeds: A critical, B moderate, C minimal). */
export const PartnerCenterSeverity: Readonly<Record<Severity, MicrosoftServiceRequestPayload["Severity"]>> = { A: "critical", B: "moderate", C: "minimal" };

/**
 * A deterministic UUID (RFC 9562 layout, version 8 "custom") from a name: the Partner Center
 * `MS-RequestId` of a case's filing, so a rerun of the activity is the same request to Partner Center.
 */
export function deterministicUuid(name: string): string {
  const h = createHash("sha256").update(name, "utf8").digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x80;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * The Partner Center service request of a case (ServiceRequest resource: Title, Description,
 * Severity, SupportTopicId, ProductName, PrimaryContact). The primary contact is the filing
 * partner's support contact (the CSP partner files on behalf of its customer).
 * @param sr - the case.
 * @param filer - the partner filing with Microsoft (the indirect provider for a reseller's case).
 * @param vehicle - the support vehicle chosen (recorded in the description).
 * @param supportTopicId - from `GET /v1/servicerequests/supporttopics` (config); empty when unknown.
 */
export function buildServiceRequestPayload(sr: SupportRequest, filer: Partner, vehicle: string, supportTopicId: string): MicrosoftServiceRequestPayload {
  const description = [
    sr.description,
    "",
    `CSP partner case: ${sr.caseId} (${filer.name}, ${filer.id})`,
    `Customer: ${sr.customer.name}, tenant ${sr.customer.tenantId}`,
    `Category: ${sr.category}; severity ${sr.severity}; support vehicle: ${vehicle}`,
    ...(sr.diagnosisNotes ? [`Partner diagnosis: ${sr.diagnosisNotes}`] : []),
  ].join("\n");
  return {
    Title: `[Case #${sr.caseId}] ${sr.title}`.slice(0, 250),
    Description: description.slice(0, 32000),
    Severity: PartnerCenterSeverity[sr.severity],
    SupportTopicId: supportTopicId,
    ProductName: Products[sr.product].name,
    PrimaryContact: { Email: filer.contacts.support },
  };
}

/** Dependencies of {@link createFileMicrosoftServiceRequest}. */
export interface FileMicrosoftServiceRequestDeps {
  cases: CaseRepository;
  partners: PartnerRepository;
  clock: Clock;
  /** The Partner Center client when the integration is on (`PARTNER_CENTER_ENABLED`); absent = prepare only. */
  partnerCenter?: PartnerCenterClient;
  /** `PARTNER_CENTER_SUPPORT_TOPIC_ID` (empty when not configured). */
  supportTopicId: string;
}

/**
 * FileMicrosoftServiceRequest: files the case's service request with Microsoft through Partner
 * Center (integration on: `outcome: "filed"` with its id), or prepares the payload for the partner
 * to file by hand (off: `outcome: "prepared"`). Recorded on the case's escalation record
 * (`microsoftServiceRequest`) with a timeline note; idempotent per case: a rerun returns the
 * recorded result, and the Partner Center call carries an `MS-RequestId` derived from the case so
 * a retry after a lost answer is the same request.
 * A permanent refusal of Partner Center (a 4xx other than 401/403/408/429), or `prepareOnly` (the
 * workflow's retries gave up), prepares the request instead, with `filingError` saying why.
 * The returned function throws RecordNotFoundError when the case or partner is missing, and the
 * transient faults of Partner Center (DependencyError: 429 with `Retry-After`, 5xx, timeouts),
 * which the workflow retries.
 */
export function createFileMicrosoftServiceRequest(deps: FileMicrosoftServiceRequestDeps): (input: FileMicrosoftServiceRequestInput) => Promise<FileMicrosoftServiceRequestResult> {
  return async (input) => {
    const { sr, partner } = await loadCaseAndPartner(deps, input.partnerId, input.caseId);
    const done = sr.escalation?.microsoftServiceRequest;
    if (done) return { outcome: done.outcome, ...(done.serviceRequestId ? { serviceRequestId: done.serviceRequestId } : {}), payload: done.payload, ...(done.filingError ? { filingError: done.filingError } : {}) };
    // A reseller's case reaches Microsoft through its indirect provider, which files it.
    const filer = partner.type === "indirect-reseller" && partner.indirectProviderId ? ((await deps.partners.getPartner(partner.indirectProviderId)) ?? partner) : partner;
    const payload = buildServiceRequestPayload(sr, filer, input.vehicle, deps.supportTopicId);
    let serviceRequestId: string | undefined;
    // A refusal of Partner Center (permanent), or retries that gave up, leave the request prepared
    // for the partner to file by hand, with the reason; transient faults are retried by the workflow.
    let filingFault: Fault | undefined = input.prepareOnly?.fault;
    if (deps.partnerCenter && !input.prepareOnly) {
      try {
        serviceRequestId = (await deps.partnerCenter.createServiceRequest(input.locale, payload, { requestId: deterministicUuid(`${sr.partnerId}/${sr.caseId}/service-request`), correlationId: deterministicUuid(sr.caseId) })).id;
      } catch (e) {
        const fault = faultFrom(e);
        if (!fault || fault.class === "transient") throw e;
        filingFault = fault;
      }
    }
    const at = deps.clock.now().toISOString();
    const outcome = serviceRequestId ? "filed" : "prepared";
    const filingError = filingFault ? `Partner Center did not take the service request (${filingFault.code}): ${filingFault.message}` : undefined;
    const record = { outcome, ...(serviceRequestId ? { serviceRequestId } : {}), locale: input.locale, at, payload, ...(filingError ? { filingError } : {}) } as const;
    const escalation: EscalationRecord = {
      ...(sr.escalation ?? { target: "microsoft", vehicle: input.vehicle as EscalationRecord["vehicle"], reason: `Service request for ${input.vehicle}`, trigger: "partner-request", decidedAt: at }),
      microsoftServiceRequest: record,
    };
    await deps.cases.applyTransition({
      caseId: sr.caseId,
      partnerId: sr.partnerId,
      entryId: "microsoft-service-request",
      kind: "note",
      summary: serviceRequestId
        ? `Microsoft service request ${serviceRequestId} filed through Partner Center (${input.vehicle})`
        : `Microsoft service request prepared for ${filer.name} to file in Partner Center (${input.vehicle}); ${filingError ?? "the Partner Center integration is off"}`,
      at,
      details: { outcome, vehicle: input.vehicle, locale: input.locale, ...(serviceRequestId ? { serviceRequestId } : {}), ...(filingFault ? { fault: filingFault } : {}), filedBy: filer.id },
      patch: { escalation },
    });
    return { outcome, ...(serviceRequestId ? { serviceRequestId } : {}), payload, ...(filingError ? { filingError } : {}) };
  };
}

/**
 * Side effects of storing an escalation decision: a reseller's case escalated to its
 * indirect provider is shared with the provider first (index rows in the provider's scope, so its
 * partner API lists the case with the reseller named); the record keeps a product support incident
 * consumed for the case when the new record lacks it. (A Microsoft service request already filed
 * for the case is kept by the transition itself: `keepFiledServiceRequest`, in the case's
 * read-modify-write.)
 * @returns the escalation record to store.
 * @throws Error when storage fails.
 */
export async function prepareEscalationRecord(deps: RecordCaseTransitionDeps, partnerId: string, caseId: string, escalation: EscalationRecord, atIso: string): Promise<EscalationRecord> {
  let e = escalation;
  const owner = await deps.partners.getPartner(partnerId);
  if (e.target === "indirect-provider" && e.providerId) {
    const current = await deps.cases.getCase(partnerId, caseId);
    if (current) await deps.cases.shareWithProvider(e.providerId, current, { partnerId, name: owner?.name ?? partnerId }, atIso);
  }
  if (e.vehicle === "product-support-incidents" && !e.productSupportIncident) {
    const used = await findProductSupportIncident(deps.psiLedger, owner, partnerId, caseId);
    if (used) e = { ...e, productSupportIncident: used };
  }
  return e;
}

/**
 * RecordCaseTransition: applies a status change and/or timeline entry, once per `entryId`. SLA
 * events the input carries are appended to the case's SLA log first (idempotently by `eventId`, as
 * RecordSlaEvents does) and the case's SLA health, recomputed from the whole log, is written with
 * the transition. A transition carrying an escalation decision goes through
 * {@link prepareEscalationRecord} first (the provider share is idempotent, so a rerun is harmless). Then, with `recordCaseFacts`, the
 * case's fact in the reports' read model is recomputed.
 * The returned function throws Error when the case does not exist or storage fails.
 */
export function createRecordCaseTransition(deps: RecordCaseTransitionDeps): (input: RecordTransitionInput) => Promise<RecordTransitionResult> {
  return async (input) => {
    const { slaEvents, ...rest } = input;
    let transition: RecordTransitionInput = rest;
    let slaLog: SlaEventWithId[] | undefined;
    if (slaEvents?.length) {
      // The step's SLA events first (as RecordSlaEvents records them), and the SLA health from the
      // whole log written with the transition itself.
      slaLog = (await deps.slaEvents.append(input.partnerId, input.caseId, slaEvents, { startsLog: startsSlaLog(slaEvents) })).log;
      transition = { ...transition, patch: { ...transition.patch, slaHealth: slaHealthOf(slaLog) } };
    }
    if (input.patch?.escalation) {
      const escalation = await prepareEscalationRecord(deps, input.partnerId, input.caseId, input.patch.escalation, input.at);
      transition = { ...transition, patch: { ...transition.patch, escalation } };
    }
    const sr = await deps.cases.applyTransition(transition);
    // The reports' read model: the case's fact, recomputed whole from the case just written (idempotent).
    await deps.recordCaseFacts?.(input.partnerId, input.caseId, { case: sr, slaLog });
    return { caseId: sr.caseId, status: sr.status, updatedAt: sr.updatedAt };
  };
}

/**
 * The product support incident a case consumed: the owner's, or, for an indirect reseller's case,
 * its provider's (the provider escalates to Microsoft with its own entitlements).
 * @throws Error when storage fails.
 */
export async function findProductSupportIncident(ledger: ProductSupportIncidentLedger, owner: Partner | undefined, ownerId: string, caseId: string): Promise<ConsumeProductSupportIncidentResult | undefined> {
  const own = await ledger.getConsumption(ownerId, caseId);
  if (own || !owner?.indirectProviderId) return own;
  return ledger.getConsumption(owner.indirectProviderId, caseId);
}

/** Dependencies of {@link createRecordCaseTransition} (escalation records are prepared with {@link prepareEscalationRecord}). */
export interface RecordCaseTransitionDeps {
  cases: CaseRepository;
  /** The SLA event log the SLA events of a transition are appended to. */
  slaEvents: SlaEventLog;
  partners: PartnerRepository;
  psiLedger: ProductSupportIncidentLedger;
  /** Keeps the reports' read model current after each transition (absent: not kept). */
  recordCaseFacts?: CaseFactsRecorder;
}

/**
 * When the first response is due, recomputed from the case's SLA log under its policy
 * (shared/domain `computeSlaClocks`); undefined when that clock is not running (e.g. not yet activated).
 */
async function firstResponseDueAt(slaEvents: SlaEventLog, partner: Partner, sr: SupportRequest, nowIso: string): Promise<string | undefined> {
  const log = (await slaEvents.list(sr.partnerId, sr.caseId)).map(({ eventId: _id, ...e }) => e);
  if (log.length === 0) return undefined;
  const policy = selectSlaPolicy(partner, { customerTenantId: sr.customer.tenantId, product: sr.product, category: sr.category, severity: sr.severity, channel: sr.channel });
  return computeSlaClocks(log, policy, nowIso)["first-response"].dueAt;
}

/** Dependencies of {@link createSendStatusEmail}. */
export interface SendStatusEmailDeps {
  /** SLA logs: the acknowledgement states when the first response is due (optional). */
  slaEvents?: SlaEventLog;
  cases: CaseRepository;
  partners: PartnerRepository;
  notifications: NotificationLog;
  emailSender: EmailSender;
  renderStatusEmail: StatusEmailRenderer;
  /** Renders the customer notices (`partner-update`, `sla-delay`): shared/templates `renderCustomerEmail`. */
  renderCustomerEmail?: (input: CustomerEmailInput) => RenderedEmail;
  clock: Clock;
  /**
   * Status-page links (`STATUS_LINK_KEYS`): every customer email then links the request's status
   * page, valid `maxAgeInMs` from sending; the resolution email links its rating too. Absent: no link.
   */
  statusLinks?: { signer: StatusLinkSigner; publicBaseUrl: string; maxAgeInMs: number };
}

/** What both email activities hand to {@link deliverEmail}. */
interface Delivery {
  activity: NotificationDelivery["activity"];
  /** The activity's input without `delivery` (kept with a pending notification). */
  input: Record<string, unknown>;
  attempt: DeliveryAttempt;
  partnerId: string;
  caseId: string;
  /** Notification log key (`received`, `partner:sla-warn-…`). */
  logKey: string;
  /** Timeline entry ids start with `email-{logKey}`. */
  messageId: string;
  to: string[];
  subject: string;
  /** Whether a refused recipient is the customer (marked undeliverable for the case). */
  customer?: { email: string };
}

/**
 * Records a message that could not go out now: `pending` (transient, not the last attempt: the
 * workflow retries it) or `failed` (permanent, or transient on the last attempt: `gave-up`), with
 * a timeline entry the first time it is delayed and when it fails; a refused customer address is
 * marked undeliverable for the case.
 */
async function recordUndelivered(deps: { cases: CaseRepository; notifications: NotificationLog; clock: Clock }, d: Delivery, fault: Fault): Promise<SendStatusEmailResult> {
  const at = deps.clock.now().toISOString();
  const gaveUp = fault.class === "transient" && (d.attempt.final ?? false);
  const final: Fault = gaveUp ? { ...fault, class: "permanent", code: "gave-up", message: faultMessage(`Gave up after ${d.attempt.attempt} attempts: ${fault.message}`) } : fault;
  const base = { caseId: d.caseId, notificationKey: d.logKey, messageId: d.messageId, providerMessageId: "", to: d.to, subject: d.subject, sentAt: at, fault: final, attempts: d.attempt.queue ? 0 : d.attempt.attempt };
  if (final.class === "transient") {
    const previous = await deps.notifications.get(d.partnerId, d.caseId, d.logKey);
    const nextAttemptAt = new Date(Date.parse(at) + retryDelayInMs(EmailFailurePolicy, Math.max(1, d.attempt.attempt), fault.retryAfterInMs)).toISOString();
    await deps.notifications.recordUndelivered(d.partnerId, { ...base, state: "pending", nextAttemptAt, queuedAt: previous?.queuedAt ?? at, delivery: { activity: d.activity, input: d.input } });
    if (!d.attempt.queue) {
      await deps.cases.appendTimeline(d.partnerId, d.caseId, { entryId: `email-delayed-${d.logKey}`, kind: "note", at, summary: `Email delayed, retrying (${final.code}): ${d.subject}`, details: { notificationKey: d.logKey, fault: final } });
    }
    return { outcome: d.attempt.queue ? "queued" : "pending", messageId: d.messageId, fault: final };
  }
  await deps.notifications.recordUndelivered(d.partnerId, { ...base, state: "failed" });
  const refused = d.customer && final.code === "recipient-refused" ? [d.customer.email] : [];
  const entry: TimelineEntry = {
    entryId: `email-failed-${d.logKey}`,
    kind: "email-failed",
    at,
    summary: `Email not delivered (${final.code}): ${d.subject}`,
    details: { notificationKey: d.logKey, messageId: d.messageId, to: d.to, fault: final, ...(refused.length ? { undeliverable: refused } : {}) },
  };
  if (refused.length > 0) await markUndeliverable(deps.cases, d.partnerId, d.caseId, entry, refused.map((address) => ({ address, at, messageId: d.messageId, source: "send" as const, reason: final.message })));
  else await deps.cases.appendTimeline(d.partnerId, d.caseId, entry);
  return { outcome: "failed", messageId: d.messageId, fault: final, ...(refused.length ? { undeliverable: refused } : {}) };
}

/**
 * Adds addresses to the case's `undeliverableEmails` (once per address) and appends `entry`,
 * exactly once per `entry.entryId`: later status emails to them are skipped.
 * @throws Error when storage fails.
 */
export async function markUndeliverable(cases: CaseRepository, partnerId: string, caseId: string, entry: TimelineEntry, addresses: NonNullable<SupportRequest["undeliverableEmails"]>): Promise<void> {
  await cases.updateCase(partnerId, caseId, entry, (current) => {
    const known = new Set((current.undeliverableEmails ?? []).map((u) => u.address.toLowerCase()));
    const added = addresses.filter((a) => !known.has(a.address.toLowerCase()));
    return added.length ? { ...current, undeliverableEmails: [...(current.undeliverableEmails ?? []), ...added] } : undefined;
  });
  await cases.appendTimeline(partnerId, caseId, entry);
}

/**
 * What an email activity's timeline entry of a sent email says (`email-sent`, entry id
 * `email-{logKey}`), and how a rerun that finds the email already sent reads the case to write it.
 */
interface AlreadySent {
  /** The entry's summary, from the subject sent. */
  summary: (subject: string) => string;
  /** Details added to the notification key, Message-ID and subject. */
  details: Record<string, unknown>;
  /** The case (undefined when missing); read only on that path, or already in flight. */
  readCase: () => Promise<SupportRequest | undefined>;
}

/** The `email-sent` timeline entry of an email sent at `sentAt` (ISO 8601 UTC). */
function sentEntryOf(logKey: string, messageId: string, subject: string, sentAt: string, sentBefore: Pick<AlreadySent, "summary" | "details">): TimelineEntry {
  return { entryId: `email-${logKey}`, kind: "email-sent", at: sentAt, summary: sentBefore.summary(subject), details: { notificationKey: logKey, messageId, subject, ...sentBefore.details } };
}

/**
 * Writes the `email-sent` timeline entry of a notification the log records as sent, for a rerun
 * that finds it so: the run that sent the email writes the log row and the entry together and
 * either write may fail, so the email can be recorded sent with its entry missing. Insert-once (an
 * entry already there is kept), from the log row (subject, Message-ID, when sent); written erased
 * (shared/domain `eraseTimelineEntry`) on a case whose personal data was erased meanwhile. Not
 * written when the case cannot be read: the outcome is the log's either way, and no entry is
 * written for a case whose state is unknown.
 * @throws Error when the timeline write fails (the activity is retried, as after the first run).
 */
async function recordSentEntry(cases: CaseRepository, d: Pick<Delivery, "partnerId" | "caseId" | "logKey">, known: SentNotification, sentBefore: AlreadySent): Promise<void> {
  const sr = await sentBefore.readCase().catch(() => undefined);
  if (!sr) return;
  const entry = sentEntryOf(d.logKey, known.messageId, known.subject, known.sentAt, sentBefore);
  await cases.appendTimeline(d.partnerId, d.caseId, sr.personalDataErasedAt ? eraseTimelineEntry(entry) : entry);
}

/** The fault code of a notification claimed by its first attempt, until the attempt's outcome replaces it. */
export const NOTIFICATION_BEING_SENT = "sending";

/** The fault a notification claimed by its first attempt shows until the attempt's outcome replaces it. */
const CLAIMED_FOR_SENDING: Fault = { class: "transient", code: NOTIFICATION_BEING_SENT, message: "Being sent (first attempt)" };

/** The fault of a notification queued behind earlier emails of its case that wait for a retry. */
const QUEUED_BEHIND: Fault = { class: "transient", code: "queued", message: "Waiting behind earlier emails of the case that are retried" };

/**
 * The first steps both email activities share: the notification already sent (`already-sent`, its
 * timeline entry written if the run that sent it stopped before: {@link recordSentEntry}) or
 * already failed (`failed` again: never retried), or a queued delivery recorded as pending
 * without sending; undefined when the caller should render and send.
 *
 * A first attempt (and a queued one) claims the notification — recorded as pending with what to
 * deliver, unless it was recorded before — instead of reading it: a new notification's read would
 * always find nothing. A retry reads it (its row exists). The claim shows as pending
 * ({@link CLAIMED_FOR_SENDING}) until the attempt records its outcome; an email skipped or an
 * activity that fails before sending drops it (`dropPending`).
 */
async function checkDelivery(deps: { cases: CaseRepository; notifications: NotificationLog; clock: Clock }, d: Omit<Delivery, "messageId" | "to" | "subject">, sentBefore: AlreadySent): Promise<SendStatusEmailResult | undefined> {
  const claiming = d.attempt.queue === true || (d.attempt.attempt === 1 && !d.attempt.final);
  const known = claiming ? await deps.notifications.claim(d.partnerId, claimOf(deps.clock.now().toISOString(), d)) : await deps.notifications.get(d.partnerId, d.caseId, d.logKey);
  if (claiming && !known) return d.attempt.queue ? { outcome: "queued", messageId: "", fault: QUEUED_BEHIND } : undefined;
  if (known?.state === "sent") {
    await recordSentEntry(deps.cases, d, known, sentBefore);
    return { outcome: "already-sent", messageId: known.messageId };
  }
  if (known?.state === "failed") return { outcome: "failed", messageId: known.messageId, ...(known.fault ? { fault: known.fault } : {}) };
  if (d.attempt.queue) {
    return recordUndelivered(deps, { ...d, messageId: known?.messageId ?? "", to: known?.to ?? [], subject: known?.subject ?? "" }, QUEUED_BEHIND);
  }
  return undefined;
}

/** The pending row a first (or queued) attempt claims: nothing rendered yet, what to deliver. */
function claimOf(at: string, d: Omit<Delivery, "messageId" | "to" | "subject">): SentNotification & { state: "pending" } {
  return {
    caseId: d.caseId,
    notificationKey: d.logKey,
    messageId: "",
    providerMessageId: "",
    to: [],
    subject: "",
    sentAt: at,
    state: "pending",
    fault: d.attempt.queue ? QUEUED_BEHIND : CLAIMED_FOR_SENDING,
    attempts: 0,
    nextAttemptAt: at,
    queuedAt: at,
    delivery: { activity: d.activity, input: d.input },
  };
}

/**
 * Runs what an email activity does before it sends. When that throws, the notification is left
 * as the workflow will see it (best effort: the error that stopped the activity is the one
 * thrown), so none stays pending with nothing left to deliver it:
 * - the case is gone (erased): whatever is pending for the key is dropped — nothing to show;
 * - the attempt is over for good — a permanent fault (the partner or the recipient removed), or
 *   the last attempt the policy allows — the notification is recorded `failed` with that fault
 *   (`gave-up` for a transient one) and a timeline entry, as a refused send is: the outbox drops
 *   an email whose activity failed that way without a word of its own;
 * - else (transient: storage failing) a first attempt's claim is dropped, and a retry's pending
 *   row stays for the next retry.
 */
async function beforeSending<T>(deps: { cases: CaseRepository; notifications: NotificationLog; clock: Clock }, d: Omit<Delivery, "messageId" | "to" | "subject">, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const fault = faultFrom(e);
    if ((e as { code?: unknown }).code === "CaseNotFound") {
      await deps.notifications.dropPending(d.partnerId, d.caseId, d.logKey).catch(() => undefined);
    } else if (fault?.class === "permanent" || d.attempt.final === true) {
      await recordFailedBeforeSending(deps, d, fault ?? unexpectedFault(e)).catch(() => undefined);
    } else {
      await deps.notifications.dropPending(d.partnerId, d.caseId, d.logKey, { onlyCode: CLAIMED_FOR_SENDING.code }).catch(() => undefined);
    }
    throw e;
  }
}

/** Records as failed a notification whose activity failed for good before it could send (see {@link beforeSending}). */
async function recordFailedBeforeSending(deps: { cases: CaseRepository; notifications: NotificationLog; clock: Clock }, d: Omit<Delivery, "messageId" | "to" | "subject">, fault: Fault): Promise<void> {
  const known = await deps.notifications.get(d.partnerId, d.caseId, d.logKey);
  if (known?.state === "sent" || known?.state === "failed") return;
  await recordUndelivered(deps, { ...d, messageId: known?.messageId ?? "", to: known?.to ?? [], subject: known?.subject || `(${d.logKey})` }, fault);
}

/**
 * Sends through the email port and records the outcome: sent (notification log, timeline; refused
 * cc recipients marked undeliverable), or, classified by the adapter (shared/adapters/faults.ts),
 * pending or failed ({@link recordUndelivered}). Faults of storage propagate (the activity
 * boundary classifies them).
 */
async function deliverEmail(deps: { cases: CaseRepository; notifications: NotificationLog; emailSender: EmailSender; clock: Clock }, d: Delivery, message: EmailMessage, sentEntry: Pick<AlreadySent, "summary" | "details">): Promise<SendStatusEmailResult> {
  let sent: EmailSendResult;
  try {
    sent = await deps.emailSender.send(message);
  } catch (e) {
    const fault = faultFrom(e);
    if (!fault) throw e;
    return recordUndelivered(deps, d, fault);
  }
  const sentAt = deps.clock.now().toISOString();
  // Two independent writes in one round trip. Either failing throws (the activity is retried, as
  // when the first of two sequential writes fails): a log not recorded sent means the retry sends
  // again, whatever the timeline got; the timeline entry is written once per key.
  await Promise.all([
    deps.notifications.recordSent(d.partnerId, { caseId: d.caseId, notificationKey: d.logKey, messageId: d.messageId, providerMessageId: sent.providerMessageId, to: d.to, subject: d.subject, sentAt }),
    deps.cases.appendTimeline(d.partnerId, d.caseId, sentEntryOf(d.logKey, d.messageId, d.subject, sentAt, sentEntry)),
  ]);
  const refused = sent.rejectedRecipients ?? [];
  if (refused.length > 0) {
    const entry: TimelineEntry = { entryId: `email-refused-${d.logKey}`, kind: "email-failed", at: sentAt, summary: `The mail service refused ${refused.join(", ")}; the other recipients got: ${d.subject}`, details: { notificationKey: d.logKey, messageId: d.messageId, undeliverable: refused } };
    await markUndeliverable(deps.cases, d.partnerId, d.caseId, entry, refused.map((address) => ({ address, at: sentAt, messageId: d.messageId, source: "send" as const, reason: "recipient refused by the mail service" })));
  }
  return { outcome: "sent", messageId: d.messageId, ...(refused.length ? { undeliverable: refused } : {}) };
}

/** The activity's input without its delivery attempt (what a pending notification keeps). */
function withoutDelivery<T extends { delivery?: DeliveryAttempt }>(input: T): Record<string, unknown> {
  const { delivery: _d, ...rest } = input;
  return rest as Record<string, unknown>;
}

/**
 * SendStatusEmail: emails the customer about a status, in the customer's language, once per case
 * and notification key. From the partner's `senderEmail` (the deployment may send it from its
 * platform address instead: shared/services/platformSender.ts), `Reply-To` the partner's support
 * address; Message-ID `<{caseId}.{key}@{senderDomain}>`; later emails carry In-Reply-To and
 * References to `<{caseId}.received@{senderDomain}>` so mail clients thread them;
 * `Auto-Submitted: auto-generated` and `X-Auto-Response-Suppress: All`. Appends an `email-sent`
 * timeline entry (entry id `email-{key}`; a rerun that finds the email sent writes it if it is
 * missing). Skipped (`outcome: "skipped"`, a `note` entry `email-skipped-{key}`) when the
 * customer address is in `undeliverableEmails` (a permanent bounce or refusal), or for the
 * acknowledgement (`received`) of a case flagged `acknowledgementSuppressed`; undeliverable
 * addresses are left out of Cc.
 *
 * Failures are outcomes, not errors (see {@link SendStatusEmailResult}): a transient one is
 * `pending` (recorded with the input so the workflow, or a restarted one, retries it), a permanent
 * one — the recipient refused (marked undeliverable), the message rejected, a rendering error — or
 * the last retry's is `failed`, recorded on the notification log and the timeline.
 * The returned function throws RecordNotFoundError when the case or partner is missing, and
 * storage errors (classified at the activity boundary).
 */
export function createSendStatusEmail(deps: SendStatusEmailDeps): (input: SendStatusEmailInput) => Promise<SendStatusEmailResult> {
  return async (input) => {
    const attempt: DeliveryAttempt = input.delivery ?? { attempt: 1 };
    const base = { activity: "SendStatusEmail" as const, input: withoutDelivery(input), attempt, partnerId: input.partnerId, caseId: input.caseId, logKey: input.notificationKey };
    // The case is read while the notification log is: one round trip fewer. Its answer, and its
    // failure, count only when the email is still to be sent.
    const loaded = loadCaseAndPartner(deps, input.partnerId, input.caseId);
    loaded.catch(() => undefined);
    const sentEntry = { summary: (subject: string) => `Status email sent to the customer: ${subject}`, details: { status: input.status } };
    const early = await checkDelivery(deps, base, { ...sentEntry, readCase: () => loaded.then(({ sr }) => sr) });
    if (early) return early;
    const { sr, partner } = await beforeSending(deps, base, () => loaded);
    const domain = domainOf(partner.senderEmail);
    const occurredAt = deps.clock.now().toISOString();
    const messageId = notificationMessageId(sr.caseId, input.notificationKey, domain);
    // No mail to addresses marked undeliverable (a permanent bounce or refusal), and no
    // acknowledgement when the sender's acknowledgements were rate-limited (flagged at intake).
    const undeliverable = new Set((sr.undeliverableEmails ?? []).map((u) => u.address.toLowerCase()));
    const skipReason = undeliverable.has(sr.customer.email.toLowerCase())
      ? `the customer address ${sr.customer.email} is undeliverable`
      : input.notificationKey === FIRST_NOTIFICATION_KEY && sr.acknowledgementSuppressed
        ? "automatic acknowledgements to this sender are rate-limited"
        : undefined;
    if (skipReason) {
      await deps.cases.appendTimeline(input.partnerId, sr.caseId, { entryId: `email-skipped-${input.notificationKey}`, kind: "note", at: occurredAt, summary: `Status email not sent: ${skipReason}`, details: { notificationKey: input.notificationKey, status: input.status } });
      // Nothing will be sent: no notification stays pending (the claim, or an earlier attempt's).
      await deps.notifications.dropPending(input.partnerId, sr.caseId, input.notificationKey);
      return { outcome: "skipped", messageId };
    }
    const billingContact = sr.category === "billing" ? partner.contacts.billing : undefined;
    const to = [{ address: sr.customer.email, ...(sr.customer.contactName ? { displayName: sr.customer.contactName } : {}) }];
    // Billing requests go to the partner's billing contact as well.
    const cc = billingContact && billingContact.toLowerCase() !== sr.customer.email.toLowerCase() && !undeliverable.has(billingContact.toLowerCase()) ? [{ address: billingContact, displayName: `${partner.name} billing` }] : [];
    const delivery: Delivery = { ...base, messageId, to: [...to, ...cc].map((t) => t.address), subject: "", customer: { email: sr.customer.email } };
    let rendered: RenderedEmail;
    try {
      rendered = await renderCustomerNotice(deps, input, sr, partner, occurredAt, billingContact);
    } catch (e) {
      // Data the validation accepted must never stop a case; a renderer that throws is a bug, recorded.
      if (faultFrom(e)) throw e;
      return recordUndelivered(deps, { ...delivery, subject: `[Case #${sr.caseId}] ${input.status}` }, { class: "permanent", code: "rendering", message: faultMessage(`The email could not be rendered: ${(e as Error).message}`) });
    }
    delivery.subject = rendered.subject;
    const root = notificationMessageId(sr.caseId, FIRST_NOTIFICATION_KEY, domain);
    const headers: Record<string, string> = { ...AUTOMATIC_EMAIL_HEADERS };
    if (messageId !== root) {
      headers["In-Reply-To"] = root;
      headers.References = root;
    }
    // Replies reach the partner's support mailbox (the email intake) whatever address sends (shared/services/platformSender.ts).
    const replyTo = [{ address: partner.contacts.support, displayName: partner.name }];
    const message: EmailMessage = { from: { address: partner.senderEmail, displayName: partner.name }, to, ...(cc.length ? { cc } : {}), replyTo, subject: rendered.subject, text: rendered.text, html: rendered.html, messageId, headers };
    return deliverEmail(deps, delivery, message, sentEntry);
  };
}

/** The status-page link (and the rating link of a resolution email) of a customer email, when links are configured. */
function statusLinksOf(deps: SendStatusEmailDeps, sr: SupportRequest, occurredAt: string, options: { withRating: boolean }): { statusPageUrl?: string; ratingUrl?: string } {
  if (!deps.statusLinks) return {};
  const { signer, publicBaseUrl, maxAgeInMs } = deps.statusLinks;
  const token = signer.sign({ partnerId: sr.partnerId, caseId: sr.caseId, expiresAt: new Date(Date.parse(occurredAt) + maxAgeInMs).toISOString() });
  return { statusPageUrl: statusPageUrl(publicBaseUrl, token), ...(options.withRating ? { ratingUrl: statusPageUrl(publicBaseUrl, token, "rating") } : {}) };
}

/** Renders the customer email of a SendStatusEmail input (status email, partner update or SLA delay notice). */
async function renderCustomerNotice(deps: SendStatusEmailDeps, input: SendStatusEmailInput, sr: SupportRequest, partner: Partner, occurredAt: string, billingContact: string | undefined): Promise<RenderedEmail> {
  // The workflow passes when the first response is due (its SLA clocks); older executions did not.
  const respondBy = input.status !== "received" ? undefined : (input.respondBy ?? (deps.slaEvents ? await firstResponseDueAt(deps.slaEvents, partner, sr, occurredAt) : undefined));
  const renderInput: StatusEmailRenderInput = {
    status: input.status,
    language: sr.customer.preferredLanguage,
    caseId: sr.caseId,
    customerName: sr.customer.contactName ?? sr.customer.name,
    title: sr.title,
    partnerName: partner.name,
    ...(input.message !== undefined ? { message: input.message } : {}),
    timeZone: partner.supportTerms.serviceHours.timeZone,
    supportContact: partner.contacts.support,
    occurredAt,
    category: sr.category,
    // Billing requests state the partner's billing contact; the acknowledgement quotes the support terms (seeds).
    ...(billingContact ? { billingContact } : {}),
    ...(input.status === "received" ? { supportTerms: supportTermsQuote(partner, sr.customer.preferredLanguage) } : {}),
    ...(respondBy ? { respondBy } : {}),
    ...statusLinksOf(deps, sr, occurredAt, { withRating: input.status === "resolved" && (input.kind ?? "status") === "status" }),
  };
  const kind = input.kind ?? "status";
  if (kind === "status") return deps.renderStatusEmail(renderInput);
  if (!deps.renderCustomerEmail) throw new Error(`SendStatusEmail: no renderer for ${kind} emails`);
  const { status, message: _m, billingContact: _b, supportTerms: _s, respondBy: _r, category: _c, ratingUrl: _u, ...rest } = renderInput;
  return kind === "partner-update"
    ? deps.renderCustomerEmail({ ...rest, kind, status, message: input.message ?? "" })
    : deps.renderCustomerEmail({ ...rest, kind, status, ...(input.message !== undefined ? { message: input.message } : {}), ...(input.dueAt ? { dueAt: input.dueAt } : {}) });
}

/** Dependencies of {@link createNotifyPartner}. */
export interface NotifyPartnerDeps {
  cases: CaseRepository;
  partners: PartnerRepository;
  notifications: NotificationLog;
  emailSender: EmailSender;
  clock: Clock;
  /** Public base URL of the app (`PUBLIC_BASE_URL`): the notification links the case in the recipient's partner API. */
  publicBaseUrl?: string;
}

/**
 * The template input of a structured partner notice: the notice with the case's facts (customer,
 * title, severity), the recipient's name and service-hours time zone (dates are shown in it), and
 * the link to the case in the recipient's partner API. An escalation to the indirect provider
 * names the reseller with its partner id (the provider's API addresses it by id).
 */
export function partnerNotificationOf(notice: PartnerNotice, sr: SupportRequest, owner: Partner, recipient: Partner, publicBaseUrl?: string): PartnerNotificationInput {
  const base = {
    caseId: sr.caseId,
    partnerName: recipient.name,
    customerName: sr.customer.name,
    title: sr.title,
    severity: sr.severity,
    timeZone: recipient.supportTerms.serviceHours.timeZone,
    ...(publicBaseUrl ? { caseUrl: caseStatusUrl(publicBaseUrl, recipient.id, sr.caseId) } : {}),
  };
  switch (notice.kind) {
    case "escalated-to-provider":
      return { ...base, ...notice, resellerName: `${owner.name} (${owner.id})` };
    case "not-escalated":
      return { ...base, ...notice, category: sr.category, product: sr.product };
    default:
      return { ...base, ...notice };
  }
}

/**
 * NotifyPartner: emails the support and escalation contacts of the owning partner, or of
 * `recipientPartnerId` (the indirect provider on escalation), or exactly the addresses in `to`
 * when given (e.g. an escalation-chain level's contacts), once per case and key (logged
 * under `partner:{key}`). Sent from the owning partner's sender address with a Message-ID
 * `<{caseId}.partner.{key}@{senderDomain}>` and the automatic-email headers. Failures are
 * outcomes as for {@link createSendStatusEmail} (`pending`, `failed`), never errors.
 * The returned function throws RecordNotFoundError when a partner or the case is missing, and
 * storage errors (classified at the activity boundary).
 */
export function createNotifyPartner(deps: NotifyPartnerDeps): (input: NotifyPartnerInput) => Promise<SendStatusEmailResult> {
  return async (input) => {
    const logKey = `partner:${input.notificationKey}`;
    const attempt: DeliveryAttempt = input.delivery ?? { attempt: 1 };
    const base = { activity: "NotifyPartner" as const, input: withoutDelivery(input), attempt, partnerId: input.partnerId, caseId: input.caseId, logKey };
    const recipientId = input.recipientPartnerId || input.partnerId;
    const sentEntry = { summary: (subject: string) => `Partner notified (${recipientId}): ${subject}`, details: { recipientPartnerId: recipientId } };
    const early = await checkDelivery(deps, base, { ...sentEntry, readCase: () => deps.cases.getCase(input.partnerId, input.caseId) });
    if (early) return early;
    const { partner, addresses, messageId, rendered } = await beforeSending(deps, base, async () => {
      const { sr, partner } = await loadCaseAndPartner(deps, input.partnerId, input.caseId);
      const recipient = input.recipientPartnerId && input.recipientPartnerId !== input.partnerId ? await deps.partners.getPartner(input.recipientPartnerId) : partner;
      if (!recipient) throw new RecordNotFoundError(`Partner ${input.recipientPartnerId ?? ""} to notify not found`);
      const explicit = (input.to ?? []).map((a) => a.trim()).filter((a) => a.length > 0);
      const addresses = [...new Set(explicit.length ? explicit : [recipient.contacts.support, ...recipient.contacts.escalation])];
      const messageId = notificationMessageId(sr.caseId, `partner.${input.notificationKey}`, domainOf(partner.senderEmail));
      const rendered = input.notice
        ? renderPartnerNotification(partnerNotificationOf(input.notice, sr, partner, recipient, deps.publicBaseUrl))
        : renderTextNotification({ subject: (input.subject ?? "").includes(`[Case #${sr.caseId}]`) ? (input.subject ?? "") : `${input.subject ?? ""} [Case #${sr.caseId}]`, text: input.text ?? "" });
      return { partner, addresses, messageId, rendered };
    });
    const message: EmailMessage = { from: { address: partner.senderEmail, displayName: partner.name }, to: addresses.map((address) => ({ address })), subject: rendered.subject, text: rendered.text, html: rendered.html, messageId, headers: { ...AUTOMATIC_EMAIL_HEADERS } };
    return deliverEmail(deps, { ...base, messageId, to: addresses, subject: rendered.subject }, message, sentEntry);
  };
}
