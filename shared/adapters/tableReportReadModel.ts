/**
 * The reports' read model in Table Storage (docs/architecture.md "The reports' read model").
 *
 * Table `<prefix>ReportReadModel`, PartitionKey = the partner id (encoded), so a fact and its day
 * row share a partition and are written in one entity-group transaction:
 * - a fact per request, RowKey `f|<series>|<createdAt ISO 8601 UTC>|<caseId>`: the request's fact
 *   (JSON over `json0…`), replaced whole by every write;
 * - a day per UTC date, RowKey `d|<series>|<YYYY-MM-DD>`: the day's aggregate (JSON over
 *   `json0…`) and `dirty`. Writing a fact merges `dirty: true` onto its day row in the same
 *   transaction, which also changes the row's ETag; a recomputation replaces the row with
 *   `If-Match` of the ETag it read before listing the day's facts, so it fails (412) whenever a fact
 *   of the day was written after that read, and the day stays dirty.
 * A report reads the day rows of its range: at most one row per day per series.
 */
import { odata } from "@azure/data-tables";
import type { CaseFact, DayAggregate, ReportSeries } from "../contracts";
import type { ReportReadModel, StoredReportDay } from "../ports";
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

/** {@link ReportReadModel} over Azure Table Storage. */
export class TableReportReadModel implements ReportReadModel {
  /** @param storage - table access. */
  constructor(private readonly storage: TableStorage) {}

  /** Replaces the fact and merges `dirty: true` onto its day row, in one transaction. @throws RestError when storage fails. */
  async putFact(partnerId: string, series: ReportSeries, fact: CaseFact): Promise<void> {
    const table = await this.storage.getTable(REPORT_READ_MODEL_TABLE);
    const pk = encodeKey(partnerId);
    const day = new Date(Date.parse(fact.createdAt)).toISOString().slice(0, 10);
    await table.submitTransaction([
      ["upsert", { partitionKey: pk, rowKey: reportFactRowKey(series, fact.createdAt, fact.caseId), day, ...packJson(fact) }, "Replace"],
      ["upsert", { partitionKey: pk, rowKey: reportDayRowKey(series, day), dirty: true }, "Merge"],
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
    const table = await this.storage.getTable(REPORT_READ_MODEL_TABLE);
    try {
      await table.updateEntity({ partitionKey: encodeKey(partnerId), rowKey: reportDayRowKey(series, aggregate.day), dirty: false, ...packJson(aggregate) }, "Replace", { etag });
      return true;
    } catch (e) {
      const status = statusOf(e);
      if (status === 412 || status === 404) return false;
      throw e;
    }
  }
}

function dayOf(day: string, e: StoredEntity): StoredReportDay {
  const hasAggregate = Number(e.jsonParts ?? 0) > 0;
  return { day, ...(hasAggregate ? { aggregate: unpackJson<DayAggregate>(e) } : {}), dirty: e.dirty === true, etag: String(e.etag) };
}
