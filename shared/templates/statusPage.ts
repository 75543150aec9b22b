/**
 * The customer's status page as server-rendered HTML: one self-contained document per request, in
 * the customer's language, with plain HTML forms (POST, then a redirect back: works without
 * JavaScript; the page has no script at all). Every value is escaped once where it enters the
 * HTML. The only style is one `<style>` element whose SHA-256 the Content-Security-Policy names
 * (`style-src 'sha256-…'`), so no inline style attribute and no other stylesheet can apply.
 */
import { createHash } from "node:crypto";
import type { CaseStatus } from "../contracts";
import { escapeHtmlAttribute, escapeHtmlText, safeMailtoHref } from "./escape";
import { formatInstant } from "./format";
import { fillTemplate, resolveStatusEmailLocale } from "./statusEmail";
import { statusPageLocaleOf, type StatusPageLocale } from "./statusPageLocales";

/** The page's stylesheet (its hash is in the CSP; change it only here). */
export const STATUS_PAGE_CSS = [
  "body{margin:0;background:#f4f5f7;color:#1f2328;font:15px/1.5 'Segoe UI',Arial,sans-serif}",
  "main{max-width:640px;margin:0 auto;padding:24px;background:#fff}",
  "h1{font-size:22px;margin:0 0 16px}h2{font-size:17px;margin:24px 0 8px}",
  "dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{font-weight:600}dd{margin:0}",
  "ol{padding-left:20px}li{margin:6px 0}time{color:#57606a;font-size:13px;display:block}",
  "blockquote{margin:4px 0;padding:6px 10px;border-left:3px solid #0f6cbd;background:#f6f8fa;white-space:pre-wrap}",
  "textarea{width:100%;min-height:7em;box-sizing:border-box;font:inherit}",
  "button{margin-top:8px;padding:6px 14px;font:inherit}",
  "fieldset{border:1px solid #d0d7de;margin:8px 0;padding:8px 12px}",
  ".notice{padding:8px 12px;background:#dafbe1;border:1px solid #4ac26b}",
  ".error{padding:8px 12px;background:#ffebe9;border:1px solid #ff8182}",
  ".small{font-size:13px;color:#57606a}",
].join("\n");

/** `'sha256-…'` of {@link STATUS_PAGE_CSS}, as a CSP source expression. */
export const STATUS_PAGE_STYLE_HASH = `'sha256-${createHash("sha256").update(STATUS_PAGE_CSS, "utf8").digest("base64")}'`;

/** What the page shows (see shared/services/customerStatus.ts `CustomerStatusView`). */
export interface StatusPageModel {
  caseId: string;
  title: string;
  status: CaseStatus;
  language: string;
  timeZone: string;
  partnerName: string;
  supportContact: string;
  timeline: ReadonlyArray<{ kind: "status"; at: string; status: CaseStatus } | { kind: "reply"; at: string; text: string } | { kind: "message"; at: string; text: string } | { kind: "email"; at: string; subject: string }>;
  nextTargetAt?: string;
  attachments: ReadonlyArray<{ filename: string; sizeBytes: number; receivedAt: string }>;
  canReply: boolean;
  canConfirm: boolean;
  canReopen: boolean;
  reopenUntil?: string;
  canRate: boolean;
  satisfaction?: { rating: number; comment?: string };
}

/** Notices after a successful action (the `done` query parameter of the redirect). */
export const StatusPageNotices = ["replied", "confirmed", "reopened", "rated"] as const;
/** A notice. */
export type StatusPageNotice = (typeof StatusPageNotices)[number];

/** Form errors the page can show (which field, or a state conflict, or storage trouble). */
export type StatusPageError = "message" | "reason" | "rating" | "conflict" | "busy";

/** Options of {@link renderStatusPage}. */
export interface RenderStatusPageOptions {
  /** Path the page is served at (`/api/status/<token>`); forms post to `<path>/<action>`. */
  path: string;
  /** Fresh random value for the reply form (the reply's identity: a resubmitted form is one reply). */
  nonce: string;
  notice?: StatusPageNotice;
  error?: StatusPageError;
  /** Text the customer had typed, shown again with an error. */
  draft?: { message?: string; reason?: string; comment?: string };
}

