/**
 * Parses one raw inbound email (RFC 5322 / MIME) into what email intake needs, or a quarantine
 * verdict. Never throws for anything the message contains: too large, unparseable or without a
 * sender gives {@link Quarantine} ("nothing is dropped").
 *
 * MIME is parsed by postal-mime 4 (help-desk practice: mailparser is in maintenance mode and points to
 * postal-mime). postal-mime decodes RFC 2047 encoded words (headers, display names, file names),
 * RFC 2231 parameters, quoted-printable and base64, and body charsets through `TextDecoder`; with
 * Node's full ICU that covers UTF-8, ISO-8859-2, Windows-1250, Windows-1251 and KOI8-R (checked by
 * test/unit/email/parseMessage.test.ts), so no iconv is needed. Windows-1252 (also used for the
 * us-ascii and iso-8859-1 labels) is broken in Node 20.18.3+ and repaired here
 * ({@link repairWindows1252}). HTML-only messages get their text from `htmlToText`
 * (shared/domain/email), because postal-mime leaves `text` empty for them.
 */
import { createHash } from "node:crypto";
import { parse as parseContentType } from "content-type";
import PostalMime from "postal-mime";
import { z } from "zod";
import { repairCharsets, type CharsetRepair } from "./charsets";
import {
  LOOP_DETECTION_HEADERS,
  htmlToText,
  normalizeMessageId,
  parseMessageIdList,
  type HeaderMap,
  type MailAddress,
} from "../../domain/email";
import type { QuarantineReason } from "../../contracts";

/** Options of {@link parseMessage}. */
export interface ParseMessageOptions {
  /** Largest raw message accepted, in bytes; a larger one is quarantined as `too-large` without being parsed. */
  maxBytes: number;
  /** Largest attachment whose content is returned, in bytes; a larger one is listed with its size, empty content and `omitted: "too-large"`. */
  maxAttachmentBytes: number;
}

/** One attachment or inline part (not the text/HTML body). */
export interface ParsedAttachment {
  /** Decoded file name (RFC 2047/2231), path separators and control characters removed; `part-<n>.<ext>` when the part names none. */
  filename: string;
  /** Lower-cased MIME type, e.g. `application/pdf`. */
  contentType: string;
  /** Decoded size in bytes (after base64/quoted-printable). */
  size: number;
  /** Content-ID without angle brackets, as referenced by `cid:` URLs in the HTML. */
  contentId?: string;
  /** True for parts shown in the body: `Content-Disposition: inline`, in a `multipart/related` tree, or referenced by `cid:` from the HTML. */
  inline: boolean;
  /** Decoded bytes; empty when {@link ParsedAttachment.omitted}. */
  content: Uint8Array;
  /** Set when the content was left out because it exceeds `maxAttachmentBytes` (the raw message still has it). */
  omitted?: "too-large";
}

