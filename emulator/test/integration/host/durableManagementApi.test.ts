/**
 * The Durable HTTP management API of the local host: system-key auth and the status codes and
 * payloads of the Durable extension, over a fake engine (routing and auth only).
 */
import { createLocalHost, type LocalHost } from "../../../host";
import { FakeEngine, FIXTURE_APP_DIR, TEST_KEYS } from "./fakeEngine";

let host: LocalHost;
let engine: FakeEngine;
const base = (): string => `${host.url}/runtime/webhooks/durabletask`;
const code = `code=${TEST_KEYS.durableTaskSystemKey}`;

beforeAll(async () => {
  process.env.HOST_APP_QUEUE = "host-mgmt-test-queue";
  host = createLocalHost({
    appDir: FIXTURE_APP_DIR,
    port: 0,
    durableRpcPort: 0,
    keys: TEST_KEYS,
    engineFactory: (o) => (engine = new FakeEngine(o.taskHubName, new Set(["helloOrchestrator"]))),
    log: () => undefined,
  });
  await host.start();
});

afterAll(async () => {
  await host.stop();
});

beforeEach(() => {
  engine.instances.clear();
});

describe("auth", () => {
  it("requires the durabletask_extension system key or the master key", async () => {
    expect((await fetch(`${base()}/instances/x`)).status).toBe(401);
    expect((await fetch(`${base()}/instances/x?code=${TEST_KEYS.hostKey}`)).status).toBe(401);
    expect((await fetch(`${base()}/instances/x?code=wrong`)).status).toBe(401);
    expect((await fetch(`${base()}/instances/x?${code}`)).status).toBe(404);
    expect((await fetch(`${base()}/instances/x`, { headers: { "x-functions-key": TEST_KEYS.masterKey } })).status).toBe(404);
  });

  it("serves the same API without a key on the loopback RPC endpoint", async () => {
    expect(host.durableRpcBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/durabletask\/$/);
    expect((await fetch(`${host.durableRpcBaseUrl}instances/x`)).status).toBe(404);
    await engine.startNew("helloOrchestrator", { instanceId: "rpc1" });
    expect((await fetch(`${host.durableRpcBaseUrl}instances/rpc1`)).status).toBe(202);
  });
});

