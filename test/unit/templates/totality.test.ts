/**
 * Rendering is total over text: every template (customer emails for every status and notice, in
 * every supported language; partner notifications of every kind; plain-text notifications), the
 * header rules every outgoing email passes, the SMTP adapter's MIME composition and the blob
 * metadata of inbound email, for arbitrary strings in every free-text field — full Unicode,
 * arbitrary UTF-16 code units (lone surrogates), NUL and other controls, U+2028/U+2029,
 * bidirectional and zero-width marks, markup, very long words. Nothing throws, and what comes out is well-formed, single-line where it must be, and
 * free of control characters and of unescaped markup.
 */
import fc from "fast-check";
import MailComposer from "nodemailer/lib/mail-composer";
import { CaseStatuses, isWellFormedText, SupportedLanguages, SupportVehicles, type CaseStatus, type SupportedLanguage } from "../../../shared/contracts";
import { toBlobMetadataValue } from "../../../shared/adapters/blobInboundEmailStore";
import { toNodemailerMessage } from "../../../shared/adapters/smtpEmailSender";
import { withSafeHeaderText } from "../../../shared/services/safeHeaders";
import { CustomerNoticeKinds, renderCustomerEmail, renderPartnerNotification, renderStatusEmail, renderTextNotification, safeMailtoHref, toSingleLine, type CustomerEmailInput, type PartnerNotificationInput, type RenderedEmail } from "../../../shared/templates";

