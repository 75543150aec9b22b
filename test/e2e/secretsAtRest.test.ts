/**
 * The secrets are nowhere in plain text in storage, on the running app (the `npm start` stack on
 * free ports, with its own Azurite): after a full run — partners registered with webhook secrets
 * and API keys, API keys created over the API (one under an `Idempotency-Key`, replayed) and one
 * revoked, requests submitted through the signed webhook, an email relayed through the signed
 * `message/rfc822` endpoint, partner actions up to closure, the audit log and a customer export
 * read, the data maintenance run (it reseals secrets) — every table entity, every blob and every
 * queue message of the stack's Azurite is read and none holds a webhook secret, an API key or the
 * key encryption key, as given, in base64, base64url, or (for the key bytes) base64 and hex.
 *
 * Needs `dist/` (the stack runs `node emulator/dist/cli.js`): `npm test` builds first.
 */
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { BlobServiceClient } from "@azure/storage-blob";
import { Webhook } from "standardwebhooks";
import type { RunningStack } from "../../scripts/lib/stack";
import { LOCAL_SECRETS_KEY_FILE } from "../../scripts/lib/stack";
import { CaseDriver } from "../support/caseDriver";
import { startTestStack, type TestStack } from "../support/e2eStack";
import { scanStorageForSecrets } from "../support/secretScan";

jest.setTimeout(6 * 60_000);

const PARTNER = "duna-cloud-budapest";
const hostLog: string[] = [];
let testStack: TestStack | undefined;
let stack: RunningStack;
let driver: CaseDriver;

beforeAll(async () => {
  // The data maintenance every 5 s, so its writes (resealed secrets, audit retention) are scanned too.
  testStack = await startTestStack("secrets", hostLog, { env: { DATA_MAINTENANCE_SCHEDULE: "*/5 * * * * *" } });
  stack = testStack.stack;
  driver = new CaseDriver(stack);
});

afterAll(async () => {
  await testStack?.stop();
});

