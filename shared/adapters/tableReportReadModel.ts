/**
 * The reports' read model in Table Storage (docs/architecture.md "The reports' read model").
 *
 * Table `<prefix>ReportReadModel`, PartitionKey = the partner id (encoded), so a fact and its day
 * row share a partition and are written in one entity-group transaction:
 * - a fact per request, RowKey `f|<series>|<createdAt ISO 8601 UTC>|<caseId>`: the request's fact
 *   (JSON over `json0…`), replaced whole by every write;
 * - a day per UTC date, RowKey `d|<series>|<YYYY-MM-DD>`: the day's aggregate in a compact form
 *   (positional arrays, {@link encodeDayAggregate}) as gzip-compressed JSON in binary properties
 *   `gz0…` (each within the 64 KiB property limit) and `gzParts`, and `dirty`. Compact and
 *   compressed because a report reads and parses a year of them. Writing a fact merges `dirty: true` onto its day row in the same
 *   transaction, which also changes the row's ETag; a recomputation replaces the row with
 *   `If-Match` of the ETag it read before listing the day's facts, so it fails (412) whenever a fact
 *   of the day was written after that read, and the day stays dirty.
 * - a rollup per calendar month and per ISO week, RowKey `r|<series>|m|<YYYY-MM-01>` or
 *   `r|<series>|w|<Monday>`: the merge of the period's days, stored as a day row is (dated by the
 *   period's first day), and `dirty`. Writing a fact merges `dirty: true` onto its month and week
 *   rollups in the same transaction as onto its day; a rollup is replaced with `If-Match` of the
 *   ETag it was read with before its days were read.
 * - `r|<series>|ready`: present once every day row of the series has its rollup rows.
 * A report reads the rollups of the whole months or weeks of its range and the day rows at its
 * ends: a year by month is 12 rollups and at most 30 days.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { odata } from "@azure/data-tables";
import { Channels, SupportVehicles, type CaseFact, type DayAggregate, type MetricAggregate, type ReportCell, type ReportGrouping, type ReportSeries } from "../contracts";
import { rollupStartOf } from "../domain";
import type { ReportReadModel, StoredReportDay, StoredReportRollup } from "../ports";
import { encodeKey, packJson, statusOf, TableNames, unpackJson, type StoredEntity, type TableStorage } from "./tableStorage";

const REPORT_READ_MODEL_TABLE = TableNames.reports;

/** RowKey of a request's fact. */
export function reportFactRowKey(series: ReportSeries, createdAt: string, caseId: string): string {
  return `f|${series}|${new Date(Date.parse(createdAt)).toISOString()}|${encodeKey(caseId)}`;
}

/** RowKey of a day row. */
export function reportDayRowKey(series: ReportSeries, day: string): string {
  return `d|${series}|${day}`;
}

/** RowKey of a rollup (`start`: the period's first day). */
export function reportRollupRowKey(series: ReportSeries, grain: ReportGrouping, start: string): string {
  return `r|${series}|${grain === "month" ? "m" : "w"}|${start}`;
}

/** RowKey of the row marking a series' rollups ready. */
function rollupsReadyRowKey(series: ReportSeries): string {
  return `r|${series}|ready`;
}

/** Operations per entity-group transaction (the service's limit). */
const MAX_BATCH = 100;

/** {@link ReportReadModel} over Azure Table Storage. */
export class TableReportReadModel implements ReportReadModel {
  /** Series (`<partition>|<series>`) seen ready: the mark is never removed, so it is read once per process. */
  readonly #ready = new Set<string>();

  /** @param storage - table access. */
  constructor(private readonly storage: TableStorage) {}

  /**
   * Replaces the fact and merges `dirty: true` onto its day row and its month and week rollups, in
   * one transaction. @throws RestError when storage fails.
   */
  async putFact(partnerId: string, series: ReportSeries, fact: CaseFact): Promise<void> {
    const table = await this.storage.getTable(REPORT_READ_MODEL_TABLE);
    const pk = encodeKey(partnerId);
    const day = new Date(Date.parse(fact.createdAt)).toISOString().slice(0, 10);
    await table.submitTransaction([
      ["upsert", { partitionKey: pk, rowKey: reportFactRowKey(series, fact.createdAt, fact.caseId), day, ...packJson(fact) }, "Replace"],
      ["upsert", { partitionKey: pk, rowKey: reportDayRowKey(series, day), dirty: true }, "Merge"],
      ["upsert", { partitionKey: pk, rowKey: reportRollupRowKey(series, "month", rollupStartOf(day, "month")), dirty: true }, "Merge"],
      ["upsert", { partitionKey: pk, rowKey: reportRollupRowKey(series, "week", rollupStartOf(day, "week")), dirty: true }, "Merge"],
    ]);
  }

