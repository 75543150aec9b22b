/**
 * The email intake's tables.
 *
 * Table `<prefix>InboundEmail`, PartitionKey = partner id (one mailbox per partner):
 * - `claim_<sha256 of the Message-ID>_<content hash, 32 hex>`: the first delivery (blob) of a
 *   message's content; created once (409 = another delivery claimed it). Listing the prefix gives
 *   the distinct contents seen under a Message-ID;
 * - `msg_<sha256 of the intake key>`: the de-duplication row (`messageId`, `intakeKey`, `outcome`
 *   JSON, `blobName`, `processedAt`); created once (409 = processed before);
 * - `log_<inverted ms>_<sha of the blob name, 32 hex>`: the inbound log, one row per delivery,
 *   newest first, with `outcome`, `from`, `messageId`, `caseId` and one boolean column per flag
 *   as filterable properties; written in one entity-group transaction with `logb_<sha of the blob
 *   name>` (idempotency) and `logm_<sha of the Message-ID>_<sha of the blob name>` (finds the
 *   deliveries of a Message-ID to flag them);
 * - `quarantine_<inverted ms>_<sha>` / `ignored_<inverted ms>_<sha>`: newest-first listings (the
 *   log-tail pattern), each written together with a `qmsg_<sha>` / `imsg_<sha>` marker in one
 *   entity-group transaction, so a message is listed once;
 * - `ack_<sha256 of the sender>`: automatic acknowledgements granted in the last hour (`grants`
 *   JSON `[{id, at}]`), replaced with `If-Match`.
 * Table `<prefix>CaseAttachments`, PartitionKey `<partnerId>_<caseId>`, RowKey `<sha of the
 * Message-ID, 32 hex>_<index, 3 digits>`: one row per attachment.
 */
import { odata, type TableClient } from "@azure/data-tables";
import type { CaseAttachment, IgnoredEmail, InboundLogEntry, InboundLogFlag, QuarantinedEmail } from "../contracts";
import type { InboundEmailLog, InboundLogQuery, ListInboundEmailOptions, MessageClaim, Page, ProcessedEmailRecord } from "../ports";
import { deleteWhere, encodeKey, fromBase64Url, packJson, sha256Hex, statusOf, TableNames, toBase64Url, unpackJson, type TableStorage } from "./tableStorage";

const MAX_TIME = 9_999_999_999_999;
const HOUR_MS = 3_600_000;
const MAX_ETAG_ATTEMPTS = 10;

/** Table column of a log flag: `message-id-reused` → `flag_message_id_reused`. */
function flagColumn(flag: InboundLogFlag): string {
  return `flag_${flag.replace(/-/g, "_")}`;
}

function decodeToken(continuationToken: string | undefined): string | undefined {
  if (continuationToken === undefined) return undefined;
  const decoded = fromBase64Url(continuationToken);
  try {
    const parsed = JSON.parse(decoded ?? "") as { v?: unknown; t?: unknown };
    if (parsed.v !== 1 || typeof parsed.t !== "string") throw new Error("bad token");
    return parsed.t;
  } catch {
    throw Object.assign(new RangeError("The continuation token is not valid"), { code: "InvalidContinuationToken" });
  }
}

function inverted(iso: string): string {
  const ms = Date.parse(iso);
  return String(MAX_TIME - (Number.isNaN(ms) ? 0 : ms)).padStart(13, "0");
}

/** {@link InboundEmailLog} over Azure Table Storage. */
export class TableInboundEmailLog implements InboundEmailLog {
  /** @param storage - table access. */
  constructor(private readonly storage: TableStorage) {}

  /** The processed record of a Message-ID, or undefined. @throws RestError when storage fails. */
  async getProcessed(partnerId: string, intakeKey: string): Promise<ProcessedEmailRecord | undefined> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    try {
      const e = await table.getEntity<Record<string, unknown>>(encodeKey(partnerId), `msg_${sha256Hex(intakeKey)}`);
      if (e.intakeKey !== intakeKey) return undefined;
      return { messageId: String(e.messageId), intakeKey, outcome: JSON.parse(String(e.outcome)) as ProcessedEmailRecord["outcome"], blobName: String(e.blobName ?? ""), processedAt: String(e.processedAt ?? "") };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Records a processed Message-ID; the first record wins. @throws RestError when storage fails. */
  async recordProcessed(partnerId: string, record: ProcessedEmailRecord): Promise<void> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    try {
      await table.createEntity({ partitionKey: encodeKey(partnerId), rowKey: `msg_${sha256Hex(record.intakeKey)}`, messageId: record.messageId, intakeKey: record.intakeKey, outcome: JSON.stringify(record.outcome), blobName: record.blobName, processedAt: record.processedAt });
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
    }
  }

