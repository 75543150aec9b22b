/**
 * Registers the activities of the support-request orchestration; each delegates to the factory
 * built in the container (shared/services/activities.ts). Names from shared/contracts/names.ts:
 * never rename once deployed.
 */
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
import { getContainer } from "../shared/container";

df.app.activity(ActivityNames.getCaseContext, { handler: (input: SupportRequestOrchestrationInput) => getContainer().activities.getCaseContext(input) });
df.app.activity(ActivityNames.recordTransition, { handler: (input: RecordTransitionInput) => getContainer().activities.recordTransition(input) });
df.app.activity(ActivityNames.sendStatusEmail, { handler: (input: SendStatusEmailInput) => getContainer().activities.sendStatusEmail(input) });
df.app.activity(ActivityNames.notifyPartner, { handler: (input: NotifyPartnerInput) => getContainer().activities.notifyPartner(input) });
df.app.activity(ActivityNames.takeCaseActions, { handler: (input: TakeCaseActionsInput) => getContainer().activities.takeCaseActions(input) });
df.app.activity(ActivityNames.recordSlaEvents, { handler: (input: RecordSlaEventsInput) => getContainer().activities.recordSlaEvents(input) });
df.app.activity(ActivityNames.consumeProductSupportIncident, { handler: (input: ConsumeProductSupportIncidentInput) => getContainer().activities.consumeProductSupportIncident(input) });
df.app.activity(ActivityNames.fileMicrosoftServiceRequest, { handler: (input: FileMicrosoftServiceRequestInput) => getContainer().activities.fileMicrosoftServiceRequest(input) });
