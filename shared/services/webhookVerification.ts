/**
 * Standard Webhooks signature verification (https://www.standardwebhooks.com/, spec "Verifying
 * webhooks"), with the `standardwebhooks` package: headers `webhook-id`, `webhook-timestamp`
 * (unix seconds, accepted within 5 minutes either way) and `webhook-signature` (space-separated
 * `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{raw body}">`; several during secret rotation).
 * Each of the partner's secrets is tried, so a sender signing with the old or the new secret
 * passes during rotation.
 */
import { Webhook } from "standardwebhooks";

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

/**
 * Verifies a signed webhook against the raw body.
 * @param secrets - the partner's `whsec_…` secrets, newest first.
 * @param rawBody - the request body exactly as received (never re-serialized JSON).
 * @param headers - request headers (names case-insensitive); a `Headers` or a plain record.
 * @param now - current time (the `standardwebhooks` package itself checks against `Date.now()`).
 * @returns `{ok: true}` with the webhook id, or `{ok: false}` with the reason and a human detail.
 */
export function verifyWebhook(secrets: readonly string[], rawBody: string, headers: Headers | Record<string, string | undefined>, now: Date = new Date()): WebhookVerification {
  const checked = checkWebhookHeaders(headerGetter(headers), secrets, now);
  if (!checked.ok) return checked;
  const { id, timestamp, seconds, signature } = checked.headers;
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(rawBody, { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature }, { jsonParse: false });
      return { ok: true, webhookId: id, timestamp: new Date(seconds * 1000).toISOString() };
    } catch {
      // try the next secret (rotation)
    }
  }
  return { ok: false, reason: "signature-mismatch", detail: "No webhook-signature matches the body with any of the partner's secrets" };
}
