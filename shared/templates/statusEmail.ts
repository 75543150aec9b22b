/**
 * Customer emails: one template per case status and per customer notice (a partner's progress
 * update, an SLA delay) in each supported language (templates are data, see ./locales), rendered
 * to a subject, a plain-text part and an HTML part in which every customer- and partner-supplied
 * value is escaped for its context. English fills whatever a language lacks.
 */
import type { CaseStatus, Category, SupportedLanguage } from "../contracts";
import { cs } from "./locales/cs";
import { en } from "./locales/en";
import { hu } from "./locales/hu";
import { pl } from "./locales/pl";
import { ru } from "./locales/ru";
import { assertTimeZone, formatInstant } from "./format";
import { escapeHtmlAttribute, escapeHtmlText, safeHttpHref, safeMailtoHref, toSingleLine } from "./escape";
import { statusPageLocaleOf } from "./statusPageLocales";
import { toRenderableInput } from "./text";
import { describeServiceHoursIn, serviceHoursLanguageOf, type DescribeServiceHoursOptions, type ServiceHoursLike } from "./serviceHours";
import { CustomerNoticeKinds, type NoticeTemplate, type PartialStatusEmailLocale, type StatusEmailLocale, type StatusEmailPlaceholder, type StatusTemplate } from "./types";

export { formatInstant } from "./format";
export type { DescribeServiceHoursOptions, ServiceHoursLike } from "./serviceHours";
export { CustomerNoticeKinds } from "./types";
export type {
  CustomerNoticeKind,
  NoticeTemplate,
  PartialStatusEmailLocale,
  ServiceHoursWords,
  StatusEmailLocale,
  StatusEmailPlaceholder,
  StatusTemplate,
  SupportTermsLabels,
} from "./types";

/** Templates of every supported language, as stored (English complete, the others may be partial). */
export const statusEmailLocales: Readonly<Record<SupportedLanguage, StatusEmailLocale | PartialStatusEmailLocale>> = { en, hu, cs, pl, ru };

/**
 * The partner's published support terms as quoted in the acknowledgement (CSP support rules "Tell
 * customers": support types, service hours, contact method, pricing). Partner-supplied free text,
 * escaped in the HTML part.
 */
export interface QuotedSupportTerms {
  /** Types of support offered, e.g. "Microsoft 365 administration". */
  supportTypes: string[];
  /** Service hours in the customer's language: {@link describeServiceHours} of the support terms' `serviceHours` (may span lines). */
  serviceHoursText: string;
  /** Contact methods, e.g. "email: support@contoso.example", "phone: +36 1 555 0100" (one line each). */
  contactMethods: string[];
  /** Pricing statement, e.g. "Included in the CSP subscription price". */
  pricing: string;
}

/** Fields of every customer email. */
export interface CustomerEmailBase {
  /** Customer's language; an unknown value (e.g. read from old data) renders in English. */
  language: SupportedLanguage;
  /** Case id, shown in the subject as `[Case #<caseId>]`. */
  caseId: string;
  /** Customer contact or company name (customer-supplied). */
  customerName: string;
  /** Request title (customer-supplied). */
  title: string;
  /** Partner's display name (partner-supplied). */
  partnerName: string;
  /** IANA time zone every instant is shown in (the partner's service-hours zone), e.g. `Europe/Budapest`. */
  timeZone: string;
  /** How the customer reaches support: an email address (linked with `mailto:`) or free text such as a phone number. */
  supportContact: string;
  /** ISO 8601 UTC instant of the change; the "updated" row is omitted when absent. */
  occurredAt?: string;
  /** The request's status page (a signed link, shared/services/statusLinks.ts); a line links it when given. */
  statusPageUrl?: string;
}

/** Input of {@link renderStatusEmail}: the email announcing a status. */
export interface StatusEmailInput extends CustomerEmailBase {
  /** The status the email announces. */
  status: CaseStatus;
  /** Optional text from the partner: the information requested, diagnosis notes, the resolution summary. */
  message?: string;
  /** ISO 8601 UTC instant of the first-response target (row "Response expected by"); meant for the acknowledgement. */
  respondBy?: string;
  /** Request category; with `billingContact`, decides whether the billing-contact sentence appears. */
  category?: Category;
  /** Support terms quoted in the acknowledgement (status `received` only; ignored for other statuses). */
  supportTerms?: QuotedSupportTerms;
  /** The status page's rating form (a resolution email asks for a satisfaction rating there), when given. */
  ratingUrl?: string;
  /**
   * The partner's billing contact (an address is linked with `mailto:`), stated in the acknowledgement
   * of a billing request: shown only when `status` is `received` and `category` is `billing` or absent.
   */
  billingContact?: string;
}

