/**
 * Partner reports (docs/architecture.md "The reports' read model"): keeping the read model current
 * from the facts already stored (the case row and its SLA event log), recomputing a day from its
 * facts and a month or week rollup from its days, rebuilding a partner's read model, and the SLA
 * and volume reports read from the rollups of the whole periods of their range and the days at its
 * ends.
 *
 * Writers: the RecordSlaEvents and RecordCaseTransition activities (after their own write, in the
 * same activity: no extra durable step) and the customer's rating call {@link recordCaseFacts}; it
 * recomputes the request's fact whole and its day from that day's facts. Activities run at least
 * once and may race: a fact is replaced, never incremented, and a day is replaced only if none of
 * its facts changed since it was read (else it stays dirty and the next reader recomputes it).
 */
import { MAX_REPORT_DAYS, ReportGroupings, ReportQuerySchema, type DayAggregate, type Partner, type ReportGrouping, type ReportSeries, type SlaReport, type SupportRequest, type VolumeReport } from "../contracts";
import { addDays, aggregateDay, backlogDayOf, buildSlaReport, buildVolumeReport, caseFactOf, daysBetweenInclusive, defaultReportFrom, mergeAggregates, planRollups, rollupEndOf, rollupStartOf, selectSlaPolicy, utcDayOf, type ReportRange } from "../domain";
import type { CaseRepository, Clock, PartnerRepository, ReportReadModel, SlaEventLog, SlaEventWithId, StoredReportDay, StoredReportRollup } from "../ports";
import { NotFoundError, ValidationError, parseInput } from "./errors";

/** What recording a request's facts reads and writes. */
export interface CaseFactDeps {
  cases: CaseRepository;
  slaEvents: SlaEventLog;
  partners: PartnerRepository;
  reports: ReportReadModel;
}

/** Options of {@link recordCaseFacts}. */
export interface RecordCaseFactsOptions {
  /**
   * Recompute the request's day after writing its fact (default true). False leaves the day marked
   * dirty for the next report that reads it (a workflow step, so it pays one fact write, not a day's
   * recompute; a rebuild recomputes every day once at the end).
   */
  recomputeDay?: boolean;
  /** What the caller has just written and need not be read again: the case row, the whole SLA event log. */
  known?: CaseFactInputs;
}

/** A request's case row and SLA event log, as its caller already holds them. */
export interface CaseFactInputs {
  case?: SupportRequest;
  slaLog?: SlaEventWithId[];
}

/** Attempts at replacing a day before leaving it dirty for the next reader. */
const DAY_ATTEMPTS = 5;

/**
 * Recomputes a request's fact from its case row and SLA event log (under the SLA policy that
 * applies to it now) and stores it in its partner's `own` series; for an indirect reseller's
 * request shared with its provider, also in the provider's `reseller` series. Then recomputes the
 * request's day(s). Idempotent: running it again, or concurrently, stores the same.
 * Does nothing when the case or its partner does not exist.
 * @throws Error when storage fails.
 */
export async function recordCaseFacts(deps: CaseFactDeps, partnerId: string, caseId: string, options: RecordCaseFactsOptions = {}): Promise<void> {
  const known = options.known;
  const [sr, partner, log] = await Promise.all([
    known?.case ?? deps.cases.getCase(partnerId, caseId),
    deps.partners.getPartner(partnerId),
    known?.slaLog ?? deps.slaEvents.list(partnerId, caseId),
  ]);
  if (!sr || !partner) return;
  const policy = selectSlaPolicy(partner, { customerTenantId: sr.customer.tenantId, product: sr.product, category: sr.category, severity: sr.severity, channel: sr.channel });
  const fact = caseFactOf(sr, log, policy);
  const day = utcDayOf(fact.createdAt);
  const writes: Array<{ partnerId: string; series: ReportSeries }> = [{ partnerId, series: "own" }];
  await deps.reports.putFact(partnerId, "own", fact);
  const providerId = partner.type === "indirect-reseller" ? partner.indirectProviderId : undefined;
  if (providerId && (await deps.cases.getProviderShare(providerId, caseId))) {
    await deps.reports.putFact(providerId, "reseller", { ...fact, resellerPartnerId: partnerId });
    writes.push({ partnerId: providerId, series: "reseller" });
  }
  if (options.recomputeDay === false) return;
  for (const w of writes) await recomputeReportDay(deps.reports, w.partnerId, w.series, day);
}

