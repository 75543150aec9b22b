/**
 * Email threading: which case a message answers, and which part of it is new text.
 *
 * Matching follows osTicket's order (help-desk practice "Email-to-ticket conventions"): In-Reply-To,
 * then References right-most first (RFC 5322 3.6.4: the last id is the parent; at most the last
 * `MAX_REFERENCES`), each checked
 * against the Message-IDs of our outbound mail and, since those encode the case
 * (`<{caseId}.{key}@{senderDomain}>`), decoded directly; then the `[Case #ID]` subject token, only
 * when the sender is that case's customer, so nobody can inject text into another customer's case
 * by writing its id in a subject.
 *
 * Quote stripping recognises the reply headers of the mail clients customers use, in the five
 * supported languages (en, hu, cs, pl, ru): Outlook header blocks, Gmail/Apple Mail/Thunderbird
 * attribution lines, "Original Message" separators, `>` quoted lines and the RFC 3676 4.3
 * signature separator `-- `.
 */
import { parseOutboundMessageId, normalizeMessageId, CASE_ID_PATTERN, MAX_REFERENCES } from "./messageIds";
import { sameAddress, type MailAddress } from "./types";

// ---------------------------------------------------------------------------------------------
// Quote stripping
// ---------------------------------------------------------------------------------------------

/**
 * Labels of the "From" line of an Outlook reply header block (Outlook desktop, OWA, new Outlook,
 * Outlook for Mac) in en, hu, cs, pl, ru, plus de/fr/it/es/nl that foreign colleagues' clients use.
 */
const OUTLOOK_FROM = /^\s*\**\s*(?:From|Feladó|Od|От|Von|De|Da|Van)\s*:\s*\**\s*\S/i;
/** Labels of the second line of the block (Sent/Date), same languages. */
const OUTLOOK_SENT = /^\s*\**\s*(?:Sent|Date|Elküldve|Dátum|Küldve|Odesláno|Datum|Wysłano|Wysłane|Data|Отправлено|Дата|Gesendet|Envoyé|Inviato|Enviado|Verzonden)\s*:/i;
/** Other labels of the block (To/Cc/Subject), so a block written in a different order is still found. */
const OUTLOOK_OTHER = /^\s*\**\s*(?:To|Cc|Subject|Címzett|Másolatot kap|Tárgy|Komu|Kopie|Předmět|Do|DW|Temat|Кому|Копия|Тема|An|Betreff|À|Objet|A|Oggetto|Para|Asunto|Aan|Onderwerp)\s*:/i;

/** Separator lines of "original message" blocks: Outlook (older), Thunderbird, localized. */
const ORIGINAL_MESSAGE = new RegExp(
  "^\\s*-{2,}\\s*(?:Original Message|Eredeti üzenet|Původní zpráva|Původní e-mail|Oryginalna wiadomość|Wiadomość oryginalna|Исходное сообщение|Исходное письмо|Ursprüngliche Nachricht|Original[- ]?Nachricht|Message d'origine|Messaggio originale|Mensaje original)\\s*-{2,}\\s*$",
  "i",
);
/** Outlook's underscore rule above its header block. */
const UNDERSCORE_RULE = /^\s*_{10,}\s*$/;
/**
 * Forward markers (Gmail, Thunderbird, Apple Mail, localized). The forwarded text is the content of
 * a forward, so these are never cut points.
 */
const FORWARD_MARKER = new RegExp(
  "^\\s*(?:-{2,}\\s*(?:Forwarded message|Forwarded Message|Weitergeleitete Nachricht|Message transféré|Doorgestuurd bericht|Továbbított üzenet|Přeposlaná zpráva|Wiadomość przekazana dalej|Przekazana wiadomość|Пересылаемое сообщение|Пересланное сообщение)\\s*-{2,}|Begin forwarded message:|Začátek přeposílané zprávy:|Początek przekazywanej wiadomości:|Továbbított levél kezdete:|Начало переадресованного сообщения:)\\s*$",
  "i",
);
/**
 * Attribution lines ("On … wrote:") that introduce a quote, per client and language:
 * Gmail/Thunderbird/Apple Mail en "On <date>, <name> wrote:"; Gmail hu "<name> ezt írta (időpont: …):";
 * Gmail/Apple Mail cs "Dne <date> <name> napsal(a):"; Gmail pl "<date> <name> napisał(a):";
 * Thunderbird/Yandex ru "<date>, <name> пишет:"/"написал(а):". Each must contain a digit (a date or
 * time) so that an ordinary sentence ending in "wrote:" is not taken for one.
 */
