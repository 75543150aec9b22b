/**
 * The append-only SLA event log of a case in Table Storage (help-desk practice "SLA semantics":
 * clocks are recomputed from the log, not kept as running counters).
 *
 * **Stored format: the whole log of a case in one row, read and written by its keys.** Table
 * `<prefix>SlaLogs`, PartitionKey `<partnerId>_<caseId>` (encoded), RowKey `log`: the events as
 * JSON (`packJson`), each with the instant it was written, in append order; `overflow` counts the
 * full pages moved out of it (RowKeys `log.000001`, … in the same partition, written in the same
 * entity-group transaction as the head that points at them), so a log of any length stays within
 * the 1 MiB entity limit. Every read is a point read (one, plus one per overflow page: none for
 * any ordinary case) and every append a point read and one conditional write (`If-Match` on the
 * head's ETag; a conflict reads again and retries), so the cost of a case's log does not depend on
 * how many cases are stored — on Azure Table Storage, and on Azurite, which evaluates every query
 * over the whole table. Appends are idempotent by `eventId` (deterministic, from the
 * orchestration): an event already logged is skipped, so a retried activity never logs it twice.
 *
 * **The earlier format** (table `<prefix>SlaEvents`, one row per event, RowKey the encoded
 * `eventId`, read by a partition query) is still read, merged by `eventId`, until
 * {@link TableSlaEventLog.migrateLegacyRows} has copied every such row into the new format and
 * recorded so (a marker row in `SlaLogs`); from then on this process reads the new format only.
 * Nothing writes the earlier format any more. A store that holds no row of the earlier format is
 * marked migrated on first use.
 */
import { odata, type TransactionAction } from "@azure/data-tables";
import type { SlaEventLog, SlaEventWithId, SlaLogAppendOptions, SlaLogAppendResult } from "../ports";
import { TableMigrationMarker } from "./tableMigration";
import { conflictBackoff, encodeKey, packJson, statusOf, TableNames, unpackJson, type TableStorage } from "./tableStorage";

/** RowKey of a case's log row (the head: the newest events). */
const HEAD_ROW = "log";
/** RowKey of the n-th overflow page (n ≥ 1): sorts after the head, never an encoded case key. */
function overflowRowKey(n: number): string {
  return `${HEAD_ROW}.${String(n).padStart(6, "0")}`;
}
/**
 * Most JSON characters (UTF-16 code units) one row of the log holds before its oldest events move
 * to an overflow page: 120,000 units are 240 KB as stored, so a head and the pages one append can
 * fill stay well within the entity (1 MiB) and transaction (4 MiB) limits. Roughly 600 events.
 */
const PAGE_CHARS = 120_000;
/** Most overflow pages one append may fill (the transaction holds them and the head: ≤ 100 rows, ≤ 4 MiB). */
const MAX_PAGES_PER_APPEND = 8;
/** Tries of an append when other writers keep changing the head between its read and its write. */
const MAX_ATTEMPTS = 12;

/** Name of the migration from the earlier format (its marker row, tableMigration.ts). */
const MIGRATION_RK = "sla-event-rows";

/** One logged event as stored: the event and the instant (ISO 8601, UTC) its append was written. */
interface StoredEntry {
  event: SlaEventWithId;
  writtenAt: string;
}

/** A case's log as read: the head row (absent: nothing logged in this format) and the overflow pages oldest first. */
interface LogRows {
  head?: { etag: string; entries: StoredEntry[]; overflow: number };
  pages: StoredEntry[][];
}

/** What one run of {@link TableSlaEventLog.migrateLegacyRows} did. */
export interface SlaLogMigrationReport {
  /** True when the migration is complete (now or before): reads use the new format only. */
  done: boolean;
  /** Earlier-format rows read by this run. */
  rowsScanned: number;
  /** Cases whose log gained events from the earlier format in this run. */
  casesMerged: number;
  /** Events copied into the new format by this run. */
  eventsCopied: number;
  /**
   * Earlier-format rows this run could not read (`<PartitionKey>/<RowKey>`: JSON that does not
   * parse), left where they are; the earlier code could not read them either.
   */
  unreadable: string[];
}

