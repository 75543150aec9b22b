import fc from "fast-check";
import {
  ActivitiesByName,
  ActivityNames,
  EmailFailurePolicy,
  PartnerCenterFailurePolicy,
  StorageFailurePolicy,
  SupportRequestActivities,
} from "../../../shared/contracts";
import { faultOf } from "../../../shared/adapters/faults";
import { activityInput, runActivity } from "../../../shared/services/activityBoundary";

describe("the activity table", () => {
  it("defines every registered activity name exactly once", () => {
    const names = Object.values(SupportRequestActivities).map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(Object.values(ActivityNames).sort());
    expect([...ActivitiesByName.keys()].sort()).toEqual([...names].sort());
  });

  it("gives each activity its failure policy: storage a day, Partner Center 6 hours, emails 3 days", () => {
    const a = SupportRequestActivities;
    for (const storage of [a.getCaseContext, a.recordTransition, a.takeCaseActions, a.recordSlaEvents, a.consumeProductSupportIncident]) expect(storage.failurePolicy).toBe(StorageFailurePolicy);
    expect(a.fileMicrosoftServiceRequest.failurePolicy).toBe(PartnerCenterFailurePolicy);
    expect(a.sendStatusEmail.failurePolicy).toBe(EmailFailurePolicy);
    expect(a.notifyPartner.failurePolicy).toBe(EmailFailurePolicy);
  });
});

describe("activity input at the activity boundary", () => {
  const transition = { caseId: "c-1", partnerId: "contoso", entryId: "t01-in-diagnosis", toStatus: "in-diagnosis", kind: "status-changed", summary: "Diagnosis started.", at: "2026-03-02T08:00:00.000Z" };

  it("passes a valid input on, without keys the schema does not know", () => {
    expect(activityInput(SupportRequestActivities.recordTransition, { ...transition, stray: 1 })).toEqual(transition);
  });

  it("answers an input outside the schema with a permanent invalid-input fault naming the field, without running the activity", async () => {
    let ran = false;
    const result = await runActivity(
      async () => {
        const input = activityInput(SupportRequestActivities.recordTransition, { ...transition, toStatus: "archived" });
        ran = true;
        return input;
      },
      faultOf,
    );
    expect(ran).toBe(false);
    expect(result).toEqual({ ok: false, fault: expect.objectContaining({ class: "permanent", code: "invalid-input" }) });
    expect(!result.ok && result.fault.message).toMatch(/RecordCaseTransition: invalid input at toStatus/);
  });

  it("never throws anything but the invalid-input fault, whatever JSON arrives (fuzzed)", () => {
    const definitions = Object.values(SupportRequestActivities);
    fc.assert(
      fc.property(fc.constantFrom(...definitions), fc.jsonValue(), (definition, input) => {
        try {
          activityInput(definition, input);
        } catch (e) {
          const fault = faultOf(e);
          expect(fault).toMatchObject({ class: "permanent", code: "invalid-input" });
          expect(fault.message.length).toBeLessThanOrEqual(1000);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
