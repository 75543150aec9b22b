/**
 * Partners in memory. For unit tests of logic and local experiments, not production: nothing
 * survives the process and webhook secrets are kept in clear (the Table adapter seals them).
 */
import { PartnerIdSchema, type Partner, type PartnerDefinition } from "../../contracts";
import type { ApiKeyRecord, PartnerCredentialRecord, PartnerRepository } from "../../ports";
import { legacyApiKey } from "../tablePartnerRepository";
import { copy } from "./memoryStore";

interface StoredPartner {
  partner: Partner;
  webhookSecrets: string[];
  keys: ApiKeyRecord[];
}

const API_KEY_HASH = /^[0-9a-f]{64}$/;

/**
 * {@link PartnerRepository} in memory, behaving as TablePartnerRepository: `createdAt` (ISO 8601
 * UTC) is kept across upserts; a hash-only credential record reads as one global-admin key per
 * hash; an id that is not a valid partner id names no partner; partners are listed by id.
 * Values are copied on write and on read.
 */
export class MemoryPartnerRepository implements PartnerRepository {
  readonly #partners = new Map<string, StoredPartner>();
  /** The API-key lookup index: key hash → partner id and last use. */
  readonly #keyIndex = new Map<string, { partnerId: string; lastUsedAt?: string }>();

  /** @param now - clock for `createdAt` (default: system time). */
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Creates or replaces a partner; `createdAt` is kept from the existing one. Never throws. */
  async upsertPartner(definition: PartnerDefinition, credentials: PartnerCredentialRecord): Promise<Partner> {
    const existing = this.#partners.get(definition.id);
    const createdAt = existing?.partner.createdAt ?? this.now().toISOString();
    const keys = credentials.apiKeys ?? credentials.apiKeyHashes.map((h) => legacyApiKey(h, createdAt));
    for (const key of keys) this.#keyIndex.set(key.hash, { ...this.#keyIndex.get(key.hash), partnerId: definition.id });
    for (const stale of existing?.keys ?? []) if (!keys.some((k) => k.hash === stale.hash)) this.#keyIndex.delete(stale.hash);
    const partner: Partner = { ...copy(definition), createdAt };
    this.#partners.set(definition.id, { partner, webhookSecrets: [...credentials.webhookSecrets], keys: copy(keys) });
    return copy(partner);
  }

  /** The partner, or undefined when unknown (or not a valid partner id). */
  async getPartner(partnerId: string): Promise<Partner | undefined> {
    const stored = this.#get(partnerId);
    return stored ? copy(stored.partner) : undefined;
  }

  /** The credential record (`apiKeyHashes`: the keys not revoked), or undefined when the partner is unknown. */
  async getCredentials(partnerId: string): Promise<PartnerCredentialRecord | undefined> {
    const stored = this.#get(partnerId);
    if (!stored) return undefined;
    return copy({ webhookSecrets: stored.webhookSecrets, apiKeyHashes: stored.keys.filter((k) => k.revokedAt === undefined).map((k) => k.hash), apiKeys: stored.keys });
  }

  /** The partner and its credential record, or undefined when the partner is unknown. */
  async getPartnerWithCredentials(partnerId: string): Promise<{ partner: Partner; credentials: PartnerCredentialRecord } | undefined> {
    const [partner, credentials] = [await this.getPartner(partnerId), await this.getCredentials(partnerId)];
    return partner && credentials ? { partner, credentials } : undefined;
  }

  /** Every partner, by id. */
  async listPartners(): Promise<Partner[]> {
    return copy([...this.#partners.values()].map((s) => s.partner).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  }

  /** The partner holding a valid (not revoked) key with this SHA-256 hex hash, or undefined. */
  async findPartnerIdByApiKeyHash(apiKeyHash: string): Promise<string | undefined> {
    if (!API_KEY_HASH.test(apiKeyHash)) return undefined;
    const partnerId = this.#keyIndex.get(apiKeyHash)?.partnerId;
    if (partnerId === undefined) return undefined;
    return this.#get(partnerId)?.keys.some((k) => k.hash === apiKeyHash && k.revokedAt === undefined) ? partnerId : undefined;
  }

  /**
   * Adds a key to the partner's credential record.
   * @throws Error when the partner does not exist or the key id or hash is taken.
   */
  async addApiKey(partnerId: string, key: ApiKeyRecord): Promise<void> {
    // As the Table adapter: the index row is written first (it names the partner; lookups re-check the record).
    this.#keyIndex.set(key.hash, { ...this.#keyIndex.get(key.hash), partnerId });
    const stored = this.#get(partnerId);
    if (!stored) throw new Error(`Partner ${partnerId} not found`);
    if (stored.keys.some((k) => k.keyId === key.keyId || k.hash === key.hash)) throw new Error(`API key ${key.keyId} already exists`);
    stored.keys.push(copy(key));
  }

  /** Marks a key revoked; a key revoked before keeps its first `revokedAt`. @returns the key, or undefined when unknown. */
  async revokeApiKey(partnerId: string, keyId: string, revokedAt: string): Promise<ApiKeyRecord | undefined> {
    const stored = this.#get(partnerId);
    const found = stored?.keys.find((k) => k.keyId === keyId);
    if (!found) return undefined;
    found.revokedAt ??= revokedAt;
    return copy(found);
  }

  /** Records the last use (ISO 8601 UTC) of a key known to the index; other hashes are ignored. */
  async recordApiKeyUse(apiKeyHash: string, usedAt: string): Promise<void> {
    const entry = this.#keyIndex.get(apiKeyHash);
    if (entry) entry.lastUsedAt = usedAt;
  }

  /** The last use of each given key hash that has one. */
  async getApiKeyUses(apiKeyHashes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const hash of apiKeyHashes) {
      const usedAt = this.#keyIndex.get(hash)?.lastUsedAt;
      if (usedAt !== undefined) out.set(hash, usedAt);
    }
    return out;
  }

  /**
   * Changes a stored partner in place (for {@link MemoryProductSupportIncidentLedger}, which keeps
   * the incident count on the partner as the Table adapter does). Synchronous, so atomic.
   * @param change - gets a copy of the partner; returns the new partner, or undefined for no change.
   * @returns the partner after the change, or undefined when the partner does not exist.
   */
  changePartner(partnerId: string, change: (partner: Partner) => Partner | undefined): Partner | undefined {
    const stored = this.#get(partnerId);
    if (!stored) return undefined;
    const next = change(copy(stored.partner));
    if (next) stored.partner = copy({ ...next, id: stored.partner.id, createdAt: stored.partner.createdAt });
    return copy(stored.partner);
  }

  #get(partnerId: string): StoredPartner | undefined {
    return PartnerIdSchema.safeParse(partnerId).success ? this.#partners.get(partnerId) : undefined;
  }
}