/** A partner API call with a key; the answer's status and JSON body. */
async function api(method: string, route: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.urls.app}/api/partners/${PARTNER}${route}`, {
    method,
    headers: { "x-api-key": key, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

it("after a full run, no table entity, blob or queue message holds a secret in any form", async () => {
  const runStartedAt = Date.now();
  const deadline = runStartedAt + 4 * 60_000;
  const secrets = new Map<string, string>();
  for (const [id, c] of Object.entries(stack.credentials?.partners ?? {})) {
    secrets.set(`${id} webhook secret`, c.webhookSecret);
    secrets.set(`${id} registration API key`, c.apiKey);
  }
  expect(secrets.size).toBe(6);
  const admin = driver.credentials(PARTNER).apiKey;

  // API keys over the API: one created under an Idempotency-Key and replayed, one plain, one revoked.
  const keyRequest = { role: "helpdesk-agent", name: "Helpdesk laptop" };
  const created = await api("POST", "/api-keys", admin, keyRequest, { "idempotency-key": "helpdesk-laptop-1" });
  expect(created.status).toBe(201);
  const helpdeskKey = created.body.apiKey as string;
  secrets.set("created API key (idempotent)", helpdeskKey);
  const replay = await api("POST", "/api-keys", admin, keyRequest, { "idempotency-key": "helpdesk-laptop-1" });
  expect([replay.status, replay.body.keyId, replay.body.apiKey]).toEqual([201, created.body.keyId, null]);
  const other = await api("POST", "/api-keys", admin, { role: "sales-agent", name: "Reporting" });
  secrets.set("created API key", other.body.apiKey as string);
  expect((await api("DELETE", `/api-keys/${other.body.keyId as string}`, admin)).status).toBe(204);

  // Requests through the signed webhook; the partner works them with the new key up to closure.
  const cases = [await driver.submit(PARTNER, "it@secrets-scan.example"), await driver.submit(PARTNER, "ops@secrets-scan.example")];
  await Promise.all(
    cases.map(async (c) => {
      const mine = { ...c, apiKey: helpdeskKey };
      await driver.waitFor(mine, "acknowledged", (v) => (v.emails ?? []).some((e) => e.notificationKey === "received" && e.state === "sent"), deadline);
      expect((await api("POST", `/support-requests/${c.caseId}/notes`, helpdeskKey, { text: "Called the customer" }, { "idempotency-key": randomUUID() })).status).toBe(200);
      await driver.resolve(mine, deadline);
      await driver.closed(mine, deadline);
    }),
  );

  // An email relayed through the signed endpoint (signed over the raw bytes with the webhook secret).
  const raw = `From: anna@secrets-scan.example\r\nTo: helpdesk@duna-cloud.example\r\nSubject: Licence question\r\nMessage-ID: <${randomUUID()}@secrets-scan.example>\r\nDate: ${new Date().toUTCString()}\r\n\r\nTwo licences are missing.\r\n`;
  const msgId = `msg_${randomUUID()}`;
  const at = new Date();
  const relayed = await fetch(`${stack.urls.app}/api/partners/${PARTNER}/inbound-email`, {
    method: "POST",
    headers: { "content-type": "message/rfc822", "webhook-id": msgId, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(driver.credentials(PARTNER).webhookSecret).sign(msgId, at, raw) },
    body: raw,
  });
  expect(relayed.status).toBe(202);

  // Reads that are audited, and the data maintenance having run meanwhile (it logs each run).
  expect((await api("GET", "/audit", admin)).status).toBe(200);
  expect((await api("GET", "/customers/it@secrets-scan.example/export", admin)).status).toBe(200);
  // Its schedule monitor's status blob records the last run; a failed run would be in the host's log.
  const hosts = BlobServiceClient.fromConnectionString(stack.urls.storageConnectionString).getContainerClient("azure-webjobs-hosts");
  await driver.until("data maintenance ran", async () => {
    for await (const b of hosts.listBlobsFlat({ prefix: "timers/" })) {
      if (!b.name.endsWith("/Host.Functions.RunDataMaintenance/status")) continue;
      const status = JSON.parse((await hosts.getBlobClient(b.name).downloadToBuffer()).toString("utf8")) as { Last?: string };
      if (status.Last && Date.parse(status.Last) >= runStartedAt) return;
    }
    throw new Error(`not yet; host log: ${hostLog.filter((l) => /maintenance/i.test(l)).slice(-3).join(" | ")}`);
  }, deadline);
  // The timer's own log lines reach this log, so a failed run would be seen here.
  expect(hostLog.some((l) => l.includes('Timer "RunDataMaintenance"'))).toBe(true);
  expect(hostLog.filter((l) => /RunDataMaintenance" failed|Data maintenance.*failed/.test(l))).toEqual([]);

  // The local key encryption key, in the forms it could leak in.
  const kekEntry = fs.readFileSync(path.join(path.dirname(stack.credentialsFile), LOCAL_SECRETS_KEY_FILE), "utf8").trim();
  const kek = kekEntry.slice(kekEntry.indexOf(":") + 1);
  secrets.set("key encryption key (base64)", kek);
  secrets.set("key encryption key (hex)", Buffer.from(kek, "base64").toString("hex"));

  const scan = await scanStorageForSecrets(stack.urls.storageConnectionString, secrets);
  // It read the run's data: partners, cases, timelines, idempotency keys, audit, task hub, raw email.
  expect(scan.tables).toBeGreaterThanOrEqual(10);
  expect(scan.entities).toBeGreaterThan(100);
  expect(scan.blobs).toBeGreaterThan(0);
  expect(scan.findings).toEqual([]);
  // The same scan finds what is stored in clear (the customers' addresses): it would have found a secret.
  const control = await scanStorageForSecrets(stack.urls.storageConnectionString, new Map([["customer address", "it@secrets-scan.example"], ["relayed sender", "anna@secrets-scan.example"]]));
  expect(new Set(control.findings.map((f) => f.secret))).toEqual(new Set(["customer address", "relayed sender"]));
});
