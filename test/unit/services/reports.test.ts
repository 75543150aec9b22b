/**
 * The reports' services (shared/services/reports.ts) over the in-memory adapters: the activities
 * keep the read model current (idempotently), a day or rollup recomputed from a stale read is not
 * stored, reports read from the rollups equal reports from the days while facts keep changing, an
 * indirect provider sees its resellers' escalated requests, the backfill rebuilds a partner, and
 * the query is validated with the parameter named.
 */
import fc from "fast-check";
import type { CaseFact, DayAggregate } from "../../../shared/contracts";
import { backlogDayOf, buildSlaReport, buildVolumeReport, rollupStartOf } from "../../../shared/domain";
import type { PartnerCredentialRecord, ReportReadModel } from "../../../shared/ports";
import { MemoryCaseActionInbox, MemoryCaseRepository, MemoryNotificationLog, MemoryPartnerRepository, MemoryProductSupportIncidentLedger, MemoryReportReadModel, MemorySlaEventLog, MemoryUnstartedWorkflows } from "../../../shared/adapters/memory";
import { createRecordCaseTransition, createRecordSlaEvents } from "../../../shared/services/activities";
import { getSlaReport, getVolumeReport, parseReportQuery, rebuildPartnerReports, recomputeReportDay, recordCaseFacts, submitSupportRequest, ValidationError, type CaseFactDeps, type SupportRequestDeps } from "../../../shared/services";
import { storedPartnerDefinition, TestClock } from "../../contracts/support";
import { supportRequestBody } from "../../support/builders";
import { caseFact, daysOf, filters, RANGE_DAYS, RANGE_START } from "../../support/reportFacts";
import { FakeWorkflow } from "../../support/fakeWorkflow";

const credentials: PartnerCredentialRecord = { webhookSecrets: [], apiKeyHashes: [] };
const march = { from: "2026-03-01", to: "2026-03-31" };

async function world() {
  const clock = new TestClock("2026-03-02T08:00:00.000Z");
  const partners = new MemoryPartnerRepository(clock.now);
  const reports = new MemoryReportReadModel();
  const deps: SupportRequestDeps = {
    partners,
    cases: new MemoryCaseRepository(),
    notifications: new MemoryNotificationLog(),
    inbox: new MemoryCaseActionInbox(clock.now),
    slaEvents: new MemorySlaEventLog(),
    psiLedger: new MemoryProductSupportIncidentLedger(partners),
    workflow: new FakeWorkflow(),
    unstartedWorkflows: new MemoryUnstartedWorkflows(),
    clock: { now: clock.now },
    publicBaseUrl: "http://127.0.0.1:7071",
  };
  const factDeps: CaseFactDeps = { cases: deps.cases, slaEvents: deps.slaEvents, partners, reports };
  const recordFacts = (partnerId: string, caseId: string): Promise<void> => recordCaseFacts(factDeps, partnerId, caseId);
  await partners.upsertPartner(storedPartnerDefinition("contoso", { entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 4 }] }), credentials);
  const reportDeps = { reports, partners, clock: { now: () => new Date("2026-04-15T10:00:00.000Z") } };
  return { deps, clock, reports, factDeps, recordFacts, reportDeps };
}

