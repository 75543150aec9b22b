/**
 * The marker row of a one-time, resumable migration of stored rows ("expand, then migrate"): when
 * it first ran, where the current pass over the rows resumes, and when it was found complete.
 *
 * A migration is complete after a whole pass that saw no row to migrate, or that began a quiet
 * period after its first run: instances of the earlier code that still ran during the deployment
 * (a deployment drains them within the 5-minute function timeout) have stopped writing the earlier
 * way by then. Until it is complete, readers keep reading the earlier way too. The marker lives in
 * partition `%migration` of the table it concerns: no encoded key can be that (`%m` is no escape).
 */
import { statusOf, type TableStorage } from "./tableStorage";

/** PartitionKey of every migration marker. */
const MIGRATION_PK = "%migration";
/** How long a process trusts "not complete yet" before reading the marker again (ms). */
const MARKER_RECHECK_MS = 60_000;

/** A migration's marker as stored. */
export interface MigrationMarker {
  etag: string;
  /** When the migration first ran (ISO 8601, UTC). */
  startedAt: string;
  /** When the current pass began (a pass after the quiet period may be scheduled ahead). */
  passStartedAt: string;
  /** Where the current pass resumes (a Table Storage continuation token; empty: from the start). */
  continuation: string;
  /** Rows the current pass has seen so far. */
  rowsSeen: number;
  /** When the migration was found complete (absent: not yet). */
  doneAt?: string;
}

/**
 * One migration's marker row (`%migration` / `rowKey` in `tableName`) and this process's view of
 * it: "complete" is kept for good, "not complete" for a minute.
 */
export class TableMigrationMarker {
  #complete = false;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #check: Promise<boolean> | undefined;

  /**
   * @param storage - table access.
   * @param tableName - the table the marker is kept in ({@link TableNames}).
   * @param rowKey - the migration's name.
   * @param now - clock of the marker's instants.
   */
  constructor(
    private readonly storage: TableStorage,
    private readonly tableName: string,
    private readonly rowKey: string,
    private readonly now: () => Date,
  ) {}

  /**
   * Whether the migration is complete: true once the marker says so (then for good, without a
   * request); while it does not, the marker is read again at most once a minute. With no marker
   * and nothing to migrate (`nothingToMigrate()`: a new store), marks the migration complete.
   * @throws RestError when storage fails.
   */
  isComplete(nothingToMigrate: () => Promise<boolean>): Promise<boolean> {
    if (this.#complete) return Promise.resolve(true);
    if (Date.now() - this.#checkedAt < MARKER_RECHECK_MS) return Promise.resolve(false);
    this.#check ??= this.#checkComplete(nothingToMigrate).finally(() => {
      this.#check = undefined;
    });
    return this.#check;
  }

  /**
   * One run of the migration, for at most `budgetMs` (ms): resumes the current pass where the
   * marker says (`pages(continuation)`: the scan's pages of Table Storage rows from that token,
   * from the start without one), hands each page's rows to `migrate` (which answers how many of
   * them count as rows seen), records where the pass resumes after each page, and at the last page
   * ends the pass: complete when it saw no row or began `quietPeriodMs` after the first run, else
   * the next pass is scheduled for the quiet period's end. Stops when another instance changed the
   * marker meanwhile (one instance at a time is expected: a timer trigger's singleton lock).
   * With `tableMayBeMissing`, a scan that answers 404 is an empty table.
   * @returns whether the migration is complete (now or before) and how many rows this run read.
   * @throws whatever `migrate` throws; RestError when storage fails (the next run resumes from the last recorded page).
   */
  async run(options: {
    budgetMs: number;
    quietPeriodMs: number;
    pages: (continuation: string | undefined) => AsyncIterator<Array<Record<string, unknown>> & { continuationToken?: string }>;
    migrate: (rows: Array<Record<string, unknown>>) => Promise<number>;
    tableMayBeMissing?: boolean;
  }): Promise<{ done: boolean; rowsScanned: number }> {
    const deadline = Date.now() + options.budgetMs;
    let marker = await this.#beginRun();
    if (marker === "done") return { done: true, rowsScanned: 0 };
    if (marker === "waiting") return { done: false, rowsScanned: 0 };
    const pages = options.pages(marker.continuation || undefined);
    let rowsSeen = marker.rowsSeen;
    let rowsScanned = 0;
    for (;;) {
      const next = await pages.next().catch((e: unknown) => {
        if (options.tableMayBeMissing && statusOf(e) === 404) return { done: true as const, value: undefined };
        throw e;
      });
      const rows = next.done ? [] : next.value;
      rowsSeen += await options.migrate(rows);
      rowsScanned += rows.length;
      const continuation = next.done ? undefined : next.value.continuationToken;
      if (!continuation) return { done: await this.#endPass(marker, rowsSeen, options.quietPeriodMs), rowsScanned };
      const saved = await this.#save(marker, { ...marker, continuation, rowsSeen });
      if (!saved) return { done: false, rowsScanned };
      marker = saved;
      if (Date.now() >= deadline) return { done: false, rowsScanned };
    }
  }

  /**
   * Begins a run of the migration: `"done"` when it is complete, `"waiting"` when its next pass has
   * not begun yet (the quiet period) or another instance created the marker at the same moment,
   * else the marker to resume from (created on the first run).
   * @throws RestError when storage fails.
   */
  async #beginRun(): Promise<MigrationMarker | "done" | "waiting"> {
    let marker = await this.#read();
    if (marker?.doneAt) {
      this.#complete = true;
      return "done";
    }
    if (!marker) {
      const at = this.now().toISOString();
      marker = await this.#save(undefined, { startedAt: at, passStartedAt: at, continuation: "", rowsSeen: 0 });
      if (!marker) return "waiting";
    }
    return this.now().getTime() < Date.parse(marker.passStartedAt) ? "waiting" : marker;
  }

