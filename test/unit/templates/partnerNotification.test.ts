import type { MicrosoftServiceRequestPayload } from "../../../shared/contracts";
import { renderPartnerNotification, supportVehicleNames, type PartnerNotificationInput, type PartnerNotificationKind } from "../../../shared/templates";

const evil = `<script>alert("x")</script> & 'q' "d"`;
const escapedEvil = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; &quot;d&quot;";

const common = {
  caseId: "CASE-2026-0077",
  partnerName: "Contoso Cloud",
  customerName: "Fabrikam Kft.",
  title: "VM does not start",
  severity: "A" as const,
  timeZone: "Europe/Budapest",
  caseUrl: "https://api.contoso.example/api/partners/contoso/support-requests/CASE-2026-0077",
};

const payload: MicrosoftServiceRequestPayload = {
  Title: "VM does not start",
  Description: "Customer: Fabrikam Kft.\nThe VM fails to boot after patching.",
  Severity: "critical",
  SupportTopicId: "32444671",
  ProductName: "Microsoft Azure",
  PrimaryContact: { Email: "anna@contoso.example", FirstName: "Anna", LastName: "Kovács", PhoneNumber: "+36 1 555 0100" },
};

const inputs: Record<PartnerNotificationKind, PartnerNotificationInput> = {
  "sla-warning": { ...common, kind: "sla-warning", metric: "first-response", percent: 75, reachedAt: "2026-11-20T12:30:00Z", dueAt: "2026-11-20T13:30:00Z", target: "PT4H", policyName: "Premium customers" },
  "sla-breached": { ...common, kind: "sla-breached", metric: "next-update", dueAt: "2026-11-20T13:30:00Z", action: "Escalation chain started" },
  "escalation-level": {
    ...common,
    kind: "escalation-level",
    level: 2,
    levelName: "Support manager",
    unresolvedSince: "2026-11-20T09:30:00Z",
    reason: "resolution target breached",
    nextLevel: { level: 3, name: "Director", at: "2026-11-20T15:30:00Z" },
  },
  "escalated-to-provider": { ...common, partnerName: "Vltava Distribution", kind: "escalated-to-provider", resellerName: "Wisła IT", reason: "an indirect reseller escalates to its indirect provider first" },
  "not-escalated": { ...common, kind: "not-escalated", category: "technical", product: "windows-server", reason: "no entitlement covers on-premises products" },
  "microsoft-request-prepared": { ...common, kind: "microsoft-request-prepared", vehicle: "premier-support-for-partners", payload, locale: "en-US", reason: "first entitled vehicle for a cloud product" },
  "microsoft-request-filed": { ...common, kind: "microsoft-request-filed", vehicle: "signature-cloud-support", serviceRequestId: "SR-1234567890", payload },
  "customer-email-failed": { ...common, kind: "customer-email-failed", fault: { class: "permanent", code: "recipient-refused", message: "550 5.1.1 mailbox unavailable" }, undeliverable: ["it@fabrikam.example"], status: "in-diagnosis" },
};

/** What the recipient must read in each notification (text part). */
const expectations: Record<PartnerNotificationKind, { subject: string; text: string[] }> = {
  "sla-warning": {
    subject: "[Case #CASE-2026-0077] SLA warning: 75 % of the first response target used (severity A): VM does not start",
    text: ["Case CASE-2026-0077 of Fabrikam Kft. has used 75 % of its first response target (target PT4H, policy Premium customers) at 20 November 2026 at 13:30 (Europe/Budapest).", "It is due 20 November 2026 at 14:30 (Europe/Budapest)."],
  },
  "sla-breached": {
    subject: "[Case #CASE-2026-0077] SLA breached (next update, severity A): VM does not start",
    text: ["The next update target of case CASE-2026-0077 for Fabrikam Kft. was missed.", "It was due 20 November 2026 at 14:30 (Europe/Budapest).", "Please update the customer now.", "Action taken: Escalation chain started."],
  },
  "escalation-level": {
    subject: "[Case #CASE-2026-0077] Escalation level 2 — Support manager: VM does not start",
    text: [
      "Level 2 — Support manager: case CASE-2026-0077 of Fabrikam Kft. (severity A) unresolved since 20 November 2026 at 10:30 (Europe/Budapest).",
      "Reason: resolution target breached",
      "If it stays unresolved, level 3 — Director is notified 20 November 2026 at 16:30 (Europe/Budapest).",
    ],
  },
  "escalated-to-provider": {
    subject: "[Case #CASE-2026-0077] Escalated to you by Wisła IT: VM does not start",
    text: ["Hello Vltava Distribution team,", "Wisła IT, your indirect reseller, escalated case CASE-2026-0077 of their customer Fabrikam Kft. (severity A) to Vltava Distribution."],
  },
  "not-escalated": {
    subject: "[Case #CASE-2026-0077] Not escalated: you keep it: VM does not start",
    text: ["Case CASE-2026-0077 of Fabrikam Kft. (technical, Windows Server, severity A) could not be escalated under the CSP support rules.", "Reason: no entitlement covers on-premises products"],
  },
  "microsoft-request-prepared": {
    subject: "[Case #CASE-2026-0077] Microsoft service request prepared (Premier Support for Partners): VM does not start",
    text: [
      "is escalated to Microsoft through Premier Support for Partners.",
      "Please file it by hand in Partner Center",
      "Partner Center locale: en-US",
      "Service request title: VM does not start",
      "Severity: critical",
      "Support topic id: 32444671",
      "Product name: Microsoft Azure",
      "Primary contact: Anna Kovács, anna@contoso.example, +36 1 555 0100",
      "Description:\n  Customer: Fabrikam Kft.\n  The VM fails to boot after patching.",
      "Partner Center REST API:\n  POST /v1/servicerequests/en-US\n  {",
      '"Severity": "critical"',
    ],
  },
  "microsoft-request-filed": {
    subject: "[Case #CASE-2026-0077] Microsoft service request SR-1234567890 filed: VM does not start",
    text: ["through Signature Cloud Support: Partner Center service request SR-1234567890 was filed.", "Service request id: SR-1234567890", "Severity: critical"],
  },
  "customer-email-failed": {
    subject: "[Case #CASE-2026-0077] Customer email not delivered on case CASE-2026-0077: VM does not start",
    text: [
      "An email to the customer of case CASE-2026-0077 (Fabrikam Kft.) could not be delivered (recipient-refused): 550 5.1.1 mailbox unavailable.",
      "The address it@fabrikam.example is marked undeliverable for this case",
      "The case continues in status in-diagnosis.",
    ],
  },
};