describe("the reports' read model over the in-memory adapters", () => {
  it("is kept current by RecordSlaEvents and RecordCaseTransition, the same however often they run", async () => {
    const { deps, recordFacts, reportDeps } = await world();
    const { caseId } = await submitSupportRequest(deps, "contoso", supportRequestBody({ severity: "C", product: "microsoft-365", category: "technical" }));
    const recordSla = createRecordSlaEvents({ ...deps, recordCaseFacts: recordFacts });
    const transition = createRecordCaseTransition({ ...deps, recordCaseFacts: recordFacts });
    const opened = [
      { eventId: "g0-1", metric: "first-response" as const, type: "activate" as const, at: "2026-03-02T08:00:00.000Z", policyId: "default-C", target: "P1D" },
      { eventId: "g0-2", metric: "resolution" as const, type: "activate" as const, at: "2026-03-02T08:00:00.000Z", policyId: "default-C", target: "P5D" },
    ];
    await recordSla({ caseId, partnerId: "contoso", events: opened });
    let report = await getSlaReport(reportDeps, "contoso", march);
    expect(report.totals.cases).toBe(1);
    expect(report.totals.metrics["first-response"]).toMatchObject({ achieved: 0, breached: 0, inProgress: 1, medianInMs: null });

    await transition({ caseId, partnerId: "contoso", entryId: "t01-resolved", toStatus: "resolved", kind: "status-changed", summary: "Resolved.", at: "2026-03-02T10:00:00.000Z" });
    const resolved = [
      { eventId: "g0-3", metric: "first-response" as const, type: "fulfill" as const, at: "2026-03-02T10:00:00.000Z", policyId: "default-C" },
      { eventId: "g0-4", metric: "resolution" as const, type: "fulfill" as const, at: "2026-03-02T10:00:00.000Z", policyId: "default-C" },
    ];
    await recordSla({ caseId, partnerId: "contoso", events: resolved });
    await recordSla({ caseId, partnerId: "contoso", events: resolved });
    report = await getSlaReport(reportDeps, "contoso", march);
    expect(report.totals.cases).toBe(1);
    expect(report.totals.metrics["first-response"]).toMatchObject({ achieved: 1, breached: 0, inProgress: 0, measured: 1, attainmentPercent: 100 });
    // Service hours: Monday 08:00–17:00 Europe/Budapest (07:00–16:00 UTC): two business hours.
    expect(report.totals.metrics.resolution.medianInMs).toBeGreaterThan(2 * 3_600_000 * 0.955);
    expect(report.totals.metrics.resolution.medianInMs).toBeLessThan(2 * 3_600_000 * 1.045);
    const volume = await getVolumeReport(reportDeps, "contoso", { ...march, groupBy: "week" });
    expect(volume).toMatchObject({ cases: 1, topCustomers: [{ tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", cases: 1 }], productSupportIncidents: { used: 0, remaining: 4 } });
    expect(volume.periods[0]).toMatchObject({ from: "2026-03-01", to: "2026-03-01", cases: 0 });
    expect(volume.periods[1]).toMatchObject({ from: "2026-03-02", to: "2026-03-08", cases: 1, byProduct: { "microsoft-365": 1 }, bySeverity: { C: 1 }, byChannel: { webhook: 1 }, backlogAtEnd: 0 });
    expect(volume.resellerEscalations).toBeUndefined();
  });

  it("does not store a day recomputed from a read that a later fact overtook: the next reader recomputes it", async () => {
    const { deps, clock, reports, recordFacts, reportDeps } = await world();
    const first = await submitSupportRequest(deps, "contoso", supportRequestBody());
    await recordFacts("contoso", first.caseId);
    const stale = await reports.getDay("contoso", "own", "2026-03-02");
    clock.set("2026-03-02T09:00:00.000Z");
    const second = await submitSupportRequest(deps, "contoso", supportRequestBody());
    await recordCaseFacts({ cases: deps.cases, slaEvents: deps.slaEvents, partners: deps.partners, reports }, "contoso", second.caseId, { recomputeDay: false });
    // A writer that read the day before the second fact: its answer (one request) is refused.
    const answer = await recomputeReportDay(reports, "contoso", "own", "2026-03-02", { ...stale!, dirty: true });
    expect(answer?.cases).toBe(2);
    expect((await reports.getDay("contoso", "own", "2026-03-02"))?.dirty).toBe(false);
    expect((await getSlaReport(reportDeps, "contoso", march)).totals.cases).toBe(2);
  });

  it("gives an indirect provider its resellers' escalated requests as a separate series, and rebuilds from the stored facts", async () => {
    const { deps, reports, factDeps, reportDeps } = await world();
    await deps.partners.upsertPartner(storedPartnerDefinition("provider", { type: "indirect-provider" }), credentials);
    await deps.partners.upsertPartner(storedPartnerDefinition("reseller", { type: "indirect-reseller", indirectProviderId: "provider" }), credentials);
    const escalated = await submitSupportRequest(deps, "reseller", supportRequestBody({ severity: "A" }));
    const local = await submitSupportRequest(deps, "reseller", supportRequestBody());
    const sr = (await deps.cases.getCase("reseller", escalated.caseId))!;
    await deps.cases.shareWithProvider("provider", sr, { partnerId: "reseller", name: "Reseller" }, "2026-03-02T09:00:00.000Z");
    // The read model was never written (as before the reports were deployed): the backfill builds it.
    expect((await getVolumeReport(reportDeps, "provider", march)).resellerEscalations).toEqual(expect.objectContaining({ cases: 0 }));
    expect(await rebuildPartnerReports(factDeps, "reseller")).toEqual({ cases: 2, days: 1, rollups: 2 });
    expect(await rebuildPartnerReports(factDeps, "provider")).toEqual({ cases: 1, days: 1, rollups: 2 });
    const provider = await getVolumeReport(reportDeps, "provider", march);
    expect(provider.cases).toBe(0);
    expect(provider.resellerEscalations).toMatchObject({ cases: 1 });
    expect(provider.resellerEscalations?.periods[0]).toMatchObject({ cases: 1, byReseller: { reseller: 1 }, bySeverity: { A: 1 } });
    const reseller = await getVolumeReport(reportDeps, "reseller", march);
    expect(reseller).toMatchObject({ cases: 2, productSupportIncidents: { used: 0, remaining: null } });
    expect(reseller.periods[0]?.backlogAtEnd).toBe(2);
    // Running it again changes nothing.
    expect(await rebuildPartnerReports(factDeps, "reseller")).toEqual({ cases: 2, days: 1, rollups: 2 });
    expect(await getVolumeReport(reportDeps, "reseller", march)).toEqual(reseller);
    expect(local.caseId).not.toBe(escalated.caseId);
    expect((await reports.listDays("reseller", "own", undefined, undefined)).every((d) => !d.dirty)).toBe(true);
    expect((await reports.listRollups("reseller", "own", "week", undefined, undefined)).every((r) => !r.dirty && r.aggregate?.cases === 2)).toBe(true);
  });
});

/** `inner` with some of its methods replaced (the others call `inner`'s). */
function withOverrides(inner: ReportReadModel, overrides: Partial<ReportReadModel>): ReportReadModel {
  const methods = ["putFact", "listFacts", "getDay", "listDays", "replaceDay", "listRollups", "replaceRollup", "rollupsReady", "listDayKeys", "prepareRollups"] as const;
  return Object.fromEntries(methods.map((m) => [m, overrides[m] ?? (inner[m] as (...a: unknown[]) => unknown).bind(inner)])) as unknown as ReportReadModel;
}

/** A read model that records the day ranges, rollup ranges and fact days it is asked for. */
function countingReadModel(inner: ReportReadModel): { model: ReportReadModel; calls: string[] } {
  const calls: string[] = [];
  const model = withOverrides(inner, {
    listFacts: (p, series, day) => (calls.push(`facts ${series} ${day}`), inner.listFacts(p, series, day)),
    listDays: (p, series, from, to) => (calls.push(`days ${series} ${from ?? "…"} ${to ?? "…"}`), inner.listDays(p, series, from, to)),
    listRollups: (p, series, grain, from, to) => (calls.push(`rollups ${series} ${grain} ${from ?? "…"} ${to ?? "…"}`), inner.listRollups(p, series, grain, from, to)),
    listDayKeys: (p, series) => (calls.push(`day keys ${series}`), inner.listDayKeys(p, series)),
  });
  return { model, calls };
}

const fact = (caseId: string, createdAt: string, overrides: Partial<CaseFact> = {}): CaseFact => {
  const metric = { achieved: 1, breached: 0, inProgress: 0, elapsedInMs: [3_600_000], pausedInMs: 0 };
  return { caseId, createdAt, severity: "B", category: "technical", product: "azure", channel: "webhook", customerTenantId: "2b7e3c1a-5d4f-4e8a-9b6c-1d2e3f4a5b6c", status: "in-diagnosis", sla: { "first-response": metric, "next-update": metric, resolution: metric }, ...overrides };
};

describe("reports read from the month and week rollups", () => {
  const reportDepsOf = async (reports: ReportReadModel) => {
    const partners = new MemoryPartnerRepository(() => new Date("2026-04-15T10:00:00.000Z"));
    await partners.upsertPartner(storedPartnerDefinition("provider", { type: "indirect-provider", entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 4 }] }), credentials);
    return { reports, partners, clock: { now: () => new Date("2026-04-15T10:00:00.000Z") } };
  };
  const day = (offset: number): string => new Date(RANGE_START + offset * 86_400_000).toISOString().slice(0, 10);

  it("equal the reports built from the days, while facts keep arriving and changing (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(caseFact, { maxLength: 40 }),
        fc.array(caseFact, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        filters,
        fc.constantFrom("month", "week") as fc.Arbitrary<"month" | "week">,
        fc.integer({ min: 0, max: RANGE_DAYS - 1 }),
        fc.integer({ min: 0, max: RANGE_DAYS - 1 }),
        async (first, later, resolvedLater, fl, groupBy, a, b) => {
          const reports = new MemoryReportReadModel();
          const deps = await reportDepsOf(reports);
          const query = { from: day(Math.min(a, b)), to: day(Math.max(a, b)), groupBy, ...fl };
          const range = parseReportQuery(query, "2026-04-15");
          const current = new Map<string, { series: "own" | "reseller"; fact: CaseFact }>();
          const put = async (f: CaseFact): Promise<void> => {
            const series = f.resellerPartnerId ? "reseller" : "own";
            current.set(f.caseId, { series, fact: f });
            await reports.putFact("provider", series, f);
          };
          const expectSameAsFromDays = async (): Promise<void> => {
            const of = (series: "own" | "reseller"): DayAggregate[] => daysOf([...current.values()].filter((c) => c.series === series).map((c) => c.fact));
            const own = of("own");
            const inRange = (days: DayAggregate[]): DayAggregate[] => days.filter((d) => d.day >= range.from && d.day <= range.to);
            const at = deps.clock.now().toISOString();
            expect(await getSlaReport(deps, "provider", query)).toEqual(buildSlaReport("provider", range, inRange(own), at));
            expect(await getVolumeReport(deps, "provider", query)).toEqual(
              buildVolumeReport("provider", range, { days: inRange(own), backlog: own.filter((d) => d.day <= range.to).map(backlogDayOf), resellerDays: inRange(of("reseller")), productSupportIncidentsRemaining: 4 }, at),
            );
          };
          for (const f of first) await put(f);
          await expectSameAsFromDays();
          // Later: new requests, and some earlier ones resolved (their fact replaced, their past day,
          // month and week made dirty again).
          for (const f of later) await put(f);
          for (const i of resolvedLater) {
            const earlier = first[i % Math.max(1, first.length)];
            if (earlier) await put({ ...earlier, status: "resolved", resolvedAt: new Date(Date.parse(earlier.createdAt) + 86_400_000).toISOString() });
          }
          await expectSameAsFromDays();
          // Read again: everything it read is clean now, and answers the same.
          await expectSameAsFromDays();
        },
      ),
      { numRuns: 80 },
    );
  });

  it("reads a year by month as its whole months' rollups and the days of the month it ends in, and recomputes only the period a fact changed", async () => {
    const { model, calls } = countingReadModel(new MemoryReportReadModel());
    const deps = await reportDepsOf(model);
    for (let m = 0; m < 13; m++) {
      for (const d of [1, 10, 28]) await model.putFact("provider", "own", fact(`CS-${m}-${d}`, new Date(Date.UTC(2025, 3 + m, d, 9)).toISOString()));
    }
    const query = { from: "2025-05-01", to: "2026-04-15" };
    const first = await getSlaReport(deps, "provider", query);
    // April 2025 is before the range; April 28, 2026 after it.
    expect(first.totals.cases).toBe(11 * 3 + 2);
    calls.length = 0;
    expect(await getSlaReport(deps, "provider", query)).toEqual(first);
    // Clean: one listing of the eleven whole months' rollups, one of the days of April 2026.
    expect(calls.sort()).toEqual(["days own 2026-04-01 2026-04-15", "rollups own month 2025-05-01 2026-03-01"]);
    // A request of last August resolved today: August's rollup is recomputed from its days, August
    // 10's day from its facts; nothing else.
    await model.putFact("provider", "own", fact("CS-4-10", "2025-08-10T09:00:00.000Z", { status: "resolved", resolvedAt: "2026-04-15T09:00:00.000Z", sla: { ...fact("x", "2025-08-10T09:00:00.000Z").sla, resolution: { achieved: 0, breached: 1, inProgress: 0, elapsedInMs: [9e9], pausedInMs: 0 } } }));
    calls.length = 0;
    const after = await getSlaReport(deps, "provider", query);
    expect(after.totals.metrics.resolution).toMatchObject({ achieved: 11 * 3 + 1, breached: 1 });
    expect(after.periods.find((p) => p.from === "2025-08-01")?.metrics.resolution).toMatchObject({ achieved: 2, breached: 1 });
    expect(calls.sort()).toEqual(["days own 2025-08-01 2025-08-31", "days own 2026-04-01 2026-04-15", "facts own 2025-08-10", "rollups own month 2025-05-01 2026-03-01"]);
    // By week, the ISO weeks' rollups: the week of August 10 (Monday 2025-08-04) was not read by month.
    calls.length = 0;
    await getSlaReport(deps, "provider", { ...query, groupBy: "week" });
    expect(calls.filter((c) => c.startsWith("rollups"))).toEqual(["rollups own week 2025-05-05 2026-04-06"]);
    // Thursday 2025-05-01 to Sunday, and Monday 2026-04-13 to the end as days; every week's rollup
    // (first read by week) from its days.
    expect(calls).toContain("days own 2025-05-01 2025-05-04");
    expect(calls).toContain("days own 2026-04-13 2026-04-15");
    const weeksWithRequests = (await model.listRollups("provider", "own", "week", "2025-05-05", "2026-04-06")).length;
    const requestDays = Array.from({ length: 13 }, (_, m) => [1, 10, 28].map((d) => new Date(Date.UTC(2025, 3 + m, d)).toISOString().slice(0, 10))).flat();
    expect(weeksWithRequests).toBe(new Set(requestDays.map((d) => rollupStartOf(d, "week")).filter((w) => w >= "2025-05-05" && w <= "2026-04-06")).size);
    expect(calls.filter((c) => c.startsWith("days")).length).toBe(2 + weeksWithRequests);
    calls.length = 0;
    await getSlaReport(deps, "provider", { ...query, groupBy: "week" });
    expect(calls.sort()).toEqual(["days own 2025-05-01 2025-05-04", "days own 2026-04-13 2026-04-15", "rollups own week 2025-05-05 2026-04-06"]);
  });

  it("does not store a rollup recomputed from days that a later fact overtook: the next reader recomputes it", async () => {
    const inner = new MemoryReportReadModel();
    let interleave: (() => Promise<void>) | undefined;
    const model = withOverrides(inner, {
      listDays: async (...a) => {
        const days = await inner.listDays(...a);
        const write = interleave;
        interleave = undefined;
        await write?.();
        return days;
      },
    });
    const deps = await reportDepsOf(model);
    await model.putFact("provider", "own", fact("CS-1", "2026-03-03T09:00:00.000Z"));
    const query = { from: "2026-03-01", to: "2026-03-31" };
    expect((await getSlaReport(deps, "provider", query)).totals.cases).toBe(1);
    // While a reader recomputes March (after it listed March's days), a request of March 20 arrives.
    await model.putFact("provider", "own", fact("CS-2", "2026-03-04T09:00:00.000Z"));
    interleave = () => model.putFact("provider", "own", fact("CS-3", "2026-03-20T09:00:00.000Z"));
    expect((await getSlaReport(deps, "provider", query)).totals.cases).toBe(2);
    expect((await inner.listRollups("provider", "own", "month", "2026-03-01", "2026-03-01"))[0]).toMatchObject({ dirty: true });
    expect((await getSlaReport(deps, "provider", query)).totals.cases).toBe(3);
    expect((await inner.listRollups("provider", "own", "month", "2026-03-01", "2026-03-01"))[0]).toMatchObject({ dirty: false, aggregate: { cases: 3 } });
  });

  it("gives the days stored before the rollups existed their rollups on the first read", async () => {
    const inner = new MemoryReportReadModel();
    // A read model whose facts were written before the rollups: its month and week rows are absent.
    for (const at of ["2026-01-05T09:00:00.000Z", "2026-02-10T09:00:00.000Z", "2026-03-03T09:00:00.000Z"]) await inner.putFact("provider", "own", fact(`CS-${at}`, at));
    const legacy = withOverrides(inner, {
      listRollups: async (...a) => ((await inner.rollupsReady(a[0], a[1])) ? inner.listRollups(...a) : []),
    });
    const deps = await reportDepsOf(legacy);
    const volume = await getVolumeReport(deps, "provider", { from: "2026-02-01", to: "2026-03-31" });
    expect(volume.periods.map((p) => [p.from, p.cases, p.backlogAtEnd])).toEqual([
      ["2026-02-01", 1, 2],
      ["2026-03-01", 1, 3],
    ]);
    expect(await inner.rollupsReady("provider", "own")).toBe(true);
    expect((await inner.listRollups("provider", "own", "month", undefined, undefined)).map((r) => [r.start, r.dirty])).toEqual([
      ["2026-01-01", false],
      ["2026-02-01", false],
      ["2026-03-01", false],
    ]);
  });
});

