import { CaseActionSchema, CaseStatuses, type CaseAction } from "../../../shared/contracts";
import { ActionAllowedStatuses, allowedStatusesOf, canTransition, isActionAllowed } from "../../../shared/domain";
import { dashboardModel } from "../../../functions/dashboard";

const actionTypes = CaseActionSchema.options.map((o) => o.shape.type.value) as Array<CaseAction["type"]>;

describe("which action is allowed in which status", () => {
  it("covers every case action type, with statuses of the lifecycle only", () => {
    expect(Object.keys(ActionAllowedStatuses).sort()).toEqual([...actionTypes].sort());
    for (const type of actionTypes) for (const status of allowedStatusesOf(type)) expect(CaseStatuses).toContain(status);
  });

  it("follows the lifecycle: resolve from what may move to resolved, close only a resolved case, reopen resolved or closed ones", () => {
    expect(allowedStatusesOf("resolution")).toEqual(CaseStatuses.filter((s) => canTransition(s, "resolved")));
    expect(allowedStatusesOf("close")).toEqual(["resolved"]);
    expect(allowedStatusesOf("reopen")).toEqual(["resolved", "closed"]);
    expect(allowedStatusesOf("reclassify")).not.toContain("closed");
  });

  it("lets the partner diagnose and ask for information only while the case is with it, and update while it is open", () => {
    for (const type of ["diagnosis", "information-request", "escalate"] as const) expect(allowedStatusesOf(type)).toEqual(["received", "in-diagnosis", "awaiting-customer"]);
    expect(allowedStatusesOf("update")).toEqual(CaseStatuses.filter((s) => s !== "resolved" && s !== "closed"));
  });

  it("lets the indirect provider only escalate or resolve a case escalated to it (resolve also after it went on to Microsoft)", () => {
    const providerTypes = actionTypes.filter((t) => allowedStatusesOf(t, "indirect-provider").length > 0);
    expect(providerTypes.sort()).toEqual(["escalate", "resolution"]);
    expect(isActionAllowed("escalate", "indirect-provider", "escalated-to-provider")).toBe(true);
    expect(isActionAllowed("escalate", "indirect-provider", "escalated-to-microsoft")).toBe(false);
    expect(isActionAllowed("resolution", "indirect-provider", "escalated-to-microsoft")).toBe(true);
    expect(isActionAllowed("resolution", "indirect-provider", "in-diagnosis")).toBe(false);
  });

  it("is what the dashboard reads from model.json", () => {
    const model = dashboardModel() as { actions: unknown; actionStatuses: Record<string, unknown>; providerActionStatuses: Record<string, unknown> };
    expect(model.actions).toEqual(ActionAllowedStatuses);
    expect(Object.keys(model.actionStatuses).sort()).toEqual(["closure", "diagnosis", "escalation", "information-requests", "reopening", "resolution", "updates"]);
    expect(model.actionStatuses["information-requests"]).toEqual(allowedStatusesOf("information-request"));
    expect(model.actionStatuses.closure).toEqual(["resolved"]);
    expect(model.actionStatuses.reopening).toEqual(["resolved", "closed"]);
    expect(model.providerActionStatuses).toEqual({ escalation: ["escalated-to-provider"], resolution: ["escalated-to-provider", "escalated-to-microsoft"] });
  });
});
