/**
 * Chaos: Azurite (the app's tables, the task hub and its queues) is stopped while 100 requests are
 * in flight, stays down 15 s, and starts again over its data on disk. Every request completes; no
 * email is sent twice, no orchestration fails.
 *
 * Stopped with SIGTERM, not SIGKILL: Azurite keeps its tables, queues and blob metadata in LokiJS
 * databases saved every 5 s (`autosaveInterval: 5000` in its persistence stores), so a SIGKILL
 * loses writes it had already acknowledged with 2xx. Azure Storage never does that, and the app
 * cannot make up for a store that forgets acknowledged writes; SIGTERM makes Azurite save before it
 * exits, while the app still sees what an outage looks like: connections cut, then refused for 15 s.
 */
import { sleep } from "../support/caseDriver";
import { customerEmailsComplete, failedOrchestrations, mailDevMessageIds, playToClosed, recordRow, startChaosStack, submitMany, type ChaosRun } from "./chaos";

jest.setTimeout(15 * 60_000);

let run: ChaosRun | undefined;

beforeAll(async () => {
  run = await startChaosStack("storage");
});

afterAll(async () => {
  await run?.stop();
});

it("storage killed and restarted mid-run: every request completes", async () => {
  const r = run as ChaosRun;
  const cases = await submitMany(r, "storage");
  // Mid-run: acknowledgements and transitions in flight.
  await sleep(2000);
  await r.stack.restartAzurite({ signal: "SIGTERM", downForInMs: 15_000 });
  const backAt = Date.now();
  const { views, lost, lastClosedAt } = await playToClosed(r, cases, backAt + 8 * 60_000);
  const ids = await mailDevMessageIds(r, cases);
  const row = {
    scenario: "storage-killed",
    requests: cases.length,
    completed: views.size,
    lost: lost.length,
    duplicateEmails: ids.length - new Set(ids).size,
    failedOrchestrations: await failedOrchestrations(r, views),
    drainInMs: lastClosedAt - backAt,
    notes: "Azurite stopped (SIGTERM) 2 s after the burst, down 15 s, restarted over its data directory",
  };
  recordRow(row);
  expect(lost).toEqual([]);
  expect(row.failedOrchestrations).toBe(0);
  expect(customerEmailsComplete(views)).toEqual([]);
  expect(row.duplicateEmails).toBe(0);
});
