/**
 * Message-IDs (RFC 5322 3.6.4 `msg-id` = `<id-left@id-right>`) and the Message-IDs of our own
 * outbound notifications, which encode the case: `<{caseId}.{notificationKey}@{senderDomain}>`
 * (shared/services/activities.ts `notificationMessageId`), e.g.
 * `<CS-0K7Q2M4XPR.received@duna-cloud.example>`. The help-desk practice "Email-to-ticket conventions"
 * (osTicket) rely on this: "our own outbound Message-IDs encode the case".
 */

/**
 * Shape of a case id: `CS-` and 10 Crockford base32 characters. The same pattern as
 * shared/services/caseId.ts `CASE_ID_PATTERN`, repeated here because the domain layer may not import
 * services (eslint.config.mjs layer rules).
 */
export const CASE_ID_PATTERN = /^CS-[0-9A-HJKMNP-TV-Z]{10}$/;

/** Upper bound on the ids read from one References field, so a crafted header cannot cause unbounded lookups. */
export const MAX_REFERENCES = 100;

const MSG_ID = /<([^<>\s]+)>/g;

/**
 * Normalizes one Message-ID to `<id-left@id-right>`: trims, strips RFC 5322 comments around it and
 * adds missing angle brackets (some clients omit them). Comparison stays literal otherwise (RFC 5322
 * does not fold case in msg-id).
 * @param value - a header value holding one id, with or without brackets.
 * @returns the normalized id, or undefined when the value holds no `left@right` token.
 */
export function normalizeMessageId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bracketed = /<([^<>\s]+)>/.exec(value);
  const token = bracketed ? bracketed[1] : value.trim();
  if (token === undefined || !/^[^\s<>@]+@[^\s<>@]+$/.test(token)) return undefined;
  return `<${token}>`;
}

/**
 * Every Message-ID in a header value such as `References` or `In-Reply-To` (RFC 5322 3.6.4), in
 * order; tokens without `@` are skipped. At most {@link MAX_REFERENCES} ids, the right-most kept
 * (the right-most id is the parent, so it matters most).
 * @param value - the raw header value; undefined or empty gives [].
 * @returns ids as `<left@right>`.
 */
export function parseMessageIdList(value: string | undefined): string[] {
  if (!value) return [];
  const ids: string[] = [];
  for (const match of value.matchAll(MSG_ID)) {
    const token = match[1];
    if (token !== undefined && /^[^\s<>@]+@[^\s<>@]+$/.test(token)) ids.push(`<${token}>`);
  }
  if (ids.length === 0) {
    // Some clients write bare ids separated by whitespace.
    for (const token of value.split(/[\s,]+/)) if (/^[^\s<>@]+@[^\s<>@]+$/.test(token)) ids.push(`<${token}>`);
  }
  return ids.slice(-MAX_REFERENCES);
}

/** What one of our outbound Message-IDs encodes. */
export interface OutboundMessageId {
  /** The case the notification was about, e.g. `CS-0K7Q2M4XPR`. */
  caseId: string;
  /** The notification key, e.g. `received`, `awaiting-customer`, `partner.breach`. */
  notificationKey: string;
  /** Sender domain, lower-cased, e.g. `duna-cloud.example`. */
  domain: string;
}

const OUTBOUND = /^<([Cc][Ss]-[0-9A-Za-z]{10})\.([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+)@([^<>\s@]+)>$/;

/**
 * Reads one of our outbound Message-IDs (`<{caseId}.{key}@{domain}>`).
 * @param messageId - a Message-ID, with or without brackets.
 * @param ownDomains - when given, the id's domain must be one of these (case-insensitive); anyone can
 *   write an id of this shape, so callers that act on the result pass the partner's sender domains.
 * @returns the decoded parts, or undefined when the id is not ours.
 */
export function parseOutboundMessageId(messageId: string, ownDomains?: readonly string[]): OutboundMessageId | undefined {
  const normalized = normalizeMessageId(messageId);
  if (!normalized) return undefined;
  const m = OUTBOUND.exec(normalized);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  const caseId = m[1].toUpperCase();
  if (!CASE_ID_PATTERN.test(caseId)) return undefined;
  const domain = m[3].toLowerCase();
  if (ownDomains && !ownDomains.some((d) => d.toLowerCase() === domain)) return undefined;
  return { caseId, notificationKey: m[2], domain };
}
