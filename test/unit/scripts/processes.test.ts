import http from "node:http";
import { getFreePort, spawnManaged, waitForPort, waitForUrl, ProcessExitedError, ProcessSupervisor } from "../../../scripts/lib/processes";
import { isAlive } from "../../support/liveness";

describe("spawnManaged", () => {
  it("prefixes output lines and stops the whole process group (no orphaned grandchild)", async () => {
    const lines: string[] = [];
    // The child starts a grandchild that ignores SIGTERM and prints its pid.
    const script = `
      const { spawn } = require("node:child_process");
      const g = spawn(process.execPath, ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: "ignore" });
      console.log("grandchild " + g.pid); console.error("on stderr"); setInterval(() => {}, 1000);`;
    const proc = spawnManaged({ name: "t", command: process.execPath, args: ["-e", script], output: (line, stream, name) => lines.push(`${name}/${stream}: ${line}`) });
    // Both lines are printed before the child idles; wait for both (stdout and stderr arrive independently).
    for (let i = 0; i < 200 && !(lines.some((l) => l.includes("grandchild")) && lines.includes("t/stderr: on stderr")); i++) await new Promise((r) => setTimeout(r, 50));
    const grandchild = Number(/grandchild (\d+)/.exec(lines.join("\n"))?.[1]);
    expect(isAlive(grandchild)).toBe(true);
    const exit = await proc.stop({ timeoutInMs: 500 });
    expect(exit).toMatchObject({ name: "t", expected: true });
    // The group's SIGKILL is sent; the grandchild is gone as soon as the kernel has delivered it.
    for (let i = 0; i < 100 && isAlive(grandchild); i++) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(grandchild)).toBe(false);
    expect(lines).toEqual(expect.arrayContaining(["t/stderr: on stderr"]));
  });
});

describe("waiting", () => {
  it("waitForUrl resolves on 200 and fails fast when the process exits", async () => {
    const port = await getFreePort();
    let status = 503;
    const server = http.createServer((_req, res) => res.writeHead(status).end()).listen(port, "127.0.0.1");
    try {
      await waitForPort(port, { timeoutInMs: 5000 });
      setTimeout(() => (status = 200), 300);
      await waitForUrl(`http://127.0.0.1:${port}/`, { timeoutInMs: 5000, intervalInMs: 50 });
      status = 500;
      // Long enough for a 500 to come back on a loaded machine (each try may take up to the timeout).
      await expect(waitForUrl(`http://127.0.0.1:${port}/`, { timeoutInMs: 3000, intervalInMs: 50 })).rejects.toThrow(/last: HTTP 500/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
    const dying = spawnManaged({ name: "dying", command: process.execPath, args: ["-e", "process.exit(3)"], output: "ignore" });
    await expect(waitForPort(await getFreePort(), { timeoutInMs: 10000, process: dying })).rejects.toBeInstanceOf(ProcessExitedError);
  });
});

describe("ProcessSupervisor", () => {
  it("reports unexpected exits and stops the rest in reverse order", async () => {
    const supervisor = new ProcessSupervisor();
    const unexpected: string[] = [];
    supervisor.onUnexpectedExit((e) => unexpected.push(`${e.name}:${e.code}`));
    const keep = supervisor.spawn({ name: "keep", command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"], output: "ignore" });
    const crash = supervisor.spawn({ name: "crash", command: process.execPath, args: ["-e", "setTimeout(() => process.exit(7), 100)"], output: "ignore" });
    await crash.exited;
    await new Promise((r) => setImmediate(r));
    expect(unexpected).toEqual(["crash:7"]);
    const exits = await supervisor.stopAll({ timeoutInMs: 1000 });
    expect(exits.map((e) => e.name)).toEqual(["crash", "keep"]);
    expect(keep.isRunning()).toBe(false);
    expect(unexpected).toEqual(["crash:7"]);
  });
});
