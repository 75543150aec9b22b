import { CaseStatuses, SupportedLanguages, type CaseStatus, type SupportedLanguage } from "../../../shared/contracts";
import {
  CustomerNoticeKinds,
  describeServiceHours,
  renderCustomerEmail,
  renderStatusEmail,
  resolveStatusEmailLocale,
  statusEmailLocales,
  type CustomerEmailInput,
  type QuotedSupportTerms,
  type StatusEmailInput,
  type StatusEmailPlaceholder,
} from "../../../shared/templates";
import { en } from "../../../shared/templates/locales/en";

const hours = {
  timeZone: "Europe/Budapest",
  weekly: {
    mon: [{ start: "08:00", end: "12:00" }, { start: "13:00", end: "17:00" }],
    tue: [{ start: "08:00", end: "12:00" }, { start: "13:00", end: "17:00" }],
    wed: [{ start: "08:00", end: "12:00" }, { start: "13:00", end: "17:00" }],
    thu: [{ start: "08:00", end: "12:00" }, { start: "13:00", end: "17:00" }],
    fri: [{ start: "08:00", end: "14:00" }],
  },
  holidays: ["2026-12-24", "2026-12-25"],
};

const terms = (language: string): QuotedSupportTerms => ({
  supportTypes: ["Microsoft 365 administration", "Azure infrastructure"],
  serviceHoursText: describeServiceHours(hours, language),
  contactMethods: ["email: support@contoso.example", "phone: +36 1 555 0100"],
  pricing: "Included in the CSP subscription price",
});

const common = {
  caseId: "CASE-2026-0042",
  customerName: "Fabrikam Kft.",
  title: "Azure invoice discrepancy",
  partnerName: "Contoso Cloud",
  timeZone: "Europe/Budapest",
  supportContact: "support@contoso.example",
  occurredAt: "2026-11-20T09:30:00Z",
};

type Kind = "status" | (typeof CustomerNoticeKinds)[number];

/** A status email with every optional field filled (a billing acknowledgement for `received`). */
function statusInput(language: SupportedLanguage, status: CaseStatus = "received"): StatusEmailInput & { kind: "status" } {
  return {
    ...common,
    kind: "status",
    language,
    status,
    message: "Please send the invoice number.",
    respondBy: "2026-11-20T13:30:00Z",
    category: "billing",
    billingContact: "billing@contoso.example",
    supportTerms: terms(language),
  };
}

/** Every customer email the workflow sends, with every optional field filled. */
function fullInput(language: SupportedLanguage, kind: Kind, status: CaseStatus = "received"): CustomerEmailInput {
  switch (kind) {
    case "status":
      return statusInput(language, status);
    case "partner-update":
      return { ...common, kind, language, status: "in-diagnosis", message: "We reproduced the discrepancy.", nextUpdateBy: "2026-11-21T09:30:00Z" };
    case "sla-delay":
      return { ...common, kind, language, status: "in-diagnosis", message: "Our senior engineer has taken over.", dueAt: "2026-11-20T13:30:00Z" };
  }
}

const everyEmail: Array<[SupportedLanguage, string, CustomerEmailInput]> = SupportedLanguages.flatMap((language) => [
  ...CaseStatuses.map((status) => [language, `status/${status}`, fullInput(language, "status", status)] as [SupportedLanguage, string, CustomerEmailInput]),
  ...CustomerNoticeKinds.map((kind) => [language, kind, fullInput(language, kind)] as [SupportedLanguage, string, CustomerEmailInput]),
]);

const KNOWN_PLACEHOLDERS: ReadonlySet<StatusEmailPlaceholder> = new Set<StatusEmailPlaceholder>(["caseId", "customerName", "title", "partnerName", "supportContact", "statusLabel", "date", "timeZone", "billingContact"]);

function allStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value && typeof value === "object") return Object.values(value).flatMap(allStrings);
  return [];
}

