/**
 * Activities wait for a free slot first come, first served: while work items wait in the queue
 * for one of `maxConcurrentActivities` slots, an activity scheduled after them queues behind them
 * instead of taking the next slot in-process (a steady stream of new activities, such as the
 * first steps of newly submitted requests, would otherwise starve the queued ones).
 */
import { TableClient } from "@azure/data-tables";
import "../../fixtures/durable-app/app";
import type { DurableEngine, InstanceStatus } from "@csp-support/local-host/durable";
import { connectionString, finish, newEngine, uniqueHub } from "./helpers";

let engine: DurableEngine | undefined;

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

/** ISO 8601 times the instance's activities completed (TaskCompleted, in history order). */
function completions(status: InstanceStatus): string[] {
  return (status.historyEvents ?? []).filter((e) => (e as { EventType: string }).EventType === "TaskCompleted").map((e) => String((e as { Timestamp: unknown }).Timestamp));
}

test("with the only activity slot busy, an activity queued for it runs before the ones another instance schedules after it", async () => {
  const hub = uniqueHub();
  const table = `E${hub}`;
  await TableClient.fromConnectionString(connectionString(), table, { allowInsecureConnection: true }).createTable();
  engine = newEngine({ taskHubName: hub, maxConcurrentActivities: 1 });
  await engine.start();
  // A: six activities in a row, each 300 ms; B: one, scheduled while A's first holds the slot.
  const a = await engine.startNew("dtCrashSequence", { input: { table, steps: 6, delayMs: 300 } });
  const b = await engine.startNew("dtCrashSequence", { input: { table, steps: 1, delayMs: 300 } });
  const [sa, sb] = [await finish(engine, a, 30_000), await finish(engine, b, 30_000)];
  expect(sa.runtimeStatus).toBe("Completed");
  expect(sb.output).toEqual([`${b}:0`]);
  const aDone = completions(sa);
  const bDone = completions(sb);
  expect(aDone).toHaveLength(6);
  // B's activity ran second: after A's first, before A's second (queued behind B's).
  expect(Date.parse(bDone[0]!)).toBeGreaterThan(Date.parse(aDone[0]!));
  expect(Date.parse(bDone[0]!)).toBeLessThan(Date.parse(aDone[1]!));
});
