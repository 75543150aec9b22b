/**
 * HTTP triggers through the local host: routing, methods, auth levels, request/response round trip,
 * error handling. The fixture app also registers Durable functions, so a fake engine is injected.
 */
import { createLocalHost, type LocalHost } from "../../../host";
import { FakeEngine, FIXTURE_APP_DIR, TEST_KEYS } from "./fakeEngine";

let host: LocalHost;
const log: string[] = [];

beforeAll(async () => {
  host = createLocalHost({
    appDir: FIXTURE_APP_DIR,
    port: 0,
    durableRpcPort: 0,
    keys: TEST_KEYS,
    maxRequestBodyBytes: 1024 * 1024,
    engineFactory: (o) => new FakeEngine(o.taskHubName, new Set(["helloOrchestrator"])),
    queuePollingIntervalInMs: 200,
    log: (level, message) => log.push(`${level}: ${message}`),
  });
  process.env.HOST_APP_QUEUE = "host-http-test-queue";
  await host.start();
});

afterAll(async () => {
  await host.stop();
});

const get = (path: string, init?: RequestInit): Promise<Response> => fetch(`${host.url}${path}`, init);

describe("routing", () => {
  it("passes route params, repeated query values and the absolute URL to the function", async () => {
    const res = await get("/api/echo/42/bob?x=1&x=2&y=%20z");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.params).toEqual({ id: "42", name: "bob" });
    expect(body.query).toEqual({ x: "1,2", y: " z" });
    expect(body.url).toBe(`${host.url}/api/echo/42/bob?x=1&x=2&y=%20z`);
    expect(body.method).toBe("GET");
  });

  it("leaves an omitted optional parameter out", async () => {
    const body = (await (await get("/api/echo/7")).json()) as Record<string, unknown>;
    expect(body.params).toEqual({ id: "7" });
  });

  it("answers 404 when a constraint fails, the prefix is missing, or nothing matches", async () => {
    expect((await get("/api/echo/abc")).status).toBe(404);
    expect((await get("/api/echo/99999999999")).status).toBe(404);
    expect((await get("/echo/1")).status).toBe(404);
    expect((await get("/api/nope")).status).toBe(404);
    expect((await get("/api/echo/1/a/b")).status).toBe(404);
  });

  it("answers 404 (not 405) for a method the function does not accept, as the Functions host does", async () => {
    const res = await get("/api/echo/1", { method: "DELETE" });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("");
  });

  it("defaults the route to the function name and matches it case-insensitively", async () => {
    const res = await get("/API/Hello");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello from settings");
  });

  it("prefers literal segments, then constrained parameters, then plain parameters", async () => {
    expect(await (await get("/api/items/special")).json()).toEqual({ kind: "literal" });
    const guid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    expect(await (await get(`/api/items/${guid}`)).json()).toEqual({ kind: "guid", id: guid });
    expect(await (await get("/api/items/some%20thing")).json()).toEqual({ kind: "any", slug: "some thing" });
  });

  it("matches catch-all parameters across segments", async () => {
    expect(await (await get("/api/files/a/b/c.txt")).json()).toEqual({ path: "a/b/c.txt" });
  });
});

describe("request and response round trip", () => {
  it("delivers body and lower-cased headers, and returns the JSON response", async () => {
    const res = await get("/api/echo/5?code=ignored", {
      method: "POST",
      headers: { "X-Custom-Header": "Value", "content-type": "application/json" },
      body: JSON.stringify({ hello: "world" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as { headers: Record<string, string>; body: string; method: string };
    expect(body.method).toBe("POST");
    expect(body.headers["x-custom-header"]).toBe("Value");
    expect(JSON.parse(body.body)).toEqual({ hello: "world" });
  });

  it("round-trips binary bodies byte for byte", async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 128]);
    const res = await get("/api/binary", { method: "POST", body: bytes });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-length")).toBe("5");
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([128, 254, 1, 255, 0]));
  });

  it("passes custom status codes, problem+json, custom headers and cookies through", async () => {
    const res = await get("/api/problem", { method: "POST" });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("x-trace-id")).toBe("trace-123");
    expect(res.headers.get("set-cookie")).toMatch(/^session=abc; path=\/.*httponly/i);
    expect(await res.json()).toEqual({ type: "https://example.test/invalid", title: "Invalid request", status: 422 });
  });

  it("sends 204 without a body", async () => {
    const res = await get("/api/nothing", { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
  });

  it("answers 500 with an empty body when the function throws, and logs the detail", async () => {
    const res = await get("/api/boom");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toBe("");
    expect(log.some((l) => l.startsWith("error:") && l.includes("secret internal detail"))).toBe(true);
  });

  it("answers 413 when the body exceeds the limit", async () => {
    const res = await get("/api/echo/1", { method: "POST", body: Buffer.alloc(1024 * 1024 + 1, 97) });
    expect(res.status).toBe(413);
  });
});

describe("auth levels", () => {
  it("rejects function-level calls without a key or with a wrong one", async () => {
    expect((await get("/api/secure")).status).toBe(401);
    expect((await get("/api/secure?code=wrong")).status).toBe(401);
    expect((await get("/api/secure", { headers: { "x-functions-key": "wrong" } })).status).toBe(401);
    expect((await get(`/api/secure?code=${TEST_KEYS.durableTaskSystemKey}`)).status).toBe(401);
  });

  it("accepts the host key or the master key, as code= or x-functions-key", async () => {
    const ok = await get(`/api/secure?code=${TEST_KEYS.hostKey}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ secret: "function-level" });
    expect((await get("/api/secure", { headers: { "x-functions-key": TEST_KEYS.hostKey } })).status).toBe(200);
    expect((await get(`/api/secure?code=${TEST_KEYS.masterKey}`)).status).toBe(200);
  });

  it("uses the header key over the query key", async () => {
    const res = await get(`/api/secure?code=${TEST_KEYS.hostKey}`, { headers: { "x-functions-key": "wrong" } });
    expect(res.status).toBe(401);
  });

  it("accepts only the master key for admin-level functions", async () => {
    expect((await get(`/api/admin-only?code=${TEST_KEYS.hostKey}`)).status).toBe(401);
    const res = await get("/api/admin-only", { headers: { "x-functions-key": TEST_KEYS.masterKey } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ secret: "admin-level" });
  });

  it("serves /admin/host/status to the master key only", async () => {
    expect((await get("/admin/host/status")).status).toBe(401);
    expect((await get(`/admin/host/status?code=${TEST_KEYS.hostKey}`)).status).toBe(401);
    const res = await get(`/admin/host/status?code=${TEST_KEYS.masterKey}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: "Running" });
  });
});

describe("function listing", () => {
  it("lists HTTP functions with URL, methods and auth level, and Durable functions by trigger", () => {
    const list = host.listFunctions();
    expect(list).toContainEqual({ name: "secureFn", triggerType: "httpTrigger", methods: ["GET"], authLevel: "function", url: `${host.url}/api/secure` });
    expect(list).toContainEqual({ name: "helloOrchestrator", triggerType: "orchestrationTrigger" });
    expect(list).toContainEqual({ name: "sayHello", triggerType: "activityTrigger" });
    expect(list).toContainEqual({ name: "queueWorker", triggerType: "queueTrigger" });
    expect(host.taskHubName).toBe("HostAppHub");
  });
});
