/**
 * Partner reports over a year (`npm run bench:reports`): starts its own Azurite (in memory, free
 * loopback ports), seeds the reports' read model of one indirect provider with `BENCH_REPORTS_CASES`
 * requests (default 100,000) spread over a year plus 5 % as its resellers' escalated series — the
 * day rows and then the facts exactly as the app writes them (TableReportReadModel's keys and
 * encoding: `packDay`), the facts in entity-group transactions of 100 — then measures, in the same process as the
 * service code, p50/p95/max of the SLA and volume reports' service calls over the year and over a
 * range ending mid-month (`BENCH_REPORTS_RUNS` runs each, default 30, after two warm-up runs), the
 * first report on day rows without rollups, a report right after a past month's fact changed, and
 * the cost of what a workflow activity adds: one fact written and its day recomputed from its ~275
 * facts.
 * Prints a Markdown section for bench/RESULTS.md. Seeding the facts stops after
 * `BENCH_REPORTS_SEED_SECONDS` (default 900; the reports read only the day rows, which are written
 * first) and the section says how many were seeded. Figures are recorded, never
 * asserted.
 */
import { TableClient, type TransactionAction } from "@azure/data-tables";
import { PartnerDefinitionSchema, Categories, Channels, ProductIds, Severities, SupportVehicles, type CaseFact, type MetricFact, type ReportSeries } from "../shared/contracts";
import { aggregateDay, addDays, daysBetweenInclusive, planRollups, utcDayOf } from "../shared/domain";
import { encodeKey, packDay, packJson, reportDayRowKey, reportFactRowKey, TableNames, TableReportReadModel, TableStorage } from "../shared/adapters";
import { MemoryPartnerRepository } from "../shared/adapters/memory";
import { getSlaReport, getVolumeReport, recomputeReportDay, type ReportDeps } from "../shared/services/reports";
import { partnerDefinition } from "../test/support/builders";
import { spawn } from "node:child_process";
import { azuriteConnectionString, getFreePorts, waitForPort } from "../test/support/azurite";
import { percentile } from "./stats";

const CASES = Number(process.env.BENCH_REPORTS_CASES ?? 100_000);
const RUNS = Number(process.env.BENCH_REPORTS_RUNS ?? 30);
const SEED_SECONDS = Number(process.env.BENCH_REPORTS_SEED_SECONDS ?? 900);
const PARTNER = "bench-provider";
const FIRST_DAY = "2025-12-01";
const DAYS = 365;
const PREFIX = "BenchReports";