/** A parsed inbound message. */
export interface ParsedMessage {
  kind: "parsed";
  /**
   * RFC 5322 Message-ID as `<left@right>`: the header's when it has one (`messageIdSource: "header"`),
   * else `<{contentHash}@synthetic.invalid>` (`"synthetic"`, the normalised content hash), so
   * de-duplication still works for replays, also when a relay added trace fields or changed line ends.
   */
  messageId: string;
  /** Where {@link ParsedMessage.messageId} came from. */
  messageIdSource: "header" | "synthetic";
  /** First Message-ID of In-Reply-To. */
  inReplyTo?: string;
  /** Message-IDs of References in header order (the last is the parent); at most the last 100. */
  references: string[];
  /** Decoded subject (RFC 2047), "" when absent. */
  subject: string;
  /**
   * The sender: the first mailbox with an address of From, else of Reply-To, Sender, Return-Path
   * (see {@link ParsedMessage.senderSource}); addresses lower-cased, a trailing dot of the domain
   * removed. `{address: ""}` when none of them holds an address (`senderSource: "none"`).
   */
  from: MailAddress;
  /** Which header gave {@link ParsedMessage.from}. */
  senderSource: SenderSource;
  /** Whether the app can send to {@link ParsedMessage.from} (a syntactically valid addr-spec after normalisation); false for `senderSource: "none"`. */
  senderMailable: boolean;
  /**
   * SHA-256 (hex) of the normalised content: the header fields From, To, Cc, Subject, Date,
   * Message-ID, In-Reply-To, References, Content-Type (unfolded, whitespace collapsed) and the body
   * bytes with line ends normalised. Trace fields relays add (Received, Return-Path, Delivered-To,
   * X-…) are left out, so the same message delivered twice hashes alike and a different message
   * under a reused Message-ID does not.
   */
  contentHash: string;
  /** False when the subject could not be decoded to clean text (replacement characters or control characters remain): it is never echoed to the customer. */
  subjectDecodable: boolean;
  /** Charset repairs made before parsing (raw 8-bit headers, undeclared body charsets). */
  charsetRepairs: CharsetRepair[];
  /** Reply-To mailboxes (groups flattened). */
  replyTo: MailAddress[];
  /** To mailboxes (groups flattened). */
  to: MailAddress[];
  /** Cc mailboxes (groups flattened). */
  cc: MailAddress[];
  /** Date header as an ISO 8601 UTC instant; absent when missing or unparseable. */
  date?: string;
  /** Raw values of the header fields in `LOOP_DETECTION_HEADERS`, by lower-cased name, every occurrence in order. */
  headers: HeaderMap;
  /** Plain text body (`\n` line breaks): the text part(s), else the HTML converted, else "". Quoted history is NOT stripped here. */
  text: string;
  /** Where {@link ParsedMessage.text} came from. */
  textSource: "text" | "html" | "none";
  /** The HTML body as sent (not sanitized: never render it unescaped). */
  html?: string;
  /** Attachments and inline parts, in document order. */
  attachments: ParsedAttachment[];
  /** Text of a `message/delivery-status` (or `message/global-delivery-status`) part, for bounce classification (RFC 3464). */
  deliveryStatus?: string;
  /** Header block of the message returned in a report (`text/rfc822-headers`, or a `message/rfc822` part of a `multipart/report`). */
  returnedHeaders?: string;
  /** Size of the raw message in bytes. */
  sizeBytes: number;
}

/** Header that supplied the sender of a message (`none`: no header holds an address). */
export type SenderSource = "from" | "reply-to" | "sender" | "return-path" | "none";

/** Why the parser quarantines a message (the intake adds `unknown-partner` and `processing-failed`). */
export type ParserQuarantineReason = Extract<QuarantineReason, "too-large" | "malformed" | "no-sender">;

/** A message that cannot become a request or a reply; it goes to the quarantine container with the reason. */
export interface Quarantine {
  kind: "quarantine";
  reason: ParserQuarantineReason;
  /** Human-readable detail for the partner, e.g. `message is 26214500 bytes; the limit is 26214400`. */
  detail: string;
  /** The Message-ID header when it could be read, else the synthetic id (as {@link ParsedMessage.messageId}), for de-duplication. */
  messageId: string;
  /** Where {@link Quarantine.messageId} came from. */
  messageIdSource: "header" | "synthetic";
  /** Size of the raw message in bytes. */
  sizeBytes: number;
  /** SHA-256 of the normalised content ({@link ParsedMessage.contentHash}); of the raw bytes when the header section is unreadable. */
  contentHash: string;
  /** Sender address from the top-level From header, when the header section could be read (so the partner can be told whose mail it was). */
  from?: string;
  /** Decoded Subject (RFC 2047), when the header section could be read. */
  subject?: string;
}

/**
 * The `no-sender` quarantine verdict of a parsed message that names no sender in From, Reply-To,
 * Sender or Return-Path (and is not a bounce or an auto-reply, which need none).
 * @param msg - the parsed message (`senderSource: "none"`).
 */
