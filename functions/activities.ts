/**
 * Registers the activities of the support-request orchestration; each delegates to the factory
 * built in the container (shared/services/activities.ts) and answers with an ActivityResult: its
 * value, or the fault that stopped it as classified by the adapters (shared/adapters/faults.ts),
 * never a thrown error. Names from shared/contracts/names.ts: never rename once deployed.
 */
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import {
  ActivityNames,
  type ConsumeProductSupportIncidentInput,
  type FileMicrosoftServiceRequestInput,
  type NotifyPartnerInput,
  type RecordSlaEventsInput,
  type RecordTransitionInput,
  type SendStatusEmailInput,
  type SupportRequestOrchestrationInput,
  type TakeCaseActionsInput,
} from "../shared/contracts";
import { faultOf } from "../shared/adapters/faults";
import { getContainer, type Container } from "../shared/container";
import { runActivity } from "../shared/services/activityBoundary";

/** Registers `name` with a handler that runs `pick(activities)(input)` inside the activity boundary. */
function register<I>(name: string, pick: (activities: Container["activities"]) => (input: I) => Promise<unknown>): void {
  df.app.activity(name, {
    handler: (input: I, context: InvocationContext) =>
      runActivity(
        () => pick(getContainer().activities)(input),
        faultOf,
        (fault, error) => context.warn(`${name} failed (${fault.class} ${fault.code}): ${fault.message}`, fault.code === "unexpected" ? error : ""),
      ),
  });
}

register<SupportRequestOrchestrationInput>(ActivityNames.getCaseContext, (a) => a.getCaseContext);
register<RecordTransitionInput>(ActivityNames.recordTransition, (a) => a.recordTransition);
register<SendStatusEmailInput>(ActivityNames.sendStatusEmail, (a) => a.sendStatusEmail);
register<NotifyPartnerInput>(ActivityNames.notifyPartner, (a) => a.notifyPartner);
register<TakeCaseActionsInput>(ActivityNames.takeCaseActions, (a) => a.takeCaseActions);
register<RecordSlaEventsInput>(ActivityNames.recordSlaEvents, (a) => a.recordSlaEvents);
register<ConsumeProductSupportIncidentInput>(ActivityNames.consumeProductSupportIncident, (a) => a.consumeProductSupportIncident);
register<FileMicrosoftServiceRequestInput>(ActivityNames.fileMicrosoftServiceRequest, (a) => a.fileMicrosoftServiceRequest);
