/** Registers `GET /api/health` (anonymous): 200 when storage and mail are up, 503 otherwise; with the count of stopped workflows. */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { getContainer } from "../shared/container";
import { createHealthHandler } from "./http/healthHandler";

app.http("Health", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "health",
  extraInputs: [df.input.durableClient()],
  handler: createHealthHandler(getContainer, (context) => getContainer().createWorkflow(df.getClient(context))),
});
