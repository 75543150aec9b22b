/**
 * A partner's terms, read once per process for a short while. Every workflow step reads the
 * partner (service hours, SLA targets, entitlements, escalation chain): nine reads of one row per
 * happy-path case. Partners change rarely, so this process keeps what it read for `ttlInMs`; a
 * change made through this process is seen at once, a change made elsewhere (another instance of
 * the app, the registration script) within `ttlInMs`. Only `getPartner` is cached: credentials, API
 * keys and the key index are always read from storage, so a revoked key or a rotated webhook secret
 * takes effect on the next request.
 */
import type { Partner, PartnerDefinition } from "../contracts";
import type { ApiKeyRecord, PartnerCredentialRecord, PartnerRepository } from "../ports";

/** Default lifetime of a cached partner (ms). */
export const PARTNER_CACHE_TTL_MS = 30_000;
/** Default number of partners kept (the least recently read is dropped first). */
export const PARTNER_CACHE_MAX = 1000;

/** Options of {@link CachedPartnerRepository}. */
export interface PartnerCacheOptions {
  /** How long a partner read from storage is served from memory (ms, ≥ 0; 0 disables the cache). Default {@link PARTNER_CACHE_TTL_MS}. */
  ttlInMs?: number;
  /** Most partners kept (≥ 1). Default {@link PARTNER_CACHE_MAX}. */
  maxPartners?: number;
  /** Monotonic milliseconds (default `performance.now`); not the business clock, so a test's fixed clock does not freeze entries. */
  monotonicNow?: () => number;
}

interface Entry {
  /** The read (shared by concurrent readers until it settles). */
  value: Promise<Partner | undefined>;
  /** Monotonic ms after which the entry is read again. */
  expiresAt: number;
}

/**
 * {@link PartnerRepository} that serves `getPartner` from memory for `ttlInMs` after a read from
 * the wrapped repository (concurrent reads of one partner share one storage read). An unknown
 * partner and a failed read are not kept. Writes through this object (`upsertPartner`, `addApiKey`,
 * `revokeApiKey`) drop the partner's entry. Every value returned is a copy. Other methods pass
 * through unchanged, with the wrapped repository's errors.
 */
export class CachedPartnerRepository implements PartnerRepository {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlInMs: number;
  readonly #max: number;
  readonly #now: () => number;

  /** @param inner - the repository read and written (Table Storage in the app). */
  constructor(private readonly inner: PartnerRepository, options: PartnerCacheOptions = {}) {
    this.#ttlInMs = Math.max(0, options.ttlInMs ?? PARTNER_CACHE_TTL_MS);
    this.#max = Math.max(1, options.maxPartners ?? PARTNER_CACHE_MAX);
    this.#now = options.monotonicNow ?? (() => performance.now());
  }

  /** The partner (a copy), from memory when read within `ttlInMs`, else from the wrapped repository. @throws what the wrapped read throws (not kept). */
  async getPartner(partnerId: string): Promise<Partner | undefined> {
    const now = this.#now();
    let entry = this.#entries.get(partnerId);
    if (entry && entry.expiresAt <= now) {
      this.#entries.delete(partnerId);
      entry = undefined;
    }
    if (entry) {
      // Most recently read last: the first key is the one to drop.
      this.#entries.delete(partnerId);
      this.#entries.set(partnerId, entry);
    } else {
      const value = this.inner.getPartner(partnerId);
      entry = { value, expiresAt: now + this.#ttlInMs };
      if (this.#ttlInMs > 0) this.#keep(partnerId, entry);
      const kept = entry;
      value.then(
        (p) => {
          if (!p && this.#entries.get(partnerId) === kept) this.#entries.delete(partnerId);
        },
        () => {
          if (this.#entries.get(partnerId) === kept) this.#entries.delete(partnerId);
        },
      );
    }
    const partner = await entry.value;
    return partner ? structuredClone(partner) : undefined;
  }

  #keep(partnerId: string, entry: Entry): void {
    this.#entries.set(partnerId, entry);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Drops the cached copy of one partner (its next read goes to storage). */
  forget(partnerId: string): void {
    this.#entries.delete(partnerId);
  }

  /** Writes through and drops the cached copy. @throws what the wrapped write throws. */
  async upsertPartner(definition: PartnerDefinition, credentials: PartnerCredentialRecord): Promise<Partner> {
    try {
      return await this.inner.upsertPartner(definition, credentials);
    } finally {
      this.forget(definition.id);
    }
  }

  /** Always from storage (credentials are never cached). */
  getCredentials(partnerId: string): Promise<PartnerCredentialRecord | undefined> {
    return this.inner.getCredentials(partnerId);
  }

  /** Always from storage (credentials are never cached). */
  getPartnerWithCredentials(partnerId: string): Promise<{ partner: Partner; credentials: PartnerCredentialRecord } | undefined> {
    return this.inner.getPartnerWithCredentials(partnerId);
  }

  /** Always from storage. */
  listPartners(): Promise<Partner[]> {
    return this.inner.listPartners();
  }

  /** Always from storage. */
  findPartnerIdByApiKeyHash(apiKeyHash: string): Promise<string | undefined> {
    return this.inner.findPartnerIdByApiKeyHash(apiKeyHash);
  }

  /** Writes through and drops the cached copy. @throws what the wrapped write throws. */
  async addApiKey(partnerId: string, key: ApiKeyRecord): Promise<void> {
    try {
      await this.inner.addApiKey(partnerId, key);
    } finally {
      this.forget(partnerId);
    }
  }

  /** Writes through and drops the cached copy. @throws what the wrapped write throws. */
  async revokeApiKey(partnerId: string, keyId: string, revokedAt: string): Promise<ApiKeyRecord | undefined> {
    try {
      return await this.inner.revokeApiKey(partnerId, keyId, revokedAt);
    } finally {
      this.forget(partnerId);
    }
  }

  /** Passes through. */
  recordApiKeyUse(apiKeyHash: string, usedAt: string): Promise<void> {
    return this.inner.recordApiKeyUse(apiKeyHash, usedAt);
  }

  /** Passes through. */
  getApiKeyUses(apiKeyHashes: readonly string[]): Promise<Map<string, string>> {
    return this.inner.getApiKeyUses(apiKeyHashes);
  }
}
