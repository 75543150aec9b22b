/**
 * Email failures are outcomes, recorded once, never errors that kill a case: SendStatusEmail and
 * NotifyPartner over real Table Storage (Azurite) and a real SMTP server (smtp-server on a free
 * loopback port) that refuses some recipients (550 / 501 to RCPT TO), then a closed port (the mail
 * server down), a renderer that throws, and a partial refusal of a Cc. Each test asserts what the
 * partner sees: the notification log state and reason, the timeline, the case's undeliverable
 * addresses and the activity's outcome.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { createContainer, type Container } from "../../../shared/container";
import { caseEmails, getSupportRequest, submitSupportRequest } from "../../../shared/services";
import { renderStatusEmail } from "../../../shared/templates/statusEmail";
import { getFreePort } from "../../support/azurite";
import { waitUntil } from "../../support/wait";
import { FakeWorkflow, partnerDefinition, supportRequestBody, testConfig } from "./helpers";

/** A real SMTP server that refuses the addresses in `refuse` with their code and accepts the rest. */
interface RefusingSmtp {
  port: number;
  accepted: Array<{ to: string[]; subject: string }>;
  refuse: Map<string, { code: number; message: string }>;
  close(): Promise<void>;
}

async function startRefusingSmtp(): Promise<RefusingSmtp> {
  const accepted: RefusingSmtp["accepted"] = [];
  const refuse = new Map<string, { code: number; message: string }>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      const r = refuse.get(address.address.toLowerCase());
      if (r) return callback(Object.assign(new Error(r.message), { responseCode: r.code }));
      callback();
    },
    onData(stream, session, callback) {
      let data = "";
      stream.on("data", (c: Buffer) => (data += c.toString("utf8")));
      stream.on("end", () => {
        accepted.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: /^Subject: (.*)$/m.exec(data)?.[1] ?? "" });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, accepted, refuse, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let smtp: RefusingSmtp;
let container: Container;
const partnerId = "epsilon-partner";

async function newCase(email: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const body = supportRequestBody({ customer: { ...(supportRequestBody().customer as object), email, preferredLanguage: "en" }, ...overrides });
  return (await submitSupportRequest(container.supportRequestDeps(new FakeWorkflow()), partnerId, body)).caseId;
}

beforeAll(async () => {
  smtp = await startRefusingSmtp();
  container = createContainer(testConfig("mailfail", { SMTP_PORT: String(smtp.port) }));
  await container.registerPartner(partnerDefinition(partnerId));
});

afterAll(async () => {
  await smtp?.close();
});

describe("a recipient refused for good (RCPT TO 550 / 501)", () => {
  it("is recorded as failed, marks the address undeliverable for the case, and later emails are skipped — never retried, never thrown", async () => {
    smtp.refuse.set("gone@customer.example", { code: 550, message: "5.1.1 <gone@customer.example>: Recipient address rejected: User unknown" });
    const caseId = await newCase("gone@customer.example");
    const first = await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "received", status: "received" });
    expect(first).toMatchObject({ outcome: "failed", fault: { class: "permanent", code: "recipient-refused" }, undeliverable: ["gone@customer.example"] });
    expect(first.fault?.message).toContain("User unknown");
    // A rerun of the activity (at least once) answers the recorded failure without sending again.
    expect(await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "received", status: "received" })).toMatchObject({ outcome: "failed" });
    expect(smtp.accepted.filter((m) => m.subject.includes(caseId))).toHaveLength(0);

    const sr = await container.cases.getCase(partnerId, caseId);
    expect(sr?.undeliverableEmails).toEqual([expect.objectContaining({ address: "gone@customer.example", source: "send", reason: expect.stringContaining("User unknown") })]);
    const timeline = await container.cases.listTimeline(partnerId, caseId);
    expect(timeline.filter((e) => e.kind === "email-failed")).toEqual([expect.objectContaining({ entryId: "email-failed-received", summary: expect.stringContaining("recipient-refused") })]);

    const later = await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "resolved", status: "resolved", message: "Done" });
    expect(later.outcome).toBe("skipped");
    const emails = caseEmails(sr!, await container.notifications.listSent(partnerId, caseId), await container.cases.listTimeline(partnerId, caseId));
    expect(emails.map((e) => [e.notificationKey, e.state])).toEqual([
      ["received", "failed"],
      ["resolved", "skipped"],
    ]);
    expect(emails[0]?.reason).toMatch(/^recipient-refused: /);
  });

  it("an address with a trailing dot (`someone@example.com.`) refused with 501 fails the same way", async () => {
    smtp.refuse.set("someone@example.com.", { code: 501, message: "5.1.3 Bad recipient address syntax" });
    // The webhook refuses such an address; email intake took it from a real-world From header.
    const caseId = await newCase("someone@example.com");
    await container.cases.updateCase(partnerId, caseId, { entryId: "from-email", kind: "note", at: new Date().toISOString(), summary: "sender from the email" }, (c) => ({ ...c, customer: { ...c.customer, email: "someone@example.com." } }));
    const result = await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "received", status: "received" });
    expect(result).toMatchObject({ outcome: "failed", fault: { class: "permanent", code: "recipient-refused" } });
    expect((await container.cases.getCase(partnerId, caseId))?.undeliverableEmails?.map((u) => u.address)).toEqual(["someone@example.com."]);
  });

  it("a refused Cc (the billing contact) is marked undeliverable while the customer gets the email", async () => {
    const billingPartner = "billing-refused";
    await container.registerPartner(partnerDefinition(billingPartner, { contacts: { support: "support@billing-refused.example", escalation: [], billing: "billing@billing-refused.example" } }));
    smtp.refuse.set("billing@billing-refused.example", { code: 550, message: "mailbox unavailable" });
    const body = supportRequestBody({ category: "billing", customer: { ...(supportRequestBody().customer as object), email: "ok@customer.example", preferredLanguage: "en" } });
    const caseId = (await submitSupportRequest(container.supportRequestDeps(new FakeWorkflow()), billingPartner, body)).caseId;
    const result = await container.activities.sendStatusEmail({ caseId, partnerId: billingPartner, notificationKey: "received", status: "received" });
    expect(result).toMatchObject({ outcome: "sent", undeliverable: ["billing@billing-refused.example"] });
    expect(smtp.accepted.find((m) => m.subject.includes(caseId))?.to).toEqual(["ok@customer.example"]);
    expect((await container.cases.getCase(billingPartner, caseId))?.undeliverableEmails?.map((u) => u.address)).toEqual(["billing@billing-refused.example"]);
  });
});

