/**
 * The reports' pure logic (shared/domain/reports.ts): a request's fact from its SLA event log, the
 * histogram the percentiles come from, periods and defaults, and — as a property over random
 * requests — that the reports computed from the pre-aggregated days equal a direct computation
 * over the requests (counts exactly; percentiles within their histogram bucket).
 */
import fc from "fast-check";
import { Channels, ProductIds, SlaMetrics, SupportVehicles, type AppliedSlaPolicy, type CaseFact, type ReportFilters, type SlaEvent, type SupportRequest } from "../../../shared/contracts";
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
  addDays,
  histogramBucketValue,
  histogramPercentile,
  MAX_HISTOGRAM_BUCKET,
  mergeAggregates,
  planRollups,
  reportPeriods,
  rollupEndOf,
  rollupStartOf,
  slaMetricFactsOf,
  utcDayOf,
  type ReportRange,
} from "../../../shared/domain";
import { packDay, unpackDay } from "../../../shared/adapters/tableReportReadModel";
import { caseFact, daysOf, filters, RANGE_DAYS, RANGE_START } from "../../support/reportFacts";

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

  it("splits a range into its whole months or ISO weeks and the days at its ends", () => {
    expect([rollupStartOf("2026-02-28", "month"), rollupEndOf("2026-02-01", "month"), rollupEndOf("2024-02-01", "month"), rollupEndOf("2026-12-01", "month")]).toEqual(["2026-02-01", "2026-02-28", "2024-02-29", "2026-12-31"]);
    // 2026-03-08 is a Sunday, 2026-03-09 a Monday; ISO weeks cross years (2026-01-01 is a Thursday).
    expect([rollupStartOf("2026-03-08", "week"), rollupStartOf("2026-03-09", "week"), rollupStartOf("2026-01-01", "week"), rollupEndOf("2025-12-29", "week")]).toEqual(["2026-03-02", "2026-03-09", "2025-12-29", "2026-01-04"]);
    expect(planRollups("2026-01-15", "2026-04-10", "month")).toEqual({ head: { from: "2026-01-15", to: "2026-01-31" }, rollups: { fromStart: "2026-02-01", toStart: "2026-03-01" }, tail: { from: "2026-04-01", to: "2026-04-10" } });
    expect(planRollups("2026-01-01", "2026-12-31", "month")).toEqual({ rollups: { fromStart: "2026-01-01", toStart: "2026-12-01" } });
    expect(planRollups("2026-03-04", "2026-03-17", "week")).toEqual({ head: { from: "2026-03-04", to: "2026-03-08" }, rollups: { fromStart: "2026-03-09", toStart: "2026-03-09" }, tail: { from: "2026-03-16", to: "2026-03-17" } });
    // No whole period: all days.
    expect(planRollups("2026-03-04", "2026-03-07", "week")).toEqual({ head: { from: "2026-03-04", to: "2026-03-07" } });
    expect(planRollups("2026-01-31", "2026-02-27", "month")).toEqual({ head: { from: "2026-01-31", to: "2026-02-27" } });
    // Since the first stored day: every whole month up to the end, and the days after.
    expect(planRollups(undefined, "2026-03-09", "month")).toEqual({ rollups: { fromStart: undefined, toStart: "2026-02-01" }, tail: { from: "2026-03-01", to: "2026-03-09" } });
    expect(planRollups(undefined, "2026-02-28", "month")).toEqual({ rollups: { fromStart: undefined, toStart: "2026-02-01" } });
  });

  it("covers every day of a range once: the end days and the whole periods between them (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 800 }), fc.integer({ min: 0, max: 400 }), fc.constantFrom("month", "week") as fc.Arbitrary<"month" | "week">, (offset, length, grain) => {
        const from = addDays("2024-01-01", offset);
        const to = addDays(from, length);
        const plan = planRollups(from, to, grain);
        const covered: string[] = [];
        const push = (a: string, b: string): void => {
          for (let d = a; d <= b; d = addDays(d, 1)) covered.push(d);
        };
        if (plan.head) push(plan.head.from, plan.head.to);
        if (plan.rollups) {
          for (let start = plan.rollups.fromStart!; start <= plan.rollups.toStart; start = addDays(rollupEndOf(start, grain), 1)) {
            expect(rollupStartOf(start, grain)).toBe(start);
            push(start, rollupEndOf(start, grain));
          }
        }
        if (plan.tail) push(plan.tail.from, plan.tail.to);
        const expected: string[] = [];
        for (let d = from; d <= to; d = addDays(d, 1)) expected.push(d);
        expect(covered).toEqual(expected);
        // Only the days of the (at most two) periods the range does not hold whole are read as days.
        const head = plan.head ? daysBetween(plan.head.from, plan.head.to) : 0;
        const tail = plan.tail ? daysBetween(plan.tail.from, plan.tail.to) : 0;
        const longest = grain === "month" ? 31 : 7;
        expect(head + tail).toBeLessThanOrEqual(2 * (longest - 1));
        if (plan.rollups) expect(Math.max(head, tail)).toBeLessThan(longest);
      }),
      { numRuns: 300 },
    );
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

