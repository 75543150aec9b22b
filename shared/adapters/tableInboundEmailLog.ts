/**
 * Issue 4: the email intake's tables.
 *
 * Table `<prefix>InboundEmail`, PartitionKey = partner id (one mailbox per partner):
 * - `msg_<sha256 of the Message-ID>`: the de-duplication row (`messageId`, `outcome` JSON,
 *   `blobName`, `processedAt`); created once (409 = processed before);
 * - `quarantine_<inverted ms>_<sha>` / `ignored_<inverted ms>_<sha>`: newest-first listings (the
 *   log-tail pattern), each written together with a `qmsg_<sha>` / `imsg_<sha>` marker in one
 *   entity-group transaction, so a message is listed once;
 * - `ack_<sha256 of the sender>`: automatic acknowledgements granted in the last hour (`grants`
 *   JSON `[{id, at}]`), replaced with `If-Match`.
 * Table `<prefix>CaseAttachments`, PartitionKey `<partnerId>_<caseId>`, RowKey `<sha of the
 * Message-ID, 32 hex>_<index, 3 digits>`: one row per attachment.
 */
import { odata, type TableClient } from "@azure/data-tables";
import type { CaseAttachment, IgnoredEmail, QuarantinedEmail } from "../contracts";
import type { InboundEmailLog, ListInboundEmailOptions, Page, ProcessedEmailRecord } from "../ports";
import { encodeKey, fromBase64Url, packJson, sha256Hex, statusOf, TableNames, toBase64Url, unpackJson, type TableStorage } from "./tableStorage";

const MAX_TIME = 9_999_999_999_999;
const HOUR_MS = 3_600_000;
const MAX_ETAG_ATTEMPTS = 10;

function inverted(iso: string): string {
  const ms = Date.parse(iso);
  return String(MAX_TIME - (Number.isNaN(ms) ? 0 : ms)).padStart(13, "0");
}

/** {@link InboundEmailLog} over Azure Table Storage. */
export class TableInboundEmailLog implements InboundEmailLog {
  /** @param storage - table access. */
  constructor(private readonly storage: TableStorage) {}

  /** The processed record of a Message-ID, or undefined. @throws RestError when storage fails. */
  async getProcessed(partnerId: string, messageId: string): Promise<ProcessedEmailRecord | undefined> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    try {
      const e = await table.getEntity<Record<string, unknown>>(encodeKey(partnerId), `msg_${sha256Hex(messageId)}`);
      if (e.messageId !== messageId) return undefined;
      return { messageId, outcome: JSON.parse(String(e.outcome)) as ProcessedEmailRecord["outcome"], blobName: String(e.blobName ?? ""), processedAt: String(e.processedAt ?? "") };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Records a processed Message-ID; the first record wins. @throws RestError when storage fails. */
  async recordProcessed(partnerId: string, record: ProcessedEmailRecord): Promise<void> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    try {
      await table.createEntity({ partitionKey: encodeKey(partnerId), rowKey: `msg_${sha256Hex(record.messageId)}`, messageId: record.messageId, outcome: JSON.stringify(record.outcome), blobName: record.blobName, processedAt: record.processedAt });
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
    }
  }