export function senderlessQuarantine(msg: ParsedMessage): Quarantine {
  const verdict: Quarantine = {
    kind: "quarantine",
    reason: "no-sender",
    detail: "no address in From, Reply-To, Sender or Return-Path",
    messageId: msg.messageId,
    messageIdSource: msg.messageIdSource,
    sizeBytes: msg.sizeBytes,
    contentHash: msg.contentHash,
  };
  if (msg.subject) verdict.subject = msg.subject;
  return verdict;
}

/** Result of {@link parseMessage}. */
export type ParseMessageResult = ParsedMessage | Quarantine;

/** Whether a {@link parseMessage} result is a quarantine verdict. */
export function isQuarantine(result: ParseMessageResult): result is Quarantine {
  return result.kind === "quarantine";
}

/** Most bytes read for the header section (pre-check); a longer header section is malformed. */
export const MAX_HEADER_SECTION_BYTES = 256 * 1024;
/** MIME nesting depth passed to postal-mime (its default is 256; real mail stays under 10). */
export const MAX_MIME_DEPTH = 50;

/**
 * The synthetic Message-ID of an unreadable message without one (its header section cannot be
 * read, so there is no normalised content): `<{sha256 hex of the raw bytes, line ends as LF}@synthetic.invalid>`
 * (`.invalid` is reserved by RFC 2606, so it never collides with a real id).
 * @param raw - the raw message bytes exactly as received.
 */
export function syntheticMessageId(raw: Uint8Array): string {
  return `<${rawHash(raw)}@synthetic.invalid>`;
}

/** SHA-256 (hex) of raw bytes with line ends normalised to LF and trailing whitespace dropped (relays convert line ends and end the data with a line break). */
function rawHash(raw: Uint8Array): string {
  return createHash("sha256").update(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1").replace(/\r\n?/g, "\n").replace(/\s+$/, ""), "latin1").digest("hex");
}

interface HeaderScan {
  fields: { name: string; value: string }[];
  /** Offset of the body in the raw bytes (after the blank line), or the length when there is no body. */
  bodyStart: number;
}

const FIELD = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:(.*)$/s;

/** Reads and checks the top-level header section (RFC 5322 2.2: `field-name ":" value`, continuation lines start with WSP). */
function scanHeaders(raw: Uint8Array): HeaderScan | { error: string } {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let start = 0;
  // An mbox "From " line (Thunderbird "Save as", some relays) is not a header; skip it.
  if (buf.subarray(0, 5).toString("latin1") === "From ") {
    const nl = buf.indexOf(10);
    start = nl < 0 ? buf.length : nl + 1;
  }
  const limit = Math.min(buf.length, start + MAX_HEADER_SECTION_BYTES);
  const head = buf.subarray(start, limit).toString("latin1");
  const sep = /\r?\n\r?\n/.exec(head);
  let headerText: string;
  let bodyStart: number;
  if (sep) {
    headerText = head.slice(0, sep.index);
    bodyStart = start + sep.index + sep[0].length;
  } else if (limit === buf.length) {
    headerText = head.replace(/\r?\n$/, "");
    bodyStart = buf.length;
  } else return { error: `header section is longer than ${MAX_HEADER_SECTION_BYTES} bytes` };
  if (headerText.includes("\0")) return { error: "NUL byte in the header section" };
  const fields: { name: string; value: string }[] = [];
  const lines = headerText.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^[ \t]/.test(line) && fields.length > 0) {
      const last = fields[fields.length - 1]!;
      last.value += line;
      continue;
    }
    const m = FIELD.exec(line);
    // An mbox postmark ("From sender date", RFC 4155) is not a header field; a relay that adds
    // Return-Path in front of an mbox export moves it off the first line.
    if ((!m || m[1] === undefined) && /^From \S/.test(line)) continue;
    if (!m || m[1] === undefined) return { error: `header line ${i + 1} is not a header field: ${JSON.stringify(line.slice(0, 60))}` };
    fields.push({ name: m[1].toLowerCase(), value: (m[2] ?? "").trim() });
  }
  if (fields.length === 0) return { error: "no header fields" };
  return { fields, bodyStart };
}

