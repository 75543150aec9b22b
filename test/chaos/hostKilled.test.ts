/**
 * Chaos: the Functions host is SIGKILLed twice while activities run (during the intake burst and
 * during the partners' resolutions) and started again. Every request completes; the only possible
 * duplicates are emails whose SMTP send was cut after the server accepted them (SMTP has no
 * idempotency): counted and reported, bounded by the activities in flight at each kill (10).
 */
import { sleep } from "../support/caseDriver";
import { customerEmailsComplete, failedOrchestrations, mailDevMessageIds, playToClosed, recordRow, startChaosStack, submitMany, type ChaosRun } from "./chaos";

jest.setTimeout(15 * 60_000);

let run: ChaosRun | undefined;
const KILLS = 2;
/** Activities the local engine runs at once (emulator/durable/engine.ts `maxConcurrentActivities`). */
const ACTIVITIES_IN_FLIGHT = 10;

beforeAll(async () => {
  run = await startChaosStack("host-kill");
});

afterAll(async () => {
  await run?.stop();
});

it("host SIGKILLed inside activities: every request completes; duplicates only from cut SMTP sends, counted", async () => {
  const r = run as ChaosRun;
  const cases = await submitMany(r, "host-kill");
  await sleep(1500);
  await r.stack.restartHost({ signal: "SIGKILL" });
  const played = playToClosed(r, cases, Date.now() + 8 * 60_000);
  // The second kill lands while the partners' resolutions are being processed.
  await sleep(15_000);
  await r.stack.restartHost({ signal: "SIGKILL" });
  const backAt = Date.now();
  const { views, lost, lastClosedAt } = await played;
  const ids = await mailDevMessageIds(r, cases);
  const duplicates = ids.length - new Set(ids).size;
  const row = {
    scenario: "host-sigkill-x2",
    requests: cases.length,
    completed: views.size,
    lost: lost.length,
    duplicateEmails: duplicates,
    failedOrchestrations: await failedOrchestrations(r, views),
    drainInMs: lastClosedAt - backAt,
    notes: `${KILLS} SIGKILLs inside activities; duplicates are SMTP sends cut after the server accepted them`,
  };
  recordRow(row);
  expect(lost).toEqual([]);
  expect(row.failedOrchestrations).toBe(0);
  expect(customerEmailsComplete(views)).toEqual([]);
  expect(duplicates).toBeLessThanOrEqual(KILLS * ACTIVITIES_IN_FLIGHT);
});
