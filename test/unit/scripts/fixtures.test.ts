import path from "node:path";
import { Categories, CreateSupportRequestSchema, PartnerDefinitionSchema, SupportedLanguages, Products } from "../../../shared/contracts";
import { describeCoverage, formatPath, loadDemoRequests, loadPartnerDefinitions, parseWith, DemoRequestsSchema, FixtureValidationError, RequiredDemoProducts } from "../../../scripts/lib/fixtures";
import partnersJson from "../../fixtures/demo/partners.json";
import requestsJson from "../../fixtures/demo/requests.json";

const dir = path.join(__dirname, "..", "..", "fixtures", "demo");

describe("demo partners.json", () => {
  it("every partner is valid against PartnerDefinitionSchema", () => {
    for (const p of partnersJson) expect(PartnerDefinitionSchema.safeParse(p).error?.issues).toBeUndefined();
  });

  it("has a Budapest direct-bill partner, a Prague indirect provider and a Warsaw reseller of that provider", () => {
    const partners = loadPartnerDefinitions(path.join(dir, "partners.json"));
    const direct = partners.find((p) => p.type === "direct-bill");
    const provider = partners.find((p) => p.type === "indirect-provider");
    const reseller = partners.find((p) => p.type === "indirect-reseller");
    expect(direct?.supportTerms.serviceHours.timeZone).toBe("Europe/Budapest");
    expect(direct?.supportTerms.serviceHours.weekly.mon).toEqual([{ start: "08:00", end: "17:00" }]);
    expect(direct?.supportTerms.serviceHours.weekly.sat).toBeUndefined();
    expect(direct?.supportTerms.serviceHours.holidays.length).toBeGreaterThan(0);
    expect(direct?.entitlements.slice(0, 2)).toEqual([{ vehicle: "signature-cloud-support" }, { vehicle: "product-support-incidents", remainingIncidents: 3 }]);
    expect(provider?.supportTerms.serviceHours.timeZone).toBe("Europe/Prague");
    expect(reseller?.supportTerms.serviceHours.timeZone).toBe("Europe/Warsaw");
    expect(reseller?.indirectProviderId).toBe(provider?.id);
    // Providers are ordered before their resellers for registration.
    expect(partners.indexOf(provider!)).toBeLessThan(partners.indexOf(reseller!));
  });

  it("uses example domains only and a short demo auto-close", () => {
    const emails = JSON.stringify(partnersJson).match(/[\w.+-]+@[\w.-]+/g) ?? [];
    expect(emails.length).toBeGreaterThan(0);
    for (const e of emails) expect(e).toMatch(/@([\w-]+\.)*(example|example\.com)$/);
    for (const p of partnersJson) expect(p.supportTerms.autoCloseAfter).toBe("PT30S");
  });

  it("one partner breaches a severity within ~1 minute on the calendar clock", () => {
    const seconds = (d: string) => {
      const m = /^PT(?:(\d+)M)?(?:(\d+)S)?$/.exec(d);
      return m ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : Infinity;
    };
    const fast = partnersJson.flatMap((p) => Object.values(p.slaTargets).filter((t) => t.clock === "calendar" && seconds(t.firstResponse) <= 60));
    expect(fast.length).toBeGreaterThan(0);
  });
});

describe("demo requests.json", () => {
  const partnerIds = new Set(partnersJson.map((p) => p.id));

  it("every request is valid against CreateSupportRequestSchema and names a demo partner", () => {
    for (const r of requestsJson) {
      expect(CreateSupportRequestSchema.safeParse(r.request).error?.issues).toBeUndefined();
      expect(partnerIds.has(r.partnerId)).toBe(true);
    }
    expect(loadDemoRequests(path.join(dir, "requests.json"), partnerIds).length).toBeGreaterThanOrEqual(6);
  });

  it("covers every category, azure/microsoft-365/dynamics-365, an on-premises product and all five languages", () => {
    const requests = parseWith(DemoRequestsSchema, requestsJson, "requests.json");
    const coverage = describeCoverage(requests);
    expect(coverage.missing).toEqual([]);
    expect([...coverage.categories].sort()).toEqual([...Categories].sort());
    for (const p of RequiredDemoProducts) expect(coverage.products).toContain(p);
    expect(coverage.products.some((p) => Products[p].kind === "on-premises")).toBe(true);
    expect([...coverage.languages].sort()).toEqual([...SupportedLanguages].sort());
  });

  it("writes each request in its customer's language, with GUID tenant ids and example domains", () => {
    const scripts: Record<string, RegExp> = { hu: /[őűáéí]/i, cs: /[ěščřžůý]/i, pl: /[ąęłńśźżó]/i, ru: /[а-яё]/i, en: /^[\x20-\x7e]+$/ };
    for (const r of requestsJson) {
      expect(r.request.title).toMatch(scripts[r.request.customer.preferredLanguage]!);
      expect(r.request.customer.email).toMatch(/@([\w-]+\.)*example$/);
    }
    expect(new Set(requestsJson.map((r) => r.request.customer.tenantId)).size).toBe(requestsJson.length);
  });

  it("plays diagnosis, resolution and an SLA-breach wait, and expects every case closed", () => {
    const requests = parseWith(DemoRequestsSchema, requestsJson, "requests.json");
    const actions = requests.flatMap((r) => r.partnerActions);
    expect(actions.some((a) => "wait" in a && a.wait === "first-response-breach")).toBe(true);
    for (const outcome of ["resolved", "awaiting-customer", "needs-escalation"]) expect(actions.some((a) => "diagnosis" in a && a.diagnosis.outcome === outcome)).toBe(true);
    expect(actions.some((a) => "resolution" in a)).toBe(true);
    for (const r of requests) expect(r.expected.finalStatus).toBe("closed");
    expect(new Set(requests.map((r) => r.expected.escalation))).toEqual(new Set(["none", "microsoft", "indirect-provider"]));
  });

  it("the severity A breach scenario belongs to the partner whose A target breaches fast", () => {
    const breach = requestsJson.find((r) => r.partnerActions.some((a) => "wait" in a));
    const partner = partnersJson.find((p) => p.id === breach?.partnerId);
    expect(breach?.request.severity).toBe("A");
    expect(partner?.slaTargets.A).toMatchObject({ firstResponse: "PT20S", clock: "calendar" });
  });
});

describe("fixture validation errors", () => {
  it("name the field path", () => {
    const bad = [{ ...partnersJson[0], contacts: { support: "not-an-email" }, supportTerms: { ...partnersJson[0]!.supportTerms, serviceHours: { timeZone: "Mars/Base", weekly: {} } } }];
    let error: unknown;
    try {
      parseWith(PartnerDefinitionSchema.array(), bad, "partners.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FixtureValidationError);
    const issues = (error as FixtureValidationError).issues;
    expect(issues).toEqual(expect.arrayContaining([expect.stringMatching(/^\[0\]\.contacts\.support: /), expect.stringMatching(/^\[0\]\.supportTerms\.serviceHours\.timeZone: an IANA time zone/)]));
  });

  it("reject unknown partner ids and unknown action shapes", () => {
    expect(() => loadDemoRequests(path.join(dir, "requests.json"), new Set(["someone-else"]))).toThrow(/\[0\]\.partnerId: unknown partner/);
    expect(() => parseWith(DemoRequestsSchema, [{ ...requestsJson[0], partnerActions: [{ dance: true }] }], "x")).toThrow(FixtureValidationError);
  });

  it("formatPath", () => {
    expect(formatPath([])).toBe("(root)");
    expect(formatPath([0, "a", "b-c", 2])).toBe('[0].a["b-c"][2]');
  });
});
