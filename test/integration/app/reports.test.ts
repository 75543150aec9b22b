/**
 * The partner reports end to end on Azurite: requests submitted through the intake service, their
 * workflow's activities (RecordSlaEvents, RecordCaseTransition, as the orchestration calls them,
 * some twice) keep the Table Storage read model current, and the report endpoints answer through
 * their HTTP handlers: the figures, 400 naming the bad parameter, 404 for another partner's key,
 * 401 without a key; an indirect provider sees its resellers' escalated requests; the backfill
 * rebuilds a partner's read model from the stored facts alone; a read model stored before the month
 * and week rollups existed gets them on its first report, with the same figures.
 */
import { odata } from "@azure/data-tables";
import { TableNames } from "../../../shared/adapters/tableStorage";
import type { Config } from "../../../shared/config";
import { createContainer, type Container } from "../../../shared/container";
import { SlaReportSchema, VolumeReportSchema, type SlaEvent } from "../../../shared/contracts";
import { createGetSlaReportHandler, createGetVolumeReportHandler } from "../../../functions/http/partnerApiHandlers";
import type { HttpHandlerDeps } from "../../../functions/http/common";
import { rebuildPartnerReports, submitSupportRequest } from "../../../shared/services";
import { callHandler, FakeWorkflow, partnerDefinition, supportRequestBody, testConfig, type SeenResponse } from "./helpers";

const DIRECT = "direct-reports";
const FOREIGN = "foreign-reports";
const PROVIDER = "provider-reports";
const RESELLER = "reseller-reports";

let config: Config;
let container: Container;
let workflow: FakeWorkflow;
let deps: HttpHandlerDeps;
const keys: Record<string, string> = {};
let now = new Date("2026-03-02T08:00:00.000Z");

/** An SLA event of a step, without its id, instant and policy (the step adds them). */
type StepEvent = Pick<SlaEvent, "metric" | "type" | "target">;

/** Calls a report as `key` (default: the partner's own key; null: none). */
async function report(kind: "sla" | "volume", partnerId: string, query: string, key: string | null = keys[partnerId] ?? null): Promise<SeenResponse> {
  const handler = (kind === "sla" ? createGetSlaReportHandler : createGetVolumeReportHandler)(deps);
  return callHandler(handler, { method: "GET", path: `/api/partners/${partnerId}/reports/${kind}${query}`, headers: key ? { "x-api-key": key } : {}, params: { partnerId } });
}

/** Opens a request at `at` and runs the activities the workflow runs for it, each twice (activities run at least once). */
async function openAndWork(partnerId: string, at: string, body: Record<string, unknown>, work: Array<{ at: string; to?: "in-diagnosis" | "awaiting-customer" | "resolved" | "closed"; events: StepEvent[] }>): Promise<string> {
  now = new Date(at);
  const { caseId } = await submitSupportRequest(container.supportRequestDeps(workflow), partnerId, supportRequestBody(body));
  let n = 0;
  for (const step of work) {
    for (let twice = 0; twice < 2; twice++) {
      if (step.to) await container.activities.recordTransition({ caseId, partnerId, entryId: `t${n}-${step.to}`, kind: "status-changed", toStatus: step.to, summary: step.to, at: step.at });
      await container.activities.recordSlaEvents({ caseId, partnerId, events: step.events.map((e, i) => ({ eventId: `g0-${n}-${i}`, policyId: "default", at: step.at, ...e })) });
    }
    n++;
  }
  return caseId;
}