/**
 * Recomputes a day from its facts when it is dirty, and stores it unless a fact of the day was
 * written meanwhile (then tries again, at most five times, and leaves it dirty).
 * @param known - the day as already read (saves reading it again).
 * @returns the day's aggregate as computed (possibly missing a fact written during the last attempt:
 *   the day then stays dirty), or undefined when the day has no row.
 * @throws Error when storage fails.
 */
export async function recomputeReportDay(reports: ReportReadModel, partnerId: string, series: ReportSeries, day: string, known?: StoredReportDay): Promise<DayAggregate | undefined> {
  let stored = known ?? (await reports.getDay(partnerId, series, day));
  let computed: DayAggregate | undefined;
  for (let attempt = 1; stored && attempt <= DAY_ATTEMPTS; attempt++) {
    if (!stored.dirty && stored.aggregate) return stored.aggregate;
    computed = aggregateDay(day, await reports.listFacts(partnerId, series, day));
    if (await reports.replaceDay(partnerId, series, computed, stored.etag)) return computed;
    stored = await reports.getDay(partnerId, series, day);
  }
  return computed ?? stored?.aggregate;
}

/** How many dirty days a report recomputes at once. */
const RECOMPUTE_CONCURRENCY = 8;

/**
 * The days of a series in a range, each current: a dirty day is recomputed first (and stored).
 * @throws Error when storage fails.
 */
export async function readReportDays(reports: ReportReadModel, partnerId: string, series: ReportSeries, fromDay: string | undefined, toDay: string | undefined): Promise<DayAggregate[]> {
  const stored = await reports.listDays(partnerId, series, fromDay, toDay);
  const out: Array<DayAggregate | undefined> = stored.map((d) => (d.dirty ? undefined : d.aggregate));
  const stale = stored.map((d, i) => ({ d, i })).filter(({ d }) => d.dirty || !d.aggregate);
  for (let k = 0; k < stale.length; k += RECOMPUTE_CONCURRENCY) {
    await Promise.all(
      stale.slice(k, k + RECOMPUTE_CONCURRENCY).map(async ({ d, i }) => {
        out[i] = await recomputeReportDay(reports, partnerId, series, d.day, d);
      }),
    );
  }
  return out.filter((d): d is DayAggregate => d !== undefined);
}

/**
 * Gives a series' rollups their rows once: marks dirty the month and week rollup of every stored
 * day (days written before the rollups existed have none), then marks the series ready.
 * Idempotent and safe to race (two readers mark the same rows).
 * @throws Error when storage fails.
 */
export async function ensureReportRollups(reports: ReportReadModel, partnerId: string, series: ReportSeries): Promise<void> {
  if (await reports.rollupsReady(partnerId, series)) return;
  const periods = new Map<string, { grain: ReportGrouping; start: string }>();
  for (const day of await reports.listDayKeys(partnerId, series)) {
    for (const grain of ReportGroupings) {
      const start = rollupStartOf(day, grain);
      periods.set(`${grain}|${start}`, { grain, start });
    }
  }
  await reports.prepareRollups(partnerId, series, [...periods.values()]);
}

/**
 * Recomputes a dirty rollup from its period's days (each current) and stores it unless a fact of
 * the period was written since the rollup was read (then it stays dirty for the next reader).
 * @param stored - the rollup as read (its ETag read before its days are).
 * @returns the rollup's aggregate, current as of its days' reading.
 * @throws Error when storage fails.
 */
export async function recomputeReportRollup(reports: ReportReadModel, partnerId: string, series: ReportSeries, stored: StoredReportRollup): Promise<DayAggregate> {
  if (!stored.dirty && stored.aggregate) return stored.aggregate;
  const days = await readReportDays(reports, partnerId, series, stored.start, rollupEndOf(stored.start, stored.grain));
  const merged = mergeAggregates(stored.start, days);
  await reports.replaceRollup(partnerId, series, stored.grain, merged, stored.etag);
  return merged;
}

