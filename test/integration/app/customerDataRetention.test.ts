/**
 * Customer data retention on Azurite: a request closed longer ago than the partner's
 * `retention.closedCasePiiDays` has its customer's personal data erased everywhere the app keeps it
 * (case and listing rows, the indirect provider's listing copy, timeline, action inbox,
 * notifications and their Message-ID index, inbound log, raw messages, attachments and their
 * list, customer directory, the workflow's Durable history), while a request closed within the
 * period is untouched; mail that never became a request is erased by its age. The requests are
 * made by the app's own services (webhook intake, status email, email intake of a reply with an
 * attachment, escalation to the provider, closure); the workflows run on the local Durable engine
 * (emulator/durable) in this process, reached through the app's Durable adapter (the HTTP path of
 * the real DurableClient's purge is covered by emulator/test/integration/host).
 */
import { randomBytes } from "node:crypto";
import "../../fixtures/durable-app/app";
import type { DurableEngine } from "@csp-support/local-host/durable";
import { DurableSupportRequestWorkflow, type WorkflowDurableClient } from "../../../shared/adapters";
import { createContainer, type Container } from "../../../shared/container";
import type { QuarantinedEmail, SupportRequest } from "../../../shared/contracts";
import { ERASED_EMAIL, ERASED_TEXT } from "../../../shared/domain";
import { addNote, reopenCase, submitSupportRequest, type ApiPrincipal } from "../../../shared/services";
import { eraseExpiredCustomerData, type CustomerDataRetentionDeps } from "../../../shared/services/customerDataRetention";
import { processInboundEmail, recordCustomerFromCase } from "../../../shared/services/inboundEmail";
import { scanStorageForSecrets } from "../../support/secretScan";
import { newEngine, waitUntil } from "../durable/helpers";
import { FakeWorkflow, partnerDefinition, rawEmail, RecordingSender, supportRequestBody, testConfig } from "./helpers";

const cs = process.env.AZURE_STORAGE_CONNECTION_STRING as string;
const PROVIDER = "retention-provider";
const RESELLER = "retention-reseller";

/** A customer's personal data as the test writes it, each value unique and long enough for the scanner (≥ 16 characters, ASCII). */
interface CustomerData {
  email: string;
  contactName: string;
  company: string;
  title: string;
  description: string;
  diagnosis: string;
  resolution: string;
  reply: string;
  attachmentName: string;
  attachmentContent: string;
  escalation: string;
  orphanSender: string;
}

/** The customer whose request was closed long ago. */
const OLD: CustomerData = {
  email: "old.contact.zq81@oldco-retention.example",
  contactName: "Oldname Contactperson ZQ81",
  company: "Oldco Retention Holding ZQ81",
  title: "Old invoice question ZQ81-TITLE",
  description: "Our October invoice is wrong ZQ81-DESCRIPTION",
  diagnosis: "Checked the usage export ZQ81-DIAGNOSIS",
  resolution: "Credit note issued ZQ81-RESOLUTION",
  reply: "Here is the screenshot you asked for ZQ81-REPLY-TEXT",
  attachmentName: "old-invoice-zq81-attachment.txt",
  attachmentContent: "attachment bytes ZQ81-ATTACHMENT-CONTENT",
  escalation: "Please look at the meter ZQ81-ESCALATION-REASON",
  orphanSender: "stranger.zq81@orphan-retention.example",
};
/** The customer whose request was closed recently (kept). */
const RECENT: CustomerData = {
  email: "new.contact.kw42@newco-retention.example",
  contactName: "Newname Contactperson KW42",
  company: "Newco Retention Limited KW42",
  title: "Recent licence question KW42-TITLE",
  description: "We miss two licences KW42-DESCRIPTION",
  diagnosis: "Checked the licence report KW42-DIAGNOSIS",
  resolution: "Licences assigned again KW42-RESOLUTION",
  reply: "Attached the licence report KW42-REPLY-TEXT",
  attachmentName: "recent-report-kw42-attachment.txt",
  attachmentContent: "attachment bytes KW42-ATTACHMENT-CONTENT",
  escalation: "Please check the tenant KW42-ESCALATION-REASON",
  orphanSender: "stranger.kw42@orphan-retention.example",
};
/** The customer whose request was closed long ago but whose workflow still runs (deferred). */
const RUNNING: CustomerData = {
  email: "third.contact.rv17@thirdco-retention.example",
  contactName: "Thirdname Contactperson RV17",
  company: "Thirdco Retention Group RV17",
  title: "Old mailbox question RV17-TITLE",
  description: "A mailbox stopped syncing RV17-DESCRIPTION",
  diagnosis: "Looked at the sync logs RV17-DIAGNOSIS",
  resolution: "Profile recreated RV17-RESOLUTION",
  reply: "It works again, thanks RV17-REPLY-TEXT",
  attachmentName: "third-log-rv17-attachment.txt",
  attachmentContent: "attachment bytes RV17-ATTACHMENT-CONTENT",
  escalation: "Please look at the mailbox RV17-ESCALATION-REASON",
  orphanSender: "stranger.rv17@orphan-retention.example",
};

