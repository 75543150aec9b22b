/**
 * The workflow at volume (`npm run bench:volume`, `-- --quick`): the `npm start` stack on free
 * loopback ports (every storage request counted by the proxy), filled level by level with open
 * support requests — each acknowledged and then waiting on its SLA timers (severity B: first
 * response in 4 business hours) — and at each level:
 *  - the fill: requests submitted (8 in flight, in chunks of 200 each acknowledged before the next)
 *    per second until every one is acknowledged;
 *  - idle with that many open requests: host and Azurite CPU (% of one core) and storage requests
 *    per second over a quiet window, host RSS;
 *  - a burst of severity-A requests submitted at once (first response in 20 s: SLA timers at
 *    10, 15 and 20 s): submit → first wait (the episode that armed its first SLA timer, once
 *    acknowledged — status in-diagnosis, email sent —, from the history; the bench watches the
 *    instance rows with point reads meanwhile, so that it adds next to no load of its own), the
 *    orchestration episodes per second while they ran (from their history), and how late their
 *    timers fired (the episode that applied each `TimerFired` against its `FireAt`).
 * Levels: `BENCH_VOLUME_LEVELS` (comma-separated open requests), default 10, 1000 and 10000, or
 * 10, 100 and 500 with `--quick`. Azurite keeps its data in memory (`BENCH_VOLUME_AZURITE=disk`:
 * on disk, as `npm start` does): its disk persistence rewrites the whole table database every 5 s
 * while anything changes, in time proportional to what is stored (1.7 s for 54 MB at about 1,300
 * requests; about ten times that at 10,000), which saturates it and is no part of Azure Table
 * Storage. Prints a Markdown section for bench/RESULTS.md. Figures are
 * recorded, never asserted. Loopback only; every loop is bounded in count and time.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { allocateFreePorts, startStack } from "../scripts/lib/stack";
import { DemoApiClient } from "../scripts/lib/demoRunner";
import { loadDemoRequests, loadPartnerDefinitions } from "../scripts/lib/fixtures";
import type { PartnerDefinition } from "../shared/contracts";
import { azuriteConnectionString } from "../test/support/azurite";
import { getLargeString } from "@csp-support/local-host/durable";
import { startCpuSample } from "./processStats";
import { diffCounts, startStorageProxy } from "./storageProxy";
import { percentile } from "./stats";
import { VOLUME_TARGETS, verdictLine } from "./targets";

const QUICK = process.argv.includes("--quick");
const LEVELS = (process.env.BENCH_VOLUME_LEVELS ?? (QUICK ? "10,100,500" : "10,1000,10000")).split(",").map(Number);
/** Severity-A requests submitted at once at each level. */
const BURST = Number(process.env.BENCH_VOLUME_BURST ?? (QUICK ? 8 : 20));
/** Quiet time before the idle sample, and its length (ms). */
const IDLE_SETTLE_IN_MS = QUICK ? 10_000 : 30_000;
const IDLE_SAMPLE_IN_MS = QUICK ? 10_000 : 30_000;
/** Requests in flight while filling. */
const FILL_CONCURRENCY = 8;
/**
 * Requests submitted before the fill waits for all of them to be acknowledged (`BENCH_VOLUME_FILL_CHUNK`).
 * Azurite's queue operations take time proportional to the messages in all its queues, so a fill
 * that runs ahead of the workflow builds a backlog that slows the very receives that would drain it
 * (the 10,000 level fell to about one acknowledgement per second); Azure Queue Storage has no such cost.
 */
