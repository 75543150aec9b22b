/** Escalation chain plans (help-desk practice "Escalation chains": Freshdesk levels; "each with its own wait, before or beside Microsoft"). */
import type { EscalationChain } from "../../../shared/contracts";
import { planEscalationChain } from "../../../shared/domain";

const chain: EscalationChain = {
  levels: [
    { name: "Team lead", contacts: ["lead@contoso.example"], after: "PT0S" },
    { name: "Support manager", contacts: ["manager@contoso.example", "deputy@contoso.example"], after: "PT2H" },
    { name: "Director", contacts: ["director@contoso.example"], after: "P1D" },
  ],
  microsoft: "beside",
};

describe("planEscalationChain", () => {
  it("notifies each level after the sum of the waits so far, in calendar time (even across a weekend and DST)", () => {
    expect(planEscalationChain(chain, "2026-03-28T23:30:00+01:00")).toEqual({
      levels: [
        { level: 1, name: "Team lead", contacts: ["lead@contoso.example"], at: "2026-03-28T22:30:00.000Z" },
        { level: 2, name: "Support manager", contacts: ["manager@contoso.example", "deputy@contoso.example"], at: "2026-03-29T00:30:00.000Z" },
        { level: 3, name: "Director", contacts: ["director@contoso.example"], at: "2026-03-30T00:30:00.000Z" },
      ],
      microsoftAt: "2026-03-28T22:30:00.000Z",
    });
  });
  it("engages Microsoft beside the chain at the trigger, or after it at the last level", () => {
    expect(planEscalationChain({ ...chain, microsoft: "after-chain" }, "2026-03-02T10:00:00Z").microsoftAt).toBe("2026-03-03T12:00:00.000Z");
    expect(planEscalationChain({ ...chain, microsoft: "beside" }, "2026-03-02T10:00:00Z").microsoftAt).toBe("2026-03-02T10:00:00.000Z");
  });
  it("a single level with a wait", () => {
    expect(planEscalationChain({ levels: [{ name: "On call", contacts: ["oncall@contoso.example"], after: "PT30M" }], microsoft: "after-chain" }, "2026-03-02T10:00:00Z")).toEqual({
      levels: [{ level: 1, name: "On call", contacts: ["oncall@contoso.example"], at: "2026-03-02T10:30:00.000Z" }],
      microsoftAt: "2026-03-02T10:30:00.000Z",
    });
  });
  it("rejects an invalid trigger or wait", () => {
    expect(() => planEscalationChain(chain, "soon")).toThrow(RangeError);
    expect(() => planEscalationChain({ ...chain, levels: [{ name: "x", contacts: ["a@b.example"], after: "2 hours" }] }, "2026-03-02T10:00:00Z")).toThrow(RangeError);
  });
});
