/**
 * The email intake pipeline on Azurite (tables and blobs) with a recording email sender and a
 * fake workflow: every corpus message lands where test/fixtures/email/expected.json says, a replay
 * changes nothing, a permanent bounce marks the address undeliverable and tells the partner,
 * quarantined messages are listed, attachments are stored and listed, reclassification works.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import partners from "../../fixtures/demo/partners.json";
import expected from "../../fixtures/email/expected.json";
import { createContainer, type Container } from "../../../shared/container";
import { actionSignalOf, type PartnerDefinitionInput, type SupportRequest } from "../../../shared/contracts";
import { isQuarantine, parseMessage } from "../../../shared/services/inboundEmail/parseMessage";
import { processInboundEmail, reclassifySupportRequest, recordCustomerFromCase, type InboundEmailDeps } from "../../../shared/services/inboundEmail";
import { createSendStatusEmail } from "../../../shared/services";
import { renderStatusEmail } from "../../../shared/templates/statusEmail";
import { FakeWorkflow, RecordingSender, testConfig } from "../app/helpers";
import { corpusFiles, EXPECTED, readEml } from "../../unit/email/corpus";

let container: Container;
let sender: RecordingSender;
let workflow: FakeWorkflow;
let deps: InboundEmailDeps;
const results = new Map<string, Awaited<ReturnType<typeof processInboundEmail>>>();

const CASE_CUSTOMERS = expected.cases as Record<string, { partnerId: string; customerEmail: string; title: string }>;

function seedCase(caseId: string, c: { partnerId: string; customerEmail: string; title: string }): SupportRequest {
  const now = new Date().toISOString();
  return {
    caseId,
    partnerId: c.partnerId,
    channel: "webhook",
    customer: { tenantId: "2b7e3c1a-1111-4222-8333-444455556666", name: c.customerEmail.split("@")[1] ?? "x", email: c.customerEmail, preferredLanguage: "en" },
    product: "azure",
    category: "technical",
    severity: "B",
    title: c.title,
    description: "seeded",
    status: "in-diagnosis",
    createdAt: now,
    updatedAt: now,
  };
}

beforeAll(async () => {
  sender = new RecordingSender();
  workflow = new FakeWorkflow();
  container = createContainer(testConfig("inb", { INBOUND_ACK_MAX_PER_HOUR: "3" }), { emailSender: sender, createWorkflow: () => workflow });
  for (const p of partners as unknown as PartnerDefinitionInput[]) await container.registerPartner(p);
  for (const [caseId, c] of Object.entries(CASE_CUSTOMERS)) {
    const sr = seedCase(caseId, c);
    await container.cases.createCase(sr, { entryId: "received", kind: "status-changed", at: sr.createdAt, toStatus: "received", summary: "seeded" });
    await workflow.start(caseId, c.partnerId);
    const domain = (partners as Array<{ id: string; senderEmail: string }>).find((p) => p.id === c.partnerId)?.senderEmail.split("@")[1] ?? "";
    await container.notifications.recordSent(c.partnerId, { caseId, notificationKey: "received", messageId: `<${caseId}.received@${domain}>`, providerMessageId: "seed", to: [c.customerEmail], subject: "seed", sentAt: sr.createdAt });
  }
  // The directory knows one customer (from a webhook case): 01's sender.
  await recordCustomerFromCase({ directory: container.customerDirectory, clock: container.clock }, { ...seedCase("CS-0000000000", { partnerId: "duna-cloud-budapest", customerEmail: "ops@northwind-traders.example", title: "x" }), customer: { tenantId: "7d0c5f5e-0d7a-4f39-9a51-3b1f6f0d2a10", name: "Northwind Traders", email: "ops@northwind-traders.example", preferredLanguage: "en" } });
  deps = container.inboundEmailDeps(workflow);
  for (const file of corpusFiles()) {
    const want = EXPECTED[file]!;
    results.set(file, await processInboundEmail(deps, { partnerId: want.partnerId, blobName: `${want.partnerId}/test-${randomUUID()}-${file}`, raw: readEml(file) }));
  }
});

describe("every corpus message lands where expected", () => {
  it.each(corpusFiles())("%s", async (file) => {
    const want = EXPECTED[file]!;
    const got = results.get(file)!;
    expect(got.duplicate).toBe(false);
    switch (want.outcome) {
      case "new": {
        expect(got.outcome.kind).toBe("new");
        const caseId = (got.outcome as { caseId: string }).caseId;
        const sr = (await container.cases.getCase(want.partnerId, caseId))!;
        expect(sr).toMatchObject({ channel: "email", product: want.product, category: want.category, severity: want.severity, customer: { preferredLanguage: want.language } });
        if (want.refusedCaseToken) expect(sr.inboundEmail?.refusedCaseToken).toBe(want.refusedCaseToken);
        if (want.messageIdSource) expect(sr.inboundEmail?.messageIdSource).toBe(want.messageIdSource);
        expect(workflow.started.some((s) => s.caseId === caseId)).toBe(true);
        break;
      }
      case "reply": {
        expect(got.outcome).toEqual({ kind: "reply", caseId: want.caseId, via: want.via });
        const timeline = await container.cases.listTimeline(want.partnerId, want.caseId!);
        const entry = timeline.find((e) => e.kind === "customer-reply" && e.details?.messageId === got.messageId);
        expect(entry).toBeDefined();
        // The quoted history is stripped: our own notification text is not in the excerpt.
        expect(String(entry?.details?.text)).not.toMatch(/\[Case #CS-/);
        const inbox = await container.inbox.listAfter(want.partnerId, want.caseId!);
        const stored = inbox.filter((r) => r.action.type === "customer-reply" && r.action.messageId === got.messageId);
        expect(stored).toHaveLength(1);
        // The signal carries the stored record (null only when over 16 KiB: the workflow reads the inbox).
        const signals = workflow.events.filter((e) => e.caseId === want.caseId && e.eventName === "CaseActionsAvailable").map((e) => e.payload);
        expect(signals).toContainEqual(actionSignalOf(stored[0]!));
        break;
      }
      case "quarantine": {
        expect(got.outcome).toMatchObject({ kind: "quarantine", reason: want.reason });
        const listed = await container.inboundLog.listQuarantine(want.partnerId);
        expect(listed.items.some((q) => q.messageId === got.messageId && q.reason === want.reason)).toBe(true);
        break;
      }
      default: {
        expect(got.outcome.kind).toBe(want.outcome);
        const ignored = await container.inboundLog.listIgnored(want.partnerId);
        expect(ignored.items.some((i) => i.messageId === got.messageId && i.kind === want.outcome)).toBe(true);
        if (want.caseId) expect((got.outcome as { caseId?: string; caseIds?: string[] }).caseId ?? (got.outcome as { caseIds?: string[] }).caseIds?.[0]).toBe(want.caseId);
      }
    }
  });
});

describe("pipeline rules", () => {
  it("a replay of every message changes nothing", async () => {
    const before = { started: workflow.started.length, events: workflow.events.length, mails: sender.sent.length };
    for (const file of corpusFiles()) {
      const want = EXPECTED[file]!;
      const again = await processInboundEmail(deps, { partnerId: want.partnerId, blobName: `${want.partnerId}/replay-${randomUUID()}.eml`, raw: readEml(file) });
      expect(again.duplicate).toBe(true);
      expect(again.outcome).toEqual(results.get(file)!.outcome);
    }
    expect({ started: workflow.started.length, events: workflow.events.length, mails: sender.sent.length }).toEqual(before);
  });

  it("an unknown sender's request is flagged for verification with a placeholder tenant; a known one is not", async () => {
    const unknown = results.get("20-new-windows-1252-en.eml")!.outcome as { caseId: string; needsVerification: boolean };
    expect(unknown.needsVerification).toBe(true);
    expect((await container.cases.getCase("duna-cloud-budapest", unknown.caseId))?.customer.tenantId).toBe("00000000-0000-0000-0000-000000000000");
    const known = results.get("01-new-plain-en.eml")!.outcome as { caseId: string; needsVerification: boolean };
    expect(known.needsVerification).toBe(false);
    expect((await container.cases.getCase("duna-cloud-budapest", known.caseId))?.customer).toMatchObject({ tenantId: "7d0c5f5e-0d7a-4f39-9a51-3b1f6f0d2a10", name: "Northwind Traders" });
  });

  it("a permanent bounce marks the address undeliverable on the case, tells the partner, and status emails skip it", async () => {
    const sr = (await container.cases.getCase("duna-cloud-budapest", "CS-0K7Q2M4XPR"))!;
    expect(sr.undeliverableEmails?.map((u) => u.address)).toEqual(["gabor.nagy@tisza-logisztika.example"]);
    expect(sender.sent.some((m) => m.to.some((t) => t.address === "helpdesk@duna-cloud.example") && m.subject.includes("undeliverable"))).toBe(true);
    // Mark the customer's own address undeliverable: SendStatusEmail skips.
    await container.cases.updateCase("duna-cloud-budapest", "CS-0K7Q3A1B2C", { entryId: "test-undeliverable", kind: "note", at: new Date().toISOString(), summary: "test" }, (c) => ({ ...c, undeliverableEmails: [{ address: c.customer.email, at: new Date().toISOString() }] }));
    const send = createSendStatusEmail({ cases: container.cases, partners: container.partners, notifications: container.notifications, emailSender: sender, renderStatusEmail, clock: container.clock });
    const before = sender.sent.length;
    await expect(send({ caseId: "CS-0K7Q3A1B2C", partnerId: "duna-cloud-budapest", notificationKey: "test-after-bounce", status: "in-diagnosis" })).resolves.toMatchObject({ outcome: "skipped" });
    expect(sender.sent.length).toBe(before);
  });

  it("quarantine copies the message with the reason, lists it and tells the partner; an oversized message too", async () => {
    const plain = readEml("01-new-plain-en.eml");
    const head = plain.subarray(0, plain.indexOf("\r\n\r\n") + 4).toString("latin1").replace(/Message-ID: <[^>]+>/, "Message-ID: <big-one@northwind-traders.example>");
    const big = Buffer.concat([Buffer.from(head, "latin1"), Buffer.alloc(10000, 0x61)]);
    const small = { ...deps, limits: { ...deps.limits, maxBytes: 4096 } };
    const r = await processInboundEmail(small, { partnerId: "duna-cloud-budapest", blobName: "duna-cloud-budapest/big.eml", raw: big });
    expect(r.outcome).toMatchObject({ kind: "quarantine", reason: "too-large" });
    const listed = await container.inboundLog.listQuarantine("duna-cloud-budapest");
    expect(listed.items.map((q) => q.reason).sort()).toEqual(["malformed", "too-large"]);
    const props = await (await container.inboundBlobs.container("inbound-email-quarantine")).getBlobClient("duna-cloud-budapest/big.eml").getProperties();
    expect(props.metadata).toMatchObject({ reason: "too-large" });
    expect(sender.sent.filter((m) => m.subject.startsWith("Inbound email quarantined"))).toHaveLength(2);
  });

  it("attachments are stored in case-attachments and listed on the case", async () => {
    const caseId = (results.get("30-attachments-pdf-inline-png.eml")!.outcome as { caseId: string }).caseId;
    const list = await container.inboundLog.listAttachments("duna-cloud-budapest", caseId);
    expect(list.map((a) => ({ type: a.contentType, inline: a.inline }))).toEqual([
      { type: "image/png", inline: true },
      { type: "application/pdf", inline: false },
    ]);
    const blob = (await container.inboundBlobs.container("case-attachments")).getBlobClient(list[1]!.blobName!);
    expect((await blob.getProperties()).contentLength).toBe(list[1]!.sizeBytes);
  });

  it("an attachment whose part declares no valid media type is stored as application/octet-stream, the request created", async () => {
    const raw = `From: Anna <anna@fabrikam-invoices.example>\r\nTo: helpdesk@duna-cloud.example\r\nSubject: Invoice attached\r\nMessage-ID: <ct-${randomUUID()}@fabrikam-invoices.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe invoice is attached.\r\n--q\r\nContent-Type: application/pdf\u0001 Sz\u00e1mla\u0151\r\nContent-Disposition: attachment; filename="szamla.pdf"\r\n\r\n%PDF-1.4\r\n--q--\r\n`;
    const got = await processInboundEmail(deps, { partnerId: "duna-cloud-budapest", blobName: `duna-cloud-budapest/content-type-${randomUUID()}.eml`, raw: Buffer.from(raw, "utf8") });
    expect(got.outcome).toMatchObject({ kind: "new" });
    const caseId = (got.outcome as { caseId: string }).caseId;
    const list = await container.inboundLog.listAttachments("duna-cloud-budapest", caseId);
    expect(list.map((a) => [a.filename, a.contentType])).toEqual([["szamla.pdf", "application/octet-stream"]]);
    const blob = (await container.inboundBlobs.container("case-attachments")).getBlobClient(list[0]!.blobName!);
    expect((await blob.getProperties()).contentType).toBe("application/octet-stream");
  });

  it("any structure a mailer may send is processed to a visible outcome without throwing, its attachments stored (property)", async () => {
    // Parts whose headers are what a broken or hostile mailer may write: arbitrary media types,
    // charsets, transfer encodings and names, over a multipart message from a known customer.
    const token = fc.string({ unit: "binary", maxLength: 30 }).filter((t) => !/[\r\n]/.test(t));
    const part = fc.record({
      type: fc.oneof(token, fc.constantFrom("application/pdf", "image/png", "text/plain", "message/rfc822", "text/html", "multipart/mixed")),
      charset: fc.oneof(token, fc.constantFrom("utf-8", "iso-8859-2", "x-unknown", "utf-7")),
      encoding: fc.oneof(token, fc.constantFrom("base64", "quoted-printable", "8bit", "binary")),
      filename: token,
      body: fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("base64"))),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(part, { minLength: 1, maxLength: 4 }), async (parts) => {
        const raw =
          `From: Anna <anna-${randomUUID().slice(0, 8)}@fabrikam-files.example>\r\nTo: helpdesk@duna-cloud.example\r\nSubject: Files\r\nMessage-ID: <pp-${randomUUID()}@fabrikam-files.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the files.\r\n` +
          parts.map((p) => `--q\r\nContent-Type: ${p.type}; charset=${p.charset}\r\nContent-Transfer-Encoding: ${p.encoding}\r\nContent-Disposition: attachment; filename="${p.filename.replace(/"/g, "")}"\r\n\r\n${p.body}\r\n`).join("") +
          "--q--\r\n";
        const bytes = Buffer.from(raw, "utf8");
        const got = await processInboundEmail(deps, { partnerId: "duna-cloud-budapest", blobName: `duna-cloud-budapest/property-${randomUUID()}.eml`, raw: bytes });
        expect(["new", "quarantine"]).toContain(got.outcome.kind);
        const parsed = await parseMessage(bytes, { maxBytes: 10 * 1024 * 1024, maxAttachmentBytes: 5 * 1024 * 1024 });
        if (got.outcome.kind !== "new" || isQuarantine(parsed)) return;
        const listed = await container.inboundLog.listAttachments("duna-cloud-budapest", (got.outcome as { caseId: string }).caseId);
        expect(listed).toHaveLength(parsed.attachments.length);
      }),
      { numRuns: 40 },
    );
  });

  it("acknowledgements are rate-limited per sender: the 4th request in an hour is created but flagged", async () => {
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      const raw = Buffer.from(`From: flood@northwind-traders.example\r\nTo: helpdesk@duna-cloud.example\r\nSubject: Invoice question ${i}\r\nMessage-ID: <flood-${i}-${randomUUID()}@northwind-traders.example>\r\n\r\nPlease check invoice ${i}.\r\n`);
      outcomes.push((await processInboundEmail(deps, { partnerId: "duna-cloud-budapest", blobName: `duna-cloud-budapest/flood-${i}.eml`, raw })).outcome as { acknowledgementSuppressed: boolean });
    }
    expect(outcomes.map((o) => o.acknowledgementSuppressed)).toEqual([false, false, false, true]);
  });

  it("the partner reclassifies a request; the timeline records it", async () => {
    const caseId = (results.get("03-forwarded-en.eml")!.outcome as { caseId: string }).caseId;
    const updated = await reclassifySupportRequest({ cases: container.cases, clock: container.clock }, "duna-cloud-budapest", caseId, { product: "power-platform", severity: "B" });
    expect(updated).toMatchObject({ product: "power-platform", severity: "B", category: "technical" });
    const timeline = await container.cases.listTimeline("duna-cloud-budapest", caseId);
    expect(timeline.find((e) => e.kind === "reclassified")?.details).toEqual({ from: { product: "microsoft-365", category: "technical", severity: "C" }, to: { product: "power-platform", category: "technical", severity: "B" } });
    await expect(reclassifySupportRequest({ cases: container.cases, clock: container.clock }, "wisla-it-warszawa", caseId, { severity: "A" })).rejects.toMatchObject({ code: "NotFound" });
    await expect(reclassifySupportRequest({ cases: container.cases, clock: container.clock }, "duna-cloud-budapest", caseId, { colour: "red" })).rejects.toMatchObject({ code: "ValidationFailed" });
  });
});

describe("senders, subjects and languages of real-world mail", () => {
  const process = (raw: string, name: string, partnerId = "duna-cloud-budapest") => processInboundEmail(deps, { partnerId, blobName: `${partnerId}/${name}-${randomUUID()}.eml`, raw: Buffer.from(raw, "utf8") });
  const sendStatus = () => createSendStatusEmail({ cases: container.cases, partners: container.partners, notifications: container.notifications, emailSender: sender, renderStatusEmail, clock: container.clock });

  it("a sender the app cannot mail gets a request flagged undeliverable, and no acknowledgement is attempted", async () => {
    const r = await process(`From: John <john.@contoso-undeliverable.example>\r\nTo: helpdesk@duna-cloud.example\r\nSubject: Invoice question\r\nMessage-ID: <undeliverable-${randomUUID()}@contoso-undeliverable.example>\r\n\r\nPlease check our invoice for March.\r\n`, "undeliverable");
    expect(r.outcome).toMatchObject({ kind: "new", acknowledgementSuppressed: true });
    const caseId = (r.outcome as { caseId: string }).caseId;
    const sr = (await container.cases.getCase("duna-cloud-budapest", caseId))!;
    expect(sr.inboundEmail).toMatchObject({ from: "john.@contoso-undeliverable.example", undeliverable: true, senderSource: "from" });
    expect(sr.undeliverableEmails?.map((u) => u.address)).toEqual(["john.@contoso-undeliverable.example"]);
    const before = sender.sent.length;
    await expect(sendStatus()({ caseId, partnerId: "duna-cloud-budapest", notificationKey: "received", status: "received" })).resolves.toMatchObject({ outcome: "skipped" });
    await expect(sendStatus()({ caseId, partnerId: "duna-cloud-budapest", notificationKey: "in-diagnosis", status: "in-diagnosis" })).resolves.toMatchObject({ outcome: "skipped" });
    expect(sender.sent.length).toBe(before);
    const log = await container.inboundLog.listLog("duna-cloud-budapest", { caseId, limit: 10 });
    expect(log.items.map((e) => e.flags)).toEqual([expect.arrayContaining(["undeliverable-sender", "acknowledgement-suppressed"])]);
  });

  it("a trailing-dot domain is normalised and acknowledged; Reply-To stands in for a From without an address", async () => {
    const dot = await process(`From: Anna <anna@northwind-traders.example.>\r\nTo: helpdesk@duna-cloud.example\r\nSubject: Licence count\r\nMessage-ID: <dot-${randomUUID()}@northwind-traders.example>\r\n\r\nWe need five more licences.\r\n`, "dot");
    expect(dot.outcome).toMatchObject({ kind: "new", acknowledgementSuppressed: false });
    expect((await container.cases.getCase("duna-cloud-budapest", (dot.outcome as { caseId: string }).caseId))?.customer.email).toBe("anna@northwind-traders.example");
    const replyTo = await process(`From: "Helpdesk form" <>\r\nReply-To: Péter <peter@contoso-form.example>\r\nTo: helpdesk@duna-cloud.example\r\nSubject: Teams sign-in fails\r\nMessage-ID: <rt-${randomUUID()}@contoso-form.example>\r\n\r\nNobody can sign in to Teams since this morning.\r\n`, "reply-to");
    const sr = (await container.cases.getCase("duna-cloud-budapest", (replyTo.outcome as { caseId: string }).caseId))!;
    expect(sr.inboundEmail).toMatchObject({ from: "peter@contoso-form.example", senderSource: "reply-to" });
  });

  it("a subject that cannot be decoded never reaches the customer: the title is a neutral notice", async () => {
    const r = await process(`From: ops@northwind-traders.example\r\nTo: helpdesk@duna-cloud.example\r\nSubject: =?UTF-8?B?nnDusSNdG92w6Fu4?=\r\nMessage-ID: <garbled-${randomUUID()}@northwind-traders.example>\r\n\r\nThe VPN gateway drops connections every hour.\r\n`, "garbled");
    const caseId = (r.outcome as { caseId: string }).caseId;
    expect((await container.cases.getCase("duna-cloud-budapest", caseId))?.title).toBe("Email request (subject could not be decoded)");
    const before = sender.sent.length;
    await sendStatus()({ caseId, partnerId: "duna-cloud-budapest", notificationKey: "received", status: "received" });
    const ack = sender.sent.slice(before).find((m) => m.to.some((t) => t.address === "ops@northwind-traders.example"))!;
    expect(ack.subject).not.toMatch(/[\ufffd\u0080-\u009f]/);
    expect(ack.text).not.toMatch(/[\ufffd]/);
  });

  it("language: the directory wins; an unserved or unsure language gets the partner's default", async () => {
    await container.registerPartner({ ...(partners as unknown as PartnerDefinitionInput[])[0]!, id: "duna-default-cs", contacts: { support: "helpdesk-cs@duna-cloud.example", escalation: [] }, defaultLanguage: "cs" });
    const german = await process(`From: klaus@kunde-gmbh.example\r\nTo: helpdesk-cs@duna-cloud.example\r\nSubject: Rechnung Oktober\r\nMessage-ID: <de-${randomUUID()}@kunde-gmbh.example>\r\n\r\nGuten Tag, die Rechnung für Oktober ist leider doppelt belastet worden. Bitte prüfen Sie das. Mit freundlichen Grüßen\r\n`, "german", "duna-default-cs");
    const de = (await container.cases.getCase("duna-default-cs", (german.outcome as { caseId: string }).caseId))!;
    expect({ language: de.customer.preferredLanguage, decision: de.inboundEmail?.language }).toMatchObject({ language: "cs", decision: { source: "partner-default", detected: "de" } });
    const polish = await process(`From: jan@klient.example\r\nTo: helpdesk-cs@duna-cloud.example\r\nSubject: Faktura za marzec\r\nMessage-ID: <pl-${randomUUID()}@klient.example>\r\n\r\nDzień dobry, prosimy o korektę faktury za marzec, liczba licencji się nie zgadza. Pozdrawiam\r\n`, "polish", "duna-default-cs");
    expect((await container.cases.getCase("duna-default-cs", (polish.outcome as { caseId: string }).caseId))?.inboundEmail?.language).toMatchObject({ language: "pl", source: "detected" });
    const known = results.get("01-new-plain-en.eml")!.outcome as { caseId: string };
    expect((await container.cases.getCase("duna-cloud-budapest", known.caseId))?.inboundEmail?.language).toMatchObject({ language: "en", source: "directory" });
  });

  it("a bounce whose envelope sender is the From address is still recorded as a bounce", async () => {
    const raw = readEml("41-bounce-dsn-permanent.eml").toString("latin1").replace(/^Return-Path:.*\r?\n/im, "").replace(/^Message-ID: <[^>]+>/im, `Message-ID: <bounce-envelope-${randomUUID()}@mx.example>`);
    const fromLine = /^From:.*<([^>]+)>/im.exec(raw)?.[1] ?? /^From:\s*(\S+)/im.exec(raw)?.[1];
    const r = await processInboundEmail(deps, { partnerId: "duna-cloud-budapest", blobName: `duna-cloud-budapest/envelope-${randomUUID()}.eml`, raw: Buffer.from(`Return-Path: <${fromLine}>\r\n${raw}`, "latin1") });
    expect(r.outcome.kind).toBe("bounce");
  });
});
