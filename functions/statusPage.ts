/**
 * Registers the customer's status page (see functions/http/statusPageHandlers.ts). Anonymous at
 * the Functions level and for the API: the signed status link in the path is the capability.
 */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { getContainer } from "../shared/container";
import type { HttpHandlerDeps } from "./http/common";
import { createGetStatusPageHandler, createPostStatusPageActionHandler } from "./http/statusPageHandlers";

const deps: HttpHandlerDeps = { getContainer, getWorkflow: (context) => getContainer().createWorkflow(df.getClient(context)) };

app.http("GetStatusPage", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "status/{token}",
  extraInputs: [df.input.durableClient()],
  handler: createGetStatusPageHandler(deps),
});

app.http("PostStatusPageAction", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "status/{token}/{action}",
  extraInputs: [df.input.durableClient()],
  handler: createPostStatusPageActionHandler(deps),
});
