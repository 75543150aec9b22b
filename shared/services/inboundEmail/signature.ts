/**
 * Standard Webhooks signatures over raw bytes, for the `message/rfc822` relay endpoint: the
 * signed content is `{webhook-id}.{webhook-timestamp}.` followed by the body bytes exactly as sent
 * (the `standardwebhooks` package decodes a Buffer body as UTF-8 first, which changes 8-bit legacy
 * charset mail, so the HMAC is computed here; for UTF-8 bodies both agree). Same headers, secrets,
 * tolerance and rotation as shared/services/webhookVerification.ts.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { checkWebhookHeaders, headerGetter, type WebhookVerification } from "../webhookVerification";

function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}

/**
 * The `v1,<base64>` signature of a body (what a relay puts in `webhook-signature`).
 * @param secret - `whsec_…` secret.
 * @param id - `webhook-id`.
 * @param timestampInSeconds - `webhook-timestamp`.
 * @param body - the raw body.
 */
export function signWebhookBytes(secret: string, id: string, timestampInSeconds: number, body: Uint8Array): string {
  const mac = createHmac("sha256", secretBytes(secret)).update(`${id}.${timestampInSeconds}.`, "utf8").update(body).digest("base64");
  return `v1,${mac}`;
}

/**
 * Verifies a Standard Webhooks signature over raw bytes.
 * @param secrets - the partner's `whsec_…` secrets, newest first.
 * @param body - the request body bytes.
 * @param headers - request headers (case-insensitive names).
 * @param now - current time.
 * @returns as `verifyWebhook`.
 */
export function verifyWebhookBytes(secrets: readonly string[], body: Uint8Array, headers: Headers, now: Date): WebhookVerification {
  const checked = checkWebhookHeaders(headerGetter(headers), secrets, now);
  if (!checked.ok) return checked;
  const { id, seconds, signature } = checked.headers;
  const presented = signature.split(" ").map((s) => s.trim()).filter((s) => s.startsWith("v1,")).map((s) => Buffer.from(s.slice(3), "base64"));
  for (const secret of secrets) {
    const expected = Buffer.from(signWebhookBytes(secret, id, seconds, body).slice(3), "base64");
    if (presented.some((p) => p.length === expected.length && timingSafeEqual(p, expected))) return { ok: true, webhookId: id, timestamp: new Date(seconds * 1000).toISOString() };
  }
  return { ok: false, reason: "signature-mismatch", detail: "No webhook-signature matches the body with any of the partner's secrets" };
}
