/**
 * Support requests and timelines in Table Storage, every query scoped by partner (OWASP API1:2023).
 *
 * Table `<prefix>Cases`, PartitionKey = partner id:
 * - case row, RowKey `case_<caseId>`: the case as packed JSON, `status`, `createdAt`, `updatedAt`,
 *   `applied` (JSON map of applied transition entry ids → status before, for exactly-once merges);
 * - delivery row, RowKey `delivery_<webhook id or email key>` ({@link deliveryRowKey}): the case a
 *   delivery created (`caseId`) and the delivered payload's `fingerprint`, written in the same
 *   transaction as the case, so a delivery creates one case at most;
 * - index row, RowKey `idx_<inverted ms>_<caseId>` (13 digits, `9999999999999 − createdAt ms`):
 *   a copy of the case so a newest-first page is one range query ("log tail" pattern,
 *   https://learn.microsoft.com/azure/storage/tables/table-storage-design-patterns#log-tail-pattern).
 *   Both rows are written in one entity-group transaction (same partition), so they never diverge.
 *   The index row also carries filter columns ({@link listingColumns}: severity, category,
 *   product, channel, customerTenantId, customerEmail (lower case), slaHealth, workflowState) so the list filters
 *   run in the Table Storage query; rows written earlier get them at their next update.
 *
 * - secondary listing rows ({@link secondaryListingPrefixes}), the same copy under other RowKeys
 *   ending with the same sort key ("intra-partition secondary index" pattern): `ixs_<status>_…`,
 *   `ixt_<tenant id>_…`, `ixe_<email hash>_…`, `ixa_…` while the workflow needs attention,
 *   `ixh_<health>_…` while the SLA is at risk or breached; and the row `ixk_<caseId>` naming
 *   them. All are written in the case row's transaction, those the case no longer has deleted
 *   in it, so a list filtered by status, customer, workflow or SLA health is a
 *   RowKey range read of 25 rows on Azure whatever the partition holds. The case row's `ixv`
 *   column says it was written with them ({@link LISTING_INDEX_VERSION}); rows stored by earlier
 *   code get them from {@link TableCaseRepository.migrateListingIndex}, and until that migration is
 *   complete filtered lists run in the `idx_` listing's query.
 * - shared cases, in the INDIRECT PROVIDER's partition when a reseller's case is
 *   escalated to it: RowKey `share_<caseId>` (reseller id and name, when shared), a listing row
 *   `idx_<inverted ms>_<caseId>` with `resellerPartnerId`, so the provider's newest-first listing
 *   includes it, and the same copy as `shr_<inverted ms>_<caseId>`, the range filtered lists merge
 *   in; all in one transaction. Listing reads such a case live from the reseller's partition.
 * - the listing migration's marker, partition `%migration`, RowKey `listing-index`.
 *
 * Table `<prefix>CaseTimeline`, PartitionKey `<partnerId>_<caseId>`, RowKey = encoded entry id: an
 * insert of an existing entry id fails with 409 and is ignored, so retried writes never duplicate.
 * Entries are ordered by `at` (ISO 8601 UTC) then by write time.
 */
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import type { EscalationRecord, RecordTransitionInput, SupportRequest, TimelineEntry } from "../contracts";
import { CaseStatuses, type CaseStatus } from "../contracts";
import { eraseSupportRequest, eraseTimelineEntry } from "../domain/personalData";
import type { CaseFilter, CaseListItem, CaseRepository, ErasableCase, ListCasesOptions, Page, ProviderCaseShare } from "../ports";
import { CaseAlreadyExistsError, CaseNotFoundError, DeliveryAlreadyRecordedError } from "./errors";
import { RecentRows } from "./recentRows";
import { isMigrationMarkerPartition, TableMigrationMarker } from "./tableMigration";
import { encodeKey, fromBase64Url, MAX_KEY_LENGTH, packJson, sha256Hex, statusOf, TableNames, toBase64Url, unpackJson, type TableStorage } from "./tableStorage";

const MAX_TIME = 9_999_999_999_999;
const MAX_ETAG_ATTEMPTS = 10;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A case row as read: the case, the row's ETag, and the timeline entries already applied (entry id → status before). */
interface CaseRow {
  value: SupportRequest;
  etag: string;
  applied: Record<string, string>;
  /** Whether the row records the current listing layout (`ixv`): its secondary rows are those of `value`. */
  indexed: boolean;
}

/** Raised for a continuation token this repository did not issue; `code` is `InvalidContinuationToken`. */
export class InvalidContinuationTokenError extends RangeError {
  /** Stable code. */
  readonly code = "InvalidContinuationToken";
  constructor() {
    super("The continuation token is not valid");
    this.name = "InvalidContinuationTokenError";
  }
}

/** RowKey of the case row. */
export function caseRowKey(caseId: string): string {
  return `case_${encodeKey(caseId)}`;
}

/**
 * RowKey of the intake-delivery row (one per webhook id or email), which points at the case it
 * created. The id comes from outside (a `webhook-id` header, a Message-ID) and may be of any length:
 * up to the key limit it is kept as written (rows stored before stay addressable), beyond it
 * hashed ({@link encodeKey}).
 */
export function deliveryRowKey(deliveryId: string): string {
  const prefix = "delivery_";
  return `${prefix}${encodeKey(deliveryId, MAX_KEY_LENGTH - prefix.length)}`;
}

/**
 * The newest-first sort key every listing row ends with: inverted, zero-padded creation time in ms
 * (13 digits, `9999999999999 − createdAt ms`), `_`, the encoded case id. Ascending key order is
 * newest first.
 * @throws RangeError when `createdAt` is not an ISO 8601 instant.
 */
export function listingSortKey(createdAt: string, caseId: string): string {
  const ms = Date.parse(createdAt);
  if (Number.isNaN(ms)) throw new RangeError(`createdAt is not an ISO 8601 instant: ${createdAt}`);
  return `${String(MAX_TIME - ms).padStart(13, "0")}_${encodeKey(caseId)}`;
}

/** RowKey of the newest-first index row: `idx_` + {@link listingSortKey}. @throws RangeError when `createdAt` is not an ISO 8601 instant. */
export function indexRowKey(createdAt: string, caseId: string): string {
  return `idx_${listingSortKey(createdAt, caseId)}`;
}

/** RowKey of the row sharing a reseller's case with its indirect provider (in the provider's partition). */
export function shareRowKey(caseId: string): string {
  return `share_${encodeKey(caseId)}`;
}

/**
 * The listing layout a case row's `ixv` column records: the case's secondary listing rows and its
 * `ixk_` row were written in the same transaction as the row, from its content. A row without it
 * was last written by code that kept the `idx_` row only.
 */
export const LISTING_INDEX_VERSION = 1;

/** Prefix of the newest-first rows of the cases an indirect provider sees shared (provider's partition). */
const SHARED_LISTING_PREFIX = "shr_";
/** Prefix of the newest-first rows of the cases whose workflow needs attention (any state but running). */
const ATTENTION_PREFIX = "ixa_";

/**
 * A customer identity as part of a RowKey: a tenant id (GUID) in lower case; anything else (an
 * email, or an erased value) as the first 32 hex characters of the SHA-256 of its lower case, so
 * the part has a fixed shape and never holds a character keys refuse.
 */
function customerKeyPart(value: string): string {
  const v = value.toLowerCase();
  return GUID.test(v) ? v : sha256Hex(v).slice(0, 32);
}

/**
 * The prefixes of the secondary listing rows a case has in its partner's partition, each followed
 * by {@link listingSortKey} (the "intra-partition secondary index" pattern:
 * https://learn.microsoft.com/azure/storage/tables/table-storage-design-patterns#intra-partition-secondary-index-pattern):
 * `ixs_<status>_`, `ixt_<tenant id>_`, `ixe_<email hash>_`, `ixa_` while the workflow is in any
 * state but running, and `ixh_<health>_` while the SLA health is at risk or breached. A list
 * filtered by status, customer, workflow or SLA health is then a RowKey range read.
 */
export function secondaryListingPrefixes(sr: SupportRequest): string[] {
  const prefixes = [`ixs_${sr.status}_`, `ixt_${customerKeyPart(sr.customer.tenantId)}_`, `ixe_${customerKeyPart(sr.customer.email)}_`];
  if ((sr.workflow?.state ?? "running") !== "running") prefixes.push(ATTENTION_PREFIX);
  if (sr.slaHealth === "at-risk" || sr.slaHealth === "breached") prefixes.push(`ixh_${sr.slaHealth}_`);
  return prefixes;
}

/** RowKeys of a case's secondary listing rows ({@link secondaryListingPrefixes}). */
export function secondaryListingKeys(sr: SupportRequest): string[] {
  const sort = listingSortKey(sr.createdAt, sr.caseId);
  return secondaryListingPrefixes(sr).map((prefix) => prefix + sort);
}

