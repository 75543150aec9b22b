/**
 * Partners in Table Storage. Table `<prefix>Partners`:
 * - PartitionKey `partner`, RowKey = partner id: the definition as packed JSON, `createdAt`, and
 *   the credential record: `webhookSecretsSealed`, the webhook secrets (a JSON array) sealed by the
 *   {@link SecretSealer} (envelope encryption: AES-256-GCM under a data key wrapped by the Key Vault
 *   or local KEK, bound to the partner id); rows written before that hold them in clear in
 *   `webhookSecrets` and are sealed on their next read or write; `apiKeyHashes` (JSON array; `apiKeys`, a
 *   JSON array of {@link ApiKeyRecord} with roles. A row without `apiKeys` (written earlier)
 *   reads each of its `apiKeyHashes` as a global-admin key, so old partners keep working).
 * - PartitionKey `partner`, RowKey `<partnerId>~psi~<caseId>`: product support incidents consumed
 *   (written by TableProductSupportIncidentLedger; skipped here).
 * - PartitionKey `apikey`, RowKey = SHA-256 hex of an API key: `partnerId` (a lookup index so a
 *   key of another partner can be recognised without scanning; the partner row stays the source
 *   of truth and is re-checked). Also `lastUsedAt`, merged at most once a minute per key,
 *   so authentication never rewrites the partner row.
 */
import { PartnerIdSchema, type Partner, type PartnerDefinition } from "../contracts";
import type { ApiKeyRecord, PartnerCredentialRecord, PartnerRepository, SecretSealer } from "../ports";
import { packJson, statusOf, TableNames, unpackJson, type StoredEntity, type TableStorage } from "./tableStorage";

const PARTNER_PK = "partner";
const APIKEY_PK = "apikey";
const MAX_ETAG_ATTEMPTS = 10;

/** Prefix shown for keys migrated from the first key format (a bare hash) (their first characters are unknown). */
export const LEGACY_KEY_PREFIX = "csp_····";

/** The key record of a bare hash (the first key format): a global-admin key with a stable id derived from the hash. */
export function legacyApiKey(hash: string, createdAt: string): ApiKeyRecord {
  return { keyId: `key_${hash.slice(0, 16)}`, hash, prefix: LEGACY_KEY_PREFIX, role: "global-admin", name: "Registration key", createdAt };
}

/** Keys of a credential record as written: `apiKeys`, else each `apiKeyHashes` as a global-admin key. */
function keysOf(credentials: PartnerCredentialRecord, createdAt: string): ApiKeyRecord[] {
  return credentials.apiKeys ?? credentials.apiKeyHashes.map((h) => legacyApiKey(h, createdAt));
}

/** {@link PartnerRepository} over Azure Table Storage. */
export class TablePartnerRepository implements PartnerRepository {
  /**
   * @param storage - table access.
   * @param now - clock for `createdAt`.
   * @param secrets - seals the webhook secrets at rest.
   */
  constructor(
    private readonly storage: TableStorage,
    private readonly now: () => Date,
    private readonly secrets: SecretSealer,
  ) {}

