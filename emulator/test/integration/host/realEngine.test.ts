/**
 * End to end through the host with the REAL Durable engine (`createDurableEngine` of
 * emulator/durable/index, the default engine factory) on Azurite: an HTTP starter using the real
 * DurableClient starts an orchestration that calls an activity; the status URL it returns reports
 * the completed output.
 */
import { randomUUID } from "node:crypto";
import { createLocalHost, type LocalHost } from "../../../host";
import { FIXTURE_APP_DIR, TEST_KEYS } from "./fakeEngine";

let host: LocalHost;

beforeAll(async () => {
  process.env.HOST_APP_QUEUE = "host-real-engine-queue";
  // Own task hub per run so leftovers of other runs in the shared Azurite do not interfere.
  process.env.HOST_APP_HUB = `Hub${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  host = createLocalHost({ appDir: FIXTURE_APP_DIR, port: 0, durableRpcPort: 0, keys: TEST_KEYS, log: () => undefined });
  await host.start();
});

afterAll(async () => {
  await host?.stop();
});

it("runs helloOrchestrator → sayHello and reports Completed with the output", async () => {
  const start = await fetch(`${host.url}/api/start/helloOrchestrator`, { method: "POST", body: JSON.stringify("World") });
  expect(start.status).toBe(202);
  const { id, statusQueryGetUri } = (await start.json()) as { id: string; statusQueryGetUri: string };
  expect(id).toBeTruthy();

  const deadline = Date.now() + 30000;
  let res = await fetch(statusQueryGetUri);
  while (res.status === 202 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    res = await fetch(statusQueryGetUri);
  }
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ name: "helloOrchestrator", instanceId: id, runtimeStatus: "Completed", input: "World", output: "Hello World" });

  const purge = await fetch(statusQueryGetUri, { method: "DELETE" });
  expect(purge.status).toBe(200);
  expect(await purge.json()).toEqual({ instancesDeleted: 1 });
});