describe("the mail server unreachable (transient)", () => {
  it("records the email as pending with what to deliver; the last attempt records it as failed (gave-up)", async () => {
    const caseId = await newCase("anna@customer.example");
    const down = createContainer({ ...container.config, SMTP_PORT: await getFreePort() });
    const pending = await down.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "received", status: "received" });
    expect(pending).toMatchObject({ outcome: "pending", fault: { class: "transient", code: "unreachable" } });
    const row = await down.notifications.get(partnerId, caseId, "received");
    expect(row).toMatchObject({ state: "pending", attempts: 1, delivery: { activity: "SendStatusEmail", input: { caseId, partnerId, notificationKey: "received", status: "received" } } });
    expect(Date.parse(row?.nextAttemptAt ?? "")).toBeGreaterThan(Date.now());
    expect((await down.cases.listTimeline(partnerId, caseId)).map((e) => e.entryId)).toContain("email-delayed-received");

    const last = await down.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "received", status: "received", delivery: { attempt: 9, final: true } });
    expect(last).toMatchObject({ outcome: "failed", fault: { class: "permanent", code: "gave-up" } });
    expect(last.fault?.message).toMatch(/^Gave up after 9 attempts: /);
    // Given up because the service was down, not because of the address: it is not marked undeliverable.
    expect((await down.cases.getCase(partnerId, caseId))?.undeliverableEmails).toBeUndefined();
  });

  it("a queued email (behind one waiting for a retry) is recorded as pending without a send", async () => {
    const caseId = await newCase("queued@customer.example");
    const result = await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "in-diagnosis", status: "in-diagnosis", delivery: { attempt: 0, queue: true } });
    expect(result.outcome).toBe("queued");
    expect(await container.notifications.get(partnerId, caseId, "in-diagnosis")).toMatchObject({ state: "pending", attempts: 0, delivery: { activity: "SendStatusEmail" } });
    expect(smtp.accepted.filter((m) => m.subject.includes(caseId))).toHaveLength(0);
    // Then delivered normally: the pending row becomes sent.
    expect((await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "in-diagnosis", status: "in-diagnosis", delivery: { attempt: 1 } })).outcome).toBe("sent");
    expect(await container.notifications.get(partnerId, caseId, "in-diagnosis")).toMatchObject({ state: "sent" });
  });
});