  /** Seals a partner's webhook secrets (bound to the partner id). */
  #seal(partnerId: string, webhookSecrets: readonly string[]): Promise<string> {
    return this.secrets.seal(JSON.stringify(webhookSecrets), secretsContext(partnerId));
  }

  /** The webhook secrets of a stored row: opened from `webhookSecretsSealed`, else the clear column of an older row. */
  async #openSecrets(row: Record<string, unknown>): Promise<string[]> {
    if (typeof row.webhookSecretsSealed === "string") return parseArray(await this.secrets.open(row.webhookSecretsSealed, secretsContext(String(row.rowKey))));
    return parseArray(row.webhookSecrets);
  }

  /**
   * Replaces a stored partner row with `changes` applied and the clear `webhookSecrets` column
   * dropped (`If-Match` its ETag). @returns false on 412 (changed meanwhile).
   */
  async #replaceRow(row: StoredEntity, changes: Record<string, unknown>): Promise<boolean> {
    const table = await this.storage.getTable(TableNames.partners);
    const { etag, timestamp: _t, webhookSecrets: _clear, ...rest } = row as StoredEntity & { timestamp?: unknown; webhookSecrets?: unknown };
    const entity = Object.fromEntries(Object.entries({ ...rest, ...changes }).filter(([k]) => !k.startsWith("odata."))) as { partitionKey: string; rowKey: string };
    try {
      await table.updateEntity(entity, "Replace", { etag });
      return true;
    } catch (e) {
      if (statusOf(e) === 412) return false;
      throw e;
    }
  }

  /**
   * Seals what is still in clear and rewraps what an older KEK wrapped (after a KEK rotation: the
   * old KEK can be retired once this reports nothing left). Idempotent; a row changed meanwhile is
   * left for the next run.
   * @returns rows read, rows rewritten, rows still not under the current KEK (changed meanwhile),
   *   and the partner ids whose secrets do not open (KEK gone or value damaged: fix by rotating
   *   that partner's secret), which are skipped.
   * @throws RestError when storage fails.
   */
  async resealSecrets(): Promise<{ checked: number; resealed: number; remaining: number; failed: string[] }> {
    const table = await this.storage.getTable(TableNames.partners);
    const out = { checked: 0, resealed: 0, remaining: 0, failed: [] as string[] };
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${PARTNER_PK}'` } })) {
      if (row.psiCaseId !== undefined) continue;
      out.checked++;
      const sealed = row.webhookSecretsSealed;
      const stale = typeof sealed !== "string" || (await this.secrets.needsRewrap(sealed));
      if (!stale && row.webhookSecrets === undefined) continue;
      const partnerId = String(row.rowKey);
      let secrets: string[];
      try {
        secrets = await this.#openSecrets(row);
      } catch {
        out.failed.push(partnerId);
        continue;
      }
      const ok = await this.#replaceRow(row as StoredEntity, { webhookSecretsSealed: await this.#seal(partnerId, secrets) });
      if (ok) out.resealed++;
      else out.remaining++;
    }
    return out;
  }

  /**
   * Creates or replaces a partner. `createdAt` is kept from the existing row. API-key index rows
   * are written before the partner row and stale ones deleted after, so a valid key always resolves.
   * @throws RestError when storage fails.
   */
  async upsertPartner(definition: PartnerDefinition, credentials: PartnerCredentialRecord): Promise<Partner> {
    const table = await this.storage.getTable(TableNames.partners);
    const existing = await this.#getRow(definition.id);
    const createdAt = typeof existing?.createdAt === "string" ? existing.createdAt : this.now().toISOString();
    const oldHashes = existing ? keysOfRow(existing).map((k) => k.hash) : [];
    const keys = keysOf(credentials, createdAt);
    for (const key of keys) {
      await table.upsertEntity({ partitionKey: APIKEY_PK, rowKey: key.hash, partnerId: definition.id }, "Merge");
    }
    const partner: Partner = { ...definition, createdAt };
    await table.upsertEntity(
      {
        partitionKey: PARTNER_PK,
        rowKey: definition.id,
        createdAt,
        ...packJson(partner),
        webhookSecretsSealed: await this.#seal(definition.id, credentials.webhookSecrets),
        ...keyColumns(keys),
      },
      "Replace",
    );
    for (const stale of oldHashes.filter((h) => !keys.some((k) => k.hash === h))) {
      await table.deleteEntity(APIKEY_PK, stale).catch((e: unknown) => {
        if (statusOf(e) !== 404) throw e;
      });
    }
    return partner;
  }

  /** The partner, or undefined when unknown. @throws RestError when storage fails. */
  async getPartner(partnerId: string): Promise<Partner | undefined> {
    const row = await this.#getRow(partnerId);
    return row ? unpackJson<Partner>(row) : undefined;
  }

  /** The credential record, or undefined when the partner is unknown. @throws RestError when storage fails. */
  async getCredentials(partnerId: string): Promise<PartnerCredentialRecord | undefined> {
    const row = await this.#getRow(partnerId);
    return row ? this.#credentialsOf(partnerId, row) : undefined;
  }

  /** The partner and its credential record from one point read, or undefined when unknown. @throws RestError when storage fails. */
  async getPartnerWithCredentials(partnerId: string): Promise<{ partner: Partner; credentials: PartnerCredentialRecord } | undefined> {
    const row = await this.#getRow(partnerId);
    return row ? { partner: unpackJson<Partner>(row), credentials: await this.#credentialsOf(partnerId, row) } : undefined;
  }

  async #credentialsOf(partnerId: string, row: StoredEntity): Promise<PartnerCredentialRecord> {
    const apiKeys = keysOfRow(row);
    const webhookSecrets = await this.#openSecrets(row);
    // A row from before sealing: seal it now (best effort; a concurrent write does it as well).
    if (row.webhookSecrets !== undefined) await this.#replaceRow(row, { webhookSecretsSealed: await this.#seal(partnerId, webhookSecrets) });
    return { webhookSecrets, apiKeyHashes: apiKeys.filter((k) => k.revokedAt === undefined).map((k) => k.hash), apiKeys };
  }

  /**
   * Adds a key: the index row first (so the key resolves as soon as the partner row names it), then
   * the partner row replaced with `If-Match` (retried on 412).
   * @throws Error when the partner does not exist, the key id or hash is taken, or storage fails.
   */
  async addApiKey(partnerId: string, key: ApiKeyRecord): Promise<void> {
    const table = await this.storage.getTable(TableNames.partners);
    await table.upsertEntity({ partitionKey: APIKEY_PK, rowKey: key.hash, partnerId }, "Merge");
    await this.#updateKeys(partnerId, (keys) => {
      if (keys.some((k) => k.keyId === key.keyId || k.hash === key.hash)) throw new Error(`API key ${key.keyId} already exists`);
      return { keys: [...keys, key], result: undefined };
    });
  }

  /** Marks a key revoked (ETag-guarded). @returns the key, or undefined when unknown. @throws RestError when storage fails. */
  async revokeApiKey(partnerId: string, keyId: string, revokedAt: string): Promise<ApiKeyRecord | undefined> {
    if (!(await this.#getRow(partnerId))) return undefined;
    return this.#updateKeys(partnerId, (keys) => {
      const found = keys.find((k) => k.keyId === keyId);
      if (!found) return { keys: undefined, result: undefined };
      if (found.revokedAt !== undefined) return { keys: undefined, result: found };
      const revoked = { ...found, revokedAt };
      return { keys: keys.map((k) => (k.keyId === keyId ? revoked : k)), result: revoked };
    });
  }

  /** Merges `lastUsedAt` onto the key's index row (never creates one). @throws RestError when storage fails (404 ignored). */
  async recordApiKeyUse(apiKeyHash: string, usedAt: string): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(apiKeyHash)) return;
    const table = await this.storage.getTable(TableNames.partners);
    try {
      await table.updateEntity({ partitionKey: APIKEY_PK, rowKey: apiKeyHash, lastUsedAt: usedAt }, "Merge");
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
    }
  }

  /** Last uses of the given key hashes (point reads of their index rows, in parallel). @throws RestError when storage fails. */
  async getApiKeyUses(apiKeyHashes: readonly string[]): Promise<Map<string, string>> {
    const table = await this.storage.getTable(TableNames.partners);
    const out = new Map<string, string>();
    await Promise.all(
      apiKeyHashes.map(async (hash) => {
        try {
          const row = await table.getEntity<{ lastUsedAt?: string }>(APIKEY_PK, hash, { queryOptions: { select: ["lastUsedAt"] } });
          if (typeof row.lastUsedAt === "string") out.set(hash, row.lastUsedAt);
        } catch (e) {
          if (statusOf(e) !== 404) throw e;
        }
      }),
    );
    return out;
  }

  async #updateKeys<T>(partnerId: string, change: (keys: ApiKeyRecord[]) => { keys: ApiKeyRecord[] | undefined; result: T }): Promise<T> {
    for (let attempt = 0; attempt < MAX_ETAG_ATTEMPTS; attempt++) {
      const row = await this.#getRow(partnerId);
      if (!row) throw new Error(`Partner ${partnerId} not found`);
      const { keys, result } = change(keysOfRow(row));
      if (!keys) return result;
      const sealed = typeof row.webhookSecretsSealed === "string" ? row.webhookSecretsSealed : await this.#seal(partnerId, parseArray(row.webhookSecrets));
      if (await this.#replaceRow(row, { webhookSecretsSealed: sealed, ...keyColumns(keys) })) return result;
    }
    throw new Error(`Partner ${partnerId}: gave up after ${MAX_ETAG_ATTEMPTS} concurrent-update conflicts (HTTP 412)`);
  }

  /** Every partner, by id. @throws RestError when storage fails. */
  async listPartners(): Promise<Partner[]> {
    const table = await this.storage.getTable(TableNames.partners);
    const out: Partner[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${PARTNER_PK}'` } })) {
      // Rows of the product-support-incident ledger share the partition (tableProductSupportIncidentLedger.ts).
      if (e.psiCaseId !== undefined) continue;
      out.push(unpackJson<Partner>(e));
    }
    return out;
  }

  /**
   * The partner id an API key hash belongs to, or undefined. Checked against the partner's
   * current credential record, so revoked keys whose index row lingers do not resolve.
   */
  async findPartnerIdByApiKeyHash(apiKeyHash: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{64}$/.test(apiKeyHash)) return undefined;
    const table = await this.storage.getTable(TableNames.partners);
    let partnerId: string;
    try {
      const row = await table.getEntity<{ partnerId: string }>(APIKEY_PK, apiKeyHash);
      partnerId = row.partnerId;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
    const creds = await this.getCredentials(partnerId);
    // Revoked keys (and keys dropped by a rotation) no longer resolve, even while their index row lingers.
    return creds?.apiKeyHashes.includes(apiKeyHash) ? partnerId : undefined;
  }

  async #getRow(partnerId: string): Promise<StoredEntity | undefined> {
    // The RowKey is the partner id as registered (PartnerIdSchema); any other string (a `/`, a
    // 1,000-character id from a URL…) names no partner, and is never sent to storage as a key.
    if (!PartnerIdSchema.safeParse(partnerId).success) return undefined;
    const table = await this.storage.getTable(TableNames.partners);
    try {
      return await table.getEntity<Record<string, unknown>>(PARTNER_PK, partnerId);
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }
}