describe("customer email templates exist in every language", () => {
  it.each(SupportedLanguages)("%s has a translated template for each notice, the support-terms labels, the billing sentence and the service-hours words", (language) => {
    const stored = statusEmailLocales[language];
    for (const kind of CustomerNoticeKinds) {
      expect(stored.notices?.[kind]?.label).toEqual(expect.any(String));
      expect(stored.notices?.[kind]?.paragraphs?.length).toBeGreaterThanOrEqual(2);
      if (language !== "en") {
        expect(stored.notices?.[kind]?.label).not.toBe(en.notices[kind].label);
        expect(stored.notices?.[kind]?.paragraphs).not.toEqual(en.notices[kind].paragraphs);
      }
    }
    for (const key of Object.keys(en.supportTerms) as Array<keyof typeof en.supportTerms>) expect(stored.supportTerms?.[key]).toEqual(expect.any(String));
    for (const key of Object.keys(en.labels) as Array<keyof typeof en.labels>) expect(stored.labels?.[key]).toEqual(expect.any(String));
    expect(stored.billingContact).toContain("{{billingContact}}");
    expect(stored.serviceHours?.timeZone).toContain("{{timeZone}}");
    expect(stored.serviceHours?.holidays).toContain("{{dates}}");
    expect(stored.serviceHours?.none).toEqual(expect.any(String));
  });

  it.each(SupportedLanguages)("%s uses only placeholders the renderer fills", (language) => {
    // {{dates}} belongs to the service-hours words (filled by describeServiceHours).
    const strings = allStrings({ ...statusEmailLocales[language], serviceHours: undefined });
    for (const s of strings) {
      for (const [, name] of s.matchAll(/\{\{(\w+)\}\}/g)) expect(KNOWN_PLACEHOLDERS.has(name as StatusEmailPlaceholder)).toBe(true);
    }
  });
});

