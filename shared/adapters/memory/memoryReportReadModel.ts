/**
 * The reports' read model in memory. For unit tests of logic and local experiments, not
 * production: nothing survives the process.
 */
import type { CaseFact, DayAggregate, ReportGrouping, ReportSeries } from "../../contracts";
import { rollupStartOf } from "../../domain";
import type { ReportReadModel, StoredReportDay, StoredReportRollup } from "../../ports";
import { copy, keyOf } from "./memoryStore";

interface DayRow {
  aggregate?: DayAggregate;
  dirty: boolean;
  version: number;
}

/**
 * {@link ReportReadModel} in memory, behaving as TableReportReadModel: facts by partner, series,
 * creation instant and case id; a day row per partner, series and UTC date, and a rollup row per
 * partner, series, grain and period, whose version changes on every write (a fact of the day or
 * period, or its recomputation); values copied on write and on read.
 */
export class MemoryReportReadModel implements ReportReadModel {
  readonly #facts = new Map<string, Map<string, CaseFact>>();
  readonly #days = new Map<string, DayRow>();
  readonly #rollups = new Map<string, DayRow>();
  readonly #ready = new Set<string>();
  #versions = 0;

  /** Stores the fact (replacing the case's earlier one) and marks its day dirty. */
  async putFact(partnerId: string, series: ReportSeries, fact: CaseFact): Promise<void> {
    const day = new Date(Date.parse(fact.createdAt)).toISOString().slice(0, 10);
    const key = keyOf(partnerId, series, day);
    const facts = this.#facts.get(key) ?? new Map<string, CaseFact>();
    facts.set(fact.caseId, copy(fact));
    this.#facts.set(key, facts);
    this.#markDirty(this.#days, key);
    for (const grain of ["month", "week"] as const) this.#markDirty(this.#rollups, keyOf(partnerId, series, grain, rollupStartOf(day, grain)));
  }

  /** The facts of a UTC day. */
  async listFacts(partnerId: string, series: ReportSeries, day: string): Promise<CaseFact[]> {
    return copy([...(this.#facts.get(keyOf(partnerId, series, day))?.values() ?? [])]);
  }

  /** One day, or undefined. */
  async getDay(partnerId: string, series: ReportSeries, day: string): Promise<StoredReportDay | undefined> {
    const row = this.#days.get(keyOf(partnerId, series, day));
    return row ? this.#view(day, row) : undefined;
  }

  /** The stored days in the range (both ends included), oldest first. */
  async listDays(partnerId: string, series: ReportSeries, fromDay: string | undefined, toDay: string | undefined): Promise<StoredReportDay[]> {
    const prefix = keyOf(partnerId, series, "");
    const out: StoredReportDay[] = [];
    for (const [key, row] of this.#days) {
      if (!key.startsWith(prefix)) continue;
      const day = key.slice(prefix.length);
      if ((fromDay !== undefined && day < fromDay) || (toDay !== undefined && day > toDay)) continue;
      out.push(this.#view(day, row));
    }
    return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  }

  /** Replaces the day's aggregate when its version is still `etag`. */
  async replaceDay(partnerId: string, series: ReportSeries, aggregate: DayAggregate, etag: string): Promise<boolean> {
    const key = keyOf(partnerId, series, aggregate.day);
    const row = this.#days.get(key);
    if (!row || String(row.version) !== etag) return false;
    this.#days.set(key, { aggregate: copy(aggregate), dirty: false, version: ++this.#versions });
    return true;
  }

  /** The rollups of a grain whose first day is in the range (both ends included), oldest first. */
  async listRollups(partnerId: string, series: ReportSeries, grain: ReportGrouping, fromStart: string | undefined, toStart: string | undefined): Promise<StoredReportRollup[]> {
    const prefix = keyOf(partnerId, series, grain, "");
    const out: StoredReportRollup[] = [];
    for (const [key, row] of this.#rollups) {
      if (!key.startsWith(prefix)) continue;
      const start = key.slice(prefix.length);
      if ((fromStart !== undefined && start < fromStart) || (toStart !== undefined && start > toStart)) continue;
      const { day, ...rest } = this.#view(start, row);
      out.push({ grain, start: day, ...rest });
    }
    return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  /** Replaces the rollup's aggregate when its version is still `etag`. */
  async replaceRollup(partnerId: string, series: ReportSeries, grain: ReportGrouping, aggregate: DayAggregate, etag: string): Promise<boolean> {
    const key = keyOf(partnerId, series, grain, aggregate.day);
    const row = this.#rollups.get(key);
    if (!row || String(row.version) !== etag) return false;
    this.#rollups.set(key, { aggregate: copy(aggregate), dirty: false, version: ++this.#versions });
    return true;
  }

  /** Whether {@link prepareRollups} ran for the series. */
  async rollupsReady(partnerId: string, series: ReportSeries): Promise<boolean> {
    return this.#ready.has(keyOf(partnerId, series));
  }

  /** The dates of the series' day rows, oldest first. */
  async listDayKeys(partnerId: string, series: ReportSeries): Promise<string[]> {
    return (await this.listDays(partnerId, series, undefined, undefined)).map((d) => d.day);
  }

  /** Marks the rollups dirty, then the series ready. */
  async prepareRollups(partnerId: string, series: ReportSeries, rollups: ReadonlyArray<{ grain: ReportGrouping; start: string }>): Promise<void> {
    for (const r of rollups) this.#markDirty(this.#rollups, keyOf(partnerId, series, r.grain, r.start));
    this.#ready.add(keyOf(partnerId, series));
  }

  #markDirty(rows: Map<string, DayRow>, key: string): void {
    const row = rows.get(key);
    rows.set(key, { ...(row?.aggregate ? { aggregate: row.aggregate } : {}), dirty: true, version: ++this.#versions });
  }

  #view(day: string, row: DayRow): StoredReportDay {
    return { day, ...(row.aggregate ? { aggregate: copy(row.aggregate) } : {}), dirty: row.dirty, etag: String(row.version) };
  }
}
