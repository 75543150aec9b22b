/**
 * Contract of the SlaEventLog port (shared/ports): what a caller observes of any adapter.
 */
import type { SlaEventLog, SlaEventWithId } from "../../shared/ports";
import type { MakeAdapter } from "./support";

const events: SlaEventWithId[] = [
  { eventId: "e01-activate-first-response", metric: "first-response", type: "activate", at: "2026-03-02T08:00:00.000Z", policyId: "default", target: "PT4H" },
  { eventId: "e01-activate-resolution", metric: "resolution", type: "activate", at: "2026-03-02T08:00:00.000Z", policyId: "default", target: "P2D" },
  { eventId: "e02-pause-resolution", metric: "resolution", type: "pause", at: "2026-03-02T09:00:00.000Z", policyId: "default", reason: "status awaiting-customer" },
];

/** Defines the SlaEventLog contract tests for an adapter. */
export function describeSlaEventLogContract(name: string, makeAdapter: MakeAdapter<SlaEventLog>): void {
  describe(`SlaEventLog contract: ${name}`, () => {
    it("appends idempotently by eventId and lists oldest first, then in append order", async () => {
      const log = await makeAdapter(() => new Date());
      const first = await log.append("p-sla", "CS-SLA0000001", events.slice(0, 2));
      expect(first).toEqual({ appended: 2, log: events.slice(0, 2) });
      // A retried activity appends the same events again plus a new one: only the new one is logged.
      expect((await log.append("p-sla", "CS-SLA0000001", events)).appended).toBe(1);
      expect(await log.append("p-sla", "CS-SLA0000001", events)).toEqual({ appended: 0, log: events });
      expect((await log.append("p-sla", "CS-SLA0000001", [])).appended).toBe(0);
      const warn: SlaEventWithId = { eventId: "e00-warn-first-response-50", metric: "first-response", type: "warn", percent: 50, at: "2026-03-02T08:30:00.000Z", policyId: "default" };
      const afterWarn = await log.append("p-sla", "CS-SLA0000001", [warn]);
      const listed = await log.list("p-sla", "CS-SLA0000001");
      expect(listed.map((e) => e.eventId)).toEqual(["e01-activate-first-response", "e01-activate-resolution", "e00-warn-first-response-50", "e02-pause-resolution"]);
      expect(listed[3]).toEqual(events[2]);
      // The append hands back the log exactly as a read after it returns it.
      expect(afterWarn).toEqual({ appended: 1, log: listed });
      expect(await log.list("p-sla", "CS-SLA0000002")).toEqual([]);
      expect(await log.list("p-other", "CS-SLA0000001")).toEqual([]);
    });

    it("orders by instant, not by how `at` is written", async () => {
      const log = await makeAdapter(() => new Date());
      await log.append("p-sla", "CS-SLA0000003", [
        { ...events[2]!, eventId: "later", at: "2026-03-02T10:00:00+01:00" },
        { ...events[0]!, eventId: "earlier", at: "2026-03-02T08:30:00.000Z" },
      ]);
      expect((await log.list("p-sla", "CS-SLA0000003")).map((e) => e.eventId)).toEqual(["earlier", "later"]);
    });

    it("keeps every event of appends racing on one case, each logged once", async () => {
      const log = await makeAdapter(() => new Date());
      const batches = Array.from({ length: 6 }, (_, b) =>
        Array.from({ length: 3 }, (_, i): SlaEventWithId => ({ eventId: `race-${b}-${i}`, metric: "resolution", type: "warn", percent: 10 * i, at: `2026-03-02T08:0${b}:00.000Z`, policyId: "default" })),
      );
      // Every batch twice, all at once: as retried activities of one case would.
      const results = await Promise.all([...batches, ...batches].map((batch) => log.append("p-sla", "CS-SLA0000006", batch)));
      expect(results.reduce((n, r) => n + r.appended, 0)).toBe(18);
      const listed = await log.list("p-sla", "CS-SLA0000006");
      expect(listed.map((e) => e.eventId)).toEqual(batches.flat().map((e) => e.eventId));
    });

    it("an append said to start the log starts it, and merges as any other when the log exists after all", async () => {
      const log = await makeAdapter(() => new Date());
      expect(await log.append("p-sla", "CS-SLA0000007", events.slice(0, 2), { startsLog: true })).toEqual({ appended: 2, log: events.slice(0, 2) });
      // A retried first step (or a wrong hint): the events already logged are skipped, the new one kept.
      expect(await log.append("p-sla", "CS-SLA0000007", events, { startsLog: true })).toEqual({ appended: 1, log: events });
      expect(await log.list("p-sla", "CS-SLA0000007")).toEqual(events);
    });

    it("refuses a batch with a repeated eventId and logs none of it", async () => {
      const log = await makeAdapter(() => new Date());
      await expect(log.append("p-sla", "CS-SLA0000004", [events[0]!, events[1]!, events[0]!])).rejects.toThrow(RangeError);
      expect(await log.list("p-sla", "CS-SLA0000004")).toEqual([]);
    });

    it("is not changed through objects a caller passed in or got back", async () => {
      const log = await makeAdapter(() => new Date());
      const event = { ...events[0]! };
      await log.append("p-sla", "CS-SLA0000005", [event]);
      event.at = "2030-01-01T00:00:00.000Z";
      const [read] = await log.list("p-sla", "CS-SLA0000005");
      read!.policyId = "changed";
      expect(await log.list("p-sla", "CS-SLA0000005")).toEqual([events[0]]);
    });
  });
}
