/**
 * Partner reports: SLA attainment and volume (what Zendesk Explore, Freshdesk analytics and
 * ServiceNow SLA reports show, and what a CSP partner shows in a quarterly review). The query and
 * response schemas of `GET /api/partners/{partnerId}/reports/sla` and `…/reports/volume` (a
 * dashboard can `import type` them), and the shapes of the read model they are computed from: a
 * fact per case and a pre-aggregated row per partner and UTC day (docs/architecture.md "The
 * reports' read model").
 *
 * Units: durations are milliseconds; dates are UTC calendar dates (`YYYY-MM-DD`); instants are
 * ISO 8601 UTC. Every figure of a period is about the requests CREATED in it (a cohort), except
 * the backlog, which counts the requests open at the period's end.
 */
import { z } from "zod";
import { SupportVehicles, Categories, Channels, ProductIds, Severities, CaseStatuses, type Category, type Channel, type ProductId, type Severity, type SupportVehicle } from "./supportRequest";
import type { SlaMetricName } from "./sla";

/** Most days a report covers (`from` to `to`, both included): a year, leap years included. */
export const MAX_REPORT_DAYS = 366;

/** How a report groups its periods: calendar months or ISO weeks (Monday to Sunday), both in UTC. */
export const ReportGroupings = ["month", "week"] as const;
/** A report grouping. */
export type ReportGrouping = (typeof ReportGroupings)[number];

/** A UTC calendar date `YYYY-MM-DD`. */
const ReportDate = z.iso.date();

/**
 * Query of both report endpoints (every value a single string; unknown parameters are refused).
 * `from` and `to` are UTC dates, both included, at most {@link MAX_REPORT_DAYS} days apart
 * (inclusive); defaults: `to` today (UTC), `from` the first day of the month eleven months before
 * `to`'s (twelve calendar months). `groupBy` defaults to `month`. `severity`, `product` and
 * `category` keep only the requests with that classification (their current one).
 */
export const ReportQuerySchema = z
  .object({
    from: ReportDate.optional(),
    to: ReportDate.optional(),
    groupBy: z.enum(ReportGroupings).optional(),
    severity: z.enum(Severities).optional(),
    product: z.enum(ProductIds).optional(),
    category: z.enum(Categories).optional(),
  })
  .strict();
/** A report query as validated (dates still strings, defaults not applied). */
export type ReportQuery = z.infer<typeof ReportQuerySchema>;

/** The classification filters of a report (all optional; combined with AND). */
export interface ReportFilters {
  severity?: Severity;
  product?: ProductId;
  category?: Category;
}

/* ------------------------------------------------------------------------------------------ */
/* Responses                                                                                    */
/* ------------------------------------------------------------------------------------------ */

const Count = z.number().int().min(0);
const Ms = (what: string): z.ZodNumber => z.number().min(0).describe(`${what} (milliseconds).`);
const NullableMs = (what: string) => z.number().min(0).nullable().describe(`${what} (milliseconds of business time on the policy's calendar); null when no request of the period was measured.`);
const countsOf = <T extends string>(keys: readonly [T, ...T[]]) => z.partialRecord(z.enum(keys), Count);

/** The range and grouping a report answers for (the defaults applied). */
export const ReportRangeSchema = z.object({
  partnerId: z.string(),
  /** First UTC date of the range (included). */
  from: ReportDate.describe("First UTC date of the range (included)."),
  /** Last UTC date of the range (included). */
  to: ReportDate.describe("Last UTC date of the range (included)."),
  groupBy: z.enum(ReportGroupings),
  filters: z.object({ severity: z.enum(Severities).optional(), product: z.enum(ProductIds).optional(), category: z.enum(Categories).optional() }),
  /** ISO 8601 UTC instant the report was computed. */
  generatedAt: z.iso.datetime().describe("ISO 8601 UTC instant the report was computed."),
});

/** The bounds of one period of a report: UTC dates, both included (clipped to the report's range). */
const PeriodBounds = {
  from: ReportDate.describe("First UTC date of the period (included)."),
  to: ReportDate.describe("Last UTC date of the period (included)."),
};

/**
 * SLA attainment of one metric over a set of requests. `achieved`: cycles fulfilled within their
 * target; `breached`: cycles whose target was missed (fulfilled late or still open); `inProgress`:
 * open cycles not breached yet. First response and resolution have at most one cycle per request;
 * next update one per partner update. `medianInMs` and `p90InMs` are over the fulfilled cycles
 * (achieved or late), in business time on the policy's calendar with pauses excluded, estimated from
 * a log-scale histogram (within 4.5 % of the exact value). `pausedInMs` is the calendar (wall-clock)
 * time the metric's clocks were paused, summed.
 */
