/**
 * Character sets of real-world mail, handled the way mature mail clients do before the MIME parser
 * (postal-mime) sees the message:
 *
 * - raw 8-bit header text that is not UTF-8 (RFC 6532 allows only UTF-8 there; legacy clients write
 *   GBK, Shift_JIS, ISO-8859-x, …) and 7-bit ISO-2022-JP escape sequences in headers are decoded and
 *   rewritten as UTF-8, so subjects, display names and attachment file names are not garbled. The
 *   charset is the message's declared body charset when the bytes are valid in it (what Thunderbird
 *   does), else the one `chardet` detects, else windows-1252;
 * - a text part with 8-bit content and no charset, an unknown charset label (`x-unknown`,
 *   `unknown-8bit`), a label the WHATWG decoders do not know, or a 7-bit label (`us-ascii`) over
 *   bytes that are not ASCII gets the detected charset written into its `Content-Type`
 *   (valid UTF-8 is always taken as UTF-8; ISO-2022-JP is recognised by its escape sequences);
 * - declared charsets are left to postal-mime's WHATWG `TextDecoder` (Node's full ICU: GBK,
 *   GB18030, Big5, Shift_JIS, EUC-KR, ISO-2022-JP, the ISO-8859 and Windows code pages, KOI8).
 *
 * Decoders: WHATWG `TextDecoder` first, then `iconv-lite` for labels WHATWG lacks (e.g. `cp866`
 * aliases, `iso-8859-16`). Detector: `chardet` (picked over `jschardet` by accuracy on the corpus in
 * test/fixtures/email: 51 of 56 labelled 8-bit parts against 49; docs/email-intake.md).
 *
 * The structure is only scanned (header sections and boundary lines), never re-parsed: postal-mime
 * remains the MIME parser.
 */
import chardet from "chardet";
import iconv from "iconv-lite";

/** What {@link repairCharsets} changed, for the record (`charsetRepairs` on the inbound log). */
export interface CharsetRepair {
  /** `header` (raw 8-bit or ISO-2022-JP header text) or `body` (a text part's charset label). */
  where: "header" | "body";
  /** Header field name (lower-cased) or `content-type` of the part. */
  field: string;
  /** Charset used to decode, lower-cased (`gbk`, `shift_jis`, `iso-2022-jp`, `utf-8`, …). */
  charset: string;
  /** `declared` (the message's own label), `detected` (chardet / UTF-8 validity / escape sequences) or `fallback` (windows-1252). */
  how: "declared" | "detected" | "fallback";
}

/** Result of {@link repairCharsets}. */
export interface CharsetRepairResult {
  /** The message to parse: `raw` itself when nothing needed repair, else a rewritten copy. */
  raw: Uint8Array;
  repairs: CharsetRepair[];
}

/** Smallest chardet confidence (0–100) taken as a detection; below it windows-1252 is used. */
export const MIN_DETECTOR_CONFIDENCE = 10;

const ESC = 0x1b;
/**
 * CJK multi-byte charsets in the order preferred on a tie: raw 8-bit header text comes mostly from
 * Chinese clients (GB18030 is the superset of GBK and GB2312); Japanese and Korean clients usually
 * write encoded words.
 */
const CJK_PREFERENCE: readonly string[] = ["gb18030", "gbk", "big5", "shift_jis", "euc-kr", "euc-jp"];

/** How much a decoding looks like CJK writing: kana count double (a wrong decoding rarely yields them), Hangul and common ideographs once, rare blocks against. */
function cjkScore(text: string): number {
  const count = (re: RegExp): number => (text.match(re) ?? []).length;
  return 2 * count(/[\u3040-\u30ff]/g) + count(/[\uac00-\ud7a3]/g) + count(/[\u4e00-\u9fff]/g) - 3 * count(/[\ue000-\uf8ff\uf900-\ufaff\u2460-\u27bf]/g);
}