/** Associated data of a partner's sealed webhook secrets: a sealed value moved to another row does not open. */
function secretsContext(partnerId: string): string {
  return `partner:${partnerId}:webhook-secrets`;
}

/** The key columns of a partner row: keys, and the active hashes (for readers of the first key format). */
function keyColumns(keys: readonly ApiKeyRecord[]): Record<string, string> {
  return {
    apiKeyHashes: JSON.stringify(keys.filter((k) => k.revokedAt === undefined).map((k) => k.hash)),
    apiKeys: JSON.stringify(keys),
  };
}

/** The keys of a stored partner row: `apiKeys`, else (rows written earlier) each `apiKeyHashes` entry as a global-admin key. */
function keysOfRow(row: Record<string, unknown>): ApiKeyRecord[] {
  if (typeof row.apiKeys === "string") {
    const parsed: unknown = JSON.parse(row.apiKeys);
    if (Array.isArray(parsed)) return parsed as ApiKeyRecord[];
  }
  const createdAt = typeof row.createdAt === "string" ? row.createdAt : new Date(0).toISOString();
  return parseArray(row.apiKeyHashes).map((h) => legacyApiKey(h, createdAt));
}

function parseArray(value: unknown): string[] {
  if (typeof value !== "string") return [];
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === "string") : [];
}
