/**
 * The customer's status page of a request (`/api/status/{token}`): what the customer may see of
 * the case and what it may do there, reached with a status link (./statusLinks.ts) instead of an
 * account. Every use case takes the case the link names, and only that case.
 *
 * What the customer sees is an allow-list, never the partner's timeline filtered by exclusion:
 * status changes (as the localized status), the customer's own replies, and the emails sent to the
 * customer (by subject). Internal notes, SLA events, escalation details, partner notifications and
 * workflow entries are never shown. The "next target" is the earliest due instant of a running SLA
 * clock, shown as a date without the metric's name.
 *
 * Actions reuse the partner- and intake-side services: a reply is ./customerReplies.ts
 * `recordCustomerReply` (as an email reply: timeline, inbox, the workflow resumes a paused clock and
 * counts it as the customer's response); confirming the resolution is the `close` case action and
 * reopening is ./partnerActions.ts `reopenAs`, both with the customer as actor.
 */
import { createHash } from "node:crypto";
import { normalizeText, truncateText, type Actor, type CaseStatus, type SatisfactionRating, type SupportRequest, type SupportedLanguage, type TimelineEntry } from "../contracts";
import type { CaseActionInbox, CaseRepository, Clock, InboundEmailLog, NotificationLog, PartnerRepository, SlaEventLog, SupportRequestWorkflow } from "../ports";
import { addCalendarDuration, computeSlaClocks, selectSlaPolicy } from "../domain";
import { recordCustomerReply } from "./customerReplies";
import { ConflictError, NotFoundError, ValidationError } from "./errors";
import { reopenAs } from "./partnerActions";
import { recordCaseAction } from "./supportRequests";
import type { StatusLinkRefusal, StatusLinkSigner } from "./statusLinks";

/** Dependencies of the status-page use cases. */
export interface CustomerStatusDeps {
  cases: CaseRepository;
  partners: PartnerRepository;
  notifications: NotificationLog;
  inbox: CaseActionInbox;
  slaEvents: SlaEventLog;
  /** Attachments of the case (email intake). */
  attachments: Pick<InboundEmailLog, "listAttachments">;
  workflow: SupportRequestWorkflow;
  clock: Clock;
  publicBaseUrl: string;
  /** Keeps the reports' read model current after a rating (absent: not kept). */
  recordCaseFacts?: (partnerId: string, caseId: string) => Promise<void>;
}

/** A status link that cannot be used: its token is refused, or it names a case that does not exist (any more). */
export class StatusLinkError extends Error {
  /** Stable code for callers. */
  readonly code = "StatusLinkRefused";
  /**
   * @param reason - why: the token's refusal (`malformed`, `signature`, `expired`) or `not-found`.
   */
  constructor(readonly reason: StatusLinkRefusal | "not-found") {
    super(`Status link refused (${reason})`);
    this.name = "StatusLinkError";
  }
}

/**
 * The case a status link names: the token verified (signature, expiry), then the case read from
 * the partner and case of its claims.
 * @throws StatusLinkError when the token is refused or the case does not exist.
 */
export async function openStatusLink(deps: Pick<CustomerStatusDeps, "cases" | "clock">, signer: StatusLinkSigner, token: string): Promise<SupportRequest> {
  const verified = signer.verify(token, deps.clock.now());
  if (!verified.ok) throw new StatusLinkError(verified.reason);
  const sr = await deps.cases.getCase(verified.claims.partnerId, verified.claims.caseId);
  if (!sr) throw new StatusLinkError("not-found");
  return sr;
}

/** One line of the customer's timeline. */
export type CustomerTimelineItem =
  | { kind: "status"; at: string; status: CaseStatus }
  | { kind: "reply"; at: string; text: string; channel: "email" | "status-page" }
  /** What the partner (or its indirect provider) wrote to the customer: the text its email carried. */
  | { kind: "message"; at: string; text: string }
  | { kind: "email"; at: string; subject: string };

/** An attachment the customer sent (listed, not served). */
export interface CustomerAttachmentView {
  filename: string;
  sizeBytes: number;
  /** ISO 8601 UTC. */
  receivedAt: string;
}

