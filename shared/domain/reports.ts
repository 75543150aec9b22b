/**
 * Partner reports, pure: the fact of one request (from its case row and SLA event log), the
 * pre-aggregated day of a partner (from the facts created that day), the log-scale histogram the
 * percentiles come from, the periods of a range, and the SLA and volume reports computed from the
 * days. No clock is read and nothing is stored here (shared/services/reports.ts does that).
 *
 * Every figure is recomputed whole from its inputs (facts from the stored facts of a request, days
 * from the facts of the day), never incremented: writers that run twice or race write the same
 * answer (docs/architecture.md "The reports' read model").
 */
import {
  Categories,
  Channels,
  HISTOGRAM_BUCKETS_PER_DOUBLING,
  MAX_MEASURED_CYCLES,
  ProductIds,
  Severities,
  SlaMetrics,
  SupportVehicles,
  type AppliedSlaPolicy,
  type CaseFact,
  type CsatReport,
  type DayAggregate,
  type MetricAggregate,
  type MetricFact,
  type ReportCell,
  type ReportFilters,
  type ReportGrouping,
  type SlaEvent,
  type SlaMetricName,
  type SlaMetricReport,
  type SlaPeriod,
  type SlaReport,
  type SupportRequest,
  type VolumePeriod,
  type VolumeReport,
} from "../contracts";
import { workingMsBetween } from "./calendar";
import { durationToMs, parseInstant } from "./instant";

const DAY_MS = 86_400_000;

/** The UTC date (`YYYY-MM-DD`) of an ISO 8601 instant. @throws RangeError for an invalid instant. */
export function utcDayOf(iso: string): string {
  return new Date(parseInstant(iso, "instant")).toISOString().slice(0, 10);
}

/** The UTC date `days` after `day` (negative: before). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included (1 for the same day; 0 or less when `to` is before `from`). */
export function daysBetweenInclusive(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / DAY_MS) + 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Histogram                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** Highest bucket index: 1 s × 2^(240/8) ≈ 34 years; longer durations share it. */
export const MAX_HISTOGRAM_BUCKET = 30 * HISTOGRAM_BUCKETS_PER_DOUBLING;

/**
 * The histogram bucket of a duration: 0 for [0, 1 s); i ≥ 1 for [1 s × 2^((i−1)/8), 1 s × 2^(i/8)),
 * capped at {@link MAX_HISTOGRAM_BUCKET}.
 * @param ms - a duration (ms); negative counts as 0.
 */
export function histogramBucketOf(ms: number): number {
  if (!(ms >= 1000)) return 0;
  let i = Math.floor(Math.log2(ms / 1000) * HISTOGRAM_BUCKETS_PER_DOUBLING) + 1;
  // Guard floating-point error at the edges: the bucket's bounds decide.
  while (i > 1 && ms < histogramBucketBounds(i)[0]) i--;
  while (i < MAX_HISTOGRAM_BUCKET && ms >= histogramBucketBounds(i)[1]) i++;
  return Math.min(i, MAX_HISTOGRAM_BUCKET);
}

/** The bounds [lower, upper) of a bucket, ms (the last bucket's upper bound is infinite). */
export function histogramBucketBounds(bucket: number): [number, number] {
  if (bucket <= 0) return [0, 1000];
  const lower = 1000 * 2 ** ((bucket - 1) / HISTOGRAM_BUCKETS_PER_DOUBLING);
  const upper = bucket >= MAX_HISTOGRAM_BUCKET ? Number.POSITIVE_INFINITY : 1000 * 2 ** (bucket / HISTOGRAM_BUCKETS_PER_DOUBLING);
  return [lower, upper];
}

/** The value a bucket stands for, ms (rounded): its geometric middle (500 ms for bucket 0, the lower bound for the last). */
export function histogramBucketValue(bucket: number): number {
  if (bucket <= 0) return 500;
  const [lower, upper] = histogramBucketBounds(bucket);
  return Math.round(Number.isFinite(upper) ? Math.sqrt(lower * upper) : lower);
}

/** The nearest-rank index (0-based) of percentile `p` (0 < p ≤ 100) among `n` sorted values. */
export function nearestRankIndex(n: number, p: number): number {
  return Math.max(0, Math.ceil((p / 100) * n) - 1);
}

