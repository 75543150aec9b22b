/**
 * A CPU profile of a process, for the benchmarks: loaded with `--require` (Node 20 refuses
 * `--cpu-prof` in `NODE_OPTIONS`, which is how the benchmarks pass options to the processes they
 * start), it runs the V8 sampling profiler through the in-process inspector and writes Chrome
 * DevTools' format to `<CPU_PROFILE_DIR>/<pid>[-<n>].cpuprofile`. Settings:
 *  - `CPU_PROFILE_DIR`: default the OS temporary directory;
 *  - `CPU_PROFILE_INTERVAL_US`: sampling interval, µs; default 1,000;
 *  - `CPU_PROFILE_ON_SIGNAL=1`: profile only between signals — the first SIGUSR2 starts a profile,
 *    the next writes it as `<pid>-<n>.cpuprofile` (n from 1), and so on — so a bench can profile
 *    one phase of a long run (`BENCH_VOLUME_PROFILE_BURST=1` does for the volume bench's bursts);
 *    otherwise the whole process, written when it exits.
 *
 * Example: `BENCH_HOST_NODE_OPTIONS="--require $PWD/dist/bench/cpuProfilePreload.js" CPU_PROFILE_DIR=/tmp/prof npm run bench:volume`.
 */
import fs from "node:fs";
import inspector from "node:inspector";
import os from "node:os";
import path from "node:path";

const dir = process.env.CPU_PROFILE_DIR || os.tmpdir();
const interval = Number(process.env.CPU_PROFILE_INTERVAL_US ?? 1000);
const session = new inspector.Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.setSamplingInterval", { interval: Number.isFinite(interval) && interval > 0 ? interval : 1000 });

/** Stops the running profile and writes it to `<dir>/<name>.cpuprofile` (synchronously: the in-process session answers at once). */
function writeProfile(name: string): void {
  session.post("Profiler.stop", (error, result) => {
    if (error) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(result.profile));
  });
}

if (process.env.CPU_PROFILE_ON_SIGNAL === "1") {
  let running = false;
  let written = 0;
  process.on("SIGUSR2", () => {
    if (running) writeProfile(`${process.pid}-${++written}`);
    else session.post("Profiler.start");
    running = !running;
  });
} else {
  session.post("Profiler.start");
  process.on("exit", () => writeProfile(String(process.pid)));
}
