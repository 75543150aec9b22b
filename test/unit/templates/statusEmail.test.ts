import { CaseStatuses, SupportedLanguages, type CaseStatus, type SupportedLanguage } from "../../../shared/contracts";
import { escapeHtmlAttribute, escapeHtmlText, safeHttpHref, safeMailtoHref, toSingleLine } from "../../../shared/templates/escape";
import { fillTemplate, renderPartnerNotification, renderStatusEmail, resolveStatusEmailLocale, statusEmailLocales, type StatusEmailInput } from "../../../shared/templates/statusEmail";
import { en } from "../../../shared/templates/locales/en";

const base: StatusEmailInput = {
  status: "received",
  language: "en",
  caseId: "CASE-2026-0001",
  customerName: "Fabrikam Kft.",
  title: "Azure invoice discrepancy",
  partnerName: "Contoso Cloud",
  message: "Please send the invoice number.",
  timeZone: "Europe/Budapest",
  supportContact: "support@contoso.example",
  occurredAt: "2026-11-20T09:30:00Z",
};

const combos: Array<[SupportedLanguage, CaseStatus]> = SupportedLanguages.flatMap((l) => CaseStatuses.map((s) => [l, s] as [SupportedLanguage, CaseStatus]));

describe("status email templates", () => {
  it.each(SupportedLanguages)("%s has every string and a template for every status (no English fallback needed)", (language) => {
    const stored = statusEmailLocales[language];
    for (const key of Object.keys(en) as Array<keyof typeof en>) expect(stored[key]).toBeDefined();
    for (const status of CaseStatuses) {
      expect(stored.statusLabels?.[status]).toEqual(expect.any(String));
      expect(stored.statuses?.[status]?.paragraphs?.length).toBeGreaterThanOrEqual(2);
    }
    for (const label of Object.keys(en.labels) as Array<keyof typeof en.labels>) expect(stored.labels?.[label]).toEqual(expect.any(String));
    expect(stored.subject?.startsWith("[Case #{{caseId}}]")).toBe(true);
  });

  it("non-English templates are translated (no status paragraph equals the English one)", () => {
    for (const language of SupportedLanguages.filter((l) => l !== "en")) {
      const resolved = resolveStatusEmailLocale(language);
      for (const status of CaseStatuses) expect(resolved.statuses[status].paragraphs).not.toEqual(en.statuses[status].paragraphs);
    }
  });

  it.each(combos)("%s/%s renders every placeholder, subject tag and case id", (language, status) => {
    const email = renderStatusEmail({ ...base, language, status });
    for (const part of [email.subject, email.text, email.html]) {
      expect(part).not.toMatch(/\{\{|\}\}/);
      expect(part).toContain(base.caseId);
    }
    expect(email.subject.startsWith(`[Case #${base.caseId}] `)).toBe(true);
    expect(email.subject).toContain(resolveStatusEmailLocale(language).statusLabels[status]);
    expect(email.subject).toContain(base.title);
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.text).toContain(base.customerName);
    expect(email.text).toContain(base.partnerName);
    expect(email.text).toContain(base.supportContact);
    expect(email.text).toContain(base.message);
    expect(email.html).toContain(`<html lang="${language}">`);
  });

  it.each(combos)("%s/%s plain text contains no HTML", (language, status) => {
    const { text } = renderStatusEmail({ ...base, language, status });
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(text).not.toMatch(/&(?:amp|lt|gt|quot|#\d+);/);
  });

  const evil = `<script>alert("x")</script> & 'quoted' "double" <img src=x onerror=alert(1)>`;
  const fields = ["customerName", "title", "message", "partnerName", "supportContact"] as const;

  it.each(combos)("%s/%s escapes <script>, quotes and & in every customer-supplied field", (language, status) => {
    for (const field of fields) {
      const { html, text } = renderStatusEmail({ ...base, language, status, [field]: evil });
      expect(html).not.toContain("<script");
      expect(html).not.toContain("<img");
      expect(html).not.toContain(`"double"`);
      expect(html).not.toContain(`'quoted'`);
      expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &quot;double&quot;");
      // Escaped exactly once: no double escaping, no decoding.
      expect(html).not.toContain("&amp;lt;");
      expect(html).not.toContain("&amp;amp;");
      // The plain-text part carries the value verbatim (it is not HTML).
      expect(text).toContain(field === "message" ? evil : toSingleLine(evil));
    }
  });

  it("links an email support contact with an encoded, attribute-escaped mailto and leaves other contacts as text", () => {
    const linked = renderStatusEmail({ ...base, title: `Bill "Q3" & <VAT>` });
    expect(linked.html).toMatch(/<a href="mailto:support@contoso\.example\?subject&#x3d;%5BCase%20%23CASE-2026-0001%5D[^"<>]*"/);
    const phone = renderStatusEmail({ ...base, supportContact: `+36 1 555 0100" onclick="x` });
    expect(phone.html).not.toContain("<a href");
    expect(phone.html).toContain("+36 1 555 0100&quot; onclick=&quot;x");
  });

  it("keeps the subject on one line even when the title has line breaks (header injection)", () => {
    const { subject } = renderStatusEmail({ ...base, title: "Broken\r\nBcc: victim@example.com" });
    expect(subject).toBe(`[Case #${base.caseId}] Received: Broken Bcc: victim@example.com`);
  });

  it("formats the date with Intl in the given zone and locale", () => {
    expect(renderStatusEmail({ ...base, language: "hu" }).text).toContain("2026. november 20. 10:30 (Europe/Budapest)");
    expect(renderStatusEmail({ ...base, language: "en", timeZone: "Europe/Warsaw" }).text).toContain("20 November 2026 at 10:30 (Europe/Warsaw)");
    expect(renderStatusEmail({ ...base, language: "ru" }).text).toContain("20 ноября 2026");
    expect(renderStatusEmail({ ...base, occurredAt: undefined }).text).not.toContain("Updated:");
  });

  it("omits the message block without a message and keeps the message line breaks in HTML", () => {
    expect(renderStatusEmail({ ...base, status: "resolved", message: undefined }).text).not.toContain("Resolution summary:");
    const html = renderStatusEmail({ ...base, status: "resolved", message: "a\r\nb" }).html;
    expect(html).toContain("Resolution summary:");
    expect(html).toContain("a<br>\nb");
  });

  it("falls back to English for an unknown language", () => {
    const email = renderStatusEmail({ ...base, language: "de" as SupportedLanguage });
    expect(email.subject).toContain("Received");
    expect(email.html).toContain('<html lang="en">');
  });

  it("rejects an invalid time zone or instant with RangeError", () => {
    expect(() => renderStatusEmail({ ...base, timeZone: "Mars/Olympus" })).toThrow(RangeError);
    expect(() => renderStatusEmail({ ...base, occurredAt: "yesterday" })).toThrow(RangeError);
  });
});

describe("fillTemplate", () => {
  it("substitutes in one pass, escaping only literal text", () => {
    expect(fillTemplate("a & {{x}} <b>", { x: "{{y}}" }, escapeHtmlText)).toBe("a &amp; {{y}} &lt;b&gt;");
    expect(() => fillTemplate("{{missing}}", {})).toThrow(/missing/);
  });
});

describe("escaping helpers", () => {
  it("escape text and attributes", () => {
    expect(escapeHtmlText(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(escapeHtmlAttribute("a\"b'c`d=e\nf")).toBe("a&quot;b&#39;c&#x60;d&#x3d;e&#xa;f");
  });
  it("only link http(s) and plain addresses", () => {
    expect(safeHttpHref("javascript:alert(1)")).toBeUndefined();
    expect(safeHttpHref("https://x.example/a?b=1&c=2")).toBe("https://x.example/a?b&#x3d;1&amp;c&#x3d;2");
    expect(safeMailtoHref("a@b.example")).toBe("mailto:a@b.example");
    expect(safeMailtoHref("javascript:alert(1)//@x.example")).toBeUndefined();
    expect(safeMailtoHref('a"@b.example')).toBeUndefined();
  });
});

describe("renderPartnerNotification", () => {
  const common = { caseId: "CASE-9", partnerName: "Vltava <Cloud>", customerName: `Evil "Co" & <script>`, title: "<b>t</b>", severity: "A" as const, timeZone: "Europe/Prague" };
  it.each([
    { ...common, kind: "sla-breached" as const, metric: "first-response" as const, dueAt: "2026-11-20T09:30:00Z", action: "Escalated to Microsoft" },
    { ...common, kind: "escalated-to-provider" as const, resellerName: "Wisła IT", reason: "indirect reseller escalates to its provider first" },
    { ...common, kind: "not-escalated" as const, category: "technical" as const, product: "azure" as const, reason: "no plan", caseUrl: "javascript:alert(1)" },
  ])("$kind renders subject, text and escaped html", (input) => {
    const r = renderPartnerNotification(input);
    expect(r.subject.startsWith("[Case #CASE-9] ")).toBe(true);
    expect(r.text).toContain("CASE-9");
    expect(r.text).not.toMatch(/&(?:amp|lt|gt|quot);/);
    expect(r.html).not.toContain("<script");
    expect(r.html).not.toContain("<b>t</b>");
    expect(r.html).not.toContain("javascript:");
    expect(r.html).toContain("Evil &quot;Co&quot; &amp; &lt;script&gt;");
  });
});
