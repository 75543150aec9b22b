/**
 * The audit log in Table Storage. Table `<prefix>AuditLog`: PartitionKey = partner id, RowKey =
 * `<inverted ms>_<random>` (13 digits, `9999999999999 − at ms`: the log-tail pattern, newest
 * first), the entry's fields as columns. Retention: {@link TableAuditLog.purgeBefore} deletes
 * entries older than a cutoff (the daily data maintenance passes 1 year ago).
 */
import { randomBytes } from "node:crypto";
import { odata } from "@azure/data-tables";
import type { AuditEntry } from "../contracts";
import type { AuditLog } from "../ports";
import { encodeKey, fromBase64Url, statusOf, TableNames, toBase64Url, type TableStorage } from "./tableStorage";

function inverted(iso: string): string {
  return String(9_999_999_999_999 - new Date(iso).getTime()).padStart(13, "0");
}

const FIELDS = ["at", "partnerId", "keyId", "role", "action", "method", "path", "status", "sourceIp"] as const;

/** {@link AuditLog} over Azure Table Storage. */
export class TableAuditLog implements AuditLog {
  /** @param storage - table access. */
  constructor(private readonly storage: TableStorage) {}

  /**
   * Appends the entry under a new row key (its time, inverted, and 48 random bits). A 409 can only
   * be this very insert, committed and sent again by the SDK after its answer was lost: recorded.
   * @throws RestError when storage fails otherwise.
   */
  async record(entry: AuditEntry): Promise<void> {
    const table = await this.storage.getTable(TableNames.audit);
    try {
      await table.createEntity({ partitionKey: encodeKey(entry.partnerId), rowKey: `${inverted(entry.at)}_${randomBytes(6).toString("hex")}`, ...entry });
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
    }
  }

  async list(partnerId: string, options: { from?: string; to?: string; limit?: number; continuationToken?: string } = {}): Promise<{ items: AuditEntry[]; continuationToken?: string }> {
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError("limit must be an integer from 1 to 100");
    let token: string | undefined;
    if (options.continuationToken !== undefined) {
      try {
        const parsed = JSON.parse(fromBase64Url(options.continuationToken) ?? "") as { v?: unknown; t?: unknown };
        if (parsed.v !== 1 || typeof parsed.t !== "string") throw new Error("bad token");
        token = parsed.t;
      } catch {
        throw Object.assign(new RangeError("The continuation token is not valid"), { code: "InvalidContinuationToken" });
      }
    }
    // Newest first: entries before `to` have RowKeys above inverted(to); entries from `from` on, at or below inverted(from).
    let filter = odata`PartitionKey eq ${encodeKey(partnerId)}`;
    if (options.to) filter += ` and ${odata`RowKey gt ${`${inverted(options.to)}_~`}`}`;
    if (options.from) filter += ` and ${odata`RowKey lt ${`${inverted(options.from)}_~`}`}`;
    const table = await this.storage.getTable(TableNames.audit);
    const page = await table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: limit, continuationToken: token }).next();
    if (page.done || !page.value) return { items: [] };
    const items = page.value.slice(0, limit).map((e) => Object.fromEntries(FIELDS.filter((f) => e[f] !== undefined).map((f) => [f, e[f]])) as AuditEntry);
    return page.value.continuationToken ? { items, continuationToken: toBase64Url(JSON.stringify({ v: 1, t: page.value.continuationToken })) } : { items };
  }

  /**
   * Deletes the entries older than `cutoff`, one by one as the query finds them (an entry already
   * gone, 404, is not counted).
   * @returns how many this call deleted.
   * @throws RestError when the query or a delete fails otherwise (the entries not reached stay, for the next run).
   */
  async purgeBefore(cutoff: string): Promise<number> {
    const table = await this.storage.getTable(TableNames.audit);
    let n = 0;
    // Older than the cutoff = RowKey above inverted(cutoff), in every partition.
    for await (const e of table.listEntities({ queryOptions: { filter: odata`RowKey gt ${`${inverted(cutoff)}_~`}`, select: ["PartitionKey", "RowKey"] } })) {
      try {
        await table.deleteEntity(e.partitionKey as string, e.rowKey as string);
        n++;
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
    }
    return n;
  }
}
