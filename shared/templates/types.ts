/**
 * Shapes of the customer status-email templates. Templates are data: one object per language,
 * strings with `{{placeholder}}` markers, no markup (the renderer builds the HTML and escapes).
 */
import type { CaseStatus } from "../contracts";

/**
 * Placeholders a template string may use. Customer-supplied values (`customerName`, `title`,
 * `message`, `partnerName`, `supportContact`, `billingContact`) are escaped by the renderer for
 * the HTML part. `statusLabel` is the status label, or the notice label for a notice.
 */
export type StatusEmailPlaceholder =
  | "caseId"
  | "customerName"
  | "title"
  | "partnerName"
  | "supportContact"
  | "statusLabel"
  | "date"
  | "timeZone"
  | "billingContact";

/** Customer-facing notices that are not a status change (see `renderCustomerEmail`). */
export const CustomerNoticeKinds = ["partner-update", "sla-delay"] as const;
/** A customer notice kind: a progress update from the partner, or "taking longer than our target". */
export type CustomerNoticeKind = (typeof CustomerNoticeKinds)[number];

/** The wording of a notice: its subject label (in place of the status label) and its paragraphs. */
export interface NoticeTemplate extends StatusTemplate {
  /** Short label for the subject line and heading, e.g. "Update on your request". */
  label: string;
}

/** Labels of the partner's published support terms, quoted in the acknowledgement (CSP support rules "Tell customers"). */
export interface SupportTermsLabels {
  /** Sentence introducing the terms, e.g. "Our support terms:". */
  heading: string;
  supportTypes: string;
  serviceHours: string;
  contactMethods: string;
  pricing: string;
}

/** Words used by `describeServiceHours` besides the Intl weekday and date names. */
export interface ServiceHoursWords {
  /** Line naming the zone, with `{{timeZone}}`. */
  timeZone: string;
  /** Line listing holiday dates, with `{{dates}}`. */
  holidays: string;
  /** Text when no weekly period is defined. */
  none: string;
}

/** The wording of one status: two or more paragraphs and the label introducing the optional message. */
export interface StatusTemplate {
  /** Body paragraphs (plain text with placeholders), in order. */
  paragraphs: string[];
  /** Heading of the message block (e.g. "Resolution summary:"); the locale's default when absent. */
  messageLabel?: string;
}

/** Every string of one language. */
export interface StatusEmailLocale {
  /** BCP 47 locale for `Intl.DateTimeFormat` (e.g. `hu-HU`). */
  locale: string;
  /**
   * Subject line. Must start with the literal `[Case #{{caseId}}]` in every language: the email
   * intake matches replies to their case by that tag.
   */
  subject: string;
  /** Localized name of each status (subject, status row). */
  statusLabels: Record<CaseStatus, string>;
  /** Opening line, e.g. "Dear {{customerName}},". */
  greeting: string;
  /** Per-status wording. */
  statuses: Record<CaseStatus, StatusTemplate>;
  /** Heading of the message block when the status has no `messageLabel`. */
  defaultMessageLabel: string;
  /** Labels of the case details table. */
  labels: {
    caseNumber: string;
    request: string;
    customer: string;
    status: string;
    updated: string;
    /** Row label of the first-response target on the acknowledgement, e.g. "Response expected by". */
    respondBy: string;
    /** Row label of the next periodic update on a partner update, e.g. "Next update by". */
    nextUpdateBy: string;
    /** Row label of the missed target on an SLA delay notice, e.g. "Target time". */
    target: string;
  };
  /** Customer notices (not status changes). */
  notices: Record<CustomerNoticeKind, NoticeTemplate>;
  /** Labels of the quoted support terms. */
  supportTerms: SupportTermsLabels;
  /** Sentence of a billing acknowledgement naming the billing contact (`{{billingContact}}`). */
  billingContact: string;
  /** Words of the service-hours description. */
  serviceHours: ServiceHoursWords;
  /** Sentence naming the support contact (`{{supportContact}}` becomes a mailto link in HTML when it is an address). */
  contact: string;
  /** Complimentary close, e.g. "Kind regards,". */
  closing: string;
  /** Signature line, e.g. "{{partnerName}} Support". */
  signature: string;
  /** Small print at the bottom. */
  footer: string;
}

/**
 * A language's templates as stored: anything missing falls back to English when rendering
 * (so a language can be added incrementally; tests require the five supported languages complete).
 */
export type PartialStatusEmailLocale = Partial<Omit<StatusEmailLocale, "statusLabels" | "statuses" | "labels" | "notices" | "supportTerms" | "serviceHours">> & {
  statusLabels?: Partial<Record<CaseStatus, string>>;
  statuses?: Partial<Record<CaseStatus, Partial<StatusTemplate>>>;
  labels?: Partial<StatusEmailLocale["labels"]>;
  notices?: Partial<Record<CustomerNoticeKind, Partial<NoticeTemplate>>>;
  supportTerms?: Partial<SupportTermsLabels>;
  serviceHours?: Partial<ServiceHoursWords>;
};
