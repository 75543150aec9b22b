/**
 * Partner credentials: Standard Webhooks signing secrets and partner API keys.
 * Secrets: `whsec_` + base64 of 32 random bytes (Standard Webhooks spec, "Signature scheme").
 * API keys: `csp_` + base64url of 32 random bytes (256 bits), stored only as SHA-256 hex and
 * compared in constant time (help-desk practice "API keys"; OWASP API2:2023).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Role } from "../contracts";
import type { ApiKeyRecord } from "../ports";

/** Name of the key issued by partner registration (and by each rotation). */
export const REGISTRATION_KEY_NAME = "Registration key";

/** Characters of a key shown as its prefix in listings: `csp_` + 4 (24 bits; identifies, never enough to guess). */
export const API_KEY_PREFIX_LENGTH = 8;

/** A new key id: `key_` + 16 hex characters (64 random bits). */
export function generateApiKeyId(): string {
  return `key_${randomBytes(8).toString("hex")}`;
}

/**
 * The stored record of a newly generated key: its SHA-256, its first 8 characters and its role.
 * @param apiKey - the key in clear (shown once to its creator, never stored).
 */
export function newApiKeyRecord(apiKey: string, role: Role, name: string, createdAt: string): ApiKeyRecord {
  return { keyId: generateApiKeyId(), hash: hashApiKey(apiKey), prefix: apiKey.slice(0, API_KEY_PREFIX_LENGTH), role, name, createdAt };
}

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
  return matchApiKey(apiKey, hashes) !== -1;
}

/**
 * The index of the hash `apiKey` hashes to, or -1: every stored hash is compared in constant time
 * (`crypto.timingSafeEqual`) and the loop never exits early, so timing reveals neither which key
 * matched nor whether one did (OWASP API2:2023 Broken Authentication).
 */
export function matchApiKey(apiKey: string, hashes: readonly string[]): number {
  const candidate = Buffer.from(hashApiKey(apiKey), "hex");
  let match = -1;
  hashes.forEach((h, i) => {
    const stored = Buffer.from(h, "hex");
    if (stored.length === candidate.length && timingSafeEqual(stored, candidate) && match === -1) match = i;
  });
  return match;
}