const ATTRIBUTION_STRONG = [
  /^\s*On\b.*\bwrote\s*:\s*$/i,
  /\bezt írta(?:\s*\([^)]*\))?\s*:\s*$/i,
  /\bnapsal(?:\(a\)|a)?\s*:\s*$/i,
  /\bnapisał(?:\(a\)|a)?\s*:\s*$/i,
  /(?:пишет|написал(?:\(а\)|а)?)\s*:\s*$/i,
  /\b(?:schrieb|a écrit|ha scritto|escribió)\s*:\s*$/i,
];
/**
 * Weak attribution: a dated line ending in `<address>:` (Gmail ru "чт, 5 мар. 2026 г. в 10:15, Иван <ivan@…>:",
 * Apple Mail cs "5. 3. 2026 v 10:15, Jan <jan@…>:"). Accepted only when `>` quoted lines follow.
 */
const ATTRIBUTION_WEAK = /<[^<>\s@]+@[^<>\s]+>\s*:\s*$/;
/** RFC 3676 4.3 signature separator (`-- `; some clients drop the trailing space). */
const SIGNATURE = /^-- ?$/;

function isQuoted(line: string): boolean {
  return /^\s*>/.test(line);
}

function isAttribution(text: string): "strong" | "weak" | undefined {
  if (!/\d/.test(text) || text.length > 400) return undefined;
  if (ATTRIBUTION_STRONG.some((re) => re.test(text))) return "strong";
  if (ATTRIBUTION_WEAK.test(text)) return "weak";
  return undefined;
}

/** Index of the next non-blank line at or after `from`, or `lines.length`. */
function nextNonBlank(lines: readonly string[], from: number): number {
  let i = from;
  while (i < lines.length && (lines[i] ?? "").trim() === "") i++;
  return i;
}

/** Whether an Outlook-style header block starts at line `i` (From line with a Sent/Date or To/Subject line within the next 4). */
function isOutlookBlock(lines: readonly string[], i: number): boolean {
  if (!OUTLOOK_FROM.test(lines[i] ?? "")) return false;
  let sent = false;
  let other = 0;
  for (let k = i + 1; k <= i + 5 && k < lines.length; k++) {
    const line = lines[k] ?? "";
    if (OUTLOOK_SENT.test(line)) sent = true;
    else if (OUTLOOK_OTHER.test(line)) other++;
  }
  return sent || other >= 2;
}

/**
 * Removes quoted history and the signature from a reply, keeping what the sender wrote.
 *
 * Rules, applied line by line until a cut point:
 * - cut at an Outlook header block ("From:/Sent:/To:/Subject:" and the localized
 *   "Feladó:/Elküldve:", "Od:/Odesláno:", "Od:/Wysłano:", "От:/Отправлено:"), including the
 *   `____` rule above it; Outlook quotes without `>`, so everything below is history;
 * - cut at "-----Original Message-----" / Thunderbird "-------- Original Message --------" and
 *   their hu/cs/pl/ru forms;
 * - an attribution (Gmail/Apple Mail/Thunderbird "On … wrote:", localized; wrapped over up to
 *   three lines) is dropped with the `>` lines that follow; text after them (an inline answer) is kept; a strong attribution
 *   not followed by `>` lines (quote without prefix) is a cut point;
 * - other `>` quoted lines are dropped;
 * - cut at the signature separator `-- ` (RFC 3676 4.3).
 * Forward markers ("---------- Forwarded message ---------", "Begin forwarded message:", localized)
 * end the scan: a forward's content is what was forwarded. When nothing was written above a cut
 * point (an "original message" separator or an Outlook header block) but blank lines, the history is
 * the content and is returned from the cut point on (without `>` lines): quoted history is stripped
 * only below new text. Outlook forwards have no marker and look
 * like a reply block, so do not strip the text of a new request whose subject
 * {@link isForwardedSubject}.
 * @param text - the plain text of a message (`\n`, `\r\n` or `\r` line breaks).
 * @returns the new text, trailing whitespace of each line and blank lines at both ends removed;
 *   "" when the message was all quote.
 */
