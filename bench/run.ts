/**
 * Benchmarks of the running app (`npm run bench`): the `npm start` stack on free loopback ports and a
 * temporary data directory, then
 *  1. intake throughput: autocannon POSTs signed support requests (a fresh webhook id and signature
 *     per request) for a bounded time with a bounded number of connections;
 *  2. workflow latency: N cases submitted at once, then a `resolved` diagnosis for each; measures
 *     submit → acknowledged (status in-diagnosis, acknowledgement email sent) and diagnosis → resolved.
 * Prints a Markdown section to append to bench/RESULTS.md. Figures are recorded, never asserted.
 * The per-key API rate limit is lifted for the run (it would throttle the polling). Loopback only;
 * every loop is bounded in count and time.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import autocannon from "autocannon";
import { allocateFreePortSets, startStack, type RunningStack, type StackPorts } from "../scripts/lib/stack";
import { DemoApiClient, caseOf, signWebhook } from "../scripts/lib/demoRunner";
import { loadDemoRequests } from "../scripts/lib/fixtures";
import { azuriteConnectionString } from "../test/support/azurite";
import { TableClient } from "@azure/data-tables";
import { startCpuSample } from "./processStats";
import { diffCounts, startStorageProxy, type CountDelta, type StorageProxy } from "./storageProxy";
import { readWorkflowHops } from "./workflowHops";
import { percentile } from "./stats";
import { EFFICIENCY_TARGETS, IDLE_TARGETS, LATENCY_TARGETS, STORAGE_TARGETS, verdictLine } from "./targets";

const QUICK = process.argv.includes("--quick");
const INTAKE_SECONDS = Number(process.env.BENCH_INTAKE_SECONDS ?? (QUICK ? 5 : 15));
const INTAKE_CONNECTIONS = Number(process.env.BENCH_INTAKE_CONNECTIONS ?? 8);
/** The intake alone is measured with INTAKE_CONNECTIONS and with this many connections. */
const INTAKE_ALONE_CONNECTIONS = Number(process.env.BENCH_INTAKE_ALONE_CONNECTIONS ?? 32);
const WORKFLOW_CASES = Number(process.env.BENCH_WORKFLOW_CASES ?? (QUICK ? 10 : 40));
/** Cases followed one by one through the happy path (intake → ack → diagnosis → resolved → auto-close), counting storage requests. */
const HAPPY_CASES = Number(process.env.BENCH_HAPPY_CASES ?? (QUICK ? 2 : 8));
/** Cases followed one by one through an escalation (intake → ack → `needs-escalation` diagnosis → escalated → resolution → auto-close). */
const ESCALATED_CASES = Number(process.env.BENCH_ESCALATED_CASES ?? (QUICK ? 1 : 3));
/** Quiet time before the idle sample, and its length (ms). */
const IDLE_SETTLE_IN_MS = 30_000;
const IDLE_SAMPLE_IN_MS = QUICK ? 5_000 : 30_000;
/** Task hub of the run (names the engine's tables and queues, so the proxy can tell engine from app). */
const TASK_HUB = "CspBenchHub";
const WORKFLOW_TIMEOUT_IN_MS = 5 * 60_000;
/** Bound of one wait for a case's next state in the one-at-a-time cases (ms). */
const STEP_TIMEOUT_IN_MS = 2 * 60_000;
/** Raw storage yardstick: single-entity inserts straight to Azurite, this many in flight, for this long. */
const RAW_INSERT_CONCURRENCY = 32;
const RAW_INSERT_SECONDS = Number(process.env.BENCH_RAW_SECONDS ?? (QUICK ? 5 : 15));
/** Sustained phase: this many clients each submit a case and wait for its acknowledgement, again and again. */
const SUSTAINED_CLIENTS = Number(process.env.BENCH_SUSTAINED_CLIENTS ?? 16);
const SUSTAINED_SECONDS = Number(process.env.BENCH_SUSTAINED_SECONDS ?? (QUICK ? 20 : 60));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function summary(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50)} ms, p95 ${percentile(s, 95)} ms, max ${s[s.length - 1]} ms`;
}

/** Resident and peak resident memory of a process (Linux `/proc/<pid>/status` VmRSS and VmHWM). */
function hostMemory(pid: number): string {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string): string => status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))?.[1] ?? "?";
    return `RSS ${Math.round(Number(field("VmRSS")) / 1024)} MiB, peak ${Math.round(Number(field("VmHWM")) / 1024)} MiB`;
  } catch {
    return "not available (no /proc)";
  }
}

function topKeys(delta: CountDelta, n: number, per = 1): string[] {
  return delta.byKey.slice(0, n).map((k) => `  - ${(k.count / per).toFixed(1)} × ${k.key}`);
}

function ownerShare(delta: CountDelta, per: number): string {
  const f = (x: number): string => (x / per).toFixed(1);
  const pct = (x: number): string => (delta.work ? Math.round((100 * x) / delta.work) : 0).toString();
  return `engine ${f(delta.byOwner.engine)} (${pct(delta.byOwner.engine)} %), app ${f(delta.byOwner.app)} (${pct(delta.byOwner.app)} %), host triggers ${f(delta.byOwner.host)}`;
}

/** What {@link happyPath} measured: Markdown lines and the figures the targets are checked on. */
interface HappyPathFigures {
  lines: string[];
  caseIds: string[];
  /** Storage requests (means over the cases): per happy-path case, per intake, per partner action (its POST's window), per escalated case (NaN without one). */
  perCase: number;
  perIntake: number;
  perAction: number;
  perEscalated: number;
  /** Idle-stack latencies (ms, nearest-rank): submit → acknowledged p50, diagnosis → resolved visible p50 and p95. */
  acknowledgedP50: number;
  visibleP50: number;
  visibleP95: number;
}

/**
 * Follows HAPPY_CASES cases one at a time through intake → acknowledgement → `resolved` diagnosis →
 * auto-close (the demo partner's `autoCloseAfter`) and counts the storage requests of each step.
 * The bench's own status reads also go through the app: their cost (measured first, the smallest
 * of five reads of a settled case) times the number of reads is subtracted from the case totals.
 * Empty queue polls and trigger blob listings are the idle cost, counted apart.
 */
async function happyPath(
  proxy: StorageProxy, client: DemoApiClient, partnerId: string, creds: { webhookSecret: string; apiKey: string }, request: object,
): Promise<HappyPathFigures> {
  // Each wait has its own bound: the cases run one after another (a happy-path case alone spans its
  // auto-close, about 30 s), so one bound for all of them ran out in the full run.
  const waitFor = async (caseId: string, done: (status: string, acked: boolean) => boolean, everyMs: number): Promise<number> => {
    let reads = 0;
    const deadline = Date.now() + STEP_TIMEOUT_IN_MS;
    while (Date.now() < deadline) {
      const view = await client.getCase(partnerId, creds.apiKey, caseId);
      reads++;
      if (done(caseOf(view).status, (view.notifications ?? []).some((n) => n.notificationKey === "received"))) return reads;
      await sleep(everyMs);
    }
    throw new Error(`case ${caseId} did not reach the expected state in time`);
  };
  const acknowledged = (status: string, acked: boolean): boolean => status === "in-diagnosis" && acked;
  // Warm-up case (first-use table creations, connection set-up), then the cost of one status read.
  const warm = await client.submit(partnerId, creds.webhookSecret, { ...request, title: `Warm-up ${randomUUID().slice(0, 8)}` });
  await waitFor(warm.caseId, acknowledged, 200);
  await sleep(1000);
  let read: CountDelta | undefined;
  for (let i = 0; i < 5; i++) {
    const s0 = proxy.snapshot();
    await client.getCase(partnerId, creds.apiKey, warm.caseId);
    const d = diffCounts(s0, proxy.snapshot());
    if (!read || d.work < read.work) read = d;
  }
  const readCost = read?.work ?? 0;
  /** Removes `reads` status reads of the bench from a case's counts, request class by request class. */
  const withoutReads = (d: CountDelta, reads: number): CountDelta => {
    const cost = new Map((read?.byKey ?? []).map((k) => [k.key, k.count * reads]));
    const byKey = d.byKey.map((k) => ({ key: k.key, count: k.count - (cost.get(k.key) ?? 0) })).filter((k) => k.count > 0);
    const owners = { engine: 0, host: 0, app: 0 };
    for (const k of byKey) owners[k.key.split(" ")[0] as keyof typeof owners] += k.count;
    return { ...d, work: byKey.reduce((s, k) => s + k.count, 0), byOwner: owners, byKey };
  };

  // One intake that also carries an `Idempotency-Key` (kept under the key for replays): counted
  // apart. The counted cases below are delivered as a Standard Webhooks sender does, `webhook-id` only.
  const k0 = proxy.snapshot();
  const keyed = await client.submit(partnerId, creds.webhookSecret, { ...request, title: `Keyed ${randomUUID().slice(0, 8)}` });
  const keyedIntake = diffCounts(k0, proxy.snapshot());
  await waitFor(keyed.caseId, acknowledged, 200);
  await sleep(1000);

  const intakes: CountDelta[] = [];
  const actions: CountDelta[] = [];
  const cases: CountDelta[] = [];
  const timings = { ack: [] as number[], answered: [] as number[], resolved: [] as number[], span: [] as number[] };
  const caseIds: string[] = [];
  for (let i = 0; i < HAPPY_CASES; i++) {
    const c0 = proxy.snapshot();
    const t0 = Date.now();
    const { caseId } = await client.submit(partnerId, creds.webhookSecret, { ...request, title: `Happy ${randomUUID().slice(0, 8)}` }, { idempotencyKey: null });
    caseIds.push(caseId);
    intakes.push(diffCounts(c0, proxy.snapshot()));
    let reads = await waitFor(caseId, acknowledged, 100);
    timings.ack.push(Date.now() - t0);
    const a0 = proxy.snapshot();
    const t1 = Date.now();
    await client.act(partnerId, creds.apiKey, caseId, "diagnosis", { outcome: "resolved", notes: "Benchmark: resolved within baseline support." });
    timings.answered.push(Date.now() - t1);
    actions.push(diffCounts(a0, proxy.snapshot()));
    reads += await waitFor(caseId, (status) => status === "resolved" || status === "closed", 50);
    timings.resolved.push(Date.now() - t1);
    reads += await waitFor(caseId, (status) => status === "closed", 1000);
    await sleep(2000); // let the closing episode and its last activities finish
    timings.span.push(Date.now() - t0);
    cases.push(withoutReads(diffCounts(c0, proxy.snapshot()), reads));
  }
  // Escalations: the partner's diagnosis asks for escalation (to Microsoft through the partner's
  // support vehicle, or to its indirect provider), then its resolution comes back and the case auto-closes.
  const escalated: CountDelta[] = [];
  for (let i = 0; i < ESCALATED_CASES; i++) {
    const c0 = proxy.snapshot();
    const { caseId } = await client.submit(partnerId, creds.webhookSecret, { ...request, title: `Escalated ${randomUUID().slice(0, 8)}` }, { idempotencyKey: null });
    let reads = await waitFor(caseId, acknowledged, 100);
    await client.act(partnerId, creds.apiKey, caseId, "diagnosis", { outcome: "needs-escalation", notes: "Benchmark: beyond baseline support." });
    reads += await waitFor(caseId, (status) => status.startsWith("escalated-"), 100);
    await client.act(partnerId, creds.apiKey, caseId, "resolution", { summary: "Benchmark: resolved with Microsoft's fix." });
    reads += await waitFor(caseId, (status) => status === "resolved" || status === "closed", 100);
    reads += await waitFor(caseId, (status) => status === "closed", 1000);
    await sleep(2000);
    escalated.push(withoutReads(diffCounts(c0, proxy.snapshot()), reads));
  }
  const avg = (ds: CountDelta[], f: (d: CountDelta) => number): string => (ds.reduce((s, d) => s + f(d), 0) / ds.length).toFixed(1);
  const merged = (ds: CountDelta[]): CountDelta => {
    const m: CountDelta = { total: 0, work: 0, emptyPolls: 0, byOwner: { engine: 0, host: 0, app: 0 }, byKey: [] };
    const keys = new Map<string, number>();
    for (const d of ds) {
      m.total += d.total; m.work += d.work; m.emptyPolls += d.emptyPolls;
      for (const o of ["engine", "host", "app"] as const) m.byOwner[o] += d.byOwner[o];
      for (const k of d.byKey) keys.set(k.key, (keys.get(k.key) ?? 0) + k.count);
    }
    m.byKey = [...keys].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count);
    return m;
  };
  const n = HAPPY_CASES;
  const mean = (ds: CountDelta[]): number => (ds.length > 0 ? ds.reduce((sum, d) => sum + d.work, 0) / ds.length : Number.NaN);
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  return {
    caseIds,
    perCase: mean(cases),
    perIntake: mean(intakes),
    perAction: mean(actions),
    perEscalated: mean(escalated),
    acknowledgedP50: percentile(sorted(timings.ack), 50),
    visibleP50: percentile(sorted(timings.resolved), 50),
    visibleP95: percentile(sorted(timings.resolved), 95),
    lines: [
      `Storage requests (counting proxy in front of Azurite; ${n} cases one at a time on an idle stack; empty queue polls and trigger blob listings counted apart; a status read costs ${readCost}, the bench's own reads are subtracted):`,
      `- per intake (the signed POST, \`webhook-id\` only): ${avg(intakes, (d) => d.work)} — ${ownerShare(merged(intakes), n)}`,
      ...topKeys(merged(intakes), 12, n),
      `- per intake with an \`Idempotency-Key\` as well (1 intake): ${keyedIntake.work} — ${ownerShare(keyedIntake, 1)}; IdempotencyKeys: ${keyedIntake.byKey.filter((k) => k.key.includes("IdempotencyKeys")).map((k) => `${k.count} × ${k.key}`).join(", ") || "none"}`,
      `- per partner action (POST diagnosis): ${avg(actions, (d) => d.work)} — ${ownerShare(merged(actions), n)}`,
      ...topKeys(merged(actions), 8, n),
      `- per happy-path case (intake → ack → diagnosis → resolved → auto-close): ${avg(cases, (d) => d.work)} — ${ownerShare(merged(cases), n)}; plus ${avg(cases, (d) => d.emptyPolls)} empty polls during its ${(timings.span.reduce((a, b) => a + b, 0) / n / 1000).toFixed(1)} s`,
      ...topKeys(merged(cases), 15, n),
      ...(escalated.length > 0
        ? [
            `- per escalated case (intake → ack → needs-escalation → escalated → resolution → auto-close; ${escalated.length} case${escalated.length > 1 ? "s" : ""}): ${avg(escalated, (d) => d.work)} — ${ownerShare(merged(escalated), escalated.length)}`,
            ...topKeys(merged(escalated), 10, escalated.length),
          ]
        : []),
      `- idle-stack latency: submit → acknowledged ${summary(timings.ack)}; diagnosis → resolved visible ${summary(timings.resolved)} (of which the POST until its 202: ${summary(timings.answered)}; the status is read every 50 ms)`,
    ],
  };
}