/**
 * A series' aggregates over a range, each current, as few as can be read: one rollup per whole
 * calendar month or ISO week of the range (dated by its first day) and one per day at the range's
 * ends. A report built from them equals one built from the range's days ({@link mergeAggregates}).
 * @param from - the range's first day (UTC date), or undefined: since the first stored day.
 * @param to - the range's last day (UTC date).
 * @param grain - the rollup period (the report's grouping, whose periods the rollups then match).
 * @throws Error when storage fails.
 */
export async function readReportAggregates(reports: ReportReadModel, partnerId: string, series: ReportSeries, from: string | undefined, to: string, grain: ReportGrouping): Promise<DayAggregate[]> {
  const plan = planRollups(from, to, grain);
  const [head, rollups, tail] = await Promise.all([
    plan.head ? readReportDays(reports, partnerId, series, plan.head.from, plan.head.to) : Promise.resolve([]),
    plan.rollups ? readRollups(reports, partnerId, series, grain, plan.rollups.fromStart, plan.rollups.toStart) : Promise.resolve([]),
    plan.tail ? readReportDays(reports, partnerId, series, plan.tail.from, plan.tail.to) : Promise.resolve([]),
  ]);
  return [...head, ...rollups, ...tail];
}

/** The rollups of a grain in a range, each current (dirty ones recomputed, a few at once). */
async function readRollups(reports: ReportReadModel, partnerId: string, series: ReportSeries, grain: ReportGrouping, fromStart: string | undefined, toStart: string): Promise<DayAggregate[]> {
  await ensureReportRollups(reports, partnerId, series);
  const stored = await reports.listRollups(partnerId, series, grain, fromStart, toStart);
  const out: DayAggregate[] = [];
  const stale: Array<{ r: StoredReportRollup; i: number }> = [];
  stored.forEach((r, i) => {
    if (!r.dirty && r.aggregate) out[i] = r.aggregate;
    else stale.push({ r, i });
  });
  for (let k = 0; k < stale.length; k += ROLLUP_CONCURRENCY) {
    await Promise.all(
      stale.slice(k, k + ROLLUP_CONCURRENCY).map(async ({ r, i }) => {
        out[i] = await recomputeReportRollup(reports, partnerId, series, r);
      }),
    );
  }
  return out.filter((a) => a.cases > 0);
}

/** How many dirty rollups a report recomputes at once (each recomputes its dirty days, a few at once). */
const ROLLUP_CONCURRENCY = 2;

/**
 * Validates a report query ({@link ReportQuerySchema}; unknown parameters refused) and applies the
 * defaults: `to` today (UTC), `from` the first day of the month eleven months before `to`'s,
 * `groupBy` month.
 * @param query - the query parameters (one value each).
 * @param today - today's UTC date.
 * @throws ValidationError (source `query`) naming the parameter: a bad value, `to` before `from`,
 *   or a range over {@link MAX_REPORT_DAYS} days (named `from`).
 */
export function parseReportQuery(query: Record<string, string>, today: string): ReportRange {
  const q = parseInput(ReportQuerySchema, query, "query");
  const to = q.to ?? today;
  const from = q.from ?? defaultReportFrom(to);
  const days = daysBetweenInclusive(from, to);
  if (days < 1) throw new ValidationError([{ code: "custom", path: ["to"], message: `to (${to}) must not be before from (${from})`, input: q.to }], "query");
  if (days > MAX_REPORT_DAYS) throw new ValidationError([{ code: "custom", path: ["from"], message: `the range from ${from} to ${to} has ${days} days; at most ${MAX_REPORT_DAYS}`, input: q.from }], "query");
  return { from, to, groupBy: q.groupBy ?? "month", filters: { ...(q.severity ? { severity: q.severity } : {}), ...(q.product ? { product: q.product } : {}), ...(q.category ? { category: q.category } : {}) } };
}

/** What the reports read. */
export interface ReportDeps {
  reports: ReportReadModel;
  partners: PartnerRepository;
  clock: Clock;
}

/**
 * `GET …/reports/sla`: the partner's SLA report over the query's range, read from the rollups of
 * its whole months or weeks (as grouped) and the days at its ends ({@link readReportAggregates}).
 * @throws ValidationError for a bad query.
 * @throws Error when storage fails.
 */
