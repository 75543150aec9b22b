/**
 * Standard Webhooks signature verification (https://www.standardwebhooks.com/, spec "Verifying
 * webhooks"): headers `webhook-id`, `webhook-timestamp` (unix seconds, accepted within 5 minutes
 * either way) and `webhook-signature` (space-separated `v1,<base64 HMAC-SHA256 of
 * "{id}.{timestamp}.{raw body}">`; several during secret rotation). Each of the partner's secrets
 * is tried, so a sender signing with the old or the new secret passes during rotation.
 *
 * The HMAC is computed over the body bytes exactly as received, before anything decodes them (the
 * spec: "verify the raw body"). The `standardwebhooks` package decodes a Buffer body as UTF-8
 * first, which turns a BOM or invalid UTF-8 into other bytes than were signed, so it is used here
 * only as the senders' reference (the tests sign with it); decoding and JSON parsing come after a
 * successful verification, in the handlers.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Why verification failed (stable values, shown to the sender in the 401 detail). */
export type WebhookFailureReason = "missing-headers" | "invalid-timestamp" | "timestamp-too-old" | "timestamp-too-new" | "signature-mismatch" | "no-secret";

/** Result of {@link verifyWebhook}. */
export type WebhookVerification =
  | { ok: true; webhookId: string; /** Sender's timestamp, ISO 8601 UTC. */ timestamp: string }
  | { ok: false; reason: WebhookFailureReason; detail: string };

/** Tolerance of the timestamp either way, in seconds (Standard Webhooks: 5 minutes). */
export const WEBHOOK_TOLERANCE_IN_SECONDS = 5 * 60;

/** Standard Webhooks headers that passed the header and timestamp checks. */
export interface WebhookHeaders {
  id: string;
  /** `webhook-timestamp` as sent. */
  timestamp: string;
  /** `webhook-timestamp` in Unix seconds. */
  seconds: number;
  /** `webhook-signature` as sent (space-separated `v1,<base64>` values). */
  signature: string;
}

/**
 * Reads and checks the Standard Webhooks headers before any signature is computed: all three
 * present, the timestamp in Unix seconds and within {@link WEBHOOK_TOLERANCE_IN_SECONDS} of `now`
 * either way, at least one secret. Shared by the JSON webhook and the `message/rfc822` relay.
 * @param get - header lookup (case-insensitive name → value).
 * @returns the headers, or the failure with a human detail.
 */
export function checkWebhookHeaders(
  get: (name: string) => string | undefined,
  secrets: readonly string[],
  now: Date,
): { ok: true; headers: WebhookHeaders } | Extract<WebhookVerification, { ok: false }> {
  const id = get("webhook-id");
  const ts = get("webhook-timestamp");
  const sig = get("webhook-signature");
  const missing = [!id && "webhook-id", !ts && "webhook-timestamp", !sig && "webhook-signature"].filter(Boolean);
  if (!id || !ts || !sig) return { ok: false, reason: "missing-headers", detail: `Missing Standard Webhooks header(s): ${missing.join(", ")}` };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: "invalid-timestamp", detail: "webhook-timestamp must be unix time in seconds" };
  const seconds = Number(ts);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (nowSeconds - seconds > WEBHOOK_TOLERANCE_IN_SECONDS) return { ok: false, reason: "timestamp-too-old", detail: `webhook-timestamp is more than ${WEBHOOK_TOLERANCE_IN_SECONDS} s in the past` };
  if (seconds - nowSeconds > WEBHOOK_TOLERANCE_IN_SECONDS) return { ok: false, reason: "timestamp-too-new", detail: `webhook-timestamp is more than ${WEBHOOK_TOLERANCE_IN_SECONDS} s in the future` };
  if (secrets.length === 0) return { ok: false, reason: "no-secret", detail: "The partner has no webhook secret" };
  return { ok: true, headers: { id, timestamp: ts, seconds, signature: sig } };
}

/** Case-insensitive lookup over a `Headers` or a plain record. */
export function headerGetter(headers: Headers | Record<string, string | undefined>): (name: string) => string | undefined {
  if (headers instanceof Headers) return (name) => headers.get(name) ?? undefined;
  return (name) => {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : headers[key];
  };
}

function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}

/**
 * The `v1,<base64>` signature of a body (what a sender puts in `webhook-signature`).
 * @param secret - `whsec_…` secret.
 * @param id - `webhook-id`.
 * @param timestampInSeconds - `webhook-timestamp`.
 * @param body - the raw body bytes (a string is taken as its UTF-8 bytes).
 */
export function signWebhookBytes(secret: string, id: string, timestampInSeconds: number, body: Uint8Array | string): string {
  const mac = createHmac("sha256", secretBytes(secret)).update(`${id}.${timestampInSeconds}.`, "utf8").update(typeof body === "string" ? Buffer.from(body, "utf8") : body).digest("base64");
  return `v1,${mac}`;
}

/**
 * Verifies a signed webhook against the raw body bytes, comparing every presented `v1` signature
 * with each secret's in constant time (`crypto.timingSafeEqual`).
 * @param secrets - the partner's `whsec_…` secrets, newest first.
 * @param rawBody - the request body exactly as received: its bytes (a string is taken as its UTF-8
 *   bytes, for callers that hold text they know was sent as UTF-8).
 * @param headers - request headers (names case-insensitive); a `Headers` or a plain record.
 * @param now - current time.
 * @returns `{ok: true}` with the webhook id, or `{ok: false}` with the reason and a human detail.
 */
export function verifyWebhook(secrets: readonly string[], rawBody: Uint8Array | string, headers: Headers | Record<string, string | undefined>, now: Date = new Date()): WebhookVerification {
  const checked = checkWebhookHeaders(headerGetter(headers), secrets, now);
  if (!checked.ok) return checked;
  const { id, seconds, signature } = checked.headers;
  const presented = signature
    .split(" ")
    .map((s) => s.trim())
    .filter((s) => s.startsWith("v1,"))
    .map((s) => Buffer.from(s.slice(3), "base64"));
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signWebhookBytes(secret, id, seconds, rawBody).slice(3), "base64");
    for (const p of presented) if (p.length === expected.length && timingSafeEqual(p, expected)) matched = true;
  }
  if (matched) return { ok: true, webhookId: id, timestamp: new Date(seconds * 1000).toISOString() };
  return { ok: false, reason: "signature-mismatch", detail: "No webhook-signature matches the body with any of the partner's secrets" };
}

/** Result of {@link decodeUtf8Body}. */
export type Utf8Decoding = { ok: true; text: string } | { ok: false; byteOffset: number; detail: string };

/**
 * Decodes a verified body as UTF-8 (RFC 8259 §8.1: JSON exchanged between systems is UTF-8),
 * strictly: a byte sequence that is not UTF-8 is refused, never replaced with U+FFFD (which would
 * make the text differ from the bytes that were signed). A leading BOM is dropped (RFC 8259 lets
 * parsers ignore it).
 * @param bytes - the raw body.
 * @returns the text, or the byte offset where decoding fails (the body's length for a truncated
 *   final sequence) with a human detail.
 */
export function decodeUtf8Body(bytes: Uint8Array): Utf8Decoding {
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    // Only on the error path: feed the bytes one at a time to find where decoding fails.
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let offset = bytes.length;
    for (let i = 0; i < bytes.length; i++) {
      try {
        decoder.decode(bytes.subarray(i, i + 1), { stream: true });
      } catch {
        offset = i;
        break;
      }
    }
    return { ok: false, byteOffset: offset, detail: `The body is not valid UTF-8 (decoding fails at byte offset ${offset}); send JSON encoded as UTF-8.` };
  }
}