function checkMultipart(raw: Uint8Array, scan: HeaderScan): string | undefined {
  const ct = scan.fields.find((f) => f.name === "content-type")?.value;
  if (!ct || !/^\s*multipart\//i.test(ct)) return undefined;
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return "multipart message without a boundary parameter";
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf.indexOf(`--${boundary}`, scan.bodyStart, "latin1") < 0) return `multipart boundary "${boundary}" never occurs in the body`;
  return undefined;
}

/**
 * WHATWG windows-1252 characters of bytes 0x80–0x9F (the five undefined bytes map to C1 controls
 * and are left alone).
 */
const WINDOWS_1252_C1: Readonly<Record<number, string>> = {
  0x80: "€", 0x82: "‚", 0x83: "ƒ", 0x84: "„", 0x85: "…", 0x86: "†", 0x87: "‡", 0x88: "ˆ", 0x89: "‰", 0x8a: "Š", 0x8b: "‹", 0x8c: "Œ", 0x8e: "Ž",
  0x91: "‘", 0x92: "’", 0x93: "“", 0x94: "”", 0x95: "•", 0x96: "–", 0x97: "—", 0x98: "˜", 0x99: "™", 0x9a: "š", 0x9b: "›", 0x9c: "œ", 0x9e: "ž", 0x9f: "Ÿ",
};

/**
 * Whether this runtime's `TextDecoder("windows-1252")` is the latin1 one: Node 20.18.3+ and 22.13+
 * decode bytes 0x80–0x9F as C1 control characters instead of € “ ” – … (nodejs/node#56542, #60888).
 * The labels us-ascii and iso-8859-1 map to windows-1252 too (WHATWG Encoding), so Outlook's
 * smart quotes and dashes in Western mail would arrive as invisible controls.
 */
const WINDOWS_1252_BROKEN = new TextDecoder("windows-1252").decode(Uint8Array.of(0x80)) !== "€";

/**
 * Repairs text decoded by the broken windows-1252 decoder: C1 control characters (U+0080–U+009F),
 * which no mail client writes on purpose, become the windows-1252 characters of the same byte. A
 * no-op on runtimes whose decoder is correct.
 * @param text - decoded text.
 */
export function repairWindows1252(text: string): string {
  if (!WINDOWS_1252_BROKEN || !/[\u0080-\u009f]/.test(text)) return text;
  return text.replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0)] ?? c);
}

type PostalAddress = PostalMime.Address;

const MailableAddressSchema = z.email().max(254);

/**
 * Normalises an addr-spec as found in a header: trimmed, angle brackets removed, lower-cased, and
 * the trailing dot of a fully qualified domain (`user@example.com.`, RFC 1034 absolute form, which
 * SMTP does not accept: RFC 5321 4.1.2) removed.
 * @param address - the addr-spec.
 */
export function normalizeAddress(address: string): string {
  return address.trim().replace(/^<|>$/g, "").trim().toLowerCase().replace(/\.+$/, "");
}

/**
 * Whether the app can send to an address: a dot-atom local part and a domain name with a
 * top-level label, as the partner contract's `z.email()` accepts (the same check that guards
 * `customer.email`). Quoted local parts, IP literals, a dot at the end of the local part, or no
 * domain fail.
 * @param address - a normalised addr-spec ({@link normalizeAddress}).
 */
export function isMailableAddress(address: string): boolean {
  return MailableAddressSchema.safeParse(address).success;
}

function mailbox(address: string | undefined, name: string | undefined): MailAddress | undefined {
  const a = normalizeAddress(address ?? "");
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(a)) return undefined;
  const n = repairWindows1252(name ?? "").trim();
  return n ? { address: a, name: n } : { address: a };
}

/** Header fields searched for the sender, in order (other help desks fall back the same way: From, then Reply-To, Sender, Return-Path). */
const SENDER_FIELDS: readonly (readonly [Exclude<SenderSource, "none">, string])[] = [
  ["from", "from"],
  ["reply-to", "reply-to"],
  ["sender", "sender"],
  ["return-path", "return-path"],
];