/**
 * The storage's own capacity on this machine in this run: single-entity inserts into a scratch
 * table, RAW_INSERT_CONCURRENCY in flight, for RAW_INSERT_SECONDS, straight to Azurite (not through
 * the counting proxy). The yardstick the app's rates are divided by.
 * @returns inserts per second.
 */
async function rawInsertRate(connectionString: string): Promise<number> {
  const table = TableClient.fromConnectionString(connectionString, `BenchRaw${Date.now()}`, { allowInsecureConnection: true });
  await table.createTable();
  const until = Date.now() + RAW_INSERT_SECONDS * 1000;
  let inserted = 0;
  await Promise.all(Array.from({ length: RAW_INSERT_CONCURRENCY }, async (_, worker) => {
    for (let i = 0; Date.now() < until; i++) {
      await table.createEntity({ partitionKey: `p${worker}`, rowKey: `r${i}`, title: "Benchmark row", at: new Date().toISOString(), n: i });
      inserted++;
    }
  }));
  await table.deleteTable();
  return inserted / RAW_INSERT_SECONDS;
}

/** What one intake burst measured. */
interface IntakeBurst {
  result: autocannon.Result;
  accepted: number;
  /** CPU time used during the burst, ms, by process name. */
  cpuInMs: Record<string, number>;
}

