/**
 * CPU time and memory of a local process from Linux `/proc` (the bench's own child processes:
 * the local host, Azurite). Other platforms answer `undefined`.
 */
import fs from "node:fs";

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ; 100 on Linux, which the kernel fixes for user space). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time the process has used so far, user + system, in ms (`/proc/<pid>/stat` fields 14 and 15,
 * proc(5)); `undefined` when the process or `/proc` is not there.
 * @param pid - process id.
 */
export function cpuTimeInMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** A running CPU measurement of several processes. */
export interface CpuSample {
  /** CPU used since the sample began, as a percentage of one core per process name; `NaN` if unknown. */
  percentOfOneCore(): Record<string, number>;
  /** CPU used since the sample began per process name, in ms; `NaN` if unknown. */
  usedInMs(): Record<string, number>;
}

/**
 * Starts measuring the CPU time of named processes.
 * @param pids - process id by name, e.g. `{ host: 1234, azurite: 1235 }`.
 */
export function startCpuSample(pids: Record<string, number>): CpuSample {
  const t0 = Date.now();
  const start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuTimeInMs(pid)]));
  const used = (): Record<string, number> =>
    Object.fromEntries(Object.entries(pids).map(([name, pid]) => {
      const now = cpuTimeInMs(pid);
      const from = start[name];
      return [name, now === undefined || from === undefined ? NaN : now - from];
    }));
  return {
    usedInMs: used,
    percentOfOneCore: () => {
      const elapsed = Math.max(1, Date.now() - t0);
      return Object.fromEntries(Object.entries(used()).map(([name, ms]) => [name, (100 * ms) / elapsed]));
    },
  };
}
