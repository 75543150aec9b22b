/**
 * The control-queue buffer threshold (host.json `storageProvider.controlQueueBufferThreshold`): a
 * host holds at most that many received control messages waiting for an episode; a backlog beyond
 * it stays in the queues, where its leases do not run out (in memory they would, and the messages
 * would be received again while they wait).
 */
import "../../fixtures/durable-app/app";
import type { DurableEngine } from "@csp-support/local-host/durable";
import { QueueClient } from "@azure/storage-queue";
import { finish, newEngine, uniqueHub } from "./helpers";

const engines: DurableEngine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop();
  jest.restoreAllMocks();
});

test("40 instances started by another host: received at most 4 at a time for one episode slot, none received twice, all complete", async () => {
  const hub = uniqueHub();
  // Another host (never started) queues 40 starts: none is dispatched in-process.
  const client = newEngine({ taskHubName: hub });
  engines.push(client);
  const ids = await Promise.all(Array.from({ length: 40 }, () => client.startNew("dtSequence")));

  const asked: number[] = [];
  const received: string[] = [];
  // What the worker asks of its control queues, and what they hand out, as storage sees it.
  const receive = QueueClient.prototype.receiveMessages;
  jest.spyOn(QueueClient.prototype, "receiveMessages").mockImplementation(async function (this: QueueClient, options) {
    const got = await receive.call(this, options);
    if (this.name.includes("-control-")) {
      asked.push(options?.numberOfMessages ?? 1);
      for (const m of got.receivedMessageItems) received.push(m.messageId);
    }
    return got;
  });
  const worker = newEngine({ taskHubName: hub, maxConcurrentOrchestrations: 1, controlQueueBufferThreshold: 4, messageVisibilityTimeoutInMs: 2000 });
  engines.push(worker);
  await worker.start();
  for (const id of ids) expect((await finish(worker, id, 60_000)).output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
  expect(asked.length).toBeGreaterThan(0);
  expect(Math.max(...asked)).toBeLessThanOrEqual(4);
  expect(new Set(received).size).toBe(received.length);
  // Every start was received from the queue (the worker dispatched none of them in-process).
  expect(received.length).toBeGreaterThanOrEqual(40);
}, 90_000);