/** The scanner's labels and values of a customer's data (the orphan sender is the intake's, not the request's). */
function requestData(c: CustomerData): Map<string, string> {
  return new Map(Object.entries(c).filter(([k]) => k !== "orphanSender"));
}

let now = new Date("2024-01-10T09:00:00.000Z");
let container: Container;
let sender: RecordingSender;
let intakeWorkflow: FakeWorkflow;
let engine: DurableEngine;
let retention: CustomerDataRetentionDeps;

/** The app's Durable adapter over the local engine (what `df.getClient(context)` reaches through the host). */
function engineClient(e: DurableEngine): WorkflowDurableClient {
  return {
    getStatus: async (id: string) => (await e.getStatus(id)) as never,
    purgeInstanceHistory: async (id: string) => ({ instancesDeleted: await e.purgeInstance(id) }),
  } as unknown as WorkflowDurableClient;
}

function malformedEml(from: string): Uint8Array {
  return Buffer.concat([Buffer.from(`From: ${from}\r\n`), Buffer.from([0xff, 0x00, 0xfe]), Buffer.from(" corrupted relay output\r\nSubject: Help\r\n\r\nbody\r\n")]);
}

async function inbound(raw: Uint8Array): Promise<void> {
  const blobName = `${RESELLER}/${now.toISOString().replace(/[-:.]/g, "")}-${randomBytes(6).toString("hex")}.eml`;
  await container.inboundBlobs.putInbound(blobName, raw);
  await processInboundEmail(container.inboundEmailDeps(intakeWorkflow), { partnerId: RESELLER, blobName, raw });
}

/**
 * A request as the app makes it: webhook intake (customer recorded in the directory), the
 * "received" email, a partner diagnosis in the inbox, the customer's reply by email with an
 * attachment, an escalation to the indirect provider, resolution and closure at `closeAt`; its
 * workflow on the engine holds the customer's address in its history.
 */