  async #recordListed(partnerId: string, kind: "quarantine" | "ignored", messageId: string, at: string, value: unknown): Promise<void> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    const pk = encodeKey(partnerId);
    const sha = sha256Hex(messageId);
    try {
      await table.submitTransaction([
        ["create", { partitionKey: pk, rowKey: `${kind === "quarantine" ? "qmsg" : "imsg"}_${sha}`, messageId }],
        ["create", { partitionKey: pk, rowKey: `${kind}_${inverted(at)}_${sha.slice(0, 32)}`, messageId, ...packJson(value) }],
      ]);
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
    }
  }

  async #list<T>(partnerId: string, kind: "quarantine" | "ignored", options: ListInboundEmailOptions): Promise<Page<T>> {
    const limit = options.limit ?? 25;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError("limit must be an integer from 1 to 100");
    let token: string | undefined;
    if (options.continuationToken !== undefined) {
      const decoded = fromBase64Url(options.continuationToken);
      try {
        const parsed = JSON.parse(decoded ?? "") as { v?: unknown; t?: unknown };
        if (parsed.v !== 1 || typeof parsed.t !== "string") throw new Error("bad token");
        token = parsed.t;
      } catch {
        throw Object.assign(new RangeError("The continuation token is not valid"), { code: "InvalidContinuationToken" });
      }
    }
    const table: TableClient = await this.storage.getTable(TableNames.inboundEmail);
    const filter = odata`PartitionKey eq ${encodeKey(partnerId)} and RowKey ge ${`${kind}_`} and RowKey lt ${`${kind}\``}`;
    const pages = table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: limit, continuationToken: token });
    const result = await pages.next();
    if (result.done || !result.value) return { items: [] };
    const items = result.value.slice(0, limit).map((e) => unpackJson<T>(e));
    return result.value.continuationToken ? { items, continuationToken: toBase64Url(JSON.stringify({ v: 1, t: result.value.continuationToken })) } : { items };
  }

  /** Lists a quarantined message once per Message-ID. @throws RestError when storage fails. */
  recordQuarantine(partnerId: string, entry: QuarantinedEmail): Promise<void> {
    return this.#recordListed(partnerId, "quarantine", entry.messageId, entry.quarantinedAt, entry);
  }

  /** Quarantined messages, newest first. @throws RangeError for a bad limit or token. */
  listQuarantine(partnerId: string, options: ListInboundEmailOptions = {}): Promise<Page<QuarantinedEmail>> {
    return this.#list<QuarantinedEmail>(partnerId, "quarantine", options);
  }

  /** Records an ignored message once per Message-ID. @throws RestError when storage fails. */
  recordIgnored(partnerId: string, entry: IgnoredEmail): Promise<void> {
    return this.#recordListed(partnerId, "ignored", entry.messageId, entry.receivedAt, entry);
  }

  /** Ignored messages, newest first. @throws RangeError for a bad limit or token. */
  listIgnored(partnerId: string, options: ListInboundEmailOptions = {}): Promise<Page<IgnoredEmail>> {
    return this.#list<IgnoredEmail>(partnerId, "ignored", options);
  }

  /**
   * Grants an acknowledgement when the sender had fewer than `maxPerHour` in the hour before `now`
   * (sliding window; the grant list is replaced with `If-Match`, retried on conflicts).
   * @throws Error when concurrent grants keep conflicting; RestError when storage fails.
   */
  async takeAcknowledgement(partnerId: string, sender: string, messageId: string, now: Date, maxPerHour: number): Promise<boolean> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    const pk = encodeKey(partnerId);
    const rk = `ack_${sha256Hex(sender.trim().toLowerCase())}`;
    for (let attempt = 0; attempt < MAX_ETAG_ATTEMPTS; attempt++) {
      let etag: string | undefined;
      let grants: Array<{ id: string; at: string }> = [];
      try {
        const e = await table.getEntity<Record<string, unknown>>(pk, rk);
        etag = e.etag;
        grants = JSON.parse(String(e.grants ?? "[]")) as typeof grants;
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
      if (grants.some((g) => g.id === messageId)) return true;
      const recent = grants.filter((g) => now.getTime() - Date.parse(g.at) < HOUR_MS);
      if (recent.length >= maxPerHour) return false;
      const entity = { partitionKey: pk, rowKey: rk, sender: sender.trim().toLowerCase(), grants: JSON.stringify([...recent, { id: messageId, at: now.toISOString() }]) };
      try {
        if (etag) await table.updateEntity(entity, "Replace", { etag });
        else await table.createEntity(entity);
        return true;
      } catch (err) {
        if (statusOf(err) === 412 || statusOf(err) === 409) continue;
        throw err;
      }
    }
    throw new Error(`Acknowledgement rate of ${sender}: gave up after ${MAX_ETAG_ATTEMPTS} conflicts`);
  }

  /** Lists attachments on a case (upsert per message and index). @throws RestError when storage fails. */
  async recordAttachments(partnerId: string, caseId: string, attachments: readonly CaseAttachment[]): Promise<void> {
    if (attachments.length === 0) return;
    const table = await this.storage.getTable(TableNames.caseAttachments);
    const pk = `${encodeKey(partnerId)}_${encodeKey(caseId)}`;
    await Promise.all(
      attachments.map((a, i) => table.upsertEntity({ partitionKey: pk, rowKey: `${sha256Hex(a.messageId).slice(0, 32)}_${String(i).padStart(3, "0")}`, receivedAt: a.receivedAt, ...packJson(a) }, "Replace")),
    );
  }

  /** Attachments of a case, oldest first. @throws RestError when storage fails. */
  async listAttachments(partnerId: string, caseId: string): Promise<CaseAttachment[]> {
    const table = await this.storage.getTable(TableNames.caseAttachments);
    const rows: Array<{ a: CaseAttachment; rk: string }> = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${`${encodeKey(partnerId)}_${encodeKey(caseId)}`}` } })) {
      rows.push({ a: unpackJson<CaseAttachment>(e), rk: String(e.rowKey) });
    }
    rows.sort((x, y) => (x.a.receivedAt < y.a.receivedAt ? -1 : x.a.receivedAt > y.a.receivedAt ? 1 : x.rk < y.rk ? -1 : x.rk > y.rk ? 1 : 0));
    return rows.map((r) => r.a);
  }
}
