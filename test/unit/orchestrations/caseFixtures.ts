/**
 * The case the orchestrator unit tests start from: created Monday 2026-03-02 09:00 in Budapest
 * (CET, UTC+1), business hours 09–17 local on weekdays, the "Standard" SLA policy (first response
 * PT4H, resolution PT16H, warnings at 50 and 75 %, paused while awaiting the customer), a
 * direct-bill partner with Signature Cloud Support and a P3D auto-close.
 */
import type { AppliedSlaPolicy, CaseContext } from "../../../shared/contracts";

/** When the case was received (ISO 8601 UTC). */
export const createdAt = "2026-03-02T08:00:00.000Z";

/** Weekdays 09:00–17:00 Europe/Budapest. */
export const budapestWeekdays = {
  timeZone: "Europe/Budapest",
  weekly: Object.fromEntries(["mon", "tue", "wed", "thu", "fri"].map((d) => [d, [{ start: "09:00", end: "17:00" }]])),
  holidays: [],
};

/** The Standard policy on business hours, with `overrides`. */
export function standardPolicy(overrides: Partial<AppliedSlaPolicy> = {}): AppliedSlaPolicy {
  return { policyId: "standard", name: "Standard", calendar: { kind: "weekly", ...budapestWeekdays }, targets: { firstResponse: "PT4H", resolution: "PT16H" }, pauseWhen: ["awaiting-customer"], warnAtPercent: [50, 75], ...overrides };
}

/** The case context GetCaseContext answers, with `overrides` and partner overrides. */
export function standardCase(overrides: Partial<CaseContext> = {}, partner: Partial<CaseContext["partner"]> = {}): CaseContext {
  return {
    caseId: "case-1",
    partnerId: "contoso",
    status: "received",
    category: "technical",
    severity: "B",
    product: "azure",
    language: "hu",
    createdAt,
    slaPolicy: standardPolicy(),
    slaLog: [],
    ...overrides,
    partner: { type: "direct-bill", serviceHours: budapestWeekdays, slaTarget: { firstResponse: "PT4H", resolution: "PT16H", clock: "business-hours" }, entitlements: [{ vehicle: "signature-cloud-support" }], autoCloseAfter: "P3D", ...partner },
  };
}
