/**
 * Partners in Table Storage. Table `<prefix>Partners`:
 * - PartitionKey `partner`, RowKey = partner id: the definition as packed JSON, `createdAt`, and
 *   the credential record (`webhookSecrets`, `apiKeyHashes` as JSON arrays).
 * - PartitionKey `partner`, RowKey `<partnerId>~psi~<caseId>`: product support incidents consumed
 *   (written by TableProductSupportIncidentLedger; skipped here).
 * - PartitionKey `apikey`, RowKey = SHA-256 hex of an API key: `partnerId` (a lookup index so a
 *   key of another partner can be recognised without scanning; the partner row stays the source
 *   of truth and is re-checked).
 */
import type { Partner, PartnerDefinition } from "../contracts";
import type { PartnerCredentialRecord, PartnerRepository } from "../ports";
import { packJson, statusOf, TableNames, unpackJson, type StoredEntity, type TableStorage } from "./tableStorage";

const PARTNER_PK = "partner";
const APIKEY_PK = "apikey";

/** {@link PartnerRepository} over Azure Table Storage. */
export class TablePartnerRepository implements PartnerRepository {
  /**
   * @param storage - table access.
   * @param now - clock for `createdAt` (default: system time).
   */
  constructor(
    private readonly storage: TableStorage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Creates or replaces a partner. `createdAt` is kept from the existing row. API-key index rows
   * are written before the partner row and stale ones deleted after, so a valid key always resolves.
   * @throws RestError when storage fails.
   */
  async upsertPartner(definition: PartnerDefinition, credentials: PartnerCredentialRecord): Promise<Partner> {
    const table = await this.storage.getTable(TableNames.partners);
    const existing = await this.#getRow(definition.id);
    const createdAt = typeof existing?.createdAt === "string" ? existing.createdAt : this.now().toISOString();
    const oldHashes = existing ? parseArray(existing.apiKeyHashes) : [];
    for (const hash of credentials.apiKeyHashes) {
      await table.upsertEntity({ partitionKey: APIKEY_PK, rowKey: hash, partnerId: definition.id }, "Replace");
    }
    const partner: Partner = { ...definition, createdAt };
    await table.upsertEntity(
      {
        partitionKey: PARTNER_PK,
        rowKey: definition.id,
        createdAt,
        ...packJson(partner),
        webhookSecrets: JSON.stringify(credentials.webhookSecrets),
        apiKeyHashes: JSON.stringify(credentials.apiKeyHashes),
      },
      "Replace",
    );
    for (const stale of oldHashes.filter((h) => !credentials.apiKeyHashes.includes(h))) {
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
    if (!row) return undefined;
    return { webhookSecrets: parseArray(row.webhookSecrets), apiKeyHashes: parseArray(row.apiKeyHashes) };
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
    return creds?.apiKeyHashes.includes(apiKeyHash) ? partnerId : undefined;
  }

  async #getRow(partnerId: string): Promise<StoredEntity | undefined> {
    const table = await this.storage.getTable(TableNames.partners);
    try {
      return await table.getEntity<Record<string, unknown>>(PARTNER_PK, partnerId);
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }
}

function parseArray(value: unknown): string[] {
  if (typeof value !== "string") return [];
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === "string") : [];
}