/**
 * The sender of a message from its raw (UTF-8) header fields: the first mailbox of From, Reply-To,
 * Sender, Return-Path that the app can mail; else the first one that has an address at all
 * (`mailable: false`); else none. Address lists are parsed before RFC 2047 words are decoded, so a
 * display name with a comma (`=?UTF-8?Q?M=C3=BCller=2C_Hans?=`) does not split the mailbox, and an
 * entry without an address (`"Foo" <>`) is skipped, not taken for the sender.
 */
function pickSender(fields: readonly { name: string; value: string }[]): { from: MailAddress; source: SenderSource; mailable: boolean } {
  let present: { from: MailAddress; source: SenderSource } | undefined;
  let displayName: string | undefined;
  for (const [source, name] of SENDER_FIELDS) {
    for (const field of fields.filter((f) => f.name === name)) {
      let entries: PostalAddress[] = [];
      try {
        entries = PostalMime.addressParser(field.value, { flatten: true });
      } catch {
        entries = [];
      }
      for (const entry of entries) {
        if (source === "from" && entry.name) displayName ??= repairWindows1252(entry.name).trim();
        const mb = mailbox(entry.address, entry.name);
        if (!mb) continue;
        if (isMailableAddress(mb.address)) return { from: mb, source, mailable: true };
        present ??= { from: mb, source };
      }
    }
  }
  if (present) return { ...present, mailable: false };
  // No address anywhere: keep From's display name (e.g. `MAILER-DAEMON <>`) for bounce detection.
  return { from: displayName ? { address: "", name: displayName } : { address: "" }, source: "none", mailable: false };
}

/** Header fields that make up a message's content for {@link ParsedMessage.contentHash}. */
const CONTENT_FIELDS = new Set(["from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references", "content-type"]);

function contentHashOf(raw: Uint8Array, scan: HeaderScan): string {
  const hash = createHash("sha256");
  for (const f of scan.fields) if (CONTENT_FIELDS.has(f.name)) hash.update(`${f.name}:${f.value.replace(/\s+/g, " ").trim()}\n`, "latin1");
  hash.update("\n");
  const body = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).subarray(scan.bodyStart).toString("latin1").replace(/\r\n?/g, "\n").replace(/\s+$/, "");
  hash.update(body, "latin1");
  return hash.digest("hex");
}

