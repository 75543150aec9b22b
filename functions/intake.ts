/**
 * Registers the intake webhook: `POST /api/partners/{partnerId}/support-requests`
 * (see functions/http/intakeHandlers.ts). Anonymous at the Functions level: the Standard Webhooks
 * signature authenticates the partner.
 */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { getContainer } from "../shared/container";
import { createSubmitSupportRequestHandler } from "./http/intakeHandlers";

app.http("SubmitSupportRequest", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/support-requests",
  extraInputs: [df.input.durableClient()],
  handler: createSubmitSupportRequestHandler({ getContainer, getWorkflow: (context) => getContainer().createWorkflow(df.getClient(context)) }),
});
