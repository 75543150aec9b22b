/**
 * Storage calls per support request (`npm run bench:storage`): the `npm start` stack on free
 * loopback ports, with a counting HTTP proxy between the app and Azurite (blob, queue, table), so
 * every storage REST call of the app and of the local Durable engine is seen and classified. It
 * first measures the idle polling rate, then runs `BENCH_STORAGE_CASES` requests (default 20)
 * through their whole life: signed intake → acknowledged → the partner's `resolved` diagnosis →
 * closed by the partner's auto-close (30 s for the demo partners), and prints a Markdown section
 * (for bench/RESULTS.md and the cost table of docs/deploy.md):
 * - per request, the calls that did work, by service and kind (table reads, writes, entity-group
 *   transactions and the entities in them; queue puts, dequeues that returned a message, deletes,
 *   updates; blob reads and writes), split into the app's own tables and the task hub's;
 * - the polling that found nothing (empty dequeues, container listings, idle table scans) per
 *   minute, which on Azure the real Durable extension replaces with its own back-off polling.
 * Figures are recorded, never asserted. Loopback only; every loop is bounded in count and time.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { odata, TableClient } from "@azure/data-tables";
import { allocateFreePorts, startStack, type StackPorts } from "../scripts/lib/stack";
import { azuriteConnectionString } from "../test/support/azurite";
import { CaseDriver, sleep, type SubmittedCase } from "../test/support/caseDriver";

const CASES = Number(process.env.BENCH_STORAGE_CASES ?? 20);
// Long enough to include a run of the recovery sweeper (every 2 minutes by default).
const IDLE_SECONDS = Number(process.env.BENCH_STORAGE_IDLE_SECONDS ?? 150);
const TASK_HUB = "BenchHub";

type Service = "blob" | "queue" | "table";

/** One storage REST call, classified. */
interface Call {
  service: Service;
  /** `app` (the app's tables, containers and queues), `hub` (the task hub's), `host` (host bookkeeping, e.g. blob receipts). */
  owner: "app" | "hub" | "host";
  kind: string;
  /** Entities in an entity-group transaction (`$batch`), else 0. */
  batchEntities: number;
  /** Polling that found nothing (empty dequeue, listing, empty query). */
  idlePoll: boolean;
}

/** Splits a storage path `/devstoreaccount1/<resource>...` into the resource name and the rest. */
function resourceOf(url: string): { resource: string; rest: string; query: URLSearchParams } {
  const u = new URL(url, "http://x");
  const parts = u.pathname.split("/").filter((p) => p !== "");
  return { resource: decodeURIComponent(parts[1] ?? ""), rest: parts.slice(2).join("/"), query: u.searchParams };
}

function ownerOf(name: string): Call["owner"] {
  const lower = name.toLowerCase();
  if (lower.startsWith(TASK_HUB.toLowerCase())) return "hub";
  if (lower.startsWith("azure-webjobs") || lower.startsWith("webjobs")) return "host";
  return "app";
}