export const SlaMetricReportSchema = z.object({
  achieved: Count,
  breached: Count,
  inProgress: Count,
  /** achieved ÷ (achieved + breached) × 100, one decimal; null when neither. */
  attainmentPercent: z.number().min(0).max(100).nullable().describe("achieved ÷ (achieved + breached) × 100, one decimal; null when neither."),
  /** Fulfilled cycles measured by the median and p90. */
  measured: Count.describe("Fulfilled cycles the median and p90 are computed over."),
  medianInMs: NullableMs("Median time to fulfil"),
  p90InMs: NullableMs("90th percentile time to fulfil"),
  pausedInMs: Ms("Calendar time the metric's clocks were paused, summed over the requests"),
});
/** SLA attainment of one metric. */
export type SlaMetricReport = z.infer<typeof SlaMetricReportSchema>;

/** Customer satisfaction (the ratings customers gave on the status page: 1 very dissatisfied … 5 very satisfied). */
export const CsatReportSchema = z.object({
  count: Count,
  /** Mean rating, two decimals; null without ratings. */
  average: z.number().min(1).max(5).nullable().describe("Mean rating (1–5), two decimals; null without ratings."),
  /** Ratings per score 1–5. */
  distribution: z.object({ 1: Count, 2: Count, 3: Count, 4: Count, 5: Count }),
});
/** CSAT of a set of requests. */
export type CsatReport = z.infer<typeof CsatReportSchema>;

/** The SLA figures of one period (or of the whole range). */
export const SlaPeriodSchema = z.object({
  /** Requests created in the period. */
  cases: Count.describe("Requests created in the period (matching the filters)."),
  metrics: z.object({ "first-response": SlaMetricReportSchema, "next-update": SlaMetricReportSchema, resolution: SlaMetricReportSchema }),
  csat: CsatReportSchema,
});
/** SLA figures of a period. */
export type SlaPeriod = z.infer<typeof SlaPeriodSchema>;

/**
 * 200 of `GET /api/partners/{partnerId}/reports/sla`: per period the SLA attainment of each metric
 * (first response, next update, resolution), median and p90 times in business hours, paused time
 * and CSAT; the same over the whole range (`totals`); CSAT per product over the range.
 */
export const SlaReportSchema = ReportRangeSchema.extend({
  periods: z.array(SlaPeriodSchema.extend(PeriodBounds)),
  totals: SlaPeriodSchema,
  /** CSAT of the range per product (products without requests are left out). */
  csatByProduct: z.partialRecord(z.enum(ProductIds), CsatReportSchema),
});
/** The SLA report. */
export type SlaReport = z.infer<typeof SlaReportSchema>;

/** Escalations of a set of requests: by target and, for those to Microsoft, by support vehicle. */
export const EscalationCountsSchema = z.object({
  byTarget: z.partialRecord(z.enum(["indirect-provider", "microsoft", "none"]), Count),
  byVehicle: countsOf(SupportVehicles),
});

/** The volume figures of one period. */
export const VolumePeriodSchema = z.object({
  ...PeriodBounds,
  /** Requests created in the period. */
  cases: Count.describe("Requests created in the period (matching the filters)."),
  byCategory: countsOf(Categories),
  byProduct: countsOf(ProductIds),
  byChannel: countsOf(Channels),
  bySeverity: countsOf(Severities),
  /** Requests open (neither resolved nor closed) at the end of the period's last day, whenever created. */
  backlogAtEnd: Count.describe("Requests open (not resolved or closed) at 24:00 UTC of the period's last day, whenever they were created."),
  escalations: EscalationCountsSchema,
  /** Product support incidents the period's requests used. */
  productSupportIncidentsUsed: Count,
});
/** Volume of a period. */
export type VolumePeriod = z.infer<typeof VolumePeriodSchema>;

/** The escalated requests of an indirect provider's resellers in one period (requests created in it). */
export const ResellerPeriodSchema = z.object({
  ...PeriodBounds,
  cases: Count.describe("Resellers' requests escalated to this provider, created in the period."),
  byReseller: z.record(z.string(), Count),
  bySeverity: countsOf(Severities),
  byProduct: countsOf(ProductIds),
  escalations: EscalationCountsSchema,
});

/**
 * 200 of `GET /api/partners/{partnerId}/reports/volume`: per period the requests by category,
 * product, channel and severity, the backlog at the period's end, escalations by target and
 * support vehicle and product support incidents used; over the range the top customers by volume
 * and the incidents used against those remaining now. An indirect provider also gets
 * `resellerEscalations`: its resellers' requests escalated to it, as a separate series.
 */