/** RowKey of the row that names a case's secondary listing rows (`keys`: JSON array of RowKeys). */
export function listingKeysRowKey(caseId: string): string {
  return `ixk_${encodeKey(caseId)}`;
}

/**
 * The secondary listing a search is served from, by the most selective condition it has:
 * customer (tenant id or email), then workflow, then SLA health, then status; undefined when it
 * has none of them (the `idx_` listing with the conditions in the query).
 */
export function listingPrefixFor(f: CaseFilter): string | undefined {
  if (f.customer !== undefined) return GUID.test(f.customer) ? `ixt_${customerKeyPart(f.customer)}_` : `ixe_${customerKeyPart(f.customer)}_`;
  if (f.workflow !== undefined) return ATTENTION_PREFIX;
  if (f.sla !== undefined) return `ixh_${f.sla}_`;
  if (f.status !== undefined) return `ixs_${f.status}_`;
  return undefined;
}

/**
 * Every listing row of a case in its partner's partition, each a copy of the case with the filter
 * columns: the `idx_` row and the secondary rows ({@link secondaryListingKeys}).
 * @param data - the case packed ({@link packJson}), when the caller has it already.
 */
export function listingEntities(pk: string, sr: SupportRequest, data: Record<string, string | number> = packJson(sr)): Array<{ partitionKey: string; rowKey: string } & Record<string, unknown>> {
  const content = { caseId: sr.caseId, status: sr.status, createdAt: sr.createdAt, ...listingColumns(sr), ...data };
  return [indexRowKey(sr.createdAt, sr.caseId), ...secondaryListingKeys(sr)].map((rowKey) => ({ partitionKey: pk, rowKey, ...content }));
}

/**
 * The case row as stored: the case packed, its `applied` map, and the listing layout
 * ({@link LISTING_INDEX_VERSION}) unless `options.indexed` is false (its secondary rows are then
 * those its `ixk_` row names).
 */
export function caseRowEntity(pk: string, sr: SupportRequest, applied: Record<string, string>, data: Record<string, string | number> = packJson(sr), options: { indexed?: boolean } = {}): { partitionKey: string; rowKey: string } & Record<string, unknown> {
  return { partitionKey: pk, rowKey: caseRowKey(sr.caseId), caseId: sr.caseId, status: sr.status, createdAt: sr.createdAt, updatedAt: sr.updatedAt, applied: JSON.stringify(applied), ...(options.indexed === false ? {} : { ixv: LISTING_INDEX_VERSION }), ...data };
}

/**
 * Every row a new case is stored as, for one entity-group transaction in its partner's partition:
 * the case row, its listing rows ({@link listingEntities}) and its `ixk_` row.
 */
export function newCaseEntities(sr: SupportRequest, data: Record<string, string | number> = packJson(sr)): Array<{ partitionKey: string; rowKey: string } & Record<string, unknown>> {
  const pk = encodeKey(sr.partnerId);
  return [caseRowEntity(pk, sr, {}, data), ...listingEntities(pk, sr, data), listingKeysEntity(pk, sr.caseId, secondaryListingKeys(sr))];
}

/** The `ixk_` row of a case: the RowKeys of its secondary listing rows. */
function listingKeysEntity(pk: string, caseId: string, keys: readonly string[]): { partitionKey: string; rowKey: string; keys: string } {
  return { partitionKey: pk, rowKey: listingKeysRowKey(caseId), keys: JSON.stringify(keys) };
}

/**
 * The filter columns of a listing (index) row, so list filters run in the query. Written
 * with every index row (create, transition, update, share).
 */
export function listingColumns(sr: SupportRequest): Record<string, string> {
  return {
    severity: sr.severity,
    category: sr.category,
    product: sr.product,
    channel: sr.channel,
    customerTenantId: sr.customer.tenantId.toLowerCase(),
    customerEmail: sr.customer.email.toLowerCase(),
    slaHealth: sr.slaHealth ?? "none",
    workflowState: sr.workflow?.state ?? "running",
  };
}

/** Whether a case satisfies a filter (the in-memory check of rows whose columns may be stale: provider shares). */
export function matchesCaseFilter(sr: SupportRequest, f: CaseFilter, options: { ignoreStatus?: boolean } = {}): boolean {
  if (!options.ignoreStatus && f.status !== undefined && sr.status !== f.status) return false;
  if (f.severity !== undefined && sr.severity !== f.severity) return false;
  if (f.category !== undefined && sr.category !== f.category) return false;
  if (f.product !== undefined && sr.product !== f.product) return false;
  if (f.channel !== undefined && sr.channel !== f.channel) return false;
  if (f.customer !== undefined) {
    const c = f.customer.toLowerCase();
    if (GUID.test(c) ? sr.customer.tenantId.toLowerCase() !== c : sr.customer.email.toLowerCase() !== c) return false;
  }
  if (f.sla !== undefined && (sr.slaHealth ?? "none") !== f.sla) return false;
  if (f.workflow !== undefined && !matchesWorkflowFilter(sr.workflow?.state ?? "running", f.workflow)) return false;
  if (f.createdFrom !== undefined && Date.parse(sr.createdAt) < Date.parse(f.createdFrom)) return false;
  if (f.createdTo !== undefined && Date.parse(sr.createdAt) >= Date.parse(f.createdTo)) return false;
  return true;
}

/** Whether a workflow state passes the `workflow` filter (`attention`: anything but running). */
function matchesWorkflowFilter(state: string, filter: NonNullable<CaseFilter["workflow"]>): boolean {
  return filter === "attention" ? state !== "running" : state === filter;
}

/** The inverted-time digits of an instant plus `offset` ms: 13 digits, as in {@link listingSortKey}. */
function invertedDigits(iso: string, offset = 0): string {
  return String(MAX_TIME - Date.parse(iso) + offset).padStart(13, "0");
}

/**
 * The OData filter of a search: the partner's partition, the RowKey range of the created range
 * (newest first: `createdTo` exclusive → lower RowKey bound, `createdFrom` inclusive → upper), and
 * either a provider share (re-checked in memory) or the column conditions.
 */
export function searchFilter(partnerId: string, f: CaseFilter, options: { ignoreStatus?: boolean } = {}): string {
  const bounds = sortKeyBounds(f);
  const lower = `idx_${bounds.lower}`;
  const upper = bounds.upper !== undefined ? `idx_${bounds.upper}` : "idx`";
  const parts = [odata`PartitionKey eq ${encodeKey(partnerId)}`, odata`RowKey ge ${lower}`, odata`RowKey lt ${upper}`];
  const cols = columnConditions(f, options);
  if (cols.length > 0) parts.push(`(${odata`resellerPartnerId ge ${""}`} or (${cols.join(" and ")}))`);
  return parts.join(" and ");
}

/** The OData conditions on a listing row's filter columns ({@link listingColumns}) of a filter, its created range aside. */
function columnConditions(f: CaseFilter, options: { ignoreStatus?: boolean } = {}): string[] {
  const cols: string[] = [];
  if (!options.ignoreStatus && f.status !== undefined) cols.push(odata`status eq ${f.status}`);
  if (f.severity !== undefined) cols.push(odata`severity eq ${f.severity}`);
  if (f.category !== undefined) cols.push(odata`category eq ${f.category}`);
  if (f.product !== undefined) cols.push(odata`product eq ${f.product}`);
  if (f.channel !== undefined) cols.push(odata`channel eq ${f.channel}`);
  if (f.customer !== undefined) {
    const c = f.customer.toLowerCase();
    cols.push(GUID.test(c) ? odata`customerTenantId eq ${c}` : odata`customerEmail eq ${c}`);
  }
  if (f.sla !== undefined) cols.push(odata`slaHealth eq ${f.sla}`);
  if (f.workflow === "attention") cols.push(odata`workflowState ne ${"running"}`);
  else if (f.workflow !== undefined) cols.push(odata`workflowState eq ${f.workflow}`);
  return cols;
}

/**
 * Rows the counts per status read of each status at most by default
 * ({@link TableCaseRepository.countCasesByStatus}; the list passes its own, shared/services
 * `STATUS_COUNT_CAP`): one Table Storage response. A status with more is reported as capped (its
 * count a lower bound).
 */
const STATUS_COUNT_CAP = 1_000;

/** Responses one status count reads at most (a sparse filter can answer a page short, with a token). */
const STATUS_COUNT_REQUESTS = 3;

/** Rows the counts read at most before the listing migration is complete (a query of the `idx_` listing). */
const LISTING_SCAN_MAX_ROWS = 20_000;

/** Most rows of a secondary listing one page reads (one Table Storage response at most). */
const MAX_OWN_LISTING_ROWS = 1_000;
/** Most provider-share rows one page reads (each is checked against the live case: a point read). */
const MAX_SHARED_LISTING_ROWS = 100;