/** A progress update from the partner to the customer (no status change). */
export interface PartnerUpdateEmailInput extends CustomerEmailBase {
  kind: "partner-update";
  /** The partner's update, shown verbatim (line breaks kept); required and non-blank. */
  message: string;
  /** Current status, shown in the details table when given. */
  status?: CaseStatus;
  /** ISO 8601 UTC instant of the next periodic update (row "Next update by"), when the policy has one. */
  nextUpdateBy?: string;
}

/** "Your request is taking longer than our target; it has been escalated" (an SLA breach the customer should know of). */
export interface SlaDelayEmailInput extends CustomerEmailBase {
  kind: "sla-delay";
  /** ISO 8601 UTC instant the missed target was due (row "Target time"), when it should be shown. */
  dueAt?: string;
  /** Optional note from the partner. */
  message?: string;
  /** Current status, shown in the details table when given. */
  status?: CaseStatus;
}

/** Input of {@link renderCustomerEmail}: a status email or one of the customer notices, tagged by `kind`. */
export type CustomerEmailInput = (StatusEmailInput & { kind: "status" }) | PartnerUpdateEmailInput | SlaDelayEmailInput;

/** A rendered email. */
export interface RenderedEmail {
  /** Single line (no CR/LF), starts with `[Case #<caseId>]`. */
  subject: string;
  /** Plain-text part (no markup). */
  text: string;
  /** Complete HTML document (UTF-8) with every untrusted value escaped. */
  html: string;
}

/** Resolves a language to a complete locale: the language's strings over the English ones. */
export function resolveStatusEmailLocale(language: string): StatusEmailLocale {
  const partial: PartialStatusEmailLocale | undefined = (statusEmailLocales as Record<string, PartialStatusEmailLocale | undefined>)[language];
  if (!partial || partial === en) return en;
  const statuses = { ...en.statuses };
  for (const status of Object.keys(statuses) as CaseStatus[]) {
    const own = partial.statuses?.[status];
    // A status falls back as a whole unless the language has its paragraphs: a translated label
    // over English paragraphs would read as a mix of languages.
    if (own?.paragraphs && own.paragraphs.length > 0) {
      statuses[status] = { paragraphs: own.paragraphs, messageLabel: own.messageLabel ?? partial.defaultMessageLabel ?? en.statuses[status].messageLabel };
    }
  }
  const notices = { ...en.notices };
  for (const kind of CustomerNoticeKinds) {
    const own = partial.notices?.[kind];
    if (own?.paragraphs && own.paragraphs.length > 0 && own.label) {
      notices[kind] = { label: own.label, paragraphs: own.paragraphs, messageLabel: own.messageLabel ?? partial.defaultMessageLabel ?? en.notices[kind].messageLabel };
    }
  }
  return {
    locale: partial.locale ?? en.locale,
    subject: partial.subject ?? en.subject,
    statusLabels: { ...en.statusLabels, ...definedOnly(partial.statusLabels) },
    greeting: partial.greeting ?? en.greeting,
    statuses,
    defaultMessageLabel: partial.defaultMessageLabel ?? en.defaultMessageLabel,
    labels: { ...en.labels, ...definedOnly(partial.labels) },
    notices,
    supportTerms: { ...en.supportTerms, ...definedOnly(partial.supportTerms) },
    billingContact: partial.billingContact ?? en.billingContact,
    serviceHours: { ...en.serviceHours, ...definedOnly(partial.serviceHours) },
    contact: partial.contact ?? en.contact,
    closing: partial.closing ?? en.closing,
    signature: partial.signature ?? en.signature,
    footer: partial.footer ?? en.footer,
  };
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/**
 * Substitutes `{{name}}` markers in one pass (a value containing `{{…}}` is never expanded again).
 * Literal template text goes through `escapeLiteral`; values are inserted as given (already
 * rendered for the target context), so nothing is escaped twice or decoded.
 * @throws Error naming the placeholder when the template uses one that has no value (a template bug).
 */
export function fillTemplate(template: string, values: Readonly<Partial<Record<string, string>>>, escapeLiteral: (s: string) => string = (s) => s): string {
  let out = "";
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? "";
    const value = values[name];
    if (value === undefined) throw new Error(`Template placeholder {{${name}}} has no value`);
    out += escapeLiteral(template.slice(last, match.index)) + value;
    last = match.index + match[0].length;
  }
  return out + escapeLiteral(template.slice(last));
}