describe("a first attempt claims its notification instead of reading it", () => {
  it("shows as pending (being sent) while the mail server takes it and as sent after, without a read of the log", async () => {
    const caseId = await newCase("claim@customer.example");
    const seenWhileSending: unknown[] = [];
    const listedWhileSending: Array<{ notifications: string[]; emails: unknown[] }> = [];
    const watched = createContainer(container.config, {
      emailSender: {
        send: async (message) => {
          seenWhileSending.push(await container.notifications.get(partnerId, caseId, "received"));
          // What the partner API shows meanwhile: not among the logged notifications (which list
          // what has gone out or failed), pending among the case's emails.
          const details = await getSupportRequest(container.supportRequestDeps(new FakeWorkflow()), partnerId, caseId);
          listedWhileSending.push({ notifications: details.notifications.map((n) => n.notificationKey), emails: caseEmails(details.case, await container.notifications.listSent(partnerId, caseId), details.timeline) });
          return container.emailSender.send(message);
        },
        checkHealth: () => container.emailSender.checkHealth(),
      },
    });
    const get = jest.spyOn(watched.notifications, "get");
    const claim = jest.spyOn(watched.notifications, "claim");
    const input = { caseId, partnerId, notificationKey: "received", status: "received" as const };
    expect((await watched.activities.sendStatusEmail(input)).outcome).toBe("sent");
    expect(seenWhileSending).toEqual([expect.objectContaining({ state: "pending", fault: expect.objectContaining({ code: "sending" }), delivery: { activity: "SendStatusEmail", input } })]);
    expect(listedWhileSending).toEqual([{ notifications: [], emails: [expect.objectContaining({ notificationKey: "received", state: "pending", reason: "sending: Being sent (first attempt)" })] }]);
    expect(await watched.notifications.get(partnerId, caseId, "received")).toMatchObject({ state: "sent", subject: expect.stringContaining(caseId) });
    expect(claim).toHaveBeenCalledTimes(1);
    expect(get).toHaveBeenCalledTimes(1); // the test's own read above
    // A rerun finds it sent: no second email.
    expect((await watched.activities.sendStatusEmail(input)).outcome).toBe("already-sent");
    expect(smtp.accepted.filter((m) => m.subject.includes(caseId))).toHaveLength(1);
  });

  it("an email skipped (the address undeliverable) leaves no notification pending, not even one an earlier attempt left", async () => {
    const caseId = await newCase("gone@customer.example");
    smtp.refuse.set("gone@customer.example", { code: 550, message: "5.1.1 mailbox unavailable" });
    try {
      expect((await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "received", status: "received" })).outcome).toBe("failed");
    } finally {
      smtp.refuse.delete("gone@customer.example");
    }
    // A later email, first attempt: skipped, and its claim dropped.
    expect((await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "in-diagnosis", status: "in-diagnosis" })).outcome).toBe("skipped");
    expect(await container.notifications.get(partnerId, caseId, "in-diagnosis")).toBeUndefined();
    // A retry of an email an earlier attempt left pending, skipped now: nothing stays pending either.
    await container.notifications.recordUndelivered(partnerId, { caseId, notificationKey: "resolved", messageId: "", providerMessageId: "", to: [], subject: "", sentAt: new Date().toISOString(), state: "pending", fault: { class: "transient", code: "unreachable", message: "down" }, attempts: 1, delivery: { activity: "SendStatusEmail", input: {} } });
    expect((await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "resolved", status: "resolved", delivery: { attempt: 2 } })).outcome).toBe("skipped");
    expect((await container.notifications.listSent(partnerId, caseId)).map((n) => [n.notificationKey, n.state])).toEqual([["received", "failed"]]);
  });

  it("an attempt that fails for good before sending (the partner to notify removed) is recorded failed with a timeline entry, not left pending", async () => {
    const caseId = await newCase("gone-recipient@customer.example");
    const input = { caseId, partnerId, notificationKey: "escalation-gone", subject: "Escalated to you", text: "y", recipientPartnerId: "no-such-provider" };
    await expect(container.activities.notifyPartner(input)).rejects.toMatchObject({ fault: { class: "permanent", code: "not-found" } });
    const logged = (await container.notifications.listSent(partnerId, caseId)).find((n) => n.notificationKey === "partner:escalation-gone");
    expect(logged).toMatchObject({ state: "failed", fault: { class: "permanent", code: "not-found", message: expect.stringContaining("no-such-provider") } });
    expect((await container.cases.listTimeline(partnerId, caseId)).find((e) => e.entryId === "email-failed-partner:escalation-gone")?.summary).toBe("Email not delivered (not-found): (partner:escalation-gone)");
    // A rerun (at least once) changes nothing: the failure stands.
    await expect(container.activities.notifyPartner(input)).resolves.toMatchObject({ outcome: "failed" });
  });

  it("a retry whose last attempt fails before sending records the email as given up instead of leaving it pending", async () => {
    const caseId = await newCase("last-try@customer.example");
    const at = new Date().toISOString();
    // An earlier attempt left it pending (the mail server was down), with what it was to send.
    await container.notifications.recordUndelivered(partnerId, { caseId, notificationKey: "update-7", messageId: "<m7@x.example>", providerMessageId: "", to: ["last-try@customer.example"], subject: "[Case] Update", sentAt: at, state: "pending", attempts: 4, queuedAt: at, fault: { class: "transient", code: "unreachable", message: "ECONNREFUSED" }, delivery: { activity: "SendStatusEmail", input: { caseId, partnerId, notificationKey: "update-7", status: "in-diagnosis" } } });
    const storageDown = Object.assign(new Error("The server is busy."), { statusCode: 503, code: "ServerBusy" });
    const failing = createContainer(container.config, {});
    const partners = failing.partners;
    jest.spyOn(partners, "getPartner").mockRejectedValue(storageDown);

    await expect(failing.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "update-7", status: "in-diagnosis", delivery: { attempt: 5, final: true } })).rejects.toThrow("busy");

    const logged = (await container.notifications.listSent(partnerId, caseId)).find((n) => n.notificationKey === "update-7");
    expect(logged).toMatchObject({ state: "failed", subject: "[Case] Update", to: ["last-try@customer.example"], fault: { class: "permanent", code: "gave-up" } });
    expect((await container.cases.listTimeline(partnerId, caseId)).find((e) => e.entryId === "email-failed-update-7")?.summary).toBe("Email not delivered (gave-up): [Case] Update");
  });

  it("a retry that fails before sending with a transient fault keeps its pending row for the next retry", async () => {
    const caseId = await newCase("next-try@customer.example");
    const at = new Date().toISOString();
    await container.notifications.recordUndelivered(partnerId, { caseId, notificationKey: "update-8", messageId: "", providerMessageId: "", to: [], subject: "", sentAt: at, state: "pending", attempts: 1, queuedAt: at, fault: { class: "transient", code: "unreachable", message: "ECONNREFUSED" }, delivery: { activity: "SendStatusEmail", input: { caseId, partnerId, notificationKey: "update-8", status: "in-diagnosis" } } });
    const failing = createContainer(container.config, {});
    jest.spyOn(failing.partners, "getPartner").mockRejectedValue(Object.assign(new Error("The server is busy."), { statusCode: 503, code: "ServerBusy" }));
    await expect(failing.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "update-8", status: "in-diagnosis", delivery: { attempt: 2 } })).rejects.toThrow("busy");
    expect((await container.notifications.listSent(partnerId, caseId)).find((n) => n.notificationKey === "update-8")?.state).toBe("pending");
  });

  it("an activity that fails before sending (its case gone) drops its claim and throws", async () => {
    const caseId = "CS-9999999999";
    await expect(container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "received", status: "received" })).rejects.toMatchObject({ fault: { class: "permanent", code: "not-found" } });
    await expect(container.activities.notifyPartner({ caseId, partnerId, notificationKey: "sla-warning", subject: "x", text: "y" })).rejects.toMatchObject({ fault: { class: "permanent", code: "not-found" } });
    expect(await container.notifications.listSent(partnerId, caseId)).toEqual([]);
  });
});