/** Days from `from` to `to`, both included. */
const daysBetween = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;

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

  it("survive the Table adapter's compact, compressed encoding of a day unchanged (property)", () => {
    fc.assert(
      fc.property(fc.array(caseFact, { maxLength: 40 }), (facts) => {
        for (const day of daysOf(facts)) expect(unpackDay(packDay(day))).toEqual(day);
      }),
      { numRuns: 50 },
    );
  });

  it("are the same from the rollups of the whole months or weeks of a range and its end days as from its days (property)", () => {
    const day = (offset: number): string => new Date(RANGE_START + offset * 86_400_000).toISOString().slice(0, 10);
    fc.assert(
      fc.property(
        fc.array(caseFact, { maxLength: 60 }),
        filters,
        fc.constantFrom("month", "week") as fc.Arbitrary<"month" | "week">,
        fc.integer({ min: 0, max: RANGE_DAYS - 1 }),
        fc.integer({ min: 0, max: RANGE_DAYS - 1 }),
        (facts, fl, groupBy, a, b) => {
          const range: ReportRange = { from: day(Math.min(a, b)), to: day(Math.max(a, b)), groupBy, filters: fl };
          const days = daysOf(facts);
          const between = (from: string | undefined, to: string): typeof days => days.filter((d) => (from === undefined || d.day >= from) && d.day <= to);
          /** What the read model answers for a range: its whole periods merged, its end days as days. */
          const aggregates = (from: string | undefined, to: string, grain: "month" | "week"): typeof days => {
            const plan = planRollups(from, to, grain);
            const whole = plan.rollups ? [...new Set(between(plan.rollups.fromStart, rollupEndOf(plan.rollups.toStart, grain)).map((d) => rollupStartOf(d.day, grain)))] : [];
            return [
              ...(plan.head ? between(plan.head.from, plan.head.to) : []),
              ...whole.map((start) => mergeAggregates(start, between(start, rollupEndOf(start, grain)))),
              ...(plan.tail ? between(plan.tail.from, plan.tail.to) : []),
            ];
          };
          const inRange = between(range.from, range.to);
          const rolled = aggregates(range.from, range.to, groupBy);
          expect(rolled.length).toBeLessThanOrEqual(inRange.length);
          const at = "2026-04-01T00:00:00.000Z";
          expect(buildSlaReport("p", range, rolled, at)).toEqual(buildSlaReport("p", range, inRange, at));
          const before = aggregates(undefined, addDays(range.from, -1), "month");
          expect(buildVolumeReport("p", range, { days: rolled, backlog: [...before, ...rolled].map(backlogDayOf), resellerDays: rolled, productSupportIncidentsRemaining: 2 }, at)).toEqual(
            buildVolumeReport("p", range, { days: inRange, backlog: between(undefined, range.to).map(backlogDayOf), resellerDays: inRange, productSupportIncidentsRemaining: 2 }, at),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses a fact of another day in a day's aggregate", () => {
    expect(() => aggregateDay("2026-01-01", [{ createdAt: "2026-01-02T00:00:00.000Z", caseId: "x" } as CaseFact])).toThrow(RangeError);
  });
});
