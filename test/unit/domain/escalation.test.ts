/** Escalation routing table (CSP support rules support-vehicle table and "Escalation is conditional"). */
import type { Category, EscalationRecord, Entitlement, PartnerType } from "../../../shared/contracts";
import { decideEscalation, escalationAtPoint, escalationDecision, type ProductKind } from "../../../shared/domain";

const nowIso = "2026-03-02T12:00:00Z";
const premier: Entitlement = { vehicle: "premier-support-for-partners" };
const advanced: Entitlement = { vehicle: "advanced-support-for-partners" };
const signature: Entitlement = { vehicle: "signature-cloud-support" };
const psi = (remainingIncidents?: number): Entitlement => (remainingIncidents === undefined ? { vehicle: "product-support-incidents" } : { vehicle: "product-support-incidents", remainingIncidents });
const commercial: Entitlement = { vehicle: "commercial-issue-support" };

function decide(partnerType: PartnerType, category: Category, productKind: ProductKind, entitlements: Entitlement[], indirectProviderId?: string) {
  return decideEscalation({ partnerType, category, productKind, entitlements, trigger: "partner-request", nowIso, ...(indirectProviderId ? { indirectProviderId } : {}) });
}

describe("decideEscalation", () => {
  describe("rule 1: an indirect reseller escalates to its indirect provider, whatever the request", () => {
    it.each([
      ["billing", "cloud", []],
      ["subscription-management", "cloud", [premier]],
      ["technical", "cloud", [premier]],
      ["technical", "on-premises", [psi(5)]],
      ["technical", "cloud", []],
    ] as Array<[Category, ProductKind, Entitlement[]]>)("%s / %s / %j", (category, kind, entitlements) => {
      const r = decide("indirect-reseller", category, kind, entitlements, "fabrikam-dist");
      expect(r).toMatchObject({ target: "indirect-provider", providerId: "fabrikam-dist", trigger: "partner-request", decidedAt: "2026-03-02T12:00:00.000Z" });
      expect(r.vehicle).toBeUndefined();
      expect(r.reason).toMatch(/^Rule 1/);
    });
    it("without a provider id the reseller keeps the request", () => {
      expect(decide("indirect-reseller", "technical", "cloud", [premier])).toMatchObject({ target: "none", reason: expect.stringMatching(/Rule 1.*no indirect provider id/) });
    });
  });

  describe("rule 2: commercial issues go to commercial issue support (every CSP partner has it)", () => {
    it.each(
      (["direct-bill", "indirect-provider"] as PartnerType[]).flatMap((type) =>
        (["billing", "subscription-management"] as Category[]).flatMap((category) =>
          (["cloud", "on-premises"] as ProductKind[]).flatMap((kind) => [[type, category, kind, []], [type, category, kind, [premier, commercial]]] as Array<[PartnerType, Category, ProductKind, Entitlement[]]>),
        ),
      ),
    )("%s / %s / %s / %j", (type, category, kind, entitlements) => {
      expect(decide(type, category, kind, entitlements)).toMatchObject({ target: "microsoft", vehicle: "commercial-issue-support", reason: expect.stringMatching(/^Rule 2/) });
    });
  });

  describe("rule 3/4: technical issues use the first eligible entitlement in the partner's order", () => {
    it.each([
      ["premier covers cloud", "cloud", [premier], "premier-support-for-partners"],
      ["premier covers on-premises", "on-premises", [premier], "premier-support-for-partners"],
      ["advanced covers cloud", "cloud", [advanced], "advanced-support-for-partners"],
      ["advanced does not cover on-premises", "on-premises", [advanced], undefined],
      ["signature covers cloud", "cloud", [signature], "signature-cloud-support"],
      ["signature does not cover on-premises", "on-premises", [signature], undefined],
      ["PSI covers on-premises with incidents left", "on-premises", [psi(2)], "product-support-incidents"],
      ["PSI with 0 incidents left is not eligible", "on-premises", [psi(0)], undefined],
      ["PSI without a count is not eligible", "on-premises", [psi()], undefined],
      ["PSI does not cover cloud", "cloud", [psi(9)], undefined],
      ["commercial issue support is not a technical vehicle", "cloud", [commercial], undefined],
      ["no entitlements", "cloud", [], undefined],
      ["partner order wins: signature before premier", "cloud", [signature, premier], "signature-cloud-support"],
      ["partner order wins: premier before advanced", "cloud", [premier, advanced], "premier-support-for-partners"],
      ["ineligible entries are skipped: PSI(0), advanced → premier for on-premises", "on-premises", [psi(0), advanced, premier], "premier-support-for-partners"],
      ["on-premises falls through to PSI after cloud-only vehicles", "on-premises", [advanced, signature, psi(1)], "product-support-incidents"],
      ["cloud skips PSI and takes advanced", "cloud", [psi(3), advanced], "advanced-support-for-partners"],
    ] as Array<[string, ProductKind, Entitlement[], string | undefined]>)("%s", (_name, kind, entitlements, vehicle) => {
      for (const type of ["direct-bill", "indirect-provider"] as PartnerType[]) {
        const r = decide(type, "technical", kind, entitlements);
        if (vehicle) {
          expect(r).toMatchObject({ target: "microsoft", vehicle, reason: expect.stringMatching(/^Rule 3/) });
        } else {
          expect(r.target).toBe("none");
          expect(r.vehicle).toBeUndefined();
          expect(r.reason).toMatch(/^Rule 4.*the partner keeps the request/);
        }
      }
    });

    it("the reason lists skipped entitlements and why", () => {
      expect(decide("direct-bill", "technical", "on-premises", [psi(0), advanced]).reason).toBe(
        "Rule 4: no entitlement of the partner covers a technical issue on a on-premises product (product-support-incidents: no product support incidents left; advanced-support-for-partners: advanced-support-for-partners covers cloud products only); the partner keeps the request.",
      );
    });
  });

  it("records the trigger and rejects an invalid decision time", () => {
    expect(decideEscalation({ partnerType: "direct-bill", category: "billing", productKind: "cloud", entitlements: [], trigger: "resolution-breach", nowIso }).trigger).toBe("resolution-breach");
    expect(() => decideEscalation({ partnerType: "direct-bill", category: "billing", productKind: "cloud", entitlements: [], trigger: "resolution-breach", nowIso: "soon" })).toThrow(RangeError);
  });
});

