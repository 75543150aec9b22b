/**
 * Contract of the CaseActionInbox port (shared/ports): what a caller observes of any adapter.
 */
import type { CaseActionInbox } from "../../shared/ports";
import { TestClock, type MakeAdapter } from "./support";

/** Defines the CaseActionInbox contract tests for an adapter. */
export function describeCaseActionInboxContract(name: string, makeAdapter: MakeAdapter<CaseActionInbox>): void {
  describe(`CaseActionInbox contract: ${name}`, () => {
    const partner = { kind: "partner", partnerId: "p-inbox" } as const;

    it("returns actions in append order, resumes after a cursor, and keeps cases apart", async () => {
      const clock = new TestClock("2026-03-02T08:00:00.000Z");
      const inbox = await makeAdapter(clock.now);
      const a = await inbox.append("p-inbox", "CS-INBOX00001", { type: "diagnosis", outcome: "awaiting-customer", notes: "Need the VM name" }, partner);
      const b = await inbox.append("p-inbox", "CS-INBOX00001", { type: "customer-reply", excerpt: "It is vm-01" }, { kind: "customer", email: "it@tisza.example" });
      const c = await inbox.append("p-inbox", "CS-INBOX00001", { type: "resolution", summary: "Resized the VM" }, partner);
      expect([a.seq, b.seq, c.seq]).toEqual(["000000000001", "000000000002", "000000000003"]);
      expect(a).toEqual({ seq: "000000000001", action: { type: "diagnosis", outcome: "awaiting-customer", notes: "Need the VM name" }, actor: partner, recordedAt: "2026-03-02T08:00:00.000Z" });

      const all = await inbox.listAfter("p-inbox", "CS-INBOX00001");
      expect(all).toEqual([a, b, c]);
      expect(await inbox.listAfter("p-inbox", "CS-INBOX00001", "")).toEqual([a, b, c]);
      expect((await inbox.listAfter("p-inbox", "CS-INBOX00001", a.seq)).map((r) => r.seq)).toEqual([b.seq, c.seq]);
      expect(await inbox.listAfter("p-inbox", "CS-INBOX00001", c.seq)).toEqual([]);
      expect((await inbox.listAfter("p-inbox", "CS-INBOX00001", undefined, 2)).map((r) => r.seq)).toEqual([a.seq, b.seq]);
      expect(await inbox.listAfter("p-inbox", "CS-INBOX00002")).toEqual([]);
      expect(await inbox.listAfter("p-other", "CS-INBOX00001")).toEqual([]);
      expect((await inbox.append("p-other", "CS-INBOX00001", { type: "update", message: "other partner" }, partner)).seq).toBe("000000000001");
    });

    it("refuses a limit outside 1–500", async () => {
      const inbox = await makeAdapter(() => new Date());
      await inbox.append("p-inbox", "CS-INBOX00001", { type: "update", message: "one" }, partner);
      for (const limit of [0, 501, 1.5]) await expect(inbox.listAfter("p-inbox", "CS-INBOX00001", undefined, limit)).rejects.toThrow(RangeError);
      expect(await inbox.listAfter("p-inbox", "CS-INBOX00001", undefined, 500)).toHaveLength(1);
    });

    it("gives concurrent appends distinct, gapless positions, so a cursor never skips one", async () => {
      const inbox = await makeAdapter(() => new Date());
      const appended = await Promise.all(Array.from({ length: 8 }, (_, i) => inbox.append("p-inbox", "CS-INBOX00003", { type: "update", message: `update ${i}` }, partner)));
      const seqs = appended.map((r) => r.seq).sort();
      expect(seqs).toEqual(Array.from({ length: 8 }, (_, i) => String(i + 1).padStart(12, "0")));
      const read = await inbox.listAfter("p-inbox", "CS-INBOX00003");
      expect(read.map((r) => r.seq)).toEqual(seqs);
      expect(new Set(read.map((r) => (r.action as { message: string }).message)).size).toBe(8);
    });

    it("deletes a case's inbox idempotently; a new inbox starts again at the first position", async () => {
      const inbox = await makeAdapter(() => new Date());
      await inbox.append("p-inbox", "CS-INBOX00004", { type: "update", message: "one" }, partner);
      await inbox.append("p-inbox", "CS-INBOX00004", { type: "update", message: "two" }, partner);
      await inbox.append("p-inbox", "CS-INBOX00005", { type: "update", message: "kept" }, partner);
      expect(await inbox.deleteCase("p-inbox", "CS-INBOX00004")).toBeGreaterThanOrEqual(2);
      expect(await inbox.listAfter("p-inbox", "CS-INBOX00004")).toEqual([]);
      expect(await inbox.deleteCase("p-inbox", "CS-INBOX00004")).toBe(0);
      expect(await inbox.listAfter("p-inbox", "CS-INBOX00005")).toHaveLength(1);
      expect((await inbox.append("p-inbox", "CS-INBOX00004", { type: "update", message: "again" }, partner)).seq).toBe("000000000001");
    });

    it("appends gaplessly after a case is noted as new, even when the note was wrong", async () => {
      const inbox = await makeAdapter(() => new Date());
      inbox.noteNewCase("p-inbox", "CS-INBOX00007");
      expect((await inbox.append("p-inbox", "CS-INBOX00007", { type: "update", message: "first" }, partner)).seq).toBe("000000000001");
      await inbox.append("p-inbox", "CS-INBOX00008", { type: "update", message: "one" }, partner);
      // Noted as new although it has an action (another instance's note, a redelivered intake).
      inbox.noteNewCase("p-inbox", "CS-INBOX00008");
      expect((await inbox.append("p-inbox", "CS-INBOX00008", { type: "update", message: "two" }, partner)).seq).toBe("000000000002");
      expect((await inbox.listAfter("p-inbox", "CS-INBOX00008")).map((r) => r.seq)).toEqual(["000000000001", "000000000002"]);
    });

    it("is not changed through objects a caller passed in or got back", async () => {
      const inbox = await makeAdapter(() => new Date());
      const action = { type: "update" as const, message: "original" };
      const record = await inbox.append("p-inbox", "CS-INBOX00006", action, partner);
      action.message = "changed after append";
      (record.action as { message: string }).message = "changed on the result";
      const [read] = await inbox.listAfter("p-inbox", "CS-INBOX00006");
      (read!.action as { message: string }).message = "changed on a read";
      expect((await inbox.listAfter("p-inbox", "CS-INBOX00006"))[0]?.action).toEqual({ type: "update", message: "original" });
    });
  });
}