/**
 * Describes a partner's service hours in the customer's language, for
 * `QuotedSupportTerms.serviceHoursText`: one line per group of consecutive weekdays with the same
 * periods, weekday names from `Intl.DateTimeFormat(locale, { weekday: "long" })`
 * (e.g. `Hétfő–péntek: 08:00–12:00, 13:00–17:00`), a line naming the IANA time zone, and a line
 * of holidays (long Intl dates) when there are any. Lines are joined with `\n`; plain text.
 * @param hours - the support terms' `serviceHours` (or a weekly calendar): zone, periods "HH:mm", holiday dates YYYY-MM-DD.
 * @param locale - the customer's language (`hu`) or a BCP 47 locale (`hu-HU`); other languages describe in English.
 * @param options - which holidays to list (from a date, at most N).
 * @throws RangeError when the time zone is unknown, a period is not "HH:mm" or a holiday is not YYYY-MM-DD.
 */
export function describeServiceHours(hours: ServiceHoursLike, locale: string, options: DescribeServiceHoursOptions = {}): string {
  return describeServiceHoursIn(hours, serviceHoursLanguageOf(locale, resolveStatusEmailLocale), options);
}

/** Escapes text for HTML and keeps the author's line breaks. */
function htmlMultiline(value: string): string {
  return escapeHtmlText(value.replace(/\r\n?/g, "\n")).replace(/\n/g, "<br>\n");
}

/** A labelled value of the details tables (the value may span lines). */
type Row = [label: string, value: string];

/** What differs between a status email and a notice; everything else is shared. */
interface Body {
  /** Status or notice label (subject). */
  label: string;
  template: StatusTemplate;
  /** Billing-contact sentence appears (billing acknowledgement). */
  billingContact?: string;
  supportTerms?: QuotedSupportTerms;
  message?: string;
  /** Extra detail rows after the standard ones: [label, ISO instant]. */
  instants: Array<[string, string]>;
  /** Status shown in the details table. */
  status?: CaseStatus;
  /** Rating link (resolution email). */
  ratingUrl?: string;
}

function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() ? value.trim() : undefined;
}

/**
 * Renders a customer email in the customer's language: the email announcing a status
 * (`kind: "status"`, same as {@link renderStatusEmail}), a progress update from the partner
 * (`"partner-update"`, with its message) or an SLA delay notice (`"sla-delay"`: "your request is
 * taking longer than our target; it has been escalated").
 *
 * Subject: `[Case #<caseId>] <localized status or notice label>: <title>` (single line). Text
 * part: plain text. HTML part: a self-contained document; customer- and partner-supplied values
 * are escaped once for text nodes, and reply links (`supportContact`, `billingContact` when they
 * are email addresses) are percent-encoded and attribute-escaped. Instants are formatted with
 * `Intl.DateTimeFormat(<language's locale>, { timeZone })`. The acknowledgement (`received`)
 * quotes `supportTerms` when given and, for billing requests, names `billingContact`.
 *
 * Total over text: every string of the input first goes through `toRenderableText` (./text: lone
 * surrogates → U+FFFD, control characters removed, U+2028/U+2029 → line breaks), so any text,
 * whatever it holds, renders to well-formed output.
 * @throws RangeError when an instant is not valid ISO 8601, `timeZone` is not an IANA zone, the
 * status or kind is unknown, or a partner update has a blank message.
 */
