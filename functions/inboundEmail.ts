/**
 * Email intake: the blob trigger on `inbound-email/{name}` (blob name
 * `<partnerId>/<timestamp>-<id>.eml`, written by any relay: a Logic App on the shared mailbox, the
 * signed HTTP endpoint below, the local SMTP intake) runs `processInboundEmail`; plus the HTTP
 * endpoints of functions/http/inboundEmailHandlers.ts (route table: shared/openapi/paths.ts). A failing invocation throws, so the host
 * retries the blob (5 attempts, then `webjobs-blobtrigger-poison`); the pipeline is idempotent.
 *
 * On Flex Consumption only the Event Grid blob trigger exists: set the app setting
 * `INBOUND_EMAIL_BLOB_SOURCE=EventGrid` and subscribe the container: infra/ and azd's postdeploy hook do
 * both (docs/deploy.md).
 */
import { app, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { INBOUND_EMAIL_CONTAINER } from "../shared/contracts";
import { getContainer } from "../shared/container";
import { partnerIdOfBlobName, processInboundEmail } from "../shared/services/inboundEmail";
import { registerHttpRoutes, registrationDeps } from "./http/routes";
import { createListIgnoredEmailHandler, createListInboundLogHandler, createListQuarantinedEmailHandler, createReclassifySupportRequestHandler, createSubmitInboundEmailHandler } from "./http/inboundEmailHandlers";

app.storageBlob("ProcessInboundEmail", {
  path: `${INBOUND_EMAIL_CONTAINER}/{name}`,
  connection: "AzureWebJobsStorage",
  source: process.env.INBOUND_EMAIL_BLOB_SOURCE === "EventGrid" ? "EventGrid" : "LogsAndContainerScan",
  extraInputs: [df.input.durableClient()],
  handler: async (blob: unknown, context: InvocationContext): Promise<void> => {
    const name = String(context.triggerMetadata?.name ?? "");
    const partnerId = partnerIdOfBlobName(name);
    if (!partnerId) {
      context.warn(`Inbound email blob ${name} does not start with a partner id; left alone.`);
      return;
    }
    const raw = Buffer.isBuffer(blob) ? blob : Buffer.from(blob as Uint8Array);
    const result = await processInboundEmail(getContainer().inboundEmailDeps(registrationDeps.getWorkflow(context)), { partnerId, blobName: name, raw });
    context.log(`Inbound email ${result.messageId} for ${partnerId}: ${result.outcome.kind}${"caseId" in result.outcome && result.outcome.caseId ? ` ${result.outcome.caseId}` : ""}${result.duplicate ? " (duplicate, nothing changed)" : ""}`);
  },
});

registerHttpRoutes({
  SubmitInboundEmail: createSubmitInboundEmailHandler,
  ListQuarantinedEmail: createListQuarantinedEmailHandler,
  ListIgnoredEmail: createListIgnoredEmailHandler,
  ListInboundEmailLog: createListInboundLogHandler,
  // A running workflow is signalled to re-select the SLA policy (the table gives it the Durable client).
  ReclassifySupportRequest: createReclassifySupportRequestHandler,
});