describe("excludeVehicles (PSI counted, next vehicle when one is unavailable)", () => {
  const base = { partnerType: "direct-bill" as const, trigger: "partner-request" as const, nowIso };
  it("PSI is eligible only while incidents remain; excluding it (e.g. the atomic decrement found none) moves to the next vehicle", () => {
    expect(decideEscalation({ ...base, category: "technical", productKind: "on-premises", entitlements: [psi(1), premier] })).toMatchObject({ target: "microsoft", vehicle: "product-support-incidents" });
    expect(decideEscalation({ ...base, category: "technical", productKind: "on-premises", entitlements: [psi(0), premier] })).toMatchObject({ target: "microsoft", vehicle: "premier-support-for-partners", reason: expect.stringContaining("no product support incidents left") });
    const r = decideEscalation({ ...base, category: "technical", productKind: "on-premises", entitlements: [psi(3), premier], excludeVehicles: ["product-support-incidents"] });
    expect(r).toMatchObject({ target: "microsoft", vehicle: "premier-support-for-partners" });
    expect(r.reason).toContain("product-support-incidents: excluded");
  });
  it("with every eligible vehicle excluded the partner keeps the request, and the reason says why", () => {
    const r = decideEscalation({ ...base, category: "technical", productKind: "on-premises", entitlements: [psi(3)], excludeVehicles: ["product-support-incidents"] });
    expect(r).toMatchObject({ target: "none" });
    expect(r.reason).toMatch(/^Rule 4.*product-support-incidents: excluded/);
  });
  it("excluding commercial issue support leaves a commercial request with the partner; other exclusions do not matter to it", () => {
    expect(decideEscalation({ ...base, category: "billing", productKind: "cloud", entitlements: [], excludeVehicles: ["commercial-issue-support"] })).toMatchObject({ target: "none", reason: expect.stringMatching(/^Rule 2.*excluded/) });
    expect(decideEscalation({ ...base, category: "billing", productKind: "cloud", entitlements: [], excludeVehicles: ["premier-support-for-partners"] })).toMatchObject({ target: "microsoft", vehicle: "commercial-issue-support" });
  });
  it("exclusions do not affect an indirect reseller (it goes to its provider)", () => {
    expect(decideEscalation({ ...base, partnerType: "indirect-reseller", indirectProviderId: "fabrikam-dist", category: "technical", productKind: "cloud", entitlements: [], excludeVehicles: ["premier-support-for-partners"] })).toMatchObject({ target: "indirect-provider" });
  });
});

describe("the escalation a restarted workflow continues with (escalationAtPoint)", () => {
  const toProvider: EscalationRecord = { target: "indirect-provider", providerId: "fabrikam-dist", reason: "Rule 1", trigger: "partner-request", decidedAt: "2026-03-02T09:00:00.000Z" };
  const toMicrosoft: EscalationRecord = {
    target: "microsoft",
    vehicle: "signature-cloud-support",
    reason: "Rule 3",
    trigger: "first-response-breach",
    decidedAt: "2026-03-02T10:00:00.000Z",
    microsoftServiceRequest: { outcome: "filed", serviceRequestId: "SR-1", locale: "en-US", at: "2026-03-02T10:00:01.000Z", payload: { Title: "t", Description: "d".repeat(30_000), Severity: "critical", SupportTopicId: "", ProductName: "p", PrimaryContact: { FirstName: "a", LastName: "b", Email: "a@b.example", PhoneNumber: "" } } },
  };

  it("a restart point keeps the decision without the Microsoft service request (its payload stays on the case)", () => {
    const decision = escalationDecision(toMicrosoft);
    expect(decision).not.toHaveProperty("microsoftServiceRequest");
    expect(decision).toEqual({ target: "microsoft", vehicle: "signature-cloud-support", reason: "Rule 3", trigger: "first-response-breach", decidedAt: "2026-03-02T10:00:00.000Z" });
    expect(JSON.stringify(decision).length).toBeLessThan(300);
  });

  it("none when none was in force at the point: the case's later decision is taken again by the restart", () => {
    expect(escalationAtPoint(null, toMicrosoft)).toBeUndefined();
    expect(escalationAtPoint(null, undefined)).toBeUndefined();
  });

  it("the case's record, with its service request, when the point held the same decision", () => {
    expect(escalationAtPoint(escalationDecision(toMicrosoft), toMicrosoft)).toBe(toMicrosoft);
  });

  it("the point's decision when the case holds a later one", () => {
    expect(escalationAtPoint(escalationDecision(toProvider), toMicrosoft)).toEqual(toProvider);
    // Same instant, another target: not the same decision.
    expect(escalationAtPoint({ ...escalationDecision(toMicrosoft), target: "none" }, toMicrosoft)).toEqual({ ...escalationDecision(toMicrosoft), target: "none" });
  });

  it("the case's for a point published before points kept the escalation", () => {
    expect(escalationAtPoint(undefined, toMicrosoft)).toBe(toMicrosoft);
    expect(escalationAtPoint(undefined, undefined)).toBeUndefined();
  });
});
