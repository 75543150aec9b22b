/**
 * The SendStatusEmail and NotifyPartner activities over real Table Storage (Azurite) and a real
 * SMTP server (MailDev): each email is sent once however often the activity runs, with the
 * threading and auto-submitted headers, and customer values escaped in the HTML.
 */
import { createContainer, type Container } from "../../../shared/container";
import { checkHealth, submitSupportRequest } from "../../../shared/services";
import { FakeWorkflow, partnerDefinition, startMailDev, supportRequestBody, testConfig, type MailDevServer } from "./helpers";

let mail: MailDevServer;
let container: Container;
let caseId: string;
const partnerId = "delta-partner";
const hostileTitle = `<script>alert("x")</script> & <b>bold</b>`;

beforeAll(async () => {
  mail = await startMailDev();
  container = createContainer(testConfig("mail", { SMTP_PORT: String(mail.smtpPort) }));
  await container.registerPartner(partnerDefinition(partnerId));
  await container.registerPartner(partnerDefinition("delta-provider", { type: "indirect-provider" }));
  const result = await submitSupportRequest(container.supportRequestDeps(new FakeWorkflow()), partnerId, supportRequestBody({ title: hostileTitle, customer: { ...(supportRequestBody().customer as object), contactName: `Eve <img src=x onerror=alert(1)>`, preferredLanguage: "en" } }));
  caseId = result.caseId;
});

afterAll(async () => {
  await mail?.close();
});

describe("SendStatusEmail", () => {
  it("sends one email per case and notification key, however often it runs", async () => {
    const input = { caseId, partnerId, notificationKey: "received", status: "received" as const };
    const first = await container.activities.sendStatusEmail(input);
    const second = await container.activities.sendStatusEmail(input);
    expect(first).toEqual({ outcome: "sent", messageId: `<${caseId}.received@${partnerId}.example>` });
    expect(second).toEqual({ outcome: "already-sent", messageId: first.messageId });
    const emails = (await mail.listEmails()).filter((e) => e.subject.includes(caseId));
    expect(emails).toHaveLength(1);
    const email = emails[0]!;
    expect(email.subject).toContain(`[Case #${caseId}]`);
    expect(email.headers["message-id"]).toBe(`<${caseId}.received@${partnerId}.example>`);
    expect(email.headers["auto-submitted"]).toBe("auto-generated");
    expect(email.headers["x-auto-response-suppress"]).toBe("All");
    expect(email.headers["in-reply-to"]).toBeUndefined();
    expect(email.to.map((t) => t.address)).toEqual(["it@tisza.example"]);
    expect(email.from[0]?.address).toBe(`no-reply@${partnerId}.example`);
    expect(email.html).not.toContain("<script>");
    expect(email.html).not.toContain("<img src=x");
    expect(email.html).toContain("&lt;script&gt;");
  });

  it("threads later emails to the first one and records them on the case", async () => {
    const input = { caseId, partnerId, notificationKey: "awaiting-customer", status: "awaiting-customer" as const, message: "Please send the <invoice> number" };
    await container.activities.sendStatusEmail(input);
    await container.activities.sendStatusEmail(input);
    const emails = (await mail.listEmails()).filter((e) => e.headers["message-id"] === `<${caseId}.awaiting-customer@${partnerId}.example>`);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.headers["in-reply-to"]).toBe(`<${caseId}.received@${partnerId}.example>`);
    expect(emails[0]!.headers.references).toBe(`<${caseId}.received@${partnerId}.example>`);
    expect(emails[0]!.html).toContain("&lt;invoice&gt;");

    const sent = await container.notifications.listSent(partnerId, caseId);
    expect(sent.map((n) => n.notificationKey)).toEqual(["received", "awaiting-customer"]);
    const timeline = await container.cases.listTimeline(partnerId, caseId);
    expect(timeline.filter((e) => e.kind === "email-sent").map((e) => e.entryId)).toEqual(["email-received", "email-awaiting-customer"]);
  });
});

describe("NotifyPartner", () => {
  it("emails the partner's support and escalation contacts once, or another partner's when asked", async () => {
    const input = { caseId, partnerId, notificationKey: "sla-breach-first-response", subject: "SLA breach (first-response)", text: `Deadline passed for ${hostileTitle}` };
    await container.activities.notifyPartner(input);
    expect((await container.activities.notifyPartner(input)).outcome).toBe("already-sent");
    await container.activities.notifyPartner({ ...input, notificationKey: "escalation-indirect-provider", recipientPartnerId: "delta-provider" });
    const emails = (await mail.listEmails()).filter((e) => e.headers["message-id"]?.startsWith(`<${caseId}.partner.`));
    expect(emails).toHaveLength(2);
    const own = emails.find((e) => e.headers["message-id"]?.includes("sla-breach"))!;
    expect(own.to.map((t) => t.address).sort()).toEqual([`duty@${partnerId}.example`, `support@${partnerId}.example`]);
    expect(own.subject).toContain(`[Case #${caseId}]`);
    expect(own.headers["auto-submitted"]).toBe("auto-generated");
    expect(own.html).not.toContain("<script>");
    const provider = emails.find((e) => e.headers["message-id"]?.includes("escalation"))!;
    expect(provider.to.map((t) => t.address).sort()).toEqual(["duty@delta-provider.example", "support@delta-provider.example"]);
  });
});

describe("GetCaseContext and RecordCaseTransition", () => {
  it("give the orchestration the case facts and partner terms, and record transitions once", async () => {
    const ctx = await container.activities.getCaseContext({ caseId, partnerId });
    expect(ctx).toMatchObject({ caseId, partnerId, status: "received", severity: "B", language: "en", partner: { type: "direct-bill", slaTarget: { firstResponse: "PT4H", clock: "business-hours" }, autoCloseAfter: "P3D" } });
    const input = { caseId, partnerId, entryId: "t01-in-diagnosis", toStatus: "in-diagnosis" as const, kind: "status-changed" as const, summary: "diagnosing", at: new Date().toISOString() };
    expect(await container.activities.recordTransition(input)).toMatchObject({ caseId, status: "in-diagnosis" });
    expect(await container.activities.recordTransition(input)).toMatchObject({ status: "in-diagnosis" });
    expect((await container.cases.listTimeline(partnerId, caseId)).filter((e) => e.entryId === "t01-in-diagnosis")).toHaveLength(1);
    await expect(container.activities.getCaseContext({ caseId, partnerId: "delta-provider" })).rejects.toThrow(/not found/);
  });
});

describe("health", () => {
  it("reports storage and mail up against Azurite and MailDev, and mail down without SMTP", async () => {
    expect(await checkHealth(container.healthChecks)).toMatchObject({ status: "healthy", checks: { storage: { status: "up" }, mail: { status: "up" } } });
    const broken = createContainer(testConfig("mailx", { SMTP_PORT: "1" }));
    const report = await checkHealth(broken.healthChecks);
    expect(report).toMatchObject({ status: "unhealthy", checks: { storage: { status: "up" }, mail: { status: "down", detail: expect.any(String) } } });
  });
});