/** What the status page shows and offers. */
export interface CustomerStatusView {
  caseId: string;
  title: string;
  status: CaseStatus;
  language: SupportedLanguage;
  /** IANA zone every instant is shown in (the partner's service-hours zone, as in the emails). */
  timeZone: string;
  partnerName: string;
  supportContact: string;
  /** Oldest first. */
  timeline: CustomerTimelineItem[];
  /** ISO 8601 UTC: the earliest due instant of a running SLA clock still ahead, if any. */
  nextTargetAt?: string;
  attachments: CustomerAttachmentView[];
  /** A reply is accepted (the request is not closed). */
  canReply: boolean;
  /** The resolution can be confirmed (the request is resolved). */
  canConfirm: boolean;
  /** The request can be reopened now (resolved, or closed within the reopen window). */
  canReopen: boolean;
  /** ISO 8601 UTC end of the reopen window, when the request is resolved or closed. */
  reopenUntil?: string;
  /** A rating can be given (resolved or closed, none given yet). */
  canRate: boolean;
  satisfaction?: SatisfactionRating;
}

/**
 * The text the customer was emailed with an inbox action the timeline entry records, or undefined:
 * an update's or information request's `message`, the notes of a diagnosis that asks the customer
 * or resolves, a resolution's `summary`, the `reason` of a closure or reopening by the partner —
 * never an action that was ignored, a customer's own action, a diagnosis that escalates (its notes
 * are the partner's, not sent), an escalation request's reason, or an internal note.
 */
function textSentToCustomer(e: TimelineEntry): string | undefined {
  const d = e.details;
  if (!d || d.ignored !== undefined) return undefined;
  const actor = d.actor as { kind?: unknown } | undefined;
  if (actor?.kind !== "partner" && actor?.kind !== "indirect-provider") return undefined;
  const written = (name: string): string | undefined => {
    const v = d[name];
    return typeof v === "string" && v.trim() !== "" ? v : undefined;
  };
  switch (d.action) {
    case "update":
    case "information-request":
      return written("message");
    case "diagnosis":
      return d.outcome === "awaiting-customer" || d.outcome === "resolved" ? written("notes") : undefined;
    case "resolution":
      return written("summary");
    case "close":
    case "reopen":
      return written("reason");
    default:
      return undefined;
  }
}

/**
 * Which timeline entries the customer sees (an allow-list): status changes with a target status,
 * what the partner wrote to the customer (the text of its update, question, diagnosis, resolution,
 * closure or reopening, as emailed), customer replies, and emails sent to the customer (not the
 * partner's own notifications).
 */
export function customerTimeline(entries: readonly TimelineEntry[]): CustomerTimelineItem[] {
  const out: CustomerTimelineItem[] = [];
  for (const e of entries) {
    if (e.kind === "status-changed" && e.toStatus) out.push({ kind: "status", at: e.at, status: e.toStatus });
    else if (e.kind === "customer-reply" && e.details?.senderIsCustomer !== false) {
      const text = typeof e.details?.text === "string" ? e.details.text : "";
      out.push({ kind: "reply", at: e.at, text, channel: e.details?.channel === "status-page" ? "status-page" : "email" });
    } else if (e.kind === "email-sent" && typeof e.details?.notificationKey === "string" && !e.details.notificationKey.startsWith("partner:")) {
      // The subject as sent (older entries have it only in their summary).
      const subject = typeof e.details.subject === "string" ? e.details.subject : /^Status email sent to the customer: (.*)$/s.exec(e.summary)?.[1];
      if (subject) out.push({ kind: "email", at: e.at, subject });
    }
    // Below its status change (if the entry is one), what the partner wrote with it.
    const sent = textSentToCustomer(e);
    if (sent !== undefined) out.push({ kind: "message", at: e.at, text: sent });
  }
  return out;
}

/**
 * The end of the reopen window: the partner's `autoCloseAfter` (calendar duration, default P3D)
 * after the resolution while resolved (the workflow closes the request then), or after the closure
 * once closed. Undefined for open requests.
 */
export function reopenWindowEnd(sr: SupportRequest, timeline: readonly TimelineEntry[], autoCloseAfter: string): string | undefined {
  if (sr.status !== "resolved" && sr.status !== "closed") return undefined;
  const since = timeline.filter((e) => e.kind === "status-changed" && e.toStatus === sr.status).at(-1)?.at ?? sr.updatedAt;
  return addCalendarDuration(since, autoCloseAfter);
}

/**
 * The status page's view of a case.
 * @throws Error when storage fails; NotFoundError when the case's partner is gone.
 */