export function renderCustomerEmail(given: CustomerEmailInput): RenderedEmail {
  const input = toRenderableInput(given);
  const locale = resolveStatusEmailLocale(input.language);
  let body: Body;
  switch (input.kind) {
    case "status": {
      const template: StatusTemplate | undefined = locale.statuses[input.status];
      if (!template) throw new RangeError(`No status email template for status "${String(input.status)}"`);
      const acknowledgement = input.status === "received";
      const message = nonBlank(input.message);
      const billing = acknowledgement && (input.category === undefined || input.category === "billing") ? nonBlank(input.billingContact) : undefined;
      body = {
        label: locale.statusLabels[input.status],
        template,
        status: input.status,
        ...(billing ? { billingContact: billing } : {}),
        ...(acknowledgement && input.supportTerms ? { supportTerms: input.supportTerms } : {}),
        ...(message ? { message } : {}),
        ...(input.status === "resolved" && input.ratingUrl ? { ratingUrl: input.ratingUrl } : {}),
        instants: input.respondBy ? [[locale.labels.respondBy, input.respondBy]] : [],
      };
      break;
    }
    case "partner-update": {
      const message = nonBlank(input.message);
      if (!message) throw new RangeError("A partner update needs a non-blank message");
      const notice: NoticeTemplate = locale.notices["partner-update"];
      body = { label: notice.label, template: notice, message, ...(input.status ? { status: input.status } : {}), instants: input.nextUpdateBy ? [[locale.labels.nextUpdateBy, input.nextUpdateBy]] : [] };
      break;
    }
    case "sla-delay": {
      const notice: NoticeTemplate = locale.notices["sla-delay"];
      const message = nonBlank(input.message);
      body = { label: notice.label, template: notice, ...(message ? { message } : {}), ...(input.status ? { status: input.status } : {}), instants: input.dueAt ? [[locale.labels.target, input.dueAt]] : [] };
      break;
    }
    default: {
      const unknown: never = input;
      throw new RangeError(`Unknown customer email kind: ${String((unknown as { kind: unknown }).kind)}`);
    }
  }
  return renderBody(input, locale, body);
}

/**
 * Renders the customer email for a status change in the customer's language (backward-compatible
 * form of `renderCustomerEmail({ kind: "status", ... })`).
 *
 * Subject: `[Case #<caseId>] <localized status>: <title>` (single line). The message block appears
 * whenever `message` is non-empty (it is the requested information for `awaiting-customer` and the
 * resolution summary for `resolved`). The acknowledgement (`received`) quotes `supportTerms` when
 * given and, for billing requests, names `billingContact`.
 * @throws RangeError when an instant is not a valid ISO 8601 instant or `timeZone` is not an IANA zone.
 */
export function renderStatusEmail(input: StatusEmailInput): RenderedEmail {
  return renderCustomerEmail({ ...input, kind: "status" });
}

