/**
 * The stack end-to-end tests run against: `startStack` (Azurite, MailDev, SMTP intake, the local
 * host — what `npm start` runs) on free loopback ports with a temporary data directory, its output
 * kept as a bounded log for failure messages.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { allocateFreePorts, startStack, type RunningStack, type StartStackOptions } from "../../scripts/lib/stack";

/** A started test stack. */
export interface TestStack {
  stack: RunningStack;
  /** Stops every process and removes the data directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the stack for one test file.
 * @param name - short label for the temporary data directory (`csp-e2e-<name>-…`).
 * @param hostLog - receives the children's output lines; only the last 400 are kept.
 * @param options - further `startStack` options (partners file, env, …).
 * @throws as `startStack` when a process does not start; the data directory is removed first.
 */
export async function startTestStack(name: string, hostLog: string[], options: Omit<StartStackOptions, "dataDir" | "ports" | "output" | "log"> = {}): Promise<TestStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `csp-e2e-${name}-`));
  const removeData = (): void => fs.rmSync(dataDir, { recursive: true, force: true });
  try {
    const stack = await startStack({
      ...options,
      dataDir,
      ports: await allocateFreePorts(),
      output: (line) => {
        hostLog.push(line);
        if (hostLog.length > 400) hostLog.shift();
      },
      log: () => undefined,
    });
    return {
      stack,
      async stop() {
        await stack.stop();
        removeData();
      },
    };
  } catch (e) {
    removeData();
    throw e;
  }
}