const kinds = Object.keys(inputs) as PartnerNotificationKind[];

describe("renderPartnerNotification", () => {
  it.each(kinds)("%s: subject carries [Case #ID] and the text says what happened", (kind) => {
    const r = renderPartnerNotification(inputs[kind]);
    expect(r.subject).toBe(expectations[kind].subject);
    for (const line of expectations[kind].text) expect(r.text).toContain(line);
    expect(r.text).toContain(`Case details: ${common.caseUrl}`);
    expect(r.html).toContain(`<a href="${common.caseUrl}">Case details</a>`);
    for (const part of [r.subject, r.text, r.html]) expect(part).not.toMatch(/\{\{|\}\}/);
  });

  it.each(kinds)("%s: plain text has no HTML", (kind) => {
    const { text } = renderPartnerNotification({ ...inputs[kind], customerName: `A & B < C > D` });
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(text).not.toMatch(/&(?:amp|lt|gt|quot|#\d+);/);
    expect(text).toContain("A & B < C > D");
  });

  const untrusted: Record<PartnerNotificationKind, string[]> = {
    "sla-warning": ["policyName"],
    "sla-breached": ["action"],
    "escalation-level": ["levelName", "reason"],
    "escalated-to-provider": ["resellerName", "reason"],
    "not-escalated": ["reason"],
    "microsoft-request-prepared": ["reason", "locale"],
    "microsoft-request-filed": ["serviceRequestId", "reason"],
    "customer-email-failed": [],
  };

  it.each(kinds)("%s: escapes every customer- and partner-supplied value exactly once in HTML", (kind) => {
    const fields = ["customerName", "title", "partnerName", ...untrusted[kind]];
    for (const field of fields) {
      const { html } = renderPartnerNotification({ ...inputs[kind], [field]: evil } as PartnerNotificationInput);
      expect(html).not.toContain("<script");
      expect(html).toContain(escapedEvil);
      expect(html).not.toMatch(/&amp;(?:lt|gt|amp|quot|#39);/);
    }
    const link = renderPartnerNotification({ ...inputs[kind], caseUrl: `javascript:alert(1)` });
    expect(link.html).not.toContain("javascript:");
  });

  it("escapes the service-request payload fields and keeps the description's line breaks", () => {
    const hostile = { ...payload, Title: evil, Description: `${evil}\nsecond line`, PrimaryContact: { Email: "a@b.example", FirstName: evil } };
    for (const kind of ["microsoft-request-prepared", "microsoft-request-filed"] as const) {
      const { html, text } = renderPartnerNotification({ ...inputs[kind], payload: hostile } as PartnerNotificationInput);
      expect(html).not.toContain("<script");
      expect(html).toContain(`${escapedEvil}<br>\nsecond line`);
      expect(html).not.toMatch(/&amp;(?:lt|gt|amp|quot|#39);/);
      expect(text).toContain(`Description:\n  ${evil}\n  second line`);
    }
  });

  it("keeps the subject on one line (header injection)", () => {
    const { subject } = renderPartnerNotification({ ...inputs["escalation-level"], levelName: "Lead\r\nBcc: x@example.com", title: "t\nBcc: y@example.com" } as PartnerNotificationInput);
    expect(subject).toBe("[Case #CASE-2026-0077] Escalation level 2 — Lead Bcc: x@example.com: t Bcc: y@example.com");
  });

  it("names every support vehicle", () => {
    for (const vehicle of Object.keys(supportVehicleNames) as Array<keyof typeof supportVehicleNames>) {
      expect(renderPartnerNotification({ ...inputs["microsoft-request-filed"], vehicle } as PartnerNotificationInput).text).toContain(supportVehicleNames[vehicle]);
    }
  });

  it("rejects invalid percent, level, instants and zones with RangeError", () => {
    expect(() => renderPartnerNotification({ ...inputs["sla-warning"], percent: 0 } as PartnerNotificationInput)).toThrow(RangeError);
    expect(() => renderPartnerNotification({ ...inputs["sla-warning"], percent: Number.NaN } as PartnerNotificationInput)).toThrow(RangeError);
    expect(() => renderPartnerNotification({ ...inputs["escalation-level"], level: 1.5 } as PartnerNotificationInput)).toThrow(RangeError);
    expect(() => renderPartnerNotification({ ...inputs["escalation-level"], unresolvedSince: "yesterday" } as PartnerNotificationInput)).toThrow(RangeError);
    expect(() => renderPartnerNotification({ ...inputs["escalated-to-provider"], timeZone: "Mars/Olympus" })).toThrow(RangeError);
  });
});
