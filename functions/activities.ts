/**
 * Registers the activities of the support-request orchestration from their definitions
 * (shared/contracts/activities.ts `SupportRequestActivities`: name, input and output schemas,
 * failure policy). Each delegates to the factory built in the container
 * (shared/services/activities.ts), whose type must match the definition; the input is checked
 * against its schema first, and every run answers with an ActivityResult: its value, or the fault
 * that stopped it as classified by the adapters (shared/adapters/faults.ts), never a thrown error.
 */
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { SupportRequestActivities, type ActivityDefinition } from "../shared/contracts";
import { faultOf } from "../shared/adapters/faults";
import { getContainer, type Container } from "../shared/container";
import { activityInput, runActivity } from "../shared/services/activityBoundary";

/**
 * Registers `activity` with a handler that checks the input and runs `pick(activities)(input)`
 * inside the activity boundary.
 */
function register<I, O>(activity: ActivityDefinition<I, O>, pick: (activities: Container["activities"]) => (input: I) => Promise<O>): void {
  df.app.activity(activity.name, {
    handler: (input: unknown, context: InvocationContext) =>
      runActivity(
        () => pick(getContainer().activities)(activityInput(activity, input)),
        faultOf,
        (fault, error) => context.warn(`${activity.name} failed (${fault.class} ${fault.code}): ${fault.message}`, fault.code === "unexpected" ? error : ""),
      ),
  });
}

const a = SupportRequestActivities;
register(a.getCaseContext, (x) => x.getCaseContext);
register(a.recordTransition, (x) => x.recordTransition);
register(a.sendStatusEmail, (x) => x.sendStatusEmail);
register(a.notifyPartner, (x) => x.notifyPartner);
register(a.takeCaseActions, (x) => x.takeCaseActions);
register(a.closeCaseInbox, (x) => x.closeCaseInbox);
register(a.recordSlaEvents, (x) => x.recordSlaEvents);
register(a.consumeProductSupportIncident, (x) => x.consumeProductSupportIncident);
register(a.fileMicrosoftServiceRequest, (x) => x.fileMicrosoftServiceRequest);
