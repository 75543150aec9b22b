/**
 * The local host's listeners: header and request timeouts as the Functions front end (a function
 * that answers after the deadline gets the client a 502 while it runs on), a connection cap, and
 * the Durable RPC endpoint reachable only by the host's own durable clients, on loopback.
 */
import net from "node:net";
import os from "node:os";
import { createLocalHost, isLoopbackAddress, type LocalHost } from "../../../host";
import { FakeEngine, FIXTURE_APP_DIR, TEST_KEYS } from "./fakeEngine";

let host: LocalHost;
let engine: FakeEngine;
const log: string[] = [];

beforeAll(async () => {
  host = createLocalHost({
    appDir: FIXTURE_APP_DIR,
    port: 0,
    durableRpcPort: 0,
    keys: TEST_KEYS,
    // Limits far above a loaded machine's scheduling pauses (a 2-core box at load 10 stalls the event
    // loop for hundreds of ms), so only a client that really withholds its headers or a function
    // that really misses its deadline trips them.
    headersTimeoutInMs: 1500,
    requestTimeoutInMs: 3000,
    maxConnections: 4,
    engineFactory: (o) => (engine = new FakeEngine(o.taskHubName, new Set(["helloOrchestrator"]))),
    queuePollingIntervalInMs: 200,
    log: (level, message) => log.push(`${level}: ${message}`),
  });
  process.env.HOST_APP_QUEUE = "host-limits-test-queue";
  await host.start();
});

afterAll(async () => {
  await host.stop();
});

function connect(): Promise<net.Socket> {
  const { port } = new URL(host.url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** Resolves with what the server sent once it closes the socket. */
function untilClosed(s: net.Socket): Promise<string> {
  let data = "";
  s.on("data", (d: Buffer) => (data += d.toString("latin1")));
  s.on("error", () => undefined);
  return new Promise((resolve) => s.once("close", () => resolve(data)));
}

describe("timeouts and connection cap", () => {
  it("closes a connection whose headers never finish (slowloris) instead of holding it", async () => {
    const s = await connect();
    const closed = untilClosed(s);
    s.write("GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    const answer = await closed;
    expect(answer === "" || answer.startsWith("HTTP/1.1 408")).toBe(true);
  });

  it("answers 502 when the function misses the request deadline, as the Azure front end; a prompt one answers 200", async () => {
    expect((await fetch(`${host.url}/api/slow/10`)).status).toBe(200);
    const late = await fetch(`${host.url}/api/slow/4000`);
    expect(late.status).toBe(502);
    expect(log.some((l) => l.includes('"slow" did not answer within 3000 ms'))).toBe(true);
  });

  it("holds at most maxConnections sockets: one more is closed without an answer, the others still work", async () => {
    const held = await Promise.all([connect(), connect(), connect(), connect()]);
    const extra = await connect();
    expect(await untilClosed(extra)).toBe("");
    for (const s of held) s.destroy();
    // Once the held sockets are gone, requests are served again.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await fetch(`${host.url}/api/slow/1`).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
  });
});

describe("Durable RPC endpoint", () => {
  it("listens on 127.0.0.1 under a per-run path only the host's durable clients are given", async () => {
    const base = new URL(host.durableRpcBaseUrl as string);
    expect(base.hostname).toBe("127.0.0.1");
    expect(base.pathname).toMatch(/^\/[0-9a-f]{32}\/durabletask\/$/);
    engine.instances.set("rpc-probe", { name: "helloOrchestrator", instanceId: "rpc-probe", runtimeStatus: "Running", createdTime: "2030-01-01T00:00:00.000Z", lastUpdatedTime: "2030-01-01T00:00:00.000Z", input: null, output: null, customStatus: null });
    const status = await fetch(new URL("instances/rpc-probe", base));
    expect(status.status).toBe(202); // running
    expect(((await status.json()) as { instanceId: string }).instanceId).toBe("rpc-probe");
    // The extension's well-known path without the token finds nothing.
    expect((await fetch(`http://127.0.0.1:${base.port}/durabletask/instances/rpc-probe`)).status).toBe(404);
  });

  it("refuses browser requests (Origin) and DNS-rebinding requests (another Host)", async () => {
    const url = new URL("instances/rpc-probe", host.durableRpcBaseUrl as string);
    expect((await fetch(url, { headers: { Origin: "https://evil.example" } })).status).toBe(403);
    const rebound = await new Promise<string>((resolve, reject) => {
      const s = net.connect(Number(url.port), "127.0.0.1", () => s.write(`GET ${url.pathname} HTTP/1.1\r\nHost: evil.example:${url.port}\r\nConnection: close\r\n\r\n`));
      let data = "";
      s.on("data", (d: Buffer) => (data += d.toString()));
      s.on("end", () => resolve(data));
      s.on("error", reject);
    });
    expect(rebound.startsWith("HTTP/1.1 403")).toBe(true);
  });

  it("is not reachable on any non-loopback address of this machine", async () => {
    const port = Number(new URL(host.durableRpcBaseUrl as string).port);
    const external = Object.values(os.networkInterfaces()).flat().filter((i) => i && !i.internal && i.family === "IPv4").map((i) => i!.address);
    const outcomes = await Promise.all(
      external.map(
        (address) =>
          new Promise<string>((resolve) => {
            const s = net.connect({ port, host: address, timeout: 2000 }, () => {
              s.destroy();
              resolve("connected");
            });
            s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
            s.on("timeout", () => {
              s.destroy();
              resolve("timeout");
            });
          }),
      ),
    );
    expect(outcomes.filter((o) => o === "connected")).toEqual([]);
    expect(isLoopbackAddress("127.0.0.1") && isLoopbackAddress("::1") && isLoopbackAddress("::ffff:127.0.0.5")).toBe(true);
    expect([isLoopbackAddress("10.0.0.1"), isLoopbackAddress("::ffff:192.168.1.2"), isLoopbackAddress(undefined)]).toEqual([false, false, false]);
  });
});

describe("Durable RPC endpoint while the host stops", () => {
  it("a request whose headers finish after the listener closed is still answered (no 500, nothing logged as failed)", async () => {
    const stopLog: string[] = [];
    const stopping = createLocalHost({
      appDir: FIXTURE_APP_DIR,
      port: 0,
      durableRpcPort: 0,
      keys: TEST_KEYS,
      engineFactory: (o) => new FakeEngine(o.taskHubName, new Set(["helloOrchestrator"])),
      queuePollingIntervalInMs: 200,
      log: (level, message) => stopLog.push(`${level}: ${message}`),
    });
    await stopping.start();
    const url = new URL("instances/none", stopping.durableRpcBaseUrl as string);
    const s = await new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect(Number(url.port), "127.0.0.1", () => resolve(socket));
      socket.once("error", reject);
    });
    const answered = untilClosed(s);
    // The request has begun (not an idle connection), then the host stops: its listener closes at once.
    s.write(`GET ${url.pathname} HTTP/1.1\r\nHost: 127.0.0.1:${url.port}\r\n`);
    await new Promise((r) => setTimeout(r, 100));
    const stopped = stopping.stop();
    await new Promise((r) => setTimeout(r, 100));
    s.write("Connection: close\r\n\r\n");
    const answer = await answered;
    await stopped;
    expect(answer).toMatch(/^HTTP\/1\.1 (200|202|404) /);
    expect(stopLog.filter((l) => l.includes("Durable RPC request failed"))).toEqual([]);
  });
});