  /** The facts of a UTC day (a RowKey range). @throws RestError when storage fails. */
  async listFacts(partnerId: string, series: ReportSeries, day: string): Promise<CaseFact[]> {
    const table = await this.storage.getTable(REPORT_READ_MODEL_TABLE);
    const out: CaseFact[] = [];
    const filter = odata`PartitionKey eq ${encodeKey(partnerId)} and RowKey ge ${`f|${series}|${day}`} and RowKey lt ${`f|${series}|${day}~`}`;
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) out.push(unpackJson<CaseFact>(e));
    return out;
  }

  /** One day, or undefined. @throws RestError when storage fails. */
  async getDay(partnerId: string, series: ReportSeries, day: string): Promise<StoredReportDay | undefined> {
    const table = await this.storage.getTable(REPORT_READ_MODEL_TABLE);
    try {
      return dayOf(day, await table.getEntity<Record<string, unknown>>(encodeKey(partnerId), reportDayRowKey(series, day)));
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /** The day rows in the range, oldest first (a RowKey range). @throws RestError when storage fails. */
  async listDays(partnerId: string, series: ReportSeries, fromDay: string | undefined, toDay: string | undefined): Promise<StoredReportDay[]> {
    const table = await this.storage.getTable(REPORT_READ_MODEL_TABLE);
    const lower = reportDayRowKey(series, fromDay ?? "");
    const upper = reportDayRowKey(series, toDay ?? "~");
    const filter = odata`PartitionKey eq ${encodeKey(partnerId)} and RowKey ge ${lower} and RowKey le ${upper}`;
    const out: StoredReportDay[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) out.push(dayOf(String(e.rowKey).slice(reportDayRowKey(series, "").length), e));
    return out;
  }

  /** Replaces the day row with `If-Match: etag`. @returns false on 412 or 404. @throws RestError when storage fails otherwise. */
  async replaceDay(partnerId: string, series: ReportSeries, aggregate: DayAggregate, etag: string): Promise<boolean> {
    return this.#replaceIfMatch(partnerId, reportDayRowKey(series, aggregate.day), aggregate, etag);
  }

  /** The rollup rows of a grain in the range, oldest first (a RowKey range). @throws RestError when storage fails. */
  async listRollups(partnerId: string, series: ReportSeries, grain: ReportGrouping, fromStart: string | undefined, toStart: string | undefined): Promise<StoredReportRollup[]> {
    const table = await this.storage.getTable(REPORT_READ_MODEL_TABLE);
    const prefix = reportRollupRowKey(series, grain, "");
    const filter = odata`PartitionKey eq ${encodeKey(partnerId)} and RowKey ge ${prefix + (fromStart ?? "")} and RowKey le ${prefix + (toStart ?? "~")}`;
    const out: StoredReportRollup[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const { day, ...rest } = dayOf(String(e.rowKey).slice(prefix.length), e);
      out.push({ grain, start: day, ...rest });
    }
    return out;
  }

  /** Replaces the rollup row with `If-Match: etag`. @returns false on 412 or 404. @throws RestError when storage fails otherwise. */
  async replaceRollup(partnerId: string, series: ReportSeries, grain: ReportGrouping, aggregate: DayAggregate, etag: string): Promise<boolean> {
    return this.#replaceIfMatch(partnerId, reportRollupRowKey(series, grain, aggregate.day), aggregate, etag);
  }

  /** Whether the ready row exists (a point read, once per process when it does). @throws RestError when storage fails. */
  async rollupsReady(partnerId: string, series: ReportSeries): Promise<boolean> {
    const pk = encodeKey(partnerId);
    if (this.#ready.has(`${pk}|${series}`)) return true;
    const table = await this.storage.getTable(REPORT_READ_MODEL_TABLE);
    try {
      await table.getEntity(pk, rollupsReadyRowKey(series), { queryOptions: { select: ["RowKey"] } });
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw e;
    }
    this.#ready.add(`${pk}|${series}`);
    return true;
  }

  /** The dates of the day rows (only their RowKeys are read). @throws RestError when storage fails. */
  async listDayKeys(partnerId: string, series: ReportSeries): Promise<string[]> {
    const table = await this.storage.getTable(REPORT_READ_MODEL_TABLE);
    const prefix = reportDayRowKey(series, "");
    const filter = odata`PartitionKey eq ${encodeKey(partnerId)} and RowKey ge ${prefix} and RowKey le ${prefix + "~"}`;
    const out: string[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ["RowKey"] } })) out.push(String(e.rowKey).slice(prefix.length));
    return out;
  }

  /** Merges `dirty: true` onto the rollups (transactions of up to 100), then inserts or replaces the ready row. @throws RestError when storage fails. */
  async prepareRollups(partnerId: string, series: ReportSeries, rollups: ReadonlyArray<{ grain: ReportGrouping; start: string }>): Promise<void> {
    const table = await this.storage.getTable(REPORT_READ_MODEL_TABLE);
    const pk = encodeKey(partnerId);
    for (let i = 0; i < rollups.length; i += MAX_BATCH) {
      await table.submitTransaction(rollups.slice(i, i + MAX_BATCH).map((r) => ["upsert", { partitionKey: pk, rowKey: reportRollupRowKey(series, r.grain, r.start), dirty: true }, "Merge"]));
    }
    await table.upsertEntity({ partitionKey: pk, rowKey: rollupsReadyRowKey(series), ready: true }, "Replace");
    this.#ready.add(`${pk}|${series}`);
  }

  async #replaceIfMatch(partnerId: string, rowKey: string, aggregate: DayAggregate, etag: string): Promise<boolean> {
    const table = await this.storage.getTable(REPORT_READ_MODEL_TABLE);
    try {
      await table.updateEntity({ partitionKey: encodeKey(partnerId), rowKey, dirty: false, ...packDay(aggregate) }, "Replace", { etag });
      return true;
    } catch (e) {
      const status = statusOf(e);
      if (status === 412 || status === 404) return false;
      throw e;
    }
  }
}