/** Characters that broke, or could break, a string path somewhere. */
const HOSTILE = ["\ud83d", "\ude00", "\udbff", "\udc00", "\u0000", "\u0007", "\u001b", "\u007f", "\u0085", "\u009f", "\r", "\n", "\r\n", "\t", "\u2028", "\u2029", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\u2060", "\ufeff", "\ufffe", "\uffff", "\u{1f600}", "\u{10ffff}", "e\u0301", "<script>alert(1)</script>", "&amp;", '"', "'", "`", "=?utf-8?B?SGk=?=", "{{title}}", "%", "%E0%A4%A", "a@b.example", "<x@y.example>", "\\"];

/** One UTF-16 code unit of any value (lone surrogates included). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Arbitrary text: full Unicode (`unit: "binary"`), arbitrary code units, the hostile characters, or a very long word. */
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...HOSTILE), maxLength: 12 }),
  fc.string({ unit: fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: "binary", minLength: 1, maxLength: 3 })), maxLength: 20 }),
  fc.tuple(fc.constantFrom("x", "\u{1f600}", "ő", "\u0645"), fc.integer({ min: 200, max: 3000 })).map(([c, n]) => c.repeat(n)),
);
const optionalText = fc.option(text, { nil: undefined });
const caseId = fc.stringMatching(/^CS-[0-9A-HJKMNP-TV-Z]{10}$/);
const instant = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString());

/** Control characters no rendered part may hold (TAB and LF aside), and the separators that are rendered as line breaks. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
const SINGLE_LINE_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function expectWellFormedEmail(email: RenderedEmail, id: string): void {
  for (const part of [email.subject, email.text, email.html]) {
    expect(isWellFormedText(part)).toBe(true);
    expect(part).not.toMatch(CONTROL);
  }
  expect(email.subject).not.toMatch(SINGLE_LINE_FORBIDDEN);
  expect(email.subject.startsWith(`[Case #${id}]`)).toBe(true);
  // Nothing from the input can open an element: the only tags are the template's own.
  expect(email.html).not.toMatch(/<script|<x@/i);
}

const customerBase = fc.record({
  language: fc.constantFrom(...SupportedLanguages),
  caseId,
  customerName: text,
  title: text,
  partnerName: text,
  timeZone: fc.constantFrom("Europe/Budapest", "UTC", "America/New_York", "Asia/Kolkata"),
  supportContact: fc.oneof(text, fc.constant("support@contoso.example")),
  occurredAt: fc.option(instant, { nil: undefined }),
});

const supportTerms = fc.record({ supportTypes: fc.array(text, { minLength: 1, maxLength: 3 }), serviceHoursText: text, contactMethods: fc.array(text, { minLength: 1, maxLength: 3 }), pricing: text });

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

describe("customer emails: every status and notice, in every language, for arbitrary text", () => {
  it("render without throwing to well-formed, escaped output", () => {
    fc.assert(
      fc.property(customerBase, optionalText, fc.option(instant, { nil: undefined }), fc.option(supportTerms, { nil: undefined }), optionalText, text, (base, message, when, terms, billingContact, update) => {
        for (const language of SupportedLanguages as readonly SupportedLanguage[]) {
          const common = withoutUndefined({ ...base, language });
          for (const status of CaseStatuses as readonly CaseStatus[]) {
            const input = withoutUndefined({ ...common, kind: "status" as const, status, message, respondBy: when, category: "billing" as const, billingContact, supportTerms: terms });
            expectWellFormedEmail(renderCustomerEmail(input), base.caseId);
          }
          // A partner update needs a message with text (validation refuses a blank one).
          const updates: CustomerEmailInput[] = [
            withoutUndefined({ ...common, kind: "partner-update" as const, message: `${update}.`, nextUpdateBy: when, status: "in-diagnosis" as const }),
            withoutUndefined({ ...common, kind: "sla-delay" as const, message, dueAt: when }),
          ];
          expect(updates.map((u) => u.kind).sort()).toEqual([...CustomerNoticeKinds].sort());
          for (const input of updates) expectWellFormedEmail(renderCustomerEmail(input), base.caseId);
          expectWellFormedEmail(renderStatusEmail(withoutUndefined({ ...common, status: "resolved" as const, message })), base.caseId);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("the reported case: a title holding an unpaired surrogate renders, linked contact and all", () => {
    for (const language of SupportedLanguages) {
      const email = renderStatusEmail({ language, caseId: "CS-0000000001", customerName: "Tisza", title: "Broken \ud83d title", partnerName: "Contoso", timeZone: "Europe/Budapest", supportContact: "support@contoso.example", status: "received" });
      expectWellFormedEmail(email, "CS-0000000001");
      expect(email.subject).toContain("Broken \ufffd title");
      expect(email.html).toContain('href="mailto:support@contoso.example?subject');
    }
  });
});

const partnerBase = fc.record({ caseId, partnerName: text, customerName: text, title: text, severity: fc.constantFrom("A" as const, "B" as const, "C" as const), timeZone: fc.constant("Europe/Budapest"), caseUrl: optionalText });
const payload = fc.record({
  Title: text,
  Description: text,
  Severity: fc.constantFrom("critical" as const, "moderate" as const, "minimal" as const),
  SupportTopicId: text,
  ProductName: text,
  PrimaryContact: fc.record({ Email: text, FirstName: optionalText, LastName: optionalText, PhoneNumber: optionalText }).map(withoutUndefined),
});

describe("partner notifications: every kind, for arbitrary text", () => {
  it("render without throwing to well-formed, escaped output", () => {
    fc.assert(
      fc.property(partnerBase, text, optionalText, instant, payload, fc.constantFrom(...SupportVehicles), (b, reason, optional, at, p, vehicle) => {
        const base = withoutUndefined(b);
        const inputs: PartnerNotificationInput[] = [
          withoutUndefined({ ...base, kind: "sla-warning" as const, metric: "first-response" as const, percent: 75, reachedAt: at, dueAt: at, target: optional, policyName: optional }),
          withoutUndefined({ ...base, kind: "sla-breached" as const, metric: "resolution" as const, dueAt: at, target: optional, action: optional, policyName: optional }),
          withoutUndefined({ ...base, kind: "escalation-level" as const, level: 2, levelName: reason, unresolvedSince: at, reason: optional, nextLevel: { level: 3, name: reason, at } }),
          { ...base, kind: "escalated-to-provider", resellerName: reason, reason },
          { ...base, kind: "not-escalated", category: "technical", product: "azure", reason },
          withoutUndefined({ ...base, kind: "microsoft-request-prepared" as const, vehicle, payload: p, locale: "en-US", reason: optional, filingError: optional }),
          withoutUndefined({ ...base, kind: "microsoft-request-filed" as const, vehicle, serviceRequestId: reason, payload: p, reason: optional }),
          { ...base, kind: "customer-email-failed", fault: { class: "permanent", code: "recipient-refused", message: reason }, undeliverable: [reason], status: "in-diagnosis" },
        ];
        for (const input of inputs) expectWellFormedEmail(renderPartnerNotification(input), b.caseId);
      }),
      { numRuns: 60 },
    );
  });

  it("plain-text notifications (NotifyPartner) render to well-formed, escaped output", () => {
    fc.assert(
      fc.property(caseId, text, text, (id, subject, body) => {
        expectWellFormedEmail(renderTextNotification({ subject: `[Case #${id}] ${subject}`, text: body }), id);
      }),
      { numRuns: 200 },
    );
  });
});

describe("string helpers and outgoing headers, for arbitrary text", () => {
  it("toSingleLine and safeMailtoHref are total; single lines stay single and well-formed", () => {
    fc.assert(
      fc.property(text, (value) => {
        const line = toSingleLine(value);
        expect(isWellFormedText(line)).toBe(true);
        expect(line).not.toMatch(SINGLE_LINE_FORBIDDEN);
        expect(safeMailtoHref("support@contoso.example", value)).toMatch(/^mailto:support@contoso\.example/);
        expect(safeMailtoHref(value, value) === undefined || /^mailto:[^\s"<>]+$/.test(safeMailtoHref(value, value) ?? "")).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("every outgoing message gets well-formed one-line display names and subject, and composes to MIME through the SMTP adapter's mapping", async () => {
    await fc.assert(
      fc.asyncProperty(text, text, text, text, async (name, subject, body, cc) => {
        const message = withSafeHeaderText({
          from: { address: "no-reply@contoso.example", displayName: name },
          to: [{ address: "it@fabrikam.example", displayName: name }],
          cc: [{ address: "billing@contoso.example", displayName: cc }],
          subject,
          text: body,
          html: `<p>${body}</p>`,
          messageId: "<CS-0000000001.received@contoso.example>",
          headers: { "Auto-Submitted": "auto-generated", "In-Reply-To": "<CS-0000000001.received@contoso.example>" },
        });
        for (const header of [message.subject, message.from.displayName ?? "", message.to[0]?.displayName ?? "", message.cc?.[0]?.displayName ?? ""]) {
          expect(isWellFormedText(header)).toBe(true);
          expect(header).not.toMatch(SINGLE_LINE_FORBIDDEN);
        }
        const mime = await new MailComposer(toNodemailerMessage(message)).compile().build();
        const head = mime.toString("latin1").split("\r\n\r\n")[0] ?? "";
        // Every header line is a header field or a folded continuation: nothing the text held broke out.
        for (const line of head.split("\r\n")) expect(line).toMatch(/^(?:[A-Za-z0-9-]+:(?: |$)|[ \t])/);
        if (message.subject !== "") expect(head).toMatch(/^Subject:/m);
      }),
      { numRuns: 150 },
    );
  });
});

describe("blob metadata of inbound email (quarantine reason, sender, subject), for arbitrary text", () => {
  it("is ASCII without control characters, at most 1,024 characters, never a cut escape", () => {
    fc.assert(
      fc.property(text, (value) => {
        const meta = toBlobMetadataValue(value);
        expect(meta).toMatch(/^[\x20-\x7e]*$/);
        expect(meta.length).toBeLessThanOrEqual(1024);
        expect(meta).not.toMatch(/%[0-9A-F]?$/);
      }),
      { numRuns: 300 },
    );
    expect(toBlobMetadataValue("Broken \ud83d subject")).toBe("Broken%20%EF%BF%BD%20subject");
  });
});
