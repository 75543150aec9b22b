/**
 * Email intake: the blob trigger on `inbound-email/{name}` (blob name
 * `<partnerId>/<timestamp>-<id>.eml`, written by any relay: a Logic App on the shared mailbox, the
 * signed HTTP endpoint below, the local SMTP intake) runs `processInboundEmail`; plus the HTTP
 * endpoints of functions/http/inboundEmailHandlers.ts. A failing invocation throws, so the host
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
import type { HttpHandlerDeps } from "./http/common";
import { createListIgnoredEmailHandler, createListInboundLogHandler, createListQuarantinedEmailHandler, createReclassifySupportRequestHandler, createSubmitInboundEmailHandler } from "./http/inboundEmailHandlers";

const deps: HttpHandlerDeps = { getContainer, getWorkflow: (context) => getContainer().createWorkflow(df.getClient(context)) };

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
    const result = await processInboundEmail(getContainer().inboundEmailDeps(deps.getWorkflow(context)), { partnerId, blobName: name, raw });
    context.log(`Inbound email ${result.messageId} for ${partnerId}: ${result.outcome.kind}${"caseId" in result.outcome && result.outcome.caseId ? ` ${result.outcome.caseId}` : ""}${result.duplicate ? " (duplicate, nothing changed)" : ""}`);
  },
});

app.http("SubmitInboundEmail", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/inbound-email",
  handler: createSubmitInboundEmailHandler(deps),
});

app.http("ListQuarantinedEmail", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/inbound-email/quarantine",
  handler: createListQuarantinedEmailHandler(deps),
});

app.http("ListIgnoredEmail", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/inbound-email/ignored",
  handler: createListIgnoredEmailHandler(deps),
});

app.http("ListInboundEmailLog", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/inbound-email/log",
  handler: createListInboundLogHandler(deps),
});

app.http("ReclassifySupportRequest", {
  methods: ["PATCH"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/support-requests/{caseId}",
  // A running workflow is signalled to re-select the SLA policy.
  extraInputs: [df.input.durableClient()],
  handler: createReclassifySupportRequestHandler(deps),
});