/**
 * The nearest-rank percentile of exact values (the direct computation).
 * @returns the value, or null for no values.
 */
export function exactPercentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[nearestRankIndex(sorted.length, p)] ?? null;
}

/**
 * The nearest-rank percentile estimated from a histogram: the value of the bucket holding that rank
 * ({@link histogramBucketValue}), so within 4.5 % of the exact percentile (or 500 ms below 1 s).
 * @returns the estimate (ms), or null for an empty histogram.
 */
export function histogramPercentile(histogram: Readonly<Record<string, number>>, p: number): number | null {
  const buckets = Object.entries(histogram)
    .map(([k, n]) => [Number(k), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = nearestRankIndex(total, p);
  let seen = 0;
  for (const [bucket, n] of buckets) {
    seen += n;
    if (seen > rank) return histogramBucketValue(bucket);
  }
  return null;
}

/* ------------------------------------------------------------------------------------------ */
/* The fact of a request                                                                        */
/* ------------------------------------------------------------------------------------------ */

interface CycleState {
  targetMs: number;
  runningSince?: number;
  pausedSince?: number;
  closed?: "fulfilled" | "cancelled";
  elapsedMs: number;
  breached: boolean;
}

function emptyMetricFact(): MetricFact {
  return { achieved: 0, breached: 0, inProgress: 0, elapsedInMs: [], pausedInMs: 0 };
}

/**
 * What each SLA metric of a request came to, replaying its log with the semantics of
 * shared/domain/slaLog.ts (cycles, re-targets, pauses, a resolution reopened by `resume`): per
 * metric the cycles achieved (fulfilled within target), breached (a breach logged, or fulfilled
 * after the target) and in progress (open, not breached); the business time of each fulfilled
 * cycle on the policy's calendar (pauses excluded); the calendar time spent paused (pauses that
 * ended; a pause still running is not counted yet). Cancelled cycles without a breach count nowhere.
 * @param log - the SLA events, oldest first.
 * @param policy - the policy in force (its calendar measures business time).
 * @throws RangeError for invalid instants or durations.
 */
export function slaMetricFactsOf(log: readonly SlaEvent[], policy: Pick<AppliedSlaPolicy, "calendar">): Record<SlaMetricName, MetricFact> {
  const cycles: Record<SlaMetricName, CycleState[]> = { "first-response": [], "next-update": [], resolution: [] };
  const paused: Record<SlaMetricName, number> = { "first-response": 0, "next-update": 0, resolution: 0 };
  for (const ev of log) {
    const at = parseInstant(ev.at, "SLA event at");
    const list = cycles[ev.metric];
    const current = list[list.length - 1];
    const open = current !== undefined && current.closed === undefined;
    const stop = (c: CycleState): void => {
      if (c.runningSince !== undefined) {
        c.elapsedMs += workingMsBetween(c.runningSince, Math.max(at, c.runningSince), policy.calendar);
        c.runningSince = undefined;
      }
    };
    const endPause = (c: CycleState): void => {
      if (c.pausedSince !== undefined) {
        paused[ev.metric] += Math.max(0, at - c.pausedSince);
        c.pausedSince = undefined;
      }
    };
    switch (ev.type) {
      case "activate": {
        const targetMs = ev.target ? durationToMs(ev.target) : 0;
        if (open) current.targetMs = targetMs;
        else list.push({ targetMs, runningSince: at, elapsedMs: 0, breached: false });
        break;
      }
      case "pause":
        if (open && current.runningSince !== undefined) {
          stop(current);
          current.pausedSince = at;
        }
        break;
      case "resume":
        if (current && current.runningSince === undefined) {
          endPause(current);
          current.closed = undefined;
          current.runningSince = at;
        }
        break;
      case "fulfill":
      case "cancel":
        if (open) {
          stop(current);
          endPause(current);
          current.closed = ev.type === "fulfill" ? "fulfilled" : "cancelled";
        }
        break;
      case "breach":
        if (current) current.breached = true;
        break;
      case "warn":
        break;
    }
  }
  const out = {} as Record<SlaMetricName, MetricFact>;
  for (const metric of SlaMetrics) {
    const fact = emptyMetricFact();
    for (const c of cycles[metric]) {
      const late = c.closed === "fulfilled" && c.targetMs > 0 && c.elapsedMs > c.targetMs;
      if (c.breached || late) fact.breached++;
      else if (c.closed === "fulfilled") fact.achieved++;
      else if (c.closed === undefined) fact.inProgress++;
      if (c.closed === "fulfilled") fact.elapsedInMs.push(c.elapsedMs);
    }
    fact.elapsedInMs = fact.elapsedInMs.slice(-MAX_MEASURED_CYCLES);
    fact.pausedInMs = paused[metric];
    out[metric] = fact;
  }
  return out;
}

/**
 * The fact of a request: its classification, customer, state, the instant it was (last) resolved
 * while it is resolved or closed (the last resolution fulfilment of its log, else `closedAt`, else
 * `updatedAt`), its escalation, its SLA metrics ({@link slaMetricFactsOf}) and its rating.
 * @param sr - the case as stored.
 * @param log - its SLA events, oldest first.
 * @param policy - the policy that applies to it now.
 * @param resellerPartnerId - for an indirect provider's copy: the reseller that owns it.
 * @throws RangeError for invalid instants or durations.
 */
export function caseFactOf(sr: SupportRequest, log: readonly SlaEvent[], policy: Pick<AppliedSlaPolicy, "calendar">, resellerPartnerId?: string): CaseFact {
  const done = sr.status === "resolved" || sr.status === "closed";
  const lastFulfil = [...log].reverse().find((e) => e.metric === "resolution" && e.type === "fulfill")?.at;
  const resolvedAt = done ? new Date(parseInstant(lastFulfil ?? sr.closedAt ?? sr.updatedAt, "resolvedAt")).toISOString() : undefined;
  const e = sr.escalation;
  return {
    caseId: sr.caseId,
    createdAt: new Date(parseInstant(sr.createdAt, "createdAt")).toISOString(),
    severity: sr.severity,
    category: sr.category,
    product: sr.product,
    channel: sr.channel,
    customerTenantId: sr.customer.tenantId,
    status: sr.status,
    ...(resolvedAt ? { resolvedAt } : {}),
    ...(e ? { escalation: { target: e.target, ...(e.vehicle ? { vehicle: e.vehicle } : {}), productSupportIncidentUsed: e.productSupportIncident?.consumed === true } } : {}),
    sla: slaMetricFactsOf(log, policy),
    ...(sr.satisfaction ? { satisfaction: { rating: sr.satisfaction.rating, at: sr.satisfaction.at } } : {}),
    ...(resellerPartnerId ? { resellerPartnerId } : {}),
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Days                                                                                         */
/* ------------------------------------------------------------------------------------------ */

/** The key of a cell: `severity|category|product`. */
export function cellKeyOf(c: { severity: string; category: string; product: string }): string {
  return `${c.severity}|${c.category}|${c.product}`;
}

function emptyMetricAggregate(): MetricAggregate {
  return { achieved: 0, breached: 0, inProgress: 0, pausedInMs: 0, histogram: {} };
}

function emptyCell(c: Pick<ReportCell, "severity" | "category" | "product">): ReportCell {
  return {
    severity: c.severity,
    category: c.category,
    product: c.product,
    cases: 0,
    byChannel: {},
    resolvedByDay: {},
    sla: { "first-response": emptyMetricAggregate(), "next-update": emptyMetricAggregate(), resolution: emptyMetricAggregate() },
    csat: { count: 0, sum: 0, distribution: [0, 0, 0, 0, 0] },
    escalationsByTarget: {},
    escalationsByVehicle: {},
    productSupportIncidentsUsed: 0,
    customers: {},
    resellers: {},
  };
}

function bump<K extends string>(counts: Partial<Record<K, number>>, key: K, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/**
 * The aggregate of one day from the facts of the requests created that day (order does not
 * matter; a fact created on another day is a bug and is refused).
 * @param day - the UTC date.
 * @param facts - every fact of that day (of one partner and series).
 * @throws RangeError when a fact was not created on `day`.
 */
export function aggregateDay(day: string, facts: readonly CaseFact[]): DayAggregate {
  const cells: Record<string, ReportCell> = {};
  for (const f of facts) {
    if (utcDayOf(f.createdAt) !== day) throw new RangeError(`The fact of ${f.caseId} was created on ${utcDayOf(f.createdAt)}, not ${day}`);
    const key = cellKeyOf(f);
    const cell = (cells[key] ??= emptyCell(f));
    cell.cases++;
    bump(cell.byChannel, f.channel);
    if (f.resolvedAt) bump(cell.resolvedByDay, utcDayOf(f.resolvedAt));
    for (const metric of SlaMetrics) {
      const m = f.sla[metric];
      const a = cell.sla[metric];
      addMetricCounts(a, m);
      for (const ms of m.elapsedInMs) bump(a.histogram, String(histogramBucketOf(ms)));
    }
    if (f.satisfaction) {
      cell.csat.count++;
      cell.csat.sum += f.satisfaction.rating;
      const i = Math.min(5, Math.max(1, Math.round(f.satisfaction.rating))) - 1;
      cell.csat.distribution[i] = (cell.csat.distribution[i] ?? 0) + 1;
    }
    if (f.escalation) {
      bump(cell.escalationsByTarget, f.escalation.target);
      if (f.escalation.vehicle) bump(cell.escalationsByVehicle, f.escalation.vehicle);
      if (f.escalation.productSupportIncidentUsed) cell.productSupportIncidentsUsed++;
    }
    bump(cell.customers, f.customerTenantId);
    if (f.resellerPartnerId) bump(cell.resellers, f.resellerPartnerId);
  }
  return { day, cases: facts.length, cells };
}

/** Adds a metric's cycle counts and paused time to another's. */
function addMetricCounts(into: MetricAggregate, from: Pick<MetricAggregate, "achieved" | "breached" | "inProgress" | "pausedInMs">): void {
  into.achieved += from.achieved;
  into.breached += from.breached;
  into.inProgress += from.inProgress;
  into.pausedInMs += from.pausedInMs;
}

/** Adds a metric's counts and histogram to another's. */
function addMetric(into: MetricAggregate, from: MetricAggregate): void {
  addMetricCounts(into, from);
  for (const [bucket, n] of Object.entries(from.histogram)) bump(into.histogram, bucket, n);
}

/** Adds every count of `cell` to `into` (a cell of the same key). */
function mergeCellInto(into: ReportCell, cell: ReportCell): void {
  into.cases += cell.cases;
  for (const [channel, n] of Object.entries(cell.byChannel)) bump(into.byChannel, channel as keyof ReportCell["byChannel"], n);
  for (const [day, n] of Object.entries(cell.resolvedByDay)) bump(into.resolvedByDay, day, n);
  for (const metric of SlaMetrics) addMetric(into.sla[metric], cell.sla[metric]);
  addCsat(into.csat, cell.csat);
  for (const [target, n] of Object.entries(cell.escalationsByTarget)) bump(into.escalationsByTarget, target as keyof ReportCell["escalationsByTarget"], n);
  for (const [vehicle, n] of Object.entries(cell.escalationsByVehicle)) bump(into.escalationsByVehicle, vehicle as keyof ReportCell["escalationsByVehicle"], n);
  into.productSupportIncidentsUsed += cell.productSupportIncidentsUsed;
  for (const [tenant, n] of Object.entries(cell.customers)) bump(into.customers, tenant, n);
  for (const [reseller, n] of Object.entries(cell.resellers)) bump(into.resellers, reseller, n);
}

/**
 * The merge of aggregates into one dated `day` (a rollup of a period is dated by its first day):
 * every count of every cell summed, resolution days kept as they are. The reports built from the
 * merge of a whole period's days equal those built from the days themselves, since a report only
 * sums cells per period and dates a request's backlog by its period.
 * @param day - UTC date the merge is dated by.
 * @param aggregates - the aggregates to merge (not changed).
 */
export function mergeAggregates(day: string, aggregates: readonly DayAggregate[]): DayAggregate {
  const cells: Record<string, ReportCell> = {};
  let cases = 0;
  for (const a of aggregates) {
    cases += a.cases;
    for (const [key, cell] of Object.entries(a.cells)) mergeCellInto((cells[key] ??= emptyCell(cell)), cell);
  }
  return { day, cases, cells };
}

/**
 * The first day of the rollup period holding `day`: the first of its calendar month, or the Monday
 * of its ISO week (UTC).
 */
export function rollupStartOf(day: string, grain: ReportGrouping): string {
  if (grain === "month") return `${day.slice(0, 7)}-01`;
  const weekday = (new Date(`${day}T00:00:00.000Z`).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

/** The last day of the rollup period starting on `start` (a {@link rollupStartOf}). */
export function rollupEndOf(start: string, grain: ReportGrouping): string {
  if (grain === "week") return addDays(start, 6);
  const d = new Date(`${start}T00:00:00.000Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
}

/**
 * How a range is read: the whole rollup periods inside it (read as rollups) and the days left at
 * either end (read as days). Periods are calendar months or ISO weeks, in UTC.
 */
export interface RollupPlan {
  /** Days before the first whole period, both included; undefined when the range starts one. */
  head?: ReportPeriodBounds;
  /**
   * First days of the first and the last whole period (both included; `fromStart` undefined: every
   * period since the first stored day); undefined when no period is whole.
   */
  rollups?: { fromStart: string | undefined; toStart: string };
  /** Days after the last whole period, both included; undefined when the range ends one. */
  tail?: ReportPeriodBounds;
}

/**
 * Splits a range into whole rollup periods and the days at its ends ({@link RollupPlan}).
 * @param from - the range's first day (UTC date), or undefined for "since the first stored day".
 * @param to - the range's last day (UTC date).
 * @param grain - the rollup period.
 */
export function planRollups(from: string | undefined, to: string, grain: ReportGrouping): RollupPlan {
  const toStart = rollupStartOf(to, grain);
  const lastStart = rollupEndOf(toStart, grain) === to ? toStart : rollupStartOf(addDays(toStart, -1), grain);
  const firstStart = from === undefined || rollupStartOf(from, grain) === from ? from : addDays(rollupEndOf(rollupStartOf(from, grain), grain), 1);
  if (from !== undefined && firstStart !== undefined && firstStart > lastStart) return { head: { from, to } };
  const lastEnd = rollupEndOf(lastStart, grain);
  return {
    ...(from !== undefined && firstStart !== undefined && from < firstStart ? { head: { from, to: addDays(firstStart, -1) } } : {}),
    rollups: { fromStart: firstStart, toStart: lastStart },
    ...(lastEnd < to ? { tail: { from: addDays(lastEnd, 1), to } } : {}),
  };
}

/** Whether a cell matches the report's filters. */
export function cellMatches(cell: Pick<ReportCell, "severity" | "category" | "product">, filters: ReportFilters): boolean {
  return (!filters.severity || cell.severity === filters.severity) && (!filters.category || cell.category === filters.category) && (!filters.product || cell.product === filters.product);
}

/* ------------------------------------------------------------------------------------------ */
/* Ranges and periods                                                                           */
/* ------------------------------------------------------------------------------------------ */

/** A report's range with its defaults applied. */
export interface ReportRange {
  from: string;
  to: string;
  groupBy: ReportGrouping;
  filters: ReportFilters;
}

/** One period of a range: UTC dates, both included. */
export interface ReportPeriodBounds {
  from: string;
  to: string;
}

/**
 * The default `from` of a report: the first day of the month eleven months before `to`'s month
 * (twelve calendar months, at most 366 days).
 * @param to - the range's last date (today by default); the default `from` is counted back from it.
 */
export function defaultReportFrom(to: string): string {
  const [y, m] = to.split("-").map(Number) as [number, number];
  const monthIndex = y * 12 + (m - 1) - 11;
  return `${String(Math.floor(monthIndex / 12)).padStart(4, "0")}-${String((monthIndex % 12) + 1).padStart(2, "0")}-01`;
}

/**
 * The periods of a range: calendar months, or ISO weeks (Monday to Sunday), in UTC, the first and
 * the last clipped to the range.
 */
export function reportPeriods(from: string, to: string, groupBy: ReportGrouping): ReportPeriodBounds[] {
  const out: ReportPeriodBounds[] = [];
  let start = from;
  while (start <= to) {
    const d = new Date(`${start}T00:00:00.000Z`);
    let next: string;
    if (groupBy === "month") next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
    else next = addDays(start, 7 - ((d.getUTCDay() + 6) % 7));
    const end = addDays(next, -1);
    out.push({ from: start, to: end < to ? end : to });
    start = next;
  }
  return out;
}

/** The index of the period holding `day` (periods are sorted and contiguous), or -1. */
function periodIndexOf(periods: readonly ReportPeriodBounds[], day: string): number {
  let lo = 0;
  let hi = periods.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = periods[mid] as ReportPeriodBounds;
    if (day < p.from) hi = mid - 1;
    else if (day > p.to) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* SLA report                                                                                   */
/* ------------------------------------------------------------------------------------------ */

interface SlaAccumulator {
  cases: number;
  metrics: Record<SlaMetricName, MetricAggregate>;
  csat: ReportCell["csat"];
}

function emptySlaAccumulator(): SlaAccumulator {
  return { cases: 0, metrics: { "first-response": emptyMetricAggregate(), "next-update": emptyMetricAggregate(), resolution: emptyMetricAggregate() }, csat: { count: 0, sum: 0, distribution: [0, 0, 0, 0, 0] } };
}

function addCellToSla(acc: SlaAccumulator, cell: ReportCell): void {
  acc.cases += cell.cases;
  for (const metric of SlaMetrics) addMetric(acc.metrics[metric], cell.sla[metric]);
  addCsat(acc.csat, cell.csat);
}

function addCsat(into: ReportCell["csat"], from: ReportCell["csat"]): void {
  into.count += from.count;
  into.sum += from.sum;
  from.distribution.forEach((n, i) => {
    into.distribution[i] = (into.distribution[i] ?? 0) + n;
  });
}

const round = (value: number, decimals: number): number => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** A metric's report from its summed counts and histogram. */
export function metricReportOf(a: MetricAggregate): SlaMetricReport {
  const decided = a.achieved + a.breached;
  const measured = Object.values(a.histogram).reduce((s, n) => s + n, 0);
  return {
    achieved: a.achieved,
    breached: a.breached,
    inProgress: a.inProgress,
    attainmentPercent: decided === 0 ? null : round((a.achieved / decided) * 100, 1),
    measured,
    medianInMs: histogramPercentile(a.histogram, 50),
    p90InMs: histogramPercentile(a.histogram, 90),
    pausedInMs: a.pausedInMs,
  };
}

/** CSAT from its summed counts. */
export function csatReportOf(c: ReportCell["csat"]): CsatReport {
  const [d1, d2, d3, d4, d5] = c.distribution;
  return { count: c.count, average: c.count === 0 ? null : round(c.sum / c.count, 2), distribution: { 1: d1, 2: d2, 3: d3, 4: d4, 5: d5 } };
}

function slaPeriodOf(acc: SlaAccumulator): SlaPeriod {
  return {
    cases: acc.cases,
    metrics: { "first-response": metricReportOf(acc.metrics["first-response"]), "next-update": metricReportOf(acc.metrics["next-update"]), resolution: metricReportOf(acc.metrics.resolution) },
    csat: csatReportOf(acc.csat),
  };
}

/**
 * The SLA report of a range from its days (days outside the range are ignored).
 * @param partnerId - whose.
 * @param range - the range, grouping and filters.
 * @param days - the partner's own aggregates of the range: days, or merges of whole periods of the
 *   grouping dated by their first day ({@link mergeAggregates}).
 * @param generatedAt - ISO 8601 UTC instant of the computation.
 */
export function buildSlaReport(partnerId: string, range: ReportRange, days: readonly DayAggregate[], generatedAt: string): SlaReport {
  const periods = reportPeriods(range.from, range.to, range.groupBy);
  const accs = periods.map(() => emptySlaAccumulator());
  const totals = emptySlaAccumulator();
  const byProduct: Partial<Record<(typeof ProductIds)[number], ReportCell["csat"]>> = {};
  for (const day of days) {
    const i = periodIndexOf(periods, day.day);
    if (i < 0) continue;
    for (const cell of Object.values(day.cells)) {
      if (!cellMatches(cell, range.filters)) continue;
      addCellToSla(accs[i] as SlaAccumulator, cell);
      addCellToSla(totals, cell);
      addCsat((byProduct[cell.product] ??= { count: 0, sum: 0, distribution: [0, 0, 0, 0, 0] }), cell.csat);
    }
  }
  const csatByProduct: SlaReport["csatByProduct"] = {};
  for (const product of ProductIds) {
    const c = byProduct[product];
    if (c) csatByProduct[product] = csatReportOf(c);
  }
  return {
    partnerId,
    from: range.from,
    to: range.to,
    groupBy: range.groupBy,
    filters: range.filters,
    generatedAt,
    periods: periods.map((p, i) => ({ ...p, ...slaPeriodOf(accs[i] as SlaAccumulator) })),
    totals: slaPeriodOf(totals),
    csatByProduct,
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Volume report                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** What the backlog needs of a day: per cell its requests and their resolution days. */
export interface BacklogDay {
  day: string;
  cells: Array<Pick<ReportCell, "severity" | "category" | "product" | "cases" | "resolvedByDay">>;
}

/** The backlog part of a day aggregate. */
export function backlogDayOf(day: DayAggregate): BacklogDay {
  return { day: day.day, cells: Object.values(day.cells).map((c) => ({ severity: c.severity, category: c.category, product: c.product, cases: c.cases, resolvedByDay: c.resolvedByDay })) };
}

/**
 * Requests open at the end of each period: created on or before its last day and not resolved by
 * then (resolved on a later day, or not at all), whenever created.
 * @param backlog - every day of the series up to the range's end (also before the range).
 */
export function backlogAtEnds(periods: readonly ReportPeriodBounds[], backlog: readonly BacklogDay[], filters: ReportFilters): number[] {
  // Net change per date: +cases on the created day, −1 on each resolution day.
  const delta = new Map<string, number>();
  for (const d of backlog) {
    for (const cell of d.cells) {
      if (!cellMatches(cell, filters)) continue;
      delta.set(d.day, (delta.get(d.day) ?? 0) + cell.cases);
      for (const [day, n] of Object.entries(cell.resolvedByDay)) delta.set(day, (delta.get(day) ?? 0) - n);
    }
  }
  const dates = [...delta.keys()].sort();
  const out: number[] = [];
  let open = 0;
  let i = 0;
  for (const p of periods) {
    while (i < dates.length && (dates[i] as string) <= p.to) open += delta.get(dates[i++] as string) ?? 0;
    out.push(open);
  }
  return out;
}

interface VolumeAccumulator {
  cases: number;
  byCategory: VolumePeriod["byCategory"];
  byProduct: VolumePeriod["byProduct"];
  byChannel: VolumePeriod["byChannel"];
  bySeverity: VolumePeriod["bySeverity"];
  escalations: VolumePeriod["escalations"];
  productSupportIncidentsUsed: number;
  customers: Map<string, number>;
  byReseller: Record<string, number>;
}

function emptyVolume(): VolumeAccumulator {
  return { cases: 0, byCategory: {}, byProduct: {}, byChannel: {}, bySeverity: {}, escalations: { byTarget: {}, byVehicle: {} }, productSupportIncidentsUsed: 0, customers: new Map(), byReseller: {} };
}

function addCellToVolume(acc: VolumeAccumulator, cell: ReportCell): void {
  acc.cases += cell.cases;
  bump(acc.byCategory, cell.category, cell.cases);
  bump(acc.byProduct, cell.product, cell.cases);
  bump(acc.bySeverity, cell.severity, cell.cases);
  for (const channel of Channels) if (cell.byChannel[channel]) bump(acc.byChannel, channel, cell.byChannel[channel]);
  for (const [target, n] of Object.entries(cell.escalationsByTarget)) bump(acc.escalations.byTarget, target as keyof typeof cell.escalationsByTarget, n);
  for (const vehicle of SupportVehicles) if (cell.escalationsByVehicle[vehicle]) bump(acc.escalations.byVehicle, vehicle, cell.escalationsByVehicle[vehicle]);
  acc.productSupportIncidentsUsed += cell.productSupportIncidentsUsed;
  for (const [tenant, n] of Object.entries(cell.customers)) acc.customers.set(tenant, (acc.customers.get(tenant) ?? 0) + n);
  for (const [reseller, n] of Object.entries(cell.resellers)) acc.byReseller[reseller] = (acc.byReseller[reseller] ?? 0) + n;
}

/** Counts in a fixed key order (the enums' order), zero counts left out. */
function ordered<K extends string>(keys: readonly K[], counts: Partial<Record<K, number>>): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const k of keys) if (counts[k]) out[k] = counts[k];
  return out;
}

/** How many customers the volume report lists. */
export const TOP_CUSTOMERS = 10;

/** Inputs of {@link buildVolumeReport} besides the range. */
export interface VolumeInputs {
  /** The partner's own aggregates of the range: days, or merges of whole periods of the grouping dated by their first day. */
  days: readonly DayAggregate[];
  /**
   * The partner's own aggregates up to the range's end, from its first (for the backlog): before the
   * range they may merge whole months (a request counts as open from its period's first day).
   */
  backlog: readonly BacklogDay[];
  /** For an indirect provider: its reseller-series aggregates of the range (as `days`); undefined for other partners. */
  resellerDays?: readonly DayAggregate[];
  /** Incidents left now on the partner's product-support-incidents entitlement (null without one). */
  productSupportIncidentsRemaining: number | null;
}

/**
 * The volume report of a range from its days.
 * @param partnerId - whose.
 * @param range - the range, grouping and filters.
 * @param inputs - the days, the backlog days, the reseller series and the incidents left.
 * @param generatedAt - ISO 8601 UTC instant of the computation.
 */
export function buildVolumeReport(partnerId: string, range: ReportRange, inputs: VolumeInputs, generatedAt: string): VolumeReport {
  const periods = reportPeriods(range.from, range.to, range.groupBy);
  const accumulate = (days: readonly DayAggregate[]): { per: VolumeAccumulator[]; total: VolumeAccumulator } => {
    const per = periods.map(() => emptyVolume());
    const total = emptyVolume();
    for (const day of days) {
      const i = periodIndexOf(periods, day.day);
      if (i < 0) continue;
      for (const cell of Object.values(day.cells)) {
        if (!cellMatches(cell, range.filters)) continue;
        addCellToVolume(per[i] as VolumeAccumulator, cell);
        addCellToVolume(total, cell);
      }
    }
    return { per, total };
  };
  const escalationsOf = (a: VolumeAccumulator): VolumePeriod["escalations"] => ({ byTarget: ordered(["indirect-provider", "microsoft", "none"], a.escalations.byTarget), byVehicle: ordered(SupportVehicles, a.escalations.byVehicle) });
  const own = accumulate(inputs.days);
  const backlog = backlogAtEnds(periods, inputs.backlog, range.filters);
  const topCustomers = [...own.total.customers.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_CUSTOMERS)
    .map(([tenantId, cases]) => ({ tenantId, cases }));
  const report: VolumeReport = {
    partnerId,
    from: range.from,
    to: range.to,
    groupBy: range.groupBy,
    filters: range.filters,
    generatedAt,
    periods: periods.map((p, i) => {
      const a = own.per[i] as VolumeAccumulator;
      return {
        ...p,
        cases: a.cases,
        byCategory: ordered(Categories, a.byCategory),
        byProduct: ordered(ProductIds, a.byProduct),
        byChannel: ordered(Channels, a.byChannel),
        bySeverity: ordered(Severities, a.bySeverity),
        backlogAtEnd: backlog[i] ?? 0,
        escalations: escalationsOf(a),
        productSupportIncidentsUsed: a.productSupportIncidentsUsed,
      };
    }),
    cases: own.total.cases,
    topCustomers,
    productSupportIncidents: { used: own.total.productSupportIncidentsUsed, remaining: inputs.productSupportIncidentsRemaining },
  };
  if (inputs.resellerDays) {
    const series = accumulate(inputs.resellerDays);
    report.resellerEscalations = {
      cases: series.total.cases,
      periods: periods.map((p, i) => {
        const a = series.per[i] as VolumeAccumulator;
        const byReseller: Record<string, number> = {};
        for (const k of Object.keys(a.byReseller).sort()) byReseller[k] = a.byReseller[k] as number;
        return { ...p, cases: a.cases, byReseller, bySeverity: ordered(Severities, a.bySeverity), byProduct: ordered(ProductIds, a.byProduct), escalations: escalationsOf(a) };
      }),
    };
  }
  return report;
}
