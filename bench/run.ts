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
import { randomUUID } from "node:crypto";
import autocannon from "autocannon";
import { allocateFreePorts, startStack } from "../scripts/lib/stack";
import { DemoApiClient, caseOf, signWebhook } from "../scripts/lib/demoRunner";
import { loadDemoRequests } from "../scripts/lib/fixtures";

const INTAKE_SECONDS = Number(process.env.BENCH_INTAKE_SECONDS ?? 15);
const INTAKE_CONNECTIONS = Number(process.env.BENCH_INTAKE_CONNECTIONS ?? 8);
const WORKFLOW_CASES = Number(process.env.BENCH_WORKFLOW_CASES ?? 40);
const WORKFLOW_TIMEOUT_IN_MS = 5 * 60_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

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

async function main(): Promise<void> {
  const root = path.join(__dirname, "..", "..");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-bench-"));
  // The per-key rate limit (default 120/min) would throttle the bench's own polling and measure the
  // limiter instead of the workflow: lift it for this run.
  const stack = await startStack({ dataDir, ports: await allocateFreePorts(), output: "ignore", log: () => undefined, env: { API_RATE_LIMIT_PER_MINUTE: "1000000" } });
  try {
    const sample = loadDemoRequests(path.join(root, "test", "fixtures", "demo", "requests.json")).find((r) => r.request.severity !== "A");
    if (!sample) throw new Error("no non-critical sample request in the fixtures");
    const partnerId = sample.partnerId;
    const creds = stack.credentials?.partners[partnerId];
    if (!creds) throw new Error(`no credentials for ${partnerId}`);
    const url = `${stack.urls.app}/api/partners/${partnerId}/support-requests`;

    // 1. Intake throughput.
    const intake = await autocannon({
      url,
      method: "POST",
      connections: INTAKE_CONNECTIONS,
      duration: INTAKE_SECONDS,
      requests: [
        {
          setupRequest: (req) => {
            const signed = signWebhook(creds.webhookSecret, { ...sample.request, title: `Bench ${randomUUID().slice(0, 8)}` });
            return { ...req, method: "POST", headers: signed.headers, body: signed.body };
          },
        },
      ],
    });
    const accepted = intake["2xx"];
    const rejected = intake.non2xx;

    // 2. Workflow latency.
    const client = new DemoApiClient(stack.urls.app);
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
    const memory = hostMemory(stack.processes.host.pid);

    const lines = [
      `## ${new Date().toISOString()} — ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      "",
      `Intake (${INTAKE_CONNECTIONS} connections, ${INTAKE_SECONDS} s, signed webhook, case stored + orchestration started per request):`,
      `- ${intake.requests.average} req/s average (${accepted} accepted, ${rejected} non-2xx, ${intake.errors} errors, ${intake.timeouts} timeouts)`,
      `- latency p50 ${intake.latency.p50} ms, p97.5 ${intake.latency.p97_5} ms, p99 ${intake.latency.p99} ms, max ${intake.latency.max} ms`,
      "",
      `Workflow (${WORKFLOW_CASES} cases submitted at once, after the intake backlog; local Durable engine on Azurite; polled every 200 ms):`,
      `- ${done.length}/${cases.length} resolved in ${((Math.max(...done.map((c) => c.resolvedAt)) - started) / 1000).toFixed(1)} s`,
      `- submit → acknowledged (in-diagnosis + email sent): ${summary(done.map((c) => c.acknowledgedAt - c.t0))}`,
      `- diagnosis → resolved (event → status + email): ${summary(done.map((c) => c.resolvedAt - c.diagnosedAt))}`,
      `Host process memory after the run: ${memory}`,
      "",
    ];
    console.log(lines.join("\n"));
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
