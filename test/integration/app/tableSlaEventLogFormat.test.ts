/**
 * TableSlaEventLog's stored format on the Jest Azurite: the log of a case in one row read by its
 * keys (with overflow pages for long logs), the rows of the earlier format (one row per event)
 * read and merged until the migration has copied them, the migration's quiet period and the
 * rows it cannot read.
 */
import { TableClient } from "@azure/data-tables";
import { encodeKey, packJson, TableNames, TableSlaEventLog, TableStorage } from "../../../shared/adapters";
import type { SlaEventWithId } from "../../../shared/ports";
import { testConfig } from "./helpers";

function freshStorage(): { storage: TableStorage; table: (name: string) => TableClient } {
  const config = testConfig("slalog");
  const storage = new TableStorage({ connectionString: config.AzureWebJobsStorage, tablePrefix: config.TABLE_PREFIX });
  return { storage, table: (name) => TableClient.fromConnectionString(config.AzureWebJobsStorage, storage.tableName(name), { allowInsecureConnection: true }) };
}

function event(eventId: string, at: string, extra: Partial<SlaEventWithId> = {}): SlaEventWithId {
  return { eventId, metric: "resolution", type: "warn", percent: 50, at, policyId: "default", ...extra } as SlaEventWithId;
}

/** Writes events as the earlier code stored them: one row per event in `SlaEvents`, keyed by the encoded eventId. */
async function writeEarlierFormat(table: TableClient, partnerId: string, caseId: string, events: SlaEventWithId[], writtenAt: string): Promise<void> {
  await table.createTable().catch(() => undefined);
  const pk = `${encodeKey(partnerId)}_${encodeKey(caseId)}`;
  for (const [ordinal, e] of events.entries()) {
    await table.createEntity({ partitionKey: pk, rowKey: encodeKey(e.eventId), at: e.at, metric: e.metric, type: e.type, writtenAt, ordinal, ...packJson(e) });
  }
}

