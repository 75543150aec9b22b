/**
 * The partner's request list at volume (`npm run bench:list`): starts its own Azurite (in memory,
 * free loopback ports), stores one partner's cases as the app stores them (every row of a new case:
 * the case row, the newest-first `idx_` listing row, the secondary listing rows by status, customer,
 * workflow attention and SLA health, and the `ixk_` row — `newCaseEntities`, in entity-group transactions of
 * at most 100 rows) up to each of `BENCH_LIST_SIZES` (default 10,000, 50,000, 100,000; `--quick`
 * 2,000 and 10,000), and at each size measures the first page (25 requests, newest first) through
 * `TableCaseRepository.searchCases` without a filter and with each filter the list offers:
 * `BENCH_LIST_RUNS` runs each (default 30, `--quick` 10) after one warm-up, p50/p99/max in ms,
 * how many requests the page held and whether it ended early with a continuation token. Beside
 * them, the listing each page is served from and how many rows Azure Table Storage reads for it
 * (computed from the stored data: the rows of the range up to the 25th match), which is what the
 * page costs on Azure; Azurite compares every row of the table on every query, so its times grow
 * with the table whatever the range.
 *
 * `BENCH_LIST_PARTNER_CASES` caps the measured partner's cases (default: no cap, one partition holds
 * every case); the cases beyond it go to other partners, 1,000 each (a partition of their own each),
 * so the table reaches a size that one partition would take Azurite hours to seed (each insert
 * compares the RowKey of every row of its partition). Azurite's query time depends on the table's
 * rows, not the partition's, so the pages' times are the table size's; the rows Azure reads are
 * the measured partner's.
 *
 * The data: requests spread over the last year; 2 % open (in diagnosis), the rest resolved or
 * closed; severities A/B/C 10/40/50 %; 2,000 customer tenants; SLA health breached 3 %, at risk
 * 2 %. A filter by status, customer, workflow or SLA health is a RowKey range read of its listing; any other filter a
 * query over the `idx_` listing that Table Storage evaluates row by row: each query request reads
 * at most 1,000 rows, and the repository stops after 5 requests that found nothing, handing back a
 * continuation token (the page is then shorter or empty).
 * Beside each page, the list endpoint's whole answer (`searchSupportRequests`: the page and the
 * counts per status it carries, read beside it): `BENCH_LIST_ENDPOINT_RUNS` runs (default 10,
 * `--quick` 5), and the rows and parallel requests those counts cost on Azure (computed from the
 * stored data: each status up to 1,000 rows of its `ixs_` range, or, for a filter by customer,
 * workflow or SLA health, up to 1,000 rows of that listing; and the provider-share range).
 * Prints a Markdown section for bench/RESULTS.md; figures are recorded, never asserted.
 */
import { TableClient, type TransactionAction } from "@azure/data-tables";
import { CaseStatuses, Categories, Channels, ProductIds, Severities, type CaseStatus, type SupportRequest } from "../shared/contracts";
import { listingPrefixFor, listingSortKey, matchesCaseFilter, newCaseEntities, secondaryListingPrefixes, TableCaseRepository, TableNames, TableStorage } from "../shared/adapters";
import type { CaseFilter } from "../shared/ports";
import { startAzurite } from "../test/support/azurite";
import { STATUS_COUNT_CAP, searchSupportRequests } from "../shared/services";
import { percentile } from "./stats";
import { LIST_TARGETS, verdictLine } from "./targets";

const quick = process.argv.includes("--quick");
const SIZES = (process.env.BENCH_LIST_SIZES ?? (quick ? "2000,10000" : "10000,50000,100000")).split(",").map(Number);
const RUNS = Number(process.env.BENCH_LIST_RUNS ?? (quick ? 10 : 30));
const ENDPOINT_RUNS = Number(process.env.BENCH_LIST_ENDPOINT_RUNS ?? (quick ? 5 : 10));
const PARTNER = "bench-partner";
const PARTNER_CASES = Number(process.env.BENCH_LIST_PARTNER_CASES ?? Number.POSITIVE_INFINITY);
/** Cases of each other partner once the measured one holds `PARTNER_CASES`. */
const OTHER_PARTNER_CASES = 1000;
const PREFIX = "BenchList";
const YEAR_MS = 365 * 86_400_000;

/** A small deterministic PRNG (mulberry32): every run stores the same cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(20261203);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const tenants = Array.from({ length: 2000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);

/** The partner of the n-th stored case: the measured one up to `PARTNER_CASES`, then others of `OTHER_PARTNER_CASES` each. */
function partnerOf(n: number): string {
  return n < PARTNER_CASES ? PARTNER : `bench-other-${Math.floor((n - PARTNER_CASES) / OTHER_PARTNER_CASES) + 1}`;
}

