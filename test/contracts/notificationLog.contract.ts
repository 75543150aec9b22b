/**
 * Contract of the NotificationLog and NotificationMessageIndex ports (shared/ports): what a caller
 * observes of any adapter.
 */
import type { NotificationLog, NotificationMessageIndex, SentNotification, UndeliveredMark } from "../../shared/ports";
import type { MakeAdapter } from "./support";

const sent: SentNotification = { caseId: "CS-0000000001", notificationKey: "received", messageId: "<CS-0000000001.received@x.example>", providerMessageId: "p1", to: ["a@x.example"], subject: "[Case #CS-0000000001] Received", sentAt: "2026-05-01T10:00:05.000Z" };

const pending: SentNotification & { state: "pending" } = {
  caseId: "CS-0000000001",
  notificationKey: "resolved",
  messageId: "<CS-0000000001.resolved@x.example>",
  providerMessageId: "",
  to: ["a@x.example", "b@x.example"],
  subject: "[Case #CS-0000000001] Resolved",
  sentAt: "2026-05-01T11:00:00.000Z",
  state: "pending",
  fault: { class: "transient", code: "throttled", message: "throttled by a@x.example's provider", retryAfterInMs: 60000 },
  attempts: 1,
  nextAttemptAt: "2026-05-01T11:01:00.000Z",
  queuedAt: "2026-05-01T11:00:00.000Z",
  delivery: { activity: "SendStatusEmail", input: { caseId: "CS-0000000001", to: "a@x.example" } },
};