function renderBody(input: CustomerEmailBase, locale: StatusEmailLocale, body: Body): RenderedEmail {
  const { template, message } = body;
  const lang = locale === en ? "en" : input.language;
  assertTimeZone(input.timeZone);
  const when = (iso: string) => formatInstant(iso, locale.locale, input.timeZone);
  const date = input.occurredAt ? when(input.occurredAt) : undefined;
  const raw: Record<StatusEmailPlaceholder, string> = {
    caseId: input.caseId,
    customerName: input.customerName,
    title: input.title,
    partnerName: input.partnerName,
    supportContact: input.supportContact,
    statusLabel: body.label,
    date: date ?? "",
    timeZone: input.timeZone,
    billingContact: body.billingContact ?? "",
  };
  const singleLine = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, toSingleLine(v)])) as Record<StatusEmailPlaceholder, string>;
  const subject = toSingleLine(fillTemplate(locale.subject, singleLine));
  const messageLabel = template.messageLabel ?? locale.defaultMessageLabel;

  const rows: Row[] = [
    [locale.labels.caseNumber, singleLine.caseId],
    [locale.labels.request, singleLine.title],
    [locale.labels.customer, singleLine.customerName],
    ...(body.status ? [[locale.labels.status, locale.statusLabels[body.status]] as Row] : []),
    ...(date ? [[locale.labels.updated, date] as Row] : []),
    ...body.instants.map(([label, iso]) => [label, when(iso)] as Row),
  ];
  const terms = body.supportTerms;
  const termRows: Row[] = terms
    ? [
        [locale.supportTerms.supportTypes, terms.supportTypes.map(toSingleLine).join(", ")],
        [locale.supportTerms.serviceHours, terms.serviceHoursText.replace(/\r\n?/g, "\n").trim()],
        [locale.supportTerms.contactMethods, terms.contactMethods.map(toSingleLine).join("\n")],
        [locale.supportTerms.pricing, terms.pricing.replace(/\r\n?/g, "\n").trim()],
      ]
    : [];

  // Status-page and rating links (only http(s) URLs; they come from our own configuration).
  const page = statusPageLocaleOf(input.language);
  const links: Array<[template: string, url: string, href: string]> = [];
  for (const [template, url] of [[page.emailLink, input.statusPageUrl], [page.emailRatingLink, body.ratingUrl]] as const) {
    const href = url ? safeHttpHref(url) : undefined;
    if (url && href) links.push([template, url, href]);
  }

  // Plain text: values as they are; titles and names are single-line there too.
  const t = (s: string) => fillTemplate(s, singleLine);
  const textRow = ([label, value]: Row) => (value.includes("\n") ? `${label}:\n${value.split("\n").map((l) => `  ${l}`).join("\n")}` : `${label}: ${value}`);
  const text = [
    t(locale.greeting),
    "",
    ...template.paragraphs.flatMap((p) => [t(p), ""]),
    ...(message ? [t(messageLabel), message.replace(/\r\n?/g, "\n"), ""] : []),
    ...(body.billingContact ? [t(locale.billingContact), ""] : []),
    ...rows.map(textRow),
    "",
    ...(terms ? [t(locale.supportTerms.heading), ...termRows.map(textRow), ""] : []),
    ...links.flatMap(([template, url]) => [fillTemplate(template, { url }), ""]),
    t(locale.contact),
    "",
    t(locale.closing),
    t(locale.signature),
    "",
    "-- ",
    t(locale.footer),
    "",
  ].join("\n");

  // HTML: each value escaped once for where it goes.
  const esc = Object.fromEntries(Object.entries(singleLine).map(([k, v]) => [k, escapeHtmlText(v)])) as Record<StatusEmailPlaceholder, string>;
  const link = (address: string, escaped: string) => {
    const mailto = safeMailtoHref(address, subject);
    return mailto ? `<a href="${mailto}" style="color:#0f6cbd;">${escaped}</a>` : escaped;
  };
  const h = (s: string, overrides: Partial<Record<StatusEmailPlaceholder, string>> = {}) => fillTemplate(s, { ...esc, ...overrides }, escapeHtmlText);
  const th = 'style="text-align:left;vertical-align:top;padding:4px 16px 4px 0;font-weight:600;white-space:nowrap;"';
  const htmlTable = (list: Row[]) => [
    '<table role="presentation" style="border-collapse:collapse;margin:16px 0;">',
    ...list.map(([label, value]) => `<tr><th scope="row" ${th}>${escapeHtmlText(label)}</th><td style="padding:4px 0;">${htmlMultiline(value)}</td></tr>`),
    "</table>",
  ];
  const html = [
    "<!DOCTYPE html>",
    `<html lang="${escapeHtmlAttribute(lang)}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtmlText(subject)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f4f5f7;">',
    `<div data-case-id="${escapeHtmlAttribute(input.caseId)}" style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff;color:#1f2328;font-family:'Segoe UI',Arial,sans-serif;font-size:15px;line-height:1.5;">`,
    `<p>${h(locale.greeting)}</p>`,
    ...template.paragraphs.map((p) => `<p>${h(p)}</p>`),
    ...(message
      ? [`<p style="margin-bottom:4px;"><strong>${h(messageLabel)}</strong></p>`, `<blockquote style="margin:0 0 16px;padding:8px 12px;border-left:3px solid #0f6cbd;background:#f6f8fa;">${htmlMultiline(message)}</blockquote>`]
      : []),
    ...(body.billingContact ? [`<p>${h(locale.billingContact, { billingContact: link(body.billingContact, esc.billingContact) })}</p>`] : []),
    ...htmlTable(rows),
    ...(terms ? [`<h2 style="font-size:16px;margin:24px 0 0;">${h(locale.supportTerms.heading)}</h2>`, ...htmlTable(termRows)] : []),
    ...links.map(([template, url, href]) => `<p>${fillTemplate(template, { url: `<a href="${href}" style="color:#0f6cbd;">${escapeHtmlText(url)}</a>` }, escapeHtmlText)}</p>`),
    `<p>${h(locale.contact, { supportContact: link(input.supportContact, esc.supportContact) })}</p>`,
    `<p>${h(locale.closing)}<br>\n${h(locale.signature)}</p>`,
    `<p style="margin-top:24px;font-size:12px;color:#6a737d;">${h(locale.footer)}</p>`,
    "</div>",
    "</body>",
    "</html>",
    "",
  ].join("\n");

  return { subject, text, html };
}

export { renderPartnerNotification, renderTextNotification, supportVehicleNames, type PartnerNotificationBase, type PartnerNotificationInput, type PartnerNotificationKind } from "./partnerNotification";