async function makeClosedRequest(customer: CustomerData, createdAt: string, closeAt: string, options: { finishWorkflow?: boolean } = {}): Promise<string> {
  now = new Date(createdAt);
  const deps = container.supportRequestDeps(intakeWorkflow);
  const body = supportRequestBody({ title: customer.title, description: customer.description, customer: { tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: customer.company, email: customer.email, preferredLanguage: "en", contactName: customer.contactName } });
  const { caseId } = await submitSupportRequest(deps, RESELLER, body);
  await recordCustomerFromCase({ directory: container.customerDirectory, clock: container.clock }, (await container.cases.getCase(RESELLER, caseId))!);
  await container.activities.sendStatusEmail({ caseId, partnerId: RESELLER, notificationKey: "received", status: "received" });
  const received = sender.sent.find((m) => m.subject.includes(caseId))!;
  await container.inbox.append(RESELLER, caseId, { type: "diagnosis", outcome: "awaiting-customer", notes: customer.diagnosis }, { kind: "partner", partnerId: RESELLER });
  now = new Date(Date.parse(createdAt) + 3_600_000);
  await inbound(rawEmail({ from: customer.email, to: `support@${RESELLER}.example`, subject: "Re: your request", date: now, inReplyTo: received.messageId, text: customer.reply, attachment: { filename: customer.attachmentName, content: customer.attachmentContent } }));
  const at = (offsetMs: number): string => new Date(Date.parse(createdAt) + offsetMs).toISOString();
  await container.cases.applyTransition({ caseId, partnerId: RESELLER, entryId: "t-diagnosis", kind: "status-changed", at: at(7_200_000), summary: "In diagnosis", toStatus: "in-diagnosis", patch: { diagnosisNotes: customer.diagnosis } });
  const escalated = await container.cases.applyTransition({
    caseId,
    partnerId: RESELLER,
    entryId: "t-escalated",
    kind: "escalation-decided",
    at: at(8_000_000),
    summary: "Escalated to the indirect provider",
    toStatus: "escalated-to-provider",
    patch: { escalation: { target: "indirect-provider", providerId: PROVIDER, reason: "Indirect resellers escalate to their indirect provider", trigger: "partner-request", decidedAt: at(8_000_000) } },
    details: { reason: customer.escalation },
  });
  await container.cases.shareWithProvider(PROVIDER, escalated, { partnerId: RESELLER, name: `Partner ${RESELLER}` }, at(8_000_000));
  await container.cases.applyTransition({ caseId, partnerId: RESELLER, entryId: "t-resolved", kind: "status-changed", at: at(9_000_000), summary: "Resolved", toStatus: "resolved", patch: { resolutionSummary: customer.resolution } });
  await container.cases.applyTransition({ caseId, partnerId: RESELLER, entryId: "t-closed", kind: "status-changed", at: closeAt, summary: "Closed", toStatus: "closed" });
  // The workflow: its history holds the address (input and event payload).
  await engine.startNew("dtWaitForGo", { instanceId: caseId, input: { caseId, customer: customer.email } });
  if (options.finishWorkflow !== false) {
    await engine.raiseEvent(caseId, "go", customer.email);
    await waitUntil(async () => (await engine.getStatus(caseId))?.runtimeStatus === "Completed", 20_000, `${caseId} completed`);
  } else await waitUntil(async () => (await engine.getStatus(caseId))?.runtimeStatus === "Running", 20_000, `${caseId} running`);
  return caseId;
}

/** Everything the partner API and the services read about a request, for before/after comparisons. */
async function snapshot(caseId: string): Promise<unknown> {
  const [sr, timeline, emails, inbox, attachments, log, share, directory, instance] = await Promise.all([
    container.cases.getCase(RESELLER, caseId),
    container.cases.listTimeline(RESELLER, caseId),
    container.notifications.listSent(RESELLER, caseId),
    container.inbox.listAfter(RESELLER, caseId),
    container.inboundLog.listAttachments(RESELLER, caseId),
    container.inboundLog.listLog(RESELLER, { caseId }),
    container.cases.listCases(PROVIDER).then((p) => p.items.find((c) => c.caseId === caseId)),
    container.customerDirectory.findByEmail(RESELLER, RECENT.email),
    engine.getStatus(caseId, { showHistory: true, showInput: true }),
  ]);
  return { sr, timeline, emails, inbox, attachments, log, share, directory, instance: instance && { ...instance, lastUpdatedTime: undefined } };
}

async function blobExists(container_: "inbound-email" | "inbound-email-quarantine" | "case-attachments", name: string): Promise<boolean> {
  return container.inboundBlobs.service.getContainerClient(container_).getBlobClient(name).exists();
}

let oldCase: string;
let recentCase: string;
let runningCase: string;

