/**
 * The email intake's records in memory. For unit tests of logic and local experiments, not
 * production: nothing survives the process.
 */
import type { CaseAttachment, IgnoredEmail, InboundLogEntry, InboundLogFlag, QuarantinedEmail } from "../../contracts";
import type { InboundEmailLog, InboundLogQuery, ListInboundEmailOptions, MessageClaim, Page, ProcessedEmailRecord } from "../../ports";
import { sha256Hex } from "../tableStorage";
import { copy, invalidContinuationToken, keyOf, keysetPage } from "./memoryStore";

const MAX_TIME = 9_999_999_999_999;
const HOUR_MS = 3_600_000;

/** Newest-first sort key of an instant, as the Table adapter's RowKeys (an unparsable instant sorts last). */
function inverted(iso: string): string {
  const ms = Date.parse(iso);
  return String(MAX_TIME - (Number.isNaN(ms) ? 0 : ms)).padStart(13, "0");
}

/** A newest-first listing row: its sort key and value. */
interface Listed<T> {
  sortKey: string;
  item: T;
}

/**
 * {@link InboundEmailLog} in memory, behaving as TableInboundEmailLog: listings newest first
 * (entries of the same millisecond in a fixed order by a hash of their blob name or key), pages of
 * `limit` (1–100, default 25) with opaque continuation tokens; the first claim, processed record,
 * log entry (per blob name), quarantine or ignored listing (per `intakeKey`, else `messageId`) wins.
 * Values are copied on write and on read.
 */
export class MemoryInboundEmailLog implements InboundEmailLog {
  /** Per partner, Message-ID and content hash (first 32 hex): the claim. */
  readonly #claims = new Map<string, { messageId: string; contentHash: string; owner: string }>();
  /** Per partner and intake key. */
  readonly #processed = new Map<string, ProcessedEmailRecord>();
  /** Per partner and blob name: the log entry and its sort key. */
  readonly #log = new Map<string, Listed<InboundLogEntry> & { partnerId: string }>();
  /** Per partner, kind and key: listed once (the marker outlives the listing). */
  readonly #listedKeys = new Set<string>();
  readonly #quarantine = new Map<string, Listed<QuarantinedEmail> & { partnerId: string }>();
  readonly #ignored = new Map<string, Listed<IgnoredEmail> & { partnerId: string }>();
  /** Per partner and lower-cased sender: acknowledgements granted (Message-ID, ISO 8601 UTC). */
  readonly #acks = new Map<string, { partnerId: string; grants: Array<{ id: string; at: string }> }>();
  /** Per partner, case, Message-ID and index within its call. */
  readonly #attachments = new Map<string, { partnerId: string; caseId: string; sortKey: string; attachment: CaseAttachment }>();

  /** Claims a content for one delivery: the first blob name owns it. */
  async claim(partnerId: string, input: { messageId: string; intakeKey: string; contentHash: string; blobName: string; at: string }): Promise<MessageClaim> {
    const key = keyOf(partnerId, input.messageId, input.contentHash.slice(0, 32));
    const existing = this.#claims.get(key);
    if (existing) return { owner: existing.owner };
    this.#claims.set(key, { messageId: input.messageId, contentHash: input.contentHash, owner: input.blobName });
    return { owner: input.blobName };
  }

