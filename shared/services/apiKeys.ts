/**
 * Partner API keys with roles — authentication of a presented key, and the key
 * management use cases (list, create, revoke; permission `keys:manage`).
 *
 * Keys: `csp_` + 32 random bytes base64url (256 bits), stored only as SHA-256 and compared in
 * constant time against every key of the partner named in the URL (OWASP API2:2023 Broken
 * Authentication). Several keys per partner, each with a Partner Center role (shared/contracts
 * access.ts); revoked keys stay listed and answer 401. A valid key used on another partner's URL is
 * told apart so the API answers 404 there (OWASP API1:2023: never reveal that an object exists).
 * `lastUsedAt` is written at most once a minute per key and host instance, on the key's index row.
 */
import { can, CreateApiKeyBodySchema, type ApiKeyView, type CreatedApiKeyResponse, type Permission, type ReplayedApiKeyResponse, type Role } from "../contracts";
import type { ApiKeyRecord, Clock, PartnerRepository, StoredResponse } from "../ports";
import { generateApiKey, hashApiKey, matchApiKey, newApiKeyRecord } from "./credentials";
import { ForbiddenError, NotFoundError, parseInput } from "./errors";

/** The authenticated caller of the partner API: its partner and the key (with its role) it used. */
export interface ApiPrincipal {
  partnerId: string;
  keyId: string;
  role: Role;
  /** SHA-256 of the key (the rate limiter's and last-use tracker's key; never the key itself). */
  keyHash: string;
}

/** Result of {@link authenticateApiKey}. */
export type ApiKeyAuthentication =
  /** One of this partner's active keys. */
  | { kind: "authenticated"; principal: ApiPrincipal }
  /** No key, a revoked key or a key of no partner: 401. */
  | { kind: "unauthorized" }
  /** An active key of another partner: 404 for every object of this partner (the caller is still rate-limited by its key). */
  | { kind: "other-partner"; callerPartnerId: string; keyHash: string };

/** Dependencies of the key use cases. */
export interface ApiKeyDeps {
  partners: PartnerRepository;
  clock: Clock;
}

/** Minimum interval between two `lastUsedAt` writes of one key by one instance. */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/** When this instance last wrote each key's `lastUsedAt` (bounded: cleared when large). */
const lastUseWrites = new Map<string, number>();

/**
 * Records a key's use at most once a minute per instance (cheap: one property merge on its index
 * row); failures are swallowed (last use is informative, never a reason to fail a request).
 */
export async function touchApiKey(deps: ApiKeyDeps, keyHash: string): Promise<void> {
  const now = deps.clock.now();
  const last = lastUseWrites.get(keyHash);
  if (last !== undefined && now.getTime() - last < LAST_USED_WRITE_INTERVAL_MS) return;
  if (lastUseWrites.size > 10_000) lastUseWrites.clear();
  lastUseWrites.set(keyHash, now.getTime());
  try {
    await deps.partners.recordApiKeyUse(keyHash, now.toISOString());
  } catch {
    lastUseWrites.delete(keyHash);
  }
}

/**
 * Checks an API key against the partner named in the URL.
 * @param partnerId - partner id from the URL (unvalidated).
 * @param apiKey - the presented key, or undefined when none was sent.
 * @returns authenticated (with the key's role), unauthorized (unknown partner, wrong or revoked key
 *   look the same), or other-partner (an active key of another partner).
 * @throws Error when storage fails.
 */
export async function authenticateApiKey(deps: Pick<ApiKeyDeps, "partners">, partnerId: string, apiKey: string | undefined): Promise<ApiKeyAuthentication> {
  if (!apiKey || apiKey.length > 512) return { kind: "unauthorized" };
  const creds = await deps.partners.getCredentials(partnerId);
  const active = (creds?.apiKeys ?? []).filter((k) => k.revokedAt === undefined);
  // Always hash and compare (constant time, every key), even for an unknown partner.
  const index = matchApiKey(apiKey, active.map((k) => k.hash));
  const key = index === -1 ? undefined : active[index];
  if (creds && key) return { kind: "authenticated", principal: { partnerId, keyId: key.keyId, role: key.role, keyHash: key.hash } };
  const keyHash = hashApiKey(apiKey);
  const owner = await deps.partners.findPartnerIdByApiKeyHash(keyHash);
  if (owner !== undefined && owner !== partnerId) return { kind: "other-partner", callerPartnerId: owner, keyHash };
  return { kind: "unauthorized" };
}