describe("a run that recorded the email sent but stopped before its timeline entry", () => {
  const outage = (): Error => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:10002"), { code: "ECONNREFUSED" });

  /** Runs `send` once with the timeline write failing (the log row is written beside it), and checks what it left. */
  async function halfRecorded(caseId: string, logKey: string, send: () => Promise<unknown>): Promise<void> {
    const append = jest.spyOn(container.cases, "appendTimeline").mockRejectedValueOnce(outage());
    try {
      await expect(send()).rejects.toThrow("ECONNREFUSED");
    } finally {
      append.mockRestore();
    }
    // The log row's write was in flight beside the failed one and lands on its own.
    await waitUntil(async () => (await container.notifications.get(partnerId, caseId, logKey))?.state === "sent", 5000, "the log row recorded sent");
    expect((await container.cases.listTimeline(partnerId, caseId)).map((e) => e.entryId)).not.toContain(`email-${logKey}`);
  }

  it("a rerun of SendStatusEmail writes the missing email-sent entry from the log and sends nothing", async () => {
    const caseId = await newCase("half-recorded@customer.example");
    const input = { caseId, partnerId, notificationKey: "received", status: "received" as const };
    await halfRecorded(caseId, "received", () => container.activities.sendStatusEmail(input));
    const sent = (await container.notifications.get(partnerId, caseId, "received"))!;
    expect(await container.activities.sendStatusEmail({ ...input, delivery: { attempt: 2 } })).toEqual({ outcome: "already-sent", messageId: sent.messageId });
    const entries = (await container.cases.listTimeline(partnerId, caseId)).filter((e) => e.entryId === "email-received");
    expect(entries).toEqual([{ entryId: "email-received", kind: "email-sent", at: sent.sentAt, summary: `Status email sent to the customer: ${sent.subject}`, details: { notificationKey: "received", messageId: sent.messageId, subject: sent.subject, status: "received" } }]);
    // Another rerun keeps the one entry.
    expect((await container.activities.sendStatusEmail({ ...input, delivery: { attempt: 3 } })).outcome).toBe("already-sent");
    expect((await container.cases.listTimeline(partnerId, caseId)).filter((e) => e.entryId === "email-received")).toHaveLength(1);
    expect(smtp.accepted.filter((m) => m.subject.includes(caseId))).toHaveLength(1);
  });

  it("a rerun of NotifyPartner writes the missing entry, naming the partner notified", async () => {
    const caseId = await newCase("half-notified@customer.example");
    const input = { caseId, partnerId, notificationKey: "sla-warn-resolution-75", subject: "SLA warning", text: "75 %" };
    await halfRecorded(caseId, "partner:sla-warn-resolution-75", () => container.activities.notifyPartner(input));
    const sent = (await container.notifications.get(partnerId, caseId, "partner:sla-warn-resolution-75"))!;
    expect((await container.activities.notifyPartner({ ...input, delivery: { attempt: 2 } })).outcome).toBe("already-sent");
    expect((await container.cases.listTimeline(partnerId, caseId)).find((e) => e.entryId === "email-partner:sla-warn-resolution-75")).toEqual({
      entryId: "email-partner:sla-warn-resolution-75",
      kind: "email-sent",
      at: sent.sentAt,
      summary: `Partner notified (${partnerId}): ${sent.subject}`,
      details: { notificationKey: "partner:sla-warn-resolution-75", messageId: sent.messageId, subject: sent.subject, recipientPartnerId: partnerId },
    });
    expect(smtp.accepted.filter((m) => m.subject.includes(caseId))).toHaveLength(1);
  });

  it("on a case whose personal data was erased meanwhile the entry is written erased; with the case unreadable none is written", async () => {
    const caseId = await newCase("half-erased@customer.example");
    const input = { caseId, partnerId, notificationKey: "received", status: "received" as const };
    await halfRecorded(caseId, "received", () => container.activities.sendStatusEmail(input));
    const getCase = jest.spyOn(container.cases, "getCase").mockRejectedValueOnce(outage());
    try {
      expect((await container.activities.sendStatusEmail({ ...input, delivery: { attempt: 2 } })).outcome).toBe("already-sent");
    } finally {
      getCase.mockRestore();
    }
    expect((await container.cases.listTimeline(partnerId, caseId)).map((e) => e.entryId)).not.toContain("email-received");
    await container.cases.applyTransition({ caseId, partnerId, entryId: "closed-for-erasure", kind: "status-changed", toStatus: "closed", summary: "closed", at: new Date().toISOString() });
    expect((await container.cases.erasePersonalData(partnerId, caseId, new Date().toISOString()))?.personalDataErasedAt).toBeDefined();
    expect((await container.activities.sendStatusEmail({ ...input, delivery: { attempt: 3 } })).outcome).toBe("already-sent");
    const entry = (await container.cases.listTimeline(partnerId, caseId)).find((e) => e.entryId === "email-received");
    expect(entry).toEqual({ entryId: "email-received", kind: "email-sent", at: expect.any(String), summary: "[erased]" });
    expect(smtp.accepted.filter((m) => m.subject.includes(caseId))).toHaveLength(1);
  });
});

