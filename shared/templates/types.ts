/**
 * Shapes of the customer status-email templates. Templates are data: one object per language,
 * strings with `{{placeholder}}` markers, no markup (the renderer builds the HTML and escapes).
 */
import type { CaseStatus } from "../contracts";

/**
 * Placeholders a template string may use. Customer-supplied values (`customerName`, `title`,
 * `message`, `partnerName`, `supportContact`) are escaped by the renderer for the HTML part.
 */
export type StatusEmailPlaceholder =
  | "caseId"
  | "customerName"
  | "title"
  | "partnerName"
  | "supportContact"
  | "statusLabel"
  | "date"
  | "timeZone";

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
  labels: { caseNumber: string; request: string; customer: string; status: string; updated: string };
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
export type PartialStatusEmailLocale = Partial<Omit<StatusEmailLocale, "statusLabels" | "statuses" | "labels">> & {
  statusLabels?: Partial<Record<CaseStatus, string>>;
  statuses?: Partial<Record<CaseStatus, Partial<StatusTemplate>>>;
  labels?: Partial<StatusEmailLocale["labels"]>;
};
