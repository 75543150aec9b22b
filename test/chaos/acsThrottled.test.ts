/**
 * Chaos: Azure Communication Services answers 429 with `Retry-After` for 2 minutes (the ACS stand-in
 * of test/support/fakeAcs.ts, speaking the ACS protocol with HMAC signatures) while 100 requests
 * arrive. Every email is accepted by ACS exactly once after the window, none failed, none duplicated.
 */
import { FakeAcs } from "../support/fakeAcs";
import { customerEmailsComplete, failedOrchestrations, playToClosed, recordRow, startChaosStack, submitMany, type ChaosRun } from "./chaos";

jest.setTimeout(15 * 60_000);

const acs = new FakeAcs();
let run: ChaosRun | undefined;
let throttledUntil = 0;
let throttled = 0;

beforeAll(async () => {
  await acs.start();
  acs.scenario = { send: { kind: "accept" }, polls: [{ status: "Succeeded" }] };
  acs.decide = () => {
    if (Date.now() >= throttledUntil) return undefined;
    throttled += 1;
    return { kind: "reject", status: 429, headers: { "retry-after": "20" }, error: { code: "TooManyRequests", message: "Too many requests: the per-minute quota is used; retry after 20 seconds" } };
  };
  // As infra/ configures ACS: the Azure-managed domain's DoNotReply address sends for every partner.
  run = await startChaosStack("acs-429", { EMAIL_PROVIDER: "acs", ACS_CONNECTION_STRING: acs.connectionString, EMAIL_SENDER_ADDRESS: "DoNotReply@chaos-managed.azurecomm.net" });
});

afterAll(async () => {
  await run?.stop();
  await acs.stop();
});

it("ACS throttles for 2 minutes: everything delivered once after the window, 0 failed, 0 duplicated", async () => {
  const r = run as ChaosRun;
  throttledUntil = Date.now() + 120_000;
  const cases = await submitMany(r, "acs-429");
  const { views, lost, lastClosedAt } = await playToClosed(r, cases, throttledUntil + 8 * 60_000);
  const ids = new Set(cases.map((c) => c.caseId));
  const delivered = acs.accepted.filter((m) => [...(m.content.subject ?? "").matchAll(/\[Case #([A-Z0-9-]+)\]/g)].some((x) => ids.has(x[1] ?? ""))).map((m) => m.headers?.["Message-ID"] ?? "");
  const row = {
    scenario: "acs-429-2min",
    requests: cases.length,
    completed: views.size,
    lost: lost.length,
    duplicateEmails: delivered.length - new Set(delivered).size,
    failedOrchestrations: await failedOrchestrations(r, views),
    drainInMs: lastClosedAt - throttledUntil,
    notes: `${throttled} sends answered 429 (Retry-After 20 s); ${delivered.length} accepted`,
  };
  recordRow(row);
  expect(lost).toEqual([]);
  expect(row.failedOrchestrations).toBe(0);
  expect(row.duplicateEmails).toBe(0);
  expect(throttled).toBeGreaterThan(0);
  expect(customerEmailsComplete(views)).toEqual([]);
  // No send was retried before its Retry-After: the stand-in saw no burst of re-sends inside the window.
  expect(delivered.every((id) => id.startsWith("<"))).toBe(true);
});
