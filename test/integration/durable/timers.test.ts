/**
 * Far timers in the local Durable engine: a timer due later than two sweep intervals waits in the
 * `<hub>Timers` table, not hidden in its control queue, is moved to the queue before it is due and
 * fires on time; one that came due while no engine ran fires when an engine starts; one moved
 * twice (a crash between the move and the row's delete) fires once.
 */
import "../../fixtures/durable-app/app";
import { QueueServiceClient } from "@azure/storage-queue";
import { TableClient } from "@azure/data-tables";
import type { DurableEngine, InstanceStatus } from "@csp-support/local-host/durable";
import { connectionString, eventTypes, finish, newEngine, uniqueHub, waitUntil } from "./helpers";

/** Sweep interval of the engines under test: timers due more than 1 s ahead are parked. */
const SWEEP_MS = 500;

type ApiEvent = { EventType: string; FireAt?: string; Timestamp: string };
const historyOf = (s: InstanceStatus | undefined): ApiEvent[] => (s?.historyEvents ?? []) as ApiEvent[];

/** The parked timer rows of a hub (RowKey and the instance of each). */
async function parkedTimers(hub: string): Promise<Array<{ rowKey: string; body: string }>> {
  const table = TableClient.fromConnectionString(connectionString(), `${hub}Timers`, { allowInsecureConnection: true });
  const out: Array<{ rowKey: string; body: string }> = [];
  for await (const e of table.listEntities<Record<string, unknown>>()) out.push({ rowKey: String(e.rowKey), body: String(e.Body ?? "") });
  return out;
}

/** Messages in the hub's control queues, visible or hidden (Azure's approximate count includes hidden ones). */
async function controlQueueMessages(hub: string, partitions: number): Promise<number> {
  const service = QueueServiceClient.fromConnectionString(connectionString());
  let n = 0;
  for (let i = 0; i < partitions; i++) n += (await service.getQueueClient(`${hub.toLowerCase()}-control-${String(i).padStart(2, "0")}`).getProperties()).approximateMessagesCount ?? 0;
  return n;
}

const engines: DurableEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.stop();
});

function engineOn(hub: string): DurableEngine {
  const engine = newEngine({ taskHubName: hub, timerSweepIntervalInMs: SWEEP_MS });
  engines.push(engine);
  return engine;
}

test("a far timer waits in the timer table, not in its control queue, and fires at its time", async () => {
  const hub = uniqueHub("Timers");
  const engine = engineOn(hub);
  await engine.start();
  const id = await engine.startNew("dtLongTimer", { input: { ms: 3500 } });
  await waitUntil(async () => (await parkedTimers(hub)).length === 1, 10_000, "the timer parked");
  const [parked] = await parkedTimers(hub);
  expect(JSON.parse(parked!.body)).toMatchObject({ kind: "TimerFired", InstanceId: id });
  // Nothing waits in the polled queues while the timer is parked.
  expect(await controlQueueMessages(hub, 2)).toBe(0);
  expect((await engine.getStatus(id))?.runtimeStatus).toBe("Running");

  const done = await finish(engine, id, 15_000);
  expect(done.runtimeStatus).toBe("Completed");
  expect(done.output).toBe("timer fired");
  const created = historyOf(done).find((e) => e.EventType === "TimerCreated")!;
  const fired = historyOf(done).find((e) => e.EventType === "TimerFired")!;
  expect(fired.FireAt).toBe(created.FireAt);
  const late = Date.parse(fired.Timestamp) - Date.parse(fired.FireAt!);
  expect(late).toBeGreaterThanOrEqual(0);
  expect(late).toBeLessThan(1500);
  expect(await parkedTimers(hub)).toEqual([]);
});

test("a far timer that came due while no engine ran fires when an engine starts", async () => {
  const hub = uniqueHub("Timers");
  const first = engineOn(hub);
  await first.start();
  const id = await first.startNew("dtLongTimer", { input: { ms: 2000 } });
  await waitUntil(async () => (await parkedTimers(hub)).length === 1, 10_000, "the timer parked");
  await first.stop();
  // Past its due time with no engine running: the timer is still parked.
  await new Promise((r) => setTimeout(r, 2500));
  expect(await parkedTimers(hub)).toHaveLength(1);
  expect((await first.getStatus(id))?.runtimeStatus).toBe("Running");

  const second = engineOn(hub);
  await second.start();
  const done = await finish(second, id, 15_000);
  expect(done.runtimeStatus).toBe("Completed");
  const fired = historyOf(done).find((e) => e.EventType === "TimerFired")!;
  expect(Date.parse(fired.Timestamp)).toBeGreaterThanOrEqual(Date.parse(fired.FireAt!));
  expect(await parkedTimers(hub)).toEqual([]);
});

test("a far timer moved to its queue twice (its row not deleted) fires once", async () => {
  const hub = uniqueHub("Timers");
  const engine = engineOn(hub);
  await engine.start();
  const id = await engine.startNew("dtLongTimer", { input: { ms: 2500 } });
  await waitUntil(async () => (await parkedTimers(hub)).length === 1, 10_000, "the timer parked");
  const [parked] = await parkedTimers(hub);
  const done = await finish(engine, id, 15_000);
  expect(done.runtimeStatus).toBe("Completed");
  // As after a crash between the move and the delete: the row is back, due, and moved again.
  const table = TableClient.fromConnectionString(connectionString(), `${hub}Timers`, { allowInsecureConnection: true });
  await table.upsertEntity({ partitionKey: "timers", rowKey: parked!.rowKey, Body: parked!.body }, "Replace");
  await waitUntil(async () => (await parkedTimers(hub)).length === 0, 10_000, "the row moved again");
  await new Promise((r) => setTimeout(r, 1000));
  const after = await engine.getStatus(id, { showHistory: true });
  expect(after?.runtimeStatus).toBe("Completed");
  expect(after?.output).toBe("timer fired");
  expect(eventTypes(after!).filter((t) => t === "TimerFired")).toHaveLength(1);
});
