/**
 * Loop detection: which inbound messages were written by a machine. Auto-replies, bounces and our
 * own notifications coming back must never create requests nor resume SLA clocks, only be
 * recorded; a permanent bounce marks the customer address undeliverable.
 *
 * Sources (help-desk practice "Email-to-ticket conventions"): RFC 3834 (Auto-Submitted; auto-responses
 * sent with a null Return-Path), RFC 3464 (delivery status notifications, `multipart/report;
 * report-type=delivery-status`, `Status` codes of RFC 3463: 5.x.x permanent, 4.x.x transient),
 * RFC 8098 (read receipts, `report-type=disposition-notification`), RFC 2076 (Precedence), Exim
 * `X-Failed-Recipients`, Microsoft MS-OXCMAIL 2.1.3.2.20 (`X-Auto-Response-Suppress`), Exchange
 * (`X-MS-Exchange-Inbox-Rules-Loop`, localized "Automatic reply:" subjects), and the markers
 * osTicket, Zammad and FreeScout check (X-Autoreply, X-Autorespond, X-Loop, MAILER-DAEMON).
 */
import { parseMessageIdList, parseOutboundMessageId } from "./messageIds";
import { addressDomain, headerValue, type HeaderMap, type MailAddress } from "./types";

/**
 * The header fields the parser keeps (lower-cased) in `ParsedMessage.headers`: those loop detection
 * and threading read, plus `Sender` and `Delivered-To` for the record (which mailbox received it).
 */
export const LOOP_DETECTION_HEADERS = [
  "auto-submitted",
  "precedence",
  "x-precedence",
  "x-autoreply",
  "x-autorespond",
  "x-auto-response-suppress",
  "x-loop",
  "x-mlserver",
  "x-ms-exchange-inbox-rules-loop",
  "x-failed-recipients",
  "return-path",
  "content-type",
  "message-id",
  "in-reply-to",
  "references",
  "from",
  "sender",
  "subject",
  "delivered-to",
] as const;

/**
 * Subject prefixes of out-of-office replies (Exchange/Outlook "Automatic reply:" in en, hu, cs, pl, ru;
 * older Exchange, Gmail "vacation" and common de/fr forms), compared case-insensitively at the start
 * of the decoded subject, whitespace before the colon allowed.
 */
export const AUTO_REPLY_SUBJECT_PREFIXES: readonly string[] = [
  "Automatic reply",
  "Out of Office AutoReply",
  "Out of Office",
  "Autoreply",
  "Auto-Reply",
  "Auto Reply",
  "Automatikus válasz",
  "Automatická odpověď",
  "Odpowiedź automatyczna",
  "Automatyczna odpowiedź",
  "Автоматический ответ",
  "Автоответ",
  "Abwesenheitsnotiz",
  "Automatische Antwort",
  "Réponse automatique",
];

/** Verdict of {@link classifyAutomated}. */
export type AutomatedVerdict =
  | { kind: "human" }
  | {
      kind: "auto-reply";
      /** Which rule fired, e.g. `auto-submitted: auto-replied`, `precedence: bulk`, `subject: Automatic reply`. */
      marker: string;
    }
  | {
      kind: "bounce";
      /** True for a permanent failure: a DSN `Status: 5.x.x` with `Action: failed` (RFC 3464/3463), or Exim's `X-Failed-Recipients` without a DSN. */
      permanent: boolean;
      /** Failed recipients (DSN `Final-Recipient`, else `Original-Recipient`, and `X-Failed-Recipients`), lower-cased, de-duplicated. */
      failedRecipients: string[];
      /** RFC 3463 status of the first failed recipient (`5.1.1`), when the DSN has one. */
      status?: string;
      /** Message-ID of the message that bounced, from the returned headers or the bounce's In-Reply-To. */
      originalMessageId?: string;
      /** The case, when the bounced message is one of our notifications (decoded from `originalMessageId`). */
      caseId?: string;
      /** Which rule fired, e.g. `multipart/report; report-type=delivery-status`, `from: mailer-daemon`. */
      marker: string;
    }
  | {
      kind: "own-notification";
      /** The case of the notification, when its Message-ID or In-Reply-To is ours. */
      caseId?: string;
      /** Which rule fired: `message-id` or `auto-submitted+own-domain`. */
      marker: string;
    };