  /**
   * Ends a whole pass that saw `rowsSeen` rows: the migration is complete when it saw none or
   * began `quietPeriodMs` (ms) after the first run; otherwise the next pass is scheduled for the
   * quiet period's end (or now) and starts from the beginning.
   * @returns whether the migration is complete now.
   * @throws RestError when storage fails.
   */
  async #endPass(marker: MigrationMarker, rowsSeen: number, quietPeriodMs: number): Promise<boolean> {
    const quiet = Date.parse(marker.passStartedAt) - Date.parse(marker.startedAt) >= quietPeriodMs;
    if (rowsSeen === 0 || quiet) {
      const saved = await this.#save(marker, { ...marker, continuation: "", rowsSeen, doneAt: this.now().toISOString() });
      if (saved) this.#complete = true;
      return saved !== undefined;
    }
    const passStart = new Date(Math.max(this.now().getTime(), Date.parse(marker.startedAt) + quietPeriodMs)).toISOString();
    await this.#save(marker, { ...marker, passStartedAt: passStart, continuation: "", rowsSeen: 0 });
    return false;
  }

  async #checkComplete(nothingToMigrate: () => Promise<boolean>): Promise<boolean> {
    const marker = await this.#read();
    if (marker?.doneAt) {
      this.#complete = true;
      return true;
    }
    if (!marker && (await nothingToMigrate())) {
      const at = this.now().toISOString();
      // Another instance that created the marker at the same moment: its marker decides.
      if ((await this.#save(undefined, { startedAt: at, passStartedAt: at, continuation: "", rowsSeen: 0, doneAt: at })) || (await this.#read())?.doneAt) {
        this.#complete = true;
        return true;
      }
    }
    this.#checkedAt = Date.now();
    return false;
  }

  async #read(): Promise<MigrationMarker | undefined> {
    const table = await this.storage.getTable(this.tableName);
    try {
      const e = await table.getEntity<Record<string, unknown>>(MIGRATION_PK, this.rowKey);
      return {
        etag: e.etag,
        startedAt: String(e.startedAt),
        passStartedAt: String(e.passStartedAt),
        continuation: String(e.continuation ?? ""),
        rowsSeen: Number(e.rowsSeen ?? 0),
        ...(e.doneAt ? { doneAt: String(e.doneAt) } : {}),
      };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /** Creates (no `current`) or replaces (`If-Match` its ETag) the marker. @returns it as saved, or undefined on a conflict. */
  async #save(current: MigrationMarker | undefined, next: Omit<MigrationMarker, "etag">): Promise<MigrationMarker | undefined> {
    const table = await this.storage.getTable(this.tableName);
    const { doneAt, ...rest } = next;
    const entity = { partitionKey: MIGRATION_PK, rowKey: this.rowKey, ...rest, ...(doneAt ? { doneAt } : {}) };
    try {
      const r = current ? await table.updateEntity(entity, "Replace", { etag: current.etag }) : await table.createEntity(entity);
      return { ...next, etag: r.etag ?? "" };
    } catch (e) {
      const status = statusOf(e);
      if (status === 409 || status === 412) return undefined;
      throw e;
    }
  }
}

/** Whether the marker's partition is the one a row is in (a migration's scan skips it). */
export function isMigrationMarkerPartition(partitionKey: string): boolean {
  return partitionKey === MIGRATION_PK;
}
