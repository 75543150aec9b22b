/**
 * A host started as the HTTP scale group (`scaleGroup: "http"`, `EMULATOR_SCALE_GROUP=http`), as a
 * Flex Consumption instance that runs an app's HTTP triggers only: it starts orchestrations through
 * the Durable client and runs none; a host of the whole app on the same storage and task hub runs
 * them. An unknown group stops the start with a clear reason.
 */
import { randomUUID } from "node:crypto";
import { createLocalHost, scaleGroupOf, type LocalHost } from "../../../host";
import { waitUntil } from "../../../../test/support/wait";
import { FIXTURE_APP_DIR, TEST_KEYS } from "./fakeEngine";

const hosts: LocalHost[] = [];

beforeAll(() => {
  process.env.HOST_APP_QUEUE = "host-scale-group-queue";
  process.env.HOST_APP_HUB = `Hub${randomUUID().replace(/-/g, "").slice(0, 12)}`;
});

afterAll(async () => {
  for (const h of hosts) await h.stop();
});

function newHost(scaleGroup?: "all" | "http"): LocalHost {
  const h = createLocalHost({ appDir: FIXTURE_APP_DIR, port: 0, durableRpcPort: 0, keys: TEST_KEYS, log: () => undefined, ...(scaleGroup ? { scaleGroup } : {}) });
  hosts.push(h);
  return h;
}

async function runtimeStatusOf(statusUrl: string): Promise<{ runtimeStatus: string; output?: unknown }> {
  return (await (await fetch(statusUrl)).json()) as { runtimeStatus: string; output?: unknown };
}

it("the HTTP group starts an orchestration and runs none of it; a host of the whole app on the same task hub runs it", async () => {
  const http = newHost("http");
  await http.start();
  const start = await fetch(`${http.url}/api/start/helloOrchestrator`, { method: "POST", body: JSON.stringify("Scale") });
  expect(start.status).toBe(202);
  const { id } = (await start.json()) as { id: string };
  const statusOn = (h: LocalHost): string => `${h.url}/runtime/webhooks/durabletask/instances/${id}?code=${TEST_KEYS.durableTaskSystemKey}`;
  // A host of the whole app completes this orchestration in about 100 ms; this one leaves it alone.
  await new Promise((r) => setTimeout(r, 1000));
  expect(await runtimeStatusOf(statusOn(http))).toMatchObject({ runtimeStatus: "Pending" });

  const whole = newHost();
  await whole.start();
  const seen = await waitUntil(async () => {
    const s = await runtimeStatusOf(statusOn(whole));
    return s.runtimeStatus === "Completed" && s;
  }, 30_000, "the orchestration completed by the whole-app host");
  expect(seen).toMatchObject({ runtimeStatus: "Completed", output: "Hello Scale" });
  // The HTTP group reads the same task hub: it reports the outcome too.
  expect(await runtimeStatusOf(statusOn(http))).toMatchObject({ runtimeStatus: "Completed", output: "Hello Scale" });
});

it("EMULATOR_SCALE_GROUP: empty means all; an unknown group is a start error naming the setting", () => {
  expect(scaleGroupOf(undefined)).toBe("all");
  expect(scaleGroupOf(" HTTP ")).toBe("http");
  expect(() => scaleGroupOf("durable")).toThrow(expect.objectContaining({ name: "HostStartError", code: "InvalidSetting", message: expect.stringContaining("EMULATOR_SCALE_GROUP") }));
});
