/**
 * Contract of the AuditLog port (shared/ports): what a caller observes of any adapter.
 */
import type { AuditEntry } from "../../shared/contracts";
import type { AuditLog } from "../../shared/ports";
import { allPages, type MakeAdapter } from "./support";

function entry(partnerId: string, at: string, action = "RecordDiagnosis"): AuditEntry {
  return { at, partnerId, keyId: "key_0123456789abcdef", role: "admin-agent", action, method: "POST", path: `/api/partners/${partnerId}/support-requests/CS-1/diagnosis`, status: 202, sourceIp: "203.0.113.7" };
}

/** Every page of the partner's entries, following continuation tokens. */
function pagesOf(log: AuditLog, partnerId: string, options: { from?: string; to?: string; limit?: number }): Promise<{ pages: AuditEntry[][]; tokens: string[] }> {
  return allPages((token) => log.list(partnerId, { ...options, ...(token ? { continuationToken: token } : {}) }));
}

/** Defines the AuditLog contract tests for an adapter. */
export function describeAuditLogContract(name: string, makeAdapter: MakeAdapter<AuditLog>): void {
  describe(`AuditLog contract: ${name}`, () => {
    const times = ["2026-01-01T10:00:00.000Z", "2026-01-01T10:00:01.000Z", "2026-01-01T10:00:02.000Z", "2026-01-01T10:00:03.000Z", "2026-01-01T10:00:04.000Z"];

    it("lists a partner's entries newest first, page by page, with opaque continuation tokens", async () => {
      const log = await makeAdapter(() => new Date());
      for (const at of [times[2]!, times[0]!, times[4]!, times[1]!, times[3]!]) await log.record(entry("p-audit", at));
      await log.record(entry("p-other", times[2]!, "CreateApiKey"));
      const all = await log.list("p-audit");
      expect(all.items.map((e) => e.at)).toEqual([...times].reverse());
      expect(all.items[0]).toEqual(entry("p-audit", times[4]!));
      expect(all.continuationToken).toBeUndefined();
      const { pages, tokens } = await pagesOf(log, "p-audit", { limit: 2 });
      expect(pages.every((p) => p.length <= 2)).toBe(true);
      expect(pages.flat().map((e) => e.at)).toEqual([...times].reverse());
      expect(tokens.length).toBeGreaterThanOrEqual(2);
      expect((await log.list("p-other")).items.map((e) => e.action)).toEqual(["CreateApiKey"]);
      expect(await log.list("p-nobody")).toEqual({ items: [] });
    });

    it("filters [from, to)", async () => {
      const log = await makeAdapter(() => new Date());
      for (const at of times) await log.record(entry("p-audit", at));
      expect((await log.list("p-audit", { from: times[1], to: times[3] })).items.map((e) => e.at)).toEqual([times[2], times[1]]);
      expect((await pagesOf(log, "p-audit", { from: times[1], limit: 1 })).pages.flat().map((e) => e.at)).toEqual([times[4], times[3], times[2], times[1]]);
      expect((await log.list("p-audit", { to: times[0] })).items).toEqual([]);
    });

    it("refuses a limit outside 1–100 and tokens it did not issue", async () => {
      const log = await makeAdapter(() => new Date());
      for (const limit of [0, 101, 2.5]) await expect(log.list("p-audit", { limit })).rejects.toThrow(RangeError);
      for (const continuationToken of ["not a token", "eyJ2IjoyfQ", ""]) await expect(log.list("p-audit", { continuationToken })).rejects.toMatchObject({ name: "RangeError", code: "InvalidContinuationToken" });
    });

    it("purges entries older than a cutoff, every partner, and only those", async () => {
      const log = await makeAdapter(() => new Date());
      for (const at of times) await log.record(entry("p-audit", at));
      await log.record(entry("p-other", times[0]!));
      expect(await log.purgeBefore(times[2]!)).toBe(3);
      expect((await log.list("p-audit")).items.map((e) => e.at)).toEqual([times[4], times[3], times[2]]);
      expect(await log.list("p-other")).toEqual({ items: [] });
      expect(await log.purgeBefore(times[2]!)).toBe(0);
    });

    it("is not changed through objects a caller passed in or got back", async () => {
      const log = await makeAdapter(() => new Date());
      const mine = entry("p-audit", times[0]!);
      await log.record(mine);
      mine.action = "Changed";
      (await log.list("p-audit")).items[0]!.status = 500;
      expect((await log.list("p-audit")).items).toEqual([entry("p-audit", times[0]!)]);
    });
  });
}