export function stripQuotedReply(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const kept: string[] = [];
  /** Line index of each kept line, to find an attribution wrapped over the lines just kept. */
  const keptAt: number[] = [];
  /** Line where the history starts (the scan stopped there), when it stopped at a cut point. */
  let cutAt: number | undefined;
  let i = 0;
  scan: while (i < lines.length) {
    const line = lines[i] ?? "";
    if (FORWARD_MARKER.test(line)) {
      kept.push(...lines.slice(i));
      break;
    }
    if (ORIGINAL_MESSAGE.test(line) || isOutlookBlock(lines, i)) {
      cutAt = i;
      break;
    }
    if (SIGNATURE.test(line)) break;
    if (UNDERSCORE_RULE.test(line)) {
      const next = nextNonBlank(lines, i + 1);
      if (next < lines.length && isOutlookBlock(lines, next)) {
        cutAt = i;
        break;
      }
    }
    if (!isQuoted(line) && /:\s*$/.test(line)) {
      // An attribution ends with ":" and may be wrapped over up to three lines (Gmail wraps at 78
      // characters); its first lines were kept already and are taken back. The shortest match wins,
      // so a signature line right above an attribution stays.
      for (let back = 0; back <= 2; back++) {
        if (back > 0 && (keptAt[keptAt.length - back] !== i - back || (lines[i - back] ?? "").trim() === "")) break;
        const candidate = lines.slice(i - back, i + 1).join(" ").trim();
        const kind = isAttribution(candidate);
        if (!kind) continue;
        const after = nextNonBlank(lines, i + 1);
        if (after < lines.length && isQuoted(lines[after] ?? "")) {
          kept.splice(kept.length - back, back);
          keptAt.splice(keptAt.length - back, back);
          i = after;
          while (i < lines.length && (isQuoted(lines[i] ?? "") || (lines[i] ?? "").trim() === "")) i++;
          continue scan;
        }
        if (kind === "strong") {
          kept.splice(kept.length - back, back);
          break scan;
        }
      }
    }
    if (!isQuoted(line)) {
      kept.push(line);
      keptAt.push(i);
    }
    i++;
  }
  // Nothing written above the history (a forward without a marker the scan knows, or a message
  // sent on as is): the history is the content, so it is kept rather than cut to nothing.
  const tidy = (list: readonly string[]): string => list.map((l) => l.trimEnd()).join("\n").replace(/\n{3,}/g, "\n\n").replace(/^\n+|\n+$/g, "");
  const result = tidy(kept);
  if (cutAt !== undefined && !/\p{L}/u.test(result)) return tidy(lines.slice(cutAt).filter((l) => !isQuoted(l)));
  return result;
}

/**
 * Whether a subject is a forward: `Fwd:`, `Fw:`, and the prefixes of localized clients (hu `Továbbítás:`/`TOV:`,
 * cs `PD:`/`Přeposl.:`, pl `PD:`, ru `Пересл.:`/`Переслать:`, de `WG:`, fr `TR:`), after any `Re:`-style prefixes.
 * @param subject - the decoded subject.
 */
export function isForwardedSubject(subject: string): boolean {
  return /^\s*(?:(?:re|aw|vá|válasz|odp|ответ)\s*:\s*)*(?:fwd?|fw|tov|továbbítás|pd|přeposl\.?|пересл\.?|переслать|wg|tr)\s*:/i.test(subject);
}

// ---------------------------------------------------------------------------------------------
// Case token and reply matching
// ---------------------------------------------------------------------------------------------