/** A small deterministic PRNG (mulberry32), so every run seeds the same data. */
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
const pick = <T>(items: readonly T[], weights?: readonly number[]): T => {
  if (!weights) return items[Math.floor(random() * items.length)] as T;
  const total = weights.reduce((s, w) => s + w, 0);
  let r = random() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i] as number;
    if (r < 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
};
/** A log-normal-ish business duration around `medianMs`. */
const duration = (medianMs: number): number => Math.round(medianMs * Math.exp((random() + random() + random() - 1.5) * 1.6));
const tenants = Array.from({ length: 2000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);

function metric(medianMs: number, cycles: number): MetricFact {
  const fact: MetricFact = { achieved: 0, breached: 0, inProgress: 0, elapsedInMs: [], pausedInMs: 0 };
  for (let c = 0; c < cycles; c++) {
    const roll = random();
    if (roll < 0.05) {
      fact.inProgress++;
      continue;
    }
    const ms = duration(medianMs);
    fact.elapsedInMs.push(ms);
    if (ms > medianMs * 2.5) fact.breached++;
    else fact.achieved++;
  }
  if (random() < 0.2) fact.pausedInMs = duration(4 * 3_600_000);
  return fact;
}

/** The fact of the n-th seeded request. */
function fact(n: number, day: string, reseller?: string): CaseFact {
  const createdAt = new Date(Date.parse(`${day}T00:00:00.000Z`) + Math.floor(random() * 86_400_000)).toISOString();
  const resolved = random() < 0.93;
  const escalated = random() < 0.12;
  const vehicle = pick(SupportVehicles);
  return {
    caseId: `CS-B${String(n).padStart(8, "0")}`,
    createdAt,
    severity: pick(Severities, [1, 3, 6]),
    category: pick(Categories, [3, 2, 5]),
    product: pick(ProductIds, [6, 8, 4, 3, 2, 2, 1, 1, 1]),
    channel: pick(Channels, [3, 2]),
    customerTenantId: pick(tenants),
    status: resolved ? "closed" : "in-diagnosis",
    ...(resolved ? { resolvedAt: new Date(Date.parse(createdAt) + duration(2 * 86_400_000)).toISOString() } : {}),
    ...(escalated ? { escalation: { target: reseller ? "microsoft" : pick(["microsoft", "none"] as const), vehicle, productSupportIncidentUsed: vehicle === "product-support-incidents" } } : {}),
    sla: { "first-response": metric(2 * 3_600_000, 1), "next-update": metric(6 * 3_600_000, Math.floor(random() * 4)), resolution: metric(16 * 3_600_000, 1) },
    ...(random() < 0.3 ? { satisfaction: { rating: pick([1, 2, 3, 4, 5], [1, 1, 2, 5, 8]), at: createdAt } } : {}),
    ...(reseller ? { resellerPartnerId: reseller } : {}),
  };
}

/** Runs `work` on every item with at most `parallel` in flight. */
async function pool<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** One seeded series: how many requests and rows were written, and the sizes of its day rows. */
interface Seeded {
  requests: number;
  factRows: number;
  days: number;
  dayRowChars: number[];
  dayRowBytes: number[];
  /** The day with the most facts written, for the activity measurement. */
  busiestDay?: string;
}

/**
 * Seeds one series: first every day's row (the aggregate of its generated facts, as a
 * recomputation writes it), then the facts themselves in transactions of 100, day by day, until the
 * deadline.
 */
async function seed(table: TableClient, series: ReportSeries, count: number, deadline: number, offset: number, reseller?: () => string): Promise<Seeded> {
  const perDay = Array.from({ length: DAYS }, (_, i) => Math.floor(((i + 1) * count) / DAYS) - Math.floor((i * count) / DAYS));
  const pk = encodeKey(PARTNER);
  let n = offset;
  const days = perDay.map((k, i) => ({ day: addDays(FIRST_DAY, i), facts: Array.from({ length: k }, () => fact(n++, addDays(FIRST_DAY, i), reseller?.())) }));
  const out: Seeded = { requests: 0, factRows: 0, days: 0, dayRowChars: [], dayRowBytes: [] };
  await pool(days, 4, async ({ day, facts }) => {
    const aggregate = aggregateDay(day, facts);
    const packed = packDay(aggregate);
    out.dayRowChars.push(JSON.stringify(aggregate).length);
    out.dayRowBytes.push(Object.values(packed).reduce<number>((sum, v) => sum + (v instanceof Uint8Array ? v.length : 0), 0));
    await table.upsertEntity({ partitionKey: pk, rowKey: reportDayRowKey(series, day), dirty: false, ...packed }, "Replace");
    out.days++;
    out.requests += facts.length;
  });
  let busiest = 0;
  await pool(days, 4, async ({ day, facts }) => {
    let written = 0;
    for (let i = 0; i < facts.length && Date.now() < deadline; i += 100) {
      const actions: TransactionAction[] = facts.slice(i, i + 100).map((f) => ["upsert", { partitionKey: pk, rowKey: reportFactRowKey(series, f.createdAt, f.caseId), day: utcDayOf(f.createdAt), ...packJson(f) }, "Replace"]);
      await table.submitTransaction(actions);
      written += actions.length;
    }
    out.factRows += written;
    if (written > busiest) {
      busiest = written;
      out.busiestDay = day;
    }
    if (series === "own" && out.factRows % 5000 < written) process.stderr.write(`\r${out.factRows} fact rows…`);
  });
  return out;
}

async function measure(runs: number, call: () => Promise<unknown>): Promise<{ p50: number; p95: number; max: number }> {
  await call();
  await call();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1] ?? Number.NaN };
}

