/** Case state machine (CSP support rules lifecycle). */
import { CaseStatuses, type CaseStatus } from "../../../shared/contracts";
import { assertTransition, canTransition, CaseTransitions, isTerminal, TerminalStatus } from "../../../shared/domain";

describe("case lifecycle", () => {
  it.each([
    ["received", "in-diagnosis"],
    ["in-diagnosis", "awaiting-customer"],
    ["awaiting-customer", "in-diagnosis"],
    ["in-diagnosis", "resolved"],
    ["in-diagnosis", "escalated-to-provider"],
    ["in-diagnosis", "escalated-to-microsoft"],
    ["awaiting-customer", "escalated-to-microsoft"],
    ["escalated-to-provider", "escalated-to-microsoft"],
    ["escalated-to-provider", "resolved"],
    ["escalated-to-microsoft", "resolved"],
    ["resolved", "closed"],
    ["resolved", "in-diagnosis"],
  ] as Array<[CaseStatus, CaseStatus]>)("allows %s → %s", (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each([
    ["received", "resolved"],
    ["received", "closed"],
    ["in-diagnosis", "closed"],
    ["escalated-to-microsoft", "escalated-to-provider"],
    ["escalated-to-microsoft", "in-diagnosis"],
    ["closed", "in-diagnosis"],
    ["closed", "resolved"],
  ] as Array<[CaseStatus, CaseStatus]>)("rejects %s → %s with a RangeError", (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(RangeError);
  });

  it("never allows a status to move to itself", () => {
    for (const s of CaseStatuses) expect(canTransition(s, s)).toBe(false);
  });

  it("closed is the only terminal status and every status reaches it", () => {
    expect(TerminalStatus).toBe("closed");
    expect(CaseStatuses.filter(isTerminal)).toEqual(["closed"]);
    for (const start of CaseStatuses) {
      const seen = new Set<CaseStatus>([start]);
      const queue: CaseStatus[] = [start];
      while (queue.length) {
        for (const next of CaseTransitions[queue.shift() as CaseStatus]) {
          if (!seen.has(next)) {
            seen.add(next);
            queue.push(next);
          }
        }
      }
      expect(seen.has("closed")).toBe(true);
    }
  });

  it("the error message names the allowed targets", () => {
    expect(() => assertTransition("closed", "resolved")).toThrow(/terminal/);
    expect(() => assertTransition("received", "resolved")).toThrow(/allowed: in-diagnosis/);
  });
});