describe("a renderer that throws", () => {
  it("is a permanent failure recorded on the case (the case goes on), not an error", async () => {
    const broken = createContainer(container.config, {
      renderStatusEmail: (input) => {
        if (input.title.includes("boom")) throw new URIError("URI malformed");
        return renderStatusEmail(input);
      },
    });
    const caseId = await newCase("render@customer.example", { title: "boom" });
    const result = await broken.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "received", status: "received" });
    expect(result).toMatchObject({ outcome: "failed", fault: { class: "permanent", code: "rendering", message: expect.stringContaining("URI malformed") } });
    expect((await broken.cases.listTimeline(partnerId, caseId)).find((e) => e.kind === "email-failed")?.summary).toContain("rendering");
  });
});

describe("a partner notification refused", () => {
  it("is recorded as failed under its partner key; nothing is marked undeliverable on the case", async () => {
    const caseId = await newCase("fine@customer.example");
    smtp.refuse.set(`support@${partnerId}.example`, { code: 550, message: "no such mailbox" });
    smtp.refuse.set(`duty@${partnerId}.example`, { code: 550, message: "no such mailbox" });
    const result = await container.activities.notifyPartner({ caseId, partnerId, notificationKey: "sla-warn-first-response-50", subject: "SLA warning", text: "50 %" });
    expect(result).toMatchObject({ outcome: "failed", fault: { class: "permanent", code: "recipient-refused" } });
    expect(await container.notifications.get(partnerId, caseId, "partner:sla-warn-first-response-50")).toMatchObject({ state: "failed" });
    expect((await container.cases.getCase(partnerId, caseId))?.undeliverableEmails).toBeUndefined();
    smtp.refuse.delete(`support@${partnerId}.example`);
    smtp.refuse.delete(`duty@${partnerId}.example`);
  });
});