/** Classifies a finished call from its request and response. */
function classify(service: Service, method: string, url: string, requestBody: string, status: number, responseBody: string): Call {
  const { resource, rest, query } = resourceOf(url);
  if (service === "table") {
    if (resource === "$batch") {
      const entities = (requestBody.match(/^(POST|PUT|PATCH|MERGE|DELETE|GET) https?:\/\//gm) ?? []).length;
      const table = /^(?:POST|PUT|PATCH|MERGE|DELETE|GET) https?:\/\/[^/]+\/[^/]+\/([^(/?\s]+)/m.exec(requestBody)?.[1] ?? "";
      return { service, owner: ownerOf(table), kind: "batch", batchEntities: entities, idlePoll: false };
    }
    const table = resource.replace(/\(.*$/, "");
    if (table === "Tables") return { service, owner: "app", kind: method === "GET" ? "table-list" : "table-create", batchEntities: 0, idlePoll: false };
    const isQuery = method === "GET";
    const empty = isQuery && /"value":\s*\[\s*\]/.test(responseBody);
    return { service, owner: ownerOf(table), kind: isQuery ? (resource.includes("PartitionKey=") ? "point-read" : "query") : method === "DELETE" ? "delete" : "write", batchEntities: 0, idlePoll: empty };
  }
  if (service === "queue") {
    const owner = ownerOf(resource);
    if (rest.startsWith("messages")) {
      if (method === "GET") {
        const peek = query.get("peekonly") === "true";
        const found = /<QueueMessage>/.test(responseBody);
        return { service, owner, kind: peek ? "peek" : "dequeue", batchEntities: 0, idlePoll: !found };
      }
      return { service, owner, kind: method === "POST" ? "put" : method === "DELETE" ? "delete" : "update", batchEntities: 0, idlePoll: false };
    }
    return { service, owner, kind: method === "GET" || method === "HEAD" ? "metadata" : "create", batchEntities: 0, idlePoll: method === "GET" || method === "HEAD" };
  }
  const owner = ownerOf(resource);
  if (query.get("comp") === "list" || (query.get("restype") === "container" && method === "GET")) return { service, owner, kind: "list", batchEntities: 0, idlePoll: true };
  if (query.get("comp") === "lease") return { service, owner, kind: "lease", batchEntities: 0, idlePoll: false };
  return { service, owner, kind: method === "GET" || method === "HEAD" ? "read" : method === "DELETE" ? "delete" : "write", batchEntities: 0, idlePoll: status === 404 && method !== "PUT" };
}

/** A recording reverse proxy for one storage service. */
async function startCountingProxy(service: Service, target: () => number, calls: Call[]): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const upstream = http.request({ host: "127.0.0.1", port: target(), method: req.method, path: req.url, headers: req.headers }, (up) => {
        const out: Buffer[] = [];
        up.on("data", (c: Buffer) => out.push(c));
        up.on("end", () => {
          const responseBody = Buffer.concat(out);
          calls.push(classify(service, req.method ?? "GET", req.url ?? "/", body.toString("utf8"), up.statusCode ?? 0, responseBody.toString("utf8")));
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(responseBody);
        });
      });
      upstream.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Waits until MailDev has the `key` status email (Message-ID `<caseId.key@…>`) of every case. */
async function mailedAll(driver: CaseDriver, cases: readonly SubmittedCase[], key: string, deadline: number): Promise<void> {
  for (;;) {
    const ids = new Set((await driver.caughtEmails()).map((m) => m.messageId));
    const missing = cases.filter((c) => ![...ids].some((id) => id.includes(`${c.caseId}.${key}@`)));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${missing.length} cases without their ${key} email`);
    await sleep(1000);
  }
}

/** Counts of a slice of calls: `service/owner/kind` → calls, plus entities in batches. */
function tally(calls: readonly Call[]): Map<string, { calls: number; entities: number }> {
  const out = new Map<string, { calls: number; entities: number }>();
  for (const c of calls) {
    const key = `${c.service} ${c.owner} ${c.kind}`;
    const t = out.get(key) ?? { calls: 0, entities: 0 };
    t.calls += 1;
    t.entities += c.batchEntities;
    out.set(key, t);
  }
  return out;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-bench-storage-"));
  const ports: StackPorts = await allocateFreePorts();
  const calls: Call[] = [];
  const proxies = {
    blob: await startCountingProxy("blob", () => ports.blob, calls),
    queue: await startCountingProxy("queue", () => ports.queue, calls),
    table: await startCountingProxy("table", () => ports.table, calls),
  };
  const viaProxy = azuriteConnectionString({ blob: proxies.blob.port, queue: proxies.queue.port, table: proxies.table.port });
  const stack = await startStack({
    dataDir,
    ports,
    output: "ignore",
    log: () => undefined,
    env: { AzureWebJobsStorage: viaProxy, TASK_HUB_NAME: TASK_HUB, API_RATE_LIMIT_PER_MINUTE: "1000000" },
  });
  try {
    const driver = new CaseDriver(stack);
    const partnerId = "duna-cloud-budapest";
    // Warm up: one request end to end, so tables and queues exist and first-use calls are not counted.
    const warm = await driver.submit(partnerId, `warmup-${randomUUID().slice(0, 6)}@contoso.example`);
    await driver.acknowledged(warm, Date.now() + 120_000);

    // 1. Idle: nothing in flight but the warm-up case waiting for its partner.
    calls.length = 0;
    const idleStart = Date.now();
    await sleep(IDLE_SECONDS * 1000);
    const idleMinutes = (Date.now() - idleStart) / 60_000;
    const idle = calls.splice(0);

    // 2. CASES requests through their whole life. Progress is watched in MailDev, not through the
    //    partner API, so that no read of the bench's own is counted: the only API calls are the
    //    intake and the partner's diagnosis of each request.
    const runStart = Date.now();
    const deadline = runStart + 10 * 60_000;
    const cases: SubmittedCase[] = [];
    for (let i = 0; i < CASES; i++) cases.push(await driver.submit(partnerId, `storage-${i}-${randomUUID().slice(0, 6)}@contoso.example`));
    await mailedAll(driver, cases, "received", deadline);
    for (const c of cases) await driver.resolve(c, deadline);
    await mailedAll(driver, cases, "closed", deadline);
    // The orchestrations record the closure and complete after the last email.
    await sleep(10_000);
    const runMinutes = (Date.now() - runStart) / 60_000;
    const run = calls.splice(0);

    // Function executions: orchestrator episodes and activities from each instance's history
    // (OrchestratorStarted = 12, TaskScheduled = 4; the current generation only, so at least),
    // read straight from Azurite; and the emails of the requests from MailDev.
    const history = TableClient.fromConnectionString(azuriteConnectionString(ports), `${TASK_HUB}History`, { allowInsecureConnection: true });
    let episodes = 0;
    let activities = 0;
    for (const c of cases) {
      for await (const row of history.listEntities<{ EventType?: number }>({ queryOptions: { filter: odata`PartitionKey eq ${c.caseId}` } })) {
        if (row.EventType === 12) episodes += 1;
        if (row.EventType === 4) activities += 1;
      }
    }
    const caseIds = cases.map((c) => c.caseId);
    const emails = (await driver.caughtEmails()).filter((m) => caseIds.some((id) => m.messageId.includes(`${id}.`)));
    const partnerEmails = emails.filter((m) => /\.partner\./.test(m.messageId)).length;
    calls.splice(0);

    // 3. One partner API read of a case (detail view) and one list, each measured alone.
    const sample = cases[0] as SubmittedCase;
    await driver.view(sample);
    const viewCalls = calls.splice(0).filter((c) => !c.idlePoll).length;
    await fetch(`${stack.urls.app}/api/partners/${sample.partnerId}/support-requests?limit=50`, { headers: { "x-api-key": sample.apiKey } }).then((r) => r.text());
    const listCalls = calls.splice(0).filter((c) => !c.idlePoll).length;

    const work = run.filter((c) => !c.idlePoll);
    const polls = run.filter((c) => c.idlePoll);
    const idlePolls = idle.filter((c) => c.idlePoll);
    // Work done while idle (the recovery sweeper's queries, timers): a fixed rate, taken out of the per-request figures.
    const idleWork = idle.filter((c) => !c.idlePoll);
    const fixedPerMinute = idleWork.length / idleMinutes;
    const per = (n: number): string => (n / CASES).toFixed(1);
    const lines: string[] = [];
    lines.push(`## ${new Date().toISOString().slice(0, 10)}, storage calls per request — Node ${process.version}, Azurite 3.35.0, local host (\`emulator/\`)`);
    lines.push("");
    lines.push(`${CASES} requests, each: signed intake → acknowledged → partner diagnosis \`resolved\` → auto-closed (${runMinutes.toFixed(1)} min for all). Calls that did work, per request (the app's own tables and containers, and the task hub's tables and queues as the local Durable engine uses them):`);
    lines.push("");
    lines.push("| service | owner | kind | calls per request | entities in batches per request |");
    lines.push("|---|---|---|---:|---:|");
    for (const [key, t] of [...tally(work)].sort(([a], [b]) => a.localeCompare(b))) {
      const [service, owner, kind] = key.split(" ");
      lines.push(`| ${service} | ${owner} | ${kind} | ${per(t.calls)} | ${t.entities ? per(t.entities) : ""} |`);
    }
    const sum = (f: (c: Call) => boolean): number => work.filter(f).length;
    lines.push("");
    lines.push(`Function executions per request: 2 HTTP (intake, diagnosis), ${per(episodes)} orchestrator episodes and ${per(activities)} activities (at least: the history of the current generation). Emails per request: ${per(emails.length)} (${per(emails.length - partnerEmails)} to the customer, ${per(partnerEmails)} to the partner).`);
    lines.push("");
    lines.push(`Partner API reads, not in the figures above: a case's detail view (\`GET …/support-requests/{caseId}\`) ${viewCalls} calls; a list (\`GET …/support-requests\`) ${listCalls} calls.`);
    lines.push("");
    lines.push(`Work while idle (recovery sweeper, timers): ${fixedPerMinute.toFixed(1)} calls/min (${[...tally(idleWork)].map(([k, t]) => `${k} ${(t.calls / idleMinutes).toFixed(1)}`).join(", ") || "none"}); at that rate ${(fixedPerMinute * runMinutes).toFixed(0)} of the run's calls are not the requests' (${per(work.length - fixedPerMinute * runMinutes)} per request without them).`);
    lines.push("");
    lines.push(`Totals per request: ${per(work.length)} calls that did work (app ${per(sum((c) => c.owner === "app"))}, task hub ${per(sum((c) => c.owner === "hub"))}, host ${per(sum((c) => c.owner === "host"))}); table ${per(sum((c) => c.service === "table"))}, queue ${per(sum((c) => c.service === "queue"))}, blob ${per(sum((c) => c.service === "blob"))}; entities in batches ${per(work.reduce((n, c) => n + c.batchEntities, 0))}.`);
    lines.push("");
    lines.push(`Polling that found nothing: ${(idlePolls.length / idleMinutes).toFixed(0)} calls/min while idle (${[...tally(idlePolls)].map(([k, t]) => `${k} ${(t.calls / idleMinutes).toFixed(0)}`).join(", ")}), ${(polls.length / runMinutes).toFixed(0)} calls/min during the run. The local engine polls every 100 ms and the local listeners every second; on Azure the Durable extension backs off to \`maxQueuePollingInterval\` (30 s) per queue when idle and the platform's scale controller peeks each task-hub queue every 10 s, so these idle figures are the local host's, not Azure's.`);
    console.log(lines.join("\n"));
  } finally {
    await stack.stop();
    await Promise.all(Object.values(proxies).map((p) => p.close()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
