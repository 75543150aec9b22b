/** Whether processes that tests started (directly or through a stack) are still there. */
import fs from "node:fs";

/**
 * Whether the process exists and is not a zombie (an orphan that exited may stay a zombie when
 * PID 1 does not reap it; it holds no ports or memory then).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}