/** Extra inputs of {@link classifyAutomated} that are not header fields. */
export interface AutomatedContext {
  /** The decoded subject (RFC 2047 words decoded), for the out-of-office prefixes. */
  subject?: string;
  /** Text of the `message/delivery-status` part (RFC 3464 fields), when the message has one. */
  deliveryStatus?: string;
  /** Header block of the returned message (`text/rfc822-headers` or the `message/rfc822` part of a report). */
  returnedHeaders?: string;
  /**
   * Domains our notifications are sent from (the partner's `senderEmail` domain). Needed to recognise
   * our own notifications; addresses in these domains in `X-MS-Exchange-Inbox-Rules-Loop` are the
   * partner's own forwarding rule (a relay), not an auto-reply.
   */
  ownDomains?: readonly string[];
  /**
   * The plain text body (first few KB are read), for bounces that carry no machine-readable part:
   * qmail, older Sendmail, Exim and Postfix without DSN, Japanese carriers, localized Exchange.
   */
  text?: string;
}

/** One per-recipient block of a delivery status notification (RFC 3464 2.3). */
export interface DeliveryStatusRecipient {
  /** `Final-Recipient` address (type prefix such as `rfc822;` removed), lower-cased. */
  finalRecipient?: string;
  /** `Original-Recipient` address, lower-cased. */
  originalRecipient?: string;
  /** `Action`: failed, delayed, delivered, relayed, expanded (lower-cased). */
  action?: string;
  /** RFC 3463 status code `class.subject.detail`, e.g. `5.1.1`. */
  status?: string;
  /** `Diagnostic-Code` as written, e.g. `smtp; 550 5.1.1 User unknown`. */
  diagnosticCode?: string;
}

function fieldsOf(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  const unfolded = block.replace(/\r\n?/g, "\n").replace(/\n[ \t]+/g, " ");
  for (const line of unfolded.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(name)) fields.set(name, line.slice(colon + 1).trim());
  }
  return fields;
}

function dsnAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const semi = value.indexOf(";");
  const address = (semi >= 0 ? value.slice(semi + 1) : value).trim().replace(/^<|>$/g, "").trim().toLowerCase();
  return address.includes("@") ? address : undefined;
}

/**
 * Parses the per-recipient blocks of a `message/delivery-status` body (RFC 3464 2.2/2.3: a
 * per-message block, then one block per recipient, separated by blank lines).
 * @param text - the DSN body; lines may be folded.
 * @returns the recipient blocks that name a recipient, in order ([] when none).
 */
