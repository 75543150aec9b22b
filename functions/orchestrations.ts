/** Registers the support-request orchestrator (orchestrations/supportRequest/) under its durable name. */
import * as df from "durable-functions";
import { supportRequestOrchestrator } from "../orchestrations/supportRequest";
import { OrchestratorNames } from "../shared/contracts";

df.app.orchestration(OrchestratorNames.supportRequest, supportRequestOrchestrator);