const CASE_TOKEN = /\[\s*Case\s*#\s*(CS-[0-9A-Za-z]{10})\s*\]/gi;

/**
 * The case id of the first `[Case #CS-XXXXXXXXXX]` token in a subject (the token our status emails
 * put in theirs: shared/templates `subject`). Case-insensitive (some clients change case) and
 * tolerant of spaces inside the brackets; the id is returned upper-case and must match
 * `/^CS-[0-9A-HJKMNP-TV-Z]{10}$/`.
 * @param subject - the decoded subject.
 * @returns the case id, or undefined when there is no valid token.
 */
export function extractCaseToken(subject: string): string | undefined {
  for (const m of subject.matchAll(CASE_TOKEN)) {
    const id = m[1]?.toUpperCase();
    if (id && CASE_ID_PATTERN.test(id)) return id;
  }
  return undefined;
}

/** The fields of a parsed message that threading reads (a `ParsedMessage` satisfies it). */
export interface ThreadingInput {
  /** First Message-ID of the In-Reply-To field, `<left@right>`. */
  inReplyTo?: string;
  /** Message-IDs of the References field in header order (the last is the parent). */
  references: readonly string[];
  /** Decoded subject. */
  subject: string;
  /** The sender (From). */
  from: MailAddress;
}

/** A value or a promise of it, so lookups may be synchronous (pre-fetched data) or asynchronous (a repository). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * What {@link matchReply} needs to know about the partner's cases. Lookups are scoped to the
 * partner whose mailbox received the message (OWASP API1): they must return undefined for a case of
 * another partner.
 */
export interface ReplyLookups {
  /** The case of one of our sent notifications by its Message-ID (`<…>`), from the notification log. */
  findCaseByOutboundMessageId(messageId: string): MaybePromise<string | undefined>;
  /** The customer email address of a case, or undefined when the partner has no such case. */
  caseCustomerEmail(caseId: string): MaybePromise<string | undefined>;
  /**
   * Domains our notifications are sent from (the partner's `senderEmail` domain). An id of the form
   * `<CS-….key@domain>` is decoded directly only when its domain is listed here and the case exists;
   * empty disables direct decoding (then only `findCaseByOutboundMessageId` counts).
   */
  ownDomains: readonly string[];
}

/** How a reply was matched (osTicket order). */
export type ReplyVia = "in-reply-to" | "references" | "subject-token";

/** Result of {@link matchReply}. */
export type ReplyMatch =
  | {
      kind: "reply";
      caseId: string;
      via: ReplyVia;
      /** The Message-ID that matched (via in-reply-to/references). */
      messageId?: string;
      /** Whether the sender is the case's customer (always true via subject-token); a colleague in Cc may answer by In-Reply-To. */
      senderIsCustomer: boolean;
    }
  | {
      kind: "new";
      /** Set when the subject carried a valid token of an existing case but the sender is not its customer (refused: possible injection). */
      refusedCaseToken?: string;
    };

async function caseOfMessageId(id: string, lookups: ReplyLookups): Promise<string | undefined> {
  const known = await lookups.findCaseByOutboundMessageId(id);
  if (known) return known;
  if (lookups.ownDomains.length === 0) return undefined;
  const decoded = parseOutboundMessageId(id, lookups.ownDomains);
  if (!decoded) return undefined;
  // Decoded ids are trusted only for cases that exist for this partner.
  return (await lookups.caseCustomerEmail(decoded.caseId)) !== undefined ? decoded.caseId : undefined;
}

/**
 * Decides whether a message answers one of the partner's cases.
 *
 * An async function over injected lookups (chosen over a pure function of pre-fetched data because
 * which ids need looking up depends on the earlier answers; the function itself does no I/O and has
 * no side effects, and synchronous lookups over in-memory data make it deterministic in tests).
 * Order: (1) In-Reply-To; (2) References, right-most first; each id is first looked up in the
 * notification log, then decoded as `<CS-….key@ownDomain>` when that case exists; (3) the subject's
 * `[Case #ID]` token, only when the sender's address equals the case's customer email
 * (case-insensitive), which refuses injection into other cases. Classify automated mail
 * (`classifyAutomated`) first: auto-replies and bounces also carry In-Reply-To.
 * @param msg - the parsed message (or its threading fields).
 * @param lookups - the partner-scoped lookups and the partner's sender domains.
 * @returns `{kind: "reply", caseId, via, …}` or `{kind: "new"}`; rejects only when a lookup rejects.
 */
export async function matchReply(msg: ThreadingInput, lookups: ReplyLookups): Promise<ReplyMatch> {
  const isCustomer = async (caseId: string): Promise<boolean> => {
    const email = await lookups.caseCustomerEmail(caseId);
    return email !== undefined && sameAddress(email, msg.from.address);
  };

  const inReplyTo = normalizeMessageId(msg.inReplyTo);
  if (inReplyTo) {
    const caseId = await caseOfMessageId(inReplyTo, lookups);
    if (caseId) return { kind: "reply", caseId, via: "in-reply-to", messageId: inReplyTo, senderIsCustomer: await isCustomer(caseId) };
  }
  const lowest = Math.max(0, msg.references.length - MAX_REFERENCES);
  for (let k = msg.references.length - 1; k >= lowest; k--) {
    const id = normalizeMessageId(msg.references[k]);
    if (!id || id === inReplyTo) continue;
    const caseId = await caseOfMessageId(id, lookups);
    if (caseId) return { kind: "reply", caseId, via: "references", messageId: id, senderIsCustomer: await isCustomer(caseId) };
  }
  const token = extractCaseToken(msg.subject);
  if (token) {
    const email = await lookups.caseCustomerEmail(token);
    if (email !== undefined) {
      if (sameAddress(email, msg.from.address)) return { kind: "reply", caseId: token, via: "subject-token", senderIsCustomer: true };
      return { kind: "new", refusedCaseToken: token };
    }
  }
  return { kind: "new" };
}
