/**
 * An email that arrives while storage refuses the intake's table: the `npm start` stack (Azurite,
 * MailDev, the SMTP intake, the local host) with a proxy in front of Azurite's table service that
 * answers `503 Server Busy` to every request for the `InboundEmail` table while the fault is on.
 *
 * The blob trigger tries the message five times, back to back, and gives it up to
 * `webjobs-blobtrigger-poison`, as the Functions host does; RetryPoisonedInboundEmail takes it back
 * from there, fails once more while the fault lasts and schedules the next attempt; once the table
 * answers again that attempt turns the email into its request, acknowledged to the customer, as if
 * nothing had happened — one request, one acknowledgement, nothing quarantined.
 *
 * Needs `dist/` (the stack runs `node emulator/dist/cli.js`): `npm test` builds first.
 */
import { randomUUID } from "node:crypto";
import nodemailer from "nodemailer";
import partnersJson from "../fixtures/demo/partners.json";
import type { SupportRequest } from "../../shared/contracts";
import { allocateFreePorts, type RunningStack } from "../../scripts/lib/stack";
import { fetchHonouringRetryAfter } from "../../scripts/lib/retryingFetch";
import { azuriteConnectionString } from "../support/azurite";
import { startTestStack, type TestStack } from "../support/e2eStack";
import { startFaultProxy, type FaultProxy } from "../support/faultProxy";

jest.setTimeout(4 * 60_000);

const PARTNER = partnersJson[0] as { id: string; contacts: { support: string } };
const hostLog: string[] = [];
let testStack: TestStack | undefined;
let stack: RunningStack;
let proxy: FaultProxy | undefined;
let inboundTableDown = false;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value (or the deadline passes: then the host log's tail). */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms\n--- host log (tail) ---\n${hostLog.slice(-40).join("\n")}`);
    await sleep(250);
  }
}

async function getJson<T>(pathAndQuery: string): Promise<T> {
  const apiKey = stack.credentials?.partners[PARTNER.id]?.apiKey ?? "";
  const res = await fetchHonouringRetryAfter(`${stack.urls.app}/api/partners/${PARTNER.id}/${pathAndQuery}`, { headers: { "x-api-key": apiKey } });
  if (!res.ok) throw new Error(`GET ${pathAndQuery} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  const ports = await allocateFreePorts();
  proxy = await startFaultProxy(ports.table);
  // Every request naming the intake's table (point reads, inserts, queries): not table creation, not batches.
  proxy.refuse = (_method, url) => inboundTableDown && /^\/[^/]+\/InboundEmail(\(|\?|$)/.test(url);
  testStack = await startTestStack("poisoned-email", hostLog, { env: { AzureWebJobsStorage: azuriteConnectionString({ ...ports, table: proxy.port }) } }, async () => ports);
  stack = testStack.stack;
});

afterAll(async () => {
  await testStack?.stop();
  await proxy?.close();
});

it("an email the blob trigger gave up on during a table outage becomes its request once the table answers", async () => {
  const subject = `Outlook cannot connect since the update ${randomUUID().slice(0, 8)}`;
  const customer = "it-admin@northwind-traders.example";
  inboundTableDown = true;

  const transport = nodemailer.createTransport({ host: "127.0.0.1", port: stack.ports.smtpIntake, secure: false, ignoreTLS: true });
  await transport.sendMail({ from: customer, to: PARTNER.contacts.support, subject, text: "Since this morning's update Outlook asks for the password again and again." });
  transport.close();

  // The host gives the blob up after its five attempts; the retry function takes it back and fails once more.
  await eventually("the blob moved to the poison queue", async () => hostLog.find((l) => l.includes("moved to webjobs-blobtrigger-poison after 5 failed invocation(s)")));
  const retryFailed = await eventually("the poison message tried again and rescheduled", async () => hostLog.find((l) => /Inbound email retry 1 failed \(service-unavailable: .*next attempt in 10 s/.test(l)));
  expect(retryFailed).toBeDefined();
  expect(proxy?.refused).toBeGreaterThanOrEqual(6);
  expect((await getJson<{ items: SupportRequest[] }>("support-requests?limit=100")).items.filter((c) => c.title === subject)).toEqual([]);

  inboundTableDown = false;

  const created = await eventually("the request created by the scheduled attempt", async () => (await getJson<{ items: SupportRequest[] }>("support-requests?limit=100")).items.find((c) => c.title === subject));
  expect(created.customer.email).toBe(customer);
  // The case is listed before the attempt has finished: the inbound log entry is written last.
  const logged = await eventually("the inbound log entry", async () => {
    const items = (await getJson<{ items: Array<{ outcome: string; caseId?: string; subject: string }> }>("inbound-email/log?limit=100")).items.filter((e) => e.subject === subject);
    return items.length > 0 ? items : undefined;
  });
  expect(logged).toEqual([expect.objectContaining({ outcome: "new", caseId: created.caseId })]);
  const quarantine = await getJson<{ items: Array<{ subject?: string }> }>("inbound-email/quarantine?limit=100");
  expect(quarantine.items.filter((q) => q.subject === subject)).toEqual([]);

  // The customer's acknowledgement, once.
  const acks = await eventually("the acknowledgement in MailDev", async () => {
    const caught = (await (await fetch(`${stack.urls.maildev}/email`)).json()) as Array<{ subject: string; to: Array<{ address: string }> }>;
    const mine = caught.filter((m) => m.subject.includes(created.caseId) && m.to.some((t) => t.address === customer));
    return mine.length > 0 ? mine : undefined;
  });
  expect(acks).toHaveLength(1);
});
