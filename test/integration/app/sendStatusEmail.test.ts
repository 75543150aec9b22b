/**
 * The SendStatusEmail and NotifyPartner activities over real Table Storage (Azurite) and a real
 * SMTP server (MailDev): each email is sent once however often the activity runs, with the
 * threading and auto-submitted headers, and customer values escaped in the HTML.
 */
import { TableClient } from "@azure/data-tables";
import { createContainer, type Container } from "../../../shared/container";
import { checkHealth, submitSupportRequest } from "../../../shared/services";
import { renderStatusEmail } from "../../../shared/templates/statusEmail";
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

  it("answers a rerun of a sent email from the notification log, whatever reading the case does", async () => {
    const input = { caseId, partnerId, notificationKey: "received", status: "received" as const };
    const outage = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:10002"), { code: "ECONNREFUSED" });
    const getCase = jest.spyOn(container.cases, "getCase").mockRejectedValue(outage);
    try {
      expect(await container.activities.sendStatusEmail(input)).toEqual({ outcome: "already-sent", messageId: `<${caseId}.received@${partnerId}.example>` });
      expect(getCase).toHaveBeenCalled();
    } finally {
      getCase.mockRestore();
    }
    expect((await mail.listEmails()).filter((e) => e.subject.includes(caseId))).toHaveLength(1);
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

describe("NotifyPartner with a structured notice", () => {
  it("renders the notice with the partner's template: the partner by name, dates in its service-hours zone, a link to the case", async () => {
    const notice = { kind: "sla-warning" as const, metric: "first-response" as const, percent: 50, reachedAt: "2026-03-02T10:00:00.000Z", dueAt: "2026-03-02T12:00:00.000Z", target: "PT4H", policyName: "Default" };
    expect((await container.activities.notifyPartner({ caseId, partnerId, notificationKey: "sla-warn-first-response-50", notice })).outcome).toBe("sent");
    const partner = await container.partners.getPartner(partnerId);
    const email = (await mail.listEmails()).find((e) => e.headers["message-id"] === `<${caseId}.partner.sla-warn-first-response-50@${partnerId}.example>`)!;
    expect(email.subject).toBe(`[Case #${caseId}] SLA warning: 50 % of the first response target used (severity B): ${hostileTitle}`);
    expect(email.text).toContain(`Hello ${partner?.name ?? "?"} team,`);
    expect(email.text).toContain(`has used 50 % of its first response target (target PT4H, policy Default) at `);
    expect(email.text).toContain(`(${partner?.supportTerms.serviceHours.timeZone ?? "?"})`);
    expect(email.text).toContain(`/api/partners/${partnerId}/support-requests/${caseId}`);
    expect(email.html).not.toContain("<script>");
  });

  it("names the reseller (with its partner id) to the indirect provider, and links the case in the provider's API", async () => {
    const notice = { kind: "escalated-to-provider" as const, reason: "Rule 1: an indirect reseller escalates to its indirect provider." };
    await container.activities.notifyPartner({ caseId, partnerId, notificationKey: "escalation-indirect-provider-notice", recipientPartnerId: "delta-provider", notice });
    const owner = await container.partners.getPartner(partnerId);
    const email = (await mail.listEmails()).find((e) => e.headers["message-id"] === `<${caseId}.partner.escalation-indirect-provider-notice@${partnerId}.example>`)!;
    expect(email.to.map((t) => t.address).sort()).toEqual(["duty@delta-provider.example", "support@delta-provider.example"]);
    expect(email.subject).toContain(`Escalated to you by ${owner?.name ?? "?"} (${partnerId})`);
    expect(email.text).toContain("Reason: Rule 1: an indirect reseller escalates to its indirect provider.");
    expect(email.text).toContain(`/api/partners/delta-provider/support-requests/${caseId}`);
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
    // A case another partner owns is not found: a permanent fault (retrying finds nothing either).
    await expect(container.activities.getCaseContext({ caseId, partnerId: "delta-provider" })).rejects.toMatchObject({ message: expect.stringMatching(/does not exist/), fault: { class: "permanent", code: "not-found" } });
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

describe("billing contact, support terms, explicit recipients, richer case context", () => {
  let billing: Container;
  const rendered: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    billing = createContainer(testConfig("bill", { SMTP_PORT: String(mail.smtpPort) }), {
      renderStatusEmail: (input) => {
        rendered.push({ ...input });
        return renderStatusEmail(input);
      },
    });
    await billing.registerPartner(
      partnerDefinition("bill-partner", {
        contacts: { support: "support@bill-partner.example", billing: "billing@bill-partner.example", escalation: [] },
        supportTerms: {
          supportTypes: ["Azure billing"],
          serviceHours: { timeZone: "Europe/Budapest", weekly: { mon: [{ start: "08:00", end: "17:00" }], tue: [{ start: "08:00", end: "17:00" }], wed: [{ start: "08:00", end: "17:00" }], thu: [{ start: "08:00", end: "17:00" }], fri: [{ start: "08:00", end: "14:00" }] }, holidays: [] },
          contactMethods: ["email: support@bill-partner.example", "phone: +36 1 555 0100"],
          pricing: "Included in the CSP subscription price",
        },
        escalationChain: { levels: [{ name: "Team lead", contacts: ["lead@bill-partner.example"], after: "PT0S" }], microsoft: "beside" },
      }),
    );
    await billing.registerPartner(partnerDefinition("bill-provider", { type: "indirect-provider", entitlements: [{ vehicle: "premier-support-for-partners" }] }));
    await billing.registerPartner(partnerDefinition("bill-reseller", { type: "indirect-reseller", indirectProviderId: "bill-provider" }));
  });

  it("a billing request's emails go to the billing contact as well; the acknowledgement gets the billing contact and the support terms", async () => {
    const { caseId: id } = await submitSupportRequest(billing.supportRequestDeps(new FakeWorkflow()), "bill-partner", supportRequestBody({ category: "billing", title: "Invoice question" }));
    await billing.activities.sendStatusEmail({ caseId: id, partnerId: "bill-partner", notificationKey: "received", status: "received" });
    const email = (await mail.listEmails()).find((e) => e.headers["message-id"] === `<${id}.received@bill-partner.example>`)!;
    expect(email.to.map((t) => t.address)).toEqual(["it@tisza.example"]);
    expect((email as unknown as { cc: Array<{ address: string }> }).cc.map((c) => c.address)).toEqual(["billing@bill-partner.example"]);
    const input = rendered.find((r) => r.caseId === id)!;
    expect(input).toMatchObject({
      billingContact: "billing@bill-partner.example",
      supportTerms: { supportTypes: ["Azure billing"], contactMethods: ["email: support@bill-partner.example", "phone: +36 1 555 0100"], pricing: "Included in the CSP subscription price", serviceHoursText: expect.stringContaining("08:00–17:00") },
    });
    // In the customer's language (Hungarian weekday names), consecutive days grouped.
    expect(input.supportTerms).toMatchObject({ serviceHoursText: expect.stringMatching(/hétfő.*péntek|Hétfő.*csütörtök/i) });
    expect((input.supportTerms as { serviceHoursText: string }).serviceHoursText).toContain("Europe/Budapest");
    expect(input.category).toBe("billing");
    expect(email.text).toContain("billing@bill-partner.example");
    expect(email.text).toContain("Included in the CSP subscription price");
    expect((await billing.notifications.getSent("bill-partner", id, "received"))?.to).toEqual(["it@tisza.example", "billing@bill-partner.example"]);

    // Later emails of the billing request carry the billing contact, without the support terms.
    await billing.activities.sendStatusEmail({ caseId: id, partnerId: "bill-partner", notificationKey: "resolved", status: "resolved", message: "Credited" });
    const later = rendered.filter((r) => r.caseId === id).at(-1)!;
    expect(later.billingContact).toBe("billing@bill-partner.example");
    expect(later.supportTerms).toBeUndefined();
  });

  it("a technical request has no billing cc; its acknowledgement still quotes the support terms", async () => {
    const { caseId: id } = await submitSupportRequest(billing.supportRequestDeps(new FakeWorkflow()), "bill-partner", supportRequestBody({ category: "technical", title: "VM down" }));
    await billing.activities.sendStatusEmail({ caseId: id, partnerId: "bill-partner", notificationKey: "received", status: "received" });
    const email = (await mail.listEmails()).find((e) => e.headers["message-id"] === `<${id}.received@bill-partner.example>`)!;
    expect((email as unknown as { cc?: unknown[] }).cc ?? []).toEqual([]);
    const input = rendered.find((r) => r.caseId === id)!;
    expect(input.billingContact).toBeUndefined();
    expect(input.supportTerms).toMatchObject({ supportTypes: ["Azure billing"] });
  });

  it("the acknowledgement states the first-response due time the workflow passes, without reading the SLA log", async () => {
    const { caseId: id } = await submitSupportRequest(billing.supportRequestDeps(new FakeWorkflow()), "bill-partner", supportRequestBody({ category: "technical", severity: "A", title: "Outage" }));
    const queries = jest.spyOn(TableClient.prototype, "listEntities");
    const pointReads = jest.spyOn(TableClient.prototype, "getEntity");
    await billing.activities.sendStatusEmail({ caseId: id, partnerId: "bill-partner", notificationKey: "received", status: "received", respondBy: "2026-03-02T12:00:00.000Z" });
    // The SLA log lives in `SlaLogs` (read by its keys) and, in the earlier format, `SlaEvents` (queried).
    const slaQueries = [...queries.mock.contexts, ...pointReads.mock.contexts].filter((c) => /Sla(Logs|Events)$/.test((c as TableClient).tableName));
    queries.mockRestore();
    pointReads.mockRestore();
    expect(rendered.find((r) => r.caseId === id)?.respondBy).toBe("2026-03-02T12:00:00.000Z");
    expect(slaQueries).toHaveLength(0);
    const email = (await mail.listEmails()).find((e) => e.headers["message-id"] === `<${id}.received@bill-partner.example>`);
    expect(email?.subject).toBeTruthy();
  });

  it("the acknowledgement states when the first response is due (from the SLA log); progress updates and SLA delay notices use their own templates", async () => {
    const { caseId: id } = await submitSupportRequest(billing.supportRequestDeps(new FakeWorkflow()), "bill-partner", supportRequestBody({ category: "technical", severity: "A", title: "Outage" }));
    const createdAt = (await billing.cases.getCase("bill-partner", id))!.createdAt;
    await billing.activities.recordSlaEvents({ caseId: id, partnerId: "bill-partner", events: [{ eventId: "e01-activate-first-response", metric: "first-response", type: "activate", at: createdAt, policyId: "default", target: "PT1H" }] });
    await billing.activities.sendStatusEmail({ caseId: id, partnerId: "bill-partner", notificationKey: "received", status: "received" });
    expect(rendered.find((r) => r.caseId === id)?.respondBy).toBe(new Date(Date.parse(createdAt) + 3_600_000).toISOString());

    await billing.activities.sendStatusEmail({ caseId: id, partnerId: "bill-partner", notificationKey: "update", status: "in-diagnosis", kind: "partner-update", message: "We restarted the gateway; monitoring now." });
    await billing.activities.sendStatusEmail({ caseId: id, partnerId: "bill-partner", notificationKey: "sla-delay", status: "in-diagnosis", kind: "sla-delay", dueAt: new Date(Date.parse(createdAt) + 3_600_000).toISOString() });
    const emails = await mail.listEmails();
    const update = emails.find((e) => e.headers["message-id"] === `<${id}.update@bill-partner.example>`)!;
    expect(update.text).toContain("We restarted the gateway; monitoring now.");
    expect(update.headers["in-reply-to"]).toBe(`<${id}.received@bill-partner.example>`);
    const delay = emails.find((e) => e.headers["message-id"] === `<${id}.sla-delay@bill-partner.example>`)!;
    expect(delay.subject).toContain(`[Case #${id}]`);
    expect(delay.subject).not.toBe(update.subject);
  });

  it("NotifyPartner sends to explicit recipients (an escalation-chain level) when given", async () => {
    const { caseId: id } = await submitSupportRequest(billing.supportRequestDeps(new FakeWorkflow()), "bill-partner", supportRequestBody({ title: "Chain" }));
    await billing.activities.notifyPartner({ caseId: id, partnerId: "bill-partner", notificationKey: "chain-level-1", to: ["lead@bill-partner.example"], subject: "Escalation level 1: Team lead", text: "Breached" });
    const email = (await mail.listEmails()).find((e) => e.headers["message-id"] === `<${id}.partner.chain-level-1@bill-partner.example>`)!;
    expect(email.to.map((t) => t.address)).toEqual(["lead@bill-partner.example"]);
    expect((await billing.notifications.getSent("bill-partner", id, "partner:chain-level-1"))?.to).toEqual(["lead@bill-partner.example"]);
  });

  it("GetCaseContext gives the applied SLA policy, the SLA log, the escalation chain and the reseller's provider", async () => {
    const { caseId: id } = await submitSupportRequest(billing.supportRequestDeps(new FakeWorkflow()), "bill-partner", supportRequestBody({ severity: "A" }));
    await billing.activities.recordSlaEvents({ caseId: id, partnerId: "bill-partner", events: [{ eventId: "e01", metric: "first-response", type: "activate", at: "2026-03-02T08:00:00.000Z", policyId: "default", target: "PT1H" }] });
    const ctx = await billing.activities.getCaseContext({ caseId: id, partnerId: "bill-partner" });
    expect(ctx.slaPolicy).toMatchObject({ policyId: "default", targets: { firstResponse: "PT1H", resolution: "PT8H" }, calendar: { kind: "24x7" } });
    expect(ctx.slaLog).toEqual([{ metric: "first-response", type: "activate", at: "2026-03-02T08:00:00.000Z", policyId: "default", target: "PT1H" }]);
    expect(ctx.partner.escalationChain).toMatchObject({ levels: [{ name: "Team lead", contacts: ["lead@bill-partner.example"] }], microsoft: "beside" });
    expect(ctx.provider).toBeUndefined();

    const { caseId: rid } = await submitSupportRequest(billing.supportRequestDeps(new FakeWorkflow()), "bill-reseller", supportRequestBody({ category: "technical" }));
    const rctx = await billing.activities.getCaseContext({ caseId: rid, partnerId: "bill-reseller" });
    expect(rctx.provider).toEqual({ partnerId: "bill-provider", entitlements: [{ vehicle: "premier-support-for-partners" }] });
    expect(rctx.slaLog).toEqual([]);
    expect(rctx.partner.escalationChain).toBeUndefined();
  });
});
