/** Registers `GET /api/health` (anonymous; route table: shared/openapi/paths.ts): 200 when storage and mail are up, 503 otherwise; with the count of stopped workflows. */
import { createHealthHandler } from "./http/healthHandler";
import { registerHttpRoutes } from "./http/routes";

registerHttpRoutes({ Health: (deps) => createHealthHandler(deps.getContainer, deps.getWorkflow) });