  async #recordListed(partnerId: string, kind: "quarantine" | "ignored", key: string, at: string, value: unknown): Promise<void> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    const pk = encodeKey(partnerId);
    const sha = sha256Hex(key);
    try {
      await table.submitTransaction([
        ["create", { partitionKey: pk, rowKey: `${kind === "quarantine" ? "qmsg" : "imsg"}_${sha}`, messageId: key }],
        ["create", { partitionKey: pk, rowKey: `${kind}_${inverted(at)}_${sha.slice(0, 32)}`, messageId: key, ...packJson(value) }],
      ]);
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
    }
  }

  async #list<T>(partnerId: string, kind: "quarantine" | "ignored", options: ListInboundEmailOptions): Promise<Page<T>> {
    const limit = options.limit ?? 25;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError("limit must be an integer from 1 to 100");
    const token = decodeToken(options.continuationToken);
    const table: TableClient = await this.storage.getTable(TableNames.inboundEmail);
    const filter = odata`PartitionKey eq ${encodeKey(partnerId)} and RowKey ge ${`${kind}_`} and RowKey lt ${`${kind}\``}`;
    const pages = table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: limit, continuationToken: token });
    const result = await pages.next();
    if (result.done || !result.value) return { items: [] };
    const items = result.value.slice(0, limit).map((e) => unpackJson<T>(e));
    return result.value.continuationToken ? { items, continuationToken: toBase64Url(JSON.stringify({ v: 1, t: result.value.continuationToken })) } : { items };
  }

  /** Claims a content for one delivery (first blob wins). @throws RestError when storage fails. */
  async claim(partnerId: string, input: { messageId: string; intakeKey: string; contentHash: string; blobName: string; at: string }): Promise<MessageClaim> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    const pk = encodeKey(partnerId);
    const rowKey = `claim_${sha256Hex(input.messageId)}_${input.contentHash.slice(0, 32)}`;
    try {
      await table.createEntity({ partitionKey: pk, rowKey, messageId: input.messageId, intakeKey: input.intakeKey, contentHash: input.contentHash, owner: input.blobName, claimedAt: input.at });
      return { owner: input.blobName };
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
    }
    const existing = await table.getEntity<Record<string, unknown>>(pk, rowKey);
    return { owner: String(existing.owner) };
  }

  /** Distinct content hashes claimed under a Message-ID. @throws RestError when storage fails. */
  async contentHashesOf(partnerId: string, messageId: string): Promise<string[]> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    const prefix = `claim_${sha256Hex(messageId)}_`;
    const hashes: string[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${encodeKey(partnerId)} and RowKey ge ${prefix} and RowKey lt ${`${prefix}~`}`, select: ["contentHash", "messageId"] } })) {
      if (e.messageId === messageId) hashes.push(String(e.contentHash));
    }
    return [...new Set(hashes)];
  }

  /** Records a delivery once per blob name, with its index rows. @throws RestError when storage fails. */
  async recordLogEntry(partnerId: string, entry: InboundLogEntry): Promise<void> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    const pk = encodeKey(partnerId);
    const blobSha = sha256Hex(entry.blobName);
    const rowKey = `log_${inverted(entry.receivedAt)}_${blobSha.slice(0, 32)}`;
    const flagColumns = Object.fromEntries(entry.flags.map((f) => [flagColumn(f), true]));
    try {
      await table.submitTransaction([
        ["create", { partitionKey: pk, rowKey: `logb_${blobSha}`, logRowKey: rowKey }],
        ["create", { partitionKey: pk, rowKey: `logm_${sha256Hex(entry.messageId)}_${blobSha}`, logRowKey: rowKey, messageId: entry.messageId }],
        ["create", { partitionKey: pk, rowKey, outcome: entry.outcome, from: entry.from, messageId: entry.messageId, caseId: entry.caseId ?? "", receivedAt: entry.receivedAt, ...flagColumns, ...packJson(entry) }],
      ]);
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
    }
  }

  /** Point read of the `logb_` index row of the blob. @throws RestError when storage fails. */
  async hasLogEntry(partnerId: string, blobName: string): Promise<boolean> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    try {
      await table.getEntity(encodeKey(partnerId), `logb_${sha256Hex(blobName)}`, { queryOptions: { select: ["PartitionKey"] } });
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw e;
    }
  }

  /** Adds a flag to every logged delivery of a Message-ID (ETag-guarded merge, retried on conflicts). @throws RestError when storage fails. */
  async flagMessageId(partnerId: string, messageId: string, flag: InboundLogFlag): Promise<void> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    const pk = encodeKey(partnerId);
    const prefix = `logm_${sha256Hex(messageId)}_`;
    const rowKeys: string[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge ${prefix} and RowKey lt ${`${prefix}~`}` } })) {
      if (e.messageId === messageId) rowKeys.push(String(e.logRowKey));
    }
    for (const rowKey of rowKeys) {
      for (let attempt = 0; attempt < MAX_ETAG_ATTEMPTS; attempt++) {
        let row: Record<string, unknown> & { etag: string };
        try {
          row = await table.getEntity<Record<string, unknown>>(pk, rowKey);
        } catch (err) {
          if (statusOf(err) === 404) break;
          throw err;
        }
        const entry = unpackJson<InboundLogEntry>(row);
        if (entry.flags.includes(flag)) break;
        const updated: InboundLogEntry = { ...entry, flags: [...entry.flags, flag] };
        try {
          await table.updateEntity({ partitionKey: pk, rowKey, [flagColumn(flag)]: true, ...packJson(updated) }, "Merge", { etag: row.etag });
          break;
        } catch (err) {
          if (statusOf(err) !== 412) throw err;
        }
      }
    }
  }

  /** The inbound log, newest first, filtered server-side. @throws RangeError for a bad limit, token or instant. */
  async listLog(partnerId: string, query: InboundLogQuery = {}): Promise<Page<InboundLogEntry>> {
    const limit = query.limit ?? 25;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError("limit must be an integer from 1 to 100");
    const token = decodeToken(query.continuationToken);
    for (const [name, value] of [["since", query.since], ["until", query.until]] as const) {
      if (value !== undefined && Number.isNaN(Date.parse(value))) throw Object.assign(new RangeError(`${name} must be an ISO 8601 instant`), { code: `Invalid_${name}` });
    }
    // Newest first: RowKey `log_<inverted ms>`, so `until` gives the lower RowKey bound and `since` the upper one.
    const lower = query.until !== undefined ? `log_${inverted(new Date(Date.parse(query.until) - 1).toISOString())}` : "log_";
    const upper = query.since !== undefined ? `log_${inverted(query.since)}~` : "log`";
    let filter = odata`PartitionKey eq ${encodeKey(partnerId)} and RowKey ge ${lower} and RowKey lt ${upper}`;
    if (query.outcomes && query.outcomes.length > 0) filter += ` and (${query.outcomes.map((o) => odata`outcome eq ${o}`).join(" or ")})`;
    if (query.from !== undefined) filter += ` and ${odata`from eq ${query.from.trim().toLowerCase()}`}`;
    if (query.messageId !== undefined) filter += ` and ${odata`messageId eq ${query.messageId}`}`;
    if (query.caseId !== undefined) filter += ` and ${odata`caseId eq ${query.caseId}`}`;
    if (query.flag !== undefined) filter += ` and ${flagColumn(query.flag)} eq true`;
    const table: TableClient = await this.storage.getTable(TableNames.inboundEmail);
    const pages = table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: limit, continuationToken: token });
    const result = await pages.next();
    if (result.done || !result.value) return { items: [] };
    const items = result.value.slice(0, limit).map((e) => unpackJson<InboundLogEntry>(e));
    return result.value.continuationToken ? { items, continuationToken: toBase64Url(JSON.stringify({ v: 1, t: result.value.continuationToken })) } : { items };
  }

  /** Lists a quarantined message once per Message-ID. @throws RestError when storage fails. */
  recordQuarantine(partnerId: string, entry: QuarantinedEmail): Promise<void> {
    return this.#recordListed(partnerId, "quarantine", entry.intakeKey ?? entry.messageId, entry.quarantinedAt, entry);
  }

  /** Quarantined messages, newest first. @throws RangeError for a bad limit or token. */
  listQuarantine(partnerId: string, options: ListInboundEmailOptions = {}): Promise<Page<QuarantinedEmail>> {
    return this.#list<QuarantinedEmail>(partnerId, "quarantine", options);
  }

  /** Records an ignored message once per Message-ID. @throws RestError when storage fails. */
  recordIgnored(partnerId: string, entry: IgnoredEmail): Promise<void> {
    return this.#recordListed(partnerId, "ignored", entry.intakeKey ?? entry.messageId, entry.receivedAt, entry);
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

  /** Deletes a log row and its two index rows (`logb_`, `logm_`). @returns the entry deleted. */
  async #deleteLogRow(table: TableClient, pk: string, row: Record<string, unknown>): Promise<InboundLogEntry> {
    const entry = unpackJson<InboundLogEntry>(row);
    const blobSha = sha256Hex(entry.blobName);
    for (const rk of [`logb_${blobSha}`, `logm_${sha256Hex(entry.messageId)}_${blobSha}`, String(row.rowKey)]) {
      try {
        await table.deleteEntity(pk, rk);
      } catch (e) {
        if (statusOf(e) !== 404) throw e;
      }
    }
    return entry;
  }

  /**
   * Deletes the inbound log entries whose `caseId` column is the case (with their index rows) and
   * the case's attachment list. @throws RestError when storage fails.
   */
  async eraseCase(partnerId: string, caseId: string): Promise<{ entries: number; inboundBlobs: string[] }> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    const pk = encodeKey(partnerId);
    const inboundBlobs: string[] = [];
    let entries = 0;
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge ${"log_"} and RowKey lt ${"log`"} and caseId eq ${caseId}` } })) {
      inboundBlobs.push((await this.#deleteLogRow(table, pk, row)).blobName);
      entries++;
    }
    const attachments = await this.storage.getTable(TableNames.caseAttachments);
    await deleteWhere(attachments, odata`PartitionKey eq ${`${pk}_${encodeKey(caseId)}`}`);
    return { entries, inboundBlobs };
  }

  /**
   * Deletes, received before `before`: log entries without a case, quarantine and ignored listings
   * (their `qmsg_`/`imsg_` markers stay, so a redelivery is still recognised), and acknowledgement
   * rows whose newest grant is more than an hour before `before`; at most `limit` entries.
   * @throws RestError when storage fails.
   */
  async eraseBefore(partnerId: string, before: string, limit: number): Promise<{ entries: number; inboundBlobs: string[]; quarantineBlobs: string[] }> {
    const table = await this.storage.getTable(TableNames.inboundEmail);
    const pk = encodeKey(partnerId);
    const out = { entries: 0, inboundBlobs: [] as string[], quarantineBlobs: [] as string[] };
    // Newest first: rows older than `before` have RowKeys above `<prefix>_<inverted(before)>_~`.
    const older = (prefix: string): string => odata`PartitionKey eq ${pk} and RowKey gt ${`${prefix}_${inverted(before)}_~`} and RowKey lt ${`${prefix}\``}`;
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: `${older("log")} and ${odata`caseId eq ${""}`}` } })) {
      if (out.entries >= limit) return out;
      out.inboundBlobs.push((await this.#deleteLogRow(table, pk, row)).blobName);
      out.entries++;
    }
    for (const kind of ["quarantine", "ignored"] as const) {
      for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: older(kind) } })) {
        if (out.entries >= limit) return out;
        if (kind === "quarantine") {
          const q = unpackJson<QuarantinedEmail>(row);
          out.quarantineBlobs.push(q.blobName);
          out.inboundBlobs.push(q.sourceBlobName);
        } else out.inboundBlobs.push(unpackJson<IgnoredEmail>(row).blobName);
        try {
          await table.deleteEntity(pk, String(row.rowKey));
        } catch (e) {
          if (statusOf(e) !== 404) throw e;
        }
        out.entries++;
      }
    }
    const stale = Date.parse(before) - HOUR_MS;
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk} and RowKey ge ${"ack_"} and RowKey lt ${"ack`"}` } })) {
      if (out.entries >= limit) return out;
      const grants = JSON.parse(String(row.grants ?? "[]")) as Array<{ at: string }>;
      if (grants.some((g) => Date.parse(g.at) >= stale)) continue;
      try {
        await table.deleteEntity(pk, String(row.rowKey), { etag: row.etag as string });
      } catch (e) {
        // 412: a grant was taken meanwhile; the row stays until the next run.
        if (statusOf(e) !== 404 && statusOf(e) !== 412) throw e;
      }
      out.entries++;
    }
    return out;
  }
}
