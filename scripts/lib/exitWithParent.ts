/**
 * Armed in every Node.js child of the local stack (`node --require <dist>/scripts/lib/exitWithParentPreload.js …`,
 * see `spawnManaged`'s `exitWithParent`): the child ends when its parent dies, however the parent
 * dies — SIGKILL, a crash, an out-of-memory kill — so a later `npm start` never finds Azurite,
 * MailDev or the host still holding its ports.
 *
 * How: the parent gives the child a pipe as standard input and never writes to it or closes it.
 * The kernel closes the parent's end when the parent process ends, for whatever reason, and the
 * child then reads end-of-file. (A portable stand-in for Linux's `prctl(PR_SET_PDEATHSIG)`, which
 * Node.js does not expose.) On end-of-file the child sends itself SIGTERM, so the service shuts
 * down its own way (Azurite saves its data, the host drains its work), and SIGKILL after
 * {@link PARENT_GONE_GRACE_IN_MS} if it is still running then. Writes to stdout/stderr, which
 * nobody reads any more, are made harmless first: an EPIPE would otherwise turn the clean
 * shutdown into a crash.
 *
 * Does nothing when standard input is not a pipe or socket (a terminal, /dev/null). Its watch on
 * stdin does not keep the child alive.
 */
import fs from "node:fs";

/** Time a child has to shut down after its parent died, in ms, before it is killed. */
export const PARENT_GONE_GRACE_IN_MS = 5000;

/** Whether file descriptor 0 is a pipe or a socket (what `spawn`'s `stdio: "pipe"` gives). */
function stdinIsPipe(): boolean {
  try {
    const stat = fs.fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/**
 * Starts watching standard input for the parent's death (idempotent; a no-op unless stdin is a
 * pipe or socket).
 * @returns whether the watch is armed.
 */
export function exitWithParent(): boolean {
  const state = globalThis as { __exitWithParentArmed?: boolean };
  if (state.__exitWithParentArmed) return true;
  if (!stdinIsPipe()) return false;
  state.__exitWithParentArmed = true;
  let gone = false;
  const onParentGone = (): void => {
    if (gone) return;
    gone = true;
    for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
    setTimeout(() => process.kill(process.pid, "SIGKILL"), PARENT_GONE_GRACE_IN_MS).unref();
    process.kill(process.pid, "SIGTERM");
  };
  const stdin = process.stdin;
  stdin.once("end", onParentGone);
  stdin.once("close", onParentGone);
  stdin.once("error", onParentGone);
  // The parent never writes; anything that arrives is dropped.
  stdin.on("data", () => undefined);
  (stdin as unknown as { unref?: () => void }).unref?.();
  return true;
}