/** The n-th stored case, created at `createdMs`. */
function supportRequest(n: number, createdMs: number): SupportRequest {
  const roll = random();
  const status: CaseStatus = roll < 0.02 ? "in-diagnosis" : roll < 0.1 ? "resolved" : "closed";
  const severityRoll = random();
  const tenantId = pick(tenants);
  const health = random();
  const createdAt = new Date(createdMs).toISOString();
  return {
    caseId: `CSP-BENCH-${String(n).padStart(7, "0")}`,
    partnerId: partnerOf(n),
    channel: random() < 0.8 ? Channels[0] : Channels[1],
    title: `Request ${n}`,
    description: "Seeded by bench/partnerList.ts",
    severity: severityRoll < 0.1 ? Severities[0] : severityRoll < 0.5 ? Severities[1] : Severities[2],
    category: pick(Categories),
    product: pick(ProductIds),
    customer: { tenantId, name: `Customer ${tenantId.slice(-4)}`, email: `it@customer${tenantId.slice(-4)}.example`, preferredLanguage: "en" },
    status,
    createdAt,
    updatedAt: createdAt,
    ...(health < 0.03 ? { slaHealth: "breached" as const } : health < 0.05 ? { slaHealth: "at-risk" as const } : {}),
  } as SupportRequest;
}

/** Every case of the measured partner stored so far, with its listing sort key (newest first when sorted ascending). */
const storedCases: Array<{ sortKey: string; sr: SupportRequest }> = [];

/**
 * Rows Azure Table Storage reads to answer the first page (25) of a filter: on a secondary listing,
 * the rows of its range up to the 25th match; on the `idx_` listing, every row up to the 25th
 * match (the service evaluates the column conditions on each row of the range).
 */
function rowsReadOnAzure(filter: CaseFilter): number {
  const prefix = listingPrefixFor(filter);
  const from = filter.createdFrom !== undefined ? Date.parse(filter.createdFrom) : Number.NEGATIVE_INFINITY;
  const to = filter.createdTo !== undefined ? Date.parse(filter.createdTo) : Number.POSITIVE_INFINITY;
  let read = 0;
  let found = 0;
  for (const { sr } of storedCases) {
    const created = Date.parse(sr.createdAt);
    if (created < from || created >= to) continue;
    if (prefix !== undefined && !secondaryListingPrefixes(sr).includes(prefix)) continue;
    read += 1;
    if (matchesCaseFilter(sr, filter) && ++found === 25) break;
  }
  return read;
}

/**
 * Rows Azure Table Storage returns for the counts per status of a filter, and the requests made in
 * parallel (`TableCaseRepository.countCasesByStatus`): for a filter by customer, workflow or SLA
 * health, that listing's matching rows up to {@link STATUS_COUNT_CAP} in one request; else each
 * status's matching rows up to the cap, one request per status; and the provider-share range
 * (empty here).
 */
function countRowsOnAzure(filter: CaseFilter): { rows: number; requests: number } {
  const { status: _status, ...rest } = filter;
  const matching = storedCases.filter(({ sr }) => matchesCaseFilter(sr, rest));
  if (listingPrefixFor(rest) !== undefined) return { rows: Math.min(matching.length, STATUS_COUNT_CAP), requests: 2 };
  const rows = CaseStatuses.reduce((n, st) => n + Math.min(matching.filter(({ sr }) => sr.status === st).length, STATUS_COUNT_CAP), 0);
  return { rows, requests: CaseStatuses.length + 1 };
}

/**
 * The bench's partner is not registered, so the endpoint reads the provider-share range as it does
 * for an indirect provider (the figures recorded on 2026-12-06 were taken so).
 */
const unregistered = { getPartner: async (): Promise<undefined> => undefined };

/** The list endpoint's query string of a filter (its parameters as the API takes them). */
function queryOf(filter: CaseFilter): Record<string, string> {
  return Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, String(v)]));
}

/** Stores cases `from` … `to - 1` (every row the app writes for a new case) in transactions of at most 100 rows of one partition, 8 in flight. */
async function seed(table: TableClient, from: number, to: number, newestMs: number): Promise<void> {
  const batches: TransactionAction[][] = [];
  let batch: TransactionAction[] = [];
  for (let n = from; n < to; n++) {
    // Older cases first would put them at the end of the newest-first listing: spread over the year.
    const sr = supportRequest(n, newestMs - Math.floor(random() * YEAR_MS));
    const rows = newCaseEntities(sr);
    if (sr.partnerId === PARTNER) storedCases.push({ sortKey: listingSortKey(sr.createdAt, sr.caseId), sr });
    if (batch.length + rows.length > 100 || (n > from && partnerOf(n - 1) !== sr.partnerId)) {
      batches.push(batch);
      batch = [];
    }
    for (const row of rows) batch.push(["create", row]);
  }
  if (batch.length > 0) batches.push(batch);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) await table.submitTransaction(batches[next++] as TransactionAction[]);
    }),
  );
}


