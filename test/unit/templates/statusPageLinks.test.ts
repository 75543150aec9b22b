import { CaseStatuses, SupportedLanguages } from "../../../shared/contracts";
import { renderCustomerEmail, renderStatusEmail } from "../../../shared/templates";
import { renderStatusErrorPage, renderStatusPage, STATUS_PAGE_CSS, STATUS_PAGE_STYLE_HASH } from "../../../shared/templates/statusPage";
import { statusPageLocales } from "../../../shared/templates/statusPageLocales";
import { createHash } from "node:crypto";

const common = {
  caseId: "CS-0123456789",
  customerName: "Fabrikam Kft.",
  title: "Azure invoice discrepancy",
  partnerName: "Contoso Cloud",
  timeZone: "Europe/Budapest",
  supportContact: "support@contoso.example",
  occurredAt: "2026-03-02T10:00:00Z",
};
const url = "https://support.contoso.example/api/status/k1.eyJwIjoiYyJ9.sig";

describe("status links in customer emails", () => {
  it.each(SupportedLanguages)("every %s email links the status page in the customer's language, text and HTML", (language) => {
    for (const status of CaseStatuses) {
      const email = renderStatusEmail({ ...common, language, status, statusPageUrl: url });
      const line = statusPageLocales[language].emailLink.replace("{{url}}", url);
      expect(email.text).toContain(line);
      expect(email.html).toContain(`<a href="${url}" style="color:#0f6cbd;">${url}</a>`);
    }
    const update = renderCustomerEmail({ ...common, language, kind: "partner-update", message: "Working on it", statusPageUrl: url });
    expect(update.text).toContain(url);
  });

  it("links the rating from the resolution email only", () => {
    const rating = `${url}#rating`;
    const resolved = renderStatusEmail({ ...common, language: "pl", status: "resolved", statusPageUrl: url, ratingUrl: rating });
    expect(resolved.text).toContain(statusPageLocales.pl.emailRatingLink.replace("{{url}}", rating));
    const received = renderStatusEmail({ ...common, language: "pl", status: "received", statusPageUrl: url, ratingUrl: rating });
    expect(received.text).not.toContain(rating);
  });

  it("has no link without a URL, and never links a non-http URL", () => {
    expect(renderStatusEmail({ ...common, language: "en", status: "received" }).text).not.toContain("/api/status/");
    const bad = renderStatusEmail({ ...common, language: "en", status: "received", statusPageUrl: "javascript:alert(1)" });
    expect(bad.html).not.toContain("javascript:");
  });
});

describe("the status page document", () => {
  const model = {
    caseId: "CS-0123456789",
    title: "<img src=x onerror=alert(1)>",
    status: "resolved" as const,
    language: "ru",
    timeZone: "Europe/Budapest",
    partnerName: "Contoso",
    supportContact: "support@contoso.example",
    timeline: [
      { kind: "status" as const, at: "2026-03-01T10:00:00Z", status: "received" as const },
      { kind: "reply" as const, at: "2026-03-01T11:00:00Z", text: "</blockquote><script>x()</script>" },
    ],
    attachments: [],
    canReply: true,
    canConfirm: true,
    canReopen: true,
    reopenUntil: "2026-03-05T10:00:00Z",
    canRate: true,
  };

  it("escapes every value and carries no script or inline style attribute", () => {
    const html = renderStatusPage(model, { path: "/api/status/t", nonce: "n".repeat(24) });
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script");
    expect(html).not.toContain('style="');
    expect(html).toContain("&lt;/blockquote&gt;&lt;script&gt;");
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('action="/api/status/t/reply"');
    expect(html).toContain('action="/api/status/t/confirmation"');
    expect(html).toContain('action="/api/status/t/rating"');
  });

  it("names its one stylesheet by hash (what the CSP allows)", () => {
    expect(STATUS_PAGE_STYLE_HASH).toBe(`'sha256-${createHash("sha256").update(STATUS_PAGE_CSS).digest("base64")}'`);
    expect(renderStatusPage(model, { path: "/api/status/t", nonce: "n".repeat(24) })).toContain(`<style>${STATUS_PAGE_CSS}</style>`);
  });

  it.each(SupportedLanguages)("has every string in %s, and an error page", (language) => {
    const t = statusPageLocales[language];
    expect(t.ratingLabels).toHaveLength(5);
    const html = renderStatusPage({ ...model, language }, { path: "/api/status/t", nonce: "n".repeat(24), notice: "rated", error: "conflict" });
    expect(html).toContain(t.notices.rated);
    expect(html).toContain(t.errors.conflict);
    expect(renderStatusErrorPage(language, "expired")).toContain(t.errors.expiredTitle);
  });
});
