/**
 * Activity implementations as factories over ports (architecture.md rule 5, Temporal's
 * activities-dependency-injection): functions/activities.ts registers what these return.
 * Durable activities run at least once, so each one is idempotent: transitions by `entryId`,
 * emails by case and notification key (checked in the NotificationLog before sending, recorded
 * after; a crash between the two can send twice, and the deterministic Message-ID then lets mail
 * clients thread and de-duplicate the copy).
 */
import type {
  CaseContext,
  CaseStatus,
  EscalationRecord,
  NotifyPartnerInput,
  Partner,
  RecordTransitionInput,
  SendStatusEmailInput,
  SendStatusEmailResult,
  SupportRequest,
  SupportRequestOrchestrationInput,
} from "../contracts";
import type { CaseRepository, Clock, EmailSender, NotificationLog, PartnerRepository } from "../ports";
import type { RenderedEmail, StatusEmailInput } from "../templates/statusEmail";

/**
 * Renders a customer status email: `renderStatusEmail` of shared/templates/statusEmail.ts (the
 * subject contains `[Case #<caseId>]`; the HTML escapes every customer-supplied value). Injected
 * so activities can be tested with any renderer.
 */
export type StatusEmailRenderer = (input: StatusEmailInput) => RenderedEmail;

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

async function loadCaseAndPartner(deps: { cases: CaseRepository; partners: PartnerRepository }, partnerId: string, caseId: string): Promise<{ sr: SupportRequest; partner: Partner }> {
  const [sr, partner] = await Promise.all([deps.cases.getCase(partnerId, caseId), deps.partners.getPartner(partnerId)]);
  if (!sr) throw new Error(`Case ${caseId} of partner ${partnerId} not found`);
  if (!partner) throw new Error(`Partner ${partnerId} not found`);
  return { sr, partner };
}

/** Dependencies of {@link createGetCaseContext}. */
export interface GetCaseContextDeps {
  cases: CaseRepository;
  partners: PartnerRepository;
}

/**
 * GetCaseContext: what the orchestration needs to decide (case facts and the partner's terms).
 * @returns a function from the orchestration input to {@link CaseContext}.
 * The returned function throws Error when the case or partner does not exist.
 */
export function createGetCaseContext(deps: GetCaseContextDeps): (input: SupportRequestOrchestrationInput) => Promise<CaseContext> {
  return async ({ caseId, partnerId }) => {
    const { sr, partner } = await loadCaseAndPartner(deps, partnerId, caseId);
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
      },
    };
  };
}

/** Result of RecordCaseTransition (small: it is kept in orchestration history). */
export interface RecordTransitionResult {
  caseId: string;
  status: CaseStatus;
  /** ISO 8601 UTC. */
  updatedAt: string;
}

/**
 * RecordCaseTransition: applies a status change and/or timeline entry, once per `entryId`.
 * The returned function throws Error when the case does not exist or storage fails.
 */
export function createRecordCaseTransition(deps: { cases: CaseRepository }): (input: RecordTransitionInput) => Promise<RecordTransitionResult> {
  return async (input) => {
    const sr = await deps.cases.applyTransition(input);
    return { caseId: sr.caseId, status: sr.status, updatedAt: sr.updatedAt };
  };
}

/** Input of RecordEscalation (not in shared/contracts yet): the decision and, optionally, the new status. */
export interface RecordEscalationInput {
  caseId: string;
  partnerId: string;
  /** Deterministic id from the orchestration. */
  entryId: string;
  escalation: EscalationRecord;
  /** `escalated-to-provider` or `escalated-to-microsoft`; omitted when the target is `none`. */
  toStatus?: CaseStatus;
  /** ISO 8601 UTC (orchestration time). */
  at: string;
}

/**
 * RecordEscalation: stores the escalation decision on the case (with its reason) and an
 * `escalation-decided` timeline entry, once per `entryId`.
 */
export function createRecordEscalation(deps: { cases: CaseRepository }): (input: RecordEscalationInput) => Promise<RecordTransitionResult> {
  return async (input) => {
    const e = input.escalation;
    const target = e.target === "microsoft" ? `Microsoft (${e.vehicle ?? "no vehicle"})` : e.target === "indirect-provider" ? `indirect provider ${e.providerId ?? ""}`.trim() : "no escalation";
    const sr = await deps.cases.applyTransition({
      caseId: input.caseId,
      partnerId: input.partnerId,
      entryId: input.entryId,
      kind: "escalation-decided",
      summary: `Escalation: ${target}. ${e.reason}`,
      at: input.at,
      ...(input.toStatus ? { toStatus: input.toStatus } : {}),
      details: { ...e },
      patch: { escalation: e },
    });
    return { caseId: sr.caseId, status: sr.status, updatedAt: sr.updatedAt };
  };
}

/** Dependencies of {@link createSendStatusEmail}. */
export interface SendStatusEmailDeps {
  cases: CaseRepository;
  partners: PartnerRepository;
  notifications: NotificationLog;
  emailSender: EmailSender;
  renderStatusEmail: StatusEmailRenderer;
  clock: Clock;
}

