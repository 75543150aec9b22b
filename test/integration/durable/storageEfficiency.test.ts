/**
 * What the local engine spares the storage, without changing what instances do: idle pollers back
 * off (up to `maxQueuePollingInterval`) and are woken by the messages this engine enqueues; a
 * message's `Payloads` row is deleted only when its body was spilled there; instance rows and
 * histories kept between episodes are checked against storage when the episode commits.
 */
import { TableClient } from "@azure/data-tables";
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import "../../fixtures/durable-app/app";
import type { DurableEngine } from "@csp-support/local-host/durable";
import { connectionString, eventTypes, finish, newEngine, uniqueHub, waitUntil } from "./helpers";

let engine: DurableEngine | undefined;

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  jest.restoreAllMocks();
});

test("with an idle polling interval of an hour, work this engine enqueues (activities, timers, events) is still picked up", async () => {
  engine = newEngine({ pollingIntervalInMs: 3_600_000, maxQueuePollingInterval: "01:00:00" });
  await engine.start();
  // Let every queue see its first empty receive: from now on only wake-ups make them poll again.
  await new Promise((r) => setTimeout(r, 1000));
  const sequence = await engine.startNew("dtSequence");
  const approval = await engine.startNew("dtApproval", { input: { timeoutMs: 1500 } });
  const waiting = await engine.startNew("dtWaitForGo");
  await waitUntil(async () => (await engine!.getStatus(waiting))?.runtimeStatus === "Running", 20000, "dtWaitForGo running");
  expect(await engine.raiseEvent(waiting, "go", "Oslo")).toBe("accepted");
  expect((await finish(engine, sequence)).output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
  expect((await finish(engine, approval)).output).toEqual({ outcome: "timeout" });
  expect((await finish(engine, waiting)).output).toBe("Hello Oslo!");
});

test("a message's Payloads row is deleted only when its body was spilled there, and no spilled row is left", async () => {
  const hub = uniqueHub();
  engine = newEngine({ taskHubName: hub });
  const deletes = jest.spyOn(TableClient.prototype, "deleteEntity");
  await engine.start();
  const small = await engine.startNew("dtSequence");
  const bigResult = await engine.startNew("dtBigPayload", { input: 60_000 });
  const bigInput = await engine.startNew("dtBigInput", { input: 60_000 });
  expect((await finish(engine, small)).runtimeStatus).toBe("Completed");
  const bigStatus = await finish(engine, bigResult);
  expect(bigStatus.runtimeStatus).toBe("Completed");
  expect((bigStatus.output as string).length).toBe(60_000);
  const inputStatus = await finish(engine, bigInput);
  expect(inputStatus.output).toBe(60_000);
  await engine.stop();
  // Exactly one message was spilled: the work item carrying the 60 000-character input. The
  // 60 000-character result reached its instance in-process and was never queued.
  const payloadDeletes = deletes.mock.contexts.filter((c) => (c as TableClient).tableName === `${hub}Payloads`);
  expect(payloadDeletes).toHaveLength(1);
  const left = [];
  for await (const row of TableClient.fromConnectionString(connectionString(), `${hub}Payloads`, { allowInsecureConnection: true }).listEntities()) left.push(row);
  expect(left).toHaveLength(0);
});

test("an activity's result reaches its instance in-process: one control message per instance start, none per activity, and every queue ends empty", async () => {
  const hub = uniqueHub();
  engine = newEngine({ taskHubName: hub });
  const sends = jest.spyOn(QueueClient.prototype, "sendMessage");
  const deletes = jest.spyOn(QueueClient.prototype, "deleteMessage");
  await engine.start();
  const id = await engine.startNew("dtSequence");
  expect((await finish(engine, id)).output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
  await engine.stop();
  const byQueue = (spy: typeof sends | typeof deletes): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const c of spy.mock.contexts) {
      const kind = (c as QueueClient).name.endsWith("-workitems") ? "workitems" : "control";
      out[kind] = (out[kind] ?? 0) + 1;
    }
    return out;
  };
  expect(byQueue(sends)).toEqual({ control: 1, workitems: 3 });
  expect(byQueue(deletes)).toEqual({ control: 1, workitems: 3 });
  const service = QueueServiceClient.fromConnectionString(connectionString());
  for await (const q of service.listQueues({ prefix: hub.toLowerCase() })) {
    const peeked = await service.getQueueClient(q.name).peekMessages({ numberOfMessages: 32 });
    expect({ queue: q.name, messages: peeked.peekedMessageItems.length }).toEqual({ queue: q.name, messages: 0 });
  }
});

test("an episode fails after its activity ran: the result is queued for redelivery, applied once, and the activity does not run again", async () => {
  const hub = uniqueHub();
  const effectsTable = `E${hub}`;
  engine = newEngine({ taskHubName: hub, messageVisibilityTimeoutInMs: 2000, log: () => undefined });
  const effects = TableClient.fromConnectionString(connectionString(), effectsTable, { allowInsecureConnection: true });
  await effects.createTable();
  // The History batch of the episode that applies the first activity's result fails once.
  const submit = TableClient.prototype.submitTransaction;
  let historyBatches = 0;
  jest.spyOn(TableClient.prototype, "submitTransaction").mockImplementation(function (this: TableClient, ...args) {
    if (this.tableName === `${hub}History` && ++historyBatches === 2) return Promise.reject(Object.assign(new Error("injected: storage unavailable"), { statusCode: 503 }));
    return submit.apply(this, args);
  });
  await engine.start();
  const id = await engine.startNew("dtCrashSequence", { input: { table: effectsTable, steps: 3, delayMs: 0 } });
  const status = await finish(engine, id);
  expect(status.runtimeStatus).toBe("Completed");
  expect(status.output).toEqual([`${id}:0`, `${id}:1`, `${id}:2`]);
  expect(historyBatches).toBeGreaterThanOrEqual(5);
  const steps: string[] = [];
  for await (const e of effects.listEntities()) steps.push(String(e.rowKey).slice(0, 3));
  // Step 0, whose result the failed episode was applying, ran once; step 1 may have run twice (the
  // failed episode had sent its work item before its history commit failed: at least once).
  expect(steps.filter((s) => s === "000")).toHaveLength(1);
  expect([...new Set(steps)].sort()).toEqual(["000", "001", "002"]);
});

test("an instance row changed outside the engine between two episodes: the next episode runs again from storage and the instance completes once", async () => {
  const hub = uniqueHub();
  const warnings: string[] = [];
  engine = newEngine({ taskHubName: hub, log: (level, message) => void (level === "warn" && warnings.push(message)) });
  await engine.start();
  const id = await engine.startNew("dtWaitForGo");
  await waitUntil(async () => (await engine!.getStatus(id))?.runtimeStatus === "Running", 20000, "dtWaitForGo running");
  // Someone else writes the instance row (its ETag changes); the engine's copy is now stale.
  const instances = TableClient.fromConnectionString(connectionString(), `${hub}Instances`, { allowInsecureConnection: true });
  await instances.updateEntity({ partitionKey: id, rowKey: "", TouchedByTest: true }, "Merge");
  expect(await engine.raiseEvent(id, "go", "Lima")).toBe("accepted");
  const done = await finish(engine, id);
  expect(done.output).toBe("Hello Lima!");
  expect(eventTypes(done).filter((t) => t === "TaskCompleted")).toHaveLength(1);
  expect(eventTypes(done).filter((t) => t === "EventRaised")).toHaveLength(1);
  expect(warnings.some((w) => w.includes(id) && w.includes("run again from storage"))).toBe(true);
});