/** Characters a wrong legacy decoding typically produces: half-width katakana, C1 controls. */
const IMPLAUSIBLE = /[\uff61-\uff9f\u0080-\u009f]/;
/** ISO-2022-JP designations (RFC 1468): ESC $ @, ESC $ B, ESC ( B, ESC ( J. */
const ISO_2022_JP = /\x1b\$[@B]|\x1b\([BJ]/;

/** Whether the bytes are valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function hasHighBytes(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80) return true;
  return false;
}

/** Whether a WHATWG `TextDecoder` exists for the label. */
function whatwgKnows(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes bytes in a charset: WHATWG `TextDecoder` (fatal), else `iconv-lite`.
 * @param bytes - encoded text.
 * @param charset - a charset label.
 * @returns the text, or undefined when no decoder knows the label or the bytes are invalid in it.
 */
export function decodeStrict(bytes: Uint8Array, charset: string): string | undefined {
  const label = charset.trim().toLowerCase();
  if (whatwgKnows(label)) {
    try {
      return new TextDecoder(label, { fatal: true }).decode(bytes);
    } catch {
      return undefined;
    }
  }
  if (!iconv.encodingExists(label)) return undefined;
  const text = iconv.decode(Buffer.from(bytes), label);
  return text.includes("\ufffd") ? undefined : text;
}

/**
 * Detects the charset of 8-bit text: UTF-8 when valid, ISO-2022-JP when its escape sequences occur
 * in 7-bit text, else chardet's best guess at or above {@link MIN_DETECTOR_CONFIDENCE} that decodes
 * the bytes without error.
 * @param bytes - the encoded text.
 * @returns the charset (lower-cased) and whether it was detected; windows-1252 as the fallback.
 */
export function detectCharset(bytes: Uint8Array): { charset: string; how: "detected" | "fallback" } {
  if (!hasHighBytes(bytes)) {
    if (bytes.includes(ESC) && ISO_2022_JP.test(Buffer.from(bytes).toString("latin1"))) return { charset: "iso-2022-jp", how: "detected" };
    return { charset: "utf-8", how: "detected" };
  }
  if (isValidUtf8(bytes)) return { charset: "utf-8", how: "detected" };
  const candidates: { label: string; confidence: number; text: string }[] = [];
  for (const guess of chardet.analyse(bytes)) {
    if (guess.confidence < MIN_DETECTOR_CONFIDENCE) break;
    const label = guess.name.toLowerCase();
    if (label === "utf-8" || label.startsWith("utf-16") || label.startsWith("utf-32")) continue;
    const text = decodeStrict(bytes, label);
    if (text !== undefined) candidates.push({ label, confidence: guess.confidence, text });
  }
  const decodable = candidates[0]?.label;
  // Short CJK byte runs decode in several charsets and chardet scores them alike: half-width
  // katakana and C1 controls are what a wrong decoding yields, almost never what people write;
  // among the equally scored CJK sets the one giving the most kana / Hangul / ideographs wins.
  const clean = candidates.filter((c) => !IMPLAUSIBLE.test(c.text));
  const top = clean[0];
  let plausible = top?.label;
  if (top && CJK_PREFERENCE.includes(top.label)) {
    const tied = clean.filter((c) => CJK_PREFERENCE.includes(c.label) && c.confidence >= top.confidence - 5);
    tied.sort((a, b) => cjkScore(b.text) - cjkScore(a.text) || CJK_PREFERENCE.indexOf(a.label) - CJK_PREFERENCE.indexOf(b.label));
    plausible = tied[0]?.label ?? top.label;
  }
  const charset = plausible ?? decodable;
  return charset ? { charset, how: "detected" } : { charset: "windows-1252", how: "fallback" };
}

interface HeaderBlock {
  /** Byte offset where the block starts and ends (before the blank line). */
  start: number;
  end: number;
}

/** Every header section of the message: the top one and each MIME part's (after a boundary line). */
function headerBlocks(buf: Buffer): HeaderBlock[] {
  const text = buf.toString("latin1");
  const blocks: HeaderBlock[] = [];
  const endOf = (from: number): number => {
    const m = /\r?\n\r?\n/.exec(text.slice(from, from + 256 * 1024));
    return m ? from + m.index : Math.min(text.length, from + 256 * 1024);
  };
  let start = 0;
  if (text.startsWith("From ")) start = text.indexOf("\n") + 1;
  blocks.push({ start, end: endOf(start) });
  const boundaries = new Set<string>();
  for (const m of text.matchAll(/boundary\s*=\s*(?:"([^"\r\n]+)"|([^;\s"]+))/gi)) boundaries.add((m[1] ?? m[2] ?? "").trim());
  for (const boundary of boundaries) {
    if (!boundary) continue;
    const marker = `--${boundary}`;
    let at = text.indexOf(marker);
    while (at >= 0) {
      const lineEnd = text.indexOf("\n", at);
      const rest = text.slice(at + marker.length, lineEnd < 0 ? undefined : lineEnd).trim();
      if (lineEnd >= 0 && rest === "" && (at === 0 || text[at - 1] === "\n")) {
        const s = lineEnd + 1;
        const e = endOf(s);
        if (e > s) blocks.push({ start: s, end: e });
      }
      at = text.indexOf(marker, at + marker.length);
    }
  }
  return blocks.sort((a, b) => a.start - b.start);
}