export async function getSlaReport(deps: ReportDeps, partnerId: string, query: Record<string, string>): Promise<SlaReport> {
  const now = deps.clock.now();
  const range = parseReportQuery(query, now.toISOString().slice(0, 10));
  const aggregates = await readReportAggregates(deps.reports, partnerId, "own", range.from, range.to, range.groupBy);
  return buildSlaReport(partnerId, range, aggregates, now.toISOString());
}

/** Incidents left on the partner's product-support-incidents entitlement, or null without one. */
function incidentsRemaining(partner: Partner): number | null {
  const entitlement = partner.entitlements.find((e) => e.vehicle === "product-support-incidents");
  return entitlement ? (entitlement.remainingIncidents ?? 0) : null;
}

/**
 * `GET …/reports/volume`: the partner's volume report over the query's range. Reads the partner's
 * aggregates of the range ({@link readReportAggregates}), those before it as month rollups (for the
 * backlog) and, for an indirect provider, its reseller series of the range.
 * @throws ValidationError for a bad query.
 * @throws NotFoundError when the partner does not exist.
 * @throws Error when storage fails.
 */
export async function getVolumeReport(deps: ReportDeps, partnerId: string, query: Record<string, string>): Promise<VolumeReport> {
  const now = deps.clock.now();
  const range = parseReportQuery(query, now.toISOString().slice(0, 10));
  const partner = await deps.partners.getPartner(partnerId);
  if (!partner) throw new NotFoundError(`Partner ${partnerId} not found`);
  const [before, days, resellerDays] = await Promise.all([
    readReportAggregates(deps.reports, partnerId, "own", undefined, addDays(range.from, -1), "month"),
    readReportAggregates(deps.reports, partnerId, "own", range.from, range.to, range.groupBy),
    partner.type === "indirect-provider" ? readReportAggregates(deps.reports, partnerId, "reseller", range.from, range.to, range.groupBy) : Promise.resolve(undefined),
  ]);
  return buildVolumeReport(
    partnerId,
    range,
    { days, backlog: [...before, ...days].map(backlogDayOf), ...(resellerDays ? { resellerDays } : {}), productSupportIncidentsRemaining: incidentsRemaining(partner) },
    now.toISOString(),
  );
}

/** What {@link rebuildPartnerReports} did. */
export interface RebuildReportsResult {
  /** Requests whose facts were recorded (the partner's own, and the resellers' shared with it). */
  cases: number;
  /** Days recomputed. */
  days: number;
  /** Month and week rollups recomputed. */
  rollups: number;
}

/**
 * Rebuilds a partner's read model from the stored facts (the backfill): records the fact of every
 * request the partner lists (its own, and for an indirect provider the resellers' requests
 * escalated to it), then recomputes every dirty day and then every dirty rollup of both series
 * (giving the series its rollups first if it had none). Idempotent and safe while the
 * app runs (the same writes the activities make); run it after deploying the reports, or to
 * repair a partner's figures.
 * @param onProgress - called after every page of requests with the count so far.
 * @throws Error when storage fails (running it again continues the work).
 */
export async function rebuildPartnerReports(deps: CaseFactDeps, partnerId: string, onProgress?: (cases: number) => void): Promise<RebuildReportsResult> {
  let cases = 0;
  let token: string | undefined;
  do {
    const page = await deps.cases.listCases(partnerId, { limit: 100, ...(token ? { continuationToken: token } : {}) });
    for (const item of page.items) {
      await recordCaseFacts(deps, item.resellerPartnerId ?? partnerId, item.caseId, { recomputeDay: false });
      cases++;
    }
    onProgress?.(cases);
    token = page.continuationToken;
  } while (token);
  let days = 0;
  let rollups = 0;
  for (const series of ["own", "reseller"] as const) {
    for (const d of await deps.reports.listDays(partnerId, series, undefined, undefined)) {
      if (!d.dirty && d.aggregate) continue;
      await recomputeReportDay(deps.reports, partnerId, series, d.day, d);
      days++;
    }
    await ensureReportRollups(deps.reports, partnerId, series);
    for (const grain of ReportGroupings) {
      for (const r of await deps.reports.listRollups(partnerId, series, grain, undefined, undefined)) {
        if (!r.dirty && r.aggregate) continue;
        await recomputeReportRollup(deps.reports, partnerId, series, r);
        rollups++;
      }
    }
  }
  return { cases, days, rollups };
}
