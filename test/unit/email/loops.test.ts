/** Loop detection (RFC 3834, RFC 3464, Exchange practice; help-desk practice "Auto-replies", "Our own mail", "Bounces"). */
import { classifyAutomated, parseDeliveryStatus, type AutomatedContext, type HeaderMap, type MailAddress } from "../../../shared/domain/email";
import { isQuarantine, parseMessage, type ParsedMessage } from "../../../shared/services/inboundEmail/parseMessage";
import { readEml } from "./corpus";

const OWN = ["duna-cloud.example"];
const customer: MailAddress = { address: "ops@northwind-traders.example" };

async function verdictOf(file: string, ownDomains = OWN) {
  const msg = (await parseMessage(readEml(file), { maxBytes: 10_000_000, maxAttachmentBytes: 5_000_000 })) as ParsedMessage;
  if (isQuarantine(msg)) throw new Error(file);
  const context: AutomatedContext = { subject: msg.subject, ownDomains };
  if (msg.deliveryStatus !== undefined) context.deliveryStatus = msg.deliveryStatus;
  if (msg.returnedHeaders !== undefined) context.returnedHeaders = msg.returnedHeaders;
  return classifyAutomated(msg.headers, msg.from, context);
}

const h = (fields: Record<string, string | string[]>): HeaderMap => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));

describe("classifyAutomated on the corpus", () => {
  it("Exchange out-of-office → auto-reply (Auto-Submitted: auto-generated), although In-Reply-To is ours", async () => {
    expect(await verdictOf("40-auto-reply-exchange-oof.eml")).toEqual({ kind: "auto-reply", marker: "auto-submitted: auto-generated" });
  });

  it("delivery-status report 5.1.1 for our notification → permanent bounce with the recipient and the case", async () => {
    expect(await verdictOf("41-bounce-dsn-permanent.eml")).toEqual({
      kind: "bounce",
      permanent: true,
      failedRecipients: ["gabor.nagy@tisza-logisztika.example"],
      status: "5.1.1",
      originalMessageId: "<CS-0K7Q2M4XPR.in-diagnosis@duna-cloud.example>",
      caseId: "CS-0K7Q2M4XPR",
      marker: "multipart/report; report-type=delivery-status",
    });
  });

  it("our own notification coming back → own-notification with its case", async () => {
    expect(await verdictOf("42-own-notification-looped.eml")).toEqual({ kind: "own-notification", caseId: "CS-0K7Q2M4XPR", marker: "message-id" });
    // Without knowing our domains it is still automated (Auto-Submitted), never a request.
    expect(await verdictOf("42-own-notification-looped.eml", [])).toEqual({ kind: "auto-reply", marker: "auto-submitted: auto-generated" });
  });

  it.each(["01-new-plain-en.eml", "02-new-html-only-hu.eml", "03-forwarded-en.eml", "10-reply-outlook-en.eml", "11-reply-outlook-hu.eml", "12-reply-gmail-pl.eml", "13-reply-applemail-cs.eml", "14-reply-thunderbird-ru.eml", "20-new-windows-1252-en.eml", "21-new-iso-8859-2-hu.eml", "22-new-windows-1250-cs.eml", "23-new-iso-8859-2-pl.eml", "24-new-windows-1251-ru.eml", "30-attachments-pdf-inline-png.eml", "50-no-message-id-pl.eml", "52-subject-token-non-customer.eml", "53-subject-token-customer.eml"])(
    "%s is human",
    async (file) => {
      expect(await verdictOf(file, file.includes("-pl") || file.includes("-cs") ? ["wisla-it.example"] : OWN)).toEqual({ kind: "human" });
    },
  );
});

