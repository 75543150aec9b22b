/**
 * The benches' verdict lines: a figure at its bound meets it, a worse one misses it, an unmeasured
 * (NaN) figure is never reported as met, and a figure never reached (infinite) misses.
 */
import { LATENCY_TARGETS, EFFICIENCY_TARGETS, meets, verdictLine } from "../../../bench/targets";

describe("bench targets", () => {
  it("reports an at-most target as met at its bound and missed above it", () => {
    expect(meets(LATENCY_TARGETS.hopP50, 50)).toBe(true);
    expect(meets(LATENCY_TARGETS.hopP50, 50.4)).toBe(false);
    expect(verdictLine(LATENCY_TARGETS.hopP50, 45, "48 hops", 0)).toBe("- **met** — one hop p50: 45 ms (target ≤ 50 ms; 48 hops)");
    expect(verdictLine(LATENCY_TARGETS.hopP50, 63, undefined, 0)).toBe("- **missed** — one hop p50: 63 ms (target ≤ 50 ms)");
  });

  it("reports an at-least target as met at its bound and missed below it", () => {
    expect(verdictLine(EFFICIENCY_TARGETS.intakeAcceptRatio, 0.053, undefined, 3)).toBe("- **met** — intake accepted in a burst: 0.053 × raw (target ≥ 0.05 × raw)");
    expect(verdictLine(EFFICIENCY_TARGETS.intakeAcceptRatio, 0.013, undefined, 3)).toBe("- **missed** — intake accepted in a burst: 0.013 × raw (target ≥ 0.05 × raw)");
  });

  it("never reports a figure that was not measured as met, and a figure never reached as missed", () => {
    expect(meets(LATENCY_TARGETS.hopP50, Number.NaN)).toBeUndefined();
    expect(verdictLine(LATENCY_TARGETS.hopP50, Number.NaN)).toBe("- **not measured** — one hop p50: ? (target ≤ 50 ms)");
    expect(verdictLine(LATENCY_TARGETS.hopP50, Number.POSITIVE_INFINITY)).toBe("- **missed** — one hop p50: never reached (target ≤ 50 ms)");
  });
});