beforeAll(async () => {
  config = testConfig("reports");
  container = createContainer(config, { clock: { now: () => now } });
  workflow = new FakeWorkflow();
  deps = { getContainer: () => container, getWorkflow: () => workflow };
  const terms = { supportTerms: { supportTypes: ["Azure"], serviceHours: { timeZone: "UTC", weekly: { mon: [{ start: "00:00", end: "24:00" }], tue: [{ start: "00:00", end: "24:00" }], wed: [{ start: "00:00", end: "24:00" }], thu: [{ start: "00:00", end: "24:00" }], fri: [{ start: "00:00", end: "24:00" }] }, holidays: [] }, contactMethods: ["email"], pricing: "Included" } };
  keys[DIRECT] = (await container.registerPartner(partnerDefinition(DIRECT, { ...terms, entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 5 }] }))).credentials!.apiKey;
  keys[FOREIGN] = (await container.registerPartner(partnerDefinition(FOREIGN))).credentials!.apiKey;
  keys[PROVIDER] = (await container.registerPartner(partnerDefinition(PROVIDER, { ...terms, type: "indirect-provider" }))).credentials!.apiKey;
  keys[RESELLER] = (await container.registerPartner(partnerDefinition(RESELLER, { ...terms, type: "indirect-reseller", indirectProviderId: PROVIDER }))).credentials!.apiKey;

  // Monday 2 March: answered in 2 h, resolved after 6 h with a 1 h pause on the customer.
  await openAndWork(DIRECT, "2026-03-02T08:00:00.000Z", { severity: "B", product: "azure", category: "technical" }, [
    { at: "2026-03-02T08:00:00.000Z", events: [{ metric: "first-response", type: "activate", target: "PT4H" }, { metric: "resolution", type: "activate", target: "P2D" }] },
    { at: "2026-03-02T10:00:00.000Z", to: "in-diagnosis", events: [{ metric: "first-response", type: "fulfill" }] },
    { at: "2026-03-02T11:00:00.000Z", to: "awaiting-customer", events: [{ metric: "resolution", type: "pause" }] },
    { at: "2026-03-02T12:00:00.000Z", to: "in-diagnosis", events: [{ metric: "resolution", type: "resume" }] },
    { at: "2026-03-02T15:00:00.000Z", to: "resolved", events: [{ metric: "resolution", type: "fulfill" }] },
  ]);
  // Tuesday 3 March, severity A: the first response breached, still open.
  await openAndWork(DIRECT, "2026-03-03T08:00:00.000Z", { severity: "A", product: "sql-server", category: "technical", customer: { tenantId: "0f8fad5b-d9cb-469f-a165-70867728950e", name: "Fabrikam", email: "it@fabrikam.example" } }, [
    { at: "2026-03-03T08:00:00.000Z", events: [{ metric: "first-response", type: "activate", target: "PT1H" }, { metric: "resolution", type: "activate", target: "PT8H" }] },
    { at: "2026-03-03T09:00:00.000Z", events: [{ metric: "first-response", type: "breach" }] },
  ]);
  // April: one more request, open.
  await openAndWork(DIRECT, "2026-04-06T08:00:00.000Z", { severity: "B", product: "azure", category: "billing", customer: { tenantId: "0f8fad5b-d9cb-469f-a165-70867728950e", name: "Fabrikam", email: "it@fabrikam.example" } }, [
    { at: "2026-04-06T08:00:00.000Z", events: [{ metric: "first-response", type: "activate", target: "PT4H" }, { metric: "resolution", type: "activate", target: "P2D" }] },
  ]);
  // A reseller's request escalated to its provider.
  const escalated = await openAndWork(RESELLER, "2026-03-04T08:00:00.000Z", { severity: "A" }, [
    { at: "2026-03-04T08:00:00.000Z", events: [{ metric: "first-response", type: "activate", target: "PT1H" }, { metric: "resolution", type: "activate", target: "PT8H" }] },
  ]);
  now = new Date("2026-03-04T09:00:00.000Z");
  await container.activities.recordTransition({
    caseId: escalated,
    partnerId: RESELLER,
    entryId: "t9-escalated",
    kind: "escalation-decided",
    toStatus: "escalated-to-provider",
    summary: "escalated",
    at: "2026-03-04T09:00:00.000Z",
    patch: { escalation: { target: "indirect-provider", providerId: PROVIDER, reason: "reseller", trigger: "partner-request", decidedAt: "2026-03-04T09:00:00.000Z" } },
  });
  now = new Date("2026-04-15T12:00:00.000Z");
});

