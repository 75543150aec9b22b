/**
 * The performance targets the benches report against, and the Markdown line each prints for one.
 * A verdict is a recorded figure, never an assertion: no test compares a time (bench/README.md).
 * The targets are the project's storage-cost, latency, idle, volume and list goals (bench/README.md,
 * "Targets"); a figure that could not be measured (NaN) is reported as not measured, never as met.
 */

/** One target: what is measured, the bound and its unit, and which way is better. */
export interface Target {
  /** What the figure is, as the README's table names it. */
  name: string;
  /** The bound (in `unit`). */
  bound: number;
  /** Unit of the figure and the bound, e.g. `ms`, `requests`, `%`, `× raw`. */
  unit: string;
  /** `atMost`: the figure must be ≤ bound; `atLeast`: ≥ bound. */
  kind: "atMost" | "atLeast";
}

/** Storage requests, app and engine together, counted by the bench's proxy. */
export const STORAGE_TARGETS = {
  perIntake: { name: "storage requests per intake", bound: 8, unit: "requests", kind: "atMost" },
  perPartnerAction: { name: "storage requests per partner action", bound: 4, unit: "requests", kind: "atMost" },
  perHappyCase: { name: "storage requests per happy-path case", bound: 100, unit: "requests", kind: "atMost" },
  perEscalatedCase: { name: "storage requests per escalated case", bound: 150, unit: "requests", kind: "atMost" },
} as const satisfies Record<string, Target>;

/** Intake and storage efficiency, as fractions of the run's raw single-entity insert rate. */
export const EFFICIENCY_TARGETS = {
  intakeAcceptRatio: { name: "intake accepted in a burst", bound: 0.05, unit: "× raw", kind: "atLeast" },
  sustainedRatio: { name: "sustained acknowledgements × requests per case", bound: 0.5, unit: "× raw", kind: "atLeast" },
  hostCpuPerIntake: { name: "host CPU per intake", bound: 10, unit: "ms", kind: "atMost" },
} as const satisfies Record<string, Target>;

/** Latency on an idle stack. */
export const LATENCY_TARGETS = {
  hopP50: { name: "one hop p50", bound: 50, unit: "ms", kind: "atMost" },
  acknowledgedP50: { name: "submit → acknowledged p50", bound: 300, unit: "ms", kind: "atMost" },
  actionVisibleP50: { name: "partner action → visible status p50", bound: 150, unit: "ms", kind: "atMost" },
  actionVisibleP95: { name: "partner action → visible status p95", bound: 400, unit: "ms", kind: "atMost" },
} as const satisfies Record<string, Target>;

/** Idle: 30 s after the last work. */
export const IDLE_TARGETS = {
  storagePerSecond: { name: "idle storage requests", bound: 2, unit: "requests/s", kind: "atMost" },
  hostCpu: { name: "idle host CPU", bound: 1, unit: "% of a core", kind: "atMost" },
  azuriteCpu: { name: "idle Azurite CPU", bound: 1, unit: "% of a core", kind: "atMost" },
} as const satisfies Record<string, Target>;

/** The workflow at volume: every level of open requests waiting on timers. */
export const VOLUME_TARGETS = {
  episodesSpread: { name: "lowest burst episodes/s across levels, as a share of the highest", bound: 80, unit: "%", kind: "atLeast" },
  firstWaitMax: { name: "every new request at its first wait (max)", bound: 2000, unit: "ms", kind: "atMost" },
  timerLatenessP99: { name: "timer lateness p99", bound: 1000, unit: "ms", kind: "atMost" },
  hostRss: { name: "host RSS", bound: 512, unit: "MiB", kind: "atMost" },
  idleAzuriteCpu: { name: "idle Azurite CPU", bound: 5, unit: "% of a core", kind: "atMost" },
} as const satisfies Record<string, Target>;

/** The partner's request list: the first page, with and without each filter. */
export const LIST_TARGETS = {
  firstPageP99: { name: "first page p99 (worst filter)", bound: 50, unit: "ms", kind: "atMost" },
} as const satisfies Record<string, Target>;

/** Whether `figure` meets `target`; undefined when the figure is NaN (not measured). An infinite figure (never reached) is compared as such. */
export function meets(target: Target, figure: number): boolean | undefined {
  if (Number.isNaN(figure)) return undefined;
  return target.kind === "atMost" ? figure <= target.bound : figure >= target.bound;
}

/**
 * One Markdown list line: `- **met** — <name>: <figure> <unit> (target ≤ <bound>)`, **missed**, or
 * **not measured** for a NaN figure (an infinite one, "never", is compared); `detail` follows the
 * target in its parentheses (where or how it was measured).
 */
export function verdictLine(target: Target, figure: number, detail?: string, digits = 1): string {
  const met = meets(target, figure);
  const word = met === undefined ? "not measured" : met ? "met" : "missed";
  const sign = target.kind === "atMost" ? "≤" : "≥";
  const shown = Number.isFinite(figure) ? `${figure.toFixed(digits)} ${target.unit}` : Number.isNaN(figure) ? "?" : "never reached";
  return `- **${word}** — ${target.name}: ${shown} (target ${sign} ${target.bound} ${target.unit}${detail ? `; ${detail}` : ""})`;
}
