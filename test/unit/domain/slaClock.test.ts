/** SLA clock (help-desk practice "SLA semantics"). */
import type { ServiceHours } from "../../../shared/contracts";
import { computeDeadline, isPastDeadline, nextSlaDeadline, recordBreach, recordFirstResponse, recordResolution, startSlaClock } from "../../../shared/domain";

const hours: ServiceHours = { timeZone: "Europe/Budapest", weekly: { mon: [{ start: "09:00", end: "17:00" }], tue: [{ start: "09:00", end: "17:00" }] }, holidays: [] };

describe("SLA clock", () => {
  it("computes business-hours and calendar deadlines", () => {
    expect(computeDeadline("2026-03-02T15:00:00Z", "PT2H", "business-hours", hours)).toBe("2026-03-03T09:00:00.000Z");
    expect(computeDeadline("2026-03-02T15:00:00Z", "PT2H", "calendar", hours)).toBe("2026-03-02T17:00:00.000Z");
    expect(() => computeDeadline("2026-03-02T15:00:00Z", "PT2H", "sundial" as never, hours)).toThrow(RangeError);
  });

  it("starts the clock with both deadlines", () => {
    expect(startSlaClock("2026-03-02T08:00:00Z", { firstResponse: "PT1H", resolution: "PT8H", clock: "business-hours" }, hours)).toEqual({
      targets: { firstResponse: "PT1H", resolution: "PT8H", clock: "business-hours" },
      firstResponseDueAt: "2026-03-02T09:00:00.000Z",
      resolutionDueAt: "2026-03-02T16:00:00.000Z",
    });
  });

  it("records first response, breach and resolution once, and times the right deadline next", () => {
    let sla = startSlaClock("2026-03-02T08:00:00Z", { firstResponse: "PT1H", resolution: "PT8H", clock: "calendar" }, hours);
    expect(nextSlaDeadline(sla)).toEqual({ metric: "first-response", dueAt: "2026-03-02T09:00:00.000Z" });
    sla = recordBreach(sla, "first-response", "2026-03-02T09:00:00Z");
    expect(recordBreach(sla, "first-response", "2026-03-02T10:00:00Z").firstResponseBreachedAt).toBe("2026-03-02T09:00:00.000Z");
    expect(nextSlaDeadline(sla)).toEqual({ metric: "resolution", dueAt: "2026-03-02T16:00:00.000Z" });
    sla = recordFirstResponse(sla, "2026-03-02T09:30:00Z");
    expect(recordFirstResponse(sla, "2026-03-02T11:00:00Z").firstResponseAt).toBe("2026-03-02T09:30:00.000Z");
    sla = recordResolution(sla, "2026-03-02T12:00:00Z");
    expect(sla.resolvedAt).toBe("2026-03-02T12:00:00.000Z");
    expect(nextSlaDeadline(sla)).toBeUndefined();
  });

  it("a resolution also counts as the first response", () => {
    const sla = recordResolution(startSlaClock("2026-03-02T08:00:00Z", { firstResponse: "PT1H", resolution: "PT8H", clock: "calendar" }, hours), "2026-03-02T08:10:00Z");
    expect(sla.firstResponseAt).toBe("2026-03-02T08:10:00.000Z");
  });

  it("a response exactly at the deadline is in time", () => {
    expect(isPastDeadline("2026-03-02T09:00:00Z", "2026-03-02T09:00:00.000Z")).toBe(false);
    expect(isPastDeadline("2026-03-02T09:00:00Z", "2026-03-02T09:00:00.001Z")).toBe(true);
  });
});
