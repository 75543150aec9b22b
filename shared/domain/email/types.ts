/**
 * Shapes shared by the email rules (threading, loop detection, classification). Pure data: the
 * MIME parser (shared/services/inboundEmail/parseMessage.ts) produces them, the rules read them.
 */

/** One mailbox of an address header (RFC 5322 `mailbox`). */
export interface MailAddress {
  /** The addr-spec, lower-cased (`it@contoso.example`); local parts are compared case-insensitively in practice. */
  address: string;
  /** The decoded display name (RFC 2047 encoded words decoded), when the header had one. */
  name?: string;
}

/**
 * Header fields of a message by lower-cased field name, each with every occurrence in document
 * order (duplicates such as two `X-Loop` fields are kept). Values are raw: unfolded (RFC 5322
 * 2.2.3, the folding whitespace kept) but not RFC 2047-decoded.
 */
export type HeaderMap = Readonly<Record<string, readonly string[]>>;

/** First value of a header field in a {@link HeaderMap}, trimmed, or undefined when absent. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const values = headers[name.toLowerCase()];
  const first = values?.[0];
  return first === undefined ? undefined : first.trim();
}

/** Domain part of an address, lower-cased (`Support@Contoso.EXAMPLE` → `contoso.example`), or "" without an `@`. */
export function addressDomain(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? "" : address.slice(at + 1).trim().toLowerCase();
}

/** Whether two addr-specs are the same mailbox (case-insensitive, surrounding whitespace ignored). */
export function sameAddress(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