export async function getCustomerStatusView(deps: CustomerStatusDeps, sr: SupportRequest): Promise<CustomerStatusView> {
  const [timeline, partner, log, attachments] = await Promise.all([
    deps.cases.listTimeline(sr.partnerId, sr.caseId),
    deps.partners.getPartner(sr.partnerId),
    deps.slaEvents.list(sr.partnerId, sr.caseId),
    deps.attachments.listAttachments(sr.partnerId, sr.caseId),
  ]);
  if (!partner) throw new NotFoundError(`Support request ${sr.caseId} not found`);
  const now = deps.clock.now();
  const policy = selectSlaPolicy(partner, { customerTenantId: sr.customer.tenantId, product: sr.product, category: sr.category, severity: sr.severity, channel: sr.channel });
  const clocks = log.length > 0 ? Object.values(computeSlaClocks(log.map(({ eventId: _id, ...e }) => e), policy, now.toISOString())) : [];
  const nextTargetAt = clocks
    .filter((c) => c.state === "running" && c.dueAt !== undefined && Date.parse(c.dueAt) > now.getTime())
    .map((c) => c.dueAt as string)
    .sort()[0];
  // Attachments of replies from other senders than the customer are the partner's to see.
  const otherSenders = new Set(timeline.filter((e) => e.kind === "customer-reply" && e.details?.senderIsCustomer === false).map((e) => String(e.details?.messageId ?? "")));
  const reopenUntil = reopenWindowEnd(sr, timeline, partner.supportTerms.autoCloseAfter);
  const open = sr.status !== "resolved" && sr.status !== "closed";
  return {
    caseId: sr.caseId,
    title: sr.title,
    status: sr.status,
    language: sr.customer.preferredLanguage,
    timeZone: partner.supportTerms.serviceHours.timeZone,
    partnerName: partner.name,
    supportContact: partner.contacts.support,
    timeline: customerTimeline(timeline),
    ...(open && nextTargetAt ? { nextTargetAt } : {}),
    attachments: attachments.filter((a) => !otherSenders.has(a.messageId) && !a.inline).map((a) => ({ filename: a.filename, sizeBytes: a.sizeBytes, receivedAt: a.receivedAt })),
    canReply: sr.status !== "closed",
    canConfirm: sr.status === "resolved",
    canReopen: sr.status === "resolved" || (sr.status === "closed" && reopenUntil !== undefined && Date.parse(reopenUntil) >= now.getTime()),
    ...(reopenUntil ? { reopenUntil } : {}),
    canRate: !open && !sr.satisfaction,
    ...(sr.satisfaction ? { satisfaction: sr.satisfaction } : {}),
  };
}

function customerActor(sr: SupportRequest): Actor {
  return { kind: "customer", email: sr.customer.email };
}

function field(form: Readonly<Record<string, string>>, name: string): string {
  return normalizeText(form[name] ?? "").trim();
}

/** Longest message accepted from the form (the case inbox holds 8,000 characters). */
export const MAX_STATUS_PAGE_MESSAGE_CHARS = 8000;

/**
 * A reply from the status page form (`message`, `nonce`): recorded exactly as an email reply
 * (./customerReplies.ts), identified by the form's nonce so a resubmitted form is one reply.
 * @throws ValidationError naming `message` (blank or over 8,000 characters) or `nonce`.
 * @throws ConflictError when the request is closed (reopen it instead).
 */
export async function replyFromStatusPage(deps: CustomerStatusDeps, sr: SupportRequest, form: Readonly<Record<string, string>>): Promise<void> {
  const message = field(form, "message");
  const nonce = form.nonce ?? "";
  if (!message) throw new ValidationError([{ code: "custom", path: ["message"], input: undefined, message: "is required: write your reply" }]);
  if (message.length > MAX_STATUS_PAGE_MESSAGE_CHARS) throw new ValidationError([{ code: "custom", path: ["message"], input: undefined, message: `at most ${MAX_STATUS_PAGE_MESSAGE_CHARS} characters` }]);
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) throw new ValidationError([{ code: "custom", path: ["nonce"], input: undefined, message: "the form's nonce is missing or malformed: reload the page" }]);
  if (sr.status === "closed") throw new ConflictError("The request is closed; reopen it to continue", sr.status);
  const id = createHash("sha256").update(`${sr.caseId}\n${nonce}`).digest("hex").slice(0, 16);
  await recordCustomerReply(deps, sr.partnerId, sr.caseId, {
    entryId: `status-page-reply-${id}`,
    receivedAt: deps.clock.now().toISOString(),
    summary: "The customer replied on the status page",
    excerpt: truncateText(message, MAX_STATUS_PAGE_MESSAGE_CHARS),
    messageId: `status-page:${id}`,
    from: sr.customer.email,
    details: { channel: "status-page", senderIsCustomer: true },
  });
}

