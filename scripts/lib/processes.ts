/**
 * Child-process management for the local stack: spawn each service in its own process group with
 * its output prefixed by a label, wait for ports and URLs, and stop whole process groups (SIGTERM,
 * then SIGKILL after a grace period) so no grandchild is left behind. Children spawned with
 * `exitWithParent` also end when this process dies without stopping them (SIGKILL, crash).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { getFreePort, getFreePorts } from "../../test/support/azurite";

export { getFreePort, getFreePorts };

/** How a managed process's output is handled. */
export type ProcessOutput =
  /** Each line to this process's stdout/stderr, prefixed with `[name] ` (default). */
  | "prefixed"
  /** Discarded. */
  | "ignore"
  /** Each line to a callback (e.g. a test's log buffer). */
  | ((line: string, stream: "stdout" | "stderr", name: string) => void);

/** How a process ended. */
export interface ProcessExit {
  name: string;
  /** Exit code, or null when ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the exit was asked for ({@link ManagedProcess.stop}/{@link ManagedProcess.kill}). */
  expected: boolean;
}

/** Options of {@link spawnManaged}. */
export interface SpawnManagedOptions {
  /** Label used in output prefixes and messages, e.g. `azurite`. */
  name: string;
  /** Executable, e.g. `process.execPath`. */
  command: string;
  args: readonly string[];
  cwd?: string;
  /** Full environment of the child; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default "prefixed". */
  output?: ProcessOutput;
  /**
   * Give the child a pipe as standard input that this process holds open and never writes to:
   * when this process ends, however it ends, the child reads end-of-file. A Node.js child acts on
   * it when started with {@link exitWithParentNodeArgs} (it then shuts down and exits). Default false.
   */
  exitWithParent?: boolean;
}

/**
 * Node.js options that make a child started with `exitWithParent` end when its parent dies:
 * `--require` of the compiled `scripts/lib/exitWithParentPreload.js` (beside this module when it
 * runs from `dist/`, else under `<root>/dist/`; `npm run build` makes it).
 * @param root - the project root.
 * @throws Error naming `npm run build` when the compiled module is missing.
 */
export function exitWithParentNodeArgs(root: string): string[] {
  const candidates = [path.join(__dirname, "exitWithParentPreload.js"), path.join(root, "dist", "scripts", "lib", "exitWithParentPreload.js")];
  const preload = candidates.find((file) => fs.existsSync(file));
  if (!preload) throw new Error(`${candidates[1]} is missing: run npm run build`);
  return ["--require", preload];
}

/** A running child process in its own process group. */
export interface ManagedProcess {
  readonly name: string;
  /** Process id, also the process group id. */
  readonly pid: number;
  readonly child: ChildProcess;
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** True until the process has exited. */
  isRunning(): boolean;
  /** Sends a signal to the whole process group; marks the exit as expected. No-op once exited. */
  kill(signal?: NodeJS.Signals): void;
  /**
   * Stops the process group: `signal` (default SIGTERM), then SIGKILL after `timeoutInMs`
   * (default 5000 ms). Resolves once it has exited.
   */
  stop(options?: { signal?: NodeJS.Signals; timeoutInMs?: number }): Promise<ProcessExit>;
}

const COLORS = [36, 35, 33, 32, 34, 96, 95];
let colorIndex = 0;

/** Splits a stream into lines and hands each to `onLine` (the last partial line on end). */
function forwardLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffer = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffer += chunk;
    let index: number;
    while ((index = buffer.indexOf("\n")) >= 0) {
      onLine(buffer.slice(0, index).replace(/\r$/, ""));
      buffer = buffer.slice(index + 1);
    }
  });
  stream.on("end", () => {
    if (buffer) onLine(buffer);
    buffer = "";
  });
}

/** Sends a signal to a process group, ignoring "no such process". */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

/**
 * Spawns a process in a new process group (`detached`), so that stopping it also stops whatever it
 * spawned, and so that a terminal's Ctrl-C reaches only the parent, which then stops the children
 * in order.
 * @throws Error when the process cannot be spawned (e.g. the command does not exist).
 */