/** Unfolded header fields of a block with their byte ranges. */
function fieldsOf(buf: Buffer, block: HeaderBlock): { name: string; start: number; end: number }[] {
  const fields: { name: string; start: number; end: number }[] = [];
  let pos = block.start;
  while (pos < block.end) {
    let nl = buf.indexOf(10, pos);
    if (nl < 0 || nl > block.end) nl = block.end;
    const line = buf.subarray(pos, nl).toString("latin1");
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1]!.end = nl;
    else {
      const colon = line.indexOf(":");
      fields.push({ name: colon > 0 ? line.slice(0, colon).trim().toLowerCase() : "", start: pos, end: nl });
    }
    pos = nl + 1;
  }
  return fields;
}

/** The first `charset=` parameter of the message's Content-Type fields (its declared body charset). */
function declaredCharset(buf: Buffer, blocks: readonly HeaderBlock[]): string | undefined {
  for (const block of blocks) {
    for (const f of fieldsOf(buf, block)) {
      if (f.name !== "content-type") continue;
      const m = /charset\s*=\s*"?([A-Za-z0-9_.:+-]+)"?/i.exec(buf.subarray(f.start, f.end).toString("latin1"));
      const label = m?.[1]?.toLowerCase();
      if (label && label !== "us-ascii" && label !== "utf-8" && label !== "utf8") return label;
    }
  }
  return undefined;
}

interface Part {
  contentType: { start: number; end: number; value: string } | undefined;
  transferEncoding: string;
  headerEnd: number;
  bodyStart: number;
  bodyEnd: number;
}

