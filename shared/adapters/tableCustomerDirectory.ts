/**
 * The partners' customer directories in Table Storage. Table `<prefix>CustomerDirectory`,
 * PartitionKey = partner id, RowKeys `email_<address>` and `domain_<domain>` (lower-cased, encoded),
 * the entry as packed JSON. A domain row keeps every tenant id seen at the domain (`tenantIds`);
 * with more than one it no longer matches (a shared domain would put requests on the wrong tenant).
 */
import { odata } from "@azure/data-tables";
import type { CustomerDirectoryEntry } from "../contracts";
import { sameDomainContact } from "../domain/customerDirectory";
import { ERASED_EMAIL } from "../domain/personalData";
import type { CustomerDirectory } from "../ports";
import { conflictBackoff, encodeKey, packJson, statusOf, TableNames, unpackJson, type TableStorage } from "./tableStorage";

const MAX_ETAG_ATTEMPTS = 10;

/** {@link CustomerDirectory} over Azure Table Storage. */
export class TableCustomerDirectory implements CustomerDirectory {
  /** @param storage - table access. */
  constructor(private readonly storage: TableStorage) {}

  async #get(partnerId: string, rowKey: string): Promise<(CustomerDirectoryEntry & { tenantIds?: string[] }) | undefined> {
    const table = await this.storage.getTable(TableNames.customerDirectory);
    try {
      const e = await table.getEntity<Record<string, unknown>>(encodeKey(partnerId), rowKey);
      return { ...unpackJson<CustomerDirectoryEntry>(e), tenantIds: JSON.parse(String(e.tenantIds ?? "[]")) as string[] };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** The entry of an exact address. @throws RestError when storage fails. */
  async findByEmail(partnerId: string, email: string): Promise<CustomerDirectoryEntry | undefined> {
    const e = await this.#get(partnerId, `email_${encodeKey(email.trim().toLowerCase())}`);
    if (!e) return undefined;
    const { tenantIds: _t, ...entry } = e;
    return entry;
  }

  /** The entry of a domain when one tenant is known there. @throws RestError when storage fails. */
  async findByDomain(partnerId: string, domain: string): Promise<CustomerDirectoryEntry | undefined> {
    const e = await this.#get(partnerId, `domain_${encodeKey(domain.trim().toLowerCase())}`);
    if (!e || (e.tenantIds?.length ?? 0) > 1) return undefined;
    const { tenantIds: _t, ...entry } = e;
    return entry;
  }

  /**
   * Upserts the address row and merges the domain row (ETag-guarded), both in one entity-group
   * transaction (one partition per partner): one read of the domain row and one write. A domain row
   * that already holds the tenant and this contact ({@link sameDomainContact}) is left as it is and
   * only the address row is written, so a burst of requests from one customer does not contend for
   * its domain row; a write that lost a race waits a random backoff before it reads again.
   * @throws RestError when storage fails; Error after {@link MAX_ETAG_ATTEMPTS} concurrent changes of the domain row.
   */
  async upsert(partnerId: string, entry: CustomerDirectoryEntry): Promise<void> {
    const table = await this.storage.getTable(TableNames.customerDirectory);
    const pk = encodeKey(partnerId);
    const email = entry.email.trim().toLowerCase();
    const domain = entry.domain.trim().toLowerCase();
    const value: CustomerDirectoryEntry = { ...entry, email, domain };
    const addressRow = { partitionKey: pk, rowKey: `email_${encodeKey(email)}`, tenantId: entry.tenantId, ...packJson(value) };
    if (!domain) {
      await table.upsertEntity(addressRow, "Replace");
      return;
    }
    const rk = `domain_${encodeKey(domain)}`;
    for (let attempt = 0; attempt < MAX_ETAG_ATTEMPTS; attempt++) {
      let etag: string | undefined;
      let tenantIds: string[] = [];
      let stored: CustomerDirectoryEntry | undefined;
      try {
        const e = await table.getEntity<Record<string, unknown>>(pk, rk);
        etag = e.etag;
        tenantIds = JSON.parse(String(e.tenantIds ?? "[]")) as string[];
        stored = unpackJson<CustomerDirectoryEntry>(e);
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
      if (stored && tenantIds.includes(entry.tenantId) && sameDomainContact(stored, value)) {
        await table.upsertEntity(addressRow, "Replace");
        return;
      }
      const ids = [...new Set([...tenantIds, entry.tenantId])];
      const domainRow = { partitionKey: pk, rowKey: rk, tenantIds: JSON.stringify(ids), ...packJson(value) };
      try {
        await table.submitTransaction([["upsert", addressRow, "Replace"], etag ? ["update", domainRow, "Replace", { etag }] : ["create", domainRow]]);
        return;
      } catch (err) {
        // 412: the domain row changed since it was read; 409: another write created it first.
        if (statusOf(err) === 412 || statusOf(err) === 409) {
          await conflictBackoff(attempt);
          continue;
        }
        throw err;
      }
    }
    throw new Error(`Customer directory of ${partnerId}: gave up on domain ${domain} after ${MAX_ETAG_ATTEMPTS} conflicts`);
  }

  /** Address entries with the tenant's `tenantId` column and domain entries listing the tenant. @throws RestError when storage fails. */
  async listByTenant(partnerId: string, tenantId: string): Promise<CustomerDirectoryEntry[]> {
    const table = await this.storage.getTable(TableNames.customerDirectory);
    const pk = encodeKey(partnerId);
    const out: CustomerDirectoryEntry[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge ${"email_"} and RowKey lt ${"email`"} and tenantId eq ${tenantId}` } })) out.push(unpackJson<CustomerDirectoryEntry>(e));
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge ${"domain_"} and RowKey lt ${"domain`"}` } })) {
      if ((JSON.parse(String(e.tenantIds ?? "[]")) as string[]).includes(tenantId)) out.push(unpackJson<CustomerDirectoryEntry>(e));
    }
    return out;
  }

  /**
   * Deletes the address entry; the domain entry of the address's domain, when its last contact is
   * this address, keeps its tenants with the contact erased (ETag-guarded). @throws RestError when storage fails.
   */
  async forgetAddress(partnerId: string, email: string): Promise<number> {
    const table = await this.storage.getTable(TableNames.customerDirectory);
    const pk = encodeKey(partnerId);
    const address = email.trim().toLowerCase();
    let n = 0;
    try {
      await table.deleteEntity(pk, `email_${encodeKey(address)}`);
      n++;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    const domain = address.slice(address.lastIndexOf("@") + 1);
    if (!domain) return n;
    for (let attempt = 0; attempt < MAX_ETAG_ATTEMPTS; attempt++) {
      let e: Record<string, unknown> & { etag: string };
      try {
        e = await table.getEntity<Record<string, unknown>>(pk, `domain_${encodeKey(domain)}`);
      } catch (err) {
        if (statusOf(err) === 404) return n;
        throw err;
      }
      const entry = unpackJson<CustomerDirectoryEntry>(e);
      if (entry.email !== address) return n;
      try {
        await table.updateEntity({ partitionKey: pk, rowKey: String(e.rowKey), tenantIds: String(e.tenantIds ?? "[]"), ...packJson({ ...entry, email: ERASED_EMAIL }) }, "Replace", { etag: e.etag });
        return n + 1;
      } catch (err) {
        if (statusOf(err) !== 412) throw err;
      }
    }
    throw new Error(`Customer directory of ${partnerId}: gave up on domain ${domain} after ${MAX_ETAG_ATTEMPTS} conflicts`);
  }
}