/**
 * One intake burst: autocannon POSTs signed support requests (a fresh `webhook-id`, title and
 * signature per request) with `connections` connections for INTAKE_SECONDS, while the CPU time of
 * the given processes is sampled.
 */
async function intakeBurst(url: string, webhookSecret: string, request: Record<string, unknown>, pids: Record<string, number>, connections = INTAKE_CONNECTIONS): Promise<IntakeBurst> {
  const cpu = startCpuSample(pids);
  const result = await autocannon({
    url,
    method: "POST",
    connections,
    duration: INTAKE_SECONDS,
    requests: [
      {
        setupRequest: (req) => {
          const signed = signWebhook(webhookSecret, { ...request, title: `Bench ${randomUUID().slice(0, 8)}` });
          return { ...req, method: "POST", headers: signed.headers, body: signed.body };
        },
      },
    ],
  });
  return { result, accepted: result["2xx"], cpuInMs: cpu.usedInMs() };
}

/** A stack whose host is the HTTP scale group, for {@link intakeAlone}. */
interface HttpGroupStack {
  stack: RunningStack;
  stop(): Promise<void>;
}

/**
 * Starts a stack whose host is the HTTP scale group (`EMULATOR_SCALE_GROUP=http`: requests are
 * stored and their orchestrations started, none run), without the counting proxy. It is started
 * beside the main stack and measured while the main stack settles before its idle sample, so it
 * adds no time to the run; it runs no trigger, so until then it polls nothing and costs the main
 * stack's figures nothing.
 */
