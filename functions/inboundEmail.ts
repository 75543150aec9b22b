/**
 * Email intake: the blob trigger on `inbound-email/{name}` (blob name
 * `<partnerId>/<timestamp>-<id>.eml`, written by any relay: a Logic App on the shared mailbox, the
 * signed HTTP endpoint below, the local SMTP intake) runs `processInboundEmail`; plus the HTTP
 * endpoints of functions/http/inboundEmailHandlers.ts (route table: shared/openapi/paths.ts). A failing invocation throws, so the host
 * retries the blob (5 attempts, then `webjobs-blobtrigger-poison`, from where
 * RetryPoisonedInboundEmail below tries it again for up to a day); the pipeline is idempotent.
 *
 * On Flex Consumption only the Event Grid blob trigger exists: set the app setting
 * `INBOUND_EMAIL_BLOB_SOURCE=EventGrid` and subscribe the container: infra/ and azd's postdeploy hook do
 * both (docs/deploy.md).
 */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { BLOB_TRIGGER_POISON_QUEUE, INBOUND_EMAIL_CONTAINER } from "../shared/contracts";
import { getContainer } from "../shared/container";
import { partnerIdOfBlobName, processInboundEmail, retryPoisonedInboundEmail, sweepUnprocessedInboundEmail, sweepWindow } from "../shared/services/inboundEmail";
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

// The blob trigger gives a blob up after `poisonBlobThreshold` failed attempts in a row (host.json
// `extensions.blobs`, default 5) and writes it to `webjobs-blobtrigger-poison`. An inbound email
// there is taken back and tried again with growing delays for up to a day, then quarantined as
// `processing-failed` (listed, partner emailed): shared/services/inboundEmail/poisonedEmail.ts.
app.storageQueue("RetryPoisonedInboundEmail", {
  queueName: BLOB_TRIGGER_POISON_QUEUE,
  connection: "AzureWebJobsStorage",
  extraInputs: [df.input.durableClient()],
  handler: async (message: unknown, context: InvocationContext): Promise<void> => {
    const result = await retryPoisonedInboundEmail(getContainer().poisonedEmailDeps(registrationDeps.getWorkflow(context)), message);
    switch (result.kind) {
      case "processed":
        context.log(`Inbound email ${result.result.messageId} processed on retry ${result.attempt} after the blob trigger gave up: ${result.result.outcome.kind}.`);
        return;
      case "retry-scheduled":
        context.warn(`Inbound email retry ${result.attempt} failed (${result.fault.code}: ${result.fault.message}); next attempt in ${Math.round(result.delayInMs / 1000)} s.`);
        return;
      case "quarantined":
        context.error(`Inbound email given up after retry ${result.attempt} (${result.fault.code}: ${result.fault.message}); quarantined as processing-failed${result.noticeFailed ? `; the partner's email failed too: ${result.noticeFailed}` : ""}.`);
        return;
      case "blob-gone":
        context.warn(`Poisoned inbound email ${result.blobName} no longer exists; nothing to retry.`);
        return;
      case "not-inbound-email":
        // Failing keeps the message: after the queue's own attempts it moves to `…-poison-poison`.
        throw new Error(`${BLOB_TRIGGER_POISON_QUEUE}: ${result.reason}; kept for the operator in ${BLOB_TRIGGER_POISON_QUEUE}-poison.`);
    }
  },
});

// Inbound email no trigger ran on (Event Grid dropped the event: the webhook refused it, the app
// was down for a day, or the subscription is missing): every hour, blobs created since the last run
// without an inbound log entry are handed to the retry path above. `useMonitor` records the last
// run, which starts the next window (shared/services/inboundEmail/unprocessedSweep.ts).
app.timer("SweepUnprocessedInboundEmail", {
  // `INBOUND_EMAIL_SWEEP_SCHEDULE` (an app setting read at registration; shared/config.ts validates it) overrides the default.
  schedule: process.env.INBOUND_EMAIL_SWEEP_SCHEDULE?.trim() || "0 20 * * * *",
  useMonitor: true,
  handler: async (timer: Timer, context: InvocationContext): Promise<void> => {
    const container = getContainer();
    const last = timer.scheduleStatus?.last ? new Date(timer.scheduleStatus.last) : undefined;
    const window = sweepWindow(container.clock.now(), last && last.getUTCFullYear() > 1 ? last : undefined);
    const report = await sweepUnprocessedInboundEmail({ blobs: container.inboundBlobs, inboundLog: container.inboundLog, retries: container.inboundRetries }, window);
    const summary = `Inbound email sweep ${report.after} – ${report.until}: ${report.checked} checked, ${report.enqueued.length} without an outcome handed to the retry path${report.skipped.length > 0 ? `, ${report.skipped.length} outside any partner's folder left alone` : ""}.`;
    if (report.enqueued.length > 0) context.warn(`${summary} ${report.enqueued.join(", ")}`);
    else context.log(summary);
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
