/**
 * Partner credentials: Standard Webhooks signing secrets and partner API keys.
 * Secrets: `whsec_` + base64 of 32 random bytes (Standard Webhooks spec, "Signature scheme").
 * API keys: `csp_` + base64url of 32 random bytes (256 bits), stored only as SHA-256 hex and
 * compared in constant time (references.md "API keys"; OWASP API2:2023).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** A new partner API key: `csp_` + base64url of 32 random bytes (43 characters). */
export function generateApiKey(): string {
  return `csp_${randomBytes(32).toString("base64url")}`;
}

/** SHA-256 (hex, 64 characters) of an API key, as stored. */
export function hashApiKey(apiKey: string): string {
  return createHash("sha256").update(apiKey, "utf8").digest("hex");
}

/**
 * Whether `apiKey` hashes to one of `hashes`, comparing every stored hash in constant time
 * (`crypto.timingSafeEqual`), so timing reveals neither which nor whether one matched early.
 */
export function apiKeyMatches(apiKey: string, hashes: readonly string[]): boolean {
  const candidate = Buffer.from(hashApiKey(apiKey), "hex");
  let match = false;
  for (const h of hashes) {
    const stored = Buffer.from(h, "hex");
    if (stored.length === candidate.length && timingSafeEqual(stored, candidate)) match = true;
  }
  return match;
}
