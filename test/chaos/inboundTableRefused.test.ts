/**
 * Chaos: 100 customer emails arrive over SMTP while storage refuses the email intake's table with
 * `403 AuthorizationPermissionMismatch` for 60 s — what the first minutes after a deployment look
 * like while the app's role assignment is still propagating (a proxy of the test's own in front of
 * Azurite's table service answers every request for `InboundEmail`). The blob trigger tries each
 * message 5 times and gives it up to `webjobs-blobtrigger-poison`; RetryPoisonedInboundEmail takes
 * them back and retries with growing delays. Every email becomes exactly one request, acknowledged
 * once, none is quarantined, no orchestration fails, and every request closes.
 */
import nodemailer from "nodemailer";
import partnersJson from "../fixtures/demo/partners.json";
import { allocateFreePorts } from "../../scripts/lib/stack";
import { azuriteConnectionString } from "../support/azurite";
import { sleep, type SubmittedCase } from "../support/caseDriver";
import { startFaultProxy, type FaultProxy } from "../support/faultProxy";
import { CHAOS_PARTNER, CHAOS_REQUESTS, customerEmailsComplete, failedOrchestrations, mailDevMessageIds, playToClosed, pool, recordRow, startChaosStack, type ChaosRun } from "./chaos";

jest.setTimeout(15 * 60_000);

const REFUSED_FOR_MS = 60_000;
const SUPPORT_ADDRESS = (partnersJson as Array<{ id: string; contacts: { support: string } }>).find((p) => p.id === CHAOS_PARTNER)?.contacts.support ?? "";

let proxy: FaultProxy | undefined;
let run: ChaosRun | undefined;
let refusing = false;

beforeAll(async () => {
  const ports = await allocateFreePorts();
  proxy = await startFaultProxy(ports.table);
  proxy.answer = { status: 403, code: "AuthorizationPermissionMismatch", message: "This request is not authorized to perform this operation using this permission." };
  proxy.refuse = (_method, url) => refusing && /^\/[^/]+\/InboundEmail(\(|\?|$)/.test(url);
  run = await startChaosStack("inbound-refused", { AzureWebJobsStorage: azuriteConnectionString({ ...ports, table: proxy.port }) }, ports);
});

afterAll(async () => {
  await run?.stop();
  await proxy?.close();
});

/** Every case of the partner, all pages. */
async function allCases(r: ChaosRun): Promise<Array<{ caseId: string; title: string; customer: { email: string } }>> {
  const apiKey = r.driver.credentials(CHAOS_PARTNER).apiKey;
  const out: Array<{ caseId: string; title: string; customer: { email: string } }> = [];
  for (let token: string | undefined, first = true; first || token; first = false) {
    const res = await fetch(`${r.stack.urls.app}/api/partners/${CHAOS_PARTNER}/support-requests?limit=100${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`, { headers: { "x-api-key": apiKey } });
    if (!res.ok) throw new Error(`list → ${res.status}`);
    const page = (await res.json()) as { items: Array<{ caseId: string; title: string; customer: { email: string } }>; continuationToken?: string };
    out.push(...page.items);
    token = page.continuationToken;
  }
  return out;
}

it("the intake's table refused for 60 s: every email becomes one request, acknowledged once, 0 quarantined, 0 lost", async () => {
  const r = run as ChaosRun;
  const apiKey = r.driver.credentials(CHAOS_PARTNER).apiKey;
  const subjects = Array.from({ length: CHAOS_REQUESTS }, (_, i) => `Question about our licence renewal, ticket ${i} ${Date.now().toString(36)}`);
  refusing = true;
  const refusedFrom = Date.now();
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port: r.stack.ports.smtpIntake, secure: false, ignoreTLS: true, pool: true, maxConnections: 4 });
  await pool(subjects, 4, (subject, i) => transport.sendMail({ from: `c${i}-inbound@chaos.example`, to: SUPPORT_ADDRESS, subject, text: "Hello, when does our subscription renew and at what price? Thank you." }));
  transport.close();
  await sleep(Math.max(0, REFUSED_FOR_MS - (Date.now() - refusedFrom)));
  refusing = false;
  const backAt = Date.now();
  const refusedRequests = proxy?.refused ?? 0;
  const poisoned = r.hostLog.filter((l) => l.includes("moved to webjobs-blobtrigger-poison")).length;

  // Every email's request, found by its subject (a request's title is its email's subject).
  const deadline = backAt + 8 * 60_000;
  let listed: Awaited<ReturnType<typeof allCases>> = [];
  while (Date.now() < deadline) {
    listed = (await allCases(r)).filter((c) => subjects.includes(c.title));
    if (new Set(listed.map((c) => c.title)).size === subjects.length) break;
    await sleep(1000);
  }
  const bySubject = new Map<string, number>();
  for (const c of listed) bySubject.set(c.title, (bySubject.get(c.title) ?? 0) + 1);
  const cases: SubmittedCase[] = listed.map((c) => ({ caseId: c.caseId, partnerId: CHAOS_PARTNER, apiKey, customerEmail: c.customer.email }));
  const { views, lost, lastClosedAt } = await playToClosed(r, cases, deadline);
  const ids = await mailDevMessageIds(r, cases);
  const quarantineRes = await fetch(`${r.stack.urls.app}/api/partners/${CHAOS_PARTNER}/inbound-email/quarantine?limit=100`, { headers: { "x-api-key": apiKey } });
  const quarantined = ((await quarantineRes.json()) as { items: Array<{ subject?: string }> }).items.filter((q) => q.subject !== undefined && subjects.includes(q.subject));
  const row = {
    scenario: "inbound-table-refused-60s",
    requests: subjects.length,
    completed: views.size,
    lost: subjects.length - bySubject.size + lost.length,
    duplicateEmails: ids.length - new Set(ids).size,
    failedOrchestrations: await failedOrchestrations(r, views),
    drainInMs: lastClosedAt - backAt,
    notes: `emails over SMTP while the intake's table answered 403 for 60 s: ${refusedRequests} requests refused, ${poisoned} blobs given up by the trigger and taken back; ${[...bySubject.values()].filter((n) => n > 1).length} emails with more than one request; ${quarantined.length} quarantined`,
  };
  recordRow(row);
  expect(refusedRequests).toBeGreaterThan(0);
  expect(poisoned).toBeGreaterThan(0);
  expect(bySubject.size).toBe(CHAOS_REQUESTS);
  expect([...bySubject.values()].every((n) => n === 1)).toBe(true);
  expect(quarantined).toEqual([]);
  expect(lost).toEqual([]);
  expect(row.failedOrchestrations).toBe(0);
  expect(row.duplicateEmails).toBe(0);
  expect(customerEmailsComplete(views)).toEqual([]);
});
