/**
 * The reports' pure logic (shared/domain/reports.ts): a request's fact from its SLA event log, the
 * histogram the percentiles come from, periods and defaults, and — as a property over random
 * requests — that the reports computed from the pre-aggregated days equal a direct computation
 * over the requests (counts exactly; percentiles within their histogram bucket).
 */
import fc from "fast-check";
import { Categories, Channels, ProductIds, Severities, SlaMetrics, SupportVehicles, type AppliedSlaPolicy, type CaseFact, type MetricFact, type ReportFilters, type SlaEvent, type SupportRequest } from "../../../shared/contracts";
import {
  aggregateDay,
  backlogDayOf,
  buildSlaReport,
  buildVolumeReport,
  caseFactOf,
  defaultReportFrom,
  exactPercentile,
  histogramBucketBounds,
  histogramBucketOf,
  histogramBucketValue,
  histogramPercentile,
  MAX_HISTOGRAM_BUCKET,
  reportPeriods,
  slaMetricFactsOf,
  utcDayOf,
  type ReportRange,
} from "../../../shared/domain";

const H = 3_600_000;
const around: Pick<AppliedSlaPolicy, "calendar"> = { calendar: { kind: "24x7" } };
const officeHours: Pick<AppliedSlaPolicy, "calendar"> = {
  calendar: { kind: "weekly", timeZone: "UTC", weekly: { mon: [{ start: "09:00", end: "17:00" }], tue: [{ start: "09:00", end: "17:00" }], wed: [{ start: "09:00", end: "17:00" }], thu: [{ start: "09:00", end: "17:00" }], fri: [{ start: "09:00", end: "17:00" }] }, holidays: [] },
};
const ev = (metric: SlaEvent["metric"], type: SlaEvent["type"], at: string, extra: Partial<SlaEvent> = {}): SlaEvent => ({ metric, type, at, policyId: "p", ...extra });

describe("slaMetricFactsOf", () => {
  it("counts achieved, breached and in-progress cycles with business time and paused time", () => {
    const log: SlaEvent[] = [
      ev("first-response", "activate", "2026-03-02T08:00:00Z", { target: "PT4H" }),
      ev("resolution", "activate", "2026-03-02T08:00:00Z", { target: "PT8H" }),
      ev("first-response", "fulfill", "2026-03-02T09:30:00Z"),
      ev("next-update", "activate", "2026-03-02T09:30:00Z", { target: "PT1H" }),
      ev("next-update", "breach", "2026-03-02T10:30:00Z"),
      ev("next-update", "fulfill", "2026-03-02T11:00:00Z"),
      ev("next-update", "activate", "2026-03-02T11:00:00Z", { target: "PT1H" }),
      ev("resolution", "pause", "2026-03-02T12:00:00Z"),
      ev("next-update", "pause", "2026-03-02T12:00:00Z"),
      ev("resolution", "resume", "2026-03-02T14:00:00Z"),
      ev("next-update", "resume", "2026-03-02T14:00:00Z"),
      // 11:00–12:00 and 14:00–14:00: one hour, exactly the target (in time).
      ev("next-update", "fulfill", "2026-03-02T14:00:00Z"),
      ev("next-update", "activate", "2026-03-02T14:00:00Z", { target: "PT1H" }),
      ev("resolution", "fulfill", "2026-03-02T15:00:00Z"),
      ev("next-update", "cancel", "2026-03-02T15:00:00Z"),
    ];
    const facts = slaMetricFactsOf(log, around);
    expect(facts["first-response"]).toEqual({ achieved: 1, breached: 0, inProgress: 0, elapsedInMs: [1.5 * H], pausedInMs: 0 });
    // 08:00–12:00 and 14:00–15:00 run; 12:00–14:00 paused.
    expect(facts.resolution).toEqual({ achieved: 1, breached: 0, inProgress: 0, elapsedInMs: [5 * H], pausedInMs: 2 * H });
    expect(facts["next-update"]).toEqual({ achieved: 1, breached: 1, inProgress: 0, elapsedInMs: [1.5 * H, 1 * H], pausedInMs: 2 * H });
  });

  it("measures business time on the policy's calendar, counts a late fulfilment as breached and an open clock as in progress", () => {
    const log: SlaEvent[] = [
      // Friday 16:00 → Monday 10:00 is two business hours.
      ev("first-response", "activate", "2026-03-06T16:00:00Z", { target: "PT1H" }),
      ev("resolution", "activate", "2026-03-06T16:00:00Z", { target: "P5D" }),
      ev("first-response", "fulfill", "2026-03-09T10:00:00Z"),
    ];
    const facts = slaMetricFactsOf(log, officeHours);
    expect(facts["first-response"]).toEqual({ achieved: 0, breached: 1, inProgress: 0, elapsedInMs: [2 * H], pausedInMs: 0 });
    expect(facts.resolution).toMatchObject({ achieved: 0, breached: 0, inProgress: 1, elapsedInMs: [] });
    expect(facts["next-update"]).toEqual({ achieved: 0, breached: 0, inProgress: 0, elapsedInMs: [], pausedInMs: 0 });
  });

  it("follows a resolution reopened by resume: one cycle, its last fulfilment measured", () => {
    const log: SlaEvent[] = [
      ev("resolution", "activate", "2026-03-02T08:00:00Z", { target: "PT8H" }),
      ev("resolution", "fulfill", "2026-03-02T10:00:00Z"),
      ev("resolution", "resume", "2026-03-03T08:00:00Z"),
      ev("resolution", "fulfill", "2026-03-03T09:00:00Z"),
    ];
    expect(slaMetricFactsOf(log, around).resolution).toEqual({ achieved: 1, breached: 0, inProgress: 0, elapsedInMs: [3 * H], pausedInMs: 0 });
  });
});