/** Options of {@link TableSlaEventLog.migrateLegacyRows}. */
export interface SlaLogMigrationOptions {
  /** Stop after this many ms and resume at the next run (default 240,000: within a 5-minute function timeout). */
  budgetMs?: number;
  /**
   * The migration is complete only after a whole pass that began at least this long (ms) after
   * its first run (default 1,800,000): instances of the earlier code that still ran during the
   * deployment, and wrote rows of the earlier format, have stopped by then.
   */
  quietPeriodMs?: number;
}

function slaPartition(partnerId: string, caseId: string): string {
  return `${encodeKey(partnerId)}_${encodeKey(caseId)}`;
}

/** {@link SlaEventLog} over Azure Table Storage (see the module comment for the stored format). */
export class TableSlaEventLog implements SlaEventLog {
  /** The migration from the earlier format; once complete, the earlier format is never read again. */
  readonly #migration: TableMigrationMarker;

  /**
   * @param storage - table access.
   * @param now - clock for `writtenAt` and the migration (default: system time).
   */
  constructor(
    private readonly storage: TableStorage,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#migration = new TableMigrationMarker(storage, TableNames.slaLogs, MIGRATION_RK, now);
  }

  /**
   * Appends the events whose `eventId` is not logged yet: reads the case's log (point reads) and
   * writes it back with the new events in one conditional write; when another writer changed it
   * in between, reads and tries again.
   * @returns how many events were new, and the case's whole log after the append, oldest first
   *   (as {@link list} returns it).
   * @throws RangeError when two events of the batch share an `eventId`, or one append would fill
   *   more than 8 overflow pages (≈ 4,800 events).
   * @throws Error when other writers kept changing the log for 12 tries.
   * With `startsLog` (and once no row of the earlier format is read), the row is created without
   * a read first: one request instead of a read that answers 404 and a write; when the log exists
   * after all, the creation fails (409) and the append reads and merges as usual.
   * @throws RestError when storage fails.
   */
  async append(partnerId: string, caseId: string, events: readonly SlaEventWithId[], options: SlaLogAppendOptions = {}): Promise<SlaLogAppendResult> {
    if (new Set(events.map((e) => e.eventId)).size !== events.length) throw new RangeError("SLA events of one append must have distinct eventIds");
    const pk = slaPartition(partnerId, caseId);
    if (options.startsLog && events.length > 0 && !(await this.#readsLegacy())) {
      const writtenAt = this.now().toISOString();
      const fresh = events.map((event) => ({ event: { ...event }, writtenAt }));
      if (paginate(fresh).length === 1) {
        const created = await this.#write(pk, { pages: [] }, fresh);
        if (created) return { appended: fresh.length, log: ordered([], created) };
      }
    }
    const { appended, rows, legacy } = await this.#merge(pk, () => this.#read(pk), () => {
      const writtenAt = this.now().toISOString();
      return events.map((event) => ({ event: { ...event }, writtenAt }));
    });
    return { appended, log: ordered(legacy, rows) };
  }

  /**
   * Reads the log (with `read`), adds the entries `entries()` gives whose event id it does not
   * hold yet, and writes it back conditionally; on a conflict, waits and starts again.
   * @returns how many entries were new, and the log as written (or as read when none was new).
   * @throws Error when other writers kept changing the log for {@link MAX_ATTEMPTS} tries.
   */
  async #merge(pk: string, read: () => Promise<{ rows: LogRows; legacy: StoredEntry[] }>, entries: () => StoredEntry[]): Promise<{ appended: number; rows: LogRows; legacy: StoredEntry[] }> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const { rows, legacy } = await read();
      const known = new Set([...legacy, ...rows.pages.flat(), ...(rows.head?.entries ?? [])].map((s) => s.event.eventId));
      const fresh = entries().filter((s) => !known.has(s.event.eventId));
      if (fresh.length === 0) return { appended: 0, rows, legacy };
      const written = await this.#write(pk, rows, fresh);
      if (written) return { appended: fresh.length, rows: written, legacy };
      await conflictBackoff(attempt);
    }
    throw new Error(`The SLA log ${pk} kept changing while events were appended; retry`);
  }

  /** The case's log oldest first: by `at` (as an instant), then write time, then append order. @throws RestError when storage fails. */
  async list(partnerId: string, caseId: string): Promise<SlaEventWithId[]> {
    const { rows, legacy } = await this.#read(slaPartition(partnerId, caseId));
    return ordered(legacy, rows);
  }

  /**
   * Copies the rows of the earlier format (one row per event in `SlaEvents`) into the new format,
   * a page of 1,000 rows at a time, resuming where the last run stopped; idempotent (events are
   * merged by `eventId`, so a row copied twice is logged once). Marks the migration complete
   * after a whole pass that began at least `quietPeriodMs` after the first run, or at once when
   * the earlier format holds no row; then every process stops reading it (within a minute).
   * One instance at a time is expected (a timer trigger's singleton lock); a second one that finds
   * the marker changed under it stops.
   * @returns what this run did ({@link SlaLogMigrationReport}).
   * @throws RestError when storage fails (the next run resumes from the last recorded page).
   */
  async migrateLegacyRows(options: SlaLogMigrationOptions = {}): Promise<SlaLogMigrationReport> {
    const budgetMs = options.budgetMs ?? 240_000;
    const quietPeriodMs = options.quietPeriodMs ?? 1_800_000;
    const report: SlaLogMigrationReport = { done: false, rowsScanned: 0, casesMerged: 0, eventsCopied: 0, unreadable: [] };
    const legacyTable = this.storage.existingTable(TableNames.slaEvents);
    const run = await this.#migration.run({
      budgetMs,
      quietPeriodMs,
      // No table: nothing was ever stored the earlier way.
      tableMayBeMissing: true,
      pages: (continuation) => legacyTable.listEntities<Record<string, unknown>>().byPage({ maxPageSize: 1000, ...(continuation ? { continuationToken: continuation } : {}) }),
      migrate: async (page) => {
        const byCase = new Map<string, StoredEntry[]>();
        for (const row of page) {
          const pk = String(row.partitionKey);
          let entry: StoredEntry;
          try {
            entry = legacyEntryOf(row);
          } catch {
            report.unreadable.push(`${pk}/${String(row.rowKey)}`);
            continue;
          }
          byCase.set(pk, [...(byCase.get(pk) ?? []), entry]);
        }
        for (const [pk, entries] of byCase) {
          const copied = await this.#mergeLegacy(pk, entries);
          if (copied > 0) {
            report.casesMerged++;
            report.eventsCopied += copied;
          }
        }
        return page.length;
      },
    });
    return { ...report, ...run };
  }

  /** The case's log rows, and the events of the earlier format while it is still read. */
  async #read(pk: string): Promise<{ rows: LogRows; legacy: StoredEntry[] }> {
    const [rows, legacy] = await Promise.all([this.#readRows(pk), this.#readsLegacy().then((yes) => (yes ? this.#readLegacy(pk) : []))]);
    return { rows, legacy };
  }

  async #readRows(pk: string): Promise<LogRows> {
    const table = await this.storage.getTable(TableNames.slaLogs);
    let head: Record<string, unknown> & { etag: string };
    try {
      head = await table.getEntity<Record<string, unknown>>(pk, HEAD_ROW);
    } catch (e) {
      if (statusOf(e) === 404) return { pages: [] };
      throw e;
    }
    const overflow = Number(head.overflow ?? 0);
    const pages = await Promise.all(
      Array.from({ length: overflow }, async (_, i) => {
        try {
          return unpackJson<StoredEntry[]>(await table.getEntity<Record<string, unknown>>(pk, overflowRowKey(i + 1)));
        } catch (e) {
          if (statusOf(e) === 404) throw new Error(`SLA log ${pk}: overflow page ${i + 1} of ${overflow} is missing`);
          throw e;
        }
      }),
    );
    return { head: { etag: head.etag, entries: unpackJson<StoredEntry[]>(head), overflow }, pages };
  }

  /**
   * Writes the head with `fresh` appended, moving full pages out to overflow rows in the same
   * transaction. @returns the rows as written, or undefined when another writer changed the head first.
   */
  async #write(pk: string, rows: LogRows, fresh: StoredEntry[]): Promise<LogRows | undefined> {
    const table = await this.storage.getTable(TableNames.slaLogs);
    const chunks = paginate([...(rows.head?.entries ?? []), ...fresh]);
    const full = chunks.slice(0, -1);
    const headEntries = chunks.at(-1) ?? [];
    if (full.length > MAX_PAGES_PER_APPEND) throw new RangeError(`One append to the SLA log of ${pk} would fill ${full.length} pages (at most ${MAX_PAGES_PER_APPEND})`);
    const base = rows.head?.overflow ?? 0;
    const headRow = { partitionKey: pk, rowKey: HEAD_ROW, overflow: base + full.length, ...packJson(headEntries) };
    try {
      if (full.length === 0 && !rows.head) {
        await table.createEntity(headRow);
      } else if (full.length === 0 && rows.head) {
        await table.updateEntity(headRow, "Replace", { etag: rows.head.etag });
      } else {
        const actions: TransactionAction[] = full.map((entries, i) => ["upsert", { partitionKey: pk, rowKey: overflowRowKey(base + i + 1), ...packJson(entries) }, "Replace"]);
        actions.push(rows.head ? ["update", headRow, "Replace", { etag: rows.head.etag }] : ["create", headRow]);
        await table.submitTransaction(actions);
      }
    } catch (e) {
      const status = statusOf(e);
      if (status === 409 || status === 412) return undefined;
      throw e;
    }
    return { head: { etag: "", entries: headEntries, overflow: base + full.length }, pages: [...rows.pages, ...full] };
  }

  /** Merges earlier-format entries of one case into its log. @returns how many were new. */
  async #mergeLegacy(pk: string, entries: StoredEntry[]): Promise<number> {
    entries.sort((a, b) => cmp(a.writtenAt, b.writtenAt));
    const merged = await this.#merge(pk, async () => ({ rows: await this.#readRows(pk), legacy: [] }), () => entries);
    return merged.appended;
  }

  /** The case's rows of the earlier format, in write order. */
  async #readLegacy(pk: string): Promise<StoredEntry[]> {
    const table = this.storage.existingTable(TableNames.slaEvents);
    const rows: Array<StoredEntry & { ordinal: number }> = [];
    try {
      for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${pk}` } })) rows.push(legacyEntryOf(e));
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
    }
    return rows.sort((a, b) => cmp(a.writtenAt, b.writtenAt) || cmp(a.ordinal, b.ordinal));
  }

  /**
   * Whether reads must still merge the earlier format: false once the migration marker says
   * complete (then for good); while it does not, the marker is read again at most once a minute.
   * With no marker and no row of the earlier format at all, marks the migration complete.
   */
  async #readsLegacy(): Promise<boolean> {
    return !(await this.#migration.isComplete(() => this.#legacyEmpty()));
  }

  async #legacyEmpty(): Promise<boolean> {
    const table = this.storage.existingTable(TableNames.slaEvents);
    try {
      const first = await table.listEntities({ queryOptions: { select: ["PartitionKey"] } }).byPage({ maxPageSize: 1 }).next();
      return first.done === true || first.value.length === 0;
    } catch (e) {
      if (statusOf(e) === 404) return true;
      throw e;
    }
  }
}

/** An earlier-format row as an entry (its `ordinal`: position within its append). */
function legacyEntryOf(row: Record<string, unknown>): StoredEntry & { ordinal: number } {
  return { event: unpackJson<SlaEventWithId>(row), writtenAt: String(row.writtenAt ?? ""), ordinal: Number(row.ordinal ?? 0) };
}

/** Splits entries, in order, into chunks of at most {@link PAGE_CHARS} JSON characters (at least one chunk). */
function paginate(entries: StoredEntry[]): StoredEntry[][] {
  const chunks: StoredEntry[][] = [[]];
  let size = 2;
  for (const entry of entries) {
    const n = JSON.stringify(entry).length + 1;
    if (size + n > PAGE_CHARS && chunks.at(-1)!.length > 0) {
      chunks.push([]);
      size = 2;
    }
    chunks.at(-1)!.push(entry);
    size += n;
  }
  return chunks;
}

/**
 * The log oldest first: by `at` as an instant, then write time, then position (earlier-format
 * entries first, in their write order, then the rows' entries in append order).
 */
function ordered(legacy: readonly StoredEntry[], rows: LogRows): SlaEventWithId[] {
  const all = [...legacy, ...rows.pages.flat(), ...(rows.head?.entries ?? [])].map((s, position) => ({ ...s, at: Date.parse(s.event.at), position }));
  const seen = new Set<string>();
  return all
    .sort((a, b) => cmp(a.at, b.at) || cmp(a.writtenAt, b.writtenAt) || cmp(a.position, b.position))
    .filter((s) => (seen.has(s.event.eventId) ? false : (seen.add(s.event.eventId), true)))
    .map((s) => ({ ...s.event }));
}

function cmp<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