describe("renderCustomerEmail", () => {
  it.each(everyEmail)("%s %s renders every placeholder, the [Case #ID] subject and its label", (language, _name, input) => {
    const email = renderCustomerEmail(input);
    const locale = resolveStatusEmailLocale(language);
    for (const part of [email.subject, email.text, email.html]) {
      expect(part).not.toMatch(/\{\{|\}\}/);
      expect(part).toContain(common.caseId);
    }
    expect(email.subject.startsWith(`[Case #${common.caseId}] `)).toBe(true);
    expect(email.subject).not.toMatch(/[\r\n]/);
    const label = input.kind === "status" ? locale.statusLabels[input.status] : locale.notices[input.kind].label;
    expect(email.subject).toBe(`[Case #${common.caseId}] ${label}: ${common.title}`);
    expect(email.text).toContain(common.partnerName);
    expect(email.text).toContain(common.supportContact);
    expect(email.text).toContain(input.message);
    expect(email.html).toContain(`<html lang="${language}">`);
    const template = input.kind === "status" ? locale.statuses[input.status] : locale.notices[input.kind];
    // Every paragraph of the template appears in the text, filled.
    for (const p of template.paragraphs) expect(email.text).toContain(p.replace("{{title}}", common.title).replace("{{caseId}}", common.caseId).replace("{{partnerName}}", common.partnerName));
  });

  it.each(everyEmail)("%s %s plain text contains no HTML", (_language, _name, input) => {
    const { text } = renderCustomerEmail(input);
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(text).not.toMatch(/&(?:amp|lt|gt|quot|#\d+|#x[0-9a-f]+);/i);
  });

  const evil = `<script>alert("x")</script> & 'quoted' "double" <img src=x onerror=alert(1)>`;
  const escapedEvil = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &quot;double&quot; &lt;img src=x onerror=alert(1)&gt;";
  const baseFields = ["customerName", "title", "partnerName", "supportContact", "message"] as const;
  const termFields: Array<(t: QuotedSupportTerms) => QuotedSupportTerms> = [
    (t) => ({ ...t, supportTypes: [evil] }),
    (t) => ({ ...t, serviceHoursText: evil }),
    (t) => ({ ...t, contactMethods: ["email: support@contoso.example", evil] }),
    (t) => ({ ...t, pricing: evil }),
  ];

  function expectEscapedOnce(html: string): void {
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain(`"double"`);
    expect(html).not.toContain(`'quoted'`);
    expect(html).toContain(escapedEvil);
    expect(html).not.toMatch(/&amp;(?:lt|gt|amp|quot|#39);/);
  }

  it.each(everyEmail)("%s %s escapes every customer- and partner-supplied value exactly once", (_language, _name, input) => {
    for (const field of baseFields) expectEscapedOnce(renderCustomerEmail({ ...input, [field]: evil }).html);
    if (input.kind === "status" && input.status === "received") {
      expectEscapedOnce(renderCustomerEmail({ ...input, billingContact: evil }).html);
      for (const change of termFields) expectEscapedOnce(renderCustomerEmail({ ...input, supportTerms: change(input.supportTerms as QuotedSupportTerms) }).html);
    }
  });

  it("shows instants in the customer's locale and the partner's time zone, across a DST change", () => {
    const at = "2026-03-29T15:00:00Z"; // the EU switched to summer time that morning; Los Angeles three weeks earlier
    const expected: Record<SupportedLanguage, string> = {
      en: "29 March 2026 at 17:00 (Europe/Budapest)",
      hu: "2026. március 29. 17:00 (Europe/Budapest)",
      cs: "29. března 2026 v 17:00 (Europe/Budapest)",
      pl: "29 marca 2026 17:00 (Europe/Budapest)",
      ru: "29 марта 2026 г. в 17:00 (Europe/Budapest)",
    };
    for (const language of SupportedLanguages) {
      const locale = resolveStatusEmailLocale(language);
      const ack = renderCustomerEmail({ ...statusInput(language), respondBy: at });
      expect(ack.text).toContain(`${locale.labels.respondBy}: ${expected[language]}`);
      const delay = renderCustomerEmail({ ...common, kind: "sla-delay", language, dueAt: at });
      expect(delay.text).toContain(`${locale.labels.target}: ${expected[language]}`);
      const update = renderCustomerEmail({ ...common, kind: "partner-update", language, message: "x", nextUpdateBy: at });
      expect(update.text).toContain(`${locale.labels.nextUpdateBy}: ${expected[language]}`);
    }
    expect(renderCustomerEmail({ ...common, kind: "sla-delay", language: "en", timeZone: "America/Los_Angeles", dueAt: at }).text).toContain("Target time: 29 March 2026 at 08:00 (America/Los_Angeles)");
  });

  it("leaves out rows whose instant is not given", () => {
    const delay = renderCustomerEmail({ ...common, kind: "sla-delay", language: "en", occurredAt: undefined });
    expect(delay.text).not.toContain("Target time");
    expect(delay.text).not.toContain("Updated:");
    expect(delay.text).not.toContain("Status:");
    expect(delay.text).toContain("is taking longer than our target time");
    expect(delay.text).toContain("We have escalated the case");
    const update = renderCustomerEmail({ ...common, kind: "partner-update", language: "en", message: "Still checking." });
    expect(update.text).not.toContain("Next update by");
    expect(renderStatusEmail({ ...common, language: "en", status: "received" }).text).not.toContain("Response expected by");
  });

  it("shows a partner update's message with its line breaks and refuses a blank one", () => {
    const email = renderCustomerEmail({ ...common, kind: "partner-update", language: "pl", message: "Krok 1 <ok>\r\nKrok 2" });
    expect(email.text).toContain("Informacja od naszego zespołu pomocy technicznej:\nKrok 1 <ok>\nKrok 2");
    expect(email.html).toContain("Krok 1 &lt;ok&gt;<br>\nKrok 2");
    expect(() => renderCustomerEmail({ ...common, kind: "partner-update", language: "en", message: "  " })).toThrow(RangeError);
  });

  it("rejects invalid instants and unknown kinds with RangeError", () => {
    expect(() => renderCustomerEmail({ ...common, kind: "sla-delay", language: "en", dueAt: "soon" })).toThrow(RangeError);
    expect(() => renderCustomerEmail({ ...statusInput("en"), respondBy: "2026-13-01" })).toThrow(RangeError);
    expect(() => renderCustomerEmail({ ...common, kind: "gossip", language: "en" } as unknown as CustomerEmailInput)).toThrow(RangeError);
  });

  it("renders an unknown language in English", () => {
    const email = renderCustomerEmail({ ...common, kind: "sla-delay", language: "de" as SupportedLanguage });
    expect(email.subject).toBe(`[Case #${common.caseId}] Taking longer than planned: ${common.title}`);
    expect(email.html).toContain('<html lang="en">');
  });

  it("renderStatusEmail is renderCustomerEmail with kind status", () => {
    for (const status of CaseStatuses) {
      const input = { ...common, language: "cs" as const, status, message: "m" };
      expect(renderStatusEmail(input)).toEqual(renderCustomerEmail({ ...input, kind: "status" }));
    }
  });
});

describe("acknowledgement: support terms and billing contact", () => {
  it.each(SupportedLanguages)("%s acknowledgement quotes the support terms with the service hours in the customer's language", (language) => {
    const locale = resolveStatusEmailLocale(language);
    const { text, html } = renderCustomerEmail(fullInput(language, "status", "received"));
    expect(text).toContain(locale.supportTerms.heading);
    expect(text).toContain(`${locale.supportTerms.supportTypes}: Microsoft 365 administration, Azure infrastructure`);
    expect(text).toContain(`${locale.supportTerms.serviceHours}:\n  ${describeServiceHours(hours, language).split("\n").join("\n  ")}`);
    expect(text).toContain(`${locale.supportTerms.contactMethods}:\n  email: support@contoso.example\n  phone: +36 1 555 0100`);
    expect(text).toContain(`${locale.supportTerms.pricing}: Included in the CSP subscription price`);
    expect(html).toContain(`<h2 style="font-size:16px;margin:24px 0 0;">${locale.supportTerms.heading}</h2>`);
    expect(html).toContain(`${describeServiceHours(hours, language).split("\n").join("<br>\n")}</td>`);
  });

  it.each(CaseStatuses.filter((s) => s !== "received"))("%s emails do not repeat the support terms or the billing contact", (status) => {
    const { text } = renderCustomerEmail(fullInput("en", "status", status));
    expect(text).not.toContain("Our support terms");
    expect(text).not.toContain("billing@contoso.example");
  });

  it.each(SupportedLanguages)("%s billing acknowledgement names the billing contact (linked when an address); other categories do not", (language) => {
    const sentence = resolveStatusEmailLocale(language).billingContact;
    const billing = renderCustomerEmail({ ...statusInput(language), category: "billing" as const });
    expect(billing.text).toContain(sentence.replace("{{billingContact}}", "billing@contoso.example"));
    expect(billing.html).toMatch(/<a href="mailto:billing@contoso\.example\?subject&#x3d;[^"<>]*" style="color:#0f6cbd;">billing@contoso\.example<\/a>/);
    for (const category of ["technical", "subscription-management"] as const) {
      const other = renderCustomerEmail({ ...statusInput(language), category });
      expect(other.text).not.toContain("billing@contoso.example");
      expect(other.html).not.toContain("billing@contoso.example");
    }
  });

  it("a billing contact that is not an address is shown as text; a blank one is left out", () => {
    const phone = renderStatusEmail({ ...common, language: "en", status: "received", category: "billing", billingContact: "Accounts team, +36 1 555 0199" });
    expect(phone.text).toContain("Your billing questions are answered by Accounts team, +36 1 555 0199.");
    expect(phone.html).toContain("<p>Your billing questions are answered by Accounts team, +36 1 555 0199.</p>");
    const blank = renderStatusEmail({ ...common, language: "en", status: "received", category: "billing", billingContact: " " });
    expect(blank.text).not.toContain("billing questions");
  });

  it("without support terms the acknowledgement is the plain status email", () => {
    const { text } = renderStatusEmail({ ...common, language: "hu", status: "received" });
    expect(text).not.toContain("Támogatási feltételeink");
    expect(text).toContain("Állapot: Beérkezett");
  });
});
