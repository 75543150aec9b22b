/**
 * The partner's request list at volume (`npm run bench:list`): starts its own Azurite (in memory,
 * free loopback ports), stores one partner's cases as the app stores them (the case row and the
 * newest-first listing row, `TableCaseRepository`'s keys, columns and encoding, in entity-group
 * transactions of 100) up to each of `BENCH_LIST_SIZES` (default 10,000, 50,000, 100,000; `--quick`
 * 2,000 and 10,000), and at each size measures the first page (25 requests, newest first) through
 * `TableCaseRepository.searchCases` without a filter and with each filter the list offers:
 * `BENCH_LIST_RUNS` runs each (default 30, `--quick` 10) after one warm-up, p50/p99/max in ms,
 * how many requests the page held and whether it ended early with a continuation token.
 *
 * The data: requests spread over the last year; 2 % open (in diagnosis), the rest resolved or
 * closed; severities A/B/C 10/40/50 %; 2,000 customer tenants; SLA health breached 3 %, at risk
 * 2 %. A filter that matches few rows (one customer: ~0.05 %) makes Table Storage scan the
 * partition: each query request reads at most 1,000 rows, and the repository stops after 5 requests
 * that found nothing, handing back a continuation token (the page is then shorter or empty).
 * Prints a Markdown section for bench/RESULTS.md; figures are recorded, never asserted.
 */
import { TableClient, type TransactionAction } from "@azure/data-tables";
import { Categories, Channels, ProductIds, Severities, type CaseStatus, type SupportRequest } from "../shared/contracts";
import { caseRowKey, encodeKey, indexRowKey, listingColumns, packJson, TableCaseRepository, TableNames, TableStorage } from "../shared/adapters";
import type { CaseFilter } from "../shared/ports";
import { startAzurite } from "../test/support/azurite";
import { percentile } from "./stats";

const quick = process.argv.includes("--quick");
const SIZES = (process.env.BENCH_LIST_SIZES ?? (quick ? "2000,10000" : "10000,50000,100000")).split(",").map(Number);
const RUNS = Number(process.env.BENCH_LIST_RUNS ?? (quick ? 10 : 30));
const PARTNER = "bench-partner";
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
    partnerId: PARTNER,
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

/** Stores cases `from` … `to - 1` (case row and listing row) in transactions of 100, 8 in flight. */
async function seed(table: TableClient, from: number, to: number, newestMs: number): Promise<void> {
  const pk = encodeKey(PARTNER);
  const batches: TransactionAction[][] = [];
  let batch: TransactionAction[] = [];
  for (let n = from; n < to; n++) {
    // Older cases first would put them at the end of the newest-first listing: spread over the year.
    const sr = supportRequest(n, newestMs - Math.floor(random() * YEAR_MS));
    const data = packJson(sr);
    batch.push(["create", { partitionKey: pk, rowKey: caseRowKey(sr.caseId), caseId: sr.caseId, status: sr.status, createdAt: sr.createdAt, updatedAt: sr.updatedAt, applied: "{}", ...data }]);
    batch.push(["create", { partitionKey: pk, rowKey: indexRowKey(sr.createdAt, sr.caseId), caseId: sr.caseId, status: sr.status, createdAt: sr.createdAt, ...listingColumns(sr), ...data }]);
    if (batch.length === 100) {
      batches.push(batch);
      batch = [];
    }
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
];

async function main(): Promise<void> {
  const azurite = await startAzurite();
  const lines: string[] = [];
  try {
    const storage = new TableStorage({ connectionString: azurite.connectionString, tablePrefix: PREFIX });
    const table = await storage.getTable(TableNames.cases);
    const repository = new TableCaseRepository(storage);
    const newestMs = Date.now();
    lines.push(`## ${new Date().toISOString().slice(0, 10)}, the partner's request list at volume (\`npm run bench:list${quick ? " -- --quick" : ""}\`) — Node ${process.version}, Azurite in memory`);
    lines.push("");
    lines.push(`First page (25, newest first) through \`TableCaseRepository.searchCases\`, ${RUNS} runs per filter after one warm-up; one partner partition holding every case.`);
    lines.push("");
    lines.push(`| cases stored | filter | p50 ms | p99 ms | max ms | requests on the page | ended early (token) |`);
    lines.push(`|---:|---|---:|---:|---:|---:|---|`);
    let stored = 0;
    for (const size of SIZES) {
      const started = Date.now();
      await seed(table, stored, size, newestMs);
      process.stderr.write(`seeded ${size} cases (${size - stored} in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      stored = size;
      for (const [name, filter] of FILTERS) {
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
        lines.push(`| ${size.toLocaleString("en")} | ${name} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 99).toFixed(1)} | ${(times.at(-1) ?? 0).toFixed(1)} | ${page.items.length} | ${early ? "yes" : "no"} |`);
      }
    }
    console.log(lines.join("\n"));
  } finally {
    await azurite.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