/**
 * Throws unless the principal's role holds the permission.
 * @throws ForbiddenError naming the permission and the role.
 */
export function requirePermission(principal: Pick<ApiPrincipal, "role">, permission: Permission): void {
  if (!can(principal.role, permission)) throw new ForbiddenError(permission, principal.role);
}

function toView(k: ApiKeyRecord, lastUsedAt: string | undefined): ApiKeyView {
  return { keyId: k.keyId, prefix: k.prefix, role: k.role, name: k.name, createdAt: k.createdAt, lastUsedAt: lastUsedAt ?? k.lastUsedAt ?? null, ...(k.revokedAt ? { revokedAt: k.revokedAt } : {}) };
}

/**
 * The partner's keys (revoked ones included), oldest first, with their last use; never the keys.
 * @throws ForbiddenError without `keys:manage`.
 */
export async function listApiKeys(deps: ApiKeyDeps, principal: ApiPrincipal): Promise<ApiKeyView[]> {
  requirePermission(principal, "keys:manage");
  const creds = await deps.partners.getCredentials(principal.partnerId);
  const keys = creds?.apiKeys ?? [];
  const uses = await deps.partners.getApiKeyUses(keys.map((k) => k.hash));
  return keys.map((k) => toView(k, uses.get(k.hash)));
}

/**
 * Creates a key with a role and a name; the key itself is in the result only (shown once).
 * @throws ValidationError for a bad body; ForbiddenError without `keys:manage`.
 */
export async function createApiKey(deps: ApiKeyDeps, principal: ApiPrincipal, body: unknown): Promise<CreatedApiKeyResponse> {
  requirePermission(principal, "keys:manage");
  const request = parseInput(CreateApiKeyBodySchema, body);
  const apiKey = generateApiKey();
  const record = newApiKeyRecord(apiKey, request.role, request.name, deps.clock.now().toISOString());
  await deps.partners.addApiKey(principal.partnerId, record);
  return { ...toView(record, undefined), apiKey };
}

/**
 * Revokes a key (idempotent: revoking a revoked key keeps its first `revokedAt`). A key may revoke
 * itself; later requests with it answer 401.
 * @throws NotFoundError for an unknown key id; ForbiddenError without `keys:manage`.
 */
export async function revokeApiKey(deps: ApiKeyDeps, principal: ApiPrincipal, keyId: string): Promise<ApiKeyView> {
  requirePermission(principal, "keys:manage");
  if (!/^key_[0-9a-f]{16}$/.test(keyId)) throw new NotFoundError(`API key ${keyId} not found`);
  const revoked = await deps.partners.revokeApiKey(principal.partnerId, keyId, deps.clock.now().toISOString());
  if (!revoked) throw new NotFoundError(`API key ${keyId} not found`);
  return toView(revoked, undefined);
}

/** Why a replayed key creation carries no key (the `notice` of {@link ReplayedApiKeyResponse}). */
export const API_KEY_NOT_SHOWN_AGAIN =
  "This is a replay of a key creation (same Idempotency-Key and body). The key is shown only in the response that created it and is never stored in clear; if that response was lost, revoke this key id and create another.";

/**
 * What the idempotency store keeps of a key creation's response: the same status and headers and
 * the key's metadata, with `apiKey` null and {@link API_KEY_NOT_SHOWN_AGAIN}, so the secret is
 * never written to storage and a replay answers without it (Stripe returns a creation-only secret,
 * such as a webhook endpoint's, only at creation).
 * @param response - the 201 as produced (body: {@link CreatedApiKeyResponse} as JSON).
 * @returns the response to store; a body that is not a created key is stored unchanged.
 */
export function redactCreatedApiKey(response: StoredResponse): StoredResponse {
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return response;
  }
  if (typeof body !== "object" || body === null || !("apiKey" in body)) return response;
  const { apiKey: _secret, ...view } = body as CreatedApiKeyResponse;
  const replay: ReplayedApiKeyResponse = { ...view, apiKey: null, notice: API_KEY_NOT_SHOWN_AGAIN };
  return { ...response, body: JSON.stringify(replay) };
}
