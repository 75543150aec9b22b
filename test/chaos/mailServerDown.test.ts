/**
 * Chaos: the mail server is down for 60 s while 100 requests arrive (a TCP relay of the test's own
 * in front of MailDev drops every connection, then forwards). Every email is delivered exactly once
 * after recovery, no orchestration fails, every request closes.
 */
import { startMailRelay, type MailRelay } from "../support/mailRelay";
import { sleep } from "../support/caseDriver";
import { CHAOS_REQUESTS, customerEmailsComplete, failedOrchestrations, mailDevMessageIds, playToClosed, recordRow, startChaosStack, submitMany, type ChaosRun } from "./chaos";

jest.setTimeout(15 * 60_000);

let relay: MailRelay;
let run: ChaosRun | undefined;

beforeAll(async () => {
  relay = await startMailRelay(() => run?.stack.ports.smtp ?? 0);
  run = await startChaosStack("mail-down", { SMTP_PORT: String(relay.port) });
});

afterAll(async () => {
  await run?.stop();
  await relay?.close();
});

it("mail server down for 60 s: every email delivered exactly once after recovery, 0 failed orchestrations, 0 lost", async () => {
  const r = run as ChaosRun;
  relay.down();
  const downAt = Date.now();
  const cases = await submitMany(r, "mail-down");
  await sleep(Math.max(0, 60_000 - (Date.now() - downAt)));
  relay.up();
  const upAt = Date.now();
  const { views, lost, lastClosedAt } = await playToClosed(r, cases, upAt + 8 * 60_000);
  const ids = await mailDevMessageIds(r, cases);
  const row = {
    scenario: "mail-down-60s",
    requests: cases.length,
    completed: views.size,
    lost: lost.length,
    duplicateEmails: ids.length - new Set(ids).size,
    failedOrchestrations: await failedOrchestrations(r, views),
    drainInMs: lastClosedAt - upAt,
    notes: `${relay.dropped} SMTP connections dropped while down; ${ids.length} emails delivered`,
  };
  recordRow(row);
  expect(cases).toHaveLength(CHAOS_REQUESTS);
  expect(lost).toEqual([]);
  expect(row.failedOrchestrations).toBe(0);
  expect(row.duplicateEmails).toBe(0);
  expect(relay.dropped).toBeGreaterThan(0);
  expect(customerEmailsComplete(views)).toEqual([]);
});