describe("parseReportQuery", () => {
  const pointerOf = (query: Record<string, string>): string[] => {
    try {
      parseReportQuery(query, "2026-12-03");
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return (e as ValidationError).issues.map((i) => i.path.join("."));
    }
    throw new Error("expected a ValidationError");
  };

  it("applies the defaults: twelve calendar months to today, by month", () => {
    expect(parseReportQuery({}, "2026-12-03")).toEqual({ from: "2026-01-01", to: "2026-12-03", groupBy: "month", filters: {} });
    expect(parseReportQuery({ to: "2026-06-30", groupBy: "week", severity: "A", product: "azure", category: "billing" }, "2026-12-03")).toEqual({ from: "2025-07-01", to: "2026-06-30", groupBy: "week", filters: { severity: "A", product: "azure", category: "billing" } });
    expect(parseReportQuery({ from: "2025-12-03", to: "2026-12-03" }, "2026-12-03").from).toBe("2025-12-03");
  });

  it("names the bad parameter", () => {
    expect(pointerOf({ from: "2026-13-01" })).toEqual(["from"]);
    expect(pointerOf({ to: "yesterday" })).toEqual(["to"]);
    expect(pointerOf({ from: "2026-03-01T00:00:00Z" })).toEqual(["from"]);
    expect(pointerOf({ groupBy: "day" })).toEqual(["groupBy"]);
    expect(pointerOf({ severity: "D" })).toEqual(["severity"]);
    expect(pointerOf({ product: "windows-95" })).toEqual(["product"]);
    expect(pointerOf({ colour: "red" })).toEqual([""]);
    expect(pointerOf({ from: "2026-03-02", to: "2026-03-01" })).toEqual(["to"]);
    // 367 days.
    expect(pointerOf({ from: "2025-12-02", to: "2026-12-03" })).toEqual(["from"]);
  });
});
