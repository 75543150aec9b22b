/**
 * Customer status emails: one template per case status in each supported language (templates are
 * data, see ./locales), rendered to a subject, a plain-text part and an HTML part in which every
 * customer-supplied value is escaped for its context. English fills whatever a language lacks.
 */
import type { CaseStatus, SupportedLanguage } from "../contracts";
import { cs } from "./locales/cs";
import { en } from "./locales/en";
import { hu } from "./locales/hu";
import { pl } from "./locales/pl";
import { ru } from "./locales/ru";
import { assertTimeZone, formatInstant } from "./format";
import { escapeHtmlAttribute, escapeHtmlText, safeMailtoHref, toSingleLine } from "./escape";
import type { PartialStatusEmailLocale, StatusEmailLocale, StatusEmailPlaceholder, StatusTemplate } from "./types";

export { formatInstant } from "./format";
export type { PartialStatusEmailLocale, StatusEmailLocale, StatusEmailPlaceholder, StatusTemplate } from "./types";

/** Templates of every supported language, as stored (English complete, the others may be partial). */
export const statusEmailLocales: Readonly<Record<SupportedLanguage, StatusEmailLocale | PartialStatusEmailLocale>> = { en, hu, cs, pl, ru };

/** Input of {@link renderStatusEmail}. */
export interface StatusEmailInput {
  /** The status the email announces. */
  status: CaseStatus;
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
  /** Optional text from the partner: the information requested, diagnosis notes, the resolution summary. */
  message?: string;
  /** IANA time zone the date is shown in (the partner's service-hours zone), e.g. `Europe/Budapest`. */
  timeZone: string;
  /** How the customer reaches support: an email address (linked with `mailto:`) or free text such as a phone number. */
  supportContact: string;
  /** ISO 8601 UTC instant of the change; the "updated" row is omitted when absent. */
  occurredAt?: string;
}

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
  return {
    locale: partial.locale ?? en.locale,
    subject: partial.subject ?? en.subject,
    statusLabels: { ...en.statusLabels, ...definedOnly(partial.statusLabels) },
    greeting: partial.greeting ?? en.greeting,
    statuses,
    defaultMessageLabel: partial.defaultMessageLabel ?? en.defaultMessageLabel,
    labels: { ...en.labels, ...definedOnly(partial.labels) },
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

/** Escapes text for HTML and keeps the author's line breaks. */
function htmlMultiline(value: string): string {
  return escapeHtmlText(value.replace(/\r\n?/g, "\n")).replace(/\n/g, "<br>\n");
}

/**
 * Renders the customer email for a status change in the customer's language.
 *
 * Subject: `[Case #<caseId>] <localized status>: <title>` (single line). Text part: plain text.
 * HTML part: a self-contained document; customer- and partner-supplied values are escaped for text
 * nodes, and the reply link (when `supportContact` is an email address) is percent-encoded and
 * attribute-escaped. The message block appears whenever `message` is non-empty (it is the requested
 * information for `awaiting-customer` and the resolution summary for `resolved`).
 * @throws RangeError when `occurredAt` is not a valid instant or `timeZone` is not an IANA zone.
 */
export function renderStatusEmail(input: StatusEmailInput): RenderedEmail {
  const locale = resolveStatusEmailLocale(input.language);
  const template: StatusTemplate | undefined = locale.statuses[input.status];
  if (!template) throw new RangeError(`No status email template for status "${String(input.status)}"`);
  const lang = locale === en ? "en" : input.language;
  assertTimeZone(input.timeZone);
  const date = input.occurredAt ? formatInstant(input.occurredAt, locale.locale, input.timeZone) : undefined;
  const raw: Record<StatusEmailPlaceholder, string> = {
    caseId: input.caseId,
    customerName: input.customerName,
    title: input.title,
    partnerName: input.partnerName,
    supportContact: input.supportContact,
    statusLabel: locale.statusLabels[input.status],
    date: date ?? "",
    timeZone: input.timeZone,
  };
  const singleLine = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, toSingleLine(v)])) as Record<StatusEmailPlaceholder, string>;
  const subject = toSingleLine(fillTemplate(locale.subject, singleLine));
  const message = input.message?.trim() ? input.message.trim() : undefined;
  const messageLabel = template.messageLabel ?? locale.defaultMessageLabel;

  // Plain text: values as they are; titles and names are single-line there too.
  const t = (s: string) => fillTemplate(s, singleLine);
  const rows: Array<[string, string]> = [
    [locale.labels.caseNumber, singleLine.caseId],
    [locale.labels.request, singleLine.title],
    [locale.labels.customer, singleLine.customerName],
    [locale.labels.status, singleLine.statusLabel],
    ...(date ? [[locale.labels.updated, date] as [string, string]] : []),
  ];
  const text = [
    t(locale.greeting),
    "",
    ...template.paragraphs.flatMap((p) => [t(p), ""]),
    ...(message ? [t(messageLabel), message.replace(/\r\n?/g, "\n"), ""] : []),
    ...rows.map(([label, value]) => `${label}: ${value}`),
    "",
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
  const esc: Record<StatusEmailPlaceholder, string> = {
    ...(Object.fromEntries(Object.entries(singleLine).map(([k, v]) => [k, escapeHtmlText(v)])) as Record<StatusEmailPlaceholder, string>),
  };
  const mailto = safeMailtoHref(input.supportContact, subject);
  const contactHtml = mailto ? `<a href="${mailto}" style="color:#0f6cbd;">${esc.supportContact}</a>` : esc.supportContact;
  const h = (s: string, overrides: Partial<Record<StatusEmailPlaceholder, string>> = {}) => fillTemplate(s, { ...esc, ...overrides }, escapeHtmlText);
  const th = 'style="text-align:left;vertical-align:top;padding:4px 16px 4px 0;font-weight:600;white-space:nowrap;"';
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
    '<table role="presentation" style="border-collapse:collapse;margin:16px 0;">',
    ...rows.map(([label, value]) => `<tr><th scope="row" ${th}>${escapeHtmlText(label)}</th><td style="padding:4px 0;">${escapeHtmlText(value)}</td></tr>`),
    "</table>",
    `<p>${h(locale.contact, { supportContact: contactHtml })}</p>`,
    `<p>${h(locale.closing)}<br>\n${h(locale.signature)}</p>`,
    `<p style="margin-top:24px;font-size:12px;color:#6a737d;">${h(locale.footer)}</p>`,
    "</div>",
    "</body>",
    "</html>",
    "",
  ].join("\n");

  return { subject, text, html };
}

export { renderPartnerNotification, type PartnerNotificationInput } from "./partnerNotification";
