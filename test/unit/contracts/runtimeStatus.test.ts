/** Which Durable runtime statuses mean an instance has stopped (one definition for every caller). */
import * as df from "durable-functions";
import { isTerminalRuntimeStatus } from "../../../shared/contracts";

describe("isTerminalRuntimeStatus", () => {
  it("counts completed, failed, terminated and canceled instances as stopped", () => {
    for (const s of [df.OrchestrationRuntimeStatus.Completed, df.OrchestrationRuntimeStatus.Failed, df.OrchestrationRuntimeStatus.Terminated, "Canceled"]) {
      expect(isTerminalRuntimeStatus(s)).toBe(true);
    }
  });

  it("counts running, pending, suspended and continued-as-new instances as still running", () => {
    for (const s of [df.OrchestrationRuntimeStatus.Running, df.OrchestrationRuntimeStatus.Pending, df.OrchestrationRuntimeStatus.ContinuedAsNew, "Suspended"]) {
      expect(isTerminalRuntimeStatus(s)).toBe(false);
    }
  });
});
