/**
 * Free text from outside the app (webhook bodies, partner API bodies, email intake) is normalised
 * once, where it is validated, so every later step (storage, templates, mail transports, the
 * dashboard) receives well-formed Unicode. What {@link normalizeText} does, in order:
 *
 * 1. **Lone surrogates** (a UTF-16 code unit U+D800–U+DFFF that is not half of a pair, e.g. the
 *    JSON escape `"\ud83d"` alone) become U+FFFD REPLACEMENT CHARACTER, as
 *    `String.prototype.toWellFormed` (ES2024) does. Such a string has no UTF-8 form:
 *    `encodeURIComponent` throws on it, and UTF-8 encoders silently replace it.
 * 2. **Line ends**: CR LF and a lone CR become LF.
 * 3. **Control characters** are removed: C0 (U+0000–U+001F) except TAB and LF, DEL (U+007F) and
 *    C1 (U+0080–U+009F). NUL and friends have no meaning in a support request and break headers,
 *    HTML and some storage paths.
 * 4. **NFC** (Unicode canonical composition): `e` + U+0301 and `é` become the same string, so equal
 *    text compares, searches and fingerprints equal.
 *
 * Everything else is kept as written, on purpose: U+2028 LINE SEPARATOR and U+2029 PARAGRAPH
 * SEPARATOR, right-to-left text and bidirectional marks (U+200E, U+200F, U+202A–U+202E,
 * U+2066–U+2069), zero-width characters (U+200B–U+200D, U+2060, U+FEFF inside the text), private
 * use characters, noncharacters and arbitrarily long words. Every output path copes with them
 * (templates, Table Storage, mail headers: see docs/input-text.md).
 */
import { z } from "zod";

/** A UTF-16 code unit of a surrogate pair with its partner missing. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** C0 controls but TAB and LF, DEL and C1 controls. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/**
 * Replaces every lone surrogate with U+FFFD (what ES2024 `String.prototype.toWellFormed` does);
 * a well-formed string is returned unchanged.
 * @param value - any JavaScript string.
 * @returns a string that has a UTF-8 form (`encodeURIComponent` accepts it).
 */
export function toWellFormedText(value: string): string {
  return value.replace(LONE_SURROGATE, "\uFFFD");
}

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate), as ES2024
 * `String.prototype.isWellFormed`.
 * @param value - any JavaScript string.
 */
export function isWellFormedText(value: string): boolean {
  LONE_SURROGATE.lastIndex = 0;
  const found = LONE_SURROGATE.test(value);
  LONE_SURROGATE.lastIndex = 0;
  return !found;
}

/**
 * Normalises untrusted free text (see the module comment for the exact rules): lone surrogates →
 * U+FFFD, CR LF and CR → LF, control characters other than TAB and LF removed, NFC. Total: never
 * throws, for any JavaScript string. Idempotent. Does not trim (the schemas do).
 * @param value - text as received.
 * @returns well-formed NFC text without control characters other than TAB and LF.
 */
export function normalizeText(value: string): string {
  return toWellFormedText(value).replace(/\r\n?/g, "\n").replace(CONTROL, "").normalize("NFC");
}

/**
 * Cuts text to at most `maxLength` UTF-16 code units without splitting a surrogate pair (a cut
 * through a pair drops its first half too), so the result stays well-formed.
 * @param value - well-formed text.
 * @param maxLength - most UTF-16 code units kept (≥ 0).
 */
export function truncateText(value: string, maxLength: number): string {
  if (value.length <= maxLength) return value;
  const cut = value.slice(0, maxLength);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/**
 * Text for a single-line context (a mail subject or display name, a table cell): well-formed
 * ({@link toWellFormedText}); every control character (C0, DEL, C1) and line or paragraph
 * separator (U+2028, U+2029) becomes a space; runs of whitespace collapse to one space; trimmed.
 * Total over any JavaScript string.
 * @param value - untrusted text.
 * @returns one line of well-formed text (no CR, LF or other control character).
 */
export function toSingleLineText(value: string): string {
  return toWellFormedText(value)
    .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g, " ")
    .replace(/\s{2,}/g, " ")
    .trim();
}

/** Options of {@link inputText}. */
export interface InputTextOptions {
  /** Fewest characters after normalising and trimming (default 1). */
  min?: number;
  /** Most UTF-16 code units after normalising and trimming. */
  max: number;
}

/**
 * The schema of a free-text field of a request body: a string normalised by {@link normalizeText},
 * then trimmed, then checked against `min` and `max` (in UTF-16 code units, after normalising, so
 * a field of removed control characters counts as empty). Stays a `ZodString`, so the OpenAPI
 * document shows it as a string with its lengths.
 * @param options - length bounds.
 */
export function inputText(options: InputTextOptions): z.ZodString {
  return z.string().overwrite(normalizeText).trim().min(options.min ?? 1).max(options.max);
}
