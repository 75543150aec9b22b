/**
 * Status-page links: a signed, expiring capability for one case, so a customer follows and answers
 * a request from the link in an email without an account (the bearer of the link may read that
 * case's customer view and act as its customer, nothing else).
 *
 * Token: `<keyId>.<payload>.<signature>`, each part base64url (RFC 4648 §5, no padding); the
 * payload is the JSON `{"p": partnerId, "c": caseId, "x": expiry in Unix seconds}`; the signature
 * is HMAC-SHA256 (RFC 2104) over `status-link.v1.<keyId>.<payload>` under the key named by
 * `keyId`. Keys come from `STATUS_LINK_KEYS` (`<id>:<base64 of 32 bytes>`, comma-separated): the
 * first signs, all verify, so a key is rotated by adding a new one in front and removing the old
 * one after the longest link lifetime. The comparison is constant-time (`timingSafeEqual`).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The partner-facing URL of a case in the partner API (`Location` of the intake's 202, the link in
 * partner notifications): `{publicBaseUrl}/api/partners/{partnerId}/support-requests/{caseId}`.
 */
export function caseStatusUrl(publicBaseUrl: string, partnerId: string, caseId: string): string {
  return `${publicBaseUrl}/api/partners/${encodeURIComponent(partnerId)}/support-requests/${encodeURIComponent(caseId)}`;
}

/** What a status link grants: one case of one partner, until `expiresAt`. */
export interface StatusLinkClaims {
  partnerId: string;
  caseId: string;
  /** ISO 8601 UTC instant after which the link is refused (whole seconds). */
  expiresAt: string;
}

/** Why a token was refused (`malformed`: not a token of ours; `signature`: tampered or an unknown key; `expired`). */
export type StatusLinkRefusal = "malformed" | "signature" | "expired";

/** Result of {@link StatusLinkSigner.verify}. */
export type StatusLinkVerification = { ok: true; claims: StatusLinkClaims } | { ok: false; reason: StatusLinkRefusal };

/** A signing key: id (1–32 of `A-Za-z0-9_-`) and 32 secret bytes. */
export interface StatusLinkKey {
  id: string;
  key: Uint8Array;
}

const DOMAIN = "status-link.v1";
const PART = /^[A-Za-z0-9_-]+$/;
/** Longest token accepted (ids are short; this only bounds the work done on hostile input). */
export const MAX_STATUS_TOKEN_LENGTH = 1024;

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

/** Signs and verifies status-link tokens. */
export class StatusLinkSigner {
  readonly #keys: readonly StatusLinkKey[];

  /**
   * @param keys - signing keys, first = current (signs); all verify.
   * @throws RangeError when there is no key, a key is not 32 bytes or an id is not `[A-Za-z0-9_-]{1,32}`.
   */
  constructor(keys: readonly StatusLinkKey[]) {
    if (keys.length === 0) throw new RangeError("StatusLinkSigner: no key");
    for (const k of keys) {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(k.id)) throw new RangeError(`StatusLinkSigner: key id "${k.id}" is not 1–32 of A-Za-z0-9_-`);
      if (k.key.length !== 32) throw new RangeError(`StatusLinkSigner: key "${k.id}" is not 32 bytes`);
    }
    this.#keys = keys;
  }

  /**
   * Issues a token for one case.
   * @param claims - partner, case and expiry (ISO 8601; rounded down to whole seconds).
   * @returns the token (URL-safe, no escaping needed in a path segment).
   * @throws RangeError when `expiresAt` is not a valid instant.
   */
  sign(claims: StatusLinkClaims): string {
    const exp = Math.floor(Date.parse(claims.expiresAt) / 1000);
    if (!Number.isFinite(exp)) throw new RangeError(`StatusLinkSigner: expiresAt "${claims.expiresAt}" is not an ISO 8601 instant`);
    const current = this.#keys[0] as StatusLinkKey;
    const payload = b64url(JSON.stringify({ p: claims.partnerId, c: claims.caseId, x: exp }));
    return `${current.id}.${payload}.${this.#mac(current, payload)}`;
  }

  /**
   * Verifies a token: shape, key, signature, then expiry (a link is valid up to and including `expiresAt`).
   * @param token - as taken from the URL path.
   * @param now - the current instant.
   * @returns the claims, or why it was refused; never throws.
   */
  verify(token: string, now: Date): StatusLinkVerification {
    if (typeof token !== "string" || token.length === 0 || token.length > MAX_STATUS_TOKEN_LENGTH) return { ok: false, reason: "malformed" };
    const parts = token.split(".");
    if (parts.length !== 3 || !parts.every((p) => PART.test(p))) return { ok: false, reason: "malformed" };
    const [keyId, payload, signature] = parts as [string, string, string];
    const key = this.#keys.find((k) => k.id === keyId);
    if (!key) return { ok: false, reason: "signature" };
    const expected = Buffer.from(this.#mac(key, payload), "base64url");
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature" };
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      return { ok: false, reason: "malformed" };
    }
    const d = decoded as { p?: unknown; c?: unknown; x?: unknown } | null;
    if (!d || typeof d.p !== "string" || typeof d.c !== "string" || typeof d.x !== "number" || !Number.isSafeInteger(d.x)) return { ok: false, reason: "malformed" };
    if (now.getTime() > d.x * 1000) return { ok: false, reason: "expired" };
    return { ok: true, claims: { partnerId: d.p, caseId: d.c, expiresAt: new Date(d.x * 1000).toISOString() } };
  }

  #mac(key: StatusLinkKey, payload: string): string {
    return createHmac("sha256", key.key).update(`${DOMAIN}.${key.id}.${payload}`).digest("base64url");
  }
}

/**
 * The public URL of a status page.
 * @param publicBaseUrl - `PUBLIC_BASE_URL` (no trailing slash).
 * @param token - from {@link StatusLinkSigner.sign}.
 * @param anchor - optional fragment, e.g. `rating` for the resolution email's rating link.
 */
export function statusPageUrl(publicBaseUrl: string, token: string, anchor?: string): string {
  return `${publicBaseUrl}/api/status/${token}${anchor ? `#${anchor}` : ""}`;
}