/** The filters the list offers, one value each (a common and a rare one where it matters). */
const FILTERS: Array<[string, CaseFilter]> = [
  ["none", {}],
  ["status=in-diagnosis (≈2 %)", { status: "in-diagnosis" }],
  ["status=closed (≈90 %)", { status: "closed" }],
  ["severity=A (≈10 %)", { severity: "A" }],
  ["category=billing (≈33 %)", { category: "billing" }],
  [`product=${ProductIds[0]}`, { product: ProductIds[0] }],
  ["channel=email (≈20 %)", { channel: "email" }],
  ["sla=breached (≈3 %)", { sla: "breached" }],
  ["customer=one tenant (≈0.05 %)", { customer: tenants[7] as string }],
  ["workflow=attention (none)", { workflow: "attention" }],
  ["created in the last 30 days", { createdFrom: new Date(Date.now() - 30 * 86_400_000).toISOString() }],
  ["status=in-diagnosis, severity=A", { status: "in-diagnosis", severity: "A" }],
];

async function main(): Promise<void> {
  const azurite = await startAzurite();
  const lines: string[] = [];
  try {
    const storage = new TableStorage({ connectionString: azurite.connectionString, tablePrefix: PREFIX });
    const table = await storage.getTable(TableNames.cases);
    const repository = new TableCaseRepository(storage);
    // On the empty table: marks the store as having every listing row (the app does so at its first case).
    await repository.migrateListingIndex();
    const newestMs = Date.now();
    lines.push(`## ${new Date().toISOString().slice(0, 10)}, the partner's request list at volume (\`npm run bench:list${quick ? " -- --quick" : ""}\`) — Node ${process.version}, Azurite in memory`);
    lines.push("");
    const layout = Number.isFinite(PARTNER_CASES)
      ? `the measured partner holds the first ${PARTNER_CASES.toLocaleString("en")} cases, the rest belong to other partners (${OTHER_PARTNER_CASES.toLocaleString("en")} each, a partition each); "rows Azure reads" is the measured partner's`
      : "one partner partition holding every case";
    lines.push(`First page (25, newest first) through \`TableCaseRepository.searchCases\`, ${RUNS} runs per filter after one warm-up; ${layout}.`);
    lines.push("");
    lines.push(`| cases stored | filter | served from | rows Azure reads | p50 ms | p99 ms | max ms | requests on the page | ended early (token) | endpoint with counts p50 / p99 ms | counts: rows / parallel requests on Azure |`);
    lines.push(`|---:|---|---|---:|---:|---:|---:|---:|---|---:|---:|`);
    let stored = 0;
    /** Per size: the slowest filter's first-page p99 (ms) and its name. */
    const worstBySize: Array<{ size: number; p99: number; filter: string }> = [];
    for (const size of SIZES) {
      const started = Date.now();
      await seed(table, stored, size, newestMs);
      process.stderr.write(`seeded ${size} cases (${size - stored} in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      stored = size;
      storedCases.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
      for (const [name, filter] of FILTERS) {
        const prefix = listingPrefixFor(filter);
        const servedFrom = prefix !== undefined ? `\`${prefix}\` range` : "`idx_` range, column conditions";
        await repository.searchCases(PARTNER, filter, { limit: 25 });
        const times: number[] = [];
        let page = await repository.searchCases(PARTNER, filter, { limit: 25 });
        for (let r = 0; r < RUNS; r++) {
          const t0 = process.hrtime.bigint();
          page = await repository.searchCases(PARTNER, filter, { limit: 25 });
          times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        times.sort((a, b) => a - b);
        const early = page.items.length < 25 && page.continuationToken !== undefined;
        const endpoint: number[] = [];
        for (let r = 0; r < ENDPOINT_RUNS; r++) {
          const t0 = process.hrtime.bigint();
          await searchSupportRequests({ cases: repository, partners: unregistered }, PARTNER, queryOf(filter));
          endpoint.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        endpoint.sort((a, b) => a - b);
        const counted = countRowsOnAzure(filter);
        const p99 = percentile(times, 99);
        const worst = worstBySize.find((w) => w.size === size);
        if (!worst) worstBySize.push({ size, p99, filter: name });
        else if (p99 > worst.p99) Object.assign(worst, { p99, filter: name });
        lines.push(
          `| ${size.toLocaleString("en")} | ${name} | ${servedFrom} | ${rowsReadOnAzure(filter).toLocaleString("en")} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 99).toFixed(1)} | ${(times.at(-1) ?? 0).toFixed(1)} | ${page.items.length} | ${early ? "yes" : "no"} | ${percentile(endpoint, 50).toFixed(0)} / ${percentile(endpoint, 99).toFixed(0)} | ${counted.rows.toLocaleString("en")} / ${counted.requests} |`,
        );
      }
    }
    lines.push("");
    lines.push(`Against the targets (bench/README.md, "Targets"; Azurite evaluates every query over the whole table, Azure reads the range named — "rows Azure reads" above):`);
    for (const w of worstBySize) lines.push(verdictLine(LIST_TARGETS.firstPageP99, w.p99, `${w.size.toLocaleString("en")} stored, slowest filter: ${w.filter}`));
    lines.push("");
    console.log(lines.join("\n"));
  } finally {
    await azurite.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
