/**
 * Registers the activities of the support-request orchestration; each delegates to the factory
 * built in the container (shared/services/activities.ts). Names from shared/contracts/names.ts:
 * never rename once deployed.
 */
import * as df from "durable-functions";
import { ActivityNames, type NotifyPartnerInput, type RecordTransitionInput, type SendStatusEmailInput, type SupportRequestOrchestrationInput } from "../shared/contracts";
import { getContainer } from "../shared/container";
import type { RecordEscalationInput } from "../shared/services";

df.app.activity(ActivityNames.getCaseContext, { handler: (input: SupportRequestOrchestrationInput) => getContainer().activities.getCaseContext(input) });
df.app.activity(ActivityNames.recordTransition, { handler: (input: RecordTransitionInput) => getContainer().activities.recordTransition(input) });
df.app.activity(ActivityNames.sendStatusEmail, { handler: (input: SendStatusEmailInput) => getContainer().activities.sendStatusEmail(input) });
df.app.activity(ActivityNames.recordEscalation, { handler: (input: RecordEscalationInput) => getContainer().activities.recordEscalation(input) });
df.app.activity(ActivityNames.notifyPartner, { handler: (input: NotifyPartnerInput) => getContainer().activities.notifyPartner(input) });