/** Name of the listing migration (its marker row, tableMigration.ts). */
const LISTING_MIGRATION = "listing-index";

/** What one run of {@link TableCaseRepository.migrateListingIndex} did. */
export interface ListingMigrationReport {
  /** True when the migration is complete (now or before): filtered searches read the secondary listings. */
  done: boolean;
  /** Rows of the `Cases` table read by this run. */
  rowsScanned: number;
  /** Case rows given their secondary listing rows by this run. */
  casesIndexed: number;
  /** Indirect-provider shares given their `shr_` row by this run. */
  sharesIndexed: number;
  /** Rows this run could not read (`<PartitionKey>/<RowKey>`: JSON that does not parse), left as they are. */
  unreadable: string[];
}

/** Options of {@link TableCaseRepository.migrateListingIndex}. */
export interface ListingMigrationOptions {
  /** Stop after this many ms and resume at the next run (default 240,000: within a 5-minute function timeout). */
  budgetMs?: number;
  /**
   * The migration is complete only after a whole pass that began at least this long (ms) after its
   * first run (default 1,800,000): instances of the earlier code that still ran during the
   * deployment, and wrote case rows without their secondary listing rows, have stopped by then.
   */
  quietPeriodMs?: number;
}

/** The sort keys ({@link listingSortKey}) of a filter's created range: `lower` inclusive, `upper` exclusive (absent: open). */
export function sortKeyBounds(f: Pick<CaseFilter, "createdFrom" | "createdTo">): { lower: string; upper?: string } {
  // Newest first: `createdTo` (exclusive) bounds the keys from below, `createdFrom` (inclusive) from above.
  return { lower: f.createdTo !== undefined ? invertedDigits(f.createdTo, 1) : "", ...(f.createdFrom !== undefined ? { upper: invertedDigits(f.createdFrom, 1) } : {}) };
}

/** Whether every row of the secondary listing {@link listingPrefixFor} picks matches the filter (no other condition than the created range). */
function listingPrefixCovers(f: CaseFilter): boolean {
  if ([f.severity, f.category, f.product, f.channel].some((v) => v !== undefined)) return false;
  const served = f.customer !== undefined ? "customer" : f.workflow !== undefined ? "workflow" : f.sla !== undefined ? "sla" : "status";
  if (served === "workflow" && f.workflow !== "attention") return false;
  return (["customer", "workflow", "sla", "status"] as const).every((c) => c === served || f[c] === undefined);
}

/** What {@link readListingRange} read: the accepted rows with their sort keys, where it stopped, and whether the range ended there. */
interface ListingRangeRead<T> {
  items: Array<{ sortKey: string; item: T }>;
  /** Sort key of the last row read (absent: none was read). */
  position?: string;
  exhausted: boolean;
}

/** A range not read (the partner is known to have none of its rows): empty and ended. */
const NO_ROWS: ListingRangeRead<never> = { items: [], exhausted: true };

/**
 * The rows of a query, counted up to `cap` in at most {@link STATUS_COUNT_REQUESTS} responses,
 * projected on the RowKey; `more` when rows may remain uncounted.
 */
async function countRows(table: TableClient, filter: string, cap: number): Promise<{ rows: number; more: boolean }> {
  let rows = 0;
  let requests = 0;
  for await (const page of table.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ["RowKey"] } }).byPage({ maxPageSize: cap })) {
    rows = Math.min(cap, rows + page.length);
    requests += 1;
    if (!page.continuationToken) return { rows, more: false };
    if (rows >= cap || requests >= STATUS_COUNT_REQUESTS) return { rows, more: true };
  }
  return { rows, more: false };
}

/**
 * Adds the rows of a query to `byStatus` by their `status` column, at most `cap` rows; true when
 * rows may remain uncounted.
 */
async function tallyStatusColumn(table: TableClient, filter: string, cap: number, byStatus: Record<CaseStatus, number>): Promise<boolean> {
  let rows = 0;
  for await (const page of table.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ["status"] } }).byPage({ maxPageSize: cap })) {
    for (const e of page) {
      if (++rows > cap) return true;
      const st = e.status as CaseStatus;
      if (st in byStatus) byStatus[st] += 1;
    }
    if (rows === cap && page.continuationToken) return true;
  }
  return false;
}

/** The counts as returned: each status at most `cap` (a status above it is added to `capped`), `capped` in status order. */
function cappedCounts(byStatus: Record<CaseStatus, number>, capped: Set<CaseStatus>, cap: number): { byStatus: Record<CaseStatus, number>; capped: CaseStatus[] } {
  for (const st of CaseStatuses) {
    if (byStatus[st] <= cap) continue;
    byStatus[st] = cap;
    capped.add(st);
  }
  return { byStatus, capped: CaseStatuses.filter((st) => capped.has(st)) };
}

/**
 * Reads a listing range newest first — RowKeys `prefix` + sort key, within `bounds`, after `after`
 * (exclusive) — in pages of `chunk` rows, until `want` rows are accepted, `maxRows` are read, or
 * the range ends. One RowKey range query in one partition; `accept` gives a row's item, or
 * undefined when the row does not match.
 */
async function readListingRange<T>(
  table: TableClient,
  pk: string,
  prefix: string,
  bounds: { lower: string; upper?: string },
  after: string | undefined,
  limits: { want: number; maxRows: number; chunk: number },
  accept: (e: Record<string, unknown>) => Promise<T | undefined>,
): Promise<ListingRangeRead<T>> {
  const from = after !== undefined && after >= bounds.lower ? odata`RowKey gt ${prefix + after}` : odata`RowKey ge ${prefix + bounds.lower}`;
  const to = bounds.upper !== undefined ? prefix + bounds.upper : `${prefix.slice(0, -1)}\``;
  const filter = `${odata`PartitionKey eq ${pk}`} and ${from} and ${odata`RowKey lt ${to}`}`;
  const out: ListingRangeRead<T> = { items: [], exhausted: false };
  let read = 0;
  for await (const page of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: Math.min(limits.chunk, limits.maxRows) })) {
    // A page's rows are checked together (a share's check is a point read of the live case).
    const accepted = await Promise.all(page.map((e) => accept(e)));
    for (let i = 0; i < page.length; i++) {
      read += 1;
      out.position = String((page[i] as Record<string, unknown>).rowKey).slice(prefix.length);
      const item = accepted[i];
      if (item !== undefined) out.items.push({ sortKey: out.position, item });
      if (out.items.length >= limits.want || read >= limits.maxRows) {
        out.exhausted = i === page.length - 1 && !page.continuationToken;
        return out;
      }
    }
    if (!page.continuationToken) break;
  }
  out.exhausted = true;
  return out;
}

/**
 * The case after a transition: status (when given) and patch merged, `updatedAt` = `input.at`;
 * `closedAt` set on a move to `closed` (the retention period counts from the last closing) and
 * removed when the case is not closed; a workflow marked `not-started` becomes `running` (since
 * `input.at`) unless the patch sets the workflow. Shared with the in-memory repository.
 */
export function transitionedCase(current: SupportRequest, input: RecordTransitionInput): SupportRequest {
  const next: SupportRequest = { ...current, status: input.toStatus ?? current.status, updatedAt: input.at };
  if (input.patch?.sla) next.sla = { ...current.sla, ...input.patch.sla };
  if (input.patch?.escalation) next.escalation = keepFiledServiceRequest(current.escalation, input.patch.escalation);
  if (input.patch?.diagnosisNotes !== undefined) next.diagnosisNotes = input.patch.diagnosisNotes;
  if (input.patch?.resolutionSummary !== undefined) next.resolutionSummary = input.patch.resolutionSummary;
  if (input.patch?.workflow) next.workflow = input.patch.workflow;
  // A step the workflow records means its execution runs: a `not-started` mark (set by the recovery sweeper) clears.
  else if (current.workflow?.state === "not-started") next.workflow = { state: "running", since: input.at };
  if (input.patch?.slaHealth) next.slaHealth = input.patch.slaHealth;
  if (next.status === "closed" && current.status !== "closed") next.closedAt = input.at;
  else if (next.status !== "closed") delete next.closedAt;
  return next;
}

/**
 * The escalation record a transition writes: `next`, keeping the Microsoft service request
 * already filed or prepared for the case (`current`) when `next` escalates to Microsoft without
 * one (a later record of the same escalation, written by a step that did not file it). Applied in
 * the transition's read-modify-write, so a request filed meanwhile is never lost.
 */
export function keepFiledServiceRequest(current: EscalationRecord | undefined, next: EscalationRecord): EscalationRecord {
  const filed = current?.microsoftServiceRequest;
  return filed && next.target === "microsoft" && !next.microsoftServiceRequest ? { ...next, microsoftServiceRequest: filed } : next;
}