  /** Distinct content hashes claimed under a Message-ID (ordered by hash). */
  async contentHashesOf(partnerId: string, messageId: string): Promise<string[]> {
    const prefix = keyOf(partnerId, messageId, "");
    const found = [...this.#claims].filter(([k]) => k.startsWith(prefix)).map(([, c]) => c.contentHash);
    return [...new Set(found.sort())];
  }

  /** Records a delivery once per blob name (the first entry stays). */
  async recordLogEntry(partnerId: string, entry: InboundLogEntry): Promise<void> {
    const key = keyOf(partnerId, entry.blobName);
    if (this.#log.has(key)) return;
    this.#log.set(key, { partnerId, sortKey: `${inverted(entry.receivedAt)}_${sha256Hex(entry.blobName).slice(0, 32)}`, item: copy(entry) });
  }

  /** Whether the blob's delivery is in the log. */
  async hasLogEntry(partnerId: string, blobName: string): Promise<boolean> {
    return this.#log.has(keyOf(partnerId, blobName));
  }

  /** Adds a flag to every logged delivery of the Message-ID (idempotent). */
  async flagMessageId(partnerId: string, messageId: string, flag: InboundLogFlag): Promise<void> {
    for (const row of this.#log.values()) {
      if (row.partnerId === partnerId && row.item.messageId === messageId && !row.item.flags.includes(flag)) row.item.flags.push(flag);
    }
  }

  /**
   * The inbound log, newest first, filtered (`from` compared lower-cased and trimmed; `since`
   * inclusive, `until` exclusive, to the millisecond).
   * @throws RangeError for a bad limit; with `code` `InvalidContinuationToken` for a bad token, `Invalid_since` / `Invalid_until` for a bad instant.
   */
  async listLog(partnerId: string, query: InboundLogQuery = {}): Promise<Page<InboundLogEntry>> {
    const limit = checkLimit(query.limit);
    for (const [name, value] of [["since", query.since], ["until", query.until]] as const) {
      if (value !== undefined && Number.isNaN(Date.parse(value))) throw Object.assign(new RangeError(`${name} must be an ISO 8601 instant`), { code: `Invalid_${name}` });
    }
    const since = query.since === undefined ? -Infinity : Date.parse(query.since);
    const until = query.until === undefined ? Infinity : Date.parse(query.until);
    const from = query.from?.trim().toLowerCase();
    const rows = this.#rows(this.#log, partnerId).filter(({ item: e }) => {
      const ms = Date.parse(e.receivedAt);
      if (ms < since || ms >= until) return false;
      if (query.outcomes && query.outcomes.length > 0 && !query.outcomes.includes(e.outcome)) return false;
      if (from !== undefined && e.from !== from) return false;
      if (query.messageId !== undefined && e.messageId !== query.messageId) return false;
      if (query.caseId !== undefined && (e.caseId ?? "") !== query.caseId) return false;
      return query.flag === undefined || e.flags.includes(query.flag);
    });
    return keysetPage(rows, limit, query.continuationToken, invalidContinuationToken);
  }

  /** The record of a processing key, or undefined. */
  async getProcessed(partnerId: string, intakeKey: string): Promise<ProcessedEmailRecord | undefined> {
    const found = this.#processed.get(keyOf(partnerId, intakeKey));
    return found ? copy(found) : undefined;
  }

