/**
 * Queue triggers on Azurite: base64 messages are decoded and delivered with trigger metadata and
 * the function's durable client input,
 * deleted on success, retried on failure and moved to `<queue>-poison` after maxDequeueCount (2 in
 * the fixture's host.json).
 */
import { randomUUID } from "node:crypto";
import { QueueServiceClient } from "@azure/storage-queue";
import { createLocalHost, type LocalHost } from "../../../host";
import { FakeEngine, FIXTURE_APP_DIR, TEST_KEYS } from "./fakeEngine";

const queueName = `hostq-${randomUUID().slice(0, 8)}`;
let host: LocalHost;
let service: QueueServiceClient;
let taskHubName = "";

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutInMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Seen {
  message: unknown;
  dequeueCount: unknown;
  id: unknown;
  taskHub: string;
}
const seen = (): Seen[] => (globalThis as unknown as Record<symbol, Seen[] | undefined>)[Symbol.for("host-app.queue.seen")] ?? [];

beforeAll(async () => {
  process.env.HOST_APP_QUEUE = queueName;
  service = QueueServiceClient.fromConnectionString(process.env.AZURE_STORAGE_CONNECTION_STRING ?? "");
  host = createLocalHost({
    appDir: FIXTURE_APP_DIR,
    port: 0,
    durableRpcPort: false,
    keys: TEST_KEYS,
    queuePollingIntervalInMs: 100,
    engineFactory: (o) => {
      taskHubName = o.taskHubName;
      return new FakeEngine(o.taskHubName, new Set());
    },
    log: () => undefined,
  });
  await host.start();
});

afterAll(async () => {
  await host.stop();
  await service.getQueueClient(queueName).deleteIfExists();
  await service.getQueueClient(`${queueName}-poison`).deleteIfExists();
});

const send = (value: unknown): Promise<unknown> =>
  service.getQueueClient(queueName).sendMessage(Buffer.from(JSON.stringify(value)).toString("base64"));

it("delivers a base64 JSON message as an object with trigger metadata, then deletes it", async () => {
  await send({ n: 1 });
  const got = await waitFor(() => seen().find((s) => (s.message as { n?: number }).n === 1));
  expect(got.dequeueCount).toBe(1);
  expect(typeof got.id).toBe("string");
  expect(got.taskHub).toBe(taskHubName);
  expect(taskHubName).not.toBe("");
  await waitFor(async () => ((await service.getQueueClient(queueName).getProperties()).approximateMessagesCount === 0 ? true : undefined));
});

it("retries a failing message and moves it to the poison queue after maxDequeueCount", async () => {
  await send({ fail: true, n: 2 });
  const poison = service.getQueueClient(`${queueName}-poison`);
  const peeked = await waitFor(async () => {
    if (!(await poison.exists())) return undefined;
    const r = await poison.peekMessages();
    return r.peekedMessageItems[0];
  });
  expect(JSON.parse(Buffer.from(peeked.messageText, "base64").toString("utf8"))).toEqual({ fail: true, n: 2 });
  const attempts = seen().filter((s) => (s.message as { n?: number }).n === 2);
  expect(attempts.map((a) => a.dequeueCount)).toEqual([1, 2]);
  expect((await service.getQueueClient(queueName).getProperties()).approximateMessagesCount).toBe(0);
});