/** Replacement characters or control characters (other than tab and line breaks) in decoded text. */
const UNDECODABLE = /[\ufffd\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

function flatten(list: readonly PostalAddress[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  for (const entry of list ?? []) {
    const members = entry.group ? entry.group : [entry];
    for (const m of members) {
      const mb = mailbox(m.address, m.name);
      if (mb) out.push(mb);
    }
  }
  return out;
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  "application/pdf": ".pdf",
  "image/png": ".png",
  "image/jpeg": ".jpg",
  "image/gif": ".gif",
  "image/webp": ".webp",
  "text/plain": ".txt",
  "text/html": ".html",
  "text/calendar": ".ics",
  "message/rfc822": ".eml",
  "message/delivery-status": ".txt",
  "text/rfc822-headers": ".txt",
};

/** Media type of an attachment whose part declares none that is valid. */
export const UNKNOWN_ATTACHMENT_TYPE = "application/octet-stream";

/**
 * The media type an attachment is stored and listed under: the part's `type/subtype` in lower case
 * when it is one (RFC 9110 §8.3.1: two tokens; parsed by the `content-type` package), else
 * {@link UNKNOWN_ATTACHMENT_TYPE}. A part's type is whatever the sender's mailer wrote — control
 * characters, non-ASCII letters, an encoded word — and the blob service takes it as a header value,
 * which must be a valid one.
 */
export function attachmentMediaType(declared: string): string {
  try {
    return parseContentType(declared.trim()).type;
  } catch {
    return UNKNOWN_ATTACHMENT_TYPE;
  }
}

function safeFilename(name: string | null, contentType: string, index: number): string {
  // Keep the last path segment only, drop control characters and characters blob names and file systems reject.
  const cleaned = repairWindows1252(name ?? "").split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, "").trim().replace(/^\.+/, "");
  if (cleaned) return cleaned.slice(0, 200);
  return `part-${index + 1}${EXTENSIONS[contentType] ?? ".bin"}`;
}

function toBytes(content: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof content === "string") return new TextEncoder().encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

function quarantine(raw: Uint8Array, reason: ParserQuarantineReason, detail: string, scan?: HeaderScan): Quarantine {
  // Header values were read as latin1; raw 8-bit header text (RFC 6532) is UTF-8.
  const field = (name: string): string | undefined => {
    const value = scan?.fields.find((f) => f.name === name)?.value;
    return value === undefined ? undefined : Buffer.from(value, "latin1").toString("utf8");
  };
  const id = normalizeMessageId(field("message-id"));
  const contentHash = scan ? contentHashOf(raw, scan) : rawHash(raw);
  const verdict: Quarantine = { kind: "quarantine", reason, detail, messageId: id ?? (scan ? `<${contentHash}@synthetic.invalid>` : syntheticMessageId(raw)), messageIdSource: id ? "header" : "synthetic", sizeBytes: raw.byteLength, contentHash };
  try {
    const sender = pickSender((scan?.fields ?? []).map((f) => ({ name: f.name, value: field(f.name) ?? "" })).filter((f) => f.value !== ""));
    if (sender.source !== "none") verdict.from = sender.from.address;
    const subject = field("subject");
    if (subject !== undefined) verdict.subject = repairWindows1252(PostalMime.decodeWords(subject)).trim();
  } catch {
    // Best effort only: a quarantine verdict never fails.
  }
  return verdict;
}

/**
 * Parses a raw RFC 5322 message.
 *
 * Quarantine rules (checked in this order): `too-large` when `raw` is longer than `maxBytes` (not
 * parsed at all); `malformed` when the message is empty, its header section is not a list of
 * RFC 5322 header fields (a line that is neither `name: value` nor a continuation, a NUL byte, or
 * longer than {@link MAX_HEADER_SECTION_BYTES}), a multipart has no boundary or its boundary never
 * occurs, or postal-mime rejects it (nesting deeper than {@link MAX_MIME_DEPTH}, oversized headers);
 * (`no-sender` is decided by the pipeline, after bounce detection: {@link senderlessQuarantine} for a
 * parsed message whose `senderSource` is `none`). A lenient parse otherwise: a truncated
 * last part, an unknown charset (decoded as windows-1252 by postal-mime) or bad base64 still parse.
 * @param raw - the message bytes exactly as received (what the relay wrote to the blob).
 * @param options - size limits in bytes.
 * @returns the parsed message or the quarantine verdict; the promise never rejects for message content.
 * @throws RangeError when `maxBytes` or `maxAttachmentBytes` is not a positive safe integer (a caller bug).
 */
export async function parseMessage(raw: Buffer | Uint8Array, options: ParseMessageOptions): Promise<ParseMessageResult> {
  for (const key of ["maxBytes", "maxAttachmentBytes"] as const) {
    const v = options[key];
    if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`${key} must be a positive integer number of bytes`);
  }
  const sizeBytes = raw.byteLength;
  const scan = sizeBytes === 0 ? { error: "empty message" } : scanHeaders(raw);
  const fields = "fields" in scan ? scan : undefined;
  if (sizeBytes > options.maxBytes) return quarantine(raw, "too-large", `message is ${sizeBytes} bytes; the limit is ${options.maxBytes}`, fields);
  if ("error" in scan) return quarantine(raw, "malformed", scan.error);
  const multipartError = checkMultipart(raw, scan);
  if (multipartError) return quarantine(raw, "malformed", multipartError, scan);

  const topType = scan.fields.find((f) => f.name === "content-type")?.value ?? "";
  const isReport = /^\s*multipart\/report\b/i.test(topType);
  const repaired = repairCharsets(raw);
  const repairedScan = repaired.raw === raw ? scan : scanHeaders(repaired.raw);
  const utf8Fields = ("fields" in repairedScan ? repairedScan : scan).fields.map((f) => ({ name: f.name, value: Buffer.from(f.value, "latin1").toString("utf8") }));
  let email: PostalMime.Email;
  try {
    email = await PostalMime.parse(repaired.raw, {
      attachmentEncoding: "arraybuffer",
      maxNestingDepth: MAX_MIME_DEPTH,
      maxHeadersSize: MAX_HEADER_SECTION_BYTES * 4,
      // In a report, keep the returned message as a part so its headers (its Message-ID) can be read.
      forceRfc822Attachments: isReport,
    });
  } catch (error) {
    return quarantine(raw, "malformed", `MIME parser: ${error instanceof Error ? error.message : String(error)}`, scan);
  }

  const sender = pickSender(utf8Fields);

  const wanted = new Set<string>(LOOP_DETECTION_HEADERS);
  const headers: Record<string, string[]> = {};
  for (const h of email.headers) {
    if (!wanted.has(h.key)) continue;
    (headers[h.key] ??= []).push(h.value);
  }

  const headerId = normalizeMessageId(email.messageId);
  const html = email.html && email.html.trim() !== "" ? repairWindows1252(email.html) : undefined;
  let text = "";
  let textSource: ParsedMessage["textSource"] = "none";
  if (email.text !== undefined && email.text.trim() !== "") {
    text = repairWindows1252(email.text.replace(/\r\n?/g, "\n"));
    textSource = "text";
  } else if (html) {
    text = htmlToText(html);
    textSource = "html";
  }

  const attachments: ParsedAttachment[] = [];
  let deliveryStatus: string | undefined;
  let returnedHeaders: string | undefined;
  email.attachments.forEach((a, index) => {
    const bytes = toBytes(a.content);
    const contentType = attachmentMediaType(a.mimeType);
    if (contentType === "message/delivery-status" || contentType === "message/global-delivery-status") deliveryStatus ??= new TextDecoder().decode(bytes);
    else if (contentType === "text/rfc822-headers" || (isReport && contentType === "message/rfc822")) {
      const textOf = new TextDecoder().decode(bytes);
      returnedHeaders ??= textOf.split(/\r?\n\r?\n/)[0];
    }
    const contentId = a.contentId?.trim().replace(/^<|>$/g, "") || undefined;
    const referenced = contentId !== undefined && html !== undefined && html.includes(`cid:${contentId}`);
    const attachment: ParsedAttachment = {
      filename: safeFilename(a.filename, contentType, index),
      contentType,
      size: bytes.byteLength,
      inline: a.disposition === "inline" || a.related === true || referenced,
      content: bytes.byteLength > options.maxAttachmentBytes ? new Uint8Array(0) : bytes,
    };
    if (contentId) attachment.contentId = contentId;
    if (bytes.byteLength > options.maxAttachmentBytes) attachment.omitted = "too-large";
    attachments.push(attachment);
  });

  const subject = repairWindows1252(email.subject ?? "").replace(/[\r\n]+/g, " ");
  const contentHash = contentHashOf(raw, scan);
  const result: ParsedMessage = {
    kind: "parsed",
    messageId: headerId ?? `<${contentHash}@synthetic.invalid>`,
    messageIdSource: headerId ? "header" : "synthetic",
    references: parseMessageIdList(email.references),
    subject,
    from: sender.from,
    senderSource: sender.source,
    senderMailable: sender.mailable,
    contentHash,
    subjectDecodable: !UNDECODABLE.test(subject),
    charsetRepairs: repaired.repairs,
    replyTo: flatten(email.replyTo),
    to: flatten(email.to),
    cc: flatten(email.cc),
    headers,
    text,
    textSource,
    attachments,
    sizeBytes,
  };
  const inReplyTo = parseMessageIdList(email.inReplyTo)[0];
  if (inReplyTo) result.inReplyTo = inReplyTo;
  if (email.date) {
    const ms = Date.parse(email.date);
    if (Number.isFinite(ms)) result.date = new Date(ms).toISOString();
  }
  if (html) result.html = html;
  if (deliveryStatus !== undefined) result.deliveryStatus = deliveryStatus;
  if (returnedHeaders !== undefined) result.returnedHeaders = returnedHeaders;
  return result;
}
