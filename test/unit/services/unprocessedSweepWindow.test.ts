/**
 * The inbound email sweep's window: consecutive hourly runs cover every creation time up to the
 * grace period before the run, reaching an hour further back than the previous run; a first run
 * (or a previous run older than the lookback) looks back 8 days.
 */
import { FIRST_SWEEP_LOOKBACK_MS, SWEEP_OVERLAP_MS, sweepWindow, UNPROCESSED_GRACE_MS } from "../../../shared/services/inboundEmail";

const now = new Date("2026-12-05T10:20:00.000Z");

it("a first run looks back 8 days, up to 30 minutes ago", () => {
  expect(sweepWindow(now, undefined)).toEqual({ after: new Date(now.getTime() - FIRST_SWEEP_LOOKBACK_MS), until: new Date("2026-12-05T09:50:00.000Z") });
});

it("a later run starts an hour before the previous run's window ended", () => {
  const last = new Date("2026-12-05T09:20:00.000Z");
  const { after, until } = sweepWindow(now, last);
  expect(after).toEqual(new Date(last.getTime() - UNPROCESSED_GRACE_MS - SWEEP_OVERLAP_MS));
  expect(until).toEqual(new Date("2026-12-05T09:50:00.000Z"));
  // The previous run's window ended at 08:50; this one starts at 07:50.
  expect(after.toISOString()).toBe("2026-12-05T07:50:00.000Z");
});

it("a previous run older than the lookback, or an invalid one, is treated as none", () => {
  expect(sweepWindow(now, new Date("2026-10-01T00:00:00.000Z")).after).toEqual(new Date(now.getTime() - FIRST_SWEEP_LOOKBACK_MS));
  expect(sweepWindow(now, new Date(Number.NaN)).after).toEqual(new Date(now.getTime() - FIRST_SWEEP_LOOKBACK_MS));
});

it("the window never runs backwards: a previous run in the future gives an empty window", () => {
  const { after, until } = sweepWindow(now, new Date("2026-12-05T12:00:00.000Z"));
  expect(after).toEqual(until);
});