export function spawnManaged(options: SpawnManagedOptions): ManagedProcess {
  const output = options.output ?? "prefixed";
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: [options.exitWithParent ? "pipe" : "ignore", output === "ignore" ? "ignore" : "pipe", output === "ignore" ? "ignore" : "pipe"],
  });
  // Held open for the child's life; it fails with EPIPE only once the child is gone.
  child.stdin?.on("error", () => undefined);
  if (child.pid === undefined) {
    child.once("error", () => undefined);
    // spawn reports ENOENT asynchronously; make it synchronous for the caller.
    throw new Error(`Cannot start ${options.name}: ${options.command} ${options.args.join(" ")}`);
  }
  const pid = child.pid;
  if (output !== "ignore") {
    const color = COLORS[colorIndex++ % COLORS.length] ?? 36;
    const useColor = typeof output !== "function" && process.stdout.isTTY && !process.env.NO_COLOR;
    const prefix = useColor ? `\u001b[${color}m[${options.name}]\u001b[0m ` : `[${options.name}] `;
    const emit = (stream: "stdout" | "stderr") => (line: string) => {
      if (typeof output === "function") output(line, stream, options.name);
      else (stream === "stdout" ? process.stdout : process.stderr).write(`${prefix}${line}\n`);
    };
    forwardLines(child.stdout, emit("stdout"));
    forwardLines(child.stderr, emit("stderr"));
  }
  let expected = false;
  let running = true;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      running = false;
      resolve({ name: options.name, code, signal, expected });
    });
    child.once("error", (e) => {
      if (!running) return;
      running = false;
      const stream = typeof output === "function" ? undefined : process.stderr;
      stream?.write(`[${options.name}] failed: ${e.message}\n`);
      resolve({ name: options.name, code: null, signal: null, expected });
    });
  });
  const kill = (signal: NodeJS.Signals = "SIGTERM") => {
    expected = true;
    if (running) signalGroup(pid, signal);
  };
  return {
    name: options.name,
    pid,
    child,
    exited,
    isRunning: () => running,
    kill,
    async stop({ signal = "SIGTERM", timeoutInMs = 5000 } = {}) {
      kill(signal);
      const timer = setTimeout(() => kill("SIGKILL"), timeoutInMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
        // The leader may be gone while group members linger (e.g. a shell wrapper): clean them up.
        signalGroup(pid, "SIGKILL");
      }
    },
  };
}

/** A process exited while something waited for it to become ready. */
export class ProcessExitedError extends Error {
  /** Stable code for callers. */
  readonly code = "ProcessExited";
  constructor(readonly exit: ProcessExit) {
    super(`${exit.name} exited (${exit.signal ?? `code ${exit.code}`}) before it was ready`);
    this.name = "ProcessExitedError";
  }
}

/** Rejects with {@link ProcessExitedError} when `process` exits first. */
function raceWithExit<T>(promise: Promise<T>, process?: ManagedProcess): Promise<T> {
  if (!process) return promise;
  return Promise.race([
    promise,
    process.exited.then((exit) => {
      throw new ProcessExitedError(exit);
    }),
  ]);
}

/** One TCP connection attempt to 127.0.0.1:`port`. */
function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Resolves once something accepts TCP connections on 127.0.0.1:`port` (like `waitForPort` of
 * test/support/azurite.ts, but it stops polling as soon as the watched process exits).
 * @param options.timeoutInMs - default 30000.
 * @param options.process - fail fast with {@link ProcessExitedError} if this process exits first.
 * @throws Error after the timeout; ProcessExitedError as above.
 */