describe("POST orchestrators/{name}[/{instanceId}]", () => {
  it("starts an instance and answers 202 with the check-status payload and Location", async () => {
    const res = await fetch(`${base()}/orchestrators/helloOrchestrator/case-1?${code}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "World" }),
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as Record<string, string>;
    const prefix = `${base()}/instances/case-1`;
    const q = `taskHub=HostAppHub&connection=Storage&${code}`;
    expect(body).toEqual({
      id: "case-1",
      statusQueryGetUri: `${prefix}?${q}`,
      sendEventPostUri: `${prefix}/raiseEvent/{eventName}?${q}`,
      terminatePostUri: `${prefix}/terminate?reason={text}&${q}`,
      rewindPostUri: `${prefix}/rewind?reason={text}&${q}`,
      purgeHistoryDeleteUri: `${prefix}?${q}`,
      restartPostUri: `${prefix}/restart?${q}`,
      suspendPostUri: `${prefix}/suspend?reason={text}&${q}`,
      resumePostUri: `${prefix}/resume?reason={text}&${q}`,
    });
    expect(res.headers.get("location")).toBe(body.statusQueryGetUri);
    expect(res.headers.get("retry-after")).toBe("10");
    expect(engine.instances.get("case-1")?.input).toEqual({ name: "World" });
  });

  it("generates a 32-hex-digit id when none is given", async () => {
    const res = await fetch(`${base()}/orchestrators/helloOrchestrator?${code}`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { id: string }).id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("answers 400 for an unknown orchestrator or invalid JSON, 409 for a running duplicate, 404 for GET", async () => {
    expect((await fetch(`${base()}/orchestrators/nope?${code}`, { method: "POST" })).status).toBe(400);
    const bad = await fetch(`${base()}/orchestrators/helloOrchestrator?${code}`, { method: "POST", body: "{oops" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ Message: "Invalid JSON content" });
    await engine.startNew("helloOrchestrator", { instanceId: "dup" });
    expect((await fetch(`${base()}/orchestrators/helloOrchestrator/dup?${code}`, { method: "POST" })).status).toBe(409);
    expect((await fetch(`${base()}/orchestrators/helloOrchestrator?${code}`)).status).toBe(404);
  });
});

describe("GET instances", () => {
  it("answers 202 with Location while running, 200 with the output when completed, 404 when unknown", async () => {
    await engine.startNew("helloOrchestrator", { instanceId: "s1", input: "in" });
    const running = await fetch(`${base()}/instances/s1?${code}`);
    expect(running.status).toBe(202);
    expect(running.headers.get("location")).toBe(`${base()}/instances/s1?${code}`);
    expect(running.headers.get("retry-after")).toBe("5");
    const body = (await running.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ name: "helloOrchestrator", instanceId: "s1", runtimeStatus: "Running", input: "in", output: null, customStatus: null });
    expect(body.createdTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    engine.setStatus("s1", "Completed", "Hello in");
    const done = await fetch(`${base()}/instances/s1?showInput=false&${code}`);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ runtimeStatus: "Completed", output: "Hello in", input: null });
    expect((await fetch(`${base()}/instances/unknown?${code}`)).status).toBe(404);
  });

  it("answers 500 for a failed instance only with returnInternalServerErrorOnFailure=true", async () => {
    await engine.startNew("helloOrchestrator", { instanceId: "f1" });
    engine.setStatus("f1", "Failed", "boom");
    expect((await fetch(`${base()}/instances/f1?${code}`)).status).toBe(200);
    expect((await fetch(`${base()}/instances/f1?returnInternalServerErrorOnFailure=true&${code}`)).status).toBe(500);
  });

  it("lists instances with filters, paged by x-ms-continuation-token", async () => {
    for (const id of ["p1", "p2", "p3", "q1"]) await engine.startNew("helloOrchestrator", { instanceId: id });
    engine.setStatus("p3", "Completed");
    const page1 = await fetch(`${base()}/instances/?runtimeStatus=Running,Completed&instanceIdPrefix=p&top=2&${code}`);
    expect(page1.status).toBe(200);
    expect(((await page1.json()) as Array<{ instanceId: string }>).map((s) => s.instanceId)).toEqual(["p1", "p2"]);
    const token = page1.headers.get("x-ms-continuation-token");
    expect(token).toBeTruthy();
    const page2 = await fetch(`${base()}/instances/?runtimeStatus=Running,Completed&instanceIdPrefix=p&top=2&${code}`, {
      headers: { "x-ms-continuation-token": token ?? "" },
    });
    expect(((await page2.json()) as Array<{ instanceId: string }>).map((s) => s.instanceId)).toEqual(["p3"]);
    expect(page2.headers.get("x-ms-continuation-token")).toBeNull();
    const completed = await fetch(`${base()}/instances?runtimeStatus=Completed&${code}`);
    expect(((await completed.json()) as Array<{ instanceId: string }>).map((s) => s.instanceId)).toEqual(["p3"]);
  });
});

describe("instance operations", () => {
  it("raiseEvent: 202 with JSON, 400 for other content types, 404 unknown, 410 completed", async () => {
    await engine.startNew("helloOrchestrator", { instanceId: "e1" });
    const post = (id: string, type: string, body: string): Promise<Response> =>
      fetch(`${base()}/instances/${id}/raiseEvent/Approval?${code}`, { method: "POST", headers: { "content-type": type }, body });
    expect((await post("e1", "application/json", JSON.stringify({ ok: true }))).status).toBe(202);
    expect(engine.events).toContainEqual({ instanceId: "e1", eventName: "Approval", eventData: { ok: true } });
    expect((await post("e1", "text/plain", "x")).status).toBe(400);
    expect((await post("nope", "application/json", "{}")).status).toBe(404);
    engine.setStatus("e1", "Completed");
    expect((await post("e1", "application/json", "{}")).status).toBe(410);
  });

  it("terminate, suspend, resume: 202 while running, 404 unknown, 410 when terminal; the reason reaches the engine", async () => {
    await engine.startNew("helloOrchestrator", { instanceId: "c1" });
    const post = (id: string, op: string): Promise<Response> => fetch(`${base()}/instances/${id}/${op}?reason=because&${code}`, { method: "POST" });
    expect((await post("c1", "suspend")).status).toBe(202);
    expect(engine.instances.get("c1")?.runtimeStatus).toBe("Suspended");
    expect((await post("c1", "resume")).status).toBe(202);
    expect((await post("c1", "terminate")).status).toBe(202);
    expect(engine.calls).toContain("terminate(because):c1");
    expect((await post("c1", "terminate")).status).toBe(410);
    expect((await post("nope", "suspend")).status).toBe(404);
  });

  it("rewind: 412 unless Failed, 202 when Failed", async () => {
    await engine.startNew("helloOrchestrator", { instanceId: "r1" });
    expect((await fetch(`${base()}/instances/r1/rewind?${code}`, { method: "POST" })).status).toBe(412);
    engine.setStatus("r1", "Failed");
    expect((await fetch(`${base()}/instances/r1/rewind?reason=retry&${code}`, { method: "POST" })).status).toBe(202);
  });

  it("purge one: 412 while running, 200 with instancesDeleted when terminal, 404 unknown", async () => {
    await engine.startNew("helloOrchestrator", { instanceId: "d1" });
    expect((await fetch(`${base()}/instances/d1?${code}`, { method: "DELETE" })).status).toBe(412);
    engine.setStatus("d1", "Completed");
    const res = await fetch(`${base()}/instances/d1?${code}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ instancesDeleted: 1 });
    expect((await fetch(`${base()}/instances/d1?${code}`, { method: "DELETE" })).status).toBe(404);
  });

  it("purge many: 400 without createdTimeFrom, 200 with the count, 404 when nothing matched", async () => {
    expect((await fetch(`${base()}/instances/?${code}`, { method: "DELETE" })).status).toBe(400);
    for (const id of ["m1", "m2", "m3"]) await engine.startNew("helloOrchestrator", { instanceId: id });
    engine.setStatus("m1", "Completed");
    engine.setStatus("m2", "Terminated");
    const url = `${base()}/instances/?createdTimeFrom=2000-01-01T00:00:00Z&createdTimeTo=2100-01-01T00:00:00Z&runtimeStatus=Completed,Terminated&${code}`;
    const res = await fetch(url, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ instancesDeleted: 2 });
    expect((await fetch(url, { method: "DELETE" })).status).toBe(404);
    expect([...engine.instances.keys()]).toEqual(["m3"]);
  });

  it("answers 404 for unknown routes and 400 for another task hub", async () => {
    expect((await fetch(`${base()}/nothing?${code}`)).status).toBe(404);
    expect((await fetch(`${base()}/instances/a/b/c/d?${code}`)).status).toBe(404);
    expect((await fetch(`${base()}/instances/x?taskHub=OtherHub&${code}`)).status).toBe(400);
  });
});