async function startHttpGroupStack(ports: StackPorts): Promise<HttpGroupStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-bench-http-"));
  try {
    const stack = await startStack({ dataDir, ports, output: "ignore", log: () => undefined, env: { API_RATE_LIMIT_PER_MINUTE: "1000000", TASK_HUB_NAME: TASK_HUB, EMULATOR_SCALE_GROUP: "http" } });
    return {
      stack,
      stop: async () => {
        await stack.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The intake alone, as a Flex Consumption app runs it: per-function scaling runs the HTTP
 * triggers on instances of their own, apart from the Durable Functions triggers (Microsoft Learn,
 * "Event-driven scaling"). Measured on the HTTP-group stack while the main stack waits without
 * work: the raw insert rate on its Azurite first, then a burst with INTAKE_CONNECTIONS connections
 * (full run only) and one with INTAKE_ALONE_CONNECTIONS.
 */
async function intakeAlone(group: HttpGroupStack, root: string): Promise<IntakeAloneFigures> {
  const { stack } = group;
  // Each burst for another partner: a partner's cases are one table partition, which Azurite scans
  // row by row on every insert (docs/local-host.md), so a second burst for the same partner would
  // measure the first one's rows.
  const samples = benchSamples(root);
  const raw = await rawInsertRate(azuriteConnectionString(stack.ports));
  const lines = [`Intake alone (a second stack whose host is the HTTP scale group, \`EMULATOR_SCALE_GROUP=http\`, as per-function scaling runs HTTP triggers on Flex Consumption: every request stored and its orchestration started, none run; no counting proxy; raw ${fmt(raw, 0)} inserts/s on this stack; ${INTAKE_SECONDS} s per burst):`];
  const bursts = QUICK ? [INTAKE_ALONE_CONNECTIONS] : [...new Set([INTAKE_CONNECTIONS, INTAKE_ALONE_CONNECTIONS])];
  const figures: IntakeAloneFigures["bursts"] = [];
  for (const [i, connections] of bursts.entries()) {
    const sample = samples[i % samples.length] as BenchSample;
    const creds = stack.credentials?.partners[sample.partnerId];
    if (!creds) throw new Error(`no credentials for ${sample.partnerId}`);
    const burst = await intakeBurst(`${stack.urls.app}/api/partners/${sample.partnerId}/support-requests`, creds.webhookSecret, sample.request, { host: stack.processes.host.pid, azurite: stack.processes.azurite.pid }, connections);
    const rate = burst.accepted / INTAKE_SECONDS;
    figures.push({ connections, acceptRatio: rate / raw, hostCpuPerIntakeInMs: (burst.cpuInMs.host ?? Number.NaN) / Math.max(1, burst.accepted) });
    lines.push(
      `- ${connections} connections (partner ${sample.partnerId}): ${burst.result.requests.average} req/s average (${burst.accepted} accepted, ${burst.result.non2xx} non-2xx, ${burst.result.errors} errors, ${burst.result.timeouts} timeouts); latency p50 ${burst.result.latency.p50} ms, p99 ${burst.result.latency.p99} ms; accepted ${fmt(rate)}/s = **${fmt(rate / raw, 3)} × the raw insert rate**; host **${fmt((burst.cpuInMs.host ?? NaN) / Math.max(1, burst.accepted))} ms CPU per intake**, Azurite ${fmt((burst.cpuInMs.azurite ?? NaN) / Math.max(1, burst.accepted))} ms`,
    );
  }
  return { lines: [...lines, ""], bursts: figures };
}

/** What {@link intakeAlone} measured: Markdown lines, and per burst the accept ratio and host CPU. */
interface IntakeAloneFigures {
  lines: string[];
  /** Per burst: its connections, accepted per second ÷ that stack's raw insert rate, host CPU per accepted intake (ms). */
  bursts: Array<{ connections: number; acceptRatio: number; hostCpuPerIntakeInMs: number }>;
}

/** A demo request the bench submits, and its partner. */
interface BenchSample {
  partnerId: string;
  request: Record<string, unknown>;
}

/** Per partner of the demo requests, its first request that is not severity A; the main sample first. */
function benchSamples(root: string): BenchSample[] {
  const samples = new Map<string, BenchSample>();
  for (const r of loadDemoRequests(path.join(root, "test", "fixtures", "demo", "requests.json"))) {
    if (r.request.severity !== "A" && !samples.has(r.partnerId)) samples.set(r.partnerId, r as BenchSample);
  }
  if (samples.size === 0) throw new Error("no non-critical sample request in the fixtures");
  return [...samples.values()];
}

/** The demo request the bench submits (the first that is not severity A) and its partner. */
function benchSample(root: string): BenchSample {
  return benchSamples(root)[0] as BenchSample;
}

/**
 * Sustained acknowledgement rate: SUSTAINED_CLIENTS clients each submit a case, poll it (200 ms)
 * until it is acknowledged (status in-diagnosis and the acknowledgement email sent), and start
 * again, for SUSTAINED_SECONDS. Cases still pending at the end are not counted.
 * @returns acknowledged cases per second and their submit → acknowledged latencies (ms).
 */
async function sustainedAcknowledgements(
  client: DemoApiClient, partnerId: string, creds: { webhookSecret: string; apiKey: string }, request: object,
): Promise<{ perSecond: number; latencies: number[] }> {
  const until = Date.now() + SUSTAINED_SECONDS * 1000;
  const latencies: number[] = [];
  await Promise.all(Array.from({ length: SUSTAINED_CLIENTS }, async () => {
    while (Date.now() < until) {
      const t0 = Date.now();
      const { caseId } = await client.submit(partnerId, creds.webhookSecret, { ...request, title: `Sustained ${randomUUID().slice(0, 8)}` });
      while (Date.now() < until) {
        const view = await client.getCase(partnerId, creds.apiKey, caseId);
        if (caseOf(view).status === "in-diagnosis" && (view.notifications ?? []).some((n) => n.notificationKey === "received")) {
          latencies.push(Date.now() - t0);
          break;
        }
        await sleep(200);
      }
    }
  }));
  return { perSecond: latencies.length / SUSTAINED_SECONDS, latencies };
}

const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : "?");

async function main(): Promise<void> {
  const root = path.join(__dirname, "..", "..");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-bench-"));
  // The per-key rate limit (default 120/min) would throttle the bench's own polling and measure the
  // limiter instead of the workflow: lift it for this run.
  // Every storage request of the host (app and engine) goes through the counting proxy.
  const [ports, httpGroupPorts] = (await allocateFreePortSets(2)) as [StackPorts, StackPorts];
  const httpGroupStarting = startHttpGroupStack(httpGroupPorts);
  // Never an unhandled rejection: a failed start of either stack stops the other (below).
  httpGroupStarting.catch(() => undefined);
  const proxy = await startStorageProxy({ blob: ports.blob, queue: ports.queue, table: ports.table }, TASK_HUB);
  const stack = await startStack({
    dataDir, ports, output: "ignore", log: () => undefined,
    env: { API_RATE_LIMIT_PER_MINUTE: "1000000", AzureWebJobsStorage: azuriteConnectionString(proxy.ports), TASK_HUB_NAME: TASK_HUB },
  }).catch(async (e: unknown) => {
    await proxy.close();
    await (await httpGroupStarting.catch(() => undefined))?.stop();
    throw e;
  });
  const httpGroup = await httpGroupStarting.catch(async (e: unknown) => {
    await stack.stop();
    await proxy.close();
    throw e;
  });
  try {
    const sample = benchSample(root);
    const partnerId = sample.partnerId;
    const creds = stack.credentials?.partners[partnerId];
    if (!creds) throw new Error(`no credentials for ${partnerId}`);
    const url = `${stack.urls.app}/api/partners/${partnerId}/support-requests`;

    const client = new DemoApiClient(stack.urls.app);

    // 0. Storage requests per step, one case at a time on an otherwise idle stack.
    const happy = await happyPath(proxy, client, partnerId, creds, sample.request);
    const hopRows = await readWorkflowHops(azuriteConnectionString(ports), TASK_HUB, happy.caseIds);
    const hops = hopRows.map((h) => h.durationInMs);
    const byActivity = new Map<string, number[]>();
    for (const h of hopRows) byActivity.set(h.activity, [...(byActivity.get(h.activity) ?? []), h.durationInMs]);
    const hopsByActivity = [...byActivity].map(([name, ms]) => `${name} ${percentile([...ms].sort((a, b) => a - b), 50)} ms (${ms.length})`);
    const pids = { host: stack.processes.host.pid, azurite: stack.processes.azurite.pid };
    // Idle: no work for IDLE_SETTLE_IN_MS, then count for IDLE_SAMPLE_IN_MS. Meanwhile the intake
    // alone is measured on the HTTP-group stack, which shares no process and no storage with this
    // one (this one only waits; the sample starts once both are done and the settling time is up).
    const settled = sleep(IDLE_SETTLE_IN_MS);
    const alone = await intakeAlone(httpGroup, root);
    await httpGroup.stop();
    await settled;
    const idleFrom = proxy.snapshot();
    const idleCpu = startCpuSample(pids);
    await sleep(IDLE_SAMPLE_IN_MS);
    const idle = diffCounts(idleFrom, proxy.snapshot());
    const idleCpuPercent = idleCpu.percentOfOneCore();

    // The storage's own capacity in this run (straight to Azurite).
    const raw = await rawInsertRate(azuriteConnectionString(ports));

    // 1. Intake throughput.
    const burst = await intakeBurst(url, creds.webhookSecret, sample.request, pids);
    const intake = burst.result;
    const accepted = burst.accepted;
    const rejected = intake.non2xx;
    const intakeCpuInMs = burst.cpuInMs;
    const acceptRate = accepted / INTAKE_SECONDS;

    // 2. Workflow latency.
    // Let the orchestrations started by the intake phase drain a little first.
    await sleep(2000);
    const started = Date.now();
    const cases = await Promise.all(
      Array.from({ length: WORKFLOW_CASES }, async () => {
        const t0 = Date.now();
        const { caseId } = await client.submit(partnerId, creds.webhookSecret, { ...sample.request, title: `Latency ${randomUUID().slice(0, 8)}` });
        return { caseId, t0, acknowledgedAt: 0, diagnosedAt: 0, resolvedAt: 0 };
      }),
    );
    const deadline = started + WORKFLOW_TIMEOUT_IN_MS;
    for (let pending = cases.length; pending > 0 && Date.now() < deadline; ) {
      pending = 0;
      for (const c of cases) {
        if (c.resolvedAt) continue;
        const view = await client.getCase(partnerId, creds.apiKey, c.caseId);
        const status = caseOf(view).status;
        const acked = (view.notifications ?? []).some((n) => n.notificationKey === "received");
        if (!c.acknowledgedAt && status === "in-diagnosis" && acked) {
          c.acknowledgedAt = Date.now();
          await client.act(partnerId, creds.apiKey, c.caseId, "diagnosis", { outcome: "resolved", notes: "Benchmark: resolved within baseline support." });
          c.diagnosedAt = Date.now();
        } else if (c.diagnosedAt && (status === "resolved" || status === "closed")) {
          c.resolvedAt = Date.now();
        }
        if (!c.resolvedAt) pending++;
      }
      await sleep(200);
    }
    const done = cases.filter((c) => c.resolvedAt);

    // 3. Sustained acknowledgements.
    await sleep(2000);
    const sustained = await sustainedAcknowledgements(client, partnerId, creds, sample.request);
    const memory = hostMemory(stack.processes.host.pid);

    const lines = [
      `## ${new Date().toISOString()} — ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      "",
      `Storage yardstick: ${fmt(raw, 0)} single-entity inserts/s straight to Azurite (${RAW_INSERT_CONCURRENCY} in flight, ${RAW_INSERT_SECONDS} s, same run).`,
      "",
      `Intake (${INTAKE_CONNECTIONS} connections, ${INTAKE_SECONDS} s, signed webhook, case stored + orchestration started per request):`,
      `- ${intake.requests.average} req/s average (${accepted} accepted, ${rejected} non-2xx, ${intake.errors} errors, ${intake.timeouts} timeouts)`,
      `- latency p50 ${intake.latency.p50} ms, p97.5 ${intake.latency.p97_5} ms, p99 ${intake.latency.p99} ms, max ${intake.latency.max} ms`,
      `- accepted ${fmt(acceptRate)}/s = **${fmt(acceptRate / raw, 3)} × the raw insert rate**`,
      `- CPU during the burst: host ${fmt(intakeCpuInMs.host ?? NaN, 0)} ms = **${fmt((intakeCpuInMs.host ?? NaN) / Math.max(1, accepted))} ms per accepted intake** (the workflows the burst started run beside it, on the same cores: see "Intake alone" below), Azurite ${fmt((intakeCpuInMs.azurite ?? NaN) / Math.max(1, accepted))} ms per intake`,
      "",
      `Workflow (${WORKFLOW_CASES} cases submitted at once, after the intake backlog; local Durable engine on Azurite; polled every 200 ms):`,
      `- ${done.length}/${cases.length} resolved in ${((Math.max(...done.map((c) => c.resolvedAt)) - started) / 1000).toFixed(1)} s`,
      `- submit → acknowledged (in-diagnosis + email sent): ${summary(done.map((c) => c.acknowledgedAt - c.t0))}`,
      `- diagnosis → resolved (event → status + email): ${summary(done.map((c) => c.resolvedAt - c.diagnosedAt))}`,
      "",
      `Sustained (${SUSTAINED_CLIENTS} clients each submitting a case and waiting for its acknowledgement, ${SUSTAINED_SECONDS} s): ${sustained.latencies.length} acknowledged = ${fmt(sustained.perSecond, 2)}/s; submit → acknowledged ${summary(sustained.latencies)}`,
      `- × ${fmt(happy.perCase)} storage requests per happy-path case = ${fmt(sustained.perSecond * happy.perCase, 0)} requests/s = **${fmt((sustained.perSecond * happy.perCase) / raw, 3)} of the raw insert rate**`,
      `Host process memory after the run: ${memory}`,
      "",
      ...happy.lines,
      `- one hop (activity scheduled → its result applied by the next episode, the activity's own work included; ${hops.length} hops of the cases above): ${summary(hops)}; p50 by activity: ${hopsByActivity.join(", ")}`,
      "",
      `Idle, ${IDLE_SETTLE_IN_MS / 1000} s after the last work, sampled for ${IDLE_SAMPLE_IN_MS / 1000} s: ${(idle.total / (IDLE_SAMPLE_IN_MS / 1000)).toFixed(1)} storage requests/s (${idle.emptyPolls} empty queue polls, ${idle.total - idle.emptyPolls - idle.work} trigger blob listings, ${idle.work} other)`,
      ...topKeys(idle, 5),
      `- CPU while idle: host ${fmt(idleCpuPercent.host ?? NaN)} %, Azurite ${fmt(idleCpuPercent.azurite ?? NaN)} % of one core`,
      "",
    ];
    const hopP50 = percentile([...hops].sort((a, b) => a - b), 50);
    const bestAlone = alone.bursts.reduce<(typeof alone.bursts)[number] | undefined>((best, b) => (!best || b.acceptRatio > best.acceptRatio ? b : best), undefined);
    const targets = [
      "Against the targets (bench/README.md, \"Targets\"; figures from this run):",
      verdictLine(STORAGE_TARGETS.perIntake, happy.perIntake, "the signed POST's window"),
      verdictLine(STORAGE_TARGETS.perPartnerAction, happy.perAction, "the POST diagnosis's window, which also holds the workflow's first reaction"),
      verdictLine(STORAGE_TARGETS.perHappyCase, happy.perCase),
      verdictLine(STORAGE_TARGETS.perEscalatedCase, happy.perEscalated),
      verdictLine(EFFICIENCY_TARGETS.intakeAcceptRatio, bestAlone?.acceptRatio ?? Number.NaN, `intake alone, the HTTP scale group, ${bestAlone?.connections ?? "?"} connections, ${INTAKE_SECONDS} s`, 3),
      verdictLine(EFFICIENCY_TARGETS.intakeAcceptRatio, acceptRate / raw, `beside its workflows on the same cores, ${INTAKE_CONNECTIONS} connections, ${INTAKE_SECONDS} s`, 3),
      verdictLine(EFFICIENCY_TARGETS.hostCpuPerIntake, bestAlone?.hostCpuPerIntakeInMs ?? Number.NaN, "intake alone"),
      verdictLine(EFFICIENCY_TARGETS.hostCpuPerIntake, (intakeCpuInMs.host ?? Number.NaN) / Math.max(1, accepted), "beside its workflows: an upper bound"),
      verdictLine(EFFICIENCY_TARGETS.sustainedRatio, (sustained.perSecond * happy.perCase) / raw, `${SUSTAINED_SECONDS} s`, 3),
      verdictLine(LATENCY_TARGETS.hopP50, hopP50, `${hops.length} hops`, 0),
      verdictLine(LATENCY_TARGETS.acknowledgedP50, happy.acknowledgedP50, "idle stack", 0),
      verdictLine(LATENCY_TARGETS.actionVisibleP50, happy.visibleP50, "idle stack", 0),
      verdictLine(LATENCY_TARGETS.actionVisibleP95, happy.visibleP95, "idle stack", 0),
      verdictLine(IDLE_TARGETS.storagePerSecond, idle.total / (IDLE_SAMPLE_IN_MS / 1000)),
      verdictLine(IDLE_TARGETS.hostCpu, idleCpuPercent.host ?? Number.NaN),
      verdictLine(IDLE_TARGETS.azuriteCpu, idleCpuPercent.azurite ?? Number.NaN),
      QUICK
        ? "- The workflow at volume and the partner list at volume are measured by the full run (or alone: `npm run bench:volume`, `npm run bench:list`), not by `--quick`."
        : "- The workflow at volume and the partner list at volume follow in their own sections.",
      "",
    ];
    console.log([...lines, ...alone.lines, ...targets].join("\n"));
  } finally {
    await stack.stop();
    await proxy.close();
    await httpGroup.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The full run goes on with the benches that need volume, each in a process of its own with its own
 * stack, printing its own section: the workflow at volume (bench/volume.ts) and the partner list at
 * volume (bench/partnerList.ts; the measured partner capped at 10,000 cases unless
 * `BENCH_LIST_PARTNER_CASES` says otherwise, so 100,000 stored are seeded in minutes, not hours).
 * Skipped by `--quick` and by `BENCH_ONLY=main`.
 * @throws Error when a bench exits with a non-zero code or cannot be started.
 */
async function runVolumeBenches(): Promise<void> {
  if (QUICK || process.env.BENCH_ONLY === "main") return;
  for (const script of ["volume.js", "partnerList.js"]) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(__dirname, script)], {
        stdio: "inherit",
        env: { ...process.env, BENCH_LIST_PARTNER_CASES: process.env.BENCH_LIST_PARTNER_CASES ?? "10000" },
      });
      child.on("error", reject);
      child.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`bench/${script} exited with code ${code ?? "none"}${signal ? `, signal ${signal}` : ""}`))));
    });
  }
}

main().then(runVolumeBenches).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