/** The timeline entry of a transition (`fromStatus`: the status before it, with `toStatus`). */
export function transitionEntry(input: RecordTransitionInput, fromStatus: SupportRequest["status"] | undefined): TimelineEntry {
  const entry: TimelineEntry = { entryId: input.entryId, kind: input.kind, at: input.at, summary: input.summary };
  if (input.toStatus) {
    entry.toStatus = input.toStatus;
    if (fromStatus) entry.fromStatus = fromStatus;
  }
  if (input.details) entry.details = input.details;
  return entry;
}

/**
 * Of closed requests given oldest created first, those not erased yet that were closed (`closedAt`,
 * else `updatedAt`) before `closedBefore` (ISO 8601), at most `limit`. Shared with the in-memory repository.
 */
export function erasableCases(closedOldestFirst: Iterable<SupportRequest>, closedBefore: string, limit: number): ErasableCase[] {
  const found: ErasableCase[] = [];
  for (const sr of closedOldestFirst) {
    if (sr.personalDataErasedAt !== undefined) continue;
    const closedAt = sr.closedAt ?? sr.updatedAt;
    if (closedAt >= closedBefore) continue;
    found.push({ caseId: sr.caseId, closedAt });
    if (found.length >= limit) break;
  }
  return found;
}

/** Key of a case row in the repository's {@link RecentRows}. */
function recentKey(partnerId: string, caseId: string): string {
  return `${partnerId}\u0000${caseId}`;
}

/** PartitionKey of a case's timeline: `<partner id>_<case id>`, each part encoded ({@link encodeKey}). */
export function timelinePartitionKey(partnerId: string, caseId: string): string {
  return `${encodeKey(partnerId)}_${encodeKey(caseId)}`;
}

/**
 * {@link CaseRepository} over Azure Table Storage.
 *
 * Every change of a case is an optimistic read-modify-write (`If-Match` on the row's ETag). The
 * case rows this instance read or wrote in the last 10 s (at most 1,000, {@link RecentRows}) are
 * the first guess of such a change, so an activity that reads a case and then changes it, or a
 * workflow step right after the previous one in this process, reads the row once, not twice. A
 * guess that another writer made stale is refused by storage (412) and the change starts over
 * from a fresh read: never a lost update; at worst one refused write (on a scaled-out app, when
 * the previous step of the case ran on another instance within the 10 s).
 */
export class TableCaseRepository implements CaseRepository {
  readonly #recent: RecentRows<{ value: SupportRequest; applied: Record<string, string>; indexed: boolean }>;
  /** The listing migration; once complete, filtered searches read the secondary listings. */
  readonly #listingMigration: TableMigrationMarker;

  /**
   * @param storage - table access.
   * @param now - clock for write times (default: system time).
   * @param recentRows - how long (ms, default 10,000) and how many (default 1,000) case rows are kept as first guesses.
   */
  constructor(
    private readonly storage: TableStorage,
    private readonly now: () => Date = () => new Date(),
    recentRows: { maxAgeInMs?: number; maxRows?: number } = {},
  ) {
    this.#recent = new RecentRows(recentRows);
    this.#listingMigration = new TableMigrationMarker(storage, TableNames.cases, LISTING_MIGRATION, now);
  }

  /**
   * Stores a new case: the first timeline entry (idempotent), then the case row, its listing rows
   * ({@link newCaseEntities}) and the intake delivery when given, in one entity-group transaction.
   * Nothing is read first: the
   * transaction fails as a whole (409) when the case id or the delivery is taken, and only then is
   * the delivery read to tell which. A timeline entry without a case row is invisible (every read
   * starts at the case); the one written for a delivery that turned out to be recorded is deleted.
   * Two requests for a new case (three with a delivery that was recorded before); the first call of
   * a process may read the listing migration's marker first ({@link migrateListingIndex}).
   * @throws DeliveryAlreadyRecordedError when the delivery created a case before (names it).
   * @throws CaseAlreadyExistsError when the case id is taken.
   * @throws RestError when storage fails.
   */
  async createCase(supportRequest: SupportRequest, firstEntry: TimelineEntry, options: { deliveryId?: string; deliveryFingerprint?: string } = {}): Promise<void> {
    const cases = await this.storage.getTable(TableNames.cases);
    const pk = encodeKey(supportRequest.partnerId);
    const deliveryRow = options.deliveryId === undefined ? undefined : deliveryRowKey(options.deliveryId);
    const wroteTimeline = await this.#insertTimeline(supportRequest.partnerId, supportRequest.caseId, firstEntry);
    const data = packJson(supportRequest);
    // A store that holds nothing yet is marked as having every listing row from the start (a
    // failed check only leaves that to the migration).
    await this.#listingIndexed().catch(() => false);
    const actions: TransactionAction[] = newCaseEntities(supportRequest, data).map((e): TransactionAction => ["create", e]);
    if (deliveryRow) actions.push(["create", { partitionKey: pk, rowKey: deliveryRow, caseId: supportRequest.caseId, createdAt: supportRequest.createdAt, ...(options.deliveryFingerprint ? { fingerprint: options.deliveryFingerprint } : {}) }]);
    try {
      const created = await cases.submitTransaction(actions);
      this.#recent.remember(recentKey(supportRequest.partnerId, supportRequest.caseId), created.subResponses[0]?.etag, { value: supportRequest, applied: {}, indexed: true });
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
      // Entity group transactions do not say which row collided: a redelivery or a taken id.
      if (deliveryRow && options.deliveryId) {
        let recorded: { caseId: string; fingerprint?: unknown } | undefined;
        try {
          recorded = await cases.getEntity<{ caseId: string; fingerprint?: unknown }>(pk, deliveryRow, { queryOptions: { select: ["caseId", "fingerprint"] } });
        } catch (readError) {
          if (statusOf(readError) !== 404) throw readError;
        }
        if (recorded) {
          if (wroteTimeline && recorded.caseId !== supportRequest.caseId) await this.#deleteTimelineEntry(supportRequest.partnerId, supportRequest.caseId, firstEntry.entryId);
          throw new DeliveryAlreadyRecordedError(options.deliveryId, recorded.caseId, typeof recorded.fingerprint === "string" ? recorded.fingerprint : undefined);
        }
      }
      throw new CaseAlreadyExistsError(supportRequest.caseId);
    }
  }

  /** The case when it belongs to the partner, else undefined. @throws RestError when storage fails. */
  async getCase(partnerId: string, caseId: string): Promise<SupportRequest | undefined> {
    const row = await this.#getCaseRow(partnerId, caseId);
    return row?.value;
  }

  /**
   * Cases of a partner, newest first, `limit` (1–100, default 25) per page. The continuation token
   * is base64url of the SDK's token; pages may be shorter than `limit` (Table Storage may end a page early).
   * @throws InvalidContinuationTokenError for a token not issued here.
   * @throws RangeError when `limit` is out of range.
   */
  async listCases(partnerId: string, options: ListCasesOptions = {}): Promise<Page<CaseListItem>> {
    return this.searchCases(partnerId, {}, options);
  }

