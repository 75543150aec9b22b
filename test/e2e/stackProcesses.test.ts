/**
 * The local stack's children live no longer than the process that started them. `npm start`
 * stopped with SIGKILL (or crashing) used to leave Azurite, MailDev and the host running and
 * holding their ports, so the next `npm start` failed. Here the parent of a started stack (on
 * free ports, never the defaults) is SIGKILLed: every child must exit and every port must be free
 * again within a bound, and a new stack must start on the very same ports and data directory.
 * The mechanism (scripts/lib/exitWithParent.ts) is checked on its own first. Last, a test stack
 * whose chosen port was taken before its service bound it starts again on new ports.
 *
 * Needs `dist/` (`npm test` builds first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { PARENT_GONE_GRACE_IN_MS } from "../../scripts/lib/exitWithParent";
import { waitForPort } from "../../scripts/lib/processes";
import { isAlive } from "../support/liveness";
import { canBind } from "../support/ports";
import { startTestStack } from "../support/e2eStack";
import { allocateFreePorts } from "../../scripts/lib/stack";
import type { StackProcessReady } from "../support/stackProcess";

jest.setTimeout(4 * 60_000);

const ROOT = path.join(__dirname, "..", "..");
const PRELOAD = path.join(ROOT, "dist", "scripts", "lib", "exitWithParentPreload.js");
const STACK_PROCESS = path.join(ROOT, "dist", "test", "support", "stackProcess.js");
/** How long the children may take to be gone after their parent was killed (their grace is 5 s). */
const EXIT_BOUND_IN_MS = PARENT_GONE_GRACE_IN_MS + 15_000;

/** Everything started here, killed (by process group) after the tests whatever happened. */
const started: number[] = [];
const dataDirs: string[] = [];

