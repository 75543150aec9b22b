/**
 * Contract of the CaseActionInbox port (shared/ports): what a caller observes of any adapter.
 */
import { CaseInboxClosedError } from "../../shared/contracts";
import type { CaseActionRecord } from "../../shared/contracts";
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

    it("closes only when nothing follows the cursor, then refuses appends until a reopening opens it again", async () => {
      const clock = new TestClock("2026-03-05T09:00:00.000Z");
      const inbox = await makeAdapter(clock.now);
      const c = "CS-INBOX00010";
      const a = await inbox.append("p-inbox", c, { type: "resolution", summary: "Done" }, partner);
      const b = await inbox.append("p-inbox", c, { type: "reopen", reason: "It broke again" }, partner);
      // The workflow's cursor is behind: the actions after it are handed over, the inbox stays open.
      expect(await inbox.close("p-inbox", c)).toEqual({ closed: false, actions: [a, b] });
      expect(await inbox.close("p-inbox", c, a.seq)).toEqual({ closed: false, actions: [b] });
      expect(await inbox.close("p-inbox", c, a.seq, 1)).toEqual({ closed: false, actions: [b] });
      const third = await inbox.append("p-inbox", c, { type: "update", message: "still open" }, partner);
      expect(third.seq).toBe("000000000003");
      // At the last action it closes, and closing again answers the same (the activity may rerun).
      expect(await inbox.close("p-inbox", c, third.seq)).toEqual({ closed: true, actions: [] });
      expect(await inbox.close("p-inbox", c, third.seq)).toEqual({ closed: true, actions: [] });
      const refused = inbox.append("p-inbox", c, { type: "update", message: "too late" }, partner);
      await expect(refused).rejects.toThrow(CaseInboxClosedError);
      await expect(refused).rejects.toMatchObject({ code: "CaseInboxClosed", caseId: c });
      expect((await inbox.listAfter("p-inbox", c)).map((r) => r.seq)).toEqual([a.seq, b.seq, third.seq]);
      // A reopening is appended gaplessly and opens the inbox: later actions are taken again.
      clock.set("2026-03-06T09:00:00.000Z");
      const reopen = await inbox.append("p-inbox", c, { type: "reopen", reason: "Broke once more" }, partner, { reopen: true });
      expect(reopen).toMatchObject({ seq: "000000000004", recordedAt: "2026-03-06T09:00:00.000Z" });
      expect((await inbox.append("p-inbox", c, { type: "update", message: "taken" }, partner)).seq).toBe("000000000005");
      expect(await inbox.close("p-inbox", c, reopen.seq)).toMatchObject({ closed: false, actions: [{ seq: "000000000005" }] });
      expect(await inbox.close("p-inbox", c, "000000000005")).toEqual({ closed: true, actions: [] });
      // Other cases are not affected.
      expect((await inbox.append("p-inbox", "CS-INBOX00011", { type: "update", message: "other case" }, partner)).seq).toBe("000000000001");
    });

    it("closes an inbox that never had an action; a reopening appends the first one; erasing it starts afresh", async () => {
      const inbox = await makeAdapter(() => new Date());
      const c = "CS-INBOX00012";
      inbox.noteNewCase("p-inbox", c);
      expect(await inbox.close("p-inbox", c)).toEqual({ closed: true, actions: [] });
      expect(await inbox.close("p-inbox", c, "")).toEqual({ closed: true, actions: [] });
      await expect(inbox.append("p-inbox", c, { type: "update", message: "refused" }, partner)).rejects.toThrow(CaseInboxClosedError);
      expect((await inbox.append("p-inbox", c, { type: "reopen", reason: "again" }, partner, { reopen: true })).seq).toBe("000000000001");
      expect(await inbox.close("p-inbox", c, "000000000001")).toEqual({ closed: true, actions: [] });
      expect(await inbox.deleteCase("p-inbox", c)).toBeGreaterThanOrEqual(1);
      expect((await inbox.append("p-inbox", c, { type: "update", message: "a new inbox" }, partner)).seq).toBe("000000000001");
    });

    it("refuses a limit outside 1–500 or a cursor that is not a position when closing", async () => {
      const inbox = await makeAdapter(() => new Date());
      for (const limit of [0, 501]) await expect(inbox.close("p-inbox", "CS-INBOX00013", undefined, limit)).rejects.toThrow(RangeError);
      await expect(inbox.close("p-inbox", "CS-INBOX00013", "counter")).rejects.toThrow(RangeError);
      await expect(inbox.append("p-inbox", "CS-INBOX00013", { type: "update", message: "still open" }, partner)).resolves.toMatchObject({ seq: "000000000001" });
    });

    it("closing and appending at the same moment: an append either is handed over by the close or is refused, never accepted and left behind", async () => {
      const inbox = await makeAdapter(() => new Date());
      for (let round = 0; round < 12; round++) {
        const c = `CS-INBOXRACE${String(round).padStart(2, "0")}`;
        const first = await inbox.append("p-inbox", c, { type: "resolution", summary: "Done" }, partner);
        // Even rounds start the append at once, odd ones a few ms after the close (both outcomes occur on Azurite).
        const reopen = async (): Promise<CaseActionRecord> => {
          if (round % 2 === 1) await new Promise((r) => setTimeout(r, round % 4));
          return inbox.append("p-inbox", c, { type: "reopen", reason: `round ${round}` }, partner);
        };
        const [appended, closing] = await Promise.allSettled([reopen(), inbox.close("p-inbox", c, first.seq)]);
        if (closing.status !== "fulfilled") throw closing.reason;
        if (appended.status === "fulfilled") {
          // Accepted: the close saw it and handed it over; the inbox is still open.
          expect(closing.value).toEqual({ closed: false, actions: [appended.value] });
          expect(await inbox.close("p-inbox", c, appended.value.seq)).toEqual({ closed: true, actions: [] });
        } else {
          expect(appended.reason).toBeInstanceOf(CaseInboxClosedError);
          expect(closing.value).toEqual({ closed: true, actions: [] });
          expect((await inbox.listAfter("p-inbox", c)).map((r) => r.seq)).toEqual([first.seq]);
        }
      }
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
