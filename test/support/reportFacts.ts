/**
 * Generators of the reports' facts for property tests: requests created over a 120-day range (and
 * the 30 days before it), with random classification, SLA cycles, resolution, escalation, rating
 * and reseller, and the days the read model stores of them.
 */
import fc from "fast-check";
import { Categories, Channels, ProductIds, Severities, SupportVehicles, type CaseFact, type MetricFact, type ReportFilters } from "../../shared/contracts";
import { aggregateDay, utcDayOf } from "../../shared/domain";

/** First instant of the generated range (UTC). */
export const RANGE_START = Date.parse("2025-11-20T00:00:00Z");
/** Days in the generated range. */
export const RANGE_DAYS = 120;
/** Customer tenants the facts use. */
const tenants = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444"];

/** One SLA metric of a fact. */
const metricFact: fc.Arbitrary<MetricFact> = fc.record({
  achieved: fc.nat(2),
  breached: fc.nat(2),
  inProgress: fc.nat(1),
  elapsedInMs: fc.array(fc.integer({ min: 0, max: 30 * 86_400_000 }), { maxLength: 3 }),
  pausedInMs: fc.nat(5 * 86_400_000),
});

/** A request's fact created in the range or up to 30 days before it. */
export const caseFact: fc.Arbitrary<CaseFact> = fc
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

/** Report filters by severity and category, each possibly absent. */
export const filters: fc.Arbitrary<ReportFilters> = fc.record({ severity: fc.option(fc.constantFrom(...Severities), { nil: undefined }), category: fc.option(fc.constantFrom(...Categories), { nil: undefined }) }).map((f) => ({ ...(f.severity ? { severity: f.severity } : {}), ...(f.category ? { category: f.category } : {}) }));

/** The days of a set of facts, as the read model stores them. */
export function daysOf(facts: readonly CaseFact[]): ReturnType<typeof aggregateDay>[] {
  const byDay = new Map<string, CaseFact[]>();
  for (const f of facts) byDay.set(utcDayOf(f.createdAt), [...(byDay.get(utcDayOf(f.createdAt)) ?? []), f]);
  return [...byDay.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([day, fs]) => aggregateDay(day, fs));
}