export function parseDeliveryStatus(text: string): DeliveryStatusRecipient[] {
  const blocks = text.replace(/\r\n?/g, "\n").split(/\n[ \t]*\n/);
  const recipients: DeliveryStatusRecipient[] = [];
  for (const block of blocks) {
    const f = fieldsOf(block);
    const finalRecipient = dsnAddress(f.get("final-recipient"));
    const originalRecipient = dsnAddress(f.get("original-recipient"));
    if (!finalRecipient && !originalRecipient) continue;
    const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(f.get("status") ?? "")?.[1];
    const r: DeliveryStatusRecipient = {};
    if (finalRecipient) r.finalRecipient = finalRecipient;
    if (originalRecipient) r.originalRecipient = originalRecipient;
    const action = f.get("action")?.toLowerCase().split(/[\s(]/)[0];
    if (action) r.action = action;
    if (status) r.status = status;
    const diagnostic = f.get("diagnostic-code");
    if (diagnostic) r.diagnosticCode = diagnostic;
    recipients.push(r);
  }
  return recipients;
}

function contentTypeReport(headers: HeaderMap): string | undefined {
  const ct = headerValue(headers, "content-type");
  if (!ct || !/^multipart\/report\b/i.test(ct)) return undefined;
  return /report-type\s*=\s*"?([A-Za-z0-9_-]+)"?/i.exec(ct)?.[1]?.toLowerCase() ?? "";
}

function isOwnDomain(address: string, ownDomains: readonly string[]): boolean {
  const domain = addressDomain(address);
  return domain !== "" && ownDomains.some((d) => d.toLowerCase() === domain);
}

function caseOf(ids: readonly (string | undefined)[], ownDomains: readonly string[]): string | undefined {
  if (ownDomains.length === 0) return undefined;
  for (const id of ids) {
    if (!id) continue;
    const decoded = parseOutboundMessageId(id, ownDomains);
    if (decoded) return decoded.caseId;
  }
  return undefined;
}

/**
 * Subjects of non-DSN bounces, matched at the start of the decoded subject (case-insensitive):
 * Postfix, Sendmail, Exim, qmail, Courier, Exchange / Office 365 (en, de, fr, hu, cs, pl, ru, nl),
 * Gmail, Yahoo, Amazon SES, Lotus Notes/Domino, and the Japanese carriers (KDDI/au, docomo, SoftBank).
 */
export const BOUNCE_SUBJECT_PREFIXES: readonly string[] = [
  "Undelivered Mail Returned to Sender",
  "Undeliverable",
  "Undelivered Mail",
  "Undeliverable mail",
  "Delivery Status Notification (Failure)",
  "Delivery Status Notification (Delay)",
  "Delivery Notification: Delivery has failed",
  "Delivery Failure",
  "DELIVERY FAILURE",
  "Delivery failed",
  "Mail delivery failed",
  "Mail Delivery Failure",
  "Mail delivery failure",
  "Mail System Error - Returned Mail",
  "Returned mail",
  "Returned Mail",
  "failure notice",
  "Failure Notice",
  "Message delivery has failed",
  "Message not delivered",
  "Message undeliverable",
  "Warning: could not send message",
  "NOTICE: mail delivery status",
  "Delayed Mail",
  "Non remis",
  "Non distribuable",
  "Unzustellbar",
  "Nicht zustellbar",
  "Onbestelbaar",
  "Kézbesíthetetlen",
  "Nedoručitelné",
  "Nie można dostarczyć",
  "Niedostarczalne",
  "Недоставленное сообщение",
  "Не доставлено",
  "Письмо не доставлено",
  "メールエラー通知",
  "配信不能",
  "Mail Delivery Subsystem",
  "There was an error sending your mail",
];

/**
 * Phrases that open the human-readable part of a bounce (searched in the first 4000 characters of
 * the text): Postfix, Sendmail, Exim, qmail, Courier, Exchange / Office 365, Gmail, Yahoo, Amazon
 * SES, mail.ru, Yandex, the Japanese carriers.
 */
const BOUNCE_BODY_PHRASES: readonly RegExp[] = [
  /This is the mail system at host/i,
  /I'm sorry to have to inform you that your message could not/i,
  /This is the qmail-send program/i,
  /This message was created automatically by mail delivery software/i,
  /The following addresses had permanent fatal errors/i,
  /Delivery to the following recipients? (?:failed|has been delayed)/i,
  /Delivery has failed to these recipients or groups/i,
  /Your message (?:wasn't|was not|could not be|couldn't be) delivered/i,
  /Your message did not reach some or all of the intended recipients/i,
  /(?:message|mail) (?:could not|cannot|can ?not) be delivered to/i,
  /permanent error\. The following address\(es\) failed/i,
  /Sorry, we were unable to deliver your message/i,
  /There was an error (?:delivering|sending) your (?:mail|message)/i,
  /Could not be delivered to:/i,
  /automatically generated Delivery Status Notification/i,
  /Error: Invalid user address/i,
  /Remote Server returned '?[45]\d\d/i,
  /Échec de la remise pour ces destinataires/i,
  /Die Nachricht konnte nicht zugestellt werden|Fehler bei der Zustellung an folgende Empfänger/i,
  /Ваше письмо не может быть (?:отправлено|доставлено)|Сообщение не было доставлено/i,
  /送信(?:できませんでした|に失敗しました)|宛先(?:不明|エラー)|配信(?:できません|に失敗)/,
];

/** Display names of bounce senders that do not use a MAILER-DAEMON/postmaster address. */
const BOUNCE_SENDER_NAMES = /^(?:mail delivery (?:subsystem|system)|mail deliver system|mail administrator|microsoft outlook|postmaster|mailer-daemon)$/i;

/** Local parts of bounce senders (RFC 3464 2.2: the DSN comes from the reporting MTA's daemon address). */
function isDaemonLocalPart(localPart: string): boolean {
  return localPart === "mailer-daemon" || localPart === "mailer_daemon" || localPart === "mail-daemon" || localPart === "postmaster" || localPart === "poostmaster" || localPart === "post_master" || localPart.startsWith("microsoftexchange");
}

/** A forwarded message (a customer forwarding a bounce is a request, not a bounce). */
const FORWARDED_SUBJECT = /^\s*(?:fwd?|fw|wg|tr|továbbítás|pd|pd|przekaż|пересл)\s*:/i;

/** Addresses and RFC 3463 status codes named in the human-readable text of a non-DSN bounce. */
function textRecipients(text: string, exclude: readonly string[]): { recipients: string[]; status?: string; permanent: boolean } {
  // Only the report, not the returned message (which starts at one of these markers).
  const report = text.slice(0, 6000).split(/^\s*(?:-{2,}.*(?:original message|copy of the message|returned message|headers of the original|Original message|Original Message).*|Original message headers:.*|-+ Below this line is a copy of the message\.?.*)$/im)[0] ?? "";
  const found: string[] = [];
  for (const m of report.matchAll(/<?([A-Za-z0-9._%+'=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?/g)) {
    const a = (m[1] ?? "").toLowerCase();
    if (!exclude.includes(a) && !/^(?:mailer-daemon|postmaster)@/.test(a) && !found.includes(a)) found.push(a);
  }
  const status = /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(report)?.[1];
  const permanent = status ? status.startsWith("5") : /\b5[0-5]\d[\s-]/.test(report) || /permanent|fatal|user unknown|does not exist|no such user|unknown user/i.test(report);
  return { recipients: found.slice(0, 20), permanent, ...(status ? { status } : {}) };
}

function classifyBounce(headers: HeaderMap, from: MailAddress | undefined, context: AutomatedContext): AutomatedVerdict | undefined {
  const reportType = contentTypeReport(headers);
  const localPart = (from?.address ?? "").split("@")[0]?.toLowerCase() ?? "";
  const failedHeader = (headers["x-failed-recipients"] ?? []).flatMap((v) => v.split(/[,\s]+/)).map((a) => a.replace(/^<|>$/g, "").trim().toLowerCase()).filter((a) => a.includes("@"));
  const subject = context.subject?.trim() ?? "";
  const forwarded = FORWARDED_SUBJECT.test(subject);
  const text = (context.text ?? "").slice(0, 4000);
  let marker: string | undefined;
  let structured = true;
  if (reportType === "delivery-status" || reportType === "global-delivery-status") marker = `multipart/report; report-type=${reportType}`;
  else if (context.deliveryStatus !== undefined && context.deliveryStatus.trim() !== "") marker = "message/delivery-status";
  else if (failedHeader.length > 0) marker = "x-failed-recipients";
  else if (isDaemonLocalPart(localPart)) marker = `from: ${localPart}`;
  else if (!forwarded) {
    structured = false;
    const prefix = BOUNCE_SUBJECT_PREFIXES.find((p) => subject.toLowerCase().startsWith(p.toLowerCase()));
    const phrase = BOUNCE_BODY_PHRASES.find((re) => re.test(text));
    const noSender = (from?.address ?? "") === "";
    if (prefix && (phrase || noSender || BOUNCE_SENDER_NAMES.test(from?.name ?? "") || headerValue(headers, "return-path") === "<>")) marker = `subject: ${prefix}`;
    else if (phrase) marker = `text: ${phrase.source.slice(0, 60)}`;
    else if (BOUNCE_SENDER_NAMES.test(from?.name ?? "") && prefix) marker = `from: ${from?.name ?? ""}`;
  }
  if (!marker) return undefined;

  const recipients = context.deliveryStatus ? parseDeliveryStatus(context.deliveryStatus) : [];
  const failed = recipients.filter((r) => r.action === "failed" || r.status?.startsWith("5"));
  let failedRecipients = [...new Set([...failed.map((r) => r.finalRecipient ?? r.originalRecipient).filter((a): a is string => a !== undefined), ...failedHeader])];
  const withStatus = recipients.filter((r) => r.status !== undefined);
  let status = failed.find((r) => r.status)?.status ?? withStatus[0]?.status;
  let permanent = withStatus.length > 0 ? failed.some((r) => r.status?.startsWith("5")) : failedHeader.length > 0;
  if (withStatus.length === 0 && failedHeader.length === 0 && (!structured || recipients.length === 0)) {
    // No machine-readable report: read the human-readable one (recipients are not marked
    // undeliverable from it unless a 5.x.x status or a permanent-failure phrase is there).
    const fromText = textRecipients(context.text ?? "", [from?.address ?? ""]);
    failedRecipients = fromText.recipients;
    status ??= fromText.status;
    permanent = fromText.permanent;
  }

  const returned = context.returnedHeaders ? fieldsOf(context.returnedHeaders.split(/\r?\n\r?\n/)[0] ?? "") : undefined;
  const inlineId = /^\s*Message-ID:\s*(<[^<>\s]+>)/im.exec((context.text ?? "").slice(0, 20000))?.[1];
  const ownId = parseMessageIdList(headerValue(headers, "message-id"))[0];
  const originalMessageId = parseMessageIdList(returned?.get("message-id"))[0] ?? parseMessageIdList(headerValue(headers, "in-reply-to"))[0] ?? (inlineId && inlineId !== ownId ? inlineId : undefined);
  const verdict: AutomatedVerdict = { kind: "bounce", permanent, failedRecipients, marker };
  if (status) verdict.status = status;
  if (originalMessageId) {
    verdict.originalMessageId = originalMessageId;
    const caseId = caseOf([originalMessageId], context.ownDomains ?? []);
    if (caseId) verdict.caseId = caseId;
  }
  return verdict;
}

function classifyOwn(headers: HeaderMap, from: MailAddress | undefined, ownDomains: readonly string[]): AutomatedVerdict | undefined {
  if (ownDomains.length === 0) return undefined;
  const messageId = parseMessageIdList(headerValue(headers, "message-id"))[0];
  const inReplyTo = parseMessageIdList(headerValue(headers, "in-reply-to"))[0];
  const own = messageId ? parseOutboundMessageId(messageId, ownDomains) : undefined;
  if (own) return { kind: "own-notification", caseId: own.caseId, marker: "message-id" };
  const autoSubmitted = headerValue(headers, "auto-submitted")?.split(";")[0]?.trim().toLowerCase();
  if (autoSubmitted === "auto-generated" && from && isOwnDomain(from.address, ownDomains)) {
    const caseId = caseOf([messageId, inReplyTo], ownDomains);
    return caseId ? { kind: "own-notification", caseId, marker: "auto-submitted+own-domain" } : { kind: "own-notification", marker: "auto-submitted+own-domain" };
  }
  return undefined;
}

function classifyAutoReply(headers: HeaderMap, context: AutomatedContext): string | undefined {
  const autoSubmitted = headerValue(headers, "auto-submitted")?.split(";")[0]?.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== "no") return `auto-submitted: ${autoSubmitted}`;
  const reportType = contentTypeReport(headers);
  if (reportType === "disposition-notification") return "multipart/report; report-type=disposition-notification";
  for (const name of ["precedence", "x-precedence"]) {
    const value = headerValue(headers, name)?.toLowerCase();
    if (value && ["bulk", "junk", "list", "auto_reply", "auto-reply"].includes(value)) return `${name}: ${value}`;
  }
  for (const name of ["x-autoreply", "x-autorespond"]) {
    const value = headerValue(headers, name);
    if (value !== undefined && !/^(no|false|0)$/i.test(value)) return name;
  }
  const rulesLoop = headers["x-ms-exchange-inbox-rules-loop"] ?? [];
  const ownDomains = context.ownDomains ?? [];
  if (rulesLoop.some((v) => !isOwnDomain(v.trim().replace(/^<|>$/g, ""), ownDomains))) return "x-ms-exchange-inbox-rules-loop";
  const suppress = headerValue(headers, "x-auto-response-suppress");
  if (suppress !== undefined && suppress !== "" && !/^none$/i.test(suppress)) return "x-auto-response-suppress";
  if (headers["x-loop"]?.length) return "x-loop";
  // Mailing-list servers' own control replies (fml: "not a member", "Loop Alert").
  if (headers["x-mlserver"]?.length) return "x-mlserver";
  const subject = context.subject?.trim();
  if (subject) {
    const lower = subject.toLowerCase();
    for (const prefix of AUTO_REPLY_SUBJECT_PREFIXES) {
      const p = prefix.toLowerCase();
      if (lower.startsWith(p) && /^\s*:/.test(lower.slice(p.length))) return `subject: ${prefix}`;
    }
  }
  if (headerValue(headers, "return-path") === "<>") return "return-path: <>";
  return undefined;
}

/**
 * Classifies an inbound message as written by a person or by a machine.
 *
 * Checked in this order, first match wins:
 * 1. bounce: `multipart/report; report-type=delivery-status` (RFC 3464), a `message/delivery-status`
 *    part, `X-Failed-Recipients` (Exim), or a MAILER-DAEMON/postmaster/MicrosoftExchange… sender;
 *    permanence and failed recipients from the DSN (`Status: 5.x.x`, `Final-Recipient`);
 * 2. own notification (needs `context.ownDomains`): the Message-ID is one of ours
 *    (`<CS-….key@ownDomain>`), or `Auto-Submitted: auto-generated` from an own-domain sender. A
 *    Message-ID of ours in In-Reply-To alone is NOT enough: every genuine customer reply and every
 *    Exchange out-of-office (which carries `Auto-Submitted: auto-generated` and
 *    `X-Auto-Response-Suppress: All`) has one; it only supplies the `caseId`;
 * 3. auto-reply: `Auto-Submitted` other than `no` (RFC 3834 5), `report-type=disposition-notification`
 *    (read receipt, RFC 8098), `Precedence`/`X-Precedence` bulk|junk|list|auto_reply, `X-Autoreply`,
 *    `X-Autorespond`, `X-MS-Exchange-Inbox-Rules-Loop` (unless it names an own-domain mailbox: the
 *    partner's own forwarding rule), `X-Auto-Response-Suppress` other than `None` (MS-OXCMAIL),
 *    `X-Loop`, an out-of-office subject prefix ({@link AUTO_REPLY_SUBJECT_PREFIXES}), a null
 *    `Return-Path: <>` (RFC 3834 3.3);
 * 4. otherwise human.
 * @param headers - lower-cased header map (at least {@link LOOP_DETECTION_HEADERS}).
 * @param from - the From mailbox, when the message has one.
 * @param context - decoded subject, DSN text, returned headers and our sender domains.
 * @returns the verdict; never throws.
 */
export function classifyAutomated(headers: HeaderMap, from: MailAddress | undefined, context: AutomatedContext = {}): AutomatedVerdict {
  const bounce = classifyBounce(headers, from, context);
  if (bounce) return bounce;
  const own = classifyOwn(headers, from, context.ownDomains ?? []);
  if (own) return own;
  const marker = classifyAutoReply(headers, context);
  if (marker) return { kind: "auto-reply", marker };
  return { kind: "human" };
}
