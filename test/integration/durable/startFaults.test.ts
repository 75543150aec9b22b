/**
 * A start that storage interrupts never leaves an instance that cannot run. The engine starts an
 * instance in the Azure Storage provider's order: the instance is read (one that has not ended
 * refuses the start), the ExecutionStarted message sent, then the Pending row written. So a failed
 * send leaves nothing (the caller's retry starts it), and a failed row write after the send still
 * runs the instance (its first episode writes the row). Faults are injected into the storage SDK's
 * calls for this test's task hub only.
 */
import { odata, TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";
import "../../fixtures/durable-app/app";
import type { DurableEngine } from "@csp-support/local-host/durable";
import { connectionString, eventTypes, finish, newEngine, uniqueHub, waitUntil } from "./helpers";

let engine: DurableEngine | undefined;

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  jest.restoreAllMocks();
});

/**
 * Makes the first call of a storage SDK method on a matching client fail as an unavailable service
 * (503); every other call goes through. @returns how many calls were refused so far.
 */
function refuseFirst<T extends object>(prototype: T, method: keyof T & string, matches: (client: T) => boolean): () => number {
  const original = prototype[method] as unknown as (...args: unknown[]) => unknown;
  let refused = 0;
  jest.spyOn(prototype, method as never).mockImplementation(function (this: T, ...args: unknown[]) {
    if (refused === 0 && matches(this)) {
      refused++;
      return Promise.reject(Object.assign(new Error("injected: storage unavailable"), { statusCode: 503 }));
    }
    return original.apply(this, args);
  } as never);
  return () => refused;
}

test("a start whose ExecutionStarted message is not sent leaves no instance, and starting it again runs it once", async () => {
  const hub = uniqueHub();
  engine = newEngine({ taskHubName: hub, log: () => undefined });
  await engine.start();
  const refused = refuseFirst(QueueClient.prototype, "sendMessage", (queue) => queue.name.startsWith(`${hub.toLowerCase()}-control`));
  await expect(engine.startNew("dtSequence", { instanceId: "start-send-fails" })).rejects.toThrow("injected: storage unavailable");
  expect(refused()).toBe(1);
  // Nothing was left behind that a retry would take for a started instance.
  expect(await engine.getStatus("start-send-fails")).toBeUndefined();
  await engine.startNew("dtSequence", { instanceId: "start-send-fails" });
  const done = await finish(engine, "start-send-fails");
  expect(done.runtimeStatus).toBe("Completed");
  expect(done.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
});

test("a start whose Pending row is not written after its message was sent still runs the instance, once", async () => {
  const hub = uniqueHub();
  // The message, stored but not worked on, is seen again when its lease (the visibility timeout) ends.
  engine = newEngine({ taskHubName: hub, messageVisibilityTimeoutInMs: 2000, log: () => undefined });
  await engine.start();
  const refused = refuseFirst(TableClient.prototype, "createEntity", (table) => table.tableName === `${hub}Instances`);
  // The caller sees the failure (it would retry); the message it sent runs the instance anyway.
  await expect(engine.startNew("dtSequence", { instanceId: "start-row-fails" })).rejects.toThrow("injected: storage unavailable");
  expect(refused()).toBe(1);
  // Its first episode writes the row that the start could not.
  await waitUntil(async () => engine!.getStatus("start-row-fails"), 20000, "the instance row");
  const done = await finish(engine, "start-row-fails");
  expect(done.runtimeStatus).toBe("Completed");
  expect(done.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
  expect(eventTypes(done).filter((t) => t === "ExecutionStarted")).toHaveLength(1);
  expect(eventTypes(done).filter((t) => t === "TaskCompleted")).toHaveLength(3);
});

test("starting an instance that has not ended is refused before anything is sent; one that has ended starts a new execution", async () => {
  const hub = uniqueHub();
  engine = newEngine({ taskHubName: hub, log: () => undefined });
  await engine.start();
  await engine.startNew("dtWaitForGo", { instanceId: "start-twice" });
  const sends = jest.spyOn(QueueClient.prototype, "sendMessage");
  await expect(engine.startNew("dtWaitForGo", { instanceId: "start-twice" })).rejects.toMatchObject({ code: "InstanceExists" });
  expect(sends.mock.contexts.filter((q) => (q as QueueClient).name.startsWith(`${hub.toLowerCase()}-control`))).toHaveLength(0);
  await waitUntil(async () => (await engine!.getStatus("start-twice"))?.runtimeStatus === "Running", 20000, "dtWaitForGo running");
  expect(await engine.raiseEvent("start-twice", "go", "Rome")).toBe("accepted");
  expect((await finish(engine, "start-twice")).output).toBe("Hello Rome!");
  await engine.startNew("dtSequence", { instanceId: "start-twice" });
  const second = await finish(engine, "start-twice");
  expect(second.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
});

test("a start reads the instance once (to refuse one that has not ended), and the episodes of the new instance do not read its row", async () => {
  const hub = uniqueHub();
  engine = newEngine({ taskHubName: hub, log: () => undefined });
  await engine.start();
  const reads = jest.spyOn(TableClient.prototype, "getEntity");
  const instanceReads = (): number => reads.mock.contexts.filter((t) => (t as TableClient).tableName === `${hub}Instances`).length;
  await engine.startNew("dtSequence", { instanceId: "start-reads" });
  expect(instanceReads()).toBe(1);
  // Completion is watched through the history (a query), not through the instance row.
  const history = TableClient.fromConnectionString(connectionString(), `${hub}History`, { allowInsecureConnection: true });
  await waitUntil(async () => {
    for await (const row of history.listEntities<{ EventType?: string }>({ queryOptions: { filter: odata`PartitionKey eq ${"start-reads"}` } })) if (row.EventType === "ExecutionCompleted") return true;
    return false;
  }, 20000, "ExecutionCompleted in the history");
  expect(instanceReads()).toBe(1);
  expect((await finish(engine, "start-reads")).output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
});