const FILL_CHUNK = Number(process.env.BENCH_VOLUME_FILL_CHUNK ?? 200);
/** Bound of one level's fill (ms). */
const FILL_TIMEOUT_IN_MS = 60 * 60_000;
/** How long the burst's timers are waited for after its last acknowledgement (its breach timer is at 20 s). */
const TIMER_WAIT_IN_MS = 30_000;
const TASK_HUB = "CspVolumeHub";
/** Azurite's persistence: in memory unless `BENCH_VOLUME_AZURITE=disk`. */
const AZURITE_ON_DISK = process.env.BENCH_VOLUME_AZURITE === "disk";
/** The demo partner whose terms every partner of the bench has; the first partner, and the one each burst goes to. */
const PARTNER = "duna-cloud-budapest";
/**
 * Direct-bill partners the fill is spread over, round robin (`BENCH_VOLUME_PARTNERS`, default 10;
 * 1 with `--quick`): {@link PARTNER} and copies of its terms under their own ids and addresses. A
 * partner's cases are one table partition, and Azurite compares the RowKey of every row of a
 * partition on each point read, insert and update (68 % of its CPU at 5,400 open requests of one
 * partner), which Azure Table Storage does not (point operations by PartitionKey and RowKey); with
 * one partner the level measured Azurite's scans. 1 keeps every request with {@link PARTNER}.
 */
const PARTNERS = Math.max(1, Number(process.env.BENCH_VOLUME_PARTNERS ?? (QUICK ? 1 : 10)));
/**
 * `BENCH_VOLUME_PROFILE_BURST=1`: SIGUSR2 to the host and Azurite when each burst starts and once
 * it is acknowledged, so that processes started with `bench/cpuProfilePreload` in
 * `CPU_PROFILE_ON_SIGNAL=1` mode write a CPU profile of each burst, e.g.
 * `NODE_OPTIONS="--require $PWD/dist/bench/cpuProfilePreload.js" CPU_PROFILE_ON_SIGNAL=1 CPU_PROFILE_DIR=/tmp/prof BENCH_VOLUME_PROFILE_BURST=1 npm run bench:volume`.
 */
const PROFILE_BURST = process.env.BENCH_VOLUME_PROFILE_BURST === "1";

/** Starts or ends the burst's CPU profiles ({@link PROFILE_BURST}); a process already gone is skipped. */
function signalProfilers(pids: Record<string, number | undefined>): void {
  if (!PROFILE_BURST) return;
  for (const pid of Object.values(pids)) {
    try {
      if (pid !== undefined) process.kill(pid, "SIGUSR2");
    } catch {
      // gone: nothing to profile
    }
  }
}

/** Id of the bench's i-th partner (0 is {@link PARTNER}). */
const partnerIdOf = (i: number): string => (i === 0 ? PARTNER : `volume-partner-${String(i).padStart(2, "0")}`);

/**
 * The partners file of the bench's stack: the demo partners, and {@link PARTNERS} − 1 copies of
 * {@link PARTNER}'s definition with their own id, name and addresses.
 * @returns the path of the file written in `dataDir`.
 */
function writePartnersFile(root: string, dataDir: string): string {
  const demo = loadPartnerDefinitions(path.join(root, "test", "fixtures", "demo", "partners.json"));
  const template = demo.find((d) => d.id === PARTNER);
  if (!template) throw new Error(`no partner ${PARTNER} in the demo partners`);
  const copies = Array.from({ length: PARTNERS - 1 }, (_, k): PartnerDefinition => {
    const id = partnerIdOf(k + 1);
    // The template's addresses, at the copy's own domain (each partner has its own support address).
    const json = JSON.stringify({ ...template, id, name: `${template.name} (bench copy ${k + 1})` }).replace(/@duna-cloud\.example/g, `@${id}.example`);
    return JSON.parse(json) as PartnerDefinition;
  });
  const file = path.join(dataDir, "volume-partners.json");
  fs.writeFileSync(file, JSON.stringify([...demo, ...copies], null, 1));
  return file;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toFixed(digits) : "?");

/** Whether an instance's custom status (JSON) says the case is in diagnosis and the workflow waits for a deadline. */
function waitsInDiagnosis(customStatus: string | null | undefined): boolean {
  if (!customStatus) return false;
  try {
    const status = JSON.parse(customStatus) as { status?: unknown; nextDeadline?: unknown };
    return status.status === "in-diagnosis" && typeof status.nextDeadline === "string";
  } catch {
    return false;
  }
}