function decodeTransfer(body: Buffer, encoding: string): Uint8Array {
  if (encoding === "base64") return Buffer.from(body.toString("latin1").replace(/[^A-Za-z0-9+/=]/g, ""), "base64");
  if (encoding === "quoted-printable") {
    const s = body.toString("latin1").replace(/=\r?\n/g, "");
    return Buffer.from(s.replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1");
  }
  return body;
}

/** Leaf parts (not multipart/*, not message/*) with their header and body ranges. */
function leafParts(buf: Buffer, blocks: readonly HeaderBlock[]): Part[] {
  const text = buf.toString("latin1");
  const parts: Part[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!;
    const fields = fieldsOf(buf, block);
    const ct = fields.find((f) => f.name === "content-type");
    const value = ct ? buf.subarray(ct.start, ct.end).toString("latin1") : "";
    const type = /^[^:]*:\s*([^;\s]+)/.exec(value)?.[1]?.toLowerCase() ?? "text/plain";
    if (type.startsWith("multipart/") || type.startsWith("message/")) continue;
    const cte = fields.find((f) => f.name === "content-transfer-encoding");
    const encoding = cte ? buf.subarray(cte.start, cte.end).toString("latin1").replace(/^[^:]*:/, "").trim().toLowerCase() : "7bit";
    const sep = /\r?\n\r?\n/.exec(text.slice(block.end, block.end + 4));
    const bodyStart = block.end + (sep ? sep[0].length : 0);
    // The body runs to the next boundary line (or the next block's start, or the end).
    const next = blocks[i + 1]?.start ?? buf.length;
    let bodyEnd = next;
    const lastDashes = text.lastIndexOf("\n--", next - 1);
    if (i + 1 < blocks.length && lastDashes >= bodyStart) bodyEnd = lastDashes;
    parts.push({ contentType: ct ? { start: ct.start, end: ct.end, value } : undefined, transferEncoding: encoding, headerEnd: block.end, bodyStart, bodyEnd: Math.max(bodyStart, bodyEnd) });
    if (!type.startsWith("text/")) parts.pop();
  }
  return parts;
}

/** Decodes a header field's raw bytes (name included) into UTF-8 text. */
function decodeHeaderBytes(bytes: Buffer, hint: string | undefined): { text: string; charset: string; how: CharsetRepair["how"] } {
  if (hint) {
    const text = decodeStrict(bytes, hint);
    if (text !== undefined) return { text, charset: hint, how: "declared" };
  }
  const detected = detectCharset(bytes);
  return { text: decodeStrict(bytes, detected.charset) ?? iconv.decode(bytes, "windows-1252"), charset: detected.charset, how: detected.how };
}

/**
 * Rewrites what the MIME parser would garble (see the module comment): raw 8-bit or ISO-2022-JP
 * header text becomes UTF-8; text parts whose charset is missing, unknown or wrong for their bytes
 * get the detected charset in their `Content-Type`.
 * @param raw - the message as received.
 * @returns the (possibly rewritten) message and what was changed; never throws for message content.
 */
export function repairCharsets(raw: Uint8Array): CharsetRepairResult {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const blocks = headerBlocks(buf);
  const hint = declaredCharset(buf, blocks);
  const edits: { start: number; end: number; bytes: Buffer }[] = [];
  const repairs: CharsetRepair[] = [];

  // All raw 8-bit header text of the message decides one charset (a client writes them all alike).
  const eightBit: Buffer[] = [];
  const toFix: { start: number; end: number; name: string }[] = [];
  for (const block of blocks) {
    for (const f of fieldsOf(buf, block)) {
      const bytes = buf.subarray(f.start, f.end);
      const high = hasHighBytes(bytes);
      if (high && isValidUtf8(bytes)) continue;
      if (!high && !(bytes.includes(ESC) && ISO_2022_JP.test(bytes.toString("latin1")))) continue;
      if (high) eightBit.push(bytes);
      toFix.push({ start: f.start, end: f.end, name: f.name });
    }
  }
  // Detection reads only the words that carry 8-bit bytes: field names, addresses and ASCII words
  // would pull a statistical detector towards Latin-1.
  const words = Buffer.from(
    eightBit
      .map((b) => b.toString("latin1").replace(/^[^:]*:/, ""))
      .join(" ")
      .split(/[\s<>"(),;:]+/)
      .filter((w) => /[\x80-\xff]/.test(w))
      .join(" "),
    "latin1",
  );
  const headerCharset = eightBit.length > 0 ? decodeHeaderBytes(words, hint) : undefined;
  for (const f of toFix) {
    const bytes = buf.subarray(f.start, f.end);
    const decoded = hasHighBytes(bytes)
      ? { text: decodeStrict(bytes, headerCharset!.charset) ?? decodeHeaderBytes(bytes, undefined).text, charset: headerCharset!.charset, how: headerCharset!.how }
      : { text: new TextDecoder("iso-2022-jp").decode(bytes), charset: "iso-2022-jp", how: "detected" as const };
    edits.push({ start: f.start, end: f.end, bytes: Buffer.from(decoded.text, "utf8") });
    repairs.push({ where: "header", field: f.name, charset: decoded.charset, how: decoded.how });
  }

  for (const part of leafParts(buf, blocks)) {
    const value = part.contentType?.value ?? "";
    const label = /charset\s*=\s*"?([^";\s]+)"?/i.exec(value)?.[1]?.toLowerCase();
    const body = decodeTransfer(buf.subarray(part.bodyStart, part.bodyEnd), part.transferEncoding);
    const high = hasHighBytes(body);
    const escaped = !high && body.includes(ESC) && ISO_2022_JP.test(Buffer.from(body).toString("latin1"));
    if (!high && !escaped) continue;
    const sevenBitLabel = label === undefined || label === "us-ascii" || label === "ascii" || label === "7bit";
    const unknownLabel = label !== undefined && !sevenBitLabel && !whatwgKnows(label);
    // A Western label over valid UTF-8 is a client that lied (common with `iso-8859-1` defaults).
    const westernOverUtf8 = label !== undefined && /^(iso-8859-1|latin1|windows-1252)$/.test(label) && high && isValidUtf8(body);
    if (!sevenBitLabel && !unknownLabel && !westernOverUtf8) continue;
    const { charset, how } = detectCharset(body);
    if (label === charset) continue;
    const newValue = part.contentType
      ? /charset\s*=/i.test(value)
        ? value.replace(/charset\s*=\s*(?:"[^"]*"|[^;\s]+)/i, `charset="${charset}"`)
        : `${value.replace(/[\s;]+$/, "")}; charset="${charset}"`
      : `Content-Type: text/plain; charset="${charset}"\r\n`;
    if (part.contentType) edits.push({ start: part.contentType.start, end: part.contentType.end, bytes: Buffer.from(newValue, "latin1") });
    else edits.push({ start: part.headerEnd, end: part.headerEnd, bytes: Buffer.from(`\r\n${newValue.trimEnd()}`, "latin1") });
    repairs.push({ where: "body", field: "content-type", charset, how });
  }

  if (edits.length === 0) return { raw, repairs };
  // Header fixes and Content-Type fixes may touch the same field: the Content-Type edit is applied on the decoded text.
  edits.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: typeof edits = [];
  for (const e of edits) {
    const last = merged[merged.length - 1];
    if (last && e.start < last.end) {
      // Same field: keep the later (Content-Type) edit, decoded header text already ASCII-safe there.
      merged[merged.length - 1] = e.start === last.start && e.end === last.end ? e : last;
      continue;
    }
    merged.push(e);
  }
  const out: Buffer[] = [];
  let pos = 0;
  for (const e of merged) {
    out.push(buf.subarray(pos, e.start), e.bytes);
    pos = e.end;
  }
  out.push(buf.subarray(pos));
  return { raw: new Uint8Array(Buffer.concat(out)), repairs };
}