/** Bytes per binary property: below the 64 KiB limit of one property. */
const GZ_CHUNK = 60_000;

const TARGETS = ["indirect-provider", "microsoft", "none"] as const;
const METRICS = ["first-response", "next-update", "resolution"] as const;
const DAY_MS = 86_400_000;

/** Counts in a fixed key order, as an array (absent keys 0). */
function countsToArray<K extends string>(keys: readonly K[], counts: Partial<Record<K, number>>): number[] {
  return keys.map((k) => counts[k] ?? 0);
}

/** Reverses {@link countsToArray}, leaving zero counts out. */
function arrayToCounts<K extends string>(keys: readonly K[], values: readonly number[] | undefined): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  keys.forEach((k, i) => {
    const n = values?.[i] ?? 0;
    if (n) out[k] = n;
  });
  return out;
}

/** A metric as `[achieved, breached, inProgress, pausedInMs, bucket, count, bucket, count, …]`. */
function encodeMetric(m: MetricAggregate): number[] {
  const out = [m.achieved, m.breached, m.inProgress, m.pausedInMs];
  for (const [bucket, n] of Object.entries(m.histogram)) out.push(Number(bucket), n);
  return out;
}

function decodeMetric(a: readonly number[]): MetricAggregate {
  const histogram: Record<string, number> = {};
  for (let i = 4; i + 1 < a.length; i += 2) histogram[String(a[i])] = a[i + 1] as number;
  return { achieved: a[0] ?? 0, breached: a[1] ?? 0, inProgress: a[2] ?? 0, pausedInMs: a[3] ?? 0, histogram };
}

/** A cell in the stored (compact) form: positional arrays instead of repeated member names. */
interface StoredCell {
  /** `severity|category|product`. */
  k: string;
  n: number;
  /** Per channel, in the order of `Channels`. */
  ch: number[];
  /** Resolution days as `[days after the row's day, count, …]`. */
  r: number[];
  /** Per metric, in the order of `SlaMetrics`: {@link encodeMetric}. */
  m: number[][];
  /** CSAT: `[count, sum, ratings of 1 … 5]`. */
  s: number[];
  /** Escalations per target, then per vehicle (the enums' order), then incidents used. */
  e: number[];
  c: Record<string, number>;
  rs?: Record<string, number>;
}

/**
 * The stored form of a day's aggregate: its cells as {@link StoredCell}s (about a third of the
 * JSON of the aggregate itself, which a report parses a year of).
 */