/**
 * The customer confirms the resolution: the `close` case action (the workflow closes the request,
 * stops its timers and emails the customer), with the customer as actor.
 * @throws ConflictError when the request is not resolved or its workflow cannot take the action.
 */
export async function confirmResolutionFromStatusPage(deps: CustomerStatusDeps, sr: SupportRequest): Promise<void> {
  if (sr.status !== "resolved") throw new ConflictError(`Only a resolved request can be confirmed (this one is ${sr.status})`, sr.status);
  await recordCaseAction(deps, sr.partnerId, sr.caseId, { type: "close", reason: "The customer confirmed the resolution on the status page." }, { authorised: customerActor(sr) });
}

/**
 * The customer reopens the request (`reason`): within the reopen window ({@link reopenWindowEnd})
 * through ./partnerActions.ts `reopenAs`, with the customer as actor.
 * @throws ValidationError naming `reason` (blank or over 2,000 characters).
 * @throws ConflictError when the request is open, or closed longer than the reopen window.
 */
export async function reopenFromStatusPage(deps: CustomerStatusDeps, sr: SupportRequest, form: Readonly<Record<string, string>>): Promise<void> {
  const reason = field(form, "reason");
  if (!reason) throw new ValidationError([{ code: "custom", path: ["reason"], input: undefined, message: "is required: tell us what is still wrong" }]);
  if (reason.length > 2000) throw new ValidationError([{ code: "custom", path: ["reason"], input: undefined, message: "at most 2000 characters" }]);
  const view = await getCustomerStatusView(deps, sr);
  if (!view.canReopen) throw new ConflictError(sr.status === "closed" ? `The reopen window ended at ${view.reopenUntil ?? "?"}` : `An open request cannot be reopened (it is ${sr.status})`, sr.status);
  await reopenAs(deps, sr, reason, customerActor(sr));
}

/**
 * The customer's satisfaction rating (`rating` 1–5, `comment` optional, at most 2,000 characters),
 * stored on the case with a timeline note once: the first rating given stands. The same rating
 * posted again (a double submit, a retried form) answers as the first did; a different one (a page
 * left open in another tab) is refused, so the customer is not thanked for a comment that was not
 * kept. The case's fact in the reports' read model is recomputed (`recordCaseFacts`).
 * @returns the rating on the case.
 * @throws ValidationError naming `rating` or `comment`.
 * @throws ConflictError when the request is not resolved or closed, or was rated differently before.
 */
export async function rateFromStatusPage(deps: Pick<CustomerStatusDeps, "cases" | "clock" | "recordCaseFacts">, sr: SupportRequest, form: Readonly<Record<string, string>>): Promise<SatisfactionRating> {
  const raw = (form.rating ?? "").trim();
  const comment = field(form, "comment");
  if (!/^[1-5]$/.test(raw)) throw new ValidationError([{ code: "custom", path: ["rating"], input: undefined, message: "choose a rating from 1 to 5" }]);
  if (comment.length > 2000) throw new ValidationError([{ code: "custom", path: ["comment"], input: undefined, message: "at most 2000 characters" }]);
  if (sr.status !== "resolved" && sr.status !== "closed") throw new ConflictError(`A rating is given once the request is resolved (this one is ${sr.status})`, sr.status);
  const at = deps.clock.now().toISOString();
  const rating: SatisfactionRating = { rating: Number(raw), ...(comment ? { comment } : {}), at };
  const entry: TimelineEntry = { entryId: "satisfaction-rating", kind: "note", at, summary: `The customer rated the handling ${rating.rating} of 5${comment ? `: ${truncateText(comment, 200)}` : ""}.`, details: { satisfaction: rating } };
  const updated = await deps.cases.updateCase(sr.partnerId, sr.caseId, entry, (current) => (current.satisfaction ? undefined : { ...current, satisfaction: rating }));
  const kept = updated.satisfaction ?? rating;
  if (kept.rating !== rating.rating || (kept.comment ?? "") !== (rating.comment ?? "")) {
    throw new ConflictError(`The request was rated ${kept.rating} of 5 at ${kept.at}; a rating is given once`, updated.status);
  }
  // The reports' CSAT: the case's fact recomputed (a retry of the form records it again, harmlessly).
  await deps.recordCaseFacts?.(sr.partnerId, sr.caseId);
  return kept;
}
