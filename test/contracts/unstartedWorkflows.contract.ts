/**
 * Contract of the UnstartedWorkflows port (shared/ports): what a caller observes of any adapter.
 */
import type { UnstartedWorkflow, UnstartedWorkflows } from "../../shared/ports";
import type { MakeAdapter } from "./support";

function entry(partnerId: string, caseId: string, failedAt: string, reason = "connect ECONNREFUSED 127.0.0.1:7071"): UnstartedWorkflow {
  return { partnerId, caseId, failedAt, reason };
}

/** Defines the UnstartedWorkflows contract tests for an adapter. */
export function describeUnstartedWorkflowsContract(name: string, makeAdapter: MakeAdapter<UnstartedWorkflows>): void {
  describe(`UnstartedWorkflows contract: ${name}`, () => {
    it("lists the recorded cases oldest failure first, keeps a case's first failure, forgets removed ones", async () => {
      const log = await makeAdapter(() => new Date());
      expect(await log.list(10)).toEqual([]);
      await log.record(entry("p-b", "CS-0000000002", "2026-06-01T10:00:02.000Z"));
      await log.record(entry("p-a", "CS-0000000001", "2026-06-01T10:00:01.000Z"));
      await log.record(entry("p-a", "CS-0000000001", "2026-06-01T10:05:00.000Z", "a later failure"));
      await log.record(entry("p-a", "CS-0000000003", "2026-06-01T10:00:03.000Z"));
      expect(await log.list(10)).toEqual([entry("p-a", "CS-0000000001", "2026-06-01T10:00:01.000Z"), entry("p-b", "CS-0000000002", "2026-06-01T10:00:02.000Z"), entry("p-a", "CS-0000000003", "2026-06-01T10:00:03.000Z")]);
      expect(await log.list(2)).toHaveLength(2);

      await log.remove("p-b", "CS-0000000002");
      await log.remove("p-b", "CS-0000000002");
      await log.remove("p-none", "CS-0000000009");
      expect((await log.list(10)).map((e) => e.caseId)).toEqual(["CS-0000000001", "CS-0000000003"]);
    });

    it("keeps a long reason to 1,000 characters and refuses bad limits", async () => {
      const log = await makeAdapter(() => new Date());
      await log.record(entry("p-a", "CS-0000000004", "2026-06-01T10:00:04.000Z", "x".repeat(5000)));
      expect((await log.list(1))[0]?.reason).toHaveLength(1000);
      for (const bad of [0, -1, 1.5, 1001]) await expect(log.list(bad)).rejects.toThrow(RangeError);
    });
  });
}