  /** Records a processed message under its intake key (the first record wins). */
  async recordProcessed(partnerId: string, record: ProcessedEmailRecord): Promise<void> {
    const key = keyOf(partnerId, record.intakeKey);
    if (!this.#processed.has(key)) this.#processed.set(key, copy(record));
  }

  /** Lists a quarantined message once per `intakeKey`, else `messageId`. */
  async recordQuarantine(partnerId: string, entry: QuarantinedEmail): Promise<void> {
    this.#recordListed(this.#quarantine, partnerId, "quarantine", entry.intakeKey ?? entry.messageId, entry.quarantinedAt, entry);
  }

  /** Quarantined messages, newest first. @throws RangeError for a bad limit or token. */
  async listQuarantine(partnerId: string, options: ListInboundEmailOptions = {}): Promise<Page<QuarantinedEmail>> {
    return keysetPage(this.#rows(this.#quarantine, partnerId), checkLimit(options.limit), options.continuationToken, invalidContinuationToken);
  }

  /** Records an ignored message once per `intakeKey`, else `messageId`. */
  async recordIgnored(partnerId: string, entry: IgnoredEmail): Promise<void> {
    this.#recordListed(this.#ignored, partnerId, "ignored", entry.intakeKey ?? entry.messageId, entry.receivedAt, entry);
  }

  /** Ignored messages, newest first. @throws RangeError for a bad limit or token. */
  async listIgnored(partnerId: string, options: ListInboundEmailOptions = {}): Promise<Page<IgnoredEmail>> {
    return keysetPage(this.#rows(this.#ignored, partnerId), checkLimit(options.limit), options.continuationToken, invalidContinuationToken);
  }

  /** Grants an acknowledgement when the sender had fewer than `maxPerHour` in the hour before `now`; the same `messageId` gets its earlier grant. */
  async takeAcknowledgement(partnerId: string, sender: string, messageId: string, now: Date, maxPerHour: number): Promise<boolean> {
    const key = keyOf(partnerId, sender.trim().toLowerCase());
    const grants = this.#acks.get(key)?.grants ?? [];
    if (grants.some((g) => g.id === messageId)) return true;
    const recent = grants.filter((g) => now.getTime() - Date.parse(g.at) < HOUR_MS);
    if (recent.length >= maxPerHour) return false;
    this.#acks.set(key, { partnerId, grants: [...recent, { id: messageId, at: now.toISOString() }] });
    return true;
  }

  /** Lists attachments on a case (replaced per Message-ID and position in `attachments`). */
  async recordAttachments(partnerId: string, caseId: string, attachments: readonly CaseAttachment[]): Promise<void> {
    attachments.forEach((a, i) => {
      const sortKey = `${sha256Hex(a.messageId).slice(0, 32)}_${String(i).padStart(3, "0")}`;
      this.#attachments.set(keyOf(partnerId, caseId, sortKey), { partnerId, caseId, sortKey, attachment: copy(a) });
    });
  }

  /** Attachments of a case, oldest first (by `receivedAt`, then Message-ID hash and position). */
  async listAttachments(partnerId: string, caseId: string): Promise<CaseAttachment[]> {
    const rows = [...this.#attachments.values()].filter((r) => r.partnerId === partnerId && r.caseId === caseId);
    rows.sort((x, y) => compare(x.attachment.receivedAt, y.attachment.receivedAt) || compare(x.sortKey, y.sortKey));
    return copy(rows.map((r) => r.attachment));
  }

  /** Deletes the log entries whose `caseId` is the case, and its attachment list. @returns their raw blobs (newest first) and how many. */
  async eraseCase(partnerId: string, caseId: string): Promise<{ entries: number; inboundBlobs: string[] }> {
    const inboundBlobs: string[] = [];
    for (const row of this.#rows(this.#log, partnerId)) {
      if (row.item.caseId !== caseId) continue;
      this.#log.delete(keyOf(partnerId, row.item.blobName));
      inboundBlobs.push(row.item.blobName);
    }
    for (const [key, r] of this.#attachments) if (r.partnerId === partnerId && r.caseId === caseId) this.#attachments.delete(key);
    return { entries: inboundBlobs.length, inboundBlobs };
  }

  /**
   * Deletes, received before `before`: log entries without a case, quarantine and ignored listings
   * (a redelivery is still recognised), and acknowledgement counters with no grant in the hour
   * before `before`; at most `limit` entries, in that order, newest first within each.
   */
  async eraseBefore(partnerId: string, before: string, limit: number): Promise<{ entries: number; inboundBlobs: string[]; quarantineBlobs: string[] }> {
    const out = { entries: 0, inboundBlobs: [] as string[], quarantineBlobs: [] as string[] };
    const cutoff = inverted(before);
    const older = <T>(rows: Array<Listed<T>>): Array<Listed<T>> => rows.filter((r) => r.sortKey.slice(0, 13) > cutoff);
    for (const row of older(this.#rows(this.#log, partnerId))) {
      if (out.entries >= limit) return out;
      if ((row.item.caseId ?? "") !== "") continue;
      this.#log.delete(keyOf(partnerId, row.item.blobName));
      out.inboundBlobs.push(row.item.blobName);
      out.entries++;
    }
    for (const row of older(this.#rows(this.#quarantine, partnerId))) {
      if (out.entries >= limit) return out;
      this.#quarantine.delete(keyOf(partnerId, row.sortKey));
      out.quarantineBlobs.push(row.item.blobName);
      out.inboundBlobs.push(row.item.sourceBlobName);
      out.entries++;
    }
    for (const row of older(this.#rows(this.#ignored, partnerId))) {
      if (out.entries >= limit) return out;
      this.#ignored.delete(keyOf(partnerId, row.sortKey));
      out.inboundBlobs.push(row.item.blobName);
      out.entries++;
    }
    const stale = Date.parse(before) - HOUR_MS;
    for (const [key, ack] of this.#acks) {
      if (ack.partnerId !== partnerId) continue;
      if (out.entries >= limit) return out;
      if (ack.grants.some((g) => Date.parse(g.at) >= stale)) continue;
      this.#acks.delete(key);
      out.entries++;
    }
    return out;
  }

  #recordListed<T>(listing: Map<string, Listed<T> & { partnerId: string }>, partnerId: string, kind: string, key: string, at: string, value: T): void {
    const marker = keyOf(partnerId, kind, key);
    if (this.#listedKeys.has(marker)) return;
    this.#listedKeys.add(marker);
    const sortKey = `${inverted(at)}_${sha256Hex(key).slice(0, 32)}`;
    listing.set(keyOf(partnerId, sortKey), { partnerId, sortKey, item: copy(value) });
  }

  /** A partner's rows of a listing, newest first. */
  #rows<T>(listing: Map<string, Listed<T> & { partnerId: string }>, partnerId: string): Array<Listed<T>> {
    return [...listing.values()].filter((r) => r.partnerId === partnerId).sort((a, b) => compare(a.sortKey, b.sortKey));
  }
}

/**
 * The page size of a listing (default 25).
 * @throws RangeError when it is not an integer from 1 to 100.
 */
function checkLimit(limit = 25): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError("limit must be an integer from 1 to 100");
  return limit;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