/**
 * SendStatusEmail: emails the customer about a status, in the customer's language, once per case
 * and notification key. From the partner's `senderEmail`; Message-ID
 * `<{caseId}.{key}@{senderDomain}>`; later emails carry In-Reply-To and References to
 * `<{caseId}.received@{senderDomain}>` so mail clients thread them; `Auto-Submitted:
 * auto-generated` and `X-Auto-Response-Suppress: All`. Appends an `email-sent` timeline entry
 * (entry id `email-{key}`).
 * The returned function throws Error when the case or partner is missing or sending fails
 * (EmailThrottledError with `retryAfterInMs` on provider throttling).
 */
export function createSendStatusEmail(deps: SendStatusEmailDeps): (input: SendStatusEmailInput) => Promise<SendStatusEmailResult> {
  return async (input) => {
    const already = await deps.notifications.getSent(input.partnerId, input.caseId, input.notificationKey);
    if (already) return { outcome: "already-sent", messageId: already.messageId };
    const { sr, partner } = await loadCaseAndPartner(deps, input.partnerId, input.caseId);
    const domain = domainOf(partner.senderEmail);
    const occurredAt = deps.clock.now().toISOString();
    const rendered = deps.renderStatusEmail({
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
    });
    const messageId = notificationMessageId(sr.caseId, input.notificationKey, domain);
    const root = notificationMessageId(sr.caseId, FIRST_NOTIFICATION_KEY, domain);
    const headers: Record<string, string> = { ...AUTOMATIC_EMAIL_HEADERS };
    if (messageId !== root) {
      headers["In-Reply-To"] = root;
      headers.References = root;
    }
    const to = [{ address: sr.customer.email, ...(sr.customer.contactName ? { displayName: sr.customer.contactName } : {}) }];
    const sent = await deps.emailSender.send({ from: { address: partner.senderEmail, displayName: partner.name }, to, subject: rendered.subject, text: rendered.text, html: rendered.html, messageId, headers });
    const sentAt = deps.clock.now().toISOString();
    await deps.notifications.recordSent(input.partnerId, { caseId: sr.caseId, notificationKey: input.notificationKey, messageId, providerMessageId: sent.providerMessageId, to: to.map((t) => t.address), subject: rendered.subject, sentAt });
    await deps.cases.appendTimeline(input.partnerId, sr.caseId, {
      entryId: `email-${input.notificationKey}`,
      kind: "email-sent",
      at: sentAt,
      summary: `Status email sent to the customer: ${rendered.subject}`,
      details: { notificationKey: input.notificationKey, messageId, status: input.status },
    });
    return { outcome: "sent", messageId };
  };
}

/** Dependencies of {@link createNotifyPartner}. */
export interface NotifyPartnerDeps {
  cases: CaseRepository;
  partners: PartnerRepository;
  notifications: NotificationLog;
  emailSender: EmailSender;
  clock: Clock;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/**
 * NotifyPartner: emails the support and escalation contacts of the owning partner, or of
 * `recipientPartnerId` (the indirect provider on escalation), once per case and key (logged
 * under `partner:{key}`). Sent from the owning partner's sender address with a Message-ID
 * `<{caseId}.partner.{key}@{senderDomain}>` and the automatic-email headers.
 * The returned function throws Error when a partner or the case is missing or sending fails.
 */
export function createNotifyPartner(deps: NotifyPartnerDeps): (input: NotifyPartnerInput) => Promise<SendStatusEmailResult> {
  return async (input) => {
    const logKey = `partner:${input.notificationKey}`;
    const already = await deps.notifications.getSent(input.partnerId, input.caseId, logKey);
    if (already) return { outcome: "already-sent", messageId: already.messageId };
    const { sr, partner } = await loadCaseAndPartner(deps, input.partnerId, input.caseId);
    const recipient = input.recipientPartnerId && input.recipientPartnerId !== input.partnerId ? await deps.partners.getPartner(input.recipientPartnerId) : partner;
    if (!recipient) throw new Error(`Partner ${input.recipientPartnerId ?? ""} to notify not found`);
    const addresses = [...new Set([recipient.contacts.support, ...recipient.contacts.escalation])];
    const messageId = notificationMessageId(sr.caseId, `partner.${input.notificationKey}`, domainOf(partner.senderEmail));
    const subject = input.subject.includes(`[Case #${sr.caseId}]`) ? input.subject : `${input.subject} [Case #${sr.caseId}]`;
    const html = `<!doctype html><html><body><pre style="font-family:inherit;white-space:pre-wrap">${escapeHtml(input.text)}</pre></body></html>`;
    const sent = await deps.emailSender.send({ from: { address: partner.senderEmail, displayName: partner.name }, to: addresses.map((address) => ({ address })), subject, text: input.text, html, messageId, headers: { ...AUTOMATIC_EMAIL_HEADERS } });
    const sentAt = deps.clock.now().toISOString();
    await deps.notifications.recordSent(input.partnerId, { caseId: sr.caseId, notificationKey: logKey, messageId, providerMessageId: sent.providerMessageId, to: addresses, subject, sentAt });
    await deps.cases.appendTimeline(input.partnerId, sr.caseId, {
      entryId: `email-${logKey}`,
      kind: "email-sent",
      at: sentAt,
      summary: `Partner notified (${recipient.id}): ${subject}`,
      details: { notificationKey: logKey, messageId, recipientPartnerId: recipient.id },
    });
    return { outcome: "sent", messageId };
  };
}