/** Resident memory of a process in MiB (Linux `/proc/<pid>/status` VmRSS), NaN elsewhere. */
function rssInMiB(pid: number): number {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** What the history of the burst's instances says: episodes and when they ran, and the timers' lateness. */
async function readBurstHistory(connectionString: string, instanceIds: readonly string[]): Promise<{ episodes: number[]; lateness: number[]; firstWaitAt: Map<string, number> }> {
  const table = TableClient.fromConnectionString(connectionString, `${TASK_HUB}History`, { allowInsecureConnection: true });
  const episodes: number[] = [];
  const lateness: number[] = [];
  const firstWaitAt = new Map<string, number>();
  for (const instanceId of instanceIds) {
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${instanceId.replace(/'/g, "''")}'` } })) {
      const at = Date.parse(String(row._Timestamp ?? ""));
      if (row.EventType === "OrchestratorStarted" && Number.isFinite(at)) episodes.push(at);
      // The first wait: the episode that created the instance's first timer (its SLA timers, armed once acknowledged).
      if (row.EventType === "TimerCreated" && Number.isFinite(at)) firstWaitAt.set(instanceId, Math.min(at, firstWaitAt.get(instanceId) ?? Infinity));
      if (row.EventType === "TimerFired") {
        const due = Date.parse(String(row.FireAt ?? ""));
        if (Number.isFinite(due) && Number.isFinite(at)) lateness.push(at - due);
      }
    }
  }
  return { episodes: episodes.sort((a, b) => a - b), lateness: lateness.sort((a, b) => a - b), firstWaitAt };
}

/** A level's row of the Markdown table. */
function rowOf(r: LevelResult): string {
  return `| ${r.open.toLocaleString("en")} | ${fmt(r.fillPerSecond, 1)} | ${fmt(r.idle.hostCpu, 1)} % | ${fmt(r.idle.azuriteCpu, 1)} % | ${fmt(r.idle.storagePerSecond, 1)} | ${fmt(r.idle.rss)} MiB | ${fmt(r.burst.ackP50)} / ${fmt(r.burst.ackMax)} ms (${r.burst.acknowledged}/${BURST}) | ${fmt(r.burst.episodesPerSecond, 1)} | ${r.burst.timers} | ${fmt(r.burst.lateP50)} / ${fmt(r.burst.lateP99)} / ${fmt(r.burst.lateMax)} ms |`;
}

/** One level's figures. */
interface LevelResult {
  open: number;
  fillPerSecond: number;
  idle: { hostCpu: number; azuriteCpu: number; storagePerSecond: number; emptyPollsPerSecond: number; top: string; rss: number };
  burst: { acknowledged: number; ackP50: number; ackMax: number; episodesPerSecond: number; timers: number; lateP50: number; lateP99: number; lateMax: number };
  /** Up to the end of this level: answers the bench's client waited out and sent again (429 / 503), and warning or error lines of the host. */
  retried: number;
  hostProblems: number;
}

async function main(): Promise<void> {
  const root = path.join(__dirname, "..", "..");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-bench-volume-"));
  const ports = await allocateFreePorts();
  const proxy = await startStorageProxy({ blob: ports.blob, queue: ports.queue, table: ports.table }, TASK_HUB);
  // The host's warnings and errors, kept after the run (the data directory is removed).
  const hostLogPath = path.join(os.tmpdir(), `csp-bench-volume-${Date.now()}.log`);
  const hostLog = fs.createWriteStream(hostLogPath);
  let hostProblems = 0;
  const stack = await startStack({
    dataDir, ports, log: () => undefined, azuriteInMemory: !AZURITE_ON_DISK, partnersFile: writePartnersFile(root, dataDir),
    output: (line, _stream, name) => {
      // Azurite runs --silent: whatever it prints is a fault (a crash's stack trace), kept whole.
      if (name === "azurite") {
        hostLog.write(`${new Date().toISOString()} [azurite] ${line}\n`);
        return;
      }
      if (!/\b(warn|warning|error|failed|fail)\b/i.test(line)) return;
      hostProblems++;
      hostLog.write(`${new Date().toISOString()} [${name}] ${line}\n`);
    },
    onUnexpectedExit: (exit) => {
      hostLog.write(`${new Date().toISOString()} [stack] ${exit.name} exited unexpectedly (code ${exit.code}, signal ${exit.signal}); the stack stops\n`);
      process.stderr.write(`${exit.name} exited unexpectedly (code ${exit.code}, signal ${exit.signal}); the host's log: ${hostLogPath}\n`);
    },
    env: {
      API_RATE_LIMIT_PER_MINUTE: "1000000",
      AzureWebJobsStorage: azuriteConnectionString(proxy.ports),
      TASK_HUB_NAME: TASK_HUB,
      // e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof --cpu-prof-interval=10000`: a CPU profile of the host, written when the bench stops it.
      ...(process.env.BENCH_HOST_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_HOST_NODE_OPTIONS } : {}),
    },
  });
  const results: LevelResult[] = [];
  try {
    const requests = loadDemoRequests(path.join(root, "test", "fixtures", "demo", "requests.json")).filter((r) => r.partnerId === PARTNER);
    const base = requests[0]?.request;
    if (!base) throw new Error(`no request of ${PARTNER} in the fixtures`);
    const partners = Array.from({ length: PARTNERS }, (_, i) => {
      const partnerId = partnerIdOf(i);
      const credentials = stack.credentials?.partners[partnerId];
      if (!credentials) throw new Error(`no credentials for ${partnerId}`);
      return { partnerId, credentials };
    });
    const creds = (partners[0] as (typeof partners)[number]).credentials;
    // Answers waited out and sent again (429, or 503 when a dependency failed for now), as a webhook sender would.
    let retried = 0;
    const client = new DemoApiClient(stack.urls.app, fetch, { onWait: () => void retried++ });
    const pids = { host: stack.processes.host.pid, azurite: stack.processes.azurite.pid };
    // Straight to Azurite, not through the counting proxy.
    const instancesTable = TableClient.fromConnectionString(azuriteConnectionString(ports), `${TASK_HUB}Instances`, { allowInsecureConnection: true });
    /** Whether any request of the bench's partners is still `received` (not yet acknowledged). */
    const anyNew = async (): Promise<boolean> => {
      for (const p of partners) {
        const res = await fetch(`${stack.urls.app}/api/partners/${p.partnerId}/support-requests?status=received&limit=1`, { headers: { "x-api-key": p.credentials.apiKey } });
        if (!res.ok) throw new Error(`listing answered ${res.status}: ${await res.text()}`);
        if (((await res.json()) as { items: unknown[] }).items.length > 0) return true;
      }
      return false;
    };
    let open = 0;
    for (const level of LEVELS) {
      // Fill up to the level (the bursts of earlier levels count: they stay open too).
      const toSubmit = Math.max(0, level - open);
      const fillStarted = Date.now();
      let next = 0;
      // In chunks, each acknowledged before the next is sent, so the task hub's queues stay short.
      while (next < toSubmit && Date.now() - fillStarted < FILL_TIMEOUT_IN_MS) {
        const chunkEnd = Math.min(toSubmit, next + FILL_CHUNK);
        await Promise.all(
          Array.from({ length: FILL_CONCURRENCY }, async () => {
            while (next < chunkEnd && Date.now() - fillStarted < FILL_TIMEOUT_IN_MS) {
              // Round robin over the partners, counting from the first request of the run.
              const p = partners[(open + next++) % partners.length] as (typeof partners)[number];
              await client.submit(p.partnerId, p.credentials.webhookSecret, { ...base, severity: "B", title: `Open ${randomUUID().slice(0, 8)}` });
            }
          }),
        );
        while ((await anyNew()) && Date.now() - fillStarted < FILL_TIMEOUT_IN_MS) await sleep(1000);
      }
      open += next;
      const fillSeconds = (Date.now() - fillStarted) / 1000;
      process.stderr.write(`${open} open requests (filled ${next} in ${fillSeconds.toFixed(0)} s)\n`);

      // Idle with `open` requests waiting.
      await sleep(IDLE_SETTLE_IN_MS);
      const idleFrom = proxy.snapshot();
      const cpu = startCpuSample(pids);
      await sleep(IDLE_SAMPLE_IN_MS);
      const idle = diffCounts(idleFrom, proxy.snapshot());
      const cpuPercent = cpu.percentOfOneCore();
      const rss = rssInMiB(pids.host);

      // A burst of severity-A requests.
      signalProfilers(pids);
      const burstStarted = Date.now();
      const burst = await Promise.all(
        Array.from({ length: BURST }, async () => {
          const t0 = Date.now();
          const { caseId } = await client.submit(PARTNER, creds.webhookSecret, { ...base, severity: "A", title: `Burst ${randomUUID().slice(0, 8)}` });
          return { caseId, t0, acknowledgedAt: 0 };
        }),
      );
      open += BURST;
      // Watched with a point read of each instance row every 500 ms, straight from Azurite: its
      // custom status names the case status and, once the workflow waits, the next deadline. An
      // instance row is a partition of its own; the case row is in the partner's partition, which
      // Azurite scans on every point read (about 5 ms each at 10,000 open requests over 10
      // partners). The API's case view was worse: it lists the case's notifications and SLA
      // events. The time of the first wait is then read from the history, not from when the bench
      // saw it.
      while (burst.some((b) => !b.acknowledgedAt) && Date.now() - burstStarted < 5 * 60_000) {
        for (const b of burst) {
          if (b.acknowledgedAt) continue;
          const row = await instancesTable.getEntity<Record<string, unknown>>(b.caseId, "").catch(() => undefined);
          if (waitsInDiagnosis(getLargeString(row ?? {}, "CustomStatus"))) b.acknowledgedAt = Date.now();
        }
        await sleep(500);
      }
      signalProfilers(pids);
      await sleep(TIMER_WAIT_IN_MS);
      const history = await readBurstHistory(azuriteConnectionString(ports), burst.map((b) => b.caseId));
      const acks = burst.filter((b) => history.firstWaitAt.has(b.caseId)).map((b) => (history.firstWaitAt.get(b.caseId) as number) - b.t0).sort((a, b) => a - b);
      // Episodes per second while the burst was acknowledged: its episodes up to its last acknowledgement.
      const lastAck = Math.max(...burst.map((b) => history.firstWaitAt.get(b.caseId) ?? Date.now()));
      const ackEpisodes = history.episodes.filter((t) => t <= lastAck).length;
      results.push({
        open: open - BURST,
        fillPerSecond: next / fillSeconds,
        idle: {
          hostCpu: cpuPercent.host ?? Number.NaN,
          azuriteCpu: cpuPercent.azurite ?? Number.NaN,
          storagePerSecond: idle.total / (IDLE_SAMPLE_IN_MS / 1000),
          emptyPollsPerSecond: idle.emptyPolls / (IDLE_SAMPLE_IN_MS / 1000),
          top: idle.byKey.slice(0, 4).map((k) => `${fmt(k.count / (IDLE_SAMPLE_IN_MS / 1000), 2)}/s ${k.key}`).join("; ") || "none",
          rss,
        },
        burst: {
          acknowledged: acks.length,
          ackP50: percentile(acks, 50),
          ackMax: acks[acks.length - 1] ?? Number.NaN,
          episodesPerSecond: ackEpisodes / Math.max(0.001, (lastAck - burstStarted) / 1000),
          timers: history.lateness.length,
          lateP50: percentile(history.lateness, 50),
          lateP99: percentile(history.lateness, 99),
          lateMax: history.lateness[history.lateness.length - 1] ?? Number.NaN,
        },
        retried,
        hostProblems,
      });
      // Printed as soon as measured, so a run stopped at a later level keeps this one.
      process.stderr.write(`${rowOf(results[results.length - 1] as LevelResult)}\n`);
    }
  } finally {
    await stack.stop();
    await proxy.close();
    hostLog.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const lines = [
    `## ${new Date().toISOString()}, the workflow at volume (\`npm run bench:volume${QUICK ? " -- --quick" : ""}\`) — ${os.cpus().length} cores, Node ${process.version}`,
    "",
    `Open requests: severity B, acknowledged and waiting on their SLA timers, filled in chunks of ${FILL_CHUNK}, spread round robin over ${PARTNERS} direct-bill partner${PARTNERS === 1 ? "" : "s"} with the same terms (each partner's cases are one table partition: about 1/${PARTNERS} of a level each; the bursts go to ${PARTNER}); Azurite's data ${AZURITE_ON_DISK ? "on disk" : "in memory"}. Burst: ${BURST} severity-A requests submitted at once (SLA timers at 10, 15 and 20 s); submit → first wait is read from the history (the episode that created the first timer). Idle: ${IDLE_SAMPLE_IN_MS / 1000} s after ${IDLE_SETTLE_IN_MS / 1000} s without work.`,
    "",
    "| open requests | fill, requests/s | idle host CPU | idle Azurite CPU | idle storage requests/s | host RSS | burst: submit → first wait p50 / max | burst: episodes/s | timers fired | timer lateness p50 / p99 / max |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(rowOf),
    "",
    "Idle storage requests that did work (beyond empty polls and trigger listings), by level:",
    ...results.map((r) => `- ${r.open.toLocaleString("en")} open: ${fmt(r.idle.emptyPollsPerSecond, 2)} empty polls/s; ${r.idle.top}`),
    "",
    `Answers waited out and sent again by the bench's client (429, or 503 while a dependency failed for now), and the host's warning or error lines, up to the end of each level (the lines: ${hostLogPath}):`,
    ...results.map((r) => `- ${r.open.toLocaleString("en")} open: ${r.retried} retried; ${r.hostProblems} host warnings/errors`),
    "",
    ...targetLines(results),
    "",
  ];
  console.log(lines.join("\n"));
}

/**
 * The level results against the volume targets: the lowest burst rate as a share of the highest,
 * and across levels the slowest first wait (a request the burst left unacknowledged counts as
 * missed), the worst timer lateness p99, the largest RSS and the busiest idle Azurite.
 */
function targetLines(results: LevelResult[]): string[] {
  const worst = (f: (r: LevelResult) => number): number => (results.length > 0 ? Math.max(...results.map(f)) : Number.NaN);
  const rates = results.map((r) => r.burst.episodesPerSecond);
  const spread = rates.length > 1 ? (100 * Math.min(...rates)) / Math.max(...rates) : Number.NaN;
  const unacknowledged = results.some((r) => r.burst.acknowledged < BURST);
  const levels = results.map((r) => r.open.toLocaleString("en")).join(", ");
  return [
    `Against the targets (bench/README.md, "Targets"; levels ${levels} open):`,
    verdictLine(VOLUME_TARGETS.episodesSpread, spread, `${rates.map((r) => fmt(r, 1)).join(" / ")} episodes/s`, 0),
    verdictLine(VOLUME_TARGETS.firstWaitMax, unacknowledged ? Number.POSITIVE_INFINITY : worst((r) => r.burst.ackMax), unacknowledged ? "a burst request did not reach its first wait" : `p50 ${results.map((r) => fmt(r.burst.ackP50, 0)).join(" / ")} ms`, 0),
    verdictLine(VOLUME_TARGETS.timerLatenessP99, worst((r) => r.burst.lateP99), undefined, 0),
    verdictLine(VOLUME_TARGETS.hostRss, worst((r) => r.idle.rss), undefined, 0),
    verdictLine(VOLUME_TARGETS.idleAzuriteCpu, worst((r) => r.idle.azuriteCpu)),
  ];
}

main().catch((e: unknown) => {
  console.error(e);
  console.error("The host's warnings and errors are in the csp-bench-volume-*.log file of the temporary directory.");
  process.exitCode = 1;
});