afterAll(() => {
  for (const pid of started) {
    if (!isAlive(pid)) continue;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      process.kill(pid, "SIGKILL");
    }
  }
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Collects a child's output; resolves `line` with the first stdout line containing `marker`. */
function watch(child: ChildProcess): { output: () => string; line: (marker: string, timeoutInMs: number) => Promise<string>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  let out = "";
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer): void => {
    out += chunk.toString("utf8");
    for (const w of waiters.splice(0)) w();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    output: () => out,
    exited,
    async line(marker, timeoutInMs) {
      const deadline = Date.now() + timeoutInMs;
      for (;;) {
        const found = out.split("\n").find((l) => l.includes(marker));
        if (found) return found;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before printing ${marker}: ${out}`);
        if (Date.now() > deadline) throw new Error(`no ${marker} within ${timeoutInMs} ms: ${out}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

/** Polls until `done` holds or the bound passes; returns the time it took. */
async function within(boundInMs: number, done: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  while (!(await done()) && Date.now() - t0 < boundInMs) await new Promise((r) => setTimeout(r, 100));
  return Date.now() - t0;
}

describe("a child preloaded with exitWithParent", () => {
  const nodeChild = (script: string, stdin: "pipe" | "ignore"): ChildProcess => {
    const child = spawn(process.execPath, ["--require", PRELOAD, "-e", script], { stdio: [stdin, "pipe", "pipe"] });
    if (child.pid) started.push(child.pid);
    return child;
  };

  it("shuts down its own way (SIGTERM) when its parent's end of the pipe closes", async () => {
    const child = nodeChild("process.on('SIGTERM', () => { console.log('shutting down'); process.exit(0); }); setInterval(() => {}, 1000); console.log('ready');", "pipe");
    const w = watch(child);
    await w.line("ready", 30_000);
    child.stdin?.end();
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(w.output()).toContain("shutting down");
  });

  it("is killed after the grace period when it ignores SIGTERM", async () => {
    const child = nodeChild("process.on('SIGTERM', () => console.log('ignoring SIGTERM')); setInterval(() => {}, 1000); console.log('ready');", "pipe");
    const w = watch(child);
    await w.line("ready", 30_000);
    const closedAt = Date.now();
    child.stdin?.end();
    expect(await w.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(PARENT_GONE_GRACE_IN_MS - 100);
    expect(w.output()).toContain("ignoring SIGTERM");
  });

  it("is not kept alive by the watch, and does nothing when stdin is not a pipe", async () => {
    const idle = watch(nodeChild("setTimeout(() => console.log('done'), 300);", "pipe"));
    expect(await idle.exited).toEqual({ code: 0, signal: null });
    expect(idle.output()).toContain("done");
    const detachedStdin = watch(nodeChild("setTimeout(() => console.log('still here'), 500);", "ignore"));
    expect(await detachedStdin.exited).toEqual({ code: 0, signal: null });
    expect(detachedStdin.output()).toContain("still here");
  });
});

describe("the stack after its parent is SIGKILLed", () => {
  /** Starts the stack in a parent process of its own; resolves once every service is up. */
  async function startStackProcess(dataDir: string, ports?: StackProcessReady["ports"]): Promise<{ parent: ChildProcess; ready: StackProcessReady; w: ReturnType<typeof watch> }> {
    const parent = spawn(process.execPath, [STACK_PROCESS, dataDir, ...(ports ? [JSON.stringify(ports)] : [])], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    if (parent.pid) started.push(parent.pid);
    const w = watch(parent);
    const ready = JSON.parse(await w.line('"pids"', 120_000)) as StackProcessReady;
    started.push(...Object.values(ready.pids));
    return { parent, ready, w };
  }

  it("leaves no child running and no port taken, and the next start gets the same ports", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-e2e-lifetime-"));
    dataDirs.push(dataDir);
    const { parent, ready } = await startStackProcess(dataDir);
    const pids = Object.entries(ready.pids);
    // The SMTP intake runs inside the parent itself; the durable RPC port belongs to the host.
    const ports = Object.entries(ready.ports);
    for (const [, port] of ports) await waitForPort(port, { timeoutInMs: 30_000 });
    for (const [name, pid] of pids) expect({ name, alive: isAlive(pid) }).toEqual({ name, alive: true });

    parent.kill("SIGKILL");
    const running = (): string[] => pids.filter(([, pid]) => isAlive(pid)).map(([name]) => name);
    const taken = async (): Promise<string[]> => {
      const names: string[] = [];
      for (const [name, port] of ports) if (!(await canBind(port))) names.push(`${name}:${port}`);
      return names;
    };
    const tookInMs = await within(EXIT_BOUND_IN_MS, async () => running().length === 0 && (await taken()).length === 0);
    expect({ running: running(), taken: await taken() }).toEqual({ running: [], taken: [] });
    expect(tookInMs).toBeLessThan(EXIT_BOUND_IN_MS);

    // `npm start` again: the same ports and data directory are free to use.
    const again = await startStackProcess(dataDir, ready.ports);
    expect(again.ready.ports).toEqual(ready.ports);
    for (const [, port] of Object.entries(again.ready.ports)) await waitForPort(port, { timeoutInMs: 30_000 });
    again.parent.kill("SIGKILL");
    const againPids = Object.values(again.ready.pids);
    await within(EXIT_BOUND_IN_MS, async () => againPids.every((pid) => !isAlive(pid)));
    expect(againPids.filter((pid) => isAlive(pid))).toEqual([]);
  });
});

describe("a test stack whose chosen port is taken before its service binds it", () => {
  it("starts again on newly chosen ports", async () => {
    const log: string[] = [];
    // Another process holding the port chosen for Azurite's blob service, as a busy machine can.
    const squatter = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => squatter.once("listening", r));
    const squatted = (squatter.address() as net.AddressInfo).port;
    const chosen: number[] = [];
    let attempts = 0;
    const choose = async () => {
      attempts++;
      const ports = await allocateFreePorts();
      const result = attempts === 1 ? { ...ports, blob: squatted } : ports;
      chosen.push(result.blob);
      return result;
    };
    try {
      const testStack = await startTestStack("port-taken", log, { partnersFile: false }, choose);
      try {
        expect(attempts).toBe(2);
        expect(testStack.stack.ports.blob).not.toBe(squatted);
        expect(log.join("\n")).toMatch(/EADDRINUSE/);
        expect(log.join("\n")).toContain("starting again on new ports (attempt 2 of 3)");
        expect((await fetch(testStack.stack.urls.health)).status).toBe(200);
      } finally {
        await testStack.stop();
      }
    } finally {
      squatter.close();
    }
    expect(chosen[0]).toBe(squatted);
  });
});
