/**
 * Standard Webhooks signatures over raw bytes for the `message/rfc822` relay endpoint: the same
 * verification as the JSON webhook (shared/services/webhookVerification.ts computes the HMAC over
 * the body bytes exactly as sent, so 8-bit legacy-charset mail verifies as signed). The relay's
 * body is never decoded as UTF-8 here: MIME parsing decodes each part in its own charset.
 */
import { signWebhookBytes, verifyWebhook, type WebhookVerification } from "../webhookVerification";

export { signWebhookBytes };

/**
 * Verifies a Standard Webhooks signature over raw bytes.
 * @param secrets - the partner's `whsec_…` secrets, newest first.
 * @param body - the request body bytes.
 * @param headers - request headers (case-insensitive names).
 * @param now - current time.
 * @returns as `verifyWebhook`.
 */
export function verifyWebhookBytes(secrets: readonly string[], body: Uint8Array, headers: Headers, now: Date): WebhookVerification {
  return verifyWebhook(secrets, body, headers, now);
}