  /**
   * The partner's cases matching `filter`, newest first, `limit` per page (pages may be shorter,
   * even empty, with a token to go on).
   *
   * A filter by customer, workflow, SLA health or status is read from its secondary listing
   * ({@link listingPrefixFor}) once every case row of the store has its listing rows
   * ({@link migrateListingIndex}): a RowKey range read in the partner's partition, the other
   * conditions checked on each row's copy of the case (at most 1,000 rows per page), merged by the
   * sort key with the indirect provider's `shr_` range (each share checked against the live case,
   * at most 100 per page). The token then names the last sort key both ranges were read to.
   *
   * Any other filter runs in the Table Storage query over the `idx_` listing ({@link searchFilter});
   * provider-share rows (whose columns are a copy from the share time) are re-checked in memory
   * against the live case. Table Storage may answer such a query with an empty page and a
   * continuation token (it scans at most 1,000 rows per request): up to 5 requests are made while
   * the page is empty, then the token is returned.
   * @throws InvalidContinuationTokenError for a token not issued here, or issued for a search of another kind.
   * @throws RangeError when `limit` is out of range.
   */
  async searchCases(partnerId: string, filter: CaseFilter, options: ListCasesOptions = {}): Promise<Page<CaseListItem>> {
    const limit = options.limit ?? 25;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError("limit must be an integer from 1 to 100");
    let sdkToken: string | undefined;
    let after: string | undefined;
    if (options.continuationToken !== undefined) {
      const decoded = fromBase64Url(options.continuationToken);
      if (!decoded) throw new InvalidContinuationTokenError();
      try {
        const parsed = JSON.parse(decoded) as { v?: unknown; t?: unknown; k?: unknown };
        if (parsed.v === 1 && typeof parsed.t === "string") sdkToken = parsed.t;
        else if (parsed.v === 2 && typeof parsed.k === "string" && parsed.k.length <= MAX_KEY_LENGTH) after = parsed.k;
        else throw new InvalidContinuationTokenError();
      } catch {
        throw new InvalidContinuationTokenError();
      }
    }
    const prefix = listingPrefixFor(filter);
    if (after !== undefined || (sdkToken === undefined && prefix !== undefined)) {
      if (prefix !== undefined && (await this.#listingIndexed())) return this.#searchListing(partnerId, prefix, filter, limit, after, options.withShares !== false);
      if (after !== undefined) throw new InvalidContinuationTokenError();
    }
    const cases = await this.storage.getTable(TableNames.cases);
    const query = searchFilter(partnerId, filter);
    const items: CaseListItem[] = [];
    for (let request = 0; request < 5; request++) {
      const pages = cases.listEntities<Record<string, unknown>>({ queryOptions: { filter: query } }).byPage({ maxPageSize: limit, continuationToken: sdkToken });
      let result;
      try {
        result = await pages.next();
      } catch (e) {
        if (sdkToken !== undefined && statusOf(e) === 400) throw new InvalidContinuationTokenError();
        throw e;
      }
      if (result.done || !result.value) return { items };
      const page = result.value;
      const rows = options.withShares === false ? page.slice(0, limit).filter((e) => typeof e.resellerPartnerId !== "string") : page.slice(0, limit);
      const listed = await Promise.all(rows.map((e) => this.#listItem(e)));
      items.push(...listed.filter((item) => item.resellerPartnerId === undefined || matchesCaseFilter(item, filter)));
      sdkToken = page.continuationToken;
      if (!sdkToken) return { items };
      if (items.length > 0) break;
    }
    return { items, continuationToken: toBase64Url(JSON.stringify({ v: 1, t: sdkToken })) };
  }

  /**
   * A search served from a secondary listing (`prefix`) and the provider's `shr_` range, read in
   * parallel from the sort key after `after`; see {@link searchCases}.
   */
  async #searchListing(partnerId: string, prefix: string, filter: CaseFilter, limit: number, after: string | undefined, withShares: boolean): Promise<Page<CaseListItem>> {
    const cases = await this.storage.getTable(TableNames.cases);
    const pk = encodeKey(partnerId);
    const bounds = sortKeyBounds(filter);
    const [own, shared] = await Promise.all([
      readListingRange(cases, pk, prefix, bounds, after, { want: limit, maxRows: MAX_OWN_LISTING_ROWS, chunk: listingPrefixCovers(filter) ? limit : 200 }, (e) => {
        const sr = unpackJson<SupportRequest>(e);
        return Promise.resolve(matchesCaseFilter(sr, filter) ? sr : undefined);
      }),
      withShares
        ? readListingRange(cases, pk, SHARED_LISTING_PREFIX, bounds, after, { want: limit, maxRows: MAX_SHARED_LISTING_ROWS, chunk: limit }, async (e) => {
            if (typeof e.resellerPartnerId !== "string") return undefined;
            const item = await this.#listItem(e);
            return matchesCaseFilter(item, filter) ? item : undefined;
          })
        : Promise.resolve(NO_ROWS),
    ]);
    // Both ranges are read up to the nearer of their positions; beyond it, one of them may hide rows.
    const reached = [own, shared]
      .filter((r) => !r.exhausted)
      .map((r) => r.position ?? after ?? bounds.lower)
      .sort()[0];
    const found = [...own.items, ...shared.items].filter((i) => reached === undefined || i.sortKey <= reached).sort((x, y) => (x.sortKey < y.sortKey ? -1 : x.sortKey > y.sortKey ? 1 : 0));
    const page = found.slice(0, limit);
    const token = found.length > limit ? page[limit - 1]?.sortKey : reached;
    return { items: page.map((i) => i.item), ...(token !== undefined ? { continuationToken: toBase64Url(JSON.stringify({ v: 2, k: token })) } : {}) };
  }

  /**
   * Counts per status of the cases matching `filter` without its status, each status counted up to
   * `capPerStatus` (default {@link STATUS_COUNT_CAP}); `capped` names the statuses whose count is a
   * lower bound. Read in parallel once every case row has its listing rows
   * ({@link migrateListingIndex}):
   * - a filter by customer, workflow or SLA health: its secondary listing ({@link listingPrefixFor}),
   *   projected on the filter columns, at most `capPerStatus` rows (more: every status capped);
   * - else one RowKey range per status (`ixs_<status>_`) with the other conditions on its columns,
   *   projected on the RowKey, at most `capPerStatus` rows each, in at most 3 responses;
   * - the indirect provider's `shr_` range, each share counted by its live case, at most 100 (more:
   *   every status capped); not read with `options.withShares: false`.
   *
   * So a list page's counts cost on Azure a few parallel requests of at most 1,000 small rows
   * whatever the partition holds. Before the migration is complete, a query projected on `status`
   * over the `idx_` listing, at most 20,000 rows (more: every status capped), each status then
   * capped as above.
   * @throws RestError when storage fails.
   */
  async countCasesByStatus(partnerId: string, filter: CaseFilter, capPerStatus = STATUS_COUNT_CAP, options: Pick<ListCasesOptions, "withShares"> = {}): Promise<{ byStatus: Record<CaseStatus, number>; capped: CaseStatus[] }> {
    const withShares = options.withShares !== false;
    const byStatus = Object.fromEntries(CaseStatuses.map((st) => [st, 0])) as Record<CaseStatus, number>;
    const capped = new Set<CaseStatus>();
    const cases = await this.storage.getTable(TableNames.cases);
    const pk = encodeKey(partnerId);
    const { status: _status, ...others } = filter;
    if (!(await this.#listingIndexed())) {
      if (await this.#countListingScan(cases, partnerId, filter, byStatus, withShares)) CaseStatuses.forEach((st) => capped.add(st));
      return cappedCounts(byStatus, capped, capPerStatus);
    }
    const bounds = sortKeyBounds(others);
    const rangeOf = (prefix: string): string => {
      const upper = bounds.upper !== undefined ? prefix + bounds.upper : `${prefix.slice(0, -1)}\``;
      return [odata`PartitionKey eq ${pk}`, odata`RowKey ge ${prefix + bounds.lower}`, odata`RowKey lt ${upper}`, ...columnConditions(others)].join(" and ");
    };
    const selective = listingPrefixFor(others);
    const own: Array<Promise<void>> =
      selective !== undefined
        ? [
            tallyStatusColumn(cases, rangeOf(selective), capPerStatus, byStatus).then((more) => {
              if (more) CaseStatuses.forEach((st) => capped.add(st));
            }),
          ]
        : CaseStatuses.map(async (st) => {
            const { rows, more } = await countRows(cases, rangeOf(`ixs_${st}_`), capPerStatus);
            byStatus[st] += rows;
            if (more) capped.add(st);
          });
    const shares = withShares
      ? readListingRange(cases, pk, SHARED_LISTING_PREFIX, bounds, undefined, { want: MAX_SHARED_LISTING_ROWS, maxRows: MAX_SHARED_LISTING_ROWS, chunk: MAX_SHARED_LISTING_ROWS }, async (e) => {
          if (typeof e.resellerPartnerId !== "string") return undefined;
          const item = await this.#listItem(e);
          return matchesCaseFilter(item, filter, { ignoreStatus: true }) ? item.status : undefined;
        })
      : Promise.resolve(NO_ROWS);
    const [shared] = await Promise.all([shares, ...own]);
    for (const { item: st } of shared.items) if (st in byStatus) byStatus[st] += 1;
    if (!shared.exhausted) CaseStatuses.forEach((st) => capped.add(st));
    return cappedCounts(byStatus, capped, capPerStatus);
  }

  /**
   * Counts per status before the listing migration is complete: a query projected on `status` (and
   * the share columns) over the partner's `idx_` listing rows, in pages of 1,000, stopping after
   * 20,000 rows. Provider shares are counted by their live case.
   * @returns whether it stopped before the end.
   */
  async #countListingScan(cases: TableClient, partnerId: string, filter: CaseFilter, byStatus: Record<CaseStatus, number>, withShares: boolean): Promise<boolean> {
    const query = searchFilter(partnerId, filter, { ignoreStatus: true });
    let rows = 0;
    for await (const page of cases.listEntities<Record<string, unknown>>({ queryOptions: { filter: query, select: ["status", "caseId", "resellerPartnerId"] } }).byPage({ maxPageSize: 1000 })) {
      for (const e of page) {
        rows += 1;
        let status = e.status as CaseStatus;
        if (typeof e.resellerPartnerId === "string") {
          if (!withShares) continue;
          const live = await this.getCase(e.resellerPartnerId, String(e.caseId));
          if (!live || !matchesCaseFilter(live, filter, { ignoreStatus: true })) continue;
          status = live.status;
        }
        if (status in byStatus) byStatus[status] += 1;
      }
      if (rows >= LISTING_SCAN_MAX_ROWS) return page.continuationToken !== undefined;
    }
    return false;
  }

  /**
   * Changes derived fields of a case (no timeline entry, `updatedAt` kept): case and index
   * rows replaced in one transaction with `If-Match` (retried on 412, up to 10 times).
   * @returns the case after the change, or undefined when it does not exist.
   * @throws Error when concurrent updates keep winning (10 ETag conflicts).
   */
  async patchCase(partnerId: string, caseId: string, mutate: (current: SupportRequest) => SupportRequest | undefined): Promise<SupportRequest | undefined> {
    return this.#changeCase<SupportRequest | undefined>(partnerId, caseId, (row) => {
      if (!row) return { result: undefined };
      const changed = mutate(row.value);
      if (!changed) return { result: row.value };
      const next: SupportRequest = { ...changed, caseId: row.value.caseId, partnerId: row.value.partnerId, status: row.value.status, createdAt: row.value.createdAt, updatedAt: row.value.updatedAt };
      return { write: { next, applied: row.applied }, result: next };
    });
  }

  /**
   * Shares a reseller's case with its indirect provider: upserts the share row and two listing rows
   * in the provider's partition in one transaction: the `idx_` row (marked `shrv`) and the `shr_`
   * row, the range a filtered search reads the provider's shares from (idempotent; a re-share keeps
   * the first `sharedAt`).
   * @throws RestError when storage fails.
   */
  async shareWithProvider(providerId: string, supportRequest: SupportRequest, reseller: { partnerId: string; name: string }, sharedAtIso: string): Promise<void> {
    const cases = await this.storage.getTable(TableNames.cases);
    const pk = encodeKey(providerId);
    const existing = await this.getProviderShare(providerId, supportRequest.caseId);
    const sharedAt = existing?.sharedAt ?? sharedAtIso;
    const common = { caseId: supportRequest.caseId, resellerPartnerId: reseller.partnerId, resellerName: reseller.name, sharedAt };
    const listing = { ...common, status: supportRequest.status, createdAt: supportRequest.createdAt, ...listingColumns(supportRequest), ...packJson(supportRequest) };
    await cases.submitTransaction([
      ["upsert", { partitionKey: pk, rowKey: shareRowKey(supportRequest.caseId), ...common }, "Replace"],
      ["upsert", { partitionKey: pk, rowKey: indexRowKey(supportRequest.createdAt, supportRequest.caseId), ...listing, shrv: LISTING_INDEX_VERSION }, "Replace"],
      ["upsert", { partitionKey: pk, rowKey: SHARED_LISTING_PREFIX + listingSortKey(supportRequest.createdAt, supportRequest.caseId), ...listing }, "Replace"],
    ]);
  }

  /** The share of a case with this provider, or undefined. @throws RestError when storage fails. */
  async getProviderShare(providerId: string, caseId: string): Promise<ProviderCaseShare | undefined> {
    if (caseId.length === 0 || caseId.length > 200) return undefined;
    const cases = await this.storage.getTable(TableNames.cases);
    try {
      const e = await cases.getEntity<Record<string, unknown>>(encodeKey(providerId), shareRowKey(caseId));
      if (typeof e.resellerPartnerId !== "string" || e.caseId !== caseId) return undefined;
      return { caseId, resellerPartnerId: e.resellerPartnerId, resellerName: String(e.resellerName ?? e.resellerPartnerId), sharedAt: String(e.sharedAt ?? "") };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async #listItem(e: Record<string, unknown>): Promise<CaseListItem> {
    const copy = unpackJson<SupportRequest>(e);
    if (typeof e.resellerPartnerId !== "string") return copy;
    // A reseller's case shared with this provider: the live case, from the reseller's partition.
    const live = (await this.getCase(e.resellerPartnerId, copy.caseId)) ?? copy;
    return { ...live, resellerPartnerId: e.resellerPartnerId, resellerName: String(e.resellerName ?? e.resellerPartnerId) };
  }

  /** Timeline in chronological order (by `at`, then write order). @throws RestError when storage fails. */
  async listTimeline(partnerId: string, caseId: string): Promise<TimelineEntry[]> {
    const table = await this.storage.getTable(TableNames.timeline);
    const rows: Array<{ entry: TimelineEntry; writtenAt: string }> = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${timelinePartitionKey(partnerId, caseId)}` } })) {
      rows.push({ entry: unpackJson<TimelineEntry>(e), writtenAt: String(e.writtenAt ?? "") });
    }
    rows.sort((a, b) => (a.entry.at < b.entry.at ? -1 : a.entry.at > b.entry.at ? 1 : a.writtenAt < b.writtenAt ? -1 : a.writtenAt > b.writtenAt ? 1 : 0));
    return rows.map((r) => r.entry);
  }

  /**
   * Applies a transition exactly once per `entryId`: merges status and patch onto the case with
   * `If-Match` (retried on 412, up to 10 times) and appends the timeline entry (409 ignored);
   * `closedAt` is set on a move to `closed` and removed when the case leaves it.
   * @returns the case after the change (unchanged when the entry was applied before).
   * @throws CaseNotFoundError when the case does not exist.
   * @throws Error when concurrent updates keep winning (10 ETag conflicts).
   */
  async applyTransition(input: RecordTransitionInput): Promise<SupportRequest> {
    const { caseAfter, entry } = await this.#changeCase(input.partnerId, input.caseId, (row) => {
      if (!row) throw new CaseNotFoundError(input.partnerId, input.caseId);
      const current = row.value;
      const applied = row.applied;
      if (input.entryId in applied) return { result: { caseAfter: current, entry: transitionEntry(input, applied[input.entryId] as SupportRequest["status"]) } };
      const next = transitionedCase(current, input);
      return { write: { next, applied: { ...applied, [input.entryId]: current.status } }, result: { caseAfter: next, entry: transitionEntry(input, current.status) } };
    });
    await this.#insertTimeline(input.partnerId, input.caseId, entry);
    return caseAfter;
  }

  /** Appends an entry without changing the case; idempotent by `entryId`. @throws RestError when storage fails. */
  async appendTimeline(partnerId: string, caseId: string, entry: TimelineEntry): Promise<void> {
    await this.#insertTimeline(partnerId, caseId, entry);
  }

  /**
   * Changes case fields outside the workflow, exactly once per `entry.entryId` (recorded in
   * the case row's `applied` map like transitions): replaces the case and index rows with `If-Match`
   * (retried on 412, up to 10 times), then appends the entry. Status, ids and `createdAt` are kept.
   * @returns the case after the change.
   * @throws CaseNotFoundError when the case does not exist.
   * @throws Error when concurrent updates keep winning (10 ETag conflicts).
   */
  async updateCase(partnerId: string, caseId: string, entry: TimelineEntry, mutate: (current: SupportRequest) => SupportRequest | undefined): Promise<SupportRequest> {
    const { caseAfter, appendEntry } = await this.#changeCase(partnerId, caseId, (row) => {
      if (!row) throw new CaseNotFoundError(partnerId, caseId);
      const current = row.value;
      if (entry.entryId in row.applied) return { result: { caseAfter: current, appendEntry: true } };
      const changed = mutate(current);
      if (!changed) return { result: { caseAfter: current, appendEntry: false } };
      const next: SupportRequest = { ...changed, caseId: current.caseId, partnerId: current.partnerId, status: current.status, createdAt: current.createdAt, updatedAt: entry.at };
      return { write: { next, applied: { ...row.applied, [entry.entryId]: current.status } }, result: { caseAfter: next, appendEntry: true } };
    });
    if (appendEntry) await this.#insertTimeline(partnerId, caseId, entry);
    return caseAfter;
  }

  /**
   * Closed, not yet erased requests closed before `closedBefore`: the partner's own listing rows in
   * status `closed` created before `closedBefore` (a request cannot close before it was created) —
   * a range of the closed listing once the listing migration is complete, else a query of the
   * `idx_` listing —, oldest first; `closedAt` and the erasure mark are read from the listing
   * row's copy of the case.
   * @throws RangeError when `closedBefore` is not an ISO 8601 instant; RestError when storage fails.
   */
  async listErasableCases(partnerId: string, closedBefore: string, limit: number): Promise<ErasableCase[]> {
    if (Number.isNaN(Date.parse(closedBefore))) throw new RangeError(`closedBefore is not an ISO 8601 instant: ${closedBefore}`);
    const cases = await this.storage.getTable(TableNames.cases);
    // Newest first by RowKey, so "created before" is the RowKey range from the cutoff's bound up:
    // of the closed listing (own cases only), or of the `idx_` listing with the status condition.
    const pk = odata`PartitionKey eq ${encodeKey(partnerId)}`;
    const bound = invertedDigits(closedBefore);
    const filter = (await this.#listingIndexed())
      ? `${pk} and ${odata`RowKey ge ${`ixs_closed_${bound}`}`} and ${odata`RowKey lt ${"ixs_closed`"}`}`
      : `${pk} and ${odata`RowKey ge ${`idx_${bound}`}`} and ${odata`RowKey lt ${"idx`"}`} and ${odata`status eq ${"closed"}`}`;
    const rows: Array<Record<string, unknown>> = [];
    for await (const e of cases.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      if (typeof e.resellerPartnerId === "string") continue;
      rows.push(e);
    }
    // Oldest first: the listing's RowKey is newest first. Unpacked lazily: the selection stops at `limit`.
    return erasableCases(
      (function* () {
        for (const e of rows.reverse()) yield unpackJson<SupportRequest>(e);
      })(),
      closedBefore,
      limit,
    );
  }

  /**
   * Erases a closed request's personal data (an open one is returned unchanged): the timeline rows rewritten with their texts erased, the
   * indirect provider's listing copy (when shared), then the case and listing rows as
   * {@link patchCase} replaces them (`If-Match`, retried on 412). Idempotent.
   * @returns the erased request, or undefined when it does not exist.
   * @throws Error when concurrent updates keep winning (10 ETag conflicts); RestError when storage fails.
   */
  async erasePersonalData(partnerId: string, caseId: string, at: string): Promise<SupportRequest | undefined> {
    const first = await this.#getCaseRow(partnerId, caseId);
    if (!first) return undefined;
    if (first.value.status !== "closed") return first.value;
    const timeline = await this.storage.getTable(TableNames.timeline);
    for await (const e of timeline.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${timelinePartitionKey(partnerId, caseId)}` } })) {
      const erased = eraseTimelineEntry(unpackJson<TimelineEntry>(e));
      await timeline.upsertEntity({ partitionKey: String(e.partitionKey), rowKey: String(e.rowKey), at: erased.at, kind: erased.kind, writtenAt: String(e.writtenAt ?? ""), ...packJson(erased) }, "Replace");
    }
    const providerId = first.value.escalation?.target === "indirect-provider" ? first.value.escalation.providerId : undefined;
    if (providerId) {
      const share = await this.getProviderShare(providerId, caseId);
      if (share) await this.shareWithProvider(providerId, eraseSupportRequest(first.value, at), { partnerId, name: share.resellerName }, share.sharedAt);
    }
    // Reopened meanwhile: the request is open again and keeps its data.
    return this.patchCase(partnerId, caseId, (current) => (current.status === "closed" ? eraseSupportRequest(current, at) : undefined));
  }

  /**
   * Gives every case row of the store its secondary listing rows and every indirect-provider share
   * its `shr_` row, for at most `budgetMs` a run, resuming where the last run stopped (the marker
   * row `%migration`/`listing-index` of the `Cases` table). A case row without the layout mark
   * (`ixv`) is rewritten as it is through the change of {@link applyTransition} (If-Match; its
   * listing rows with it, stale ones of an earlier indexed state deleted); a share's `idx_` row
   * without its mark (`shrv`) gets the `shr_` copy and the mark in one transaction. The migration is
   * complete after a whole pass begun `quietPeriodMs` after its first run (an empty store: at
   * once); from then on filtered searches read the secondary listings ({@link searchCases}), and
   * every run is one point read of the marker.
   * @returns what the run did.
   * @throws RestError when storage fails (the next run resumes).
   */
  async migrateListingIndex(options: ListingMigrationOptions = {}): Promise<ListingMigrationReport> {
    const budgetMs = options.budgetMs ?? 240_000;
    const quietPeriodMs = options.quietPeriodMs ?? 1_800_000;
    const report: ListingMigrationReport = { done: false, rowsScanned: 0, casesIndexed: 0, sharesIndexed: 0, unreadable: [] };
    const cases = await this.storage.getTable(TableNames.cases);
    const run = await this.#listingMigration.run({
      budgetMs,
      quietPeriodMs,
      pages: (continuation) =>
        cases
          .listEntities<Record<string, unknown>>({ queryOptions: { select: ["PartitionKey", "RowKey", "ixv", "shrv", "resellerPartnerId"] } })
          .byPage({ maxPageSize: 1000, ...(continuation ? { continuationToken: continuation } : {}) }),
      migrate: async (page) => {
        let seen = 0;
        for (const row of page) {
          const pk = String(row.partitionKey);
          const rk = String(row.rowKey);
          if (isMigrationMarkerPartition(pk)) continue;
          seen += 1;
          try {
            if (rk.startsWith("case_") && row.ixv !== LISTING_INDEX_VERSION) {
              if (await this.#reindexCase(cases, pk, rk)) report.casesIndexed++;
            } else if (rk.startsWith("idx_") && typeof row.resellerPartnerId === "string" && row.shrv !== LISTING_INDEX_VERSION) {
              if (await this.#indexShare(cases, pk, rk)) report.sharesIndexed++;
            }
          } catch (e) {
            if (!(e instanceof SyntaxError)) throw e;
            report.unreadable.push(`${pk}/${rk}`);
          }
        }
        return seen;
      },
    });
    return { ...report, ...run };
  }

  /**
   * Rewrites a case row that does not record the listing layout as it is, with its listing rows.
   * @returns whether this call wrote it (false: gone, or indexed meanwhile).
   * @throws SyntaxError when the row's JSON does not parse.
   */
  async #reindexCase(cases: TableClient, pk: string, rk: string): Promise<boolean> {
    let stored: SupportRequest;
    try {
      stored = unpackJson<SupportRequest>(await cases.getEntity<Record<string, unknown>>(pk, rk));
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw e;
    }
    return this.#changeCase<boolean>(stored.partnerId, stored.caseId, (row) => (row && !row.indexed ? { write: { next: row.value, applied: row.applied }, result: true } : { result: false }));
  }

  /**
   * Gives a provider share's `idx_` row its `shr_` copy and marks it (`shrv`), in one transaction
   * under If-Match. @returns whether this call wrote it (false: changed or gone meanwhile; a later pass sees it again).
   * @throws SyntaxError when the row's JSON does not parse.
   */
  async #indexShare(cases: TableClient, pk: string, rk: string): Promise<boolean> {
    let e: Record<string, unknown> & { etag: string };
    try {
      e = await cases.getEntity<Record<string, unknown>>(pk, rk);
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
    const copy = unpackJson<SupportRequest>(e);
    const { etag, timestamp: _timestamp, partitionKey: _pk, rowKey: _rk, ...content } = e as Record<string, unknown> & { etag: string };
    try {
      await cases.submitTransaction([
        ["update", { partitionKey: pk, rowKey: rk, ...content, shrv: LISTING_INDEX_VERSION }, "Replace", { etag }],
        ["upsert", { partitionKey: pk, rowKey: SHARED_LISTING_PREFIX + listingSortKey(copy.createdAt, copy.caseId), ...content }, "Replace"],
      ]);
      return true;
    } catch (err) {
      if (statusOf(err) === 412 || statusOf(err) === 404) return false;
      throw err;
    }
  }

  /**
   * Whether filtered searches may read the secondary listings: once the listing migration is
   * complete (a store with no row at all is marked complete at first use: every row it will hold
   * is written with its listing rows). @throws RestError when storage fails.
   */
  #listingIndexed(): Promise<boolean> {
    return this.#listingMigration.isComplete(() => this.#casesEmpty());
  }

  async #casesEmpty(): Promise<boolean> {
    const cases = await this.storage.getTable(TableNames.cases);
    const first = await cases.listEntities({ queryOptions: { select: ["PartitionKey"] } }).byPage({ maxPageSize: 1 }).next();
    return first.done === true || first.value.length === 0;
  }

  /** Inserts a timeline entry; one that exists is left as it is. @returns whether this call wrote it. */
  async #insertTimeline(partnerId: string, caseId: string, entry: TimelineEntry): Promise<boolean> {
    const table: TableClient = await this.storage.getTable(TableNames.timeline);
    try {
      await table.createEntity({ partitionKey: timelinePartitionKey(partnerId, caseId), rowKey: encodeKey(entry.entryId), at: entry.at, kind: entry.kind, writtenAt: this.now().toISOString(), ...packJson(entry) });
      return true;
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
      return false;
    }
  }

  /** Deletes a timeline entry this repository wrote for a case that was not created (best effort: an orphan entry is invisible). */
  async #deleteTimelineEntry(partnerId: string, caseId: string, entryId: string): Promise<void> {
    const table: TableClient = await this.storage.getTable(TableNames.timeline);
    await table.deleteEntity(timelinePartitionKey(partnerId, caseId), encodeKey(entryId)).catch(() => undefined);
  }

  /**
   * The optimistic-concurrency loop of every change to a case row: reads the row, lets `decide`
   * answer at once (`{result}`) or name the case after the change and its `applied` map
   * (`{write, result}`), then replaces the case row (If-Match on the ETag read) and every listing
   * row of the case in one entity-group transaction: the `idx_` row and the secondary rows of the
   * case after the change are written, those of the case before that it no longer has are
   * deleted, and the `ixk_` row names the new set (rewritten only when the set changes). The
   * secondary rows before are known from the row itself when it records the layout (`ixv`), else
   * from its `ixk_` row (a row written by earlier code keeps the secondary rows of its last indexed
   * state there; none when it never had any). When the row records the layout, the rows it names
   * are replaced (Update, `If-Match: *`) and the new ones inserted, else every row is upserted:
   * Azure serves both alike, but Azurite looks a row up twice for an upsert. A 412 (someone
   * changed the row meanwhile) starts over with a fresh read, at most {@link MAX_ETAG_ATTEMPTS}
   * times. A 404 or 409 on a row the case row names or does not name (an invariant broken outside
   * this class) makes the next attempt upsert every row; should a delete then find its row gone,
   * the change is written without the deletes and they follow one by one, so a case never becomes
   * unchangeable.
   * @throws whatever `decide` throws; RestError when storage fails; Error after too many conflicts.
   */
  async #changeCase<T>(partnerId: string, caseId: string, decide: (row: CaseRow | undefined) => { result: T; write?: { next: SupportRequest; applied: Record<string, string> } }): Promise<T> {
    const cases = await this.storage.getTable(TableNames.cases);
    const pk = encodeKey(partnerId);
    const key = recentKey(partnerId, caseId);
    // The first attempt starts from the row as this instance last saw it, when it saw it lately; a
    // guess is only ever written under If-Match, and one that decides nothing is read again, so
    // what is returned is always what storage holds.
    let guess = caseId.length === 0 || caseId.length > 200 ? undefined : this.#recent.recall(key);
    let deletesApart = false;
    // Rows known to exist are replaced and new ones inserted: one lookup each, where an upsert is
    // two in Azurite (Azure serves both alike). A row found missing or present against what the
    // case row records (someone changed the partition by hand) turns every write into an upsert.
    let upsertAll = false;
    for (let attempt = 0; attempt < MAX_ETAG_ATTEMPTS; attempt++) {
      const guessed: CaseRow | undefined = guess ? { value: guess.value.value, applied: guess.value.applied, indexed: guess.value.indexed, etag: guess.etag } : undefined;
      guess = undefined;
      let decided: ReturnType<typeof decide>;
      let row: CaseRow | undefined;
      if (guessed) {
        try {
          decided = decide(guessed);
        } catch {
          attempt -= 1;
          continue;
        }
        if (!decided.write) {
          attempt -= 1;
          continue;
        }
        row = guessed;
      } else {
        row = await this.#getCaseRow(partnerId, caseId);
        decided = decide(row);
      }
      const { result, write } = decided;
      if (!write || !row) return result;
      const { next, applied } = write;
      const data = packJson(next);
      const nextKeys = secondaryListingKeys(next);
      const before = row.indexed ? secondaryListingKeys(row.value) : await this.#storedListingKeys(pk, caseId);
      const stale = before.filter((k) => !nextKeys.includes(k));
      // What exists is known when the row records the layout: its `idx_` row, `ixk_` row and the
      // secondary rows of its content.
      const known = row.indexed && !upsertAll;
      const writeRow = (e: { partitionKey: string; rowKey: string }, exists: boolean): TransactionAction => (!known ? ["upsert", e, "Replace"] : exists ? ["update", e, "Replace"] : ["create", e]);
      // With the deletes apart, until they are done the row does not record the layout and the
      // `ixk_` row still names the stale rows, so a crash in between leaves them for the next change.
      const actions: TransactionAction[] = [
        ["update", caseRowEntity(pk, next, applied, data, { indexed: !deletesApart }), "Replace", { etag: row.etag }],
        ...listingEntities(pk, next, data).map((e) => writeRow(e, e.rowKey.startsWith("idx_") || before.includes(e.rowKey))),
      ];
      // The `ixk_` row already names these rows when the row records the layout and they stay the same.
      const sameKeys = row.indexed && before.length === nextKeys.length && before.every((k, i) => k === nextKeys[i]);
      if (deletesApart || !sameKeys) actions.push(writeRow(listingKeysEntity(pk, caseId, deletesApart ? [...nextKeys, ...stale] : nextKeys), true));
      if (!deletesApart) for (const rowKey of stale) actions.push(["delete", { partitionKey: pk, rowKey }]);
      let etag: string | undefined;
      try {
        const written = await cases.submitTransaction(actions);
        // A changeset's responses come in the order of its operations, the case row's first (only
        // an insert's response names its row).
        etag = written.subResponses[0]?.etag;
        this.#recent.remember(key, etag, { value: next, applied, indexed: !deletesApart });
      } catch (e) {
        this.#recent.forget(key);
        // A guess refused (412, or 404 when the case went meanwhile) is not a conflict: read and decide again.
        if (guessed && (statusOf(e) === 412 || statusOf(e) === 404)) {
          attempt -= 1;
          continue;
        }
        if (statusOf(e) === 412) continue;
        if (known && (statusOf(e) === 404 || statusOf(e) === 409)) {
          upsertAll = true;
          attempt -= 1;
          continue;
        }
        if (statusOf(e) === 404 && stale.length > 0 && !deletesApart) {
          deletesApart = true;
          attempt -= 1;
          continue;
        }
        throw e;
      }
      if (deletesApart) await this.#deleteStaleListingRows(pk, caseId, stale, { next, applied, data, etag });
      return result;
    }
    throw new Error(`Case ${caseId}: gave up after ${MAX_ETAG_ATTEMPTS} concurrent-update conflicts (HTTP 412)`);
  }

  /**
   * Deletes secondary listing rows one by one (a row already gone is fine), then marks the case row
   * as recording the layout again with the `ixk_` row naming only the current rows, under If-Match
   * on the row as just written: when someone changed it meanwhile, their change read the `ixk_`
   * row and dealt with the stale rows itself.
   */
  async #deleteStaleListingRows(pk: string, caseId: string, stale: readonly string[], written: { next: SupportRequest; applied: Record<string, string>; data: Record<string, string | number>; etag: string | undefined }): Promise<void> {
    const cases = await this.storage.getTable(TableNames.cases);
    for (const rowKey of stale) {
      await cases.deleteEntity(pk, rowKey).catch((e: unknown) => {
        if (statusOf(e) !== 404) throw e;
      });
    }
    if (!written.etag) return;
    try {
      const healed = await cases.submitTransaction([
        ["update", caseRowEntity(pk, written.next, written.applied, written.data), "Replace", { etag: written.etag }],
        ["upsert", listingKeysEntity(pk, caseId, secondaryListingKeys(written.next)), "Replace"],
      ]);
      this.#recent.remember(recentKey(written.next.partnerId, caseId), healed.subResponses[0]?.etag, { value: written.next, applied: written.applied, indexed: true });
    } catch (e) {
      if (statusOf(e) !== 412 && statusOf(e) !== 404) throw e;
    }
  }

  /** The secondary listing rows the `ixk_` row of a case names (none when it has no such row). */
  async #storedListingKeys(pk: string, caseId: string): Promise<string[]> {
    const cases = await this.storage.getTable(TableNames.cases);
    try {
      const e = await cases.getEntity<Record<string, unknown>>(pk, listingKeysRowKey(caseId), { queryOptions: { select: ["keys"] } });
      const keys: unknown = JSON.parse(typeof e.keys === "string" ? e.keys : "[]");
      return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : [];
    } catch (err) {
      if (statusOf(err) === 404) return [];
      throw err;
    }
  }

  async #getCaseRow(partnerId: string, caseId: string): Promise<CaseRow | undefined> {
    if (caseId.length === 0 || caseId.length > 200) return undefined;
    const cases = await this.storage.getTable(TableNames.cases);
    const key = recentKey(partnerId, caseId);
    try {
      const e = await cases.getEntity<Record<string, unknown>>(encodeKey(partnerId), caseRowKey(caseId));
      const value = unpackJson<SupportRequest>(e);
      if (value.partnerId !== partnerId) return undefined;
      const row = { value, etag: e.etag, applied: JSON.parse(typeof e.applied === "string" ? e.applied : "{}") as Record<string, string>, indexed: e.ixv === LISTING_INDEX_VERSION };
      this.#recent.remember(key, row.etag, { value: row.value, applied: row.applied, indexed: row.indexed });
      return row;
    } catch (err) {
      this.#recent.forget(key);
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }
}