describe("caseFactOf", () => {
  const sr = {
    caseId: "CS-R1",
    partnerId: "p-rep",
    channel: "email",
    customer: { tenantId: "2b7e3c1a-5d4f-4e8a-9b6c-1d2e3f4a5b6c", name: "Contoso", email: "it@contoso.example", preferredLanguage: "en" },
    product: "azure",
    category: "technical",
    severity: "A",
    title: "t",
    description: "d",
    status: "closed",
    createdAt: "2026-03-02T08:00:00.000Z",
    updatedAt: "2026-03-05T08:00:00.000Z",
    closedAt: "2026-03-05T08:00:00.000Z",
    escalation: { target: "microsoft", vehicle: "product-support-incidents", reason: "r", trigger: "partner-request", decidedAt: "2026-03-02T09:00:00.000Z", productSupportIncident: { consumed: true, remainingIncidents: 3 } },
    satisfaction: { rating: 4, at: "2026-03-04T08:00:00.000Z", comment: "fine" },
  } as SupportRequest;

  it("takes the classification, the last resolution, the escalation and the rating (never the comment)", () => {
    const log = [ev("resolution", "activate", "2026-03-02T08:00:00Z", { target: "P1D" }), ev("resolution", "fulfill", "2026-03-03T08:00:00Z")];
    const fact = caseFactOf(sr, log, around);
    expect(fact).toMatchObject({ caseId: "CS-R1", severity: "A", category: "technical", product: "azure", channel: "email", status: "closed", resolvedAt: "2026-03-03T08:00:00.000Z", escalation: { target: "microsoft", vehicle: "product-support-incidents", productSupportIncidentUsed: true }, satisfaction: { rating: 4, at: "2026-03-04T08:00:00.000Z" } });
    expect(JSON.stringify(fact)).not.toContain("fine");
    expect(caseFactOf({ ...sr, status: "in-diagnosis" }, log, around).resolvedAt).toBeUndefined();
    expect(caseFactOf(sr, [], around).resolvedAt).toBe("2026-03-05T08:00:00.000Z");
    expect(caseFactOf(sr, [], around, "p-reseller").resellerPartnerId).toBe("p-reseller");
  });
});

describe("histogram", () => {
  it("puts every duration in a bucket whose bounds hold it, and the bucket's value within 4.5 %", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms) => {
        const b = histogramBucketOf(ms);
        const [lower, upper] = histogramBucketBounds(b);
        expect(ms).toBeGreaterThanOrEqual(lower);
        expect(ms).toBeLessThan(upper);
        expect(histogramBucketOf(histogramBucketValue(b))).toBe(b);
        if (ms >= 1000) expect(Math.abs(histogramBucketValue(b) - ms) / ms).toBeLessThanOrEqual(0.045);
      }),
    );
    expect(histogramBucketOf(Number.MAX_SAFE_INTEGER)).toBe(MAX_HISTOGRAM_BUCKET);
    expect(histogramBucketOf(-5)).toBe(0);
    expect(histogramPercentile({}, 50)).toBeNull();
  });
});