beforeAll(async () => {
  sender = new RecordingSender();
  intakeWorkflow = new FakeWorkflow();
  container = createContainer(testConfig("retention"), { emailSender: sender, clock: { now: () => now } });
  engine = newEngine();
  await engine.start();
  retention = { ...container.customerDataRetentionDeps(new DurableSupportRequestWorkflow(engineClient(engine))), clock: { now: () => now } };
  await container.registerPartner(partnerDefinition(PROVIDER, { type: "indirect-provider", entitlements: [{ vehicle: "premier-support-for-partners" }] }));
  await container.registerPartner(partnerDefinition(RESELLER, { type: "indirect-reseller", indirectProviderId: PROVIDER, retention: { closedCasePiiDays: 365 } }));
  // Closed 2024-01-20 (past a year on 2025-06-10), closed 2025-06-05 (within), and one closed long
  // ago whose workflow still runs (a closed request may still be sending its last emails).
  oldCase = await makeClosedRequest(OLD, "2024-01-10T09:00:00.000Z", "2024-01-20T09:00:00.000Z");
  runningCase = await makeClosedRequest(RUNNING, "2024-01-11T09:00:00.000Z", "2024-01-21T09:00:00.000Z", { finishWorkflow: false });
  recentCase = await makeClosedRequest(RECENT, "2025-06-01T09:00:00.000Z", "2025-06-05T09:00:00.000Z");
  // Mail that never became a request: quarantined (with the partner's notice about it), old and recent.
  now = new Date("2024-01-12T09:00:00.000Z");
  await inbound(malformedEml(OLD.orphanSender));
  await container.inboundLog.takeAcknowledgement(RESELLER, OLD.orphanSender, "<ack-old@orphan.example>", now, 3);
  now = new Date("2025-06-02T09:00:00.000Z");
  await inbound(malformedEml(RECENT.orphanSender));
  await container.inboundLog.takeAcknowledgement(RESELLER, RECENT.orphanSender, "<ack-new@orphan.example>", now, 3);
});

afterAll(async () => {
  await engine?.stop();
});