export function encodeDayAggregate(aggregate: DayAggregate): { v: 1; day: string; n: number; cells: StoredCell[] } {
  const base = Date.parse(`${aggregate.day}T00:00:00.000Z`);
  return {
    v: 1,
    day: aggregate.day,
    n: aggregate.cases,
    cells: Object.values(aggregate.cells).map((c) => ({
      k: `${c.severity}|${c.category}|${c.product}`,
      n: c.cases,
      ch: countsToArray(Channels, c.byChannel),
      r: Object.entries(c.resolvedByDay).flatMap(([day, n]) => [Math.round((Date.parse(`${day}T00:00:00.000Z`) - base) / DAY_MS), n]),
      m: METRICS.map((metric) => encodeMetric(c.sla[metric])),
      s: [c.csat.count, c.csat.sum, ...c.csat.distribution],
      e: [...countsToArray(TARGETS, c.escalationsByTarget), ...countsToArray(SupportVehicles, c.escalationsByVehicle), c.productSupportIncidentsUsed],
      c: c.customers,
      ...(Object.keys(c.resellers).length ? { rs: c.resellers } : {}),
    })),
  };
}

/** Reverses {@link encodeDayAggregate}. */
export function decodeDayAggregate(stored: ReturnType<typeof encodeDayAggregate>): DayAggregate {
  const base = Date.parse(`${stored.day}T00:00:00.000Z`);
  const dates = new Map<number, string>();
  const dateOf = (offset: number): string => {
    let date = dates.get(offset);
    if (date === undefined) dates.set(offset, (date = new Date(base + offset * DAY_MS).toISOString().slice(0, 10)));
    return date;
  };
  const cells: Record<string, ReportCell> = {};
  for (const c of stored.cells) {
    const [severity, category, product] = c.k.split("|") as [ReportCell["severity"], ReportCell["category"], ReportCell["product"]];
    const resolvedByDay: Record<string, number> = {};
    for (let i = 0; i + 1 < c.r.length; i += 2) resolvedByDay[dateOf(c.r[i] as number)] = c.r[i + 1] as number;
    const [count = 0, sum = 0, d1 = 0, d2 = 0, d3 = 0, d4 = 0, d5 = 0] = c.s;
    cells[c.k] = {
      severity,
      category,
      product,
      cases: c.n,
      byChannel: arrayToCounts(Channels, c.ch),
      resolvedByDay,
      sla: { "first-response": decodeMetric(c.m[0] ?? []), "next-update": decodeMetric(c.m[1] ?? []), resolution: decodeMetric(c.m[2] ?? []) },
      csat: { count, sum, distribution: [d1, d2, d3, d4, d5] },
      escalationsByTarget: arrayToCounts(TARGETS, c.e.slice(0, TARGETS.length)),
      escalationsByVehicle: arrayToCounts(SupportVehicles, c.e.slice(TARGETS.length, TARGETS.length + SupportVehicles.length)),
      productSupportIncidentsUsed: c.e[TARGETS.length + SupportVehicles.length] ?? 0,
      customers: c.c,
      resellers: c.rs ?? {},
    };
  }
  return { day: stored.day, cases: stored.n, cells };
}

/**
 * A day's aggregate as stored: gzip of the JSON of its compact form ({@link encodeDayAggregate})
 * over binary properties `gz0`, `gz1`, … plus `gzParts` (their count).
 */
export function packDay(aggregate: DayAggregate): Record<string, Uint8Array | number> {
  const bytes = gzipSync(Buffer.from(JSON.stringify(encodeDayAggregate(aggregate)), "utf8"));
  const out: Record<string, Uint8Array | number> = {};
  let parts = 0;
  for (let i = 0; i < bytes.length || parts === 0; i += GZ_CHUNK) out[`gz${parts++}`] = new Uint8Array(bytes.subarray(i, i + GZ_CHUNK));
  out.gzParts = parts;
  return out;
}

/**
 * Reverses {@link packDay}.
 * @throws Error when the stored bytes are not gzip or not JSON.
 */
export function unpackDay(entity: Record<string, unknown>): DayAggregate {
  const parts = Number(entity.gzParts ?? 0);
  const chunks: Buffer[] = [];
  for (let i = 0; i < parts; i++) {
    const v = entity[`gz${i}`];
    chunks.push(typeof v === "string" ? Buffer.from(v, "base64") : Buffer.from(v as Uint8Array));
  }
  return decodeDayAggregate(JSON.parse(gunzipSync(Buffer.concat(chunks)).toString("utf8")) as ReturnType<typeof encodeDayAggregate>);
}

function dayOf(day: string, e: StoredEntity): StoredReportDay {
  const hasAggregate = Number(e.gzParts ?? 0) > 0;
  return { day, ...(hasAggregate ? { aggregate: unpackDay(e) } : {}), dirty: e.dirty === true, etag: String(e.etag) };
}