describe("periods and defaults", () => {
  it("groups by calendar month and ISO week, clipped to the range", () => {
    expect(reportPeriods("2026-01-15", "2026-03-10", "month")).toEqual([
      { from: "2026-01-15", to: "2026-01-31" },
      { from: "2026-02-01", to: "2026-02-28" },
      { from: "2026-03-01", to: "2026-03-10" },
    ]);
    // 2026-03-04 is a Wednesday.
    expect(reportPeriods("2026-03-04", "2026-03-17", "week")).toEqual([
      { from: "2026-03-04", to: "2026-03-08" },
      { from: "2026-03-09", to: "2026-03-15" },
      { from: "2026-03-16", to: "2026-03-17" },
    ]);
    expect(reportPeriods("2026-03-09", "2026-03-09", "week")).toEqual([{ from: "2026-03-09", to: "2026-03-09" }]);
  });

  it("defaults `from` to the first day of the month eleven months before `to`'s", () => {
    expect(defaultReportFrom("2026-12-03")).toBe("2026-01-01");
    expect(defaultReportFrom("2026-03-31")).toBe("2025-04-01");
    expect(defaultReportFrom("2026-11-30")).toBe("2025-12-01");
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Pre-aggregated = direct                                                                      */
/* ------------------------------------------------------------------------------------------ */

const RANGE_START = Date.parse("2025-11-20T00:00:00Z");
const RANGE_DAYS = 120;
const tenants = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444"];

const metricFact: fc.Arbitrary<MetricFact> = fc.record({
  achieved: fc.nat(2),
  breached: fc.nat(2),
  inProgress: fc.nat(1),
  elapsedInMs: fc.array(fc.integer({ min: 0, max: 30 * 86_400_000 }), { maxLength: 3 }),
  pausedInMs: fc.nat(5 * 86_400_000),
});

const caseFact: fc.Arbitrary<CaseFact> = fc
  .record({
    n: fc.nat(1_000_000),
    createdMs: fc.integer({ min: RANGE_START - 30 * 86_400_000, max: RANGE_START + RANGE_DAYS * 86_400_000 - 1 }),
    resolvedAfterMs: fc.option(fc.integer({ min: 0, max: 60 * 86_400_000 })),
    severity: fc.constantFrom(...Severities),
    category: fc.constantFrom(...Categories),
    product: fc.constantFrom(...ProductIds.slice(0, 3)),
    channel: fc.constantFrom(...Channels),
    tenant: fc.constantFrom(...tenants),
    escalation: fc.option(fc.record({ target: fc.constantFrom("indirect-provider", "microsoft", "none") as fc.Arbitrary<"indirect-provider" | "microsoft" | "none">, vehicle: fc.option(fc.constantFrom(...SupportVehicles), { nil: undefined }), productSupportIncidentUsed: fc.boolean() }), { nil: undefined }),
    rating: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    sla: fc.record({ "first-response": metricFact, "next-update": metricFact, resolution: metricFact }),
    reseller: fc.option(fc.constantFrom("r-one", "r-two"), { nil: undefined }),
  })
  .map((r) => {
    const createdAt = new Date(r.createdMs).toISOString();
    const { vehicle, ...escalation } = r.escalation ?? { target: "none" as const, productSupportIncidentUsed: false };
    return {
      caseId: `CS-${r.n}-${r.createdMs}`,
      createdAt,
      severity: r.severity,
      category: r.category,
      product: r.product,
      channel: r.channel,
      customerTenantId: r.tenant,
      status: r.resolvedAfterMs === null ? "in-diagnosis" : "resolved",
      ...(r.resolvedAfterMs === null ? {} : { resolvedAt: new Date(r.createdMs + r.resolvedAfterMs).toISOString() }),
      ...(r.escalation ? { escalation: { ...escalation, ...(vehicle ? { vehicle } : {}) } } : {}),
      sla: r.sla,
      ...(r.rating ? { satisfaction: { rating: r.rating, at: createdAt } } : {}),
      ...(r.reseller ? { resellerPartnerId: r.reseller } : {}),
    } satisfies CaseFact;
  });

const filters: fc.Arbitrary<ReportFilters> = fc.record({ severity: fc.option(fc.constantFrom(...Severities), { nil: undefined }), category: fc.option(fc.constantFrom(...Categories), { nil: undefined }) }).map((f) => ({ ...(f.severity ? { severity: f.severity } : {}), ...(f.category ? { category: f.category } : {}) }));

/** The days of a set of facts, as the read model stores them. */
function daysOf(facts: readonly CaseFact[]): ReturnType<typeof aggregateDay>[] {
  const byDay = new Map<string, CaseFact[]>();
  for (const f of facts) byDay.set(utcDayOf(f.createdAt), [...(byDay.get(utcDayOf(f.createdAt)) ?? []), f]);
  return [...byDay.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([day, fs]) => aggregateDay(day, fs));
}

const matches = (f: CaseFact, fl: ReportFilters): boolean => (!fl.severity || f.severity === fl.severity) && (!fl.category || f.category === fl.category) && (!fl.product || f.product === fl.product);

/** The percentile from the histogram is the value of the bucket the exact percentile lies in. */
function expectSameBucket(estimate: number | null, exact: number | null): void {
  if (exact === null) {
    expect(estimate).toBeNull();
    return;
  }
  expect(estimate).not.toBeNull();
  expect(histogramBucketOf(estimate as number)).toBe(histogramBucketOf(exact));
}

describe("reports from pre-aggregated days", () => {
  it("equal a direct computation over the requests (property)", () => {
    fc.assert(
      fc.property(fc.array(caseFact, { maxLength: 60 }), filters, fc.constantFrom("month", "week") as fc.Arbitrary<"month" | "week">, (facts, fl, groupBy) => {
        const range: ReportRange = { from: new Date(RANGE_START).toISOString().slice(0, 10), to: new Date(RANGE_START + (RANGE_DAYS - 1) * 86_400_000).toISOString().slice(0, 10), groupBy, filters: fl };
        const days = daysOf(facts);
        const inRange = days.filter((d) => d.day >= range.from && d.day <= range.to);
        const sla = buildSlaReport("p", range, inRange, "2026-04-01T00:00:00.000Z");
        const volume = buildVolumeReport("p", range, { days: inRange, backlog: days.map(backlogDayOf), resellerDays: inRange, productSupportIncidentsRemaining: 2 }, "2026-04-01T00:00:00.000Z");
        const periods = reportPeriods(range.from, range.to, groupBy);
        expect(sla.periods.map((p) => [p.from, p.to])).toEqual(periods.map((p) => [p.from, p.to]));
        periods.forEach((p, i) => {
          const mine = facts.filter((f) => utcDayOf(f.createdAt) >= p.from && utcDayOf(f.createdAt) <= p.to && matches(f, fl));
          const period = sla.periods[i]!;
          expect(period.cases).toBe(mine.length);
          for (const metric of SlaMetrics) {
            const m = period.metrics[metric];
            const sum = (k: "achieved" | "breached" | "inProgress" | "pausedInMs"): number => mine.reduce((s, f) => s + f.sla[metric][k], 0);
            expect([m.achieved, m.breached, m.inProgress, m.pausedInMs]).toEqual([sum("achieved"), sum("breached"), sum("inProgress"), sum("pausedInMs")]);
            const times = mine.flatMap((f) => f.sla[metric].elapsedInMs);
            expect(m.measured).toBe(times.length);
            expectSameBucket(m.medianInMs, exactPercentile(times, 50));
            expectSameBucket(m.p90InMs, exactPercentile(times, 90));
          }
          const ratings = mine.flatMap((f) => (f.satisfaction ? [f.satisfaction.rating] : []));
          expect(period.csat.count).toBe(ratings.length);
          expect(period.csat.average).toBe(ratings.length ? Math.round((ratings.reduce((s, r) => s + r, 0) / ratings.length) * 100) / 100 : null);
          const v = volume.periods[i]!;
          expect(v.cases).toBe(mine.length);
          for (const c of Channels) expect(v.byChannel[c] ?? 0).toBe(mine.filter((f) => f.channel === c).length);
          for (const vehicle of SupportVehicles) expect(v.escalations.byVehicle[vehicle] ?? 0).toBe(mine.filter((f) => f.escalation?.vehicle === vehicle).length);
          expect(v.productSupportIncidentsUsed).toBe(mine.filter((f) => f.escalation?.productSupportIncidentUsed).length);
          // Open at the period's end, whenever created (before the range too).
          const open = facts.filter((f) => matches(f, fl) && utcDayOf(f.createdAt) <= p.to && (!f.resolvedAt || utcDayOf(f.resolvedAt) > p.to));
          expect(v.backlogAtEnd).toBe(open.length);
          const rs = volume.resellerEscalations!.periods[i]!;
          expect(Object.values(rs.byReseller).reduce((s, n) => s + n, 0)).toBe(mine.filter((f) => f.resellerPartnerId).length);
        });
        const all = facts.filter((f) => utcDayOf(f.createdAt) >= range.from && utcDayOf(f.createdAt) <= range.to && matches(f, fl));
        expect(sla.totals.cases).toBe(all.length);
        expect(volume.cases).toBe(all.length);
        const counts = new Map<string, number>();
        for (const f of all) counts.set(f.customerTenantId, (counts.get(f.customerTenantId) ?? 0) + 1);
        expect(volume.topCustomers).toEqual([...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10).map(([tenantId, cases]) => ({ tenantId, cases })));
        for (const product of ProductIds) {
          const rated = all.filter((f) => f.product === product && f.satisfaction);
          expect(sla.csatByProduct[product]?.count ?? 0).toBe(rated.length);
        }
        expect(volume.productSupportIncidents).toEqual({ used: all.filter((f) => f.escalation?.productSupportIncidentUsed).length, remaining: 2 });
      }),
      { numRuns: 150 },
    );
  });

  it("refuses a fact of another day in a day's aggregate", () => {
    expect(() => aggregateDay("2026-01-01", [{ createdAt: "2026-01-02T00:00:00.000Z", caseId: "x" } as CaseFact])).toThrow(RangeError);
  });
});