export function waitForPort(port: number, options: { timeoutInMs?: number; process?: ManagedProcess } = {}): Promise<void> {
  const timeoutInMs = options.timeoutInMs ?? 30000;
  const poll = async () => {
    const deadline = Date.now() + timeoutInMs;
    for (;;) {
      if (options.process && !options.process.isRunning()) throw new ProcessExitedError(await options.process.exited);
      if (await canConnect(port)) return;
      if (Date.now() > deadline) throw new Error(`Nothing listens on 127.0.0.1:${port} after ${timeoutInMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return raceWithExit(poll(), options.process);
}

/**
 * Polls `url` with GET until it answers `expectStatus` (default 200), every `intervalInMs`
 * (default 250 ms).
 * @param options.timeoutInMs - default 60000.
 * @param options.process - fail fast with {@link ProcessExitedError} if this process exits first.
 * @throws Error after the timeout, naming the last status or network error.
 */
export function waitForUrl(
  url: string,
  options: { timeoutInMs?: number; expectStatus?: number; intervalInMs?: number; process?: ManagedProcess } = {},
): Promise<void> {
  const { timeoutInMs = 60000, expectStatus = 200, intervalInMs = 250 } = options;
  const poll = async () => {
    const deadline = Date.now() + timeoutInMs;
    let last = "no answer";
    for (;;) {
      if (options.process && !options.process.isRunning()) throw new ProcessExitedError(await options.process.exited);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(5000, timeoutInMs)) });
        await response.arrayBuffer().catch(() => undefined);
        if (response.status === expectStatus) return;
        last = `HTTP ${response.status}`;
      } catch (e) {
        last = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`${url} did not answer ${expectStatus} within ${timeoutInMs} ms (last: ${last})`);
      await new Promise((r) => setTimeout(r, intervalInMs));
    }
  };
  return raceWithExit(poll(), options.process);
}

/** Called when a supervised process exits without being asked to. */
export type UnexpectedExitListener = (exit: ProcessExit) => void;

/**
 * A set of managed processes stopped together (in reverse start order) and watched for
 * unexpected exits. Registers a `process.on("exit")` hook that SIGKILLs the remaining process
 * groups if the parent exits without stopping them.
 */
export class ProcessSupervisor {
  private readonly processes: ManagedProcess[] = [];
  private readonly listeners: UnexpectedExitListener[] = [];
  private stopping = false;
  private readonly onParentExit = () => {
    for (const p of this.processes) if (p.isRunning()) signalGroup(p.pid, "SIGKILL");
  };

  constructor() {
    process.on("exit", this.onParentExit);
  }

  /** True once {@link stopAll} was called. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /** Running and exited processes, in start order. */
  list(): readonly ManagedProcess[] {
    return this.processes;
  }

  /**
   * Spawns and supervises a process ({@link spawnManaged}).
   * @throws Error when it cannot be spawned, or when the supervisor is stopping.
   */
  spawn(options: SpawnManagedOptions): ManagedProcess {
    if (this.stopping) throw new Error(`Not starting ${options.name}: stopping`);
    const managed = spawnManaged(options);
    this.processes.push(managed);
    void managed.exited.then((exit) => {
      if (!exit.expected && !this.stopping) for (const listener of this.listeners) listener(exit);
    });
    return managed;
  }

  /** Stops tracking a process (after it was replaced, e.g. a restarted host). */
  forget(managed: ManagedProcess): void {
    const index = this.processes.indexOf(managed);
    if (index >= 0) this.processes.splice(index, 1);
  }

  /** Adds a listener for unexpected exits (not called while stopping). */
  onUnexpectedExit(listener: UnexpectedExitListener): void {
    this.listeners.push(listener);
  }

  /**
   * Stops every process in reverse start order (SIGTERM, SIGKILL after `timeoutInMs` per process,
   * default 5000 ms). Safe to call more than once.
   */
  async stopAll(options: { timeoutInMs?: number } = {}): Promise<ProcessExit[]> {
    this.stopping = true;
    const exits: ProcessExit[] = [];
    for (const managed of [...this.processes].reverse()) exits.push(await managed.stop({ timeoutInMs: options.timeoutInMs }));
    process.off("exit", this.onParentExit);
    return exits;
  }
}
