/**
 * Context-aware HTML escaping for email templates (OWASP XSS Prevention Cheat Sheet, rules #1 and
 * #2). Values are escaped exactly once, at the point they enter HTML, and never decoded afterwards.
 * Every function here is total over any JavaScript string, lone surrogates included.
 */
import { toSingleLineText, toWellFormedText } from "../contracts/text";

const TEXT_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Escapes a value for an HTML text node: `&`, `<`, `>`, `"` and `'` become character references,
 * so the result cannot open a tag, close an element or start an entity.
 * @param value - untrusted text.
 * @returns the escaped text (same string when nothing needed escaping).
 */
export function escapeHtmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => TEXT_ESCAPES[c] ?? c);
}

/**
 * Escapes a value for a double- or single-quoted HTML attribute value. Besides the text-node
 * characters it escapes the backtick, `=` and every control/whitespace character other than space
 * (as `&#xHH;`), so the value cannot end the attribute even if a template forgot the quotes.
 * Never use it for `href`/`src` of untrusted URLs: validate the scheme first ({@link safeMailtoHref}).
 * @param value - untrusted text.
 * @returns the escaped attribute value, to be placed between quotes.
 */
export function escapeHtmlAttribute(value: string): string {
  return value.replace(/[&<>"'`=\u0000-\u001f\u007f]/g, (c) => TEXT_ESCAPES[c] ?? `&#x${c.charCodeAt(0).toString(16)};`);
}

/** A conservative email address shape (no spaces, quotes or angle brackets). */
const SIMPLE_EMAIL = /^[A-Za-z0-9.!#$%*+/?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/**
 * Builds a `mailto:` href for an email address, or undefined when the value is not a plain email
 * address (then the caller renders it as text only). Address and subject are percent-encoded
 * (RFC 6068) and the whole URL is then attribute-escaped, so the result is safe inside a quoted
 * `href` attribute and cannot carry another scheme such as `javascript:`. A lone surrogate in the
 * subject (which `encodeURIComponent` refuses with a URIError) is encoded as U+FFFD.
 * @param value - untrusted value, e.g. a partner's support contact.
 * @param subject - optional subject for the reply.
 */
export function safeMailtoHref(value: string, subject?: string): string | undefined {
  const trimmed = value.trim();
  if (!SIMPLE_EMAIL.test(trimmed)) return undefined;
  const query = subject ? `?subject=${encodeURIComponent(toWellFormedText(subject))}` : "";
  return escapeHtmlAttribute(`mailto:${encodeURIComponent(trimmed).replace(/%40/g, "@")}${query}`);
}

/**
 * Returns an attribute-escaped `http:`/`https:` URL for an `href`, or undefined for anything else
 * (relative URLs, `javascript:`, `data:` …), so untrusted links can only point to web pages.
 * @param value - untrusted URL.
 */
export function safeHttpHref(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  return escapeHtmlAttribute(url.href);
}

/**
 * Replaces CR, LF, U+2028, U+2029 and every other control character with a space, collapses runs
 * of whitespace and makes the text well-formed: for values placed in single-line contexts such as
 * the email subject (header injection). Same as shared/contracts `toSingleLineText`.
 * @param value - untrusted text.
 */
export function toSingleLine(value: string): string {
  return toSingleLineText(value);
}
