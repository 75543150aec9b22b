/**
 * The partner's list of requests with filters and counts per status, and the SLA health
 * the `sla` filter reads.
 *
 * Where the filters run: every query is scoped by partner in its PartitionKey (OWASP API1:2023).
 * Status, severity, category, product, channel, customer (tenant id or lower-cased email) and SLA
 * health are columns of the newest-first listing row and run in the Table Storage query; the
 * created range is a RowKey range (the RowKey is the inverted creation time). Rows shared with an
 * indirect provider are re-checked in memory against the live case (their columns are a copy).
 * Counts per status are read beside the page, each status up to {@link STATUS_COUNT_CAP} (a status
 * with more is named in `counts.capped`: its count is a lower bound).
 */
import { SlaMetrics, SupportRequestListQuerySchema, type CaseStatus, type SlaEvent, type SlaHealth, type SupportRequestListResponse } from "../contracts";
import type { CaseFilter, CaseRepository, PartnerRepository } from "../ports";
import { ValidationError, parseInput } from "./errors";

/**
 * The most each status is counted to in a list's counts: beyond it the count is reported as a
 * lower bound (`counts.capped`), so a page costs the same whatever the partner holds (as help
 * desks show "1,000+" rather than scan for an exact total).
 */
export const STATUS_COUNT_CAP = 1_000;

/**
 * The SLA health of a case from its SLA event log: `breached` once a first-response or resolution
 * target was missed (sticky), else `at-risk` while an open clock's current cycle passed a warning,
 * `on-track` while a clock is open, `none` otherwise. A next-update breach makes the case at risk,
 * not breached (it restarts at every partner response).
 */
export function slaHealthOf(log: readonly SlaEvent[]): SlaHealth {
  if (log.some((e) => e.type === "breach" && e.metric !== "next-update")) return "breached";
  let open = false;
  let risk = false;
  for (const metric of SlaMetrics) {
    const events = log.filter((e) => e.metric === metric);
    let start = -1;
    let isOpen = false;
    events.forEach((e, i) => {
      if (e.type === "activate" && !isOpen) start = i;
      if (e.type === "activate" || e.type === "resume") isOpen = true;
      if (e.type === "fulfill" || e.type === "cancel") isOpen = false;
    });
    if (!isOpen || start === -1) continue;
    open = true;
    if (events.slice(start).some((e) => e.type === "warn" || e.type === "breach")) risk = true;
  }
  return risk ? "at-risk" : open ? "on-track" : "none";
}

/** A validated list query: the repository filter and the paging options. */
export interface ParsedListQuery {
  filter: CaseFilter;
  limit?: number;
  continuationToken?: string;
}

/**
 * Validates the list query (`SupportRequestListQuerySchema`; unknown parameters are rejected).
 * @param query - the query parameters (one value each).
 * @throws ValidationError (source `query`) naming each bad parameter.
 */
export function parseListQuery(query: Record<string, string>): ParsedListQuery {
  const q = parseInput(SupportRequestListQuerySchema, query, "query");
  const instant = (v: string | undefined): string | undefined => (v === undefined ? undefined : new Date(Date.parse(v)).toISOString());
  const filter: CaseFilter = {};
  if (q.status) filter.status = q.status;
  if (q.severity) filter.severity = q.severity;
  if (q.category) filter.category = q.category;
  if (q.product) filter.product = q.product;
  if (q.channel) filter.channel = q.channel;
  if (q.customer) filter.customer = q.customer;
  if (q.sla) filter.sla = q.sla;
  if (q.workflow) filter.workflow = q.workflow;
  const from = instant(q.createdFrom);
  const to = instant(q.createdTo);
  if (from) filter.createdFrom = from;
  if (to) filter.createdTo = to;
  if (from && to && from > to) throw new ValidationError([{ code: "custom", path: ["createdTo"], message: "createdTo must not be before createdFrom", input: q.createdTo }], "query");
  return { filter, ...(q.limit !== undefined ? { limit: Number(q.limit) } : {}), ...(q.continuationToken ? { continuationToken: q.continuationToken } : {}) };
}

/**
 * The partner's requests matching the query, newest first, with counts per status over the same
 * filters without `status` (read beside the page, for every page so a polling client always sees
 * current totals; each status up to {@link STATUS_COUNT_CAP}, `counts.capped` naming those with more).
 * Only an indirect provider is shared its resellers' escalated requests, so for any other partner
 * (read from `deps.partners`, which the app caches) the provider-share range is not read.
 * @throws ValidationError (source `query`) for bad parameters or a bad continuation token; Error
 *   when storage fails.
 */
export async function searchSupportRequests(deps: { cases: CaseRepository; partners: Pick<PartnerRepository, "getPartner"> }, partnerId: string, query: Record<string, string>): Promise<SupportRequestListResponse> {
  const q = parseListQuery(query);
  const partner = await deps.partners.getPartner(partnerId);
  const withShares = partner === undefined || partner.type === "indirect-provider";
  // Both settled, so a failed page does not leave the count's rejection unhandled.
  const [listed, counts] = await Promise.allSettled([
    deps.cases.searchCases(partnerId, q.filter, { ...(q.limit !== undefined ? { limit: q.limit } : {}), ...(q.continuationToken ? { continuationToken: q.continuationToken } : {}), withShares }),
    deps.cases.countCasesByStatus(partnerId, q.filter, STATUS_COUNT_CAP, { withShares }),
  ]);
  if (listed.status === "rejected") {
    const e: unknown = listed.reason;
    if (e instanceof RangeError) {
      const param = (e as { code?: unknown }).code === "InvalidContinuationToken" ? "continuationToken" : "limit";
      throw new ValidationError([{ code: "custom", path: [param], message: e.message, input: undefined }], "query");
    }
    throw e;
  }
  if (counts.status === "rejected") throw counts.reason;
  const page = listed.value;
  const items = page.items.map(({ description: _d, ...rest }) => ({ ...rest, slaHealth: rest.slaHealth ?? "none" }));
  const byStatus: Record<CaseStatus, number> = counts.value.byStatus;
  return { items, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}), counts: { byStatus, ...(counts.value.capped.length > 0 ? { capped: counts.value.capped } : {}) } };
}