function sizeText(bytes: number, locale: string): string {
  const units: Array<[number, string]> = [
    [1024 * 1024, "megabyte"],
    [1024, "kilobyte"],
  ];
  for (const [size, unit] of units) if (bytes >= size) return new Intl.NumberFormat(locale, { style: "unit", unit, maximumFractionDigits: 1 }).format(bytes / size);
  return new Intl.NumberFormat(locale, { style: "unit", unit: "byte" }).format(bytes);
}

function documentOf(lang: string, title: string, body: string[]): string {
  return [
    "<!DOCTYPE html>",
    `<html lang="${escapeHtmlAttribute(lang)}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">',
    `<title>${escapeHtmlText(title)}</title>`,
    `<style>${STATUS_PAGE_CSS}</style></head>`,
    "<body><main>",
    ...body,
    "</main></body></html>",
    "",
  ].join("\n");
}

function contactLine(t: StatusPageLocale, supportContact: string): string {
  const mailto = safeMailtoHref(supportContact);
  const shown = escapeHtmlText(supportContact);
  return `<p class="small">${fillTemplate(t.contact, { supportContact: mailto ? `<a href="${mailto}">${shown}</a>` : shown }, escapeHtmlText)}</p>`;
}

/**
 * Renders the status page of a case.
 * @param model - the customer's view of the case.
 * @param options - path, form nonce, notice or error to show.
 * @returns a complete HTML document (UTF-8).
 * @throws RangeError when an instant is invalid or the time zone unknown.
 */
export function renderStatusPage(model: StatusPageModel, options: RenderStatusPageOptions): string {
  const t = statusPageLocaleOf(model.language);
  const email = resolveStatusEmailLocale(model.language);
  const lang = statusPageLocaleOf(model.language) === statusPageLocaleOf("en") ? "en" : model.language;
  const when = (iso: string) => formatInstant(iso, email.locale, model.timeZone);
  const timeEl = (iso: string) => `<time datetime="${escapeHtmlAttribute(iso)}">${escapeHtmlText(when(iso))}</time>`;
  const e = escapeHtmlText;
  const f = (template: string, values: Record<string, string>) => fillTemplate(template, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, e(v)])), e);
  const title = f(t.title, { caseId: model.caseId });
  const action = (name: string) => escapeHtmlAttribute(`${options.path}/${name}`);
  const body: string[] = [`<h1>${title}</h1>`];
  if (options.notice) body.push(`<p class="notice" role="status" id="notice">${e(t.notices[options.notice])}</p>`);
  if (options.error) body.push(`<p class="error" role="alert" id="error">${e(t.errors[options.error])}</p>`);
  body.push(
    "<dl>",
    `<dt>${e(email.labels.request)}</dt><dd>${e(model.title)}</dd>`,
    `<dt>${e(t.status)}</dt><dd id="status" data-status="${escapeHtmlAttribute(model.status)}">${e(email.statusLabels[model.status])}</dd>`,
    ...(model.nextTargetAt ? [`<dt>${e(t.nextTarget)}</dt><dd id="next-target">${timeEl(model.nextTargetAt)}</dd>`] : []),
    "</dl>",
    `<p class="small">${f(t.timesIn, { timeZone: model.timeZone })}</p>`,
  );
  body.push(`<h2>${e(t.history)}</h2>`, '<ol id="timeline">');
  for (const item of model.timeline) {
    if (item.kind === "status") body.push(`<li data-kind="status">${timeEl(item.at)}${f(t.statusChanged, { status: email.statusLabels[item.status] })}</li>`);
    else if (item.kind === "reply") body.push(`<li data-kind="reply">${timeEl(item.at)}${e(t.youReplied)}<blockquote>${e(item.text)}</blockquote></li>`);
    else if (item.kind === "message") body.push(`<li data-kind="message">${timeEl(item.at)}${f(t.partnerWrote, { partnerName: model.partnerName })}<blockquote>${e(item.text)}</blockquote></li>`);
    else body.push(`<li data-kind="email">${timeEl(item.at)}${f(t.weEmailed, { subject: item.subject })}</li>`);
  }
  body.push("</ol>");
  if (model.attachments.length > 0) {
    body.push(`<h2>${e(t.attachments)}</h2>`, '<ul id="attachments">');
    for (const a of model.attachments) body.push(`<li>${e(a.filename)} <span class="small">(${e(sizeText(a.sizeBytes, email.locale))}, ${e(when(a.receivedAt))})</span></li>`);
    body.push("</ul>");
  }
  if (model.canConfirm || model.canReopen) {
    body.push(`<h2>${e(t.resolvedQuestion)}</h2>`);
    if (model.reopenUntil && model.canReopen) body.push(`<p class="small">${f(t.reopenUntil, { date: when(model.reopenUntil) })}</p>`);
    if (model.canConfirm) body.push(`<form method="post" action="${action("confirmation")}" id="confirm-form"><button type="submit">${e(t.confirmButton)}</button></form>`);
    if (model.canReopen) {
      body.push(
        `<form method="post" action="${action("reopening")}" id="reopen-form">`,
        `<label for="reason">${e(t.reopenLabel)}</label>`,
        `<textarea id="reason" name="reason" required maxlength="2000">${e(options.draft?.reason ?? "")}</textarea>`,
        `<button type="submit">${e(t.reopenButton)}</button>`,
        "</form>",
      );
    }
  }
  if (model.canRate || model.satisfaction) {
    body.push(`<h2 id="rating">${e(t.ratingQuestion)}</h2>`);
    if (model.satisfaction) body.push(`<p id="rating-given">${f(t.ratingThanks, { rating: String(model.satisfaction.rating) })}</p>`);
    else {
      body.push(`<form method="post" action="${action("rating")}" id="rating-form">`, `<fieldset><legend>${e(t.ratingQuestion)}</legend>`);
      t.ratingLabels.forEach((label, i) => body.push(`<label><input type="radio" name="rating" value="${i + 1}" required> ${e(label)}</label><br>`));
      body.push(
        "</fieldset>",
        `<label for="comment">${e(t.commentLabel)}</label>`,
        `<textarea id="comment" name="comment" maxlength="2000">${e(options.draft?.comment ?? "")}</textarea>`,
        `<button type="submit">${e(t.ratingButton)}</button>`,
        "</form>",
      );
    }
  }
  body.push(`<h2>${e(t.reply)}</h2>`);
  if (model.canReply) {
    body.push(
      `<form method="post" action="${action("reply")}" id="reply-form">`,
      `<input type="hidden" name="nonce" value="${escapeHtmlAttribute(options.nonce)}">`,
      `<label for="message">${e(t.replyLabel)}</label>`,
      `<textarea id="message" name="message" required maxlength="8000">${e(options.draft?.message ?? "")}</textarea>`,
      `<button type="submit">${e(t.replyButton)}</button>`,
      "</form>",
    );
  } else body.push(`<p>${e(t.closedNoReply)}</p>`);
  body.push(contactLine(t, model.supportContact));
  return documentOf(lang, `${model.caseId} – ${email.statusLabels[model.status]}`, body);
}

/**
 * Renders the page for a link that cannot be used: `invalid` (malformed, tampered, unknown case)
 * or `expired`, in the given language (English for any other).
 */
export function renderStatusErrorPage(language: string, kind: "invalid" | "expired"): string {
  const t = statusPageLocaleOf(language);
  const lang = t === statusPageLocaleOf("en") ? "en" : language;
  const heading = kind === "expired" ? t.errors.expiredTitle : t.errors.invalidTitle;
  const text = kind === "expired" ? t.errors.expired : t.errors.invalid;
  return documentOf(lang, heading, [`<h1 id="error-title">${escapeHtmlText(heading)}</h1>`, `<p>${escapeHtmlText(text)}</p>`]);
}
