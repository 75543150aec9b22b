/**
 * A CPU profile of a whole process, for the benchmarks: loaded with `--require` (Node 20 refuses
 * `--cpu-prof` in `NODE_OPTIONS`, which is how the benchmarks pass options to the host they start),
 * it starts the V8 sampling profiler through the in-process inspector and writes
 * `<CPU_PROFILE_DIR>/<pid>.cpuprofile` (Chrome DevTools' format) when the process exits. Settings:
 * `CPU_PROFILE_DIR` (default the OS temporary directory), `CPU_PROFILE_INTERVAL_US` (sampling
 * interval, µs; default 1,000).
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
session.post("Profiler.start");
// The in-process session answers synchronously, so the profile is written before the process ends.
process.on("exit", () => {
  session.post("Profiler.stop", (error, result) => {
    if (error) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
