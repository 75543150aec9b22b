/**
 * Idempotent request handling (IETF httpapi "The Idempotency-Key HTTP Header Field" draft,
 * Stripe): the first response for a key is stored and replayed for the same payload; another
 * payload with the key is refused (422); a request while the first is still running is refused
 * (409). 5xx responses are not stored, so the client may retry.
 */
import { createHash } from "node:crypto";
import type { IdempotencyStore, StoredResponse } from "../ports";

/** Header added to a replayed response (as Stripe does). */
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";

/**
 * Fingerprint of a request: SHA-256 hex of method, path and raw body.
 * @param method - HTTP method (case-insensitive).
 * @param path - URL path (without query).
 * @param body - raw body text.
 */
export function fingerprintRequest(method: string, path: string, body: string): string {
  return createHash("sha256").update(`${method.toUpperCase()}\n${path}\n`).update(body, "utf8").digest("hex");
}

/**
 * Parses an `Idempotency-Key` header: an RFC 8941 sf-string (`"…"`) or, leniently, a bare token;
 * 1–255 printable ASCII characters.
 * @returns the key, or undefined when the header is malformed.
 */
export function parseIdempotencyKey(header: string): string | undefined {
  let v = header.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(["\\])/g, "$1");
  return /^[\x20-\x7e]{1,255}$/.test(v) ? v : undefined;
}

/** Outcome of {@link runIdempotent}. */
export type IdempotentOutcome =
  | { kind: "fresh"; response: StoredResponse }
  | { kind: "replayed"; response: StoredResponse }
  | { kind: "in-flight" }
  | { kind: "mismatch" };

/**
 * Runs `produce` at most once per scope and key.
 * @param store - idempotency store.
 * @param scope - the client (partner id).
 * @param key - the key.
 * @param fingerprint - see {@link fingerprintRequest}.
 * @param produce - makes the response; a 5xx response or a throw releases the key.
 * @param toStored - what is kept for replays (default: the response itself). A response that
 *   carries a secret shown once (a new API key) is stored without it, so the secret is never
 *   at rest and a replay answers with what remains.
 * @returns fresh (produced now), replayed (stored response, with `Idempotent-Replayed: true`), in-flight or mismatch.
 * @throws whatever `produce` throws (after releasing the key), or a storage error.
 */
export async function runIdempotent(
  store: IdempotencyStore,
  scope: string,
  key: string,
  fingerprint: string,
  produce: () => Promise<StoredResponse>,
  toStored: (response: StoredResponse) => StoredResponse = (r) => r,
): Promise<IdempotentOutcome> {
  const begun = await store.begin(scope, key, fingerprint);
  if (begun.state === "in-flight") return { kind: "in-flight" };
  if (begun.state === "mismatch") return { kind: "mismatch" };
  if (begun.state === "completed") return { kind: "replayed", response: { ...begun.response, headers: { ...begun.response.headers, [IDEMPOTENT_REPLAYED_HEADER]: "true" } } };
  let response: StoredResponse;
  try {
    response = await produce();
  } catch (e) {
    await store.release(scope, key).catch(() => undefined);
    throw e;
  }
  if (response.status >= 500) await store.release(scope, key);
  else await store.complete(scope, key, toStored(response));
  return { kind: "fresh", response };
}