const ms = (v: number): string => `${v.toFixed(0)} ms`;

/** Days a range by month reads as days rather than rollups (those of its first and last months when not whole). */
function endDays(range: { from: string; to: string }): number {
  const plan = planRollups(range.from, range.to, "month");
  return (plan.head ? daysBetweenInclusive(plan.head.from, plan.head.to) : 0) + (plan.tail ? daysBetweenInclusive(plan.tail.from, plan.tail.to) : 0);
}

/**
 * Starts Azurite in memory on free loopback ports (resolved as a package, so it runs from dist/ too).
 * @returns its connection string and how to stop it.
 */
async function startBenchAzurite(): Promise<{ connectionString: string; stop: () => Promise<void> }> {
  const [blob, queue, table] = (await getFreePorts(3)) as [number, number, number];
  const bin = require.resolve("azurite/dist/src/azurite.js");
  const args = [bin, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--inMemoryPersistence", "--blobPort", String(blob), "--queuePort", String(queue), "--tablePort", String(table)];
  const child = spawn(process.execPath, args, { stdio: "ignore" });
  await waitForPort(table, 60_000);
  return {
    connectionString: azuriteConnectionString({ blob, queue, table }),
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

async function main(): Promise<void> {
  const azurite = await startBenchAzurite();
  try {
    const storage = new TableStorage({ connectionString: azurite.connectionString, tablePrefix: PREFIX });
    const table = await storage.getTable(TableNames.reports);
    const started = Date.now();
    const deadline = started + SEED_SECONDS * 1000;
    const own = await seed(table, "own", CASES, deadline, 0);
    const resellers = ["bench-reseller-a", "bench-reseller-b", "bench-reseller-c"];
    const shared = await seed(table, "reseller", Math.round(CASES * 0.05), deadline, CASES, () => pick(resellers));
    const seedSeconds = (Date.now() - started) / 1000;
    process.stderr.write("\n");

    const partners = new MemoryPartnerRepository();
    await partners.upsertPartner(PartnerDefinitionSchema.parse(partnerDefinition(PARTNER, { type: "indirect-provider", entitlements: [{ vehicle: "product-support-incidents", remainingIncidents: 40 }] })), { webhookSecrets: [], apiKeyHashes: [] });
    const reports = new TableReportReadModel(storage);
    const deps: ReportDeps = { reports, partners, clock: { now: () => new Date(`${addDays(FIRST_DAY, DAYS)}T09:00:00.000Z`) } };
    const year = { from: FIRST_DAY, to: addDays(FIRST_DAY, DAYS - 1) };
    // The seeded read model has day rows only, as one stored before the rollups existed: the first
    // report gives it its month and week rollups (and computes those it reads).
    const coldStarted = performance.now();
    await getSlaReport(deps, PARTNER, year);
    const cold = performance.now() - coldStarted;
    const sla = await measure(RUNS, () => getSlaReport(deps, PARTNER, year));
    const slaWeekly = await measure(RUNS, () => getSlaReport(deps, PARTNER, { ...year, groupBy: "week", severity: "A" }));
    const volume = await measure(RUNS, () => getVolumeReport(deps, PARTNER, year));
    // The default range on a day mid-month: eleven whole months and the days at both ends.
    const midMonth = { from: addDays(FIRST_DAY, 14), to: addDays(FIRST_DAY, DAYS - 16) };
    const slaMid = await measure(RUNS, () => getSlaReport(deps, PARTNER, midMonth));
    const volumeMidWeekly = await measure(RUNS, () => getVolumeReport(deps, PARTNER, { ...midMonth, groupBy: "week" }));
    // What an activity adds: one fact of the busiest seeded day written, then the day recomputed from its facts.
    const day = own.busiestDay ?? FIRST_DAY;
    const dayFacts = await reports.listFacts(PARTNER, "own", day);
    const sample = dayFacts[0];
    const write = sample
      ? await measure(Math.min(RUNS, 20), async () => {
          await reports.putFact(PARTNER, "own", sample);
          await recomputeReportDay(reports, PARTNER, "own", day);
        })
      : undefined;
    // A report right after an activity changed a request of a past month: its day, week and month
    // are dirty, so the report recomputes the day from its facts and the month from its days.
    const afterWrite = sample
      ? await measure(Math.min(RUNS, 20), async () => {
          await reports.putFact(PARTNER, "own", sample);
          await getSlaReport(deps, PARTNER, year);
        })
      : undefined;
    const check = await getVolumeReport(deps, PARTNER, year);
    const chars = [...own.dayRowChars].sort((a, b) => a - b);
    const bytes = [...own.dayRowBytes].sort((a, b) => a - b);

    const lines = [
      `## ${new Date().toISOString().slice(0, 10)}, reports over a year (\`npm run bench:reports\`) — Node ${process.version}, Azurite 3.35.0 in memory, same process as the service code`,
      "",
      `Seeded the day rows of ${own.requests.toLocaleString("en")} requests over ${own.days} days (own series) and of ${shared.requests.toLocaleString("en")} in the reseller series, and ${(own.factRows + shared.factRows).toLocaleString("en")} of their ${(own.requests + shared.requests).toLocaleString("en")} fact rows (transactions of 100, 4 in flight) in ${seedSeconds.toFixed(0)} s${own.factRows + shared.factRows < own.requests + shared.requests ? ` (stopped at the ${SEED_SECONDS} s bound)` : ""}. Day rows: median ${Math.round(percentile(chars, 50) / 1000)} K characters of JSON (max ${Math.round((chars[chars.length - 1] ?? 0) / 1000)} K), stored gzip-compressed: median ${(percentile(bytes, 50) / 1000).toFixed(1)} KB (max ${((bytes[bytes.length - 1] ?? 0) / 1000).toFixed(1)} KB). The volume report counted ${check.cases.toLocaleString("en")} requests and ${check.resellerEscalations?.cases.toLocaleString("en") ?? 0} escalated by resellers.`,
      "",
      `| call (${RUNS} runs after 2 warm-ups) | p50 | p95 | max |`,
      "|---|---:|---:|---:|",
      `| SLA report, ${year.from} to ${year.to}, by month (12 month rollups) | ${ms(sla.p50)} | ${ms(sla.p95)} | ${ms(sla.max)} |`,
      `| SLA report, same year, by week, severity A (52 week rollups, 1 day) | ${ms(slaWeekly.p50)} | ${ms(slaWeekly.p95)} | ${ms(slaWeekly.max)} |`,
      `| volume report, same year, by month (rollups, backlog, reseller series) | ${ms(volume.p50)} | ${ms(volume.p95)} | ${ms(volume.max)} |`,
      `| SLA report, ${midMonth.from} to ${midMonth.to}, by month (${endDays(midMonth)} days at the ends, month rollups between) | ${ms(slaMid.p50)} | ${ms(slaMid.p95)} | ${ms(slaMid.max)} |`,
      `| volume report, same range, by week (week rollups, days at the ends, backlog before the range) | ${ms(volumeMidWeekly.p50)} | ${ms(volumeMidWeekly.p95)} | ${ms(volumeMidWeekly.max)} |`,
      afterWrite ? `| one fact of a past month written, then the SLA report by month (its day, ${dayFacts.length} facts, and its month recomputed) | ${ms(afterWrite.p50)} | ${ms(afterWrite.p95)} | ${ms(afterWrite.max)} |` : "| a report after a write | not measured: no fact row was seeded |",
      write ? `| an activity's share: one fact written + its day (${dayFacts.length} facts) recomputed | ${ms(write.p50)} | ${ms(write.p95)} | ${ms(write.max)} |` : "| an activity's share | not measured: no fact row was seeded |",
      "",
      `The first report on the seeded read model (day rows only, as stored before the rollups existed) gave it its month and week rollups and computed the twelve months from their days in ${ms(cold)}.`,
      "",
    ];
    console.log(lines.join("\n"));
  } finally {
    await azurite.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
