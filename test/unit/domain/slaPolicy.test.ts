/** SLA policy selection (help-desk practice: ordered policies, first match wins — Zendesk; per-customer SLAs). */
import type { AppliedSlaPolicy, PartnerDefinition, SlaPolicy } from "../../../shared/contracts";
import { CALENDAR_24X7, selectSlaPolicy, type SlaRequestFacts } from "../../../shared/domain";

const contoso = "0b9f1c3e-5a7d-4e2b-9c8a-1d2e3f4a5b6c";
const fabrikam = "7e6d5c4b-3a29-4817-b6c5-d4e3f2a1b0c9";
const serviceHours = { timeZone: "Europe/Budapest", weekly: { mon: [{ start: "08:00", end: "16:00" }] }, holidays: ["2026-12-25"] };
const nightDesk = { kind: "weekly" as const, timeZone: "Europe/Warsaw", weekly: { mon: [{ start: "22:00", end: "06:00" }] }, holidays: [] };

const policy = (p: Partial<SlaPolicy> & Pick<SlaPolicy, "id" | "targets">): SlaPolicy => ({
  name: p.id,
  conditions: {},
  calendar: "service-hours",
  pauseWhen: ["awaiting-customer"],
  warnAtPercent: [50, 75],
  ...p,
});

const partner = (slaPolicies: SlaPolicy[]): Pick<PartnerDefinition, "slaPolicies" | "slaTargets" | "calendars" | "supportTerms"> => ({
  slaPolicies,
  calendars: { "night-desk": nightDesk },
  slaTargets: {
    A: { firstResponse: "PT1H", resolution: "PT8H", clock: "calendar" },
    B: { firstResponse: "PT4H", resolution: "PT24H", clock: "business-hours" },
    C: { firstResponse: "PT8H", resolution: "PT60H", clock: "business-hours" },
  },
  supportTerms: { supportTypes: ["Microsoft 365"], serviceHours, contactMethods: ["email: support@contoso.example"], pricing: "Included", autoCloseAfter: "P3D" },
});

const request = (r: Partial<SlaRequestFacts> = {}): SlaRequestFacts => ({ customerTenantId: fabrikam, product: "microsoft-365", category: "technical", severity: "B", channel: "webhook", ...r });

const vipContoso = policy({ id: "contoso-vip", name: "Contoso VIP", conditions: { customerTenantIds: [contoso.toUpperCase()] }, calendar: "24x7", targets: { A: { firstResponse: "PT15M", nextUpdate: "PT1H", resolution: "PT4H" }, B: { firstResponse: "PT1H", resolution: "PT8H" } }, pauseWhen: ["awaiting-customer", "escalated-to-microsoft"], warnAtPercent: [80] });
const onPrem = policy({ id: "on-prem-nights", conditions: { products: ["windows-server", "sql-server"], categories: ["technical"] }, calendar: "night-desk", targets: { B: { firstResponse: "PT2H", resolution: "PT16H" } } });
const billingEmail = policy({ id: "billing-email", conditions: { categories: ["billing"], channels: ["email"], severities: ["B", "C"] }, targets: { B: { firstResponse: "PT8H", resolution: "P5D" }, C: { firstResponse: "PT8H", resolution: "P10D" } } });
const everyone = policy({ id: "everyone", targets: { B: { firstResponse: "PT3H", resolution: "PT20H" } } });

describe("selectSlaPolicy", () => {
  const p = partner([vipContoso, onPrem, billingEmail, everyone]);

  it("a per-customer policy listed first wins for that customer (tenant ids compare case-insensitively)", () => {
    expect(selectSlaPolicy(p, request({ customerTenantId: contoso, product: "windows-server" }))).toEqual<AppliedSlaPolicy>({
      policyId: "contoso-vip",
      name: "Contoso VIP",
      calendar: CALENDAR_24X7,
      targets: { firstResponse: "PT1H", resolution: "PT8H" },
      pauseWhen: ["awaiting-customer", "escalated-to-microsoft"],
      warnAtPercent: [80],
    });
  });
  it("another customer gets the next matching policy (product + category), on a named partner calendar", () => {
    const applied = selectSlaPolicy(p, request({ product: "sql-server" }));
    expect(applied).toMatchObject({ policyId: "on-prem-nights", calendar: nightDesk, targets: { firstResponse: "PT2H", resolution: "PT16H" } });
  });
  it("every listed condition must match (category, channel and severity)", () => {
    expect(selectSlaPolicy(p, request({ category: "billing", channel: "email", severity: "C" })).policyId).toBe("billing-email");
    expect(selectSlaPolicy(p, request({ category: "billing", channel: "webhook" })).policyId).toBe("everyone");
  });
  it("a matching policy without targets for the severity is passed over", () => {
    // Severity A: only contoso-vip has A targets, and only for Contoso; everyone has none → default.
    expect(selectSlaPolicy(p, request({ customerTenantId: contoso, severity: "A" })).targets).toEqual({ firstResponse: "PT15M", nextUpdate: "PT1H", resolution: "PT4H" });
    expect(selectSlaPolicy(p, request({ severity: "A" })).policyId).toBe("default");
  });
  it("the order decides: a catch-all listed first shadows the per-customer policy", () => {
    expect(selectSlaPolicy(partner([everyone, vipContoso]), request({ customerTenantId: contoso })).policyId).toBe("everyone");
  });
  it("falls back to the default policy from slaTargets: calendar clock → 24×7, business hours → service hours", () => {
    const none = partner([]);
    expect(selectSlaPolicy(none, request({ severity: "A" }))).toEqual({
      policyId: "default",
      name: "Default (severity A, calendar hours)",
      calendar: CALENDAR_24X7,
      targets: { firstResponse: "PT1H", resolution: "PT8H" },
      pauseWhen: ["awaiting-customer"],
      warnAtPercent: [50, 75],
    });
    expect(selectSlaPolicy(none, request({ severity: "C" }))).toMatchObject({
      policyId: "default",
      calendar: { kind: "weekly", timeZone: "Europe/Budapest", weekly: serviceHours.weekly, holidays: ["2026-12-25"] },
      targets: { firstResponse: "PT8H", resolution: "PT60H" },
    });
  });
  it("service-hours policies use the support terms' hours", () => {
    expect(selectSlaPolicy(partner([everyone]), request()).calendar).toEqual({ kind: "weekly", ...serviceHours });
  });
  it("an unknown calendar is an error naming it (only when that policy is selected)", () => {
    const broken = policy({ id: "broken", conditions: { products: ["azure"] }, calendar: "weekend-desk", targets: { B: { firstResponse: "PT1H", resolution: "PT2H" } } });
    expect(() => selectSlaPolicy(partner([broken]), request({ product: "azure" }))).toThrow(new RangeError('SLA calendar "weekend-desk" is not defined by the partner (known: service-hours, 24x7, night-desk)'));
    expect(selectSlaPolicy(partner([broken]), request()).policyId).toBe("default");
  });
});
