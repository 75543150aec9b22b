/**
 * The email intake pipeline on Azurite (tables and blobs) with a recording email sender and a
 * fake workflow: every corpus message lands where test/fixtures/email/expected.json says, a replay
 * changes nothing, a permanent bounce marks the address undeliverable and tells the partner,
 * quarantined messages are listed, attachments are stored and listed, reclassification works.
 */
import { randomUUID } from "node:crypto";
import partners from "../../fixtures/demo/partners.json";
import expected from "../../fixtures/email/expected.json";
import { createContainer, type Container } from "../../../shared/container";
import type { EmailMessage, EmailSender } from "../../../shared/ports";
import type { PartnerDefinitionInput, SupportRequest } from "../../../shared/contracts";
import { processInboundEmail, reclassifySupportRequest, recordCustomerFromCase, type InboundEmailDeps } from "../../../shared/services/inboundEmail";
import { createSendStatusEmail } from "../../../shared/services";
import { renderStatusEmail } from "../../../shared/templates/statusEmail";
import { FakeWorkflow, testConfig } from "../app/helpers";
import { corpusFiles, EXPECTED, readEml } from "../../unit/email/corpus";

class RecordingSender implements EmailSender {
  readonly sent: EmailMessage[] = [];
  async send(message: EmailMessage): Promise<{ providerMessageId: string }> {
    this.sent.push(message);
    return { providerMessageId: `p-${this.sent.length}` };
  }
  async checkHealth(): Promise<void> {}
}

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
        expect(inbox.filter((r) => r.action.type === "customer-reply" && r.action.messageId === got.messageId)).toHaveLength(1);
        expect(workflow.events.some((e) => e.caseId === want.caseId && e.eventName === "CaseActionsAvailable")).toBe(true);
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
