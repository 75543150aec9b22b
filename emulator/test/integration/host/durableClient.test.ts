/**
 * The real `DurableClient` of durable-functions (from `df.getClient(context)` in the fixture app)
 * against the host's management API, over a fake engine: once through the local RPC endpoint
 * (`rpcBaseUrl`, as the extension offers by default) and once through the keyed webhook URLs.
 */
import { createLocalHost, type LocalHost } from "../../../host";
import { buildDurableClientInput } from "../../../http/durableUrls";
import { FakeEngine, FIXTURE_APP_DIR, TEST_KEYS } from "./fakeEngine";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { OrchestrationClientInputData } = require("durable-functions/lib/src/durableClient/OrchestrationClientInputData") as {
  OrchestrationClientInputData: { isOrchestrationClientInputData(o: unknown): boolean };
};

it("builds a client payload that durable-functions accepts as OrchestrationClientInputData", () => {
  const payload = buildDurableClientInput({ origin: "http://127.0.0.1:1234", taskHubName: "Hub", systemKey: "k" }, "http://127.0.0.1:17071/durabletask/");
  expect(OrchestrationClientInputData.isOrchestrationClientInputData(payload)).toBe(true);
  expect(payload).toMatchObject({
    taskHubName: "Hub",
    baseUrl: "http://127.0.0.1:1234/runtime/webhooks/durabletask",
    requiredQueryStringParameters: "code=k",
    rpcBaseUrl: "http://127.0.0.1:17071/durabletask/",
    creationUrls: {
      createNewInstancePostUri: "http://127.0.0.1:1234/runtime/webhooks/durabletask/orchestrators/{functionName}[/{instanceId}]?code=k",
    },
    managementUrls: {
      id: "INSTANCEID",
      statusQueryGetUri: "http://127.0.0.1:1234/runtime/webhooks/durabletask/instances/INSTANCEID?taskHub=Hub&connection=Storage&code=k",
    },
  });
});

describe.each([
  { mode: "local RPC endpoint", durableRpcPort: 0 as const },
  { mode: "keyed webhook URLs", durableRpcPort: false as const },
])("DurableClient through the $mode", ({ durableRpcPort }) => {
  let host: LocalHost;
  let engine: FakeEngine;

  beforeAll(async () => {
    process.env.HOST_APP_QUEUE = "host-client-test-queue";
    host = createLocalHost({
      appDir: FIXTURE_APP_DIR,
      port: 0,
      durableRpcPort,
      keys: TEST_KEYS,
      engineFactory: (o) => (engine = new FakeEngine(o.taskHubName, new Set(["helloOrchestrator"]))),
      log: () => undefined,
    });
    await host.start();
  });

  afterAll(async () => {
    await host.stop();
  });

  const api = (path: string, init?: RequestInit): Promise<Response> => fetch(`${host.url}/api/${path}`, init);

  it("startNew + createCheckStatusResponse: 202 with links on this host's origin", async () => {
    const res = await api("start/helloOrchestrator/inst-1", { method: "POST", body: JSON.stringify("World") });
    expect(res.status).toBe(202);
    const body = (await res.json()) as Record<string, string>;
    expect(body.id).toBe("inst-1");
    expect(body.statusQueryGetUri).toBe(
      `${host.url}/runtime/webhooks/durabletask/instances/inst-1?taskHub=HostAppHub&connection=Storage&code=${TEST_KEYS.durableTaskSystemKey}`,
    );
    expect(res.headers.get("location")).toBe(body.statusQueryGetUri);
    expect(engine.instances.get("inst-1")).toMatchObject({ name: "helloOrchestrator", input: "World", runtimeStatus: "Running" });
    // The link works as given.
    expect((await fetch(body.statusQueryGetUri ?? "")).status).toBe(202);
  });

  it("createHttpManagementPayload keeps this host's port (WEBSITE_HOSTNAME is set while the host runs)", async () => {
    const body = (await (await api("client/payload/abc")).json()) as Record<string, string>;
    expect(body.id).toBe("abc");
    expect(body.statusQueryGetUri?.startsWith(`${host.url}/runtime/webhooks/durabletask/instances/abc?`)).toBe(true);
  });

  it("getStatus and getStatusBy", async () => {
    const status = (await (await api("client/status/inst-1")).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ name: "helloOrchestrator", instanceId: "inst-1", runtimeStatus: "Running", input: "World" });
    const list = (await (await api("client/statusBy?runtimeStatus=Running")).json()) as Array<{ instanceId: string }>;
    expect(list.map((s) => s.instanceId)).toEqual(["inst-1"]);
    const missing = await api("client/status/nope");
    expect(missing.status).toBe(502);
    expect(((await missing.json()) as { error: string }).error).toMatch(/404/);
  });

  it("raiseEvent, suspend, resume and terminate", async () => {
    expect((await api("client/raiseEvent/inst-1?event=Approval&value=yes", { method: "POST" })).status).toBe(200);
    expect(engine.events).toContainEqual({ instanceId: "inst-1", eventName: "Approval", eventData: { value: "yes" } });
    expect((await api("client/suspend/inst-1?reason=hold", { method: "POST" })).status).toBe(200);
    expect(engine.instances.get("inst-1")?.runtimeStatus).toBe("Suspended");
    expect((await api("client/resume/inst-1", { method: "POST" })).status).toBe(200);
    expect((await api("client/terminate/inst-1?reason=stop", { method: "POST" })).status).toBe(200);
    expect(engine.instances.get("inst-1")?.runtimeStatus).toBe("Terminated");
    expect(engine.calls).toContain("terminate(stop):inst-1");
    // An event for an ended instance: the API answers 410 and the client resolves as for 202; the event is dropped.
    expect((await api("client/raiseEvent/inst-1?event=Late&value=no", { method: "POST" })).status).toBe(200);
    expect(engine.events.map((e) => e.eventName)).not.toContain("Late");
    const unknown = await api("client/raiseEvent/nope", { method: "POST" });
    expect(await unknown.json()).toEqual({ error: "No instance with ID 'nope' found." });
  });

  it("purgeInstanceHistory", async () => {
    const res = await api("client/purge/inst-1", { method: "DELETE" });
    expect(await res.json()).toEqual({ instancesDeleted: 1 });
    expect(engine.instances.has("inst-1")).toBe(false);
    expect(await (await api("client/purge/inst-1", { method: "DELETE" })).json()).toEqual({ instancesDeleted: 0 });
  });
});
