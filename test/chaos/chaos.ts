/**
 * The chaos suite's shared run: a stack of its own per scenario, ≥ 100 support requests through the
 * whole workflow (signed intake → acknowledgement → the partner resolves → auto-close after 30 s),
 * a fault injected by the scenario, and the promises measured from outside, over HTTP only:
 * requests completed and lost, duplicate emails (the same Message-ID delivered twice), failed
 * orchestrations (a failure recorded on the timeline, or an instance left Failed), and the time
 * from the end of the fault until every request was closed. Each scenario writes its row to
 * `.artifacts/chaos/<name>.json`; `npm run test:chaos` prints the table (scripts/chaosTable.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { caseOf } from "../../scripts/lib/demoRunner";
import type { ChaosRow } from "../../scripts/lib/chaosRow";
import type { RunningStack, StackPorts } from "../../scripts/lib/stack";
import { CaseDriver, duplicatesOf, durableApi, type DetailView, type SubmittedCase } from "../support/caseDriver";
import { startTestStack, type TestStack } from "../support/e2eStack";

/** Requests per scenario. */
export const CHAOS_REQUESTS = 100;
/** The demo partner the scenarios use (severity B on business hours: no SLA deadline inside a run; auto-close PT30S). */
export const CHAOS_PARTNER = "vltava-distribution-praha";

export type { ChaosRow } from "../../scripts/lib/chaosRow";

/** A running scenario: its stack, driver and system key for the Durable HTTP API. */
export interface ChaosRun {
  stack: RunningStack;
  driver: CaseDriver;
  systemKey: string;
  hostLog: string[];
  stop(): Promise<void>;
}

/**
 * Starts a scenario's stack with the settings every chaos run needs plus `env`.
 * @param ports - the ports to start on, when `env` must name them before the start (a proxy in
 *   front of one of them); default: free ports chosen by the start.
 */
export async function startChaosStack(name: string, env: Record<string, string> = {}, ports?: StackPorts): Promise<ChaosRun> {
  const hostLog: string[] = [];
  const systemKey = randomBytes(24).toString("base64url");
  const testStack: TestStack = await startTestStack(
    `chaos-${name}`,
    hostLog,
    { env: { API_RATE_LIMIT_PER_MINUTE: "1000000", WORKFLOW_SWEEP_SCHEDULE: "*/5 * * * * *", EMULATOR_SYSTEM_KEY_DURABLETASK: systemKey, ...env } },
    ...(ports ? [async () => ports] : []),
  );
  return { stack: testStack.stack, driver: new CaseDriver(testStack.stack), systemKey, hostLog, stop: () => testStack.stop() };
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T, i);
    }),
  );
  return out;
}

/** Submits `count` requests, customer `c<i>-<scenario>@chaos.example` unless `emailOf` says otherwise. */
export async function submitMany(run: ChaosRun, scenario: string, count = CHAOS_REQUESTS, emailOf: (i: number) => string = (i) => `c${i}-${scenario}@chaos.example`): Promise<SubmittedCase[]> {
  return pool(Array.from({ length: count }, (_, i) => i), 8, (i) => run.driver.submit(CHAOS_PARTNER, emailOf(i), `Chaos ${scenario} #${i}`, Date.now() + 5 * 60_000));
}

/** Whether the acknowledgement is settled: sent, or recorded as failed or skipped (never pending). */
function acknowledged(v: DetailView): boolean {
  return (v.emails ?? []).some((e) => e.notificationKey === "received" && (e.state === "sent" || e.state === "failed" || e.state === "skipped"));
}

/**
 * Plays every case to its end: once its acknowledgement is settled the partner resolves it, then
 * it closes by itself (auto-close). Cases that do not close by `deadline` are returned as lost.
 * @returns the final views of the closed cases, the ids of the lost ones, and when the last closed.
 */
export async function playToClosed(run: ChaosRun, cases: readonly SubmittedCase[], deadline: number): Promise<{ views: Map<string, DetailView>; lost: string[]; lastClosedAt: number }> {
  const views = new Map<string, DetailView>();
  const lost: string[] = [];
  let lastClosedAt = 0;
  await pool(cases, 10, async (c) => {
    try {
      await run.driver.waitFor(c, "acknowledgement settled", acknowledged, deadline);
      await run.driver.resolve(c, deadline);
      views.set(c.caseId, await run.driver.closed(c, deadline));
      lastClosedAt = Math.max(lastClosedAt, Date.now());
    } catch (e) {
      lost.push(`${c.caseId}: ${(e as Error).message.slice(0, 200)}`);
    }
  });
  return { views, lost, lastClosedAt };
}

/** Failed orchestrations: timeline entries of a recorded workflow failure, plus instances the Durable API still lists as Failed. */
export async function failedOrchestrations(run: ChaosRun, views: ReadonlyMap<string, DetailView>): Promise<number> {
  const recorded = [...views.values()].reduce((n, v) => n + (v.timeline ?? []).filter((e) => e.kind === "workflow" && e.summary.startsWith("The workflow stopped")).length, 0);
  const res = await durableApi(run.stack, run.systemKey, "GET", "instances/?runtimeStatus=Failed");
  const stillFailed = res.ok ? ((await res.json()) as unknown[]).length : 0;
  return recorded + stillFailed;
}

/** Duplicate customer and partner emails of the cases among the Message-IDs delivered. */
export function duplicateEmails(messageIds: readonly string[]): number {
  return duplicatesOf(messageIds);
}

/** The Message-IDs MailDev caught for the cases (subjects carry `[Case #id]`). */
export async function mailDevMessageIds(run: ChaosRun, cases: readonly SubmittedCase[]): Promise<string[]> {
  const ids = new Set(cases.map((c) => c.caseId));
  return (await run.driver.caughtEmails()).filter((m) => [...m.subject.matchAll(/\[Case #([A-Z0-9-]+)\]/g)].some((x) => ids.has(x[1] ?? ""))).map((m) => m.messageId);
}

/** Every closed case has its three customer emails recorded as sent (received, resolved, closed). */
export function customerEmailsComplete(views: ReadonlyMap<string, DetailView>): string[] {
  const incomplete: string[] = [];
  for (const [caseId, v] of views) {
    const sent = (v.emails ?? []).filter((e) => !e.notificationKey.startsWith("partner:") && e.state === "sent").map((e) => e.notificationKey).sort();
    if (sent.join(",") !== "closed,received,resolved") incomplete.push(`${caseId}: ${sent.join(",")} (${caseOf(v).status})`);
  }
  return incomplete;
}

/** Writes and prints a row. */
export function recordRow(row: ChaosRow): void {
  const dir = path.join(__dirname, "..", "..", ".artifacts", "chaos");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${row.scenario}.json`), `${JSON.stringify({ ...row, at: new Date().toISOString() }, null, 2)}\n`);
  process.stdout.write(`chaos ${row.scenario}: ${JSON.stringify(row)}\n`);
}