describe("classifyAutomated per marker", () => {
  it.each<[string, HeaderMap, string]>([
    ["Auto-Submitted: auto-replied (RFC 3834)", h({ "auto-submitted": "auto-replied" }), "auto-submitted: auto-replied"],
    ["Auto-Submitted with a parameter", h({ "auto-submitted": "Auto-Notified; owner-email=\"x@y.example\"" }), "auto-submitted: auto-notified"],
    ["Precedence: bulk", h({ precedence: "bulk" }), "precedence: bulk"],
    ["Precedence: junk", h({ precedence: "Junk" }), "precedence: junk"],
    ["Precedence: list", h({ precedence: "list" }), "precedence: list"],
    ["Precedence: auto_reply", h({ precedence: "auto_reply" }), "precedence: auto_reply"],
    ["X-Precedence: bulk", h({ "x-precedence": "bulk" }), "x-precedence: bulk"],
    ["X-Autoreply", h({ "x-autoreply": "yes" }), "x-autoreply"],
    ["X-Autorespond", h({ "x-autorespond": "Vacation" }), "x-autorespond"],
    ["X-MS-Exchange-Inbox-Rules-Loop", h({ "x-ms-exchange-inbox-rules-loop": "ops@northwind-traders.example" }), "x-ms-exchange-inbox-rules-loop"],
    ["X-Auto-Response-Suppress", h({ "x-auto-response-suppress": "DR, RN, NRN, OOF, AutoReply" }), "x-auto-response-suppress"],
    ["X-Loop", h({ "x-loop": "helpdesk@duna-cloud.example" }), "x-loop"],
    ["null Return-Path (RFC 3834 3.3)", h({ "return-path": "<>" }), "return-path: <>"],
    ["read receipt (RFC 8098)", h({ "content-type": "multipart/report; report-type=disposition-notification; boundary=x" }), "multipart/report; report-type=disposition-notification"],
  ])("%s → auto-reply", (_label, headers, marker) => {
    expect(classifyAutomated(headers, customer, { ownDomains: OWN })).toEqual({ kind: "auto-reply", marker });
  });

  it.each([
    ["Automatic reply: [Case #CS-0K7Q3A1B2C] Received", "Automatic reply"],
    ["Automatická odpověď: [Case #CS-0K7Q6K9M0N] Přijato", "Automatická odpověď"],
    ["Automatikus válasz: [Case #CS-0K7Q2M4XPR] Beérkezett", "Automatikus válasz"],
    ["Odpowiedź automatyczna: [Case #CS-0K7Q5G7H8J] Przyjęte", "Odpowiedź automatyczna"],
    ["Автоматический ответ: [Case #CS-0K7Q4D5E6F] Получен", "Автоматический ответ"],
    ["Out of Office: back Monday", "Out of Office"],
    ["AUTOMATIC REPLY : x", "Automatic reply"],
  ])("Exchange out-of-office subject %s → auto-reply", (subject, prefix) => {
    expect(classifyAutomated({}, customer, { subject })).toEqual({ kind: "auto-reply", marker: `subject: ${prefix}` });
  });

  it.each<[string, HeaderMap, string | undefined]>([
    ["Auto-Submitted: no", h({ "auto-submitted": "no" }), undefined],
    ["X-Auto-Response-Suppress: None", h({ "x-auto-response-suppress": "None" }), undefined],
    ["Precedence: normal", h({ precedence: "normal" }), undefined],
    ["X-Autoreply: no", h({ "x-autoreply": "no" }), undefined],
    ["Inbox-rules loop of the partner's own mailbox (its relay)", h({ "x-ms-exchange-inbox-rules-loop": "helpdesk@duna-cloud.example" }), undefined],
    ["a subject merely mentioning an automatic reply", h({}), "Re: why did I get an Automatic reply?"],
  ])("%s → human", (_label, headers, subject) => {
    expect(classifyAutomated(headers, customer, subject ? { subject, ownDomains: OWN } : { ownDomains: OWN })).toEqual({ kind: "human" });
  });

  it("bounces: X-Failed-Recipients (Exim) is permanent, a MAILER-DAEMON sender alone is a bounce of unknown permanence", () => {
    expect(classifyAutomated(h({ "x-failed-recipients": "A@x.example, b@y.example" }), { address: "mailer-daemon@mx.customer.example" })).toEqual({
      kind: "bounce",
      permanent: true,
      failedRecipients: ["a@x.example", "b@y.example"],
      marker: "x-failed-recipients",
    });
    expect(classifyAutomated(h({ subject: "Undeliverable" }), { address: "postmaster@outlook.example" })).toEqual({ kind: "bounce", permanent: false, failedRecipients: [], marker: "from: postmaster" });
    expect(classifyAutomated({}, { address: "MAILER-DAEMON@mx.example" })).toMatchObject({ kind: "bounce", marker: "from: mailer-daemon" });
    expect(classifyAutomated({}, { address: "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@northwind-traders.example" })).toMatchObject({ kind: "bounce" });
  });

  it("bounces: a delayed (4.x.x) DSN is not permanent; In-Reply-To gives the original when headers are not returned", () => {
    const headers = h({ "content-type": "multipart/report; report-type=delivery-status; boundary=b", "in-reply-to": "<CS-0K7Q3A1B2C.received@duna-cloud.example>" });
    const dsn = "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; ops@northwind-traders.example\nAction: delayed\nStatus: 4.4.7\n";
    expect(classifyAutomated(headers, { address: "postmaster@mx.example" }, { deliveryStatus: dsn, ownDomains: OWN })).toEqual({
      kind: "bounce",
      permanent: false,
      failedRecipients: [],
      status: "4.4.7",
      originalMessageId: "<CS-0K7Q3A1B2C.received@duna-cloud.example>",
      caseId: "CS-0K7Q3A1B2C",
      marker: "multipart/report; report-type=delivery-status",
    });
  });

  it("a DSN wins over the other markers it carries (Auto-Submitted, null Return-Path)", () => {
    const headers = h({ "auto-submitted": "auto-replied", "return-path": "<>", "content-type": "multipart/report; report-type=delivery-status; boundary=b" });
    expect(classifyAutomated(headers, { address: "mailer-daemon@mx.example" })).toMatchObject({ kind: "bounce" });
  });

  it("own notifications: our Message-ID, or Auto-Submitted: auto-generated from our domain; not In-Reply-To alone", () => {
    expect(classifyAutomated(h({ "message-id": "<CS-0K7Q3A1B2C.resolved@duna-cloud.example>" }), { address: "no-reply@duna-cloud.example" }, { ownDomains: OWN })).toEqual({
      kind: "own-notification",
      caseId: "CS-0K7Q3A1B2C",
      marker: "message-id",
    });
    expect(classifyAutomated(h({ "auto-submitted": "auto-generated", "in-reply-to": "<CS-0K7Q3A1B2C.received@duna-cloud.example>" }), { address: "no-reply@duna-cloud.example" }, { ownDomains: OWN })).toEqual({
      kind: "own-notification",
      caseId: "CS-0K7Q3A1B2C",
      marker: "auto-submitted+own-domain",
    });
    expect(classifyAutomated(h({ "auto-submitted": "auto-generated" }), { address: "no-reply@duna-cloud.example" }, { ownDomains: OWN })).toEqual({ kind: "own-notification", marker: "auto-submitted+own-domain" });
    // A human reply carries our id in In-Reply-To and is human.
    expect(classifyAutomated(h({ "in-reply-to": "<CS-0K7Q3A1B2C.received@duna-cloud.example>" }), customer, { ownDomains: OWN })).toEqual({ kind: "human" });
    // Someone else's domain in an id of our shape is not ours.
    expect(classifyAutomated(h({ "message-id": "<CS-0K7Q3A1B2C.received@evil.example>" }), customer, { ownDomains: OWN })).toEqual({ kind: "human" });
    // Partner staff writing from the partner's domain are people.
    expect(classifyAutomated(h({}), { address: "eva@duna-cloud.example" }, { ownDomains: OWN })).toEqual({ kind: "human" });
  });
});

