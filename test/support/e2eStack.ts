/**
 * The stack end-to-end tests run against: `startStack` (Azurite, MailDev, SMTP intake, the local
 * host — what `npm start` runs) on free loopback ports with a temporary data directory, its output
 * kept as a bounded log for failure messages.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { allocateFreePorts, startDependencies, startStack, type RunningDependencies, type RunningStack, type StackPorts, type StartStackOptions } from "../../scripts/lib/stack";

/** A started test stack. */
export interface TestStack<S = RunningStack> {
  stack: S;
  /** Stops every process and removes the data directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Requests per API key per minute the test stack allows (`API_RATE_LIMIT_PER_MINUTE`, default 120
 * in the app). The end-to-end suites play several partners' helpdesks polling their cases at once,
 * each with one key; they are not about the rate limit (test/integration/app/authorizationMatrix
 * is, and the clients' waiting for `Retry-After` is tested in test/unit/scripts/retryingFetch), so
 * their outcome must not depend on how the polls of a run fall into one-minute windows. The
 * clients honour `Retry-After` all the same.
 */
export const TEST_STACK_RATE_LIMIT_PER_MINUTE = 1_000_000;

/** How often a start is tried on new ports when one of the chosen ports was taken meanwhile. */
const PORT_ATTEMPTS = 3;

/** Lines showing that a child (or the SMTP intake) could not bind its port. */
const PORT_TAKEN = /EADDRINUSE|address already in use/i;

/**
 * Starts the stack for one test file.
 *
 * Free ports are chosen by binding port 0 and closing it, so another process (another test file,
 * another developer's run, an outgoing connection's local port) can take one before the child
 * binds it. A start that fails that way is retried on newly chosen ports, up to
 * {@link PORT_ATTEMPTS} times; any other failure is thrown at once.
 * @param name - short label for the temporary data directory (`csp-e2e-<name>-…`).
 * @param hostLog - receives the children's output lines; only the last 400 are kept.
 * @param options - further `startStack` options (partners file, env, …); `env` may set
 *   `API_RATE_LIMIT_PER_MINUTE` (default {@link TEST_STACK_RATE_LIMIT_PER_MINUTE}).
 * @param choosePorts - picks the ports of each attempt; default `allocateFreePorts` (tests of the retry pass their own).
 * @throws as `startStack` when a process does not start; the data directory is removed first.
 */
export async function startTestStack(
  name: string,
  hostLog: string[],
  options: Omit<StartStackOptions, "dataDir" | "ports" | "output" | "log"> = {},
  choosePorts: () => Promise<StackPorts> = allocateFreePorts,
): Promise<TestStack> {
  return startWithPortRetries(name, hostLog, options, choosePorts, startStack);
}

/**
 * Starts the services beside a host for one test file (`startDependencies`: what
 * `npm run start:deps` runs), on free ports with the same retries as {@link startTestStack}.
 * @param name - short label for the temporary data directory (`csp-e2e-<name>-…`).
 * @param hostLog - receives the children's output lines; only the last 400 are kept.
 * @param options - further options (partners file, env, …).
 */
export async function startTestDependencies(name: string, hostLog: string[], options: Omit<StartStackOptions, "dataDir" | "ports" | "output" | "log"> = {}): Promise<TestStack<RunningDependencies>> {
  return startWithPortRetries(name, hostLog, options, allocateFreePorts, startDependencies);
}

async function startWithPortRetries<S extends { stop(): Promise<void> }>(
  name: string,
  hostLog: string[],
  options: Omit<StartStackOptions, "dataDir" | "ports" | "output" | "log">,
  choosePorts: () => Promise<StackPorts>,
  start: (options: StartStackOptions) => Promise<S>,
): Promise<TestStack<S>> {
  for (let attempt = 1; ; attempt++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `csp-e2e-${name}-`));
    const removeData = (): void => fs.rmSync(dataDir, { recursive: true, force: true });
    let portTaken = false;
    const keep = (line: string): void => {
      if (PORT_TAKEN.test(line)) portTaken = true;
      hostLog.push(line);
      if (hostLog.length > 400) hostLog.shift();
    };
    try {
      const stack = await start({
        ...options,
        env: { API_RATE_LIMIT_PER_MINUTE: String(TEST_STACK_RATE_LIMIT_PER_MINUTE), ...options.env },
        dataDir,
        ports: await choosePorts(),
        output: keep,
        log: (message) => keep(`[stack] ${message}`),
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
      if (PORT_TAKEN.test(String((e as Error).message))) portTaken = true;
      if (!portTaken || attempt >= PORT_ATTEMPTS) throw e;
      keep(`[stack] a chosen port was taken before its service bound it; starting again on new ports (attempt ${attempt + 1} of ${PORT_ATTEMPTS})`);
    }
  }
}
