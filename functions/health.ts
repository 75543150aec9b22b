/** Registers `GET /api/health` (anonymous): 200 when storage and mail are up, 503 otherwise. */
import { app } from "@azure/functions";
import { getContainer } from "../shared/container";
import { createHealthHandler } from "./http/healthHandler";

app.http("Health", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "health",
  handler: createHealthHandler(getContainer),
});