describe("customer data retention", () => {
  it("stores the request's personal data where the erasure has to find it (the scan sees it before)", async () => {
    const scan = await scanStorageForSecrets(cs, new Map([...requestData(OLD), ["orphanSender", OLD.orphanSender]]), { tablePrefix: [container.config.TABLE_PREFIX, engine.taskHubName], blobNamePrefix: `${RESELLER}/` });
    const where = new Set(scan.findings.map((f) => f.where.split("/")[0] ?? ""));
    for (const table of ["Cases", "CaseTimeline", "CaseActions", "Notifications", "InboundEmail", "CaseAttachments", "CustomerDirectory"]) expect(where).toContain(`table:${container.config.TABLE_PREFIX}${table}`);
    expect(where).toContain(`table:${engine.taskHubName}History`);
    expect(where).toContain(`table:${engine.taskHubName}Instances`);
    expect([...where].filter((w) => w.startsWith("blob:"))).toEqual(expect.arrayContaining(["blob:inbound-email", "blob:case-attachments", "blob:inbound-email-quarantine"]));
  });

  it("a request closed past the retention period is erased everywhere; one closed within it and one whose workflow still runs are untouched", async () => {
    const recentBefore = await snapshot(recentCase);
    const runningBefore = await snapshot(runningCase);
    const oldAttachments = await container.inboundLog.listAttachments(RESELLER, oldCase);
    const oldLog = (await container.inboundLog.listLog(RESELLER, { caseId: oldCase })).items;
    const oldReceived = sender.sent.find((m) => m.subject.includes(oldCase))!.messageId;
    const quarantineBefore = (await container.inboundLog.listQuarantine(RESELLER)).items;
    expect(oldAttachments).toHaveLength(1);
    expect(oldLog.length).toBeGreaterThan(0);
    expect(quarantineBefore.map((q) => q.quarantinedAt)).toEqual(["2025-06-02T09:00:00.000Z", "2024-01-12T09:00:00.000Z"]);

    now = new Date("2025-06-10T02:30:00.000Z");
    const report = await eraseExpiredCustomerData(retention, { maxPerRun: 100 });
    expect(report.erased).toEqual([{ partnerId: RESELLER, caseId: oldCase }]);
    expect(report.deferred).toEqual([{ partnerId: RESELLER, caseId: runningCase, reason: "its workflow is Running" }]);
    expect(report.failed).toEqual([]);
    expect(report.blobsDeleted).toBeGreaterThanOrEqual(4); // the reply, its attachment, the quarantined message and its copy

    // Nothing of the old customer is left in any table of the app or the task hub, nor in any blob of
    // the partner, but the company name on the directory's domain entry (an organisation's name, which
    // routes the domain's future mail to the tenant; the contact address there is erased).
    const scan = await scanStorageForSecrets(cs, new Map([...requestData(OLD), ["orphanSender", OLD.orphanSender]]), { tablePrefix: [container.config.TABLE_PREFIX, engine.taskHubName], blobNamePrefix: `${RESELLER}/` });
    expect(scan.entities).toBeGreaterThan(0);
    expect(scan.findings).toEqual([{ form: "plain", secret: "company", where: `table:${container.config.TABLE_PREFIX}CustomerDirectory/${RESELLER}/domain_oldco-retention.example` }]);
    expect(await container.customerDirectory.findByDomain(RESELLER, "oldco-retention.example")).toMatchObject({ tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: OLD.company, email: ERASED_EMAIL });

    // What the partner sees of the erased request: ids, classification, statuses and times.
    const erased = (await container.cases.getCase(RESELLER, oldCase))!;
    expect(erased).toMatchObject<Partial<SupportRequest>>({ caseId: oldCase, status: "closed", closedAt: "2024-01-20T09:00:00.000Z", personalDataErasedAt: "2025-06-10T02:30:00.000Z", title: ERASED_TEXT, description: ERASED_TEXT, diagnosisNotes: ERASED_TEXT, resolutionSummary: ERASED_TEXT, product: "azure", category: "billing", severity: "B" });
    expect(erased.customer).toEqual({ tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: ERASED_TEXT, email: ERASED_EMAIL, preferredLanguage: "en" });
    expect(erased.escalation).toMatchObject({ target: "indirect-provider", providerId: PROVIDER });
    const timeline = await container.cases.listTimeline(RESELLER, oldCase);
    expect(timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(["status-changed", "customer-reply", "escalation-decided"]));
    expect(timeline.every((e) => e.summary === ERASED_TEXT && e.details === undefined)).toBe(true);
    expect(timeline.find((e) => e.entryId === "t-closed")).toMatchObject({ fromStatus: "resolved", toStatus: "closed", at: "2024-01-20T09:00:00.000Z" });
    const emails = await container.notifications.listSent(RESELLER, oldCase);
    expect(emails.length).toBeGreaterThan(0);
    expect(emails.every((n) => n.subject === ERASED_TEXT && n.to.every((t) => t === ERASED_EMAIL))).toBe(true);
    expect(await container.inboundEmailDeps(intakeWorkflow).messageIndex.findByMessageId(RESELLER, oldReceived)).toBeUndefined();
    expect(await container.inbox.listAfter(RESELLER, oldCase)).toEqual([]);
    expect(await container.inboundLog.listAttachments(RESELLER, oldCase)).toEqual([]);
    expect((await container.inboundLog.listLog(RESELLER, { caseId: oldCase })).items).toEqual([]);
    for (const entry of oldLog) expect(await blobExists("inbound-email", entry.blobName)).toBe(false);
    expect(await blobExists("case-attachments", oldAttachments[0]!.blobName!)).toBe(false);
    expect(await container.customerDirectory.findByEmail(RESELLER, OLD.email)).toBeUndefined();
    expect(await engine.getStatus(oldCase)).toBeUndefined();
    // The indirect provider's listing shows the erased copy too.
    expect((await container.cases.listCases(PROVIDER)).items.find((c) => c.caseId === oldCase)).toMatchObject({ title: ERASED_TEXT, customer: { email: ERASED_EMAIL } });
    // Mail that never became a request: the old quarantined message and its listing are gone, the recent one stays.
    expect((await container.inboundLog.listQuarantine(RESELLER)).items).toEqual([quarantineBefore[0]]);
    expect((await container.inboundLog.listLog(RESELLER, { outcomes: ["quarantine"] })).items.map((e) => e.receivedAt)).toEqual(["2025-06-02T09:00:00.000Z"]);
    const [recentQuarantined, oldQuarantined] = quarantineBefore as [QuarantinedEmail, QuarantinedEmail];
    expect([await blobExists("inbound-email-quarantine", oldQuarantined.blobName), await blobExists("inbound-email", oldQuarantined.sourceBlobName)]).toEqual([false, false]);
    expect([await blobExists("inbound-email-quarantine", recentQuarantined.blobName), await blobExists("inbound-email", recentQuarantined.sourceBlobName)]).toEqual([true, true]);
    // Recorded in the audit log, as the system.
    const audit = (await container.auditLog.list(RESELLER)).items;
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ keyId: "system", action: "EraseCustomerData", path: `/api/partners/${RESELLER}/support-requests/${oldCase}`, status: 200 }), expect.objectContaining({ keyId: "system", action: "EraseInboundEmail" })]));

    // The request closed within the period, and the one whose workflow still runs, are exactly as they were.
    expect(await snapshot(recentCase)).toEqual(recentBefore);
    expect(await snapshot(runningCase)).toEqual(runningBefore);
    const kept = await scanStorageForSecrets(cs, new Map([...requestData(RECENT), ...requestData(RUNNING)].map(([, v]) => [v, v])), { tablePrefix: [container.config.TABLE_PREFIX, engine.taskHubName], blobNamePrefix: `${RESELLER}/` });
    expect(new Set(kept.findings.map((f) => f.secret))).toEqual(new Set([...requestData(RECENT).values(), ...requestData(RUNNING).values()]));
  });

  it("is idempotent, and takes up a deferred request once its workflow has ended", async () => {
    const again = await eraseExpiredCustomerData(retention, { maxPerRun: 100 });
    expect(again.erased).toEqual([]);
    expect(again.deferred.map((d) => d.caseId)).toEqual([runningCase]);
    expect(again.inboundEntriesErased).toBe(0);
    await engine.raiseEvent(runningCase, "go", "done");
    await waitUntil(async () => (await engine.getStatus(runningCase))?.runtimeStatus === "Completed", 20_000, "workflow completed");
    const later = await eraseExpiredCustomerData(retention, { maxPerRun: 100 });
    expect(later.erased).toEqual([{ partnerId: RESELLER, caseId: runningCase }]);
    expect(await engine.getStatus(runningCase)).toBeUndefined();
    // Now nothing of either old customer is left anywhere (but the company names of the directory's domain entries).
    const scan = await scanStorageForSecrets(cs, new Map([...requestData(OLD), ...[...requestData(RUNNING)].map(([k, v]): [string, string] => [`running ${k}`, v])].filter(([k]) => !k.endsWith("company"))), { tablePrefix: [container.config.TABLE_PREFIX, engine.taskHubName], blobNamePrefix: `${RESELLER}/` });
    expect(scan.entities).toBeGreaterThan(0);
    expect(scan.findings).toEqual([]);
  });

  it("an erased request cannot be reopened or added to (409)", async () => {
    const principal: ApiPrincipal = { partnerId: RESELLER, keyId: "key_0000000000000001", role: "global-admin", keyHash: "x" };
    await expect(reopenCase(container.supportRequestDeps(intakeWorkflow), principal, oldCase, { reason: "It happened again" })).rejects.toMatchObject({ code: "Conflict" });
    await expect(addNote(container.supportRequestDeps(intakeWorkflow), principal, oldCase, { text: "Customer called" })).rejects.toMatchObject({ code: "Conflict" });
  });

  it("is bounded per run: what is left is erased by the next runs", async () => {
    const deps = container.supportRequestDeps(intakeWorkflow);
    const ids: string[] = [];
    for (const n of [1, 2]) {
      now = new Date(`2024-02-0${n}T09:00:00.000Z`);
      const { caseId } = await submitSupportRequest(deps, RESELLER, supportRequestBody({ customer: { tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: "Batch", email: `batch${n}@batch.example`, preferredLanguage: "en" } }));
      for (const to of ["in-diagnosis", "resolved", "closed"] as const) await container.cases.applyTransition({ caseId, partnerId: RESELLER, entryId: `t-${to}`, kind: "status-changed", at: now.toISOString(), summary: to, toStatus: to });
      ids.push(caseId);
    }
    now = new Date("2025-06-11T02:30:00.000Z");
    const first = await eraseExpiredCustomerData(retention, { maxPerRun: 1 });
    const second = await eraseExpiredCustomerData(retention, { maxPerRun: 1 });
    const third = await eraseExpiredCustomerData(retention, { maxPerRun: 1 });
    expect([first, second, third].map((r) => [r.erased.map((e) => e.caseId), r.more])).toEqual([
      [[ids[0]], true],
      [[ids[1]], true],
      [[], false],
    ]);
  });
});