/** Defines the NotificationLog contract tests for an adapter that is also the Message-ID index. */
export function describeNotificationLogContract(name: string, makeAdapter: MakeAdapter<NotificationLog & NotificationMessageIndex>): void {
  describe(`NotificationLog contract: ${name}`, () => {
    it("records once per case and key, scoped by partner, oldest first, indexed by Message-ID", async () => {
      const log = await makeAdapter(() => new Date());
      expect(await log.getSent("alpha-partner", sent.caseId, "received")).toBeUndefined();
      await log.recordSent("alpha-partner", sent);
      await log.recordSent("alpha-partner", { ...sent, notificationKey: "in-diagnosis", messageId: "<d@x.example>", sentAt: "2026-05-01T09:00:00.000Z" });
      expect(await log.getSent("alpha-partner", sent.caseId, "received")).toEqual({ ...sent, state: "sent" });
      expect(await log.get("alpha-partner", sent.caseId, "received")).toEqual({ ...sent, state: "sent" });
      expect(await log.getSent("beta-partner", sent.caseId, "received")).toBeUndefined();
      expect((await log.listSent("alpha-partner", sent.caseId)).map((x) => x.notificationKey)).toEqual(["in-diagnosis", "received"]);
      expect(await log.listSent("alpha-partner", "CS-0000000002")).toEqual([]);
      expect(await log.findByMessageId("alpha-partner", sent.messageId)).toEqual({ caseId: sent.caseId, notificationKey: "received" });
      expect(await log.findByMessageId("beta-partner", sent.messageId)).toBeUndefined();
      // Insert-or-replace.
      await log.recordSent("alpha-partner", { ...sent, providerMessageId: "p2" });
      expect((await log.getSent("alpha-partner", sent.caseId, "received"))?.providerMessageId).toBe("p2");
    });

    it("keeps pending and failed notifications apart from sent ones, and never overwrites a sent one", async () => {
      const log = await makeAdapter(() => new Date());
      await log.recordUndelivered("alpha-partner", pending);
      expect(await log.getSent("alpha-partner", pending.caseId, "resolved")).toBeUndefined();
      expect(await log.get("alpha-partner", pending.caseId, "resolved")).toEqual(pending);
      const failed = { ...pending, state: "failed" as const, fault: { class: "permanent" as const, code: "recipient-refused", message: "refused" }, attempts: 3 };
      await log.recordUndelivered("alpha-partner", failed);
      // A failed notification keeps no delivery to retry.
      const { delivery: _delivery, ...failedAsStored } = failed;
      expect(await log.get("alpha-partner", pending.caseId, "resolved")).toEqual(failedAsStored);

      await log.recordSent("alpha-partner", sent);
      await log.recordUndelivered("alpha-partner", { ...pending, notificationKey: "received", messageId: sent.messageId });
      expect(await log.get("alpha-partner", sent.caseId, "received")).toEqual({ ...sent, state: "sent" });
      expect((await log.listSent("alpha-partner", sent.caseId)).map((n) => [n.notificationKey, n.state])).toEqual([
        ["received", "sent"],
        ["resolved", "failed"],
      ]);
    });

    it("marks a case when a notification is left pending, per partner, oldest first; a mark written again outlives a clear of the version read", async () => {
      const log = await makeAdapter(() => new Date());
      expect(await log.listUndeliveredMarks("alpha-partner")).toEqual([]);
      // A failed or sent notification marks nothing.
      await log.recordUndelivered("alpha-partner", { ...pending, caseId: "CS-0000000009", state: "failed" });
      await log.recordSent("alpha-partner", sent);
      await log.recordUndelivered("alpha-partner", { ...pending, notificationKey: "received", messageId: sent.messageId });
      expect(await log.listUndeliveredMarks("alpha-partner")).toEqual([]);

      await log.recordUndelivered("alpha-partner", pending);
      await log.recordUndelivered("alpha-partner", { ...pending, caseId: "CS-0000000002", sentAt: "2026-05-01T10:30:00.000Z" });
      const marks = await log.listUndeliveredMarks("alpha-partner");
      expect(marks.map(({ caseId, markedAt }) => ({ caseId, markedAt }))).toEqual([
        { caseId: "CS-0000000002", markedAt: "2026-05-01T10:30:00.000Z" },
        { caseId: pending.caseId, markedAt: pending.sentAt },
      ]);
      expect(await log.listUndeliveredMarks("beta-partner")).toEqual([]);
      // The marks are not notifications of any case.
      expect((await log.listSent("alpha-partner", pending.caseId)).map((n) => n.notificationKey)).toEqual(["received", "resolved"]);

      // Marked again (a later pending record) after the list was read: the clear of the old version leaves it.
      const [older, ofPending] = marks as [UndeliveredMark, UndeliveredMark];
      await log.recordUndelivered("alpha-partner", { ...pending, sentAt: "2026-05-01T12:00:00.000Z" });
      await log.clearUndeliveredMark("alpha-partner", ofPending);
      await log.clearUndeliveredMark("alpha-partner", older);
      await log.clearUndeliveredMark("alpha-partner", older);
      const left = await log.listUndeliveredMarks("alpha-partner");
      expect(left.map(({ caseId, markedAt }) => ({ caseId, markedAt }))).toEqual([{ caseId: pending.caseId, markedAt: "2026-05-01T12:00:00.000Z" }]);
      await log.clearUndeliveredMark("alpha-partner", left[0] as UndeliveredMark);
      expect(await log.listUndeliveredMarks("alpha-partner")).toEqual([]);
    });

    it("erases personal data of a case's notifications idempotently, optionally only those recorded before an instant", async () => {
      const log = await makeAdapter(() => new Date());
      await log.recordSent("alpha-partner", sent);
      await log.recordUndelivered("alpha-partner", pending);
      await log.recordSent("alpha-partner", { ...sent, caseId: "CS-0000000002", messageId: "<other@x.example>" });
      expect(await log.eraseCase("alpha-partner", sent.caseId, { sentBefore: "2026-05-01T11:00:00.000Z" })).toBe(1);
      expect(await log.get("alpha-partner", sent.caseId, "received")).toEqual({ ...sent, to: ["erased@erased.invalid"], subject: "[erased]", state: "sent" });
      expect(await log.findByMessageId("alpha-partner", sent.messageId)).toBeUndefined();
      expect(await log.get("alpha-partner", pending.caseId, "resolved")).toEqual(pending);

      expect(await log.eraseCase("alpha-partner", sent.caseId)).toBe(1);
      const { delivery: _delivery, ...kept } = pending;
      expect(await log.get("alpha-partner", pending.caseId, "resolved")).toEqual({ ...kept, to: ["erased@erased.invalid", "erased@erased.invalid"], subject: "[erased]", fault: { ...pending.fault, message: "[erased]" } });
      expect(await log.eraseCase("alpha-partner", sent.caseId)).toBe(0);
      // Another case is untouched.
      expect(await log.findByMessageId("alpha-partner", "<other@x.example>")).toEqual({ caseId: "CS-0000000002", notificationKey: "received" });
      expect((await log.getSent("alpha-partner", "CS-0000000002", "received"))?.subject).toBe(sent.subject);
    });

    it("claims a notification once: the first claim records it as pending, a later one gets back what was recorded, in any state", async () => {
      const log = await makeAdapter(() => new Date());
      const claim = { ...pending, notificationKey: "awaiting-customer", messageId: "", to: [], subject: "", fault: { class: "transient" as const, code: "sending", message: "Being sent" }, attempts: 0 };
      expect(await log.claim("alpha-partner", claim)).toBeUndefined();
      expect(await log.get("alpha-partner", claim.caseId, "awaiting-customer")).toEqual(claim);
      // A rerun of the activity: the claim is not recorded again, the pending row comes back.
      expect(await log.claim("alpha-partner", { ...claim, sentAt: "2026-05-01T12:00:00.000Z" })).toEqual(claim);
      // Sent meanwhile: a claim gets the sent notification back and changes nothing.
      await log.recordSent("alpha-partner", { ...sent, notificationKey: "awaiting-customer" });
      expect(await log.claim("alpha-partner", claim)).toEqual({ ...sent, notificationKey: "awaiting-customer", state: "sent" });
      // Failed for good: the same.
      await log.recordUndelivered("alpha-partner", { ...pending, state: "failed", fault: { class: "permanent", code: "recipient-refused", message: "refused" } });
      expect((await log.claim("alpha-partner", { ...claim, notificationKey: "resolved" }))?.state).toBe("failed");
      // Scoped by partner and case.
      expect(await log.claim("beta-partner", claim)).toBeUndefined();
      expect(await log.claim("alpha-partner", { ...claim, caseId: "CS-0000000002" })).toBeUndefined();
      expect((await log.listSent("alpha-partner", claim.caseId)).map((n) => [n.notificationKey, n.state])).toEqual([
        ["awaiting-customer", "sent"],
        ["resolved", "failed"],
      ]);
    });

    it("drops a pending notification (only with the given fault code, when one is given), never a sent or failed one", async () => {
      const log = await makeAdapter(() => new Date());
      const claim = { ...pending, notificationKey: "closed", fault: { class: "transient" as const, code: "sending", message: "Being sent" } };
      await log.claim("alpha-partner", claim);
      await log.recordUndelivered("alpha-partner", pending);
      await log.recordSent("alpha-partner", sent);
      await log.recordUndelivered("alpha-partner", { ...pending, notificationKey: "update", state: "failed" });
      // Only the claim's code: the notification pending after a throttled attempt stays for its retry.
      await log.dropPending("alpha-partner", pending.caseId, "resolved", { onlyCode: "sending" });
      expect((await log.get("alpha-partner", pending.caseId, "resolved"))?.state).toBe("pending");
      await log.dropPending("alpha-partner", pending.caseId, "closed", { onlyCode: "sending" });
      expect(await log.get("alpha-partner", pending.caseId, "closed")).toBeUndefined();
      // Without a code: whatever left it pending.
      await log.dropPending("alpha-partner", pending.caseId, "resolved");
      expect(await log.get("alpha-partner", pending.caseId, "resolved")).toBeUndefined();
      // Sent and failed ones stay; absent ones are no error.
      await log.dropPending("alpha-partner", sent.caseId, "received");
      await log.dropPending("alpha-partner", sent.caseId, "update");
      await log.dropPending("alpha-partner", sent.caseId, "never-recorded");
      expect((await log.listSent("alpha-partner", sent.caseId)).map((n) => [n.notificationKey, n.state])).toEqual([
        ["received", "sent"],
        ["update", "failed"],
      ]);
      // Dropped, it can be claimed again.
      expect(await log.claim("alpha-partner", claim)).toBeUndefined();
    });

    it("is not changed through objects a caller passed in or got back", async () => {
      const log = await makeAdapter(() => new Date());
      const mine = structuredClone(sent);
      await log.recordSent("alpha-partner", mine);
      mine.to.push("changed@x.example");
      (await log.get("alpha-partner", sent.caseId, "received"))!.to.push("changed@x.example");
      (await log.listSent("alpha-partner", sent.caseId))[0]!.to.push("changed@x.example");
      expect((await log.get("alpha-partner", sent.caseId, "received"))?.to).toEqual(sent.to);
    });
  });
}
