/**
 * Runs a set of local services in the foreground (`npm start`, `npm run start:deps`): starts them,
 * stops them on Ctrl-C, SIGTERM or SIGHUP (exit 130/143), and stops the rest when one of them exits
 * on its own (exit 1).
 */
import type { ProcessExit } from "./processes";

/** What {@link runInForeground} runs. */
export interface ForegroundServices {
  /** Resolves with the first unexpected exit of a child. */
  unexpectedExit: Promise<ProcessExit>;
  /** Stops every child. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the services with `start`, calls `started`, and waits until a signal or an unexpected exit;
 * then stops them and exits the process.
 * @param start - starts the services; aborted on a signal during startup; reports unexpected exits.
 * @param started - prints what runs where.
 */
export async function runInForeground<S extends ForegroundServices>(start: (signal: AbortSignal, onUnexpectedExit: (exit: ProcessExit) => void) => Promise<S>, started: (services: S) => void): Promise<void> {
  const abort = new AbortController();
  let services: S | undefined;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    abort.abort();
    void (services?.stop() ?? Promise.resolve()).then(() => {
      console.log("Stopped.");
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => shutdown(signal));
  try {
    services = await start(abort.signal, (exit) => {
      console.error(`\n${exit.name} exited unexpectedly (${exit.signal ?? `code ${exit.code}`}); stopping the other services.`);
    });
  } catch (e) {
    if (stopping) return;
    console.error(`\nStartup failed: ${(e as Error).message}`);
    process.exit(1);
  }
  started(services);
  const exit = await services.unexpectedExit;
  if (stopping) return;
  stopping = true;
  await services.stop();
  console.error(`Stopped because ${exit.name} exited.`);
  process.exit(1);
}
