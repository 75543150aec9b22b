/**
 * Customer-supplied text that goes into outgoing mail headers (display names, subjects) is made
 * inert, whatever transport then encodes it (nodemailer for SMTP, ACS from its JSON request):
 *
 * - **Display names** must not carry an address: a name such as `Evil <evil@x.example>` is shown by
 *   mail clients as if it were the sender or recipient address (display-name spoofing). Angle-bracketed
 *   parts and anything that looks like an address (`local@domain`) are removed, with control
 *   characters and the quoting characters `"` and `\`; a name left empty is dropped.
 * - **RFC 2047 encoded words** (`=?charset?B|Q?text?=`) in customer text would be decoded by mail
 *   clients into text the customer never wrote. Every `=?` gets U+2060 WORD JOINER between its two
 *   characters: no decoder sees an encoded word any more, and the text looks the same to the reader.
 *   (The transport encodes the non-ASCII joiner in its own encoded word, which clients decode once,
 *   back to the literal text.)
 * - Both are **well-formed single lines** whatever they were given: lone surrogates become U+FFFD,
 *   control characters and U+2028/U+2029 spaces (shared/contracts `toSingleLineText`), and cuts
 *   never split a surrogate pair.
 */
import { toSingleLineText, truncateText } from "../../contracts/text";

/** U+2060 WORD JOINER: invisible, no line-break opportunity, never part of an RFC 2047 token. */
export const ENCODED_WORD_BREAK = "\u2060";

/** Longest display name kept, in characters (longer names are cut; mail clients truncate anyway). */
export const MAX_DISPLAY_NAME_LENGTH = 100;

/**
 * Breaks every RFC 2047 encoded-word opener `=?` so no mail client decodes it.
 * @param text - header text (a subject, a display name).
 * @returns the text with U+2060 between `=` and `?` wherever they meet.
 */
export function neutraliseEncodedWords(text: string): string {
  return text.replaceAll("=?", `=${ENCODED_WORD_BREAK}?`);
}

/**
 * A subject line that is one well-formed line with no encoded word: `toSingleLineText`, then
 * {@link neutraliseEncodedWords}.
 * @param subject - the subject as rendered.
 */
export function safeSubject(subject: string): string {
  return neutraliseEncodedWords(toSingleLineText(subject));
}

/**
 * A display name that names nobody else: angle-bracketed parts (`<…>`), address-like tokens
 * (`…@…`), control characters, `"` and `\` removed, whitespace collapsed, encoded words broken
 * ({@link neutraliseEncodedWords}), cut to {@link MAX_DISPLAY_NAME_LENGTH} (never inside a
 * surrogate pair); lone surrogates become U+FFFD.
 * @param name - the name as supplied (e.g. a request's `contactName`).
 * @returns the safe name, or undefined when nothing is left (send the bare address then).
 */
export function safeDisplayName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const words = toSingleLineText(name)
    .replace(/<[^>]*>?/g, " ")
    .replace(/["\\<>]/g, " ")
    .split(/\s+/)
    .filter((word) => !word.includes("@"));
  const cleaned = truncateText(words.join(" ").trim(), MAX_DISPLAY_NAME_LENGTH).trim();
  return cleaned === "" ? undefined : neutraliseEncodedWords(cleaned);
}