describe("TableSlaEventLog stored format", () => {
  const earlier = [
    event("0001-0001", "2026-03-02T08:00:00.000Z", { metric: "first-response", type: "activate", target: "PT4H" } as Partial<SlaEventWithId>),
    event("0001-0002", "2026-03-02T08:00:00.000Z", { type: "activate", target: "P2D" } as Partial<SlaEventWithId>),
    event("0001-0003", "2026-03-02T09:00:00.000Z", { type: "pause", reason: "status awaiting-customer" } as Partial<SlaEventWithId>),
  ];

  it("reads the earlier format's rows with the new ones until the migration has copied them, then only the new format", async () => {
    const { storage, table } = freshStorage();
    await writeEarlierFormat(table(TableNames.slaEvents), "p-old", "CS-OLD0000001", earlier, "2026-03-02T09:00:01.000Z");
    let now = new Date("2026-03-03T10:00:00.000Z");
    const log = new TableSlaEventLog(storage, () => now);

    expect((await log.list("p-old", "CS-OLD0000001")).map((e) => e.eventId)).toEqual(["0001-0001", "0001-0002", "0001-0003"]);
    // A retried step appends an event the earlier format already holds, and a new one: only the new
    // one is logged — even said to start the log (the new format has no row yet), since the earlier
    // format is still read.
    const resumed = event("0002-0001", "2026-03-03T09:30:00.000Z", { type: "resume" } as Partial<SlaEventWithId>);
    const appended = await log.append("p-old", "CS-OLD0000001", [earlier[2]!, resumed], { startsLog: true });
    expect(appended.appended).toBe(1);
    expect(appended.log.map((e) => e.eventId)).toEqual(["0001-0001", "0001-0002", "0001-0003", "0002-0001"]);

    // First run: a whole pass, not yet past the quiet period (earlier instances may still write).
    const first = await log.migrateLegacyRows({ quietPeriodMs: 60_000 });
    expect(first).toEqual({ done: false, rowsScanned: 3, casesMerged: 1, eventsCopied: 3, unreadable: [] });
    // The earlier code, still running, logs one more event the old way during the quiet period.
    const late = event("0001-0004", "2026-03-03T09:45:00.000Z", { type: "warn", percent: 75 } as Partial<SlaEventWithId>);
    await writeEarlierFormat(table(TableNames.slaEvents), "p-old", "CS-OLD0000001", [late], "2026-03-03T09:45:00.500Z");
    expect(await log.migrateLegacyRows({ quietPeriodMs: 60_000 })).toEqual({ done: false, rowsScanned: 0, casesMerged: 0, eventsCopied: 0, unreadable: [] });

    now = new Date(now.getTime() + 61_000);
    expect(await log.migrateLegacyRows({ quietPeriodMs: 60_000 })).toEqual({ done: true, rowsScanned: 4, casesMerged: 1, eventsCopied: 1, unreadable: [] });
    expect((await log.migrateLegacyRows()).done).toBe(true);

    // From now on a row of the earlier format is not read: everything it held is in the new one.
    await writeEarlierFormat(table(TableNames.slaEvents), "p-old", "CS-OLD0000001", [event("stray", "2026-03-03T11:00:00.000Z")], "2026-03-03T11:00:00.000Z");
    const expected = ["0001-0001", "0001-0002", "0001-0003", "0002-0001", "0001-0004"];
    expect((await log.list("p-old", "CS-OLD0000001")).map((e) => e.eventId)).toEqual(expected);
    // Another process (a new adapter) learns it from the marker.
    const other = new TableSlaEventLog(storage, () => now);
    expect((await other.list("p-old", "CS-OLD0000001")).map((e) => e.eventId)).toEqual(expected);
    expect((await other.list("p-old", "CS-OLD0000001"))[2]).toEqual(earlier[2]);
  });

  it("marks a store without rows of the earlier format migrated on first use", async () => {
    const { storage, table } = freshStorage();
    const log = new TableSlaEventLog(storage);
    await log.append("p-new", "CS-NEW0000001", earlier);
    // The earlier format's table is looked for, not created.
    const tables: string[] = [];
    for await (const t of storage.serviceClient.listTables({ queryOptions: { filter: `TableName ge '${storage.tableName("")}' and TableName lt '${storage.tableName("")}~'` } })) tables.push(String(t.name));
    expect(tables).toEqual([storage.tableName(TableNames.slaLogs)]);
    // A row the earlier format would hold is never read: the store was marked migrated.
    await writeEarlierFormat(table(TableNames.slaEvents), "p-new", "CS-NEW0000001", [event("stray", "2026-03-02T08:30:00.000Z")], "2026-03-02T08:30:00.000Z");
    expect(await new TableSlaEventLog(storage).list("p-new", "CS-NEW0000001")).toEqual(earlier);
    expect(await log.migrateLegacyRows()).toEqual({ done: true, rowsScanned: 0, casesMerged: 0, eventsCopied: 0, unreadable: [] });
  });

  it("reports rows of the earlier format it cannot read and copies the rest", async () => {
    const { storage, table } = freshStorage();
    const legacy = table(TableNames.slaEvents);
    await writeEarlierFormat(legacy, "p-bad", "CS-BAD0000001", earlier.slice(0, 1), "2026-03-02T08:00:01.000Z");
    await legacy.createEntity({ partitionKey: "p-bad_CS-BAD0000001", rowKey: "0001-0009", writtenAt: "2026-03-02T08:00:02.000Z", ordinal: 0, json0: "{\"eventId\":", jsonParts: 1 });
    const log = new TableSlaEventLog(storage);
    const report = await log.migrateLegacyRows({ quietPeriodMs: 0 });
    expect(report).toEqual({ done: true, rowsScanned: 2, casesMerged: 1, eventsCopied: 1, unreadable: ["p-bad_CS-BAD0000001/0001-0009"] });
    expect(await log.list("p-bad", "CS-BAD0000001")).toEqual(earlier.slice(0, 1));
  });

  it("keeps a log far beyond one row's size, in order, across overflow pages", async () => {
    const { storage, table } = freshStorage();
    const log = new TableSlaEventLog(storage);
    const at = (i: number) => new Date(Date.UTC(2026, 2, 2) + i * 60_000).toISOString();
    const many = Array.from({ length: 2_000 }, (_, i) => event(`${String(i).padStart(4, "0")}-warn`, at(i), { reason: `note ${"x".repeat(100)}` } as Partial<SlaEventWithId>));
    // One append that fills pages at once, then appends of 100 as a long-running case makes.
    expect((await log.append("p-long", "CS-LONG000001", many.slice(0, 1_200))).appended).toBe(1_200);
    for (let i = 1_200; i < many.length; i += 100) await log.append("p-long", "CS-LONG000001", many.slice(i, i + 100));
    const read = await new TableSlaEventLog(storage).list("p-long", "CS-LONG000001");
    expect(read).toEqual(many);
    const rows: string[] = [];
    for await (const e of table(TableNames.slaLogs).listEntities({ queryOptions: { filter: "PartitionKey eq 'p-long_CS-LONG000001'" } })) rows.push(String(e.rowKey));
    expect(rows.length).toBeGreaterThan(2);
    expect(rows[0]).toBe("log");
    // A retried append of the whole log adds nothing.
    expect((await log.append("p-long", "CS-LONG000001", many.slice(1_900))).appended).toBe(0);
  });
});
