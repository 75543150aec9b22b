/**
 * Contract of the ReportReadModel port (shared/ports): what a caller observes of any adapter.
 */
import type { CaseFact, DayAggregate } from "../../shared/contracts";
import type { ReportReadModel } from "../../shared/ports";
import type { MakeAdapter } from "./support";

const metric = { achieved: 0, breached: 0, inProgress: 1, elapsedInMs: [], pausedInMs: 0 };

/** A fact of a request created at `createdAt`. */
function fact(caseId: string, createdAt: string, overrides: Partial<CaseFact> = {}): CaseFact {
  return {
    caseId,
    createdAt,
    severity: "B",
    category: "technical",
    product: "azure",
    channel: "webhook",
    customerTenantId: "2b7e3c1a-5d4f-4e8a-9b6c-1d2e3f4a5b6c",
    status: "in-diagnosis",
    sla: { "first-response": { ...metric, elapsedInMs: [60_000] }, "next-update": metric, resolution: metric },
    ...overrides,
  };
}

const aggregate = (day: string, cases: number): DayAggregate => ({ day, cases, cells: {} });

/** Defines the ReportReadModel contract tests for an adapter. */
export function describeReportReadModelContract(name: string, makeAdapter: MakeAdapter<ReportReadModel>): void {
  describe(`ReportReadModel contract: ${name}`, () => {
    it("keeps one fact per request, listed by the UTC day it was created, per partner and series", async () => {
      const model = await makeAdapter(() => new Date());
      await model.putFact("p-rep", "own", fact("CS-REP0000001", "2026-03-02T00:00:00.000Z"));
      await model.putFact("p-rep", "own", fact("CS-REP0000002", "2026-03-02T23:59:59.999Z"));
      await model.putFact("p-rep", "own", fact("CS-REP0000003", "2026-03-03T00:00:00.000Z"));
      // A second write of a request replaces its fact.
      await model.putFact("p-rep", "own", fact("CS-REP0000001", "2026-03-02T00:00:00.000Z", { status: "resolved", resolvedAt: "2026-03-02T05:00:00.000Z" }));
      await model.putFact("p-rep", "reseller", fact("CS-REP0000009", "2026-03-02T10:00:00.000Z", { resellerPartnerId: "p-res" }));
      const day = await model.listFacts("p-rep", "own", "2026-03-02");
      expect(day.map((f) => f.caseId).sort()).toEqual(["CS-REP0000001", "CS-REP0000002"]);
      expect(day.find((f) => f.caseId === "CS-REP0000001")).toEqual(fact("CS-REP0000001", "2026-03-02T00:00:00.000Z", { status: "resolved", resolvedAt: "2026-03-02T05:00:00.000Z" }));
      expect((await model.listFacts("p-rep", "own", "2026-03-03")).map((f) => f.caseId)).toEqual(["CS-REP0000003"]);
      expect((await model.listFacts("p-rep", "reseller", "2026-03-02")).map((f) => f.resellerPartnerId)).toEqual(["p-res"]);
      expect(await model.listFacts("p-rep", "own", "2026-03-01")).toEqual([]);
      expect(await model.listFacts("p-other", "own", "2026-03-02")).toEqual([]);
    });

    it("marks a day dirty with every fact written to it, and replaces it only at the version it was read", async () => {
      const model = await makeAdapter(() => new Date());
      expect(await model.getDay("p-rep", "own", "2026-03-02")).toBeUndefined();
      await model.putFact("p-rep", "own", fact("CS-REP0000001", "2026-03-02T08:00:00.000Z"));
      const dirty = await model.getDay("p-rep", "own", "2026-03-02");
      expect(dirty).toMatchObject({ day: "2026-03-02", dirty: true });
      expect(dirty?.aggregate).toBeUndefined();
      expect(await model.replaceDay("p-rep", "own", aggregate("2026-03-02", 1), dirty!.etag)).toBe(true);
      const clean = await model.getDay("p-rep", "own", "2026-03-02");
      expect(clean).toMatchObject({ day: "2026-03-02", dirty: false, aggregate: aggregate("2026-03-02", 1) });
      // A fact written after the day was read: the recomputation from that read is refused.
      const read = clean!;
      await model.putFact("p-rep", "own", fact("CS-REP0000002", "2026-03-02T09:00:00.000Z"));
      expect(await model.replaceDay("p-rep", "own", aggregate("2026-03-02", 1), read.etag)).toBe(false);
      const again = await model.getDay("p-rep", "own", "2026-03-02");
      expect(again).toMatchObject({ dirty: true, aggregate: aggregate("2026-03-02", 1) });
      expect(await model.replaceDay("p-rep", "own", aggregate("2026-03-02", 2), again!.etag)).toBe(true);
      expect((await model.getDay("p-rep", "own", "2026-03-02"))?.aggregate?.cases).toBe(2);
      // A day that was never written cannot be replaced.
      expect(await model.replaceDay("p-rep", "own", aggregate("2026-03-05", 0), again!.etag)).toBe(false);
      expect(await model.getDay("p-rep", "own", "2026-03-05")).toBeUndefined();
    });

    it("lists the days of a range, both ends included, oldest first, per partner and series", async () => {
      const model = await makeAdapter(() => new Date());
      for (const day of ["2026-03-05", "2026-02-28", "2026-03-01", "2026-03-31", "2026-04-01"]) await model.putFact("p-rep", "own", fact(`CS-${day}`, `${day}T12:00:00.000Z`));
      await model.putFact("p-rep", "reseller", fact("CS-R", "2026-03-02T12:00:00.000Z"));
      await model.putFact("p-other", "own", fact("CS-O", "2026-03-02T12:00:00.000Z"));
      expect((await model.listDays("p-rep", "own", "2026-03-01", "2026-03-31")).map((d) => d.day)).toEqual(["2026-03-01", "2026-03-05", "2026-03-31"]);
      expect((await model.listDays("p-rep", "own", undefined, "2026-03-01")).map((d) => d.day)).toEqual(["2026-02-28", "2026-03-01"]);
      expect((await model.listDays("p-rep", "own", "2026-03-31", undefined)).map((d) => d.day)).toEqual(["2026-03-31", "2026-04-01"]);
      expect((await model.listDays("p-rep", "reseller", undefined, undefined)).map((d) => d.day)).toEqual(["2026-03-02"]);
      expect(await model.listDays("p-none", "own", undefined, undefined)).toEqual([]);
      const [first] = await model.listDays("p-rep", "own", "2026-03-01", "2026-03-01");
      expect(first).toMatchObject({ day: "2026-03-01", dirty: true });
      expect(await model.replaceDay("p-rep", "own", aggregate("2026-03-01", 1), first!.etag)).toBe(true);
      expect((await model.listDays("p-rep", "own", "2026-03-01", "2026-03-01"))[0]).toMatchObject({ dirty: false, aggregate: aggregate("2026-03-01", 1) });
    });

    it("marks the month and the ISO week of every fact dirty, lists them by grain and range, and replaces one only at the version it was read", async () => {
      const model = await makeAdapter(() => new Date());
      expect(await model.listRollups("p-rep", "own", "month", undefined, undefined)).toEqual([]);
      // Sunday 2026-03-01 is in the ISO week of Monday 2026-02-23; Monday 2026-03-02 starts the next.
      for (const at of ["2026-03-01T23:00:00.000Z", "2026-03-02T00:00:00.000Z", "2026-04-30T12:00:00.000Z"]) await model.putFact("p-rep", "own", fact(`CS-${at}`, at));
      await model.putFact("p-rep", "reseller", fact("CS-R", "2026-05-04T12:00:00.000Z"));
      const months = await model.listRollups("p-rep", "own", "month", undefined, undefined);
      expect(months.map((r) => [r.grain, r.start, r.dirty, r.aggregate])).toEqual([
        ["month", "2026-03-01", true, undefined],
        ["month", "2026-04-01", true, undefined],
      ]);
      expect((await model.listRollups("p-rep", "own", "week", undefined, undefined)).map((r) => r.start)).toEqual(["2026-02-23", "2026-03-02", "2026-04-27"]);
      expect((await model.listRollups("p-rep", "own", "week", "2026-02-24", "2026-04-27")).map((r) => r.start)).toEqual(["2026-03-02", "2026-04-27"]);
      expect((await model.listRollups("p-rep", "own", "week", undefined, "2026-03-02")).map((r) => r.start)).toEqual(["2026-02-23", "2026-03-02"]);
      expect((await model.listRollups("p-rep", "reseller", "month", undefined, undefined)).map((r) => r.start)).toEqual(["2026-05-01"]);
      expect(await model.listRollups("p-other", "own", "week", undefined, undefined)).toEqual([]);

      const march = months[0]!;
      expect(await model.replaceRollup("p-rep", "own", "month", aggregate("2026-03-01", 2), march.etag)).toBe(true);
      const [clean] = await model.listRollups("p-rep", "own", "month", "2026-03-01", "2026-03-01");
      expect(clean).toMatchObject({ start: "2026-03-01", dirty: false, aggregate: aggregate("2026-03-01", 2) });
      // A fact of the month written after the read: the recomputation from that read is refused, the
      // stored aggregate stays (dirty) until one from a later read replaces it.
      await model.putFact("p-rep", "own", fact("CS-LATE", "2026-03-31T23:59:59.999Z"));
      expect(await model.replaceRollup("p-rep", "own", "month", aggregate("2026-03-01", 2), clean!.etag)).toBe(false);
      const [again] = await model.listRollups("p-rep", "own", "month", "2026-03-01", "2026-03-01");
      expect(again).toMatchObject({ dirty: true, aggregate: aggregate("2026-03-01", 2) });
      expect(await model.replaceRollup("p-rep", "own", "month", aggregate("2026-03-01", 3), again!.etag)).toBe(true);
      // The week rollups are rows of their own: replacing a month left them as they were.
      expect((await model.listRollups("p-rep", "own", "week", "2026-03-30", "2026-03-30"))[0]).toMatchObject({ dirty: true });
      // A period that has no row cannot be replaced.
      expect(await model.replaceRollup("p-rep", "own", "month", aggregate("2026-06-01", 0), again!.etag)).toBe(false);
      expect(await model.listRollups("p-rep", "own", "month", "2026-06-01", "2026-06-01")).toEqual([]);
    });

    it("lists the dates of the day rows and marks given rollups dirty and the series ready, per partner and series", async () => {
      const model = await makeAdapter(() => new Date());
      for (const day of ["2026-03-05", "2026-02-28"]) await model.putFact("p-rep", "own", fact(`CS-${day}`, `${day}T12:00:00.000Z`));
      expect(await model.listDayKeys("p-rep", "own")).toEqual(["2026-02-28", "2026-03-05"]);
      expect(await model.listDayKeys("p-rep", "reseller")).toEqual([]);
      expect(await model.rollupsReady("p-rep", "own")).toBe(false);
      const [feb] = await model.listRollups("p-rep", "own", "month", "2026-02-01", "2026-02-01");
      expect(await model.replaceRollup("p-rep", "own", "month", aggregate("2026-02-01", 1), feb!.etag)).toBe(true);
      await model.prepareRollups("p-rep", "own", [
        { grain: "month", start: "2026-02-01" },
        { grain: "month", start: "2026-01-01" },
      ]);
      expect(await model.rollupsReady("p-rep", "own")).toBe(true);
      expect(await model.rollupsReady("p-rep", "reseller")).toBe(false);
      expect(await model.rollupsReady("p-other", "own")).toBe(false);
      // Marking keeps a stored aggregate (dirty) and creates the rows that were missing.
      expect((await model.listRollups("p-rep", "own", "month", undefined, undefined)).map((r) => [r.start, r.dirty, r.aggregate?.cases])).toEqual([
        ["2026-01-01", true, undefined],
        ["2026-02-01", true, 1],
        ["2026-03-01", true, undefined],
      ]);
      await model.prepareRollups("p-rep", "reseller", []);
      expect(await model.rollupsReady("p-rep", "reseller")).toBe(true);
      expect(await model.listRollups("p-rep", "reseller", "week", undefined, undefined)).toEqual([]);
    });

    it("is not changed through objects a caller passed in or got back", async () => {
      const model = await makeAdapter(() => new Date());
      const f = fact("CS-REP0000001", "2026-03-02T08:00:00.000Z");
      await model.putFact("p-rep", "own", f);
      f.status = "closed";
      const [read] = await model.listFacts("p-rep", "own", "2026-03-02");
      read!.product = "sql-server";
      expect(await model.listFacts("p-rep", "own", "2026-03-02")).toEqual([fact("CS-REP0000001", "2026-03-02T08:00:00.000Z")]);
    });
  });
}