export const VolumeReportSchema = ReportRangeSchema.extend({
  periods: z.array(VolumePeriodSchema),
  /** Requests created in the range. */
  cases: Count,
  /** The ten customers (tenant ids) with the most requests created in the range, most first. */
  topCustomers: z.array(z.object({ tenantId: z.string(), cases: Count })),
  productSupportIncidents: z.object({
    /** Used by the range's requests. */
    used: Count,
    /** Left now on the partner's `product-support-incidents` entitlement; null without that entitlement. */
    remaining: Count.nullable(),
  }),
  resellerEscalations: z.object({ cases: Count, periods: z.array(ResellerPeriodSchema) }).optional(),
});
/** The volume report. */
export type VolumeReport = z.infer<typeof VolumeReportSchema>;

/* ------------------------------------------------------------------------------------------ */
/* Read model                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/**
 * Which series a fact or a day belongs to in a partner's read model: `own` (the partner's own
 * requests) or `reseller` (an indirect provider's copy of its resellers' requests escalated to it).
 */
export const ReportSeriesValues = ["own", "reseller"] as const;
/** A series of the read model. */
export type ReportSeries = (typeof ReportSeriesValues)[number];

/**
 * What one SLA metric of one request came to, recomputed from its SLA event log: cycles achieved,
 * breached and still in progress, the business time (ms) each fulfilled cycle took (at most
 * {@link MAX_MEASURED_CYCLES}, the last ones), and the calendar time (ms) its clocks were paused.
 */
export interface MetricFact {
  achieved: number;
  breached: number;
  inProgress: number;
  elapsedInMs: number[];
  pausedInMs: number;
}

/** Most fulfilled cycles of one metric a fact keeps the times of (next update restarts at every partner update). */
export const MAX_MEASURED_CYCLES = 200;

/**
 * The fact of one request, as the read model keeps it (recomputed whole from the case row and its
 * SLA event log whenever either changes; never incremented). Keyed by its creation instant.
 */
export interface CaseFact {
  caseId: string;
  /** ISO 8601 UTC instant the request was created (its day places it in the read model). */
  createdAt: string;
  severity: Severity;
  category: Category;
  product: ProductId;
  channel: Channel;
  customerTenantId: string;
  status: (typeof CaseStatuses)[number];
  /** ISO 8601 UTC instant the request was (last) resolved, while it is resolved or closed; absent while open. */
  resolvedAt?: string;
  escalation?: { target: "indirect-provider" | "microsoft" | "none"; vehicle?: SupportVehicle; productSupportIncidentUsed: boolean };
  sla: Record<SlaMetricName, MetricFact>;
  /** The customer's rating (1–5) and when it was given. */
  satisfaction?: { rating: number; at: string };
  /** On an indirect provider's copy: the reseller that owns the request. */
  resellerPartnerId?: string;
}

/** Counts of one SLA metric in a day cell: the sums of its facts, with the fulfilled times as a histogram ({@link HISTOGRAM_BUCKETS_PER_DOUBLING}). */
export interface MetricAggregate {
  achieved: number;
  breached: number;
  inProgress: number;
  pausedInMs: number;
  /** Fulfilled cycles per histogram bucket index (sparse). */
  histogram: Record<string, number>;
}

/**
 * Buckets per doubling of the histogram of business-time durations: bucket 0 holds [0, 1 s); bucket
 * i ≥ 1 holds [1 s × 2^((i−1)/8), 1 s × 2^(i/8)), so each spans 9 % and its geometric middle is within
 * 4.5 % of any value in it.
 */
export const HISTOGRAM_BUCKETS_PER_DOUBLING = 8;

/**
 * The aggregate of the requests of one classification (severity, category, product) created on one
 * day: every count a report needs, so a report reads one row per day instead of one per request.
 */
export interface ReportCell {
  severity: Severity;
  category: Category;
  product: ProductId;
  cases: number;
  byChannel: Partial<Record<Channel, number>>;
  /** Requests resolved (and not reopened since) per UTC date they were resolved: the backlog. */
  resolvedByDay: Record<string, number>;
  sla: Record<SlaMetricName, MetricAggregate>;
  csat: { count: number; sum: number; distribution: [number, number, number, number, number] };
  escalationsByTarget: Partial<Record<"indirect-provider" | "microsoft" | "none", number>>;
  escalationsByVehicle: Partial<Record<SupportVehicle, number>>;
  productSupportIncidentsUsed: number;
  /** Requests per customer tenant id. */
  customers: Record<string, number>;
  /** Reseller series only: requests per reseller partner id. */
  resellers: Record<string, number>;
}

/** The pre-aggregated row of one partner, series and UTC day: its cells by `severity|category|product`. */
export interface DayAggregate {
  /** UTC date `YYYY-MM-DD`. */
  day: string;
  /** Requests created that day (every cell). */
  cases: number;
  cells: Record<string, ReportCell>;
}
