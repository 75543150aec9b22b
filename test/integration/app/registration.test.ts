/**
 * The functions/ entry points register every HTTP route, activity and the orchestrator with the
 * bindings the host needs (captured through the local @azure/functions-core the Jest config maps).
 */
import { ActivityNames, OrchestratorNames } from "../../../shared/contracts";
import { getRegisteredFunctions } from "@csp-support/local-host/worker";
import "../../../functions/intake";
import "../../../functions/partnerApi";
import "../../../functions/health";
import "../../../functions/activities";
import "../../../functions/orchestrations";

function binding(name: string, type: string): Record<string, unknown> | undefined {
  const fn = getRegisteredFunctions().get(name);
  return Object.values(fn?.metadata.bindings ?? {}).find((b) => (b as { type?: string }).type === type) as Record<string, unknown> | undefined;
}

describe("function registrations", () => {
  it.each([
    ["SubmitSupportRequest", "partners/{partnerId}/support-requests", ["post"]],
    ["ListSupportRequests", "partners/{partnerId}/support-requests", ["get"]],
    ["GetSupportRequest", "partners/{partnerId}/support-requests/{caseId}", ["get"]],
    ["RecordDiagnosis", "partners/{partnerId}/support-requests/{caseId}/diagnosis", ["post"]],
    ["RecordResolution", "partners/{partnerId}/support-requests/{caseId}/resolution", ["post"]],
    ["Health", "health", ["get"]],
  ])("%s: anonymous HTTP %s", (name, route, methods) => {
    const trigger = binding(name, "httpTrigger");
    expect(trigger).toMatchObject({ route, authLevel: "anonymous" });
    expect((trigger?.methods as string[]).map((m) => m.toLowerCase())).toEqual(methods);
  });

  it("gives the intake and the partner actions a durable client", () => {
    for (const name of ["SubmitSupportRequest", "GetSupportRequest", "RecordDiagnosis", "RecordResolution"]) expect(binding(name, "durableClient")).toBeDefined();
  });

  it("registers every activity and the orchestrator under their durable names", () => {
    for (const name of Object.values(ActivityNames)) expect(binding(name, "activityTrigger")).toBeDefined();
    expect(binding(OrchestratorNames.supportRequest, "orchestrationTrigger")).toBeDefined();
  });
});
