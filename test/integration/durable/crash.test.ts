/**
 * Crash and resume: the engine runs in a child process (`dist/test/fixtures/durable-app/runner.js`),
 * is SIGKILLed in the middle of several orchestrations, and a new child on the same Azurite and task
 * hub finishes them from the persisted queues and tables. Activities run at least once; outputs are exact.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import "../../fixtures/durable-app/app";
import { TableClient } from "@azure/data-tables";
import { createDurableEngine, type DurableEngine } from "@csp-support/local-host/durable";
import { workerInvoker } from "@csp-support/local-host/worker";
import { connectionString, uniqueHub, waitUntil } from "./helpers";

const root = path.resolve(__dirname, "..", "..", "..");
const runnerJs = path.join(root, "dist", "test", "fixtures", "durable-app", "runner.js");
const hub = uniqueHub("Crash");
const effectsTable = `${hub}Effects`;
const children: ChildProcess[] = [];

/** The local host package's compiled engine, which the runner loads. */
const engineJs = path.join(root, "emulator", "dist", "durable", "engine.js");

/** True when the runner or the engine is not built, or older than the engine/fixture sources. */
function distIsStale(): boolean {
  if (!fs.existsSync(runnerJs) || !fs.existsSync(engineJs)) return true;
  const built = Math.min(fs.statSync(runnerJs).mtimeMs, fs.statSync(engineJs).mtimeMs);
  const dirs = [path.join(root, "emulator", "durable"), path.join(root, "emulator", "worker"), path.join(root, "test", "fixtures", "durable-app")];
  return dirs.some((d) => fs.readdirSync(d).some((f) => f.endsWith(".ts") && fs.statSync(path.join(d, f)).mtimeMs > built));
}

function startRunner(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [runnerJs], {
    env: { ...process.env, DURABLE_HUB: hub, DURABLE_VISIBILITY_MS: "3000" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`runner exited with ${code}`)));
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolve(child);
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

let client: DurableEngine;

beforeAll(async () => {
  if (distIsStale()) {
    const r = spawnSync("npx", ["tsc", "-b", "tsconfig.json"], { cwd: root, stdio: "inherit" });
    if (!fs.existsSync(runnerJs)) throw new Error(`Build failed (exit ${r.status}); ${runnerJs} missing.`);
  }
  // Management calls only: this engine is never started, the child processes do the work.
  client = createDurableEngine({ invoker: workerInvoker, connectionString: connectionString(), taskHubName: hub, partitionCount: 2 });
  const t = TableClient.fromConnectionString(connectionString(), effectsTable, { allowInsecureConnection: true });
  await t.createTable();
}, 120000);

afterAll(async () => {
  await Promise.all(children.map(kill));
});

test("instances survive a SIGKILL of the host and complete exactly once from the user's point of view", async () => {
  const steps = 8;
  const first = await startRunner();
  const ids = await Promise.all(
    [0, 1, 2, 3].map((i) => client.startNew("dtCrashSequence", { instanceId: `crash-${i}`, input: { table: effectsTable, steps, delayMs: 120 } })),
  );
  // Let every instance make some progress, then kill the host mid-run.
  const effects = TableClient.fromConnectionString(connectionString(), effectsTable, { allowInsecureConnection: true });
  const countRows = async (): Promise<Map<string, Set<number>>> => {
    const seen = new Map<string, Set<number>>();
    for await (const e of effects.listEntities()) {
      const set = seen.get(e.partitionKey ?? "") ?? new Set<number>();
      set.add(Number(String(e.rowKey).slice(0, 3)));
      seen.set(e.partitionKey ?? "", set);
    }
    return seen;
  };
  await waitUntil(async () => {
    const seen = await countRows();
    return ids.every((id) => (seen.get(id)?.size ?? 0) >= 2);
  }, 20000, "progress before the crash");
  await kill(first);
  const midway = await Promise.all(ids.map((id) => client.getStatus(id)));
  expect(midway.some((s) => s?.runtimeStatus !== "Completed")).toBe(true);

  await startRunner();
  const finals = await Promise.all(ids.map((id) => client.waitForCompletion(id, 45000)));
  for (const [i, s] of finals.entries()) {
    expect(s?.runtimeStatus).toBe("Completed");
    expect(s?.output).toEqual(Array.from({ length: steps }, (_, step) => `${ids[i]}:${step}`));
  }
  const seen = await countRows();
  for (const id of ids) expect([...(seen.get(id) ?? [])].sort((a, b) => a - b)).toEqual(Array.from({ length: steps }, (_, s) => s));
  // History is intact: one TaskScheduled/TaskCompleted pair per step.
  const h = await client.getStatus(ids[0]!, { showHistory: true });
  const types = (h?.historyEvents ?? []).map((e) => (e as { EventType: string }).EventType);
  expect(types.filter((t) => t === "TaskCompleted")).toHaveLength(steps);
}, 90000);
