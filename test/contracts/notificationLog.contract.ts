/**
 * Contract of the NotificationLog and NotificationMessageIndex ports (shared/ports): what a caller
 * observes of any adapter.
 */
import type { NotificationLog, NotificationMessageIndex, SentNotification } from "../../shared/ports";
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
