/**
 * The partner's list of requests with filters and counts per status, and the SLA health
 * the `sla` filter reads.
 *
 * Where the filters run: every query is scoped by partner in its PartitionKey (OWASP API1:2023).
 * Status, severity, category, product, channel, customer (tenant id or lower-cased email) and SLA
 * health are columns of the newest-first listing row and run in the Table Storage query; the
 * created range is a RowKey range (the RowKey is the inverted creation time). Rows shared with an
 * indirect provider are re-checked in memory against the live case (their columns are a copy).
 * Counts per status scan the matching listing rows projected on `status`, at most 20,000 rows.
 */
import { SlaMetrics, SupportRequestListQuerySchema, type CaseStatus, type SlaEvent, type SlaHealth, type SupportRequestListResponse } from "../contracts";
import type { CaseFilter, CaseRepository } from "../ports";
import { ValidationError, parseInput } from "./errors";

/** Rows the counts scan at most (a partner with more matching requests gets partial counts). */
export const MAX_COUNTED_ROWS = 20_000;

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
 * filters without `status`, computed for every page so a polling client always sees current
 * totals (bounded by {@link MAX_COUNTED_ROWS}).
 * @throws ValidationError (source `query`) for bad parameters or a bad continuation token.
 */
export async function searchSupportRequests(deps: { cases: CaseRepository }, partnerId: string, query: Record<string, string>): Promise<SupportRequestListResponse> {
  const q = parseListQuery(query);
  let page;
  try {
    page = await deps.cases.searchCases(partnerId, q.filter, { ...(q.limit !== undefined ? { limit: q.limit } : {}), ...(q.continuationToken ? { continuationToken: q.continuationToken } : {}) });
  } catch (e) {
    if (e instanceof RangeError) {
      const param = (e as { code?: unknown }).code === "InvalidContinuationToken" ? "continuationToken" : "limit";
      throw new ValidationError([{ code: "custom", path: [param], message: e.message, input: undefined }], "query");
    }
    throw e;
  }
  const counts = await deps.cases.countCasesByStatus(partnerId, q.filter, MAX_COUNTED_ROWS);
  const items = page.items.map(({ description: _d, ...rest }) => ({ ...rest, slaHealth: rest.slaHealth ?? "none" }));
  const byStatus: Record<CaseStatus, number> = counts.byStatus;
  return { items, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}), counts: { byStatus } };
}