describe("partner reports on Table Storage", () => {
  it("answers the SLA report per month from what the activities recorded", async () => {
    const res = await report("sla", DIRECT, "?from=2026-03-01&to=2026-04-30");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = SlaReportSchema.parse(res.body);
    expect(body.periods.map((p) => [p.from, p.to, p.cases])).toEqual([
      ["2026-03-01", "2026-03-31", 2],
      ["2026-04-01", "2026-04-30", 1],
    ]);
    const march = body.periods[0]!;
    expect(march.metrics["first-response"]).toMatchObject({ achieved: 1, breached: 1, inProgress: 0, attainmentPercent: 50, measured: 1 });
    expect(march.metrics.resolution).toMatchObject({ achieved: 1, breached: 0, inProgress: 1, measured: 1, pausedInMs: 3_600_000 });
    // 2 h to the first response, 6 h to resolve (7 h with one paused): within the histogram's 4.5 %.
    expect(Math.abs(march.metrics["first-response"].medianInMs! - 7_200_000)).toBeLessThanOrEqual(7_200_000 * 0.045);
    expect(Math.abs(march.metrics.resolution.p90InMs! - 21_600_000)).toBeLessThanOrEqual(21_600_000 * 0.045);
    expect(body.totals.cases).toBe(3);
    const filtered = SlaReportSchema.parse((await report("sla", DIRECT, "?from=2026-03-01&to=2026-04-30&severity=A")).body);
    expect(filtered.totals.cases).toBe(1);
    expect(filtered.filters).toEqual({ severity: "A" });
  });

  it("answers the volume report per week with the backlog, the top customers and the incidents left", async () => {
    const res = await report("volume", DIRECT, "?from=2026-03-02&to=2026-03-15&groupBy=week");
    expect(res.status).toBe(200);
    const body = VolumeReportSchema.parse(res.body);
    expect(body.periods).toHaveLength(2);
    expect(body.periods[0]).toMatchObject({ from: "2026-03-02", to: "2026-03-08", cases: 2, byProduct: { azure: 1, "sql-server": 1 }, bySeverity: { A: 1, B: 1 }, byChannel: { webhook: 2 }, backlogAtEnd: 1 });
    expect(body.periods[1]).toMatchObject({ cases: 0, backlogAtEnd: 1 });
    expect(body.topCustomers.map((c) => c.cases)).toEqual([1, 1]);
    expect(body.productSupportIncidents).toEqual({ used: 0, remaining: 5 });
    expect(body.resellerEscalations).toBeUndefined();
    // The April request is outside the range but still in the backlog at its end.
    const april = VolumeReportSchema.parse((await report("volume", DIRECT, "?from=2026-04-01&to=2026-04-30")).body);
    expect(april.periods[0]).toMatchObject({ cases: 1, backlogAtEnd: 2 });
  });

  it("shows an indirect provider its resellers' escalated requests as a separate series", async () => {
    const body = VolumeReportSchema.parse((await report("volume", PROVIDER, "?from=2026-03-01&to=2026-03-31")).body);
    expect(body.cases).toBe(0);
    expect(body.resellerEscalations).toMatchObject({ cases: 1, periods: [{ cases: 1, byReseller: { [RESELLER]: 1 }, bySeverity: { A: 1 } }] });
  });

  it("refuses a bad query naming the parameter (problem+json)", async () => {
    for (const [query, pointer] of [
      ["?from=2026-02-30", "query:from"],
      ["?to=31.03.2026", "query:to"],
      ["?from=2026-03-10&to=2026-03-01", "query:to"],
      ["?from=2025-01-01&to=2026-03-31", "query:from"],
      ["?groupBy=day", "query:groupBy"],
      ["?severity=Z", "query:severity"],
      ["?colour=red", "query:colour"],
    ] as const) {
      for (const kind of ["sla", "volume"] as const) {
        const res = await report(kind, DIRECT, query);
        expect(res.status).toBe(400);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        expect(res.body).toMatchObject({ status: 400, type: "/problems/validation-error" });
        expect((res.body.errors as Array<{ pointer: string }>).map((e) => e.pointer)).toContain(pointer);
      }
    }
  });

  it("answers another partner's key with 404 and no key with 401, as the other endpoints", async () => {
    for (const kind of ["sla", "volume"] as const) {
      const foreign = await report(kind, DIRECT, "", keys[FOREIGN]);
      expect(foreign.status).toBe(404);
      expect(foreign.body).toMatchObject({ type: "/problems/not-found" });
      const none = await report(kind, DIRECT, "", null);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer realm="partner-api"/);
    }
  });

  it("rebuilds a partner's read model from the stored facts to the same figures (the backfill)", async () => {
    const before = (await report("sla", DIRECT, "?from=2026-03-01&to=2026-04-30")).body;
    const monthsAndWeeks = (await container.reports.listRollups(DIRECT, "own", "month", undefined, undefined)).length + (await container.reports.listRollups(DIRECT, "own", "week", undefined, undefined)).length;
    expect(await rebuildPartnerReports(container.caseFactDeps, DIRECT)).toEqual({ cases: 3, days: 3, rollups: monthsAndWeeks });
    const after = (await report("sla", DIRECT, "?from=2026-03-01&to=2026-04-30")).body;
    expect({ ...after, generatedAt: undefined }).toEqual({ ...before, generatedAt: undefined });
  });

  it("gives a read model stored before the month and week rollups existed its rollups on the first report, with the same figures", async () => {
    const queries = ["sla?from=2026-03-01&to=2026-04-30", "volume?from=2026-03-02&to=2026-04-26&groupBy=week", "volume?from=2026-04-01&to=2026-04-30"];
    const read = async (): Promise<unknown[]> =>
      Promise.all(
        queries.map(async (q) => {
          const [kind, query] = q.split("?") as ["sla" | "volume", string];
          const body = (await report(kind, DIRECT, `?${query}`)).body as Record<string, unknown>;
          return { ...body, generatedAt: undefined };
        }),
      );
    const before = await read();
    // What an earlier version stored: facts and days only (its month, week and ready rows removed),
    // read by a fresh process.
    const table = await container.storage.getTable(TableNames.reports);
    let removed = 0;
    for await (const e of table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${DIRECT} and RowKey ge 'r|' and RowKey lt 'r|~'` } })) {
      await table.deleteEntity(String(e.partitionKey), String(e.rowKey));
      removed++;
    }
    expect(removed).toBeGreaterThan(2);
    container = createContainer(config, { clock: { now: () => now } });
    expect(await container.reports.rollupsReady(DIRECT, "own")).toBe(false);
    expect(await read()).toEqual(before);
    expect(await container.reports.rollupsReady(DIRECT, "own")).toBe(true);
    expect((await container.reports.listRollups(DIRECT, "own", "month", undefined, undefined)).map((m) => m.start)).toEqual(["2026-03-01", "2026-04-01"]);
    // The three reports ran at once and each gave the series its rollups: a rollup recomputed by one
    // of them while another marked it dirty was not stored (it stays dirty, as after any write that
    // overtakes a recomputation). The next reports find the series ready and store every rollup.
    expect(await read()).toEqual(before);
    const months = await container.reports.listRollups(DIRECT, "own", "month", undefined, undefined);
    expect(months.map((m) => [m.start, m.dirty])).toEqual([
      ["2026-03-01", false],
      ["2026-04-01", false],
    ]);
    expect(months.reduce((n, m) => n + (m.aggregate?.cases ?? 0), 0)).toBe(3);
  });
});
