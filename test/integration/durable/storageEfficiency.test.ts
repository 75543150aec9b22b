/**
 * What the local engine spares the storage, without changing what instances do: idle pollers back
 * off (up to `maxQueuePollingInterval`) and are woken by the messages this engine enqueues; a
 * message's `Payloads` row is deleted only when its body was spilled there; instance rows and
 * histories kept between episodes are checked against storage when the episode commits.
 */
import { TableClient } from "@azure/data-tables";
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
  const big = await engine.startNew("dtBigPayload", { input: 60_000 });
  expect((await finish(engine, small)).runtimeStatus).toBe("Completed");
  const bigStatus = await finish(engine, big);
  expect(bigStatus.runtimeStatus).toBe("Completed");
  expect((bigStatus.output as string).length).toBe(60_000);
  await engine.stop();
  // Exactly one message was spilled (the 60 000-character activity result); only its row was deleted.
  const payloadDeletes = deletes.mock.contexts.filter((c) => (c as TableClient).tableName === `${hub}Payloads`);
  expect(payloadDeletes).toHaveLength(1);
  const left = [];
  for await (const row of TableClient.fromConnectionString(connectionString(), `${hub}Payloads`, { allowInsecureConnection: true }).listEntities()) left.push(row);
  expect(left).toHaveLength(0);
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