describe("parseDeliveryStatus (RFC 3464)", () => {
  it("reads per-recipient blocks with folded fields and address types", () => {
    const text = [
      "Reporting-MTA: dns; mx.duna-cloud.example",
      "Arrival-Date: Mon, 2 Nov 2026 09:14:02 +0100",
      "",
      "Final-Recipient: rfc822; <Gabor.Nagy@tisza-logisztika.example>",
      "Action: failed",
      "Status: 5.1.1 (bad destination mailbox address)",
      "Diagnostic-Code: smtp; 550 5.1.1 <gabor.nagy@tisza-logisztika.example>:",
      "    Recipient address rejected",
      "",
      "Original-Recipient: rfc822;ops@northwind-traders.example",
      "Action: delivered",
      "Status: 2.0.0",
    ].join("\r\n");
    expect(parseDeliveryStatus(text)).toEqual([
      { finalRecipient: "gabor.nagy@tisza-logisztika.example", action: "failed", status: "5.1.1", diagnosticCode: "smtp; 550 5.1.1 <gabor.nagy@tisza-logisztika.example>: Recipient address rejected" },
      { originalRecipient: "ops@northwind-traders.example", action: "delivered", status: "2.0.0" },
    ]);
    expect(parseDeliveryStatus("")).toEqual([]);
  });
});
