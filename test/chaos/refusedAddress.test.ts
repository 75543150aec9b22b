/**
 * Chaos: among 100 requests, customer addresses the mail service refuses permanently (550 to
 * RCPT TO, every tenth request). Those cases still close, with the failure on their timeline and
 * the partner told; the others are unaffected (their three emails each, exactly once).
 */
import { startMailRelay, type MailRelay } from "../support/mailRelay";
import { caseOf } from "../../scripts/lib/demoRunner";
import { customerEmailsComplete, failedOrchestrations, mailDevMessageIds, playToClosed, recordRow, startChaosStack, submitMany, type ChaosRun } from "./chaos";

jest.setTimeout(15 * 60_000);

let relay: MailRelay;
let run: ChaosRun | undefined;
const refused = (i: number): boolean => i % 10 === 0;

beforeAll(async () => {
  relay = await startMailRelay(() => run?.stack.ports.smtp ?? 0);
  run = await startChaosStack("refused", { SMTP_PORT: String(relay.port) });
});

afterAll(async () => {
  await run?.stop();
  await relay?.close();
});

it("customer addresses refused permanently: those cases close with the failure recorded; the others are unaffected", async () => {
  const r = run as ChaosRun;
  const emailOf = (i: number): string => (refused(i) ? `gone${i}@refused.chaos.example` : `c${i}-refused@chaos.example`);
  for (let i = 0; i < 100; i++) if (refused(i)) relay.refuse.set(emailOf(i), { code: 550, message: `5.1.1 <${emailOf(i)}>: Recipient address rejected: User unknown` });
  const started = Date.now();
  const cases = await submitMany(r, "refused", 100, emailOf);
  const { views, lost, lastClosedAt } = await playToClosed(r, cases, Date.now() + 8 * 60_000);
  const ids = await mailDevMessageIds(r, cases);
  const refusedCases = cases.filter((c) => c.customerEmail.includes("@refused."));
  const others = new Map([...views].filter(([id]) => !refusedCases.some((c) => c.caseId === id)));
  const row = {
    scenario: "address-refused",
    requests: cases.length,
    completed: views.size,
    lost: lost.length,
    duplicateEmails: ids.length - new Set(ids).size,
    failedOrchestrations: await failedOrchestrations(r, views),
    drainInMs: lastClosedAt - started,
    notes: `${refusedCases.length} addresses refused; each case closed with email-failed on its timeline and one partner notice`,
  };
  recordRow(row);
  expect(lost).toEqual([]);
  expect(row.failedOrchestrations).toBe(0);
  expect(row.duplicateEmails).toBe(0);
  expect(customerEmailsComplete(others)).toEqual([]);
  const emails = await r.driver.caughtEmails();
  for (const c of refusedCases) {
    const v = views.get(c.caseId);
    expect(caseOf(v ?? {}).status).toBe("closed");
    expect((v?.timeline ?? []).filter((e) => e.kind === "email-failed").map((e) => e.entryId)).toEqual(["email-failed-received"]);
    expect(emails.filter((m) => m.subject.includes(`Customer email not delivered on case ${c.caseId}`))).toHaveLength(1);
  }
});
